"""Server-side validation of a meeting request: every rule of DESIGN.md, every message in Bahasa Indonesia.

The rules are `vicon.inputs.SubmitForm`'s validators; `validate_request` is their one entry and `ValidRequest` what
it answers. The vocabulary (`vicon.fields`) and the Indonesian dates (`vicon.timefmt`) are re-exported here, where
the rest of the code has always found them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from vicon.fields import EVENT_TYPES as EVENT_TYPES
from vicon.fields import FIELD_LABELS as FIELD_LABELS
from vicon.fields import LETTER_MAX_AGE_DAYS as LETTER_MAX_AGE_DAYS
from vicon.fields import MAX_DAYS_AHEAD as MAX_DAYS_AHEAD
from vicon.fields import MAX_EVENT_HOURS as MAX_EVENT_HOURS
from vicon.fields import MIN_PARTICIPANTS as MIN_PARTICIPANTS
from vicon.fields import MULTILINE_FIELDS as MULTILINE_FIELDS
from vicon.fields import NEEDS as NEEDS
from vicon.fields import OPD_OTHER as OPD_OTHER
from vicon.fields import TEXT_LIMITS as TEXT_LIMITS
from vicon.fields import TRUE_VALUES as TRUE_VALUES
from vicon.fields import FieldError as FieldError
from vicon.fields import IntakeRules as IntakeRules
from vicon.fields import ValidationFailed as ValidationFailed
from vicon.fields import normalize_phone as normalize_phone

# Re-exported: core (intake_options) reads the size limit here with the other rules; validate_request checks with it.
from vicon.letters import MAX_LETTER_BYTES as MAX_LETTER_BYTES
from vicon.letters import letter_problem as letter_problem
from vicon.timefmt import DAY_NAMES as DAY_NAMES
from vicon.timefmt import MONTH_NAMES as MONTH_NAMES
from vicon.timefmt import format_date_id as format_date_id
from vicon.timefmt import format_datetime_id as format_datetime_id
from vicon.timefmt import tz_abbreviation as tz_abbreviation


@dataclass(frozen=True)
class ValidRequest:
    opd: str  # a name of OPD_LIST as spelled there, or OPD_OTHER
    opd_other: str  # the office's own name when `opd` is OPD_OTHER, else ""
    event_name: str
    event_type: str
    start: dt.datetime  # aware, UTC
    end: dt.datetime  # aware, UTC
    participant_count: int
    participants: list[str]
    speakers: str
    contact_name: str
    contact_phone: str  # +62…
    contact_email: str
    letter_number: str
    letter_date: dt.date
    needs: list[str]
    needs_notes: str
    recording_consent: bool
    breakout_rooms: int | None = None
    polls: str = ""  # the form's text, valid for vicon.polls.parse_polls


def validate_request(
    fields: Mapping[str, Sequence[str]],
    letter: bytes | None,
    rules: IntakeRules,
    now: dt.datetime,
    letter_check: Callable[[bytes], str | None] = letter_problem,
) -> ValidRequest:
    """Check a submission against every rule; raise ValidationFailed with all problems at once."""
    # Here, not at the top: pydantic loads with the first submission, not with the core (decision 0019).
    from vicon.inputs import IntakeContext, SubmitForm

    form = SubmitForm.read(fields, letter, IntakeContext(rules, now, letter_check))
    return ValidRequest(
        opd=form.opd,
        opd_other=form.opd_other,
        event_name=form.event_name,
        event_type=form.event_type,
        start=form.start,
        end=form.end,
        participant_count=form.participant_count,
        participants=[line.strip() for line in form.participants.split("\n") if line.strip()],
        speakers=form.speakers,
        contact_name=form.contact_name,
        contact_phone=form.contact_phone,
        contact_email=form.contact_email,
        letter_number=form.letter_number,
        letter_date=form.letter_date,
        needs=list(form.needs),
        needs_notes=form.needs_notes,
        recording_consent=form.recording_consent and "recording" in form.needs,
        breakout_rooms=form.breakout_rooms,
        polls=form.polls,
    )


def opd_label(record: Mapping[str, object]) -> str:
    """The office as people read it: the listed name, or what a requester who chose OPD_OTHER typed."""
    other = record.get("opd_other")
    return f"{OPD_OTHER}: {other}" if other else str(record.get("opd", ""))
