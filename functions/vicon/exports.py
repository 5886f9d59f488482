"""Tables for other systems as CSV: the complaints (SP4N-LAPOR! has no public API for local systems, so complaints
are registered here and exported; docs/decisions/0027-complaints.md), and the cells any other export writes.

`csv_cell` makes one value safe for a spreadsheet. Excel, LibreOffice and Google Sheets run a cell that starts
with `=`, `+`, `-` or `@` (or a tab or a carriage return before one) as a formula, so text typed by the public
could run `=HYPERLINK(...)` or worse on the machine of whoever opens the export (CSV injection, OWASP): such a cell
gets a leading `'`, which the spreadsheet shows as text. Every cell of `csv_text` goes through it; the quarterly
report's CSV files use the same two functions.

`make complaints-csv FROM=… TO=…` (tools/complaints_csv.py) writes the complaints received from the date FROM up
to, not including, the date TO (dates in TIMEZONE) from the store STORE_URL names.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

from vicon.records import ComplaintRecord

# What makes a spreadsheet read a cell as a formula; the full-width forms too (some locales' Excel reads them).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# The complaints' columns: the record's own field names, stable for programs reading the file.
COMPLAINT_COLUMNS = (
    "id",
    "status",
    "received_at",
    "channel",
    "category",
    "name",
    "email",
    "phone",
    "opd",
    "request_id",
    "message",
    "registered_by",
    "answer",
    "answered_by",
    "answered_at",
)


def csv_cell(value: object) -> str:
    """`value` as a CSV cell a spreadsheet shows as text: None is empty, a formula start gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """RFC 4180 CSV (CRLF line ends, quoted where needed) with every cell through `csv_cell`, header included."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(name) for name in header])
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return out.getvalue()


def _local(moment: dt.datetime | None, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).isoformat() if moment is not None else ""


def complaints_csv(complaints: Iterable[ComplaintRecord], tz: ZoneInfo | None = None) -> str:
    """The complaints as CSV, one row each in COMPLAINT_COLUMNS; times ISO 8601 with the offset of `tz` (UTC)."""
    zone = tz or ZoneInfo("UTC")
    rows = [
        (
            c.id,
            c.status.value,
            _local(c.received_at, zone),
            c.channel.value,
            c.category.value,
            c.name,
            c.email,
            c.phone,
            c.opd,
            c.request_id,
            c.message,
            c.registered_by,
            c.answer,
            c.answered_by,
            _local(c.answered_at, zone),
        )
        for c in complaints
    ]
    return csv_text(COMPLAINT_COLUMNS, rows)
