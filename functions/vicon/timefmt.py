"""Times as the service writes them down: UTC ISO 8601 with a Z, second precision.

Records, audit entries, mails and pages all use this one form, so it is not the store's: it sorts the same as a
string and as a time, which both store adapters rely on for their range queries.
"""

from __future__ import annotations

import datetime as dt

ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def iso(moment: dt.datetime) -> str:
    """UTC ISO 8601 with a Z, second precision: sorts the same as a string and as a time."""
    return moment.astimezone(dt.UTC).strftime(ISO_FORMAT)


def parse_iso(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, ISO_FORMAT).replace(tzinfo=dt.UTC)
