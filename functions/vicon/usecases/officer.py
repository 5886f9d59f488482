"""An officer's link: a confirmation page, then a fresh host link (start_url) from Zoom."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from vicon.lifecycle import Status, status_label
from vicon.meetings import ZoomError
from vicon.ports import AuditEntry, Meetings, RequestStore
from vicon.provisioning import INLINE_ZOOM_BUDGET_SECONDS
from vicon.settings import Settings
from vicon.signing import Signer
from vicon.usecases.access import AuthorisedLink, Refused, authorised_request


class OfficerLink:
    def __init__(
        self,
        settings: Settings,
        signer: Signer,
        requests: RequestStore,
        meetings: Meetings,
        page: Callable[..., str],
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.settings = settings
        self.signer = signer
        self.requests = requests
        self.meetings = meetings
        self.page = page
        self.clock = clock

    def confirmation_page(self, token: str) -> str:
        """Confirmation before a fresh host link is fetched; GET changes nothing."""
        record = self._authorised(token).record
        return self.page("pages/start_meeting.html", request=record, token=token)

    def _authorised(self, token: str) -> AuthorisedLink:
        link = authorised_request(
            self.signer, self.requests, self.clock, token, "officer", self.settings.operator_emails
        )
        record = link.record
        if record.status != Status.PROVISIONED or record.meeting is None:
            label = status_label(record.status)
            raise Refused(409, f"Meeting untuk permohonan ini tidak tersedia (status: {label}).")
        return link

    def start_url(self, token: str) -> str:
        """A fresh start_url from Zoom for an authorised officer; each use is in the audit trail."""
        link = self._authorised(token)
        record = link.record
        try:
            with self.meetings.time_budget(INLINE_ZOOM_BUDGET_SECONDS):
                start_url = self.meetings.get_meeting(record.held_meeting().id).start_url
        except ZoomError as exc:
            raise Refused(503, "Zoom tidak dapat dihubungi saat ini; coba lagi sebentar lagi.") from exc
        if not start_url:
            raise Refused(503, "Zoom tidak memberikan tautan host; coba lagi sebentar lagi.")
        self.requests.record_audit(
            AuditEntry(
                record.id,
                self.clock(),
                link.person,
                "start_meeting",
                None,
                None,
                {"meeting": record.held_meeting().id},
            )
        )
        return start_url
