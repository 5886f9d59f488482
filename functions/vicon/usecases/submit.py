"""Intake: the form's options, and a submission validated, rate limited, stored with its letter and mails."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import secrets
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vicon import intake
from vicon.document_check import check_letter
from vicon.lifecycle import Status, statuses_json
from vicon.links import Links
from vicon.messages import MailComposer
from vicon.polls import parse_polls
from vicon.ports import AuditEntry, Blobs, Jobs, RateBucket, RateLimits, RequestStore
from vicon.records import LetterCheck, LetterRef, RequestChannel, RequestPoll, RequestRecord
from vicon.settings import Settings
from vicon.sla import ServiceLevel
from vicon.usecases.delivery import MailDelivery
from vicon.usecases.sla import schedule_verification_clock

log = logging.getLogger(__name__)

# The audit trail's `via` of what staff do from the console (as `usecases.staff_console.VIA_CONSOLE`).
VIA_CONSOLE = "konsol"


class NotStored(Exception):
    """A submission failed before anything was stored; the requester may simply send it again."""


class RateLimited(Exception):
    """Too many submissions from one contact address or one client; `retry_after` in whole seconds."""

    def __init__(self, field: str | None, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.retry_after = retry_after


@dataclass(frozen=True)
class Submission:
    id: str
    status: str
    status_url: str

    def as_json(self) -> dict[str, str]:
        return {"id": self.id, "status": self.status, "status_url": self.status_url}


def _digest(text: str) -> str:
    # Counters are keyed by a digest: the store never holds the addresses themselves, and any text fits a key.
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _window_text(seconds: int) -> str:
    for unit, label in ((86400, "hari"), (3600, "jam"), (60, "menit")):
        if seconds % unit == 0:
            count = seconds // unit
            return label if count == 1 else f"{count} {label}"
    return f"{seconds} detik"


def _wait_text(seconds: int) -> str:
    if seconds < 60:
        return f"dalam {seconds} detik"
    if seconds < 3600:
        return f"dalam {math.ceil(seconds / 60)} menit"
    return f"dalam {math.ceil(seconds / 3600)} jam"


def intake_options(settings: Settings, rules: intake.IntakeRules, now: dt.datetime) -> dict[str, Any]:
    """What the form needs to mirror the server's rules (earliest date, limits)."""
    today = now.astimezone(settings.tz).date()
    earliest = rules.earliest_event_date(today)
    return {
        "timezone": settings.timezone,
        "timezone_label": intake.tz_abbreviation(settings.tz),
        "today": today.isoformat(),
        "earliest_event_date": earliest.isoformat(),
        "earliest_event_date_label": intake.format_date_id(earliest),
        "min_lead_working_days": settings.min_lead_working_days,
        "min_participants": intake.MIN_PARTICIPANTS,
        "max_participants": settings.max_participants,
        "max_letter_bytes": intake.MAX_LETTER_BYTES,
        "letter_max_age_days": intake.LETTER_MAX_AGE_DAYS,
        "max_event_hours": intake.MAX_EVENT_HOURS,
        "limits": dict(intake.TEXT_LIMITS),
        "event_types": [{"value": k, "label": v} for k, v in intake.EVENT_TYPES.items()],
        "needs": [{"value": k, "label": v} for k, v in intake.NEEDS.items()],
        # OPD_LIST in its order; `opd_other` names the office when `opd` is this last choice.
        "opd_list": list(settings.opd_list),
        "opd_other": intake.OPD_OTHER,
        "identity": settings.identity.as_json(),
        # Every status with the label the status page shows (the site holds no labels of its own).
        "statuses": statuses_json(),
    }


def request_record(
    request_id: str,
    valid: intake.ValidRequest,
    letter: bytes,
    letter_key: str,
    now: dt.datetime,
    letter_check: LetterCheck | None = None,
) -> RequestRecord:
    """A new request as the store keeps it, with the document check of its letter."""
    return RequestRecord(
        id=request_id,
        status=Status.SUBMITTED,
        created_at=now,
        opd=valid.opd,
        opd_other=valid.opd_other,
        event_name=valid.event_name,
        event_type=valid.event_type,
        start=valid.start,
        end=valid.end,
        participant_count=valid.participant_count,
        participants=tuple(valid.participants),
        speakers=valid.speakers,
        contact_name=valid.contact_name,
        contact_phone=valid.contact_phone,
        contact_email=valid.contact_email,
        letter_number=valid.letter_number,
        letter_date=valid.letter_date,
        letter=LetterRef(key=letter_key, size=len(letter), sha256=hashlib.sha256(letter).hexdigest()),
        needs=tuple(valid.needs),
        needs_notes=valid.needs_notes,
        recording_consent=valid.recording_consent,
        breakout_rooms=valid.breakout_rooms,
        polls=tuple(
            RequestPoll(name=question.name, kind=question.kind, answers=question.answers)
            for question in parse_polls(valid.polls)
        ),
        letter_check=letter_check,
    )


class Intake:
    """A submission from the form, from validation to the receipt in the requester's mailbox."""

    def __init__(
        self,
        settings: Settings,
        rules: intake.IntakeRules,
        requests: RequestStore,
        rate_limits: RateLimits,
        blobs: Blobs,
        links: Links,
        mails: MailComposer,
        delivery: MailDelivery,
        clock: Callable[[], dt.datetime],
        jobs: Jobs | None = None,
        service_level: ServiceLevel | None = None,
    ) -> None:
        self.settings = settings
        self.rules = rules
        self.requests = requests
        self.rate_limits = rate_limits
        self.blobs = blobs
        self.links = links
        self.mails = mails
        self.delivery = delivery
        self.clock = clock
        # The SLA clock starts at submission (vicon.usecases.sla); without both, no reminders are scheduled.
        self.jobs = jobs
        self.service_level = service_level

    def submit(
        self, fields: Mapping[str, Sequence[str]], letter: bytes | None, client: str | None = None
    ) -> Submission:
        """Validate, store the request with its letter and mails in one go, then try to send the mails.

        Raises ValidationFailed, RateLimited, NotStored (nothing was stored), or anything else when the
        store's answer left it unknown whether the request was stored.
        """
        now = self.clock()
        if any(value.strip() for value in fields.get("website") or []):
            log.info("honeypot filled: submission dropped")
            return self._decoy_submission(now)
        valid = intake.validate_request(fields, letter, self.rules, now)
        assert letter is not None  # validate_request refuses a missing letter
        return self._accept(valid, letter, now, lambda: self._count_submission(valid.contact_email, client, now))

    def register_paper(self, fields: Mapping[str, Sequence[str]], letter: bytes | None, officer: str) -> Submission:
        """A request that came as a paper letter, registered by `officer` (already authorised) with its scan.

        The same fields, rules, letter checks, lifecycle and mails as `submit`; no honeypot (the staff form has
        none) and no rate limits: the officer's session is the check, and the registration is audited with the
        officer's address (decision 0034). Raises ValidationFailed or NotStored as `submit` does.
        """
        now = self.clock()
        valid = intake.validate_request(fields, letter, self.rules, now)
        assert letter is not None
        return self._accept(valid, letter, now, lambda: None, officer)

    def _accept(
        self,
        valid: intake.ValidRequest,
        letter: bytes,
        now: dt.datetime,
        count: Callable[[], None],
        officer: str | None = None,
    ) -> Submission:
        """Count it (`count` raises RateLimited), store the request with its letter and mails, then send them."""
        try:
            count()
            year = now.astimezone(self.settings.tz).year
            request_id = f"VC-{year}-{self.requests.next_request_number(year):06d}"
            letter_key = f"letters/{year}/{uuid.uuid4().hex}.pdf"
            record = request_record(request_id, valid, letter, letter_key, now, self._check_letter(letter, valid, now))
            if officer is not None:
                record = record.model_copy(update={"received_via": RequestChannel.SURAT, "registered_by": officer})
            status_url = self.links.status_url(record)
            outbox = self.mails.intake(record, status_url)
            if self.jobs is not None and self.service_level is not None:
                # Before the request is stored, so a stored request always has its reminders; jobs of a request
                # that then fails to be stored find no request and do nothing.
                schedule_verification_clock(self.jobs, self.service_level, record)
            self.blobs.put(letter_key, letter, "application/pdf")
        except RateLimited:
            raise
        except Exception as exc:
            raise NotStored(str(exc)) from exc
        if officer is None:
            audit = AuditEntry(request_id, now, record.contact_email, "submit", None, Status.SUBMITTED)
        else:
            detail = {
                "via": VIA_CONSOLE,
                "received_via": RequestChannel.SURAT.value,
                "on_behalf_of": record.contact_email,
            }
            audit = AuditEntry(request_id, now, officer, "submit", None, Status.SUBMITTED, detail)
        try:
            self.requests.create_request(record, audit, outbox)
        except Exception as exc:
            stored = self._stored_after_failed_create(request_id, letter_key)
            if stored is False:
                raise NotStored(str(exc)) from exc
            if stored is None:
                raise
            log.warning("creating %s answered %r, but it is stored", request_id, exc)
        # Stored: from here on nothing may turn the answer into a failure, or the requester submits again.
        self.delivery.deliver_after_commit(request_id)
        return Submission(request_id, Status.SUBMITTED, status_url)

    def _check_letter(self, letter: bytes, valid: intake.ValidRequest, now: dt.datetime) -> LetterCheck:
        """The document check, before the mails are composed: they and the review page show what it found
        (decision 0029). It never raises and never refuses; only submissions the rate limits let through pay for it."""
        started = time.perf_counter()
        check = check_letter(
            letter,
            valid.letter_number,
            valid.letter_date,
            [root.der for root in self.settings.trusted_signature_roots],
            now,
            self.settings.tz,
        )
        log.info("document check in %.0f ms: %s", (time.perf_counter() - started) * 1000, check.summary)
        return check

    def _count_submission(self, contact_email: str, client: str | None, now: dt.datetime) -> None:
        """Count the submission against its contact address and its client, or raise RateLimited."""
        per_contact = self.settings.submit_rate_limit
        buckets = [
            RateBucket(
                f"submit-contact-{_digest(contact_email.lower())}-{per_contact.seconds}",
                per_contact.count,
                per_contact.window_end(now),
            )
        ]
        if client:
            per_client = self.settings.submit_rate_limit_per_client
            buckets.append(
                RateBucket(
                    f"submit-client-{_digest(client)}-{per_client.seconds}",
                    per_client.count,
                    per_client.window_end(now),
                )
            )
        full = self.rate_limits.take_rate_limit(buckets, now)
        if full is None:
            return
        retry_after = max(1, math.ceil((full.window_end - now).total_seconds()))
        wait = _wait_text(retry_after)
        if full is buckets[0]:
            raise RateLimited(
                "contact_email",
                f"Terlalu banyak permohonan dengan email kontak ini; batasnya {full.limit} per "
                f"{_window_text(per_contact.seconds)}. Coba lagi {wait}.",
                retry_after,
            )
        raise RateLimited(
            None,
            f"Terlalu banyak permohonan dari jaringan Anda; coba lagi {wait}. "
            "Bila kantor Anda memang mengirim banyak permohonan, hubungi "
            f"{self.settings.identity.office_short_name} ({self.settings.identity.contact_email}).",
            retry_after,
        )

    def _stored_after_failed_create(self, request_id: str, letter_key: str) -> bool | None:
        """After a failed create: was the request stored anyway? None when even that cannot be told.

        A commit can be applied and its answer lost; then the request holds the letter and must keep it. The
        id was freshly allocated, so a request stored under it is this one. Only a request known not to exist
        loses its letter.
        """
        try:
            stored = self.requests.get_request(request_id)
        except Exception:
            log.exception("cannot tell whether %s was stored; its letter %s is kept", request_id, letter_key)
            return None
        if stored is None:
            self.blobs.delete(letter_key)  # no orphaned letter for a request that does not exist
            return False
        return True

    def _decoy_submission(self, now: dt.datetime) -> Submission:
        # Shaped like a success (a signed-looking status link included) so a bot learns nothing; nothing is
        # stored or sent, and the link opens nothing.
        year = now.astimezone(self.settings.tz).year
        decoy_id = f"VC-{year}-{secrets.randbelow(900_000) + 100_000:06d}"
        return Submission(decoy_id, Status.SUBMITTED, self.links.decoy_status_url(decoy_id, now))
