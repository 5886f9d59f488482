"""The staff console's queue, a request's page and the actions on it (decision 0030).

Every action reuses the use case that owns its rules: a decision is `review.Decision.apply` (the review link's
rules, audited "via konsol"), a cancellation `Cancellation.cancel_for_requester`, a retry provisioning's own
`provision`. Who may do what follows the roles the lists give (`staff_access.StaffRole`); what the lifecycle
allows is checked by the store's compare-and-set as everywhere else.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vicon.fields import FieldError, IntakeRules
from vicon.intake import OPD_OTHER
from vicon.lifecycle import Actor, Status, allowed_from, status_label
from vicon.links import Links
from vicon.meetings import ZoomError, ZoomRejected
from vicon.ports import (
    AuditEntry,
    BlobNotFound,
    Blobs,
    MailHistory,
    OutboxEntry,
    RequestNotFound,
    RequestStore,
    StaffQueue,
    TransitionRefused,
)
from vicon.provisioning import STALE_APPROVAL, PollsInProgress, ProvisioningContext, create_polls, provision
from vicon.records import RECEIVED_VIA_LABELS, LiveStream, QueueEntry, RequestChanges, RequestRecord
from vicon.settings import Settings
from vicon.sla import ServiceLevel
from vicon.timefmt import iso
from vicon.usecases import review
from vicon.usecases.access import Refused
from vicon.usecases.cancel import Cancellation
from vicon.usecases.delivery import MailDelivery
from vicon.usecases.staff_access import StaffMember, StaffRole
from vicon.usecases.submit import VIA_CONSOLE
from vicon.workdays import WorkingCalendar

if TYPE_CHECKING:
    from vicon.inputs import StaffActionForm, StaffQueueQuery

log = logging.getLogger(__name__)

LIVESTREAM_ZOOM_BUDGET_SECONDS = 8.0  # inside the console POST's function timeout, as an inline approval
# The queue answers at most this many requests, by start; narrower filters show the rest.
QUEUE_LIMIT = 500
# Who may take each action (any of the roles). A decision is the verifiers' as on the review link; a
# cancellation on the requester's behalf the verifiers' and the supervisors'; a retry or a resend anyone's.
ACTION_ROLES: dict[str, frozenset[StaffRole]] = {
    "approve": frozenset({StaffRole.VERIFIER}),
    "reject": frozenset({StaffRole.VERIFIER}),
    "cancel": frozenset({StaffRole.VERIFIER, StaffRole.SUPERVISOR}),
    "retry": frozenset(StaffRole),
    "resend": frozenset(StaffRole),
    # Setting up the stream is the officers' work (SOP 2.4); a verifier may do it when no officer is at hand.
    "livestream": frozenset({StaffRole.OFFICER, StaffRole.VERIFIER}),
    "polls": frozenset(StaffRole),
}
# What the audit trail says in place of the stream key: Zoom holds it, Vicon keeps no copy (decision 0032).
STREAM_KEY_NOTE = "kunci disimpan di Zoom"
STREAM_KEY_MASK = "[kunci stream]"  # in place of the key wherever Zoom's own message quotes it
LIVESTREAM_NOT_RECORDED = (
    "Live streaming sudah dipasang di Zoom, tetapi belum tercatat di Vicon karena gangguan penyimpanan. "
    "Muat ulang halaman ini, lalu kirim pengaturan live streaming sekali lagi (dengan kunci stream yang sama) "
    "agar tercatat; Zoom tidak memasangnya dua kali."
)
POLLS_IN_PROGRESS = (
    "Polling permohonan ini sedang dibuat oleh proses lain (percobaan otomatis atau petugas lain). "
    "Tidak ada yang diubah; muat ulang halaman ini sebentar lagi untuk melihat hasilnya."
)
# What the page says after an action (the 303 back to it names the action).
DONE_MESSAGES = {
    "approve": "Permohonan disetujui.",
    "reject": "Permohonan ditolak; alasannya dikirim ke pemohon.",
    "cancel": "Permohonan dibatalkan atas nama pemohon; pemohon dan tim verifikasi diberi tahu.",
    "retry": "Pembuatan meeting sudah dicoba lagi.",
    "resend": "Email dimasukkan ke antrean pengiriman lagi.",
    "register": "Permohonan dari surat fisik tercatat: tanda terima dengan tautan status dikirim ke email kontak, "
    "dan tim verifikasi menerima email verifikasinya.",
    "livestream": "Live streaming dipasang pada meeting Zoom; kuncinya disimpan di Zoom saja.",
    "polls": "Pembuatan polling sudah dicoba lagi; hasilnya tampil di bagian Kebutuhan di Zoom.",
}
AUDIT_ACTIONS = {
    "submit": "Diajukan",
    "approve": "Disetujui",
    "reject": "Ditolak",
    "provision": "Pembuatan meeting",
    "retry": "Pembuatan meeting dicoba lagi",
    "cancel": "Dibatalkan",
    "start_meeting": "Tautan host dibuka",
    "resend_mail": "Email dikirim ulang",
    "complete": "Selesai",
    "recording_archive": "Rekaman: disimpan",
    "recording_delete": "Rekaman: dihapus",
    "livestream": "Live streaming dipasang",
    "polls": "Polling dibuat di Zoom",
    "polls_failed": "Polling gagal dibuat",
}
DETAIL_LABELS = {
    "reason": "Alasan",
    "via": "Lewat",
    "received_via": "Diterima lewat",
    "on_behalf_of": "Atas nama",
    "meeting": "Meeting",
    "mail": "Email",
    "to": "Kepada",
    "subject": "Perihal",
    "stream_url": "URL stream",
    "stream_key": "Kunci stream",
    "page_url": "Halaman live stream",
    "polls": "Polling",
}
# Stored detail values as people read them (a paper request's `received_via: surat` is "surat fisik").
DETAIL_VALUE_LABELS: dict[str, dict[str, str]] = {
    "received_via": {channel.value: label for channel, label in RECEIVED_VIA_LABELS.items()},
}


# Where the meeting is the step that is due (`vicon.sla`): approved and waiting, or a provisioning that failed.
MEETING_DUE_STATUSES = frozenset({Status.APPROVED, Status.PROVISIONING_FAILED})


def due_at(level: ServiceLevel, record: RequestRecord | QueueEntry) -> dt.datetime | None:
    """When the request's current step is due (the SLA module's rule, as the mails and the reminders use), or None
    when no clock runs for it: verification for a submitted request, the meeting for an approved one."""
    if record.status == Status.SUBMITTED:
        return level.verification_due(record.created_at)
    if record.status in MEETING_DUE_STATUSES and record.decided_at is not None:
        return level.provisioning_due(record.decided_at, record.start)
    return None


@dataclass(frozen=True)
class QueueRow:
    """One request of the queue with its clock."""

    request: QueueEntry
    due: dt.datetime | None
    overdue: bool

    def as_json(self) -> dict[str, Any]:
        record = self.request
        return {
            "id": record.id,
            "status": record.status,
            "opd": record.opd,
            "opd_other": record.opd_other,
            "event_name": record.event_name,
            "start": iso(record.start),
            "end": iso(record.end),
            "due": iso(self.due) if self.due else None,
            "overdue": self.overdue,
            "host": record.meeting.host if record.meeting else None,
            "received_via": record.received_via.value,
        }


def _searched(text: str) -> Callable[[QueueEntry], bool] | None:
    wanted = " ".join(text.split()).casefold()
    if not wanted:
        return None

    def matches(record: QueueEntry) -> bool:
        fields = (
            record.id,
            record.event_name,
            record.office_label(),
            record.contact_name,
            record.contact_email,
            record.letter_number,
            record.meeting.host if record.meeting else "",
        )
        return any(wanted in field.casefold() for field in fields)

    return matches


@dataclass(frozen=True)
class MailRow:
    """One mail of the request's history, as the page shows it."""

    entry: OutboxEntry

    @property
    def state_label(self) -> str:
        entry = self.entry
        if entry.state == "sent":
            return "Terkirim"
        if entry.state == "dead":
            return f"Tidak terkirim, dihentikan setelah {entry.attempts} kali"
        if entry.attempts:
            return f"Gagal {entry.attempts} kali, dicoba lagi otomatis"
        return "Menunggu dikirim"

    @property
    def failing(self) -> bool:
        return self.entry.state == "dead" or bool(self.entry.attempts and self.entry.state != "sent")

    @property
    def can_resend(self) -> bool:
        return self.entry.state in ("sent", "dead")


class StaffConsole:
    def __init__(
        self,
        settings: Settings,
        calendar: WorkingCalendar,
        service_level: ServiceLevel,
        rules: IntakeRules,
        requests: RequestStore,
        queue: StaffQueue,
        history: MailHistory,
        blobs: Blobs,
        links: Links,
        page: Callable[..., str],
        clock: Callable[[], dt.datetime],
        decision: review.Decision,
        cancellation: Cancellation,
        provisioning: ProvisioningContext,
        delivery: MailDelivery,
    ) -> None:
        self.settings = settings
        self.calendar = calendar
        self.service_level = service_level
        self.rules = rules
        self.requests = requests
        self.queue = queue
        self.history = history
        self.blobs = blobs
        self.links = links
        self.page = page
        self.clock = clock
        self.decision = decision
        self.cancellation = cancellation
        self.provisioning = provisioning
        self.delivery = delivery

    # ---- the queue -------------------------------------------------------------------------------------------

    def _start_range(self, query: StaffQueueQuery) -> tuple[dt.date | None, dt.date | None]:
        """The dates asked for; with neither given (absent, not cleared) the queue starts today."""
        given = query.model_fields_set & {"start_from", "start_to"}
        if not given:
            return self.clock().astimezone(self.settings.tz).date(), None
        return query.start_from, query.start_to

    def rows(self, query: StaffQueueQuery) -> list[QueueRow]:
        """The requests the filters name, by start, at most QUEUE_LIMIT, each with its clock."""
        tz = self.settings.tz
        first, last = self._start_range(query)
        start_from = dt.datetime.combine(first, dt.time(), tz) if first else None
        start_before = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz) if last else None
        opd = (self.rules.canonical_opd(query.opd) or query.opd) if query.opd else None
        records = self.queue.queue_requests(
            query.status, opd, start_from, start_before, QUEUE_LIMIT, _searched(query.q)
        )
        now = self.clock()
        rows = []
        for record in records:
            due = due_at(self.service_level, record)
            rows.append(QueueRow(record, due, due is not None and now > due))
        return rows

    def queue_json(self, query: StaffQueueQuery) -> list[dict[str, Any]]:
        return [row.as_json() for row in self.rows(query)]

    def queue_page(
        self,
        member: StaffMember,
        query: StaffQueueQuery | None,
        errors: Sequence[FieldError] = (),
        values: dict[str, str] | None = None,
    ) -> str:
        """The queue page; with `errors` (filters refused) the filters as typed and no list."""
        rows = self.rows(query) if query is not None and not errors else []
        if query is not None and not errors:
            first, last = self._start_range(query)
            values = {
                "status": query.status or "",
                "from": first.isoformat() if first else "",
                "to": last.isoformat() if last else "",
                "opd": query.opd,
                "q": query.q,
            }
        return self.page(
            "pages/staff_console.html",
            member=member,
            rows=rows,
            limit_reached=len(rows) >= QUEUE_LIMIT,
            limit=QUEUE_LIMIT,
            values=values or {},
            errors=list(errors),
            statuses=list(Status),
            opd_choices=[*self.settings.opd_list, OPD_OTHER],
        )

    # ---- one request -----------------------------------------------------------------------------------------

    def _record(self, request_id: str) -> RequestRecord:
        record = self.requests.get_request(request_id) if request_id else None
        if record is None:
            raise RequestNotFound(request_id)
        return record

    def actions(self, member: StaffMember, record: RequestRecord) -> set[str]:
        """The actions the page offers this member on this request now (each is checked again when taken)."""
        now = self.clock()
        offered = {"resend"}
        if record.status == Status.SUBMITTED and record.start > now:
            offered |= {"approve", "reject"}
        if record.status in allowed_from(Status.CANCELLED, Actor.STAFF) and record.end > now:
            offered.add("cancel")
        if record.status == Status.PROVISIONING_FAILED and record.start > now:
            offered.add("retry")
        if record.status == Status.PROVISIONED and record.meeting is not None and record.end > now:
            if "live_streaming" in record.needs:
                offered.add("livestream")
            if record.polls and not record.zoom_polls:
                offered.add("polls")
        return {action for action in offered if member.has(*ACTION_ROLES[action])}

    def request_page(
        self, member: StaffMember, request_id: str, error: str | None = None, reason: str = "", done: str = ""
    ) -> str:
        """Everything the review page shows, the audit trail and the mail history, and the actions. Changes nothing."""
        record = self._record(request_id)
        tz = self.settings.tz
        created = record.created_at.astimezone(tz).date()
        event_day = record.start.astimezone(tz).date()
        due = due_at(self.service_level, record)
        return self.page(
            "pages/staff_request.html",
            member=member,
            request=record,
            letter_url=self.links.api_url("staff_letter", id=record.id),
            lead_working_days=review.working_days_between(self.calendar, created, event_day),
            min_lead_working_days=self.settings.min_lead_working_days,
            verification_due=self.service_level.verification_due(record.created_at),
            due=due,
            overdue=due is not None and self.clock() > due,
            audit=self.requests.audit_trail(record.id),
            audit_actions=AUDIT_ACTIONS,
            detail_labels=DETAIL_LABELS,
            detail_values=DETAIL_VALUE_LABELS,
            mails=[MailRow(entry) for entry in self.history.mail_history(record.id)],
            actions=self.actions(member, record),
            error=error,
            reason=reason,
            done=DONE_MESSAGES.get(done, ""),
        )

    def letter(self, member: StaffMember, request_id: str) -> tuple[str, bytes]:
        """The request's letter, for any signed-in staff member; read-only."""
        record = self._record(request_id)
        try:
            return f"surat-{record.id}.pdf", self.blobs.get(record.letter.key)
        except BlobNotFound as missing:
            log.error("the letter of %s is missing from the blob store", record.id)
            raise Refused(404, "Surat permohonan tidak ditemukan di penyimpanan; hubungi admin Vicon.") from missing

    # ---- the actions -----------------------------------------------------------------------------------------

    def act(self, member: StaffMember, form: StaffActionForm) -> RequestRecord:
        """One action, audited with the member's address; Refused (403 role, 404, 409 lifecycle) otherwise."""
        if not member.has(*ACTION_ROLES[form.action]):
            raise Refused(403, "Peran Anda tidak mencakup tindakan ini.", "action")
        record = self._record(form.id)
        if form.action in ("approve", "reject"):
            return self.decision.apply(record, member.email, form.action, form.reason, via=VIA_CONSOLE)
        if form.action == "cancel":
            return self.cancellation.cancel_for_requester(record.id, member.email, form.reason)
        if form.action == "retry":
            return self._retry(member, record)
        if form.action == "livestream":
            return self._livestream(member, record, form)
        if form.action == "polls":
            return self._polls(member, record)
        return self._resend(member, record, form.mail)

    def _provisioned_meeting(self, record: RequestRecord, what: str) -> int:
        """The meeting of a provisioned request whose event has not ended; Refused (409) otherwise."""
        if record.status != Status.PROVISIONED or record.meeting is None:
            label = status_label(record.status)
            raise Refused(409, f"{what} hanya untuk permohonan yang meetingnya sudah dibuat (status: {label}).")
        if record.end <= self.clock():
            raise Refused(409, f"Kegiatan sudah selesai; {what.lower()} tidak diubah lagi.")
        return record.meeting.id

    def _livestream(self, member: StaffMember, record: RequestRecord, form: StaffActionForm) -> RequestRecord:
        """Set the meeting's custom live stream at Zoom; on success record the URLs (never the key) and audit it.

        Zoom is called first and nothing is written unless it accepted all three values, so a failure leaves
        the request as it was. Should the store fail after Zoom accepted, the officer is told the stream is set in
        Zoom but not recorded, and to send it again (setting the same stream at Zoom twice changes nothing).
        """
        if "live_streaming" not in record.needs:
            raise Refused(409, "Permohonan ini tidak meminta live streaming.", "action")
        meeting_id = self._provisioned_meeting(record, "Live streaming")
        meetings = self.provisioning.meetings
        try:
            with meetings.time_budget(LIVESTREAM_ZOOM_BUDGET_SECONDS):
                meetings.update_livestream(meeting_id, form.stream_url, form.stream_key, form.page_url)
        except ZoomRejected as exc:
            # Zoom's message names our fields, and might quote what was sent: the key is cut out before it is
            # logged or shown, and the exception is not chained, so no traceback carries it either.
            message = exc.message.replace(form.stream_key, STREAM_KEY_MASK)
            log.warning("Zoom refused the live stream of %s: %s (code %s)", record.id, message, exc.code)
            raise Refused(409, f"Zoom menolak pengaturan live streaming: {message}. Tidak ada yang diubah.") from None
        except ZoomError as exc:
            log.warning("setting the live stream of %s failed: %s", record.id, exc.__class__.__name__)
            raise Refused(
                503, "Zoom tidak dapat dihubungi atau tidak menjawab dengan jelas; coba lagi sebentar lagi."
            ) from None
        now = self.clock()
        stream = LiveStream(stream_url=form.stream_url, page_url=form.page_url, set_by=member.email, set_at=now)
        detail = {
            "via": VIA_CONSOLE,
            "stream_url": form.stream_url,
            "page_url": form.page_url,
            "stream_key": STREAM_KEY_NOTE,
        }
        try:
            updated = self.requests.update_request(record.id, RequestChanges(livestream=stream))
            self.requests.record_audit(AuditEntry(record.id, now, member.email, "livestream", None, None, detail))
        except Exception:
            # The store was never given the key, so its traceback cannot carry it.
            log.exception(
                "the live stream of %s is set in Zoom (meeting %s) but recording it failed", record.id, meeting_id
            )
            raise Refused(503, LIVESTREAM_NOT_RECORDED) from None
        return updated

    def _polls(self, member: StaffMember, record: RequestRecord) -> RequestRecord:
        """Create the request's polls in its meeting again after a failure (listed first: never twice)."""
        if not record.polls:
            raise Refused(409, "Permohonan ini tidak memuat pertanyaan polling.", "action")
        self._provisioned_meeting(record, "Polling")
        if record.zoom_polls:
            raise Refused(409, "Polling permohonan ini sudah ada di meeting Zoom.")
        try:
            return create_polls(self.provisioning, record, actor=member.email, via=VIA_CONSOLE)
        except PollsInProgress:
            raise Refused(409, POLLS_IN_PROGRESS) from None

    def _retry(self, member: StaffMember, record: RequestRecord) -> RequestRecord:
        """A `provisioning_failed` request claimed back to `approved` (as the tick does) and provisioned now."""
        now = self.clock()
        if record.status != Status.PROVISIONING_FAILED:
            label = status_label(record.status)
            raise Refused(
                409, f"Hanya permohonan yang meetingnya gagal dibuat yang dapat dicoba lagi (status: {label})."
            )
        if record.start <= now:
            raise Refused(409, "Kegiatan sudah dimulai; meeting tidak dibuat lagi.")
        try:
            self.requests.transition(
                record.id,
                allowed_from(Status.APPROVED, Actor.STAFF),
                Status.APPROVED,
                AuditEntry(
                    record.id,
                    now,
                    member.email,
                    "retry",
                    Status.PROVISIONING_FAILED,
                    Status.APPROVED,
                    {"via": VIA_CONSOLE},
                ),
                # Should this instance die before the meeting is recorded, the tick takes over from then.
                changes=RequestChanges(next_provisioning_at=now + STALE_APPROVAL),
            )
        except TransitionRefused as refused:
            label = status_label(refused.current or "")
            raise Refused(
                409, f"Status permohonan sudah berubah (status: {label}); tidak ada yang diubah."
            ) from refused
        try:
            provision(self.provisioning, record.id)
        except Exception:
            log.exception("provisioning %s from the console failed unexpectedly; the tick takes over", record.id)
        self.delivery.deliver_after_commit(record.id)
        return self._record(record.id)

    def _resend(self, member: StaffMember, record: RequestRecord, mail_id: str) -> RequestRecord:
        """A copy of a sent or given-up mail queued again (a new outbox entry), audited with what and to whom."""
        entry = next((each for each in self.history.mail_history(record.id) if each.id == mail_id), None)
        if entry is None:
            raise Refused(404, "Email itu tidak ada pada riwayat email permohonan ini.", "mail")
        if entry.state not in ("sent", "dead"):
            raise Refused(409, "Email itu masih dalam antrean pengiriman; tunggu hasilnya.", "mail")
        detail = {"mail": entry.id, "to": ", ".join(entry.mail.to), "subject": entry.mail.subject, "via": VIA_CONSOLE}
        self.requests.record_audit(
            AuditEntry(record.id, self.clock(), member.email, "resend_mail", None, None, detail), [entry.mail]
        )
        self.delivery.deliver_after_commit(record.id)
        return record
