"""Times as the service writes them down: UTC ISO 8601 with a Z, second precision; and as people read them.

Records, audit entries, mails and pages all use this one form, so it is not the store's: it sorts the same as a
string and as a time, which both store adapters rely on for their range queries. Mails, pages and the intake's
messages show dates in Indonesian ("Rabu, 2 Desember 2026 09.00 WIB"); `vicon.intake` re-exports those.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def iso(moment: dt.datetime) -> str:
    """UTC ISO 8601 with a Z, second precision: sorts the same as a string and as a time."""
    return moment.astimezone(dt.UTC).strftime(ISO_FORMAT)


def parse_iso(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, ISO_FORMAT).replace(tzinfo=dt.UTC)


DAY_NAMES = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTH_NAMES = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
_ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def tz_abbreviation(tz: ZoneInfo) -> str:
    """WIB, WITA or WIT for Indonesian zones; the zone's own abbreviation elsewhere."""
    return _ZONE_NAMES.get(tz.key) or dt.datetime.now(tz).strftime("%Z")


def format_date_id(day: dt.date) -> str:
    """'Rabu, 2 Desember 2026'."""
    return f"{DAY_NAMES[day.weekday()]}, {day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def format_datetime_id(moment: dt.datetime, tz: ZoneInfo) -> str:
    """'Rabu, 2 Desember 2026 09.00 WIB' — local time with the zone name, never bare."""
    local = moment.astimezone(tz)
    return f"{format_date_id(local.date())} {local:%H.%M} {tz_abbreviation(tz)}"
