"""The requester's view of one request, opened by the status link from the receipt."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from vicon import intake
from vicon.lifecycle import CANCELLABLE, PUBLIC_HISTORY_LABELS, Status, status_label
from vicon.ports import RequestNotFound, RequestStore
from vicon.provisioning import SYSTEM as SYSTEM_ACTOR
from vicon.records import RequestRecord
from vicon.settings import Settings
from vicon.signing import Signer
from vicon.timefmt import iso

MEETING_PUBLIC_FIELDS = {"id", "join_url", "passcode", "start", "end"}


class RequestStatus:
    def __init__(
        self, settings: Settings, signer: Signer, requests: RequestStore, clock: Callable[[], dt.datetime]
    ) -> None:
        self.settings = settings
        self.signer = signer
        self.requests = requests
        self.clock = clock

    def view(self, request_id: str, token: str) -> dict[str, Any]:
        """The requester's view; raises TokenError or RequestNotFound. Never a host link."""
        self.signer.verify(token, "status", self.clock(), request_id=request_id)
        record = self.requests.get_request(request_id)
        if record is None:
            raise RequestNotFound(request_id)
        meeting = record.meeting
        return {
            "id": record.id,
            "status": record.status,
            "status_label": status_label(record.status),
            "opd": record.opd,
            "opd_other": record.opd_other,
            "event_name": record.event_name,
            "start": iso(record.start),
            "end": iso(record.end),
            "history": [
                {"status": item.status, "at": iso(item.at), "label": PUBLIC_HISTORY_LABELS.get(item.status, "")}
                for index, item in enumerate(record.history)
                # The scheduler's retries (and a retry from the console) pass through `approved` again; the
                # requester was approved only once.
                if not (
                    item.status == Status.APPROVED and (item.actor == SYSTEM_ACTOR or _approved_before(record, index))
                )
            ],
            # A cancelled request's meeting was deleted in Zoom: its link and passcode no longer mean anything.
            "meeting": meeting.model_dump(mode="json", include=MEETING_PUBLIC_FIELDS)
            if meeting and record.status in (Status.PROVISIONED, Status.COMPLETED)
            else None,
            "reason": record.decision_reason or record.provisioning_error,
            "can_cancel": record.status in CANCELLABLE and record.end > self.clock(),
            # The status page shows the times in the service's zone, labelled as everywhere else (WIB/WITA/WIT).
            "timezone": self.settings.timezone,
            "timezone_label": intake.tz_abbreviation(self.settings.tz),
        }


def _approved_before(record: RequestRecord, index: int) -> bool:
    return any(item.status == Status.APPROVED for item in record.history[:index])
