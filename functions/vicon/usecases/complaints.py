"""Complaints, suggestions and input (SOP item 10; docs/decisions/0027-complaints.md).

One complaint lives through three steps, each one store write with its audit entry and its mails:
- received: from the public form (`ComplaintIntake.submit`, channel `web`) or registered by an officer for one
  received in person, by phone, by message or by email (`ComplaintIntake.register`, the channel recorded with the
  officer); numbered PG-YYYY-NNNNNN, acknowledged to the sender, sent to OPERATOR_EMAILS and SUPERVISOR_EMAILS;
- answered: an officer's signed link (`ComplaintAnswerLink`): GET shows the complaint and changes nothing, POST
  mails the answer to the sender and closes the complaint; a second answer is refused (409);
- exported: `vicon.exports.complaints_csv`, for SP4N-LAPOR! and the quarterly report.

Officers without the staff console reach registration through `ComplaintRegistration`: a signed link mailed to
them on request or with every complaint. The console (`usecases.staff_intake`, decision 0034) calls
`ComplaintIntake.register` with its session's officer instead.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from vicon.fields import (
    COMPLAINT_CATEGORIES,
    COMPLAINT_CHANNELS,
    COMPLAINT_ID_PREFIX,
    COMPLAINT_TEXT_LIMITS,
    REQUEST_ID_PATTERN,
    FieldError,
    ValidationFailed,
)
from vicon.links import COMPLAINT_REGISTER_LINK_DAYS, Links
from vicon.messages import MailComposer
from vicon.ports import (
    AuditEntry,
    ComplaintAnswered,
    Complaints,
    RateBucket,
    RateLimits,
    RequestStore,
)
from vicon.records import ComplaintCategory, ComplaintChannel, ComplaintRecord, ComplaintStatus, RequestRecord
from vicon.settings import RateLimit, Settings
from vicon.signing import Signer
from vicon.usecases.access import Refused, authorised_staff
from vicon.usecases.delivery import MailDelivery
from vicon.usecases.submit import NotStored, RateLimited, _digest, _wait_text, _window_text

if TYPE_CHECKING:  # the forms load pydantic at the first form parsed, never at the core's import (decision 0019)
    from vicon.inputs import ComplaintContext, ComplaintForm, ComplaintRegisterForm

    Parsed = TypeVar("Parsed", bound=ComplaintForm)

log = logging.getLogger(__name__)

# The audit trail (and outbox) subject of registration links mailed to officers: not a complaint, in their area.
REGISTER_LINKS_SUBJECT = f"{COMPLAINT_ID_PREFIX}links"
_REQUEST_NUMBER = re.compile(REQUEST_ID_PATTERN)
UNKNOWN_REQUEST = (
    "Nomor permohonan {number} tidak ditemukan. Periksa nomor pada email tanda terima permohonan, atau kosongkan "
    "isian ini."
)


@dataclass(frozen=True)
class ComplaintReceipt:
    """What the sender (or the registering officer) is told: the number, and whether a receipt was mailed."""

    id: str
    category: str
    email_sent: bool

    def as_json(self) -> dict[str, str]:
        return {"id": self.id}

    @property
    def category_label(self) -> str:
        return COMPLAINT_CATEGORIES.get(self.category, self.category)


def _context(settings: Settings) -> ComplaintContext:
    from vicon.inputs import ComplaintContext

    return ComplaintContext(settings.opd_list)


class ComplaintIntake:
    """A complaint from the form or from an officer: validated, numbered, stored with its mails, then sent."""

    def __init__(
        self,
        settings: Settings,
        requests: RequestStore,
        complaints: Complaints,
        rate_limits: RateLimits,
        mails: MailComposer,
        delivery: MailDelivery,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.settings = settings
        self.requests = requests
        self.complaints = complaints
        self.rate_limits = rate_limits
        self.mails = mails
        self.delivery = delivery
        self.clock = clock

    def submit(self, fields: Mapping[str, Sequence[str]], client: str | None = None) -> ComplaintReceipt:
        """The public form (`web`): honeypot, validation, rate limits per sender address and per client, storage.

        Raises ValidationFailed, RateLimited, NotStored (nothing was stored), or anything else when the store's
        answer left it unknown whether the complaint was stored.
        """
        from vicon.inputs import ComplaintForm, first_values

        now = self.clock()
        if any(value.strip() for value in fields.get("website") or []):
            log.info("honeypot filled: complaint dropped")
            return self._decoy(fields, now)
        data = first_values(fields)
        form, request = self._valid(lambda: ComplaintForm.parse(data, _context(self.settings)), data)
        self._count(form.email, client, now)
        return self._store(form, ComplaintChannel.WEB, None, now, request)

    def register(self, form: ComplaintRegisterForm, officer: str, via: str | None = None) -> ComplaintReceipt:
        """One received in person, by phone, by message or by email, registered by `officer` (already authorised).

        `form` is a parsed `vicon.inputs.ComplaintRegisterForm`; the staff console calls this with the officer of
        its session and `via="konsol"` (the audit entry says so). No rate limit: the officer's link (or session) is
        the check, and each one is audited.
        """
        request = self._linked_request(form.request_id)
        return self._store(form, ComplaintChannel(form.channel), officer, self.clock(), request, via)

    def parse_registration(
        self, fields: Mapping[str, Sequence[str]]
    ) -> tuple[ComplaintRegisterForm, RequestRecord | None]:
        """The registration form validated (a ComplaintRegisterForm), every problem at once; ValidationFailed."""
        from vicon.inputs import ComplaintRegisterForm, first_values

        data = first_values(fields)
        return self._valid(lambda: ComplaintRegisterForm.parse(data, _context(self.settings)), data)

    def _valid(self, parse: Callable[[], Parsed], data: Mapping[str, Any]) -> tuple[Parsed, RequestRecord | None]:
        """The parsed form and the request it names; the unknown request number reported with the other errors."""
        try:
            form = parse()
        except ValidationFailed as failed:
            named = str(data.get("request_id") or "").strip().upper()
            if _REQUEST_NUMBER.match(named) and all(e.field != "request_id" for e in failed.errors):
                failed.errors.extend(self._unknown_request(named))
            raise
        return form, self._linked_request(form.request_id)

    def _unknown_request(self, number: str) -> list[FieldError]:
        if self.requests.get_request(number) is not None:
            return []
        return [FieldError("request_id", UNKNOWN_REQUEST.format(number=number))]

    def _linked_request(self, number: str) -> RequestRecord | None:
        """The request a complaint names, which must exist (a typo is caught while the sender can fix it)."""
        if not number:
            return None
        record = self.requests.get_request(number)
        if record is None:
            raise ValidationFailed(self._unknown_request(number))
        return record

    def _count(self, email: str, client: str | None, now: dt.datetime) -> None:
        """Count against the sender's address and the client, in buckets of their own (not the requests')."""
        per_contact = self.settings.submit_rate_limit
        buckets = [_bucket("complaint-contact", email.lower(), per_contact, now)]
        if client:
            buckets.append(_bucket("complaint-client", client, self.settings.submit_rate_limit_per_client, now))
        full = self.rate_limits.take_rate_limit(buckets, now)
        if full is None:
            return
        retry_after = max(1, math.ceil((full.window_end - now).total_seconds()))
        wait = _wait_text(retry_after)
        if full is buckets[0]:
            raise RateLimited(
                "email",
                f"Terlalu banyak pengaduan dengan email ini; batasnya {full.limit} per "
                f"{_window_text(per_contact.seconds)}. Coba lagi {wait}.",
                retry_after,
            )
        identity = self.settings.identity
        raise RateLimited(
            None,
            f"Terlalu banyak pengaduan dari jaringan Anda; coba lagi {wait}, atau hubungi {identity.office_short_name} "
            f"({identity.contact_email}).",
            retry_after,
        )

    def _store(
        self,
        form: ComplaintForm,
        channel: ComplaintChannel,
        officer: str | None,
        now: dt.datetime,
        request: RequestRecord | None,
        via: str | None = None,
    ) -> ComplaintReceipt:
        year = now.astimezone(self.settings.tz).year
        try:
            complaint_id = f"{COMPLAINT_ID_PREFIX}{year}-{self.complaints.next_complaint_number(year):06d}"
            complaint = ComplaintRecord(
                id=complaint_id,
                status=ComplaintStatus.OPEN,
                received_at=now,
                channel=channel,
                category=ComplaintCategory(form.category),
                message=form.message,
                name=form.name,
                email=form.email,
                phone=form.phone,
                opd=form.opd,
                request_id=form.request_id or None,
                registered_by=officer,
            )
            outbox = self.mails.complaint_received(complaint, request)
        except Exception as exc:
            raise NotStored(str(exc)) from exc
        detail = {"channel": channel.value, "category": complaint.category.value}
        if via:
            detail["via"] = via
        audit = AuditEntry(
            complaint_id,
            now,
            officer or complaint.email,
            "complaint_register" if officer else "complaint_submit",
            None,
            ComplaintStatus.OPEN,
            detail,
        )
        try:
            self.complaints.create_complaint(complaint, audit, outbox)
        except Exception as exc:
            stored = self._stored_after_failed_create(complaint_id)
            if stored is False:
                raise NotStored(str(exc)) from exc
            if stored is None:
                raise
            log.warning("creating %s answered %r, but it is stored", complaint_id, exc)
        # Stored: from here on nothing may turn the answer into a failure, or the sender sends it again.
        self.delivery.deliver_after_commit(complaint_id)
        return ComplaintReceipt(complaint_id, complaint.category, bool(complaint.email))

    def _stored_after_failed_create(self, complaint_id: str) -> bool | None:
        """After a failed create: was it stored anyway (a commit applied, its answer lost)? None: cannot tell."""
        try:
            return self.complaints.get_complaint(complaint_id) is not None
        except Exception:
            log.exception("cannot tell whether %s was stored", complaint_id)
            return None

    def _decoy(self, fields: Mapping[str, Sequence[str]], now: dt.datetime) -> ComplaintReceipt:
        # Shaped like a success so a bot learns nothing; nothing is stored, counted or sent.
        year = now.astimezone(self.settings.tz).year
        category = (fields.get("category") or ["pengaduan"])[0]
        decoy = f"{COMPLAINT_ID_PREFIX}{year}-{secrets.randbelow(900_000) + 100_000:06d}"
        return ComplaintReceipt(decoy, category if category in COMPLAINT_CATEGORIES else "pengaduan", True)


def _bucket(kind: str, who: str, rate: RateLimit, now: dt.datetime) -> RateBucket:
    return RateBucket(f"{kind}-{_digest(who)}-{rate.seconds}", rate.count, rate.window_end(now))


def complaint_view(complaint: ComplaintRecord) -> dict[str, Any]:
    """What the pages show of a complaint besides the record: its labels."""
    return {
        "complaint": complaint,
        "category_label": COMPLAINT_CATEGORIES[complaint.category],
        "channel_label": COMPLAINT_CHANNELS[complaint.channel],
    }


class ComplaintAnswerLink:
    """An officer answers one complaint: GET shows it with the answer form, POST mails the answer and closes it."""

    def __init__(
        self,
        settings: Settings,
        signer: Signer,
        requests: RequestStore,
        complaints: Complaints,
        mails: MailComposer,
        delivery: MailDelivery,
        page: Callable[..., str],
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.settings = settings
        self.signer = signer
        self.requests = requests
        self.complaints = complaints
        self.mails = mails
        self.delivery = delivery
        self.page = page
        self.clock = clock

    def _open(self, token: str) -> tuple[str, ComplaintRecord]:
        link = authorised_staff(self.signer, self.clock, token, "complaint", self.settings.complaint_staff)
        complaint = self.complaints.get_complaint(link.subject)
        if complaint is None:
            raise Refused(404, "Pengaduan tidak ditemukan.", "token")
        return link.person, complaint

    def confirmation_page(self, token: str, error: str | None = None, answer: str = "", done: bool = False) -> str:
        """The complaint, and while it is open the answer form (with `error` and what was typed); changes nothing."""
        person, complaint = self._open(token)
        request = self.requests.get_request(complaint.request_id) if complaint.request_id else None
        return self.page(
            "pages/complaint_answer.html",
            **complaint_view(complaint),
            request=request,
            token=token,
            person=person,
            error=error,
            answer=answer,
            done=done,
            max_answer=COMPLAINT_TEXT_LIMITS["answer"],
        )

    def answer(self, token: str, answer: str) -> ComplaintRecord:
        """Mail `answer` to the sender and close the complaint, audited with the officer; Refused 409 when answered."""
        person, complaint = self._open(token)
        if complaint.status != ComplaintStatus.OPEN:
            raise _already_answered(complaint.answered_by)
        now = self.clock()
        mails = self.mails.complaint_answered(
            complaint.model_copy(update={"answer": answer, "answered_by": person, "answered_at": now})
        )
        audit = AuditEntry(
            complaint.id,
            now,
            person,
            "complaint_answer",
            ComplaintStatus.OPEN,
            ComplaintStatus.ANSWERED,
            {"emailed_to_sender": bool(mails), "answer_chars": len(answer)},
        )
        try:
            answered = self.complaints.answer_complaint(complaint.id, answer, person, now, audit, mails)
        except ComplaintAnswered as refused:
            raise _already_answered(refused.answered_by) from None
        self.delivery.deliver_after_commit(complaint.id)
        return answered


def _already_answered(by: str | None) -> Refused:
    who = f" oleh {by}" if by else ""
    return Refused(409, f"Pengaduan ini sudah dijawab{who}; jawaban kedua tidak dikirim dan tidak ada yang diubah.")


class ComplaintRegistration:
    """Officers register complaints received another way, through a signed link of their own (no console yet).

    The link is mailed with every complaint and on request (`request_link`, to listed addresses only, answered the
    same for any address); it opens the registration form, and each registration goes through ComplaintIntake.
    """

    def __init__(
        self,
        settings: Settings,
        signer: Signer,
        intake: ComplaintIntake,
        requests: RequestStore,
        rate_limits: RateLimits,
        links: Links,
        mails: MailComposer,
        page: Callable[..., str],
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.settings = settings
        self.signer = signer
        self.intake = intake
        self.requests = requests
        self.rate_limits = rate_limits
        self.links = links
        self.mails = mails
        self.page = page
        self.clock = clock

    def _officer(self, token: str) -> str:
        return authorised_staff(
            self.signer, self.clock, token, "complaint_register", self.settings.complaint_staff
        ).person

    def form_page(
        self,
        token: str,
        errors: Sequence[FieldError] = (),
        fields: Mapping[str, Sequence[str]] | None = None,
    ) -> str:
        """The registration form, empty or as typed with every problem next to its field; changes nothing."""
        officer = self._officer(token)
        values = {name: values[0] for name, values in (fields or {}).items() if values and name != "token"}
        by_field: dict[str, list[str]] = {}
        for problem in errors:
            by_field.setdefault(problem.field or "", []).append(problem.message)
        return self.page(
            "pages/complaint_register.html",
            token=token,
            person=officer,
            values=values,
            errors=list(errors),
            field_errors={name: " ".join(messages) for name, messages in by_field.items()},
            categories=COMPLAINT_CATEGORIES,
            channels={key: label for key, label in COMPLAINT_CHANNELS.items() if key != ComplaintChannel.WEB},
            opd_list=self.settings.opd_list,
            limits=COMPLAINT_TEXT_LIMITS,
        )

    def register(self, token: str, fields: Mapping[str, Sequence[str]]) -> ComplaintReceipt:
        """Check the officer's link, then the form (ValidationFailed), then register it in the officer's name."""
        officer = self._officer(token)
        form, _ = self.intake.parse_registration(fields)
        return self.intake.register(form, officer)

    def link_request_page(self, error: str | None = None, email: str = "") -> str:
        return self.page("pages/complaint_link_request.html", error=error, email=email)

    def request_link(self, email: str, client: str | None) -> Callable[[], None] | None:
        """For an officer's `email`, what queues their registration link: to be called after the answer is sent;
        None for any other address.

        Counted against the address and the client whatever the address (so a 429 tells nothing about who is
        staff). Nothing else is done before the answer, for anyone: signing, rendering and the store's write come
        after it (as `staff_login`'s link), so the answer takes as long for an address on no list. RateLimited.
        """
        now = self.clock()
        buckets = [_bucket("complaint-link", email.lower(), self.settings.submit_rate_limit, now)]
        if client:
            buckets.append(_bucket("complaint-link-client", client, self.settings.submit_rate_limit_per_client, now))
        full = self.rate_limits.take_rate_limit(buckets, now)
        if full is not None:
            retry_after = max(1, math.ceil((full.window_end - now).total_seconds()))
            wait = _wait_text(retry_after)
            raise RateLimited(None, f"Terlalu banyak permintaan tautan; coba lagi {wait}.", retry_after)
        officer = next((person for person in self.settings.complaint_staff if person.lower() == email.lower()), None)
        if officer is None:
            log.info("registration link asked for an address that is not staff")
            return None

        def queue_link() -> None:
            url = self.links.complaint_register_url(officer, now)
            expires = now + dt.timedelta(days=COMPLAINT_REGISTER_LINK_DAYS)
            audit = AuditEntry(REGISTER_LINKS_SUBJECT, now, officer, "complaint_register_link", None, None, {})
            self.requests.record_audit(audit, self.mails.complaint_register_link(officer, url, expires))

        return queue_link
