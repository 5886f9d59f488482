"""The one jinja2 environment, for emails and server-rendered pages alike."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from vicon.intake import EVENT_TYPES, NEEDS, format_date_id, format_datetime_id
from vicon.invitations import format_meeting_id, schedule_text
from vicon.lifecycle import ProvisioningState, Status, provisioning_state, status_label
from vicon.records import RequestRecord
from vicon.settings import FUNCTIONS_DIR, REPO_DIR, Identity
from vicon.timefmt import parse_iso, tz_abbreviation


def templates_dir() -> Path:
    """`functions/templates` in a deployed function (the build copies it in), else the repository's `templates/`."""
    deployed = FUNCTIONS_DIR / "templates"
    return deployed if deployed.is_dir() else REPO_DIR / "templates"


@cache
def environment(timezone: str, identity: Identity = Identity()) -> jinja2.Environment:  # noqa: B008 (frozen)
    """Autoescaped, strict: a missing variable is an error, not an empty string in someone's inbox.

    `identity` (who runs the service: regency, office, contact) is a global of every template.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    tz = ZoneInfo(timezone)

    def local_time(value: str | dt.datetime) -> str:
        moment = parse_iso(value) if isinstance(value, str) else value
        return format_datetime_id(moment, tz)

    def local_date(value: str | dt.date) -> str:
        return format_date_id(dt.date.fromisoformat(value) if isinstance(value, str) else value)

    def time_range(span: Any) -> str:
        """'08.30–10.30 WIB' for anything with `start` and `end` (the host calendar's spans); a span that ends on
        a later day names it."""
        start, end = span.start.astimezone(tz), span.end.astimezone(tz)
        until = f"{end:%H.%M}" if end.date() == start.date() else f"{format_date_id(end.date())} {end:%H.%M}"
        return f"{start:%H.%M}–{until} {tz_abbreviation(tz)}"

    env.filters["local_time"] = local_time
    env.filters["time_range"] = time_range
    env.filters["local_date"] = local_date
    env.filters["event_type_label"] = lambda value: EVENT_TYPES.get(value, value)
    env.filters["need_label"] = lambda value: NEEDS.get(value, value)
    env.filters["status_label"] = status_label
    # "Rabu, 2 Desember 2026, 09.00–11.30 WIB": the same wording as the mails' schedule line.
    env.filters["schedule"] = lambda record: schedule_text(record, tz)
    # Text typed one item per line (speakers), as a list without the blank lines.
    env.filters["lines"] = lambda value: [line.strip() for line in str(value or "").splitlines() if line.strip()]
    env.filters["opd_label"] = RequestRecord.office_label
    env.filters["meeting_id"] = format_meeting_id  # Zoom's own grouping, as in the invitation and on the status page
    env.globals["identity"] = identity
    # Templates compare with `Status.X`, never a bare string: a misspelt member is an error, not a silent false.
    env.globals["Status"] = Status
    env.globals["ProvisioningState"] = ProvisioningState
    env.filters["provisioning_state"] = provisioning_state
    return env


def render(timezone: str, name: str, identity: Identity | None = None, **context: Any) -> str:
    """Render templates/`name` with `context`; `identity` defaults to the embedded one (Majalengka's)."""
    return environment(timezone, identity or Identity()).get_template(name).render(**context)
