"""`make complaints-csv FROM=2026-01-01 TO=2026-04-01`: the complaints of [FROM, TO) as CSV, for SP4N-LAPOR!.

Dates are in TIMEZONE; TO is excluded. The store is the one STORE_URL names. The file carries a BOM, so Excel opens
the UTF-8 text with its accents intact; every cell is safe from spreadsheet formulas (`vicon.exports`).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "functions")]

from vicon.exports import complaints_csv  # noqa: E402
from vicon.settings import Settings  # noqa: E402
from vicon.wiring import store_from_url  # noqa: E402

USAGE = "usage: complaints_csv.py FROM TO [FILE]   (dates YYYY-MM-DD, TO excluded)\n"


def main(argv: list[str]) -> int:
    """The complaints received from FROM up to TO in TIMEZONE, written to FILE or to standard output."""
    if len(argv) not in (3, 4):
        sys.stderr.write(USAGE)
        return 2
    try:
        first, last = dt.date.fromisoformat(argv[1]), dt.date.fromisoformat(argv[2])
    except ValueError:
        sys.stderr.write("FROM and TO are dates, YYYY-MM-DD\n")
        return 2
    settings = Settings.from_env()
    tz = settings.tz
    start = dt.datetime.combine(first, dt.time(), tz)
    end = dt.datetime.combine(last, dt.time(), tz)
    store = store_from_url(settings.store_url, project=os.environ.get("GOOGLE_CLOUD_PROJECT"))
    text = complaints_csv(store.complaints_received_between(start, end), tz)
    if len(argv) == 4:
        target = Path(argv[3])
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8-sig", newline="")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
