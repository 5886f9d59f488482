"""Turning outbox entries into MIME messages and delivering the due ones."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from vicon.ports import BlobNotFound, Blobs, MailDeliveryError, Mailer, OutgoingMail, Store

log = logging.getLogger(__name__)

# A claimed mail is invisible to other ticks for this long; longer than any SMTP timeout.
MAIL_LEASE = dt.timedelta(minutes=5)
MAX_RETRY_DELAY = dt.timedelta(hours=1)
# Failures retried at the very next tick before the backoff starts.
IMMEDIATE_RETRIES = 10


def mail_retry_delay(attempts: int) -> dt.timedelta:
    """Zero at first (the next tick retries: the scheduler's interval is the backoff), then 1, 2, 4 … minutes."""
    if attempts < IMMEDIATE_RETRIES:
        return dt.timedelta(0)
    return min(dt.timedelta(minutes=2 ** min(attempts - IMMEDIATE_RETRIES, 10)), MAX_RETRY_DELAY)


def compose(mail: OutgoingMail, mail_from: str, blobs: Blobs) -> EmailMessage:
    """A multipart message: plain text and HTML alternatives, then attachments (read from blobs if stored there)."""
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = ", ".join(mail.to)
    # Validation keeps line breaks out of subjects; this keeps a header intact whatever a caller passes.
    message["Subject"] = " ".join(mail.subject.split())
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain="vicon.local")
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    for attachment in mail.attachments:
        data = attachment.data if attachment.data is not None else blobs.get(attachment.blob_key or "")
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return message


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0


def deliver_due_mail(
    store: Store,
    blobs: Blobs,
    mailer: Mailer,
    mail_from: str,
    now: dt.datetime,
    limit: int = 50,
    request_id: str | None = None,
) -> DeliveryReport:
    """Send due outbox mails (all, or one request's) once each; failures stay in the outbox for the next tick."""
    report = DeliveryReport()
    for entry in store.claim_due_mail(now, MAIL_LEASE, limit, request_id):
        try:
            mailer.send(compose(entry.mail, mail_from, blobs))
        except Exception as exc:
            # One bad mail (server down, a missing attachment, a message that cannot be built) must never
            # stop the others: it stays in the outbox with its error and backs off.
            if isinstance(exc, MailDeliveryError | BlobNotFound):
                log.warning("mail %s for %s not delivered: %s", entry.id, entry.request_id, exc)
            else:
                log.exception("mail %s for %s could not be built or sent", entry.id, entry.request_id)
            store.mail_failed(entry.id, f"{type(exc).__name__}: {exc}", now + mail_retry_delay(entry.attempts))
            report.failed += 1
            continue
        store.mail_sent(entry.id)
        report.sent += 1
    return report
