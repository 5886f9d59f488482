"""The requester withdraws a request; its meetings are deleted in Zoom, now or by the tick."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from vicon.lifecycle import CANCELLABLE, Actor, CleanupState, Status, check, status_label
from vicon.meetings import ZoomError
from vicon.messages import MailComposer
from vicon.ports import AuditEntry, HostSlots, Meetings, RequestNotFound, RequestStore, TransitionRefused
from vicon.provisioning import INLINE_ZOOM_BUDGET_SECONDS, find_tagged
from vicon.records import RequestChanges, RequestRecord
from vicon.signing import Signer
from vicon.usecases.access import Refused
from vicon.usecases.delivery import MailDelivery

log = logging.getLogger(__name__)

CANCEL_ATTEMPTS = 5


def clean_up_meetings(requests: RequestStore, host_slots: HostSlots, meetings: Meetings, record: RequestRecord) -> None:
    """Delete the request's meetings in Zoom and, once cancelled, free the slot.

    A cancelled request loses its recorded meeting, the orphans (meetings Zoom created that could not be
    recorded, nor deleted then) and, when neither is known, whatever a search of the held host finds under
    its tag (a create whose answer was lost). A request that lives on loses only its orphans. On a Zoom
    failure the slot stays held and the tick tries again.
    """
    cancelled = record.status == Status.CANCELLED
    if record.meeting_cleanup == CleanupState.PENDING:
        meeting = record.meeting if cancelled else None
        orphans = list(record.orphan_meetings)
        host = host_slots.held_host(record.id)
        try:
            for meeting_id in [*([meeting.id] if meeting else []), *orphans]:
                meetings.delete_meeting(meeting_id)
            if cancelled and not meeting and not orphans and host is not None:
                found = find_tagged(meetings, host, record.id)
                if found is not None:
                    meetings.delete_meeting(found.id)
        except ZoomError as exc:
            log.warning("could not clean up the meeting of %s yet: %s", record.id, exc)
            return
        requests.update_request(record.id, RequestChanges(meeting_cleanup=CleanupState.DONE, orphan_meetings=()))
    if cancelled:
        host_slots.release_host_slot(record.id)


class Cancellation:
    def __init__(
        self,
        signer: Signer,
        requests: RequestStore,
        host_slots: HostSlots,
        meetings: Meetings,
        mails: MailComposer,
        delivery: MailDelivery,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.signer = signer
        self.requests = requests
        self.host_slots = host_slots
        self.meetings = meetings
        self.mails = mails
        self.delivery = delivery
        self.clock = clock

    def cancel(self, request_id: str, token: str) -> RequestRecord:
        """The requester withdraws the request; a meeting is deleted in Zoom and its host slot freed."""
        self.signer.verify(token, "status", self.clock(), request_id=request_id)
        return self._cancel(request_id, None, "")

    def cancel_for_requester(self, request_id: str, staff: str, reason: str) -> RequestRecord:
        """A staff member cancels on the requester's behalf (the console): the same rules, audited with `staff`."""
        return self._cancel(request_id, staff, reason)

    def _cancel(self, request_id: str, staff: str | None, reason: str) -> RequestRecord:
        for _ in range(CANCEL_ATTEMPTS):
            record = self.requests.get_request(request_id)
            if record is None:
                raise RequestNotFound(request_id)
            if record.status not in CANCELLABLE or record.end <= self.clock():
                label = status_label(record.status)
                raise Refused(409, f"Permohonan ini tidak dapat dibatalkan lagi (status: {label}).")
            try:
                cancelled = self._transition(record, staff, reason)
            except TransitionRefused:
                continue  # provisioning moved it on meanwhile: decide again from the new status
            try:
                # The answer waits on this: what Zoom cannot do in time is finished by the tick.
                with self.meetings.time_budget(INLINE_ZOOM_BUDGET_SECONDS):
                    clean_up_meetings(self.requests, self.host_slots, self.meetings, cancelled)
            except Exception:
                log.exception("clean-up of cancelled %s failed; the tick tries again", request_id)
            self.delivery.deliver_after_commit(request_id)
            return cancelled
        raise Refused(409, "Status permohonan sedang berubah; muat ulang halaman status lalu coba lagi.")

    def _transition(self, record: RequestRecord, staff: str | None, reason: str) -> RequestRecord:
        """Cancelled from the status just read: the mails and the clean-up are decided from this record."""
        # `approved` too: an instance may have died between Zoom's answer and the record of the meeting.
        needs_cleanup = record.meeting is not None or record.status in (Status.APPROVED, Status.PROVISIONING_FAILED)
        changes = RequestChanges(meeting_cleanup=CleanupState.PENDING if needs_cleanup else None)
        now = self.clock()
        if staff is None:
            return self.requests.transition(
                record.id,
                [check(record.status, Status.CANCELLED, Actor.REQUESTER)],
                Status.CANCELLED,
                AuditEntry(record.id, now, record.contact_email, "cancel", record.status, Status.CANCELLED),
                changes=changes,
                outbox=self.mails.cancelled(record),
            )
        detail = {"reason": reason, "via": "konsol", "on_behalf_of": record.contact_email}
        return self.requests.transition(
            record.id,
            [check(record.status, Status.CANCELLED, Actor.STAFF)],
            Status.CANCELLED,
            AuditEntry(record.id, now, staff, "cancel", record.status, Status.CANCELLED, detail),
            changes=changes,
            outbox=self.mails.cancelled(record, staff, reason),
        )
