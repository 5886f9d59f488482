"""The service itself: intake, status and review, with its adapters handed in."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import secrets
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from vicon import intake
from vicon.lifecycle import (
    CANCELLABLE,
    PUBLIC_HISTORY_LABELS,
    Actor,
    CleanupState,
    Status,
    allowed_from,
    check,
    status_label,
    statuses_json,
)
from vicon.mailing import INLINE_BUDGET_SECONDS, TICK_BUDGET_SECONDS, deliver_due_mail
from vicon.meetings import ZoomError
from vicon.messages import MailComposer
from vicon.ports import (
    AuditEntry,
    BlobNotFound,
    Blobs,
    Mailer,
    Meetings,
    RateBucket,
    RequestNotFound,
    Store,
    TransitionRefused,
)
from vicon.provisioning import INLINE_ZOOM_BUDGET_SECONDS, STALE_APPROVAL, find_tagged, provision, retry_due
from vicon.provisioning import SYSTEM as SYSTEM_ACTOR
from vicon.rendering import render
from vicon.settings import Settings
from vicon.signing import Signer
from vicon.timefmt import iso, parse_iso
from vicon.workdays import WorkingCalendar

log = logging.getLogger(__name__)

STATUS_LINK_DAYS_AFTER_EVENT = 90
MEETING_PUBLIC_FIELDS = ("id", "join_url", "passcode", "start", "end")
MAX_REASON_CHARS = 2_000
OFFICER_LINK_AFTER_EVENT = dt.timedelta(hours=12)
CANCEL_ATTEMPTS = 5


VERIFY_WITHIN_WORKING_DAYS = 1


class NotStored(Exception):
    """A submission failed before anything was stored; the requester may simply send it again."""


class RateLimited(Exception):
    """Too many submissions from one contact address or one client; `retry_after` in whole seconds."""

    def __init__(self, field: str | None, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.retry_after = retry_after


class Refused(Exception):
    """A request the service understood but will not carry out; `status` is the 4xx (or 503) to answer."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


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
    meetings: Meetings
    clock: Callable[[], dt.datetime] = field(default=utc_now)

    @cached_property
    def mails(self) -> MailComposer:
        return MailComposer(self)

    @cached_property
    def signer(self) -> Signer:
        return Signer(self.settings.signing_key, self.settings.signing_keys_previous)

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
            opd_list=self.settings.opd_list,
        )

    def verify_by(self, submitted_at: dt.datetime) -> dt.date:
        """The last day a verifier may decide: one working day after the (local) day of submission.

        One rule for the mails (receipt, verifier's mail) and the review page, so they never name two dates.
        """
        today = submitted_at.astimezone(self.settings.tz).date()
        return self.calendar.add_working_days(today, VERIFY_WITHIN_WORKING_DAYS)

    def render(self, name: str, **context: Any) -> str:
        return render(self.settings.timezone, name, identity=self.settings.identity, **context)

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
            # OPD_LIST in its order; `opd_other` names the office when `opd` is this last choice.
            "opd_list": list(self.settings.opd_list),
            "opd_other": intake.OPD_OTHER,
            "identity": self.settings.identity.as_json(),
            # Every status with the label the status page shows (the site holds no labels of its own).
            "statuses": statuses_json(),
        }

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

        try:
            self._count_submission(valid.contact_email, client, now)
            year = now.astimezone(self.settings.tz).year
            request_id = f"VC-{year}-{self.store.next_request_number(year):06d}"
            letter_key = f"letters/{year}/{uuid.uuid4().hex}.pdf"
            record = self._record(request_id, valid, letter, letter_key, now)
            status_url = self.status_url(record)
            outbox = self.mails.intake(record, status_url)
            self.blobs.put(letter_key, letter, "application/pdf")
        except RateLimited:
            raise
        except Exception as exc:
            raise NotStored(str(exc)) from exc
        try:
            self.store.create_request(
                record, AuditEntry(request_id, now, record["contact_email"], "submit", None, Status.SUBMITTED), outbox
            )
        except Exception as exc:
            stored = self._stored_after_failed_create(request_id, letter_key)
            if stored is False:
                raise NotStored(str(exc)) from exc
            if stored is None:
                raise
            log.warning("creating %s answered %r, but it is stored", request_id, exc)
        # Stored: from here on nothing may turn the answer into a failure, or the requester submits again.
        self._deliver_after_commit(request_id)
        return Submission(request_id, Status.SUBMITTED, status_url)

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
        full = self.store.take_rate_limit(buckets, now)
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
            stored = self.store.get_request(request_id)
        except Exception:
            log.exception("cannot tell whether %s was stored; its letter %s is kept", request_id, letter_key)
            return None
        if stored is None:
            self.blobs.delete(letter_key)  # no orphaned letter for a request that does not exist
            return False
        return True

    def _deliver_after_commit(self, request_id: str) -> None:
        """Send a request's mails now if possible; what fails (the store included) waits for the tick."""
        try:
            self.deliver_mail(request_id)
        except Exception:
            log.exception("inline mail delivery for %s failed; the tick sends it", request_id)

    def _decoy_submission(self, now: dt.datetime) -> Submission:
        # Shaped like a success (a signed-looking status link included) so a bot learns nothing; nothing is
        # stored or sent, and the link opens nothing.
        year = now.astimezone(self.settings.tz).year
        decoy_id = f"VC-{year}-{secrets.randbelow(900_000) + 100_000:06d}"
        # Our key id, a throwaway key's MAC: it looks like ours but can never open a real request.
        token = self.signer.decoy("status", decoy_id, now + dt.timedelta(days=90))
        query = urlencode({"id": decoy_id, "token": token})
        return Submission(decoy_id, Status.SUBMITTED, f"{self.settings.public_base_url}/status.html?{query}")

    def _record(
        self, request_id: str, valid: intake.ValidRequest, letter: bytes, letter_key: str, now: dt.datetime
    ) -> dict[str, Any]:
        return {
            "id": request_id,
            "status": Status.SUBMITTED,
            "created_at": iso(now),
            "opd": valid.opd,
            "opd_other": valid.opd_other,
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

    def deliver_mail(self, request_id: str | None = None) -> dict[str, int]:
        """Send what is due in the outbox now; what fails waits there for the next tick.

        With `request_id` this runs inside an answer to a person: a short total budget, and the first failure
        leaves the rest to the tick, so a mail server that never answers cannot hold the answer up.
        """
        inline = request_id is not None
        report = deliver_due_mail(
            self.store,
            self.blobs,
            self.mailer,
            self.settings.mail_from,
            self.clock(),
            request_id=request_id,
            budget_seconds=INLINE_BUDGET_SECONDS if inline else TICK_BUDGET_SECONDS,
            inline=inline,
            notices=self.mails.undeliverable,
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

    def letter_url(self, record: dict[str, Any], verifier: str) -> str:
        """The verifier's read-only link to the request's letter; it expires with the review link."""
        token = self.signer.sign("letter", record["id"], parse_iso(record["start"]), v=verifier)
        return self.api_url("request_letter", token=token)

    def officer_url(self, record: dict[str, Any], operator: str) -> str:
        expires = parse_iso(record["end"]) + OFFICER_LINK_AFTER_EVENT
        token = self.signer.sign("officer", record["id"], expires, v=operator)
        return self.api_url("start_meeting", token=token)

    def _claims(self, token: str, purpose: str, allowed: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Verified claims and the request; the person named in the token must still be authorised."""
        claims = self.signer.verify(token, purpose, self.clock())
        if claims.get("v") not in allowed:
            raise Refused(403, "Alamat email pada tautan ini tidak lagi terdaftar sebagai petugas yang berwenang.")
        record = self.store.get_request(str(claims["r"]))
        if record is None:
            raise RequestNotFound(str(claims["r"]))
        return claims, record

    # ---- requester ----------------------------------------------------------------------------------------

    def request_status(self, request_id: str, token: str) -> dict[str, Any]:
        """The requester's view; raises TokenError or RequestNotFound. Never a host link."""
        self.signer.verify(token, "status", self.clock(), request_id=request_id)
        record = self.store.get_request(request_id)
        if record is None:
            raise RequestNotFound(request_id)
        meeting = record.get("meeting")
        return {
            "id": record["id"],
            "status": record["status"],
            "status_label": status_label(record["status"]),
            "opd": record["opd"],
            "opd_other": record.get("opd_other") or "",
            "event_name": record["event_name"],
            "start": record["start"],
            "end": record["end"],
            "history": [
                {"status": item["status"], "at": item["at"], "label": PUBLIC_HISTORY_LABELS.get(item["status"], "")}
                for item in record.get("history", [])
                # The scheduler's retries pass through `approved` again; the requester was approved only once.
                if not (item["status"] == Status.APPROVED and item.get("actor") == SYSTEM_ACTOR)
            ],
            # A cancelled request's meeting was deleted in Zoom: its link and passcode no longer mean anything.
            "meeting": {key: meeting.get(key) for key in MEETING_PUBLIC_FIELDS}
            if meeting and record["status"] in (Status.PROVISIONED, Status.COMPLETED)
            else None,
            "reason": record.get("decision_reason") or record.get("provisioning_error"),
            "can_cancel": record["status"] in CANCELLABLE and parse_iso(record["end"]) > self.clock(),
            # The status page shows the times in the service's zone, labelled as everywhere else (WIB/WITA/WIT).
            "timezone": self.settings.timezone,
            "timezone_label": intake.tz_abbreviation(self.settings.tz),
        }

    def cancel(self, request_id: str, token: str) -> dict[str, Any]:
        """The requester withdraws the request; a meeting is deleted in Zoom and its host slot freed."""
        self.signer.verify(token, "status", self.clock(), request_id=request_id)
        for _ in range(CANCEL_ATTEMPTS):
            record = self.store.get_request(request_id)
            if record is None:
                raise RequestNotFound(request_id)
            if record["status"] not in CANCELLABLE or parse_iso(record["end"]) <= self.clock():
                label = status_label(record["status"])
                raise Refused(409, f"Permohonan ini tidak dapat dibatalkan lagi (status: {label}).")
            # Only from the status just read: the mails and the clean-up below are decided from this record.
            # `approved` too: an instance may have died between Zoom's answer and the record of the meeting.
            needs_cleanup = bool(record.get("meeting")) or record["status"] in (
                Status.APPROVED,
                Status.PROVISIONING_FAILED,
            )
            audit = AuditEntry(
                request_id, self.clock(), record["contact_email"], "cancel", record["status"], Status.CANCELLED
            )
            try:
                cancelled = self.store.transition(
                    request_id,
                    [check(record["status"], Status.CANCELLED, Actor.REQUESTER)],
                    Status.CANCELLED,
                    audit,
                    changes={"meeting_cleanup": CleanupState.PENDING if needs_cleanup else None},
                    outbox=self.mails.cancelled(record),
                )
            except TransitionRefused:
                continue  # provisioning moved it on meanwhile: decide again from the new status
            try:
                # The answer waits on this: what Zoom cannot do in time is finished by the tick.
                with self.meetings.time_budget(INLINE_ZOOM_BUDGET_SECONDS):
                    self._clean_up_cancelled(cancelled)
            except Exception:
                log.exception("clean-up of cancelled %s failed; the tick tries again", request_id)
            self._deliver_after_commit(request_id)
            return cancelled
        raise Refused(409, "Status permohonan sedang berubah; muat ulang halaman status lalu coba lagi.")

    def _clean_up_cancelled(self, record: dict[str, Any]) -> None:
        """Delete the request's meetings in Zoom and, once cancelled, free the slot.

        A cancelled request loses its recorded meeting, the orphans (meetings Zoom created that could not be
        recorded, nor deleted then) and, when neither is known, whatever a search of the held host finds under
        its tag (a create whose answer was lost). A request that lives on loses only its orphans. On a Zoom
        failure the slot stays held and the tick tries again.
        """
        cancelled = record["status"] == Status.CANCELLED
        if record.get("meeting_cleanup") == CleanupState.PENDING:
            meeting = record.get("meeting") if cancelled else None
            orphans = [int(meeting_id) for meeting_id in record.get("orphan_meetings") or []]
            host = self.store.held_host(record["id"])
            try:
                for meeting_id in [*([meeting["id"]] if meeting else []), *orphans]:
                    self.meetings.delete_meeting(meeting_id)
                if cancelled and not meeting and not orphans and host is not None:
                    found = find_tagged(self.meetings, host, record["id"])
                    if found is not None:
                        self.meetings.delete_meeting(found.id)
            except ZoomError as exc:
                log.warning("could not clean up the meeting of %s yet: %s", record["id"], exc)
                return
            self.store.update_request(record["id"], {"meeting_cleanup": CleanupState.DONE, "orphan_meetings": []})
        if cancelled:
            self.store.release_host_slot(record["id"])

    # ---- verifier -----------------------------------------------------------------------------------------

    def review_page(self, token: str, error: str | None = None, reason: str = "") -> str:
        """The verifier's confirmation page; raises TokenError, Refused or RequestNotFound. Changes nothing."""
        claims, record = self._claims(token, "review", self.settings.verifier_emails)
        verify_by = self.verify_by(parse_iso(record["created_at"]))
        today = self.clock().astimezone(self.settings.tz).date()
        created = parse_iso(record["created_at"]).astimezone(self.settings.tz).date()
        event_day = parse_iso(record["start"]).astimezone(self.settings.tz).date()
        return self.page(
            "pages/review.html",
            request=record,
            # The lead time as the intake rule counts it: working days after the day of submission, up to the event.
            lead_working_days=self._working_days_between(created, event_day),
            min_lead_working_days=self.settings.min_lead_working_days,
            token=token,
            error=error,
            reason=reason,
            # Minted for the verifier the review link names: the letter opens for them alone, read-only.
            letter_url=self.letter_url(record, str(claims["v"])),
            verify_by=verify_by,
            verify_overdue=record["status"] == Status.SUBMITTED and today > verify_by,
        )

    def _working_days_between(self, after: dt.date, until: dt.date) -> int:
        """Working days d with after < d <= until (0 when `until` is not later)."""
        days = (until - after).days
        return sum(self.calendar.is_working_day(after + dt.timedelta(days=n)) for n in range(1, days + 1))

    def letter(self, token: str) -> tuple[str, bytes]:
        """The request's letter (file name, PDF bytes) for a verifier's letter link. Changes nothing.

        Raises TokenError, Refused (403 verifier no longer authorised, 404 letter missing) or RequestNotFound.
        """
        _, record = self._claims(token, "letter", self.settings.verifier_emails)
        try:
            data = self.blobs.get(record["letter"]["key"])
        except BlobNotFound as missing:
            log.error("the letter of %s is missing from the blob store", record["id"])
            raise Refused(404, "Surat permohonan tidak ditemukan di penyimpanan; hubungi admin Vicon.") from missing
        return f"surat-{record['id']}.pdf", data

    def decide(self, token: str, decision: str, reason: str) -> dict[str, Any]:
        """approve (then provision at once) or reject with a reason; a decided request is a 409."""
        claims, record = self._claims(token, "review", self.settings.verifier_emails)
        verifier = str(claims["v"])
        reason = reason.strip()
        if record["status"] != Status.SUBMITTED:
            raise self._already_decided(record["status"])
        if decision not in ("approve", "reject"):
            raise Refused(422, "Pilih tombol Setujui atau Tolak.", "decision")
        if decision == "reject" and not reason:
            raise Refused(422, "Alasan penolakan wajib diisi; pemohon akan menerimanya lewat email.", "reason")
        if len(reason) > MAX_REASON_CHARS:
            raise Refused(422, f"Alasan paling banyak {MAX_REASON_CHARS} karakter.", "reason")
        now = self.clock()
        to_status = Status.APPROVED if decision == "approve" else Status.REJECTED
        try:
            decided = self.store.transition(
                record["id"],
                allowed_from(to_status, Actor.VERIFIER),
                to_status,
                AuditEntry(record["id"], now, verifier, decision, Status.SUBMITTED, to_status, {"reason": reason}),
                changes={
                    "decided_by": verifier,
                    "decided_at": iso(now),
                    "decision_reason": reason or None,
                    # Should this instance die before the meeting is recorded, the tick takes over from then.
                    "next_provisioning_at": iso(now + STALE_APPROVAL) if decision == "approve" else None,
                },
                outbox=self.mails.rejected({**record, "decision_reason": reason}) if decision == "reject" else [],
            )
        except TransitionRefused as refused:
            raise self._already_decided(refused.current or "") from refused
        if decision == "approve":
            try:
                decided = provision(self, record["id"]) or decided
            except Exception:
                # The approval is stored; the tick takes over an approval left unfinished (STALE_APPROVAL).
                log.exception("provisioning %s failed unexpectedly", record["id"])
        self._deliver_after_commit(record["id"])
        return decided

    @staticmethod
    def _already_decided(status: str) -> Refused:
        label = status_label(status)
        return Refused(409, f"Permohonan ini sudah diputuskan sebelumnya (status: {label}); tidak ada yang diubah.")

    # ---- officer ------------------------------------------------------------------------------------------

    def officer_page(self, token: str) -> str:
        """Confirmation before a fresh host link is fetched; GET changes nothing."""
        _, record = self._officer_claims(token)
        return self.page("pages/start_meeting.html", request=record, token=token)

    def _officer_claims(self, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
        claims, record = self._claims(token, "officer", self.settings.operator_emails)
        if record["status"] != Status.PROVISIONED or not record.get("meeting"):
            label = status_label(record["status"])
            raise Refused(409, f"Meeting untuk permohonan ini tidak tersedia (status: {label}).")
        return claims, record

    def start_url(self, token: str) -> str:
        """A fresh start_url from Zoom for an authorised officer; each use is in the audit trail."""
        claims, record = self._officer_claims(token)
        try:
            with self.meetings.time_budget(INLINE_ZOOM_BUDGET_SECONDS):
                start_url = self.meetings.get_meeting(record["meeting"]["id"]).start_url
        except ZoomError as exc:
            raise Refused(503, "Zoom tidak dapat dihubungi saat ini; coba lagi sebentar lagi.") from exc
        if not start_url:
            raise Refused(503, "Zoom tidak memberikan tautan host; coba lagi sebentar lagi.")
        self.store.record_audit(
            AuditEntry(
                record["id"],
                self.clock(),
                str(claims["v"]),
                "start_meeting",
                None,
                None,
                {"meeting": record["meeting"]["id"]},
            )
        )
        return start_url

    # ---- scheduler ----------------------------------------------------------------------------------------

    def tick(self) -> dict[str, Any]:
        """Due work; safe to run twice at once (mails are leased, retries claimed by a transition).

        Each part is isolated: a failure in one never keeps the outbox from being delivered.
        """
        report: dict[str, Any] = {}
        try:
            report["provisioning"] = retry_due(self)
        except Exception:
            log.exception("provisioning retries failed")
            report["provisioning"] = {"error": True}
        report["cleanup"] = self._clean_up_pending()
        try:
            report["mail"] = self.deliver_mail()
        except Exception:
            log.exception("mail delivery failed")
            report["mail"] = {"error": True}
        return report

    def _clean_up_pending(self) -> int | dict[str, bool]:
        """Finish every clean-up Zoom refused before; the query asks for exactly those, so none starves."""
        try:
            pending = self.store.requests_pending_cleanup()
        except Exception:
            log.exception("the clean-up query failed")
            return {"error": True}
        cleaned = 0
        for record in pending:
            try:
                self._clean_up_cancelled(record)
                cleaned += 1
            except Exception:
                log.exception("clean-up of %s failed", record["id"])
        return cleaned
