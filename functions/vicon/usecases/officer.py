"""An officer's link: a confirmation page, then a fresh host link (start_url) from Zoom."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from vicon.lifecycle import Status, status_label
from vicon.meetings import ZoomError
from vicon.ports import AuditEntry, Meetings, Store
from vicon.provisioning import INLINE_ZOOM_BUDGET_SECONDS
from vicon.settings import Settings
from vicon.signing import Signer
from vicon.usecases.access import Refused, authorised_request


class OfficerLink:
    def __init__(
        self,
        settings: Settings,
        signer: Signer,
        store: Store,
        meetings: Meetings,
        page: Callable[..., str],
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.settings = settings
        self.signer = signer
        self.store = store
        self.meetings = meetings
        self.page = page
        self.clock = clock

    def confirmation_page(self, token: str) -> str:
        """Confirmation before a fresh host link is fetched; GET changes nothing."""
        _, record = self._claims(token)
        return self.page("pages/start_meeting.html", request=record, token=token)

    def _claims(self, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
        claims, record = authorised_request(
            self.signer, self.store, self.clock, token, "officer", self.settings.operator_emails
        )
        if record["status"] != Status.PROVISIONED or not record.get("meeting"):
            label = status_label(record["status"])
            raise Refused(409, f"Meeting untuk permohonan ini tidak tersedia (status: {label}).")
        return claims, record

    def start_url(self, token: str) -> str:
        """A fresh start_url from Zoom for an authorised officer; each use is in the audit trail."""
        claims, record = self._claims(token)
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
