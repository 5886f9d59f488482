"""What officers register from the console: a request that came as a paper letter, a complaint taken by phone or
in person (decision 0034).

Both go through the use case that owns their rules: a paper request is `Intake.register_paper` (the public form's
fields, validation, letter checks, lifecycle and mails, audited with the officer "via konsol"), a complaint
`ComplaintIntake.register` with the session's officer instead of a mailed link. Who may: officers
(OPERATOR_EMAILS) and the supervisors (SUPERVISOR_EMAILS), the people complaints already go to; a verifier only
when also on one of those lists, so whoever checks a letter has not also typed it in.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from vicon.fields import (
    COMPLAINT_CATEGORIES,
    COMPLAINT_CHANNELS,
    COMPLAINT_ID_PATTERN,
    COMPLAINT_TEXT_LIMITS,
    EVENT_TYPES,
    FIELD_LABELS,
    NEEDS,
    TEXT_LIMITS,
    FieldError,
    IntakeRules,
)
from vicon.ports import Complaints
from vicon.records import ComplaintChannel
from vicon.settings import Settings
from vicon.usecases.access import Refused
from vicon.usecases.complaints import ComplaintIntake, ComplaintReceipt
from vicon.usecases.staff_access import StaffMember
from vicon.usecases.submit import VIA_CONSOLE, Intake, Submission, intake_options

NOT_REGISTERING = (
    "Hanya petugas (OPERATOR_EMAILS) dan Kepala Bidang (SUPERVISOR_EMAILS) yang mencatat permohonan dan pengaduan "
    "dari konsol."
)
# Where each field's error links to on the page (a group links to its first control).
COMPLAINT_NUMBER = re.compile(COMPLAINT_ID_PATTERN)
FIELD_ANCHORS = {"needs": "needs-breakout_room", "category": "category-pengaduan"}


def _values(fields: Mapping[str, Sequence[str]] | None) -> dict[str, str]:
    return {name: values[0] for name, values in (fields or {}).items() if values}


def _field_errors(errors: Sequence[FieldError]) -> dict[str, str]:
    by_field: dict[str, list[str]] = {}
    for problem in errors:
        by_field.setdefault(problem.field or "", []).append(problem.message)
    return {name: " ".join(messages) for name, messages in by_field.items()}


def _all_values(fields: Mapping[str, Sequence[str]] | None, name: str) -> list[str]:
    return list((fields or {}).get(name) or [])


def request_form_context(
    member: StaffMember,
    options: Mapping[str, Any],
    errors: Sequence[FieldError] = (),
    fields: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """What pages/staff_new_request.html reads: the intake options (earliest date, limits), what was typed."""
    return {
        "member": member,
        "options": options,
        "values": _values(fields),
        "needs_chosen": _all_values(fields, "needs"),
        "errors": list(errors),
        "field_errors": _field_errors(errors),
        "anchors": FIELD_ANCHORS,
        "labels": FIELD_LABELS,
        "limits": TEXT_LIMITS,
        "event_types": EVENT_TYPES,
        "needs": NEEDS,
    }


def complaint_form_context(
    member: StaffMember,
    opd_list: Sequence[str],
    errors: Sequence[FieldError] = (),
    fields: Mapping[str, Sequence[str]] | None = None,
    receipt: ComplaintReceipt | None = None,
) -> dict[str, Any]:
    """What pages/staff_new_complaint.html reads: the choices, what was typed, the last registration's number."""
    return {
        "member": member,
        "receipt": receipt,
        "values": _values(fields),
        "errors": list(errors),
        "field_errors": _field_errors(errors),
        "anchors": FIELD_ANCHORS,
        "categories": COMPLAINT_CATEGORIES,
        "channels": {key: label for key, label in COMPLAINT_CHANNELS.items() if key != ComplaintChannel.WEB},
        "opd_list": opd_list,
        "limits": COMPLAINT_TEXT_LIMITS,
    }


class StaffIntake:
    """The console's two registration forms and what their POSTs do."""

    def __init__(
        self,
        settings: Settings,
        rules: IntakeRules,
        requests: Intake,
        complaints: ComplaintIntake,
        complaint_store: Complaints,
        page: Callable[..., str],
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.settings = settings
        self.rules = rules
        self.requests = requests
        self.complaints = complaints
        self.complaint_store = complaint_store
        self.page = page
        self.clock = clock

    def check(self, member: StaffMember) -> None:
        """Refused (403) unless `member` may register requests and complaints."""
        if not member.registers:
            raise Refused(403, NOT_REGISTERING)

    # ---- a paper request ---------------------------------------------------------------------------------------

    def request_form_page(
        self,
        member: StaffMember,
        errors: Sequence[FieldError] = (),
        fields: Mapping[str, Sequence[str]] | None = None,
    ) -> str:
        """The paper request form, empty or as typed with each problem next to its field; changes nothing."""
        self.check(member)
        options = intake_options(self.settings, self.rules, self.clock())
        return self.page("pages/staff_new_request.html", **request_form_context(member, options, errors, fields))

    def register_request(
        self, member: StaffMember, fields: Mapping[str, Sequence[str]], letter: bytes | None
    ) -> Submission:
        """Register a paper letter's request in `member`'s name; Refused 403, ValidationFailed, NotStored."""
        self.check(member)
        return self.requests.register_paper(fields, letter, member.email)

    # ---- a complaint by phone, in person, by message or by mail ----------------------------------------------

    def complaint_form_page(
        self,
        member: StaffMember,
        errors: Sequence[FieldError] = (),
        fields: Mapping[str, Sequence[str]] | None = None,
        receipt: ComplaintReceipt | None = None,
    ) -> str:
        """The complaint form (after a registration: its number above an empty form); changes nothing."""
        self.check(member)
        context = complaint_form_context(member, self.settings.opd_list, errors, fields, receipt)
        return self.page("pages/staff_new_complaint.html", **context)

    def registered_receipt(self, member: StaffMember, complaint_id: str) -> ComplaintReceipt | None:
        """The receipt the page shows after a registration redirected back to the form (`?tercatat=PG-...`): only
        for a complaint this member registered; anything else shows the empty form."""
        self.check(member)
        if not COMPLAINT_NUMBER.match(complaint_id):
            return None
        complaint = self.complaint_store.get_complaint(complaint_id)
        if complaint is None or complaint.registered_by != member.email:
            return None
        return ComplaintReceipt(complaint.id, complaint.category, bool(complaint.email))

    def register_complaint(self, member: StaffMember, fields: Mapping[str, Sequence[str]]) -> ComplaintReceipt:
        """Register one in `member`'s name, audited with the channel "via konsol"; Refused 403, ValidationFailed."""
        self.check(member)
        form, _ = self.complaints.parse_registration(fields)
        return self.complaints.register(form, member.email, via=VIA_CONSOLE)
