"""Sending the outbox: inline after a change a person waits on, or in full from the tick."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from vicon.mailing import INLINE_BUDGET_SECONDS, TICK_BUDGET_SECONDS, NoticeBuilder, deliver_due_mail
from vicon.ports import Blobs, Mailer, Outbox

log = logging.getLogger(__name__)


class MailDelivery:
    def __init__(
        self,
        outbox: Outbox,
        blobs: Blobs,
        mailer: Mailer,
        mail_from: str,
        clock: Callable[[], dt.datetime],
        notices: NoticeBuilder,
    ) -> None:
        self.outbox = outbox
        self.blobs = blobs
        self.mailer = mailer
        self.mail_from = mail_from
        self.clock = clock
        self.notices = notices

    def deliver(self, request_id: str | None = None) -> dict[str, int]:
        """Send what is due in the outbox now; what fails waits there for the next tick.

        With `request_id` this runs inside an answer to a person: a short total budget, and the first failure
        leaves the rest to the tick, so a mail server that never answers cannot hold the answer up.
        """
        inline = request_id is not None
        report = deliver_due_mail(
            self.outbox,
            self.blobs,
            self.mailer,
            self.mail_from,
            self.clock(),
            request_id=request_id,
            budget_seconds=INLINE_BUDGET_SECONDS if inline else TICK_BUDGET_SECONDS,
            inline=inline,
            notices=self.notices,
        )
        return {"sent": report.sent, "failed": report.failed}

    def deliver_after_commit(self, request_id: str) -> None:
        """Send a request's mails now if possible; what fails (the store included) waits for the tick."""
        try:
            self.deliver(request_id)
        except Exception:
            log.exception("inline mail delivery for %s failed; the tick sends it", request_id)
