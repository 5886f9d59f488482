"""The scheduler's due work: provisioning retries, meeting clean-ups, then the outbox."""

from __future__ import annotations

import logging
from typing import Any

from vicon.ports import HostSlots, Meetings, RequestStore
from vicon.provisioning import ProvisioningContext, retry_due
from vicon.usecases.cancel import clean_up_meetings
from vicon.usecases.delivery import MailDelivery

log = logging.getLogger(__name__)


class Tick:
    def __init__(
        self,
        provisioning: ProvisioningContext,
        requests: RequestStore,
        host_slots: HostSlots,
        meetings: Meetings,
        delivery: MailDelivery,
    ) -> None:
        self.provisioning = provisioning
        self.requests = requests
        self.host_slots = host_slots
        self.meetings = meetings
        self.delivery = delivery

    def run(self) -> dict[str, Any]:
        """Due work; safe to run twice at once (mails are leased, retries claimed by a transition).

        Each part is isolated: a failure in one never keeps the outbox from being delivered.
        """
        report: dict[str, Any] = {}
        try:
            report["provisioning"] = retry_due(self.provisioning)
        except Exception:
            log.exception("provisioning retries failed")
            report["provisioning"] = {"error": True}
        report["cleanup"] = self._clean_up_pending()
        try:
            report["mail"] = self.delivery.deliver()
        except Exception:
            log.exception("mail delivery failed")
            report["mail"] = {"error": True}
        return report

    def _clean_up_pending(self) -> int | dict[str, bool]:
        """Finish every clean-up Zoom refused before; the query asks for exactly those, so none starves."""
        try:
            pending = self.requests.requests_pending_cleanup()
        except Exception:
            log.exception("the clean-up query failed")
            return {"error": True}
        cleaned = 0
        for record in pending:
            try:
                clean_up_meetings(self.requests, self.host_slots, self.meetings, record)
                cleaned += 1
            except Exception:
                log.exception("clean-up of %s failed", record.id)
        return cleaned
