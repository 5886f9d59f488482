"""The verifier's part: the review page, the request's letter behind its link, and the decision."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from vicon.lifecycle import Actor, Status, allowed_from, status_label
from vicon.links import Links
from vicon.messages import MailComposer
from vicon.ports import AuditEntry, BlobNotFound, Blobs, RequestStore, TransitionRefused
from vicon.provisioning import STALE_APPROVAL, ProvisioningContext, provision
from vicon.records import RequestChanges, RequestRecord
from vicon.settings import Settings
from vicon.signing import Signer
from vicon.usecases.access import Refused, authorised_request
from vicon.usecases.delivery import MailDelivery
from vicon.usecases.sla import AWAITING_MEETING, provisioning_due, service_level
from vicon.workdays import WorkingCalendar

if TYPE_CHECKING:
    from vicon.inputs import DecisionForm

log = logging.getLogger(__name__)


def working_days_between(calendar: WorkingCalendar, after: dt.date, until: dt.date) -> int:
    """Working days d with after < d <= until (0 when `until` is not later)."""
    days = (until - after).days
    return sum(calendar.is_working_day(after + dt.timedelta(days=n)) for n in range(1, days + 1))


class ReviewPage:
    def __init__(
        self,
        settings: Settings,
        calendar: WorkingCalendar,
        signer: Signer,
        requests: RequestStore,
        links: Links,
        page: Callable[..., str],
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.settings = settings
        self.calendar = calendar
        self.signer = signer
        self.requests = requests
        self.links = links
        self.page = page
        self.clock = clock

    def render(self, token: str, error: str | None = None, reason: str = "") -> str:
        """The verifier's confirmation page; raises TokenError, Refused or RequestNotFound. Changes nothing.

        With `error` it is the answer to a decision the form refused (main.review_request).
        """
        link = authorised_request(
            self.signer, self.requests, self.clock, token, "review", self.settings.verifier_emails
        )
        record = link.record
        if error is not None and record.status != Status.SUBMITTED:
            raise already_decided(record.status)  # a refused decision on a decided request: any late one's 409
        # The SLA clocks (vicon.sla): the same due times the mails name.
        level = service_level(self.settings, self.calendar)
        now = self.clock()
        verification_due = level.verification_due(record.created_at)
        meeting_due = provisioning_due(level, record)
        created = record.created_at.astimezone(self.settings.tz).date()
        event_day = record.start.astimezone(self.settings.tz).date()
        return self.page(
            "pages/review.html",
            request=record,
            # The lead time as the intake rule counts it: working days after the day of submission, up to the event.
            lead_working_days=working_days_between(self.calendar, created, event_day),
            min_lead_working_days=self.settings.min_lead_working_days,
            token=token,
            error=error,
            reason=reason,
            # Minted for the verifier the review link names: the letter opens for them alone, read-only.
            letter_url=self.links.letter_url(record, link.person),
            verification_due=verification_due,
            verification_overdue=record.status == Status.SUBMITTED and now > verification_due,
            provisioning_due=meeting_due,
            provisioning_overdue=meeting_due is not None and record.status in AWAITING_MEETING and now > meeting_due,
        )


class LetterLink:
    def __init__(
        self, settings: Settings, signer: Signer, requests: RequestStore, blobs: Blobs, clock: Callable[[], dt.datetime]
    ) -> None:
        self.settings = settings
        self.signer = signer
        self.requests = requests
        self.blobs = blobs
        self.clock = clock

    def letter(self, token: str) -> tuple[str, bytes]:
        """The request's letter (file name, PDF bytes) for a verifier's letter link. Changes nothing.

        Raises TokenError, Refused (403 verifier no longer authorised, 404 letter missing) or RequestNotFound.
        """
        record = authorised_request(
            self.signer, self.requests, self.clock, token, "letter", self.settings.verifier_emails
        ).record
        try:
            data = self.blobs.get(record.letter.key)
        except BlobNotFound as missing:
            log.error("the letter of %s is missing from the blob store", record.id)
            raise Refused(404, "Surat permohonan tidak ditemukan di penyimpanan; hubungi admin Vicon.") from missing
        return f"surat-{record.id}.pdf", data


class Decision:
    def __init__(
        self,
        settings: Settings,
        signer: Signer,
        requests: RequestStore,
        mails: MailComposer,
        provisioning: ProvisioningContext,
        delivery: MailDelivery,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.settings = settings
        self.signer = signer
        self.requests = requests
        self.mails = mails
        self.provisioning = provisioning
        self.delivery = delivery
        self.clock = clock

    def decide(self, form: DecisionForm) -> RequestRecord:
        """approve (then provision at once) or reject with a reason (the form's rules); a decided request is a 409."""
        link = authorised_request(
            self.signer, self.requests, self.clock, form.token, "review", self.settings.verifier_emails
        )
        return self.apply(link.record, link.person, form.decision, form.reason)

    def apply(
        self, record: RequestRecord, verifier: str, decision: str, reason: str, via: str | None = None
    ) -> RequestRecord:
        """The decision of `verifier` (already known to be one) on `record`, from a review link or the console.

        `via` names where it was taken when that is not the review link (the console's "konsol"), in the audit
        entry. The event must not have started: the review link expires then, and the console keeps that rule.
        """
        if record.status != Status.SUBMITTED:
            raise already_decided(record.status)
        now = self.clock()
        if record.start <= now:
            raise Refused(409, "Kegiatan sudah dimulai; keputusan tidak dapat dibuat lagi.")
        detail = {"reason": reason, **({"via": via} if via else {})}
        to_status = Status.APPROVED if decision == "approve" else Status.REJECTED
        changes = RequestChanges(
            decided_by=verifier,
            decided_at=now,
            decision_reason=reason or None,
            # Should this instance die before the meeting is recorded, the tick takes over from then.
            next_provisioning_at=now + STALE_APPROVAL if decision == "approve" else None,
        )
        try:
            decided = self.requests.transition(
                record.id,
                allowed_from(to_status, Actor.VERIFIER),
                to_status,
                AuditEntry(record.id, now, verifier, decision, Status.SUBMITTED, to_status, detail),
                changes=changes,
                outbox=self.mails.rejected(changes.applied_to(record)) if decision == "reject" else [],
            )
        except TransitionRefused as refused:
            raise already_decided(refused.current or "") from refused
        if decision == "approve":
            try:
                decided = provision(self.provisioning, record.id) or decided
            except Exception:
                # The approval is stored; the tick takes over an approval left unfinished (STALE_APPROVAL).
                log.exception("provisioning %s failed unexpectedly", record.id)
        self.delivery.deliver_after_commit(record.id)
        return decided


def already_decided(status: str) -> Refused:
    label = status_label(status)
    return Refused(409, f"Permohonan ini sudah diputuskan sebelumnya (status: {label}); tidak ada yang diubah.")
