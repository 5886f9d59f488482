"""The service itself: intake, status and review, with its adapters handed in."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from vicon import intake
from vicon.mailing import deliver_due_mail
from vicon.ports import Attachment as MailAttachment
from vicon.ports import AuditEntry, Blobs, Mailer, OutgoingMail, Store
from vicon.rendering import STATUS_LABELS, render
from vicon.settings import Settings
from vicon.signing import Signer
from vicon.store import iso, parse_iso
from vicon.workdays import WorkingCalendar

log = logging.getLogger(__name__)

STATUS_LINK_DAYS_AFTER_EVENT = 90
PUBLIC_HISTORY_LABELS = {
    "submitted": "Diajukan",
    "approved": "Disetujui",
    "provisioned": "Meeting dibuat",
    "completed": "Selesai",
    "rejected": "Ditolak",
    "cancelled": "Dibatalkan",
    "provisioning_failed": "Pembuatan meeting tertunda",
}
MEETING_PUBLIC_FIELDS = ("id", "join_url", "passcode", "start", "end")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Submission:
    id: str
    status: str
    status_url: str

    def as_json(self) -> dict[str, str]:
        return {"id": self.id, "status": self.status, "status_url": self.status_url}


@dataclass
class Core:
    """Everything the HTTP targets need, built from settings and adapters (tests hand in their own)."""

    settings: Settings
    store: Store
    blobs: Blobs
    mailer: Mailer
    clock: Callable[[], dt.datetime] = field(default=utc_now)

    @cached_property
    def signer(self) -> Signer:
        return Signer(self.settings.signing_key)

    @cached_property
    def calendar(self) -> WorkingCalendar:
        return WorkingCalendar(self.settings.extra_holidays, self.settings.extra_working_days)

    @cached_property
    def rules(self) -> intake.IntakeRules:
        return intake.IntakeRules(
            tz=self.settings.tz,
            calendar=self.calendar,
            min_lead_working_days=self.settings.min_lead_working_days,
            max_participants=self.settings.max_participants,
        )

    def render(self, name: str, **context: Any) -> str:
        return render(self.settings.timezone, name, **context)

    def page(self, name: str, **context: Any) -> str:
        """A server-rendered page; its assets come from the site."""
        return self.render(name, base_url=self.settings.public_base_url, **context)

    def api_url(self, target: str, **params: str) -> str:
        """An absolute link to one of our targets, as mailed to people."""
        return f"{self.settings.public_base_url}/api/{target}?{urlencode(params)}"

    # ---- intake -------------------------------------------------------------------------------------------

    def intake_options(self) -> dict[str, Any]:
        """What the form needs to mirror the server's rules (earliest date, limits)."""
        today = self.clock().astimezone(self.settings.tz).date()
        earliest = self.rules.earliest_event_date(today)
        return {
            "timezone": self.settings.timezone,
            "timezone_label": intake.tz_abbreviation(self.settings.tz),
            "today": today.isoformat(),
            "earliest_event_date": earliest.isoformat(),
            "earliest_event_date_label": intake.format_date_id(earliest),
            "min_lead_working_days": self.settings.min_lead_working_days,
            "min_participants": intake.MIN_PARTICIPANTS,
            "max_participants": self.settings.max_participants,
            "max_letter_bytes": intake.MAX_LETTER_BYTES,
            "letter_max_age_days": intake.LETTER_MAX_AGE_DAYS,
            "max_event_hours": intake.MAX_EVENT_HOURS,
            "limits": dict(intake.TEXT_LIMITS),
            "event_types": [{"value": k, "label": v} for k, v in intake.EVENT_TYPES.items()],
            "needs": [{"value": k, "label": v} for k, v in intake.NEEDS.items()],
        }

    def submit(self, fields: Mapping[str, Sequence[str]], letter: bytes | None) -> Submission:
        """Validate, store the request with its letter and mails in one go, then try to send the mails."""
        now = self.clock()
        if any(value.strip() for value in fields.get("website") or []):
            log.info("honeypot filled: submission dropped")
            return self._decoy_submission(now)
        valid = intake.validate_request(fields, letter, self.rules, now)
        assert letter is not None  # validate_request refuses a missing letter

        year = now.astimezone(self.settings.tz).year
        request_id = f"VC-{year}-{self.store.next_request_number(year):06d}"
        letter_key = f"letters/{year}/{uuid.uuid4().hex}.pdf"
        record = self._record(request_id, valid, letter, letter_key, now)
        status_url = self.status_url(record)
        outbox = self._intake_mails(record, status_url, now)

        self.blobs.put(letter_key, letter, "application/pdf")
        try:
            self.store.create_request(
                record, AuditEntry(request_id, now, record["contact_email"], "submit", None, "submitted"), outbox
            )
        except BaseException:
            self.blobs.delete(letter_key)  # no orphaned letter for a request that does not exist
            raise
        self.deliver_mail(request_id)
        return Submission(request_id, "submitted", status_url)

    def _decoy_submission(self, now: dt.datetime) -> Submission:
        # Looks like a success so that a bot learns nothing; nothing is stored or sent.
        year = now.astimezone(self.settings.tz).year
        decoy_id = f"VC-{year}-{secrets.randbelow(900_000) + 100_000:06d}"
        return Submission(decoy_id, "submitted", f"{self.settings.public_base_url}/status.html?id={decoy_id}")

    def _record(
        self, request_id: str, valid: intake.ValidRequest, letter: bytes, letter_key: str, now: dt.datetime
    ) -> dict[str, Any]:
        return {
            "id": request_id,
            "status": "submitted",
            "created_at": iso(now),
            "opd": valid.opd,
            "event_name": valid.event_name,
            "event_type": valid.event_type,
            "start": iso(valid.start),
            "end": iso(valid.end),
            "participant_count": valid.participant_count,
            "participants": valid.participants,
            "speakers": valid.speakers,
            "contact_name": valid.contact_name,
            "contact_phone": valid.contact_phone,
            "contact_email": valid.contact_email,
            "letter_number": valid.letter_number,
            "letter_date": valid.letter_date.isoformat(),
            "letter": {"key": letter_key, "size": len(letter), "sha256": hashlib.sha256(letter).hexdigest()},
            "needs": valid.needs,
            "needs_notes": valid.needs_notes,
            "recording_consent": valid.recording_consent,
            "meeting": None,
        }

    def _intake_mails(self, record: dict[str, Any], status_url: str, now: dt.datetime) -> list[OutgoingMail]:
        today = now.astimezone(self.settings.tz).date()
        verify_by = self.calendar.add_working_days(today, 1)
        letter = MailAttachment(
            filename=f"surat-permohonan-{record['id']}.pdf",
            content_type="application/pdf",
            blob_key=record["letter"]["key"],
        )
        mails = []
        # One mail per verifier: each review link is bound to the verifier who received it.
        for verifier in self.settings.verifier_emails:
            review_url = self.review_url(record, verifier)
            context = {"request": record, "review_url": review_url, "verifier": verifier, "verify_by": verify_by}
            mails.append(
                OutgoingMail(
                    to=(verifier,),
                    subject=f"[Vicon] Permohonan baru {record['id']}: {record['event_name']}",
                    text=self.render("email/verifier_new_request.txt", **context),
                    html=self.render("email/verifier_new_request.html", **context),
                    attachments=(letter,),
                )
            )
        context = {"request": record, "status_url": status_url, "verify_by": verify_by}
        mails.append(
            OutgoingMail(
                to=(record["contact_email"],),
                subject=f"[Vicon] Tanda terima permohonan {record['id']}",
                text=self.render("email/requester_receipt.txt", **context),
                html=self.render("email/requester_receipt.html", **context),
            )
        )
        return mails

    def deliver_mail(self, request_id: str | None = None) -> dict[str, int]:
        """Send what is due in the outbox now; what fails waits there for the next tick."""
        report = deliver_due_mail(
            self.store, self.blobs, self.mailer, self.settings.mail_from, self.clock(), request_id=request_id
        )
        return {"sent": report.sent, "failed": report.failed}

    # ---- links --------------------------------------------------------------------------------------------

    def status_url(self, record: dict[str, Any]) -> str:
        expires = parse_iso(record["end"]) + dt.timedelta(days=STATUS_LINK_DAYS_AFTER_EVENT)
        token = self.signer.sign("status", record["id"], expires)
        return f"{self.settings.public_base_url}/status.html?{urlencode({'id': record['id'], 'token': token})}"

    def review_url(self, record: dict[str, Any], verifier: str) -> str:
        token = self.signer.sign("review", record["id"], parse_iso(record["start"]), v=verifier)
        return self.api_url("review_request", token=token)

    # ---- status and review --------------------------------------------------------------------------------

    def request_status(self, request_id: str, token: str) -> dict[str, Any]:
        """The requester's view; raises TokenError or LookupError. Never a host link."""
        self.signer.verify(token, "status", self.clock(), request_id=request_id)
        record = self.store.get_request(request_id)
        if record is None:
            raise LookupError(request_id)
        meeting = record.get("meeting")
        return {
            "id": record["id"],
            "status": record["status"],
            "status_label": STATUS_LABELS.get(record["status"], record["status"]),
            "opd": record["opd"],
            "event_name": record["event_name"],
            "start": record["start"],
            "end": record["end"],
            "history": [
                {"status": item["status"], "at": item["at"], "label": PUBLIC_HISTORY_LABELS.get(item["status"], "")}
                for item in record.get("history", [])
            ],
            "meeting": {key: meeting.get(key) for key in MEETING_PUBLIC_FIELDS} if meeting else None,
        }

    def review_page(self, token: str) -> str:
        """The verifier's read-only page; raises TokenError or LookupError. Changes nothing."""
        claims = self.signer.verify(token, "review", self.clock())
        record = self.store.get_request(str(claims["r"]))
        if record is None:
            raise LookupError(claims["r"])
        return self.page("pages/review.html", request=record)

    # ---- scheduler ----------------------------------------------------------------------------------------

    def tick(self) -> dict[str, Any]:
        """Due work; safe to run twice at once (mails are leased before sending)."""
        return {"mail": self.deliver_mail()}
