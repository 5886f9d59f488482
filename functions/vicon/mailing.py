"""Turning outbox entries into MIME messages and delivering the due ones.

Headers are built here, not by the `email` package's folding: on this Python (3.11.7) the policy's refolding
decodes RFC 2047 encoded words found in a value and writes what they encode back raw (CVE-2024-6923), so an
event name like `=?utf-8?q?x=0D=0ABcc:_a=40b?=` became a real Bcc header. See
docs/decisions/0009-mail-headers-and-outbox-leases.md.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formataddr, formatdate, parseaddr
from typing import cast

from vicon.ports import BlobNotFound, Blobs, MailDeliveryError, Mailer, Outbox, OutboxEntry, OutgoingMail

log = logging.getLogger(__name__)

# A claimed mail is invisible to other ticks for this long; longer than any one send (entries are leased one at
# a time, just before they are sent, so a slow run never holds mail it has not reached yet).
MAIL_LEASE = dt.timedelta(minutes=5)
MAX_RETRY_DELAY = dt.timedelta(hours=1)
# Failures retried at the very next tick before the backoff starts.
IMMEDIATE_RETRIES = 10
# The failure that makes an entry dead: 10 tick retries, then 1, 2, 4 … 32 minutes, then hourly: about 15 hours.
MAX_ATTEMPTS = 30
# A tick stops taking new mail once this much time has gone (the scheduler runs every minute); the rest waits.
TICK_BUDGET_SECONDS = 45.0
# An answer to a person (submit, decide, cancel) never waits longer than this on mail, whatever the server does.
INLINE_BUDGET_SECONDS = 3.0
# Not worth starting a send with less time than this left.
MIN_SEND_SECONDS = 0.2

UNDELIVERABLE_NOTICE = "undeliverable_notice"

# Exactly these headers at the top of every message; anything else means user text got into the header block.
TOP_HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted", "MIME-Version", "Content-Type")
PART_HEADERS = frozenset({"content-type", "content-transfer-encoding", "content-disposition", "mime-version"})
# A deliberately narrow addr-spec: the intake validates addresses, and settings list them; no display names.
_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")
_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
# Encoded words of at most 39 bytes of UTF-8 (52 base64 characters): "Subject: " plus one word stays within 78.
_WORD_BYTES = 39


class UnsafeMessage(ValueError):
    """The built message is not exactly the one intended (headers, recipients or parts); it is never sent."""


def mail_retry_delay(attempts: int) -> dt.timedelta:
    """One second at first (the next tick retries: the scheduler's interval is the backoff), then 1, 2, 4 … minutes.

    Never zero: a run claims entries due at its own start, so a failure is not claimed again in the same run.
    """
    if attempts < IMMEDIATE_RETRIES:
        return dt.timedelta(seconds=1)
    return min(dt.timedelta(minutes=2 ** min(attempts - IMMEDIATE_RETRIES, 10)), MAX_RETRY_DELAY)


def header_text(text: str) -> str:
    """User text made fit for a header: one line, no control characters, no encoded-word syntax.

    "=?" starts an RFC 2047 encoded word, which mail programs (and this Python's own refolding) decode into
    whatever it encodes, line breaks included; "= ?" reads the same to a person and is never decoded.
    """
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)
    text = " ".join(text.split())
    while "=?" in text:
        text = text.replace("=?", "= ?")
    return text


def encoded_words(text: str) -> str:
    """`text` as base64 RFC 2047 encoded words, one per line, folded with CRLF-free "\\n " continuations.

    Every header line stays under 78 characters, so the policy writes the value as given and never refolds it.
    """
    words, chunk = [], b""
    for char in text:
        piece = char.encode("utf-8")
        if chunk and len(chunk) + len(piece) > _WORD_BYTES:
            words.append(chunk)
            chunk = b""
        chunk += piece
    if chunk or not words:
        words.append(chunk)
    return "\n ".join(f"=?utf-8?b?{base64.b64encode(word).decode('ascii')}?=" for word in words)


def _address(addr: str) -> str:
    if not _ADDRESS.match(addr) or "=?" in addr or ".." in addr:
        raise UnsafeMessage(f"refusing recipient address {addr!r}")
    return addr


def _sender(mail_from: str) -> tuple[str, str]:
    """(header value, address) of MAIL_FROM; a non-ASCII display name is encoded, never passed raw."""
    name, addr = parseaddr(mail_from)
    _address(addr)
    name = header_text(name)
    if not name:
        return addr, addr
    value = formataddr((name, addr)) if name.isascii() else f"{encoded_words(name)} <{addr}>"
    if any(len(line) > 70 for line in value.splitlines()):
        raise UnsafeMessage("MAIL_FROM display name too long for one header line")
    return value, addr


def message_id(entry_id: str, mail_from: str) -> str:
    """One Message-ID per outbox entry, on the sender's domain: a retry is the same message, not a new one."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"
    return f"<{re.sub(r'[^A-Za-z0-9]', '', entry_id)}@{domain}>"


def _content_type(text: str) -> tuple[str, str, dict[str, str]]:
    """'text/calendar; method=REQUEST; charset=UTF-8' → ('text', 'calendar', {'method': 'REQUEST', ...})."""
    kind, *params = (part.strip() for part in text.split(";"))
    maintype, _, subtype = kind.partition("/")
    values = {}
    for param in params:
        key, _, value = param.partition("=")
        if key.strip():
            values[key.strip().lower()] = value.strip().strip('"')
    return maintype, subtype, values


def compose(mail: OutgoingMail, mail_from: str, blobs: Blobs, entry_id: str) -> EmailMessage:
    """A multipart message: plain text and HTML alternatives, then attachments (read from blobs if stored there).

    Raises UnsafeMessage unless the result, written out and parsed back, has exactly the intended headers,
    recipients, subject and parts.
    """
    recipients = tuple(_address(addr) for addr in mail.to)
    if not recipients:
        raise UnsafeMessage("a mail without recipients")
    subject = header_text(mail.subject)
    sender, _ = _sender(mail_from)

    message = EmailMessage()
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    for attachment in mail.attachments:
        data = attachment.data if attachment.data is not None else blobs.get(attachment.blob_key or "")
        maintype, subtype, params = _content_type(attachment.content_type)
        filename = _FILENAME_UNSAFE.sub("-", attachment.filename)[:60] or "lampiran"
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename, params=params)
    # set_raw: these values are written as given. Each line is short ASCII, so the policy never refolds
    # (and so never decodes and re-encodes) them.
    message.set_raw("From", sender)
    message.set_raw("To", ",\n ".join(recipients))
    message.set_raw("Subject", encoded_words(subject))
    message.set_raw("Date", formatdate(usegmt=True))
    message.set_raw("Message-ID", message_id(entry_id, mail_from))
    # RFC 3834: vacation responders and other robots must not answer.
    message.set_raw("Auto-Submitted", "auto-generated")
    verify(message, recipients, subject)
    return message


def verify(message: EmailMessage, recipients: Sequence[str], subject: str) -> None:
    """Parse the message back as a receiving server would; UnsafeMessage on any difference from the intent."""
    raw = message.as_bytes(policy=policy.SMTP)
    parsed = cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(raw))
    names = sorted(name.lower() for name in parsed)
    if names != sorted(name.lower() for name in TOP_HEADERS):
        raise UnsafeMessage(f"unexpected headers {names}")
    got = [address.addr_spec for address in parsed["To"].addresses]
    if got != list(recipients):
        raise UnsafeMessage(f"recipients {got} instead of {list(recipients)}")
    if str(parsed["Subject"]) != subject:
        raise UnsafeMessage("the subject does not read back as written")
    built, read = list(message.walk()), list(parsed.walk())
    if [part.get_content_type() for part in built] != [part.get_content_type() for part in read]:
        raise UnsafeMessage("the parts do not read back as built")
    for part in read[1:]:
        extra = {name.lower() for name in part} - PART_HEADERS
        if extra:
            raise UnsafeMessage(f"unexpected part headers {sorted(extra)}")


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0


NoticeBuilder = Callable[[OutboxEntry, str], list[OutgoingMail]]


def deliver_due_mail(
    outbox: Outbox,
    blobs: Blobs,
    mailer: Mailer,
    mail_from: str,
    now: dt.datetime,
    limit: int = 100,
    request_id: str | None = None,
    *,
    budget_seconds: float = TICK_BUDGET_SECONDS,
    inline: bool = False,
    notices: NoticeBuilder | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> DeliveryReport:
    """Send due outbox mails (all, or one request's) once each; failures stay in the outbox for the next tick.

    Each entry is leased just before it is sent, and no entry is taken once `budget_seconds` are spent.
    `inline` (the answer to a person waits on it): the mailer's timeout is the remaining budget, and the first
    failure stops the run; the tick keeps the mailer's own timeout and carries on past failures.
    `notices` builds the staff notice queued when an entry is given up on.
    """
    report = DeliveryReport()
    deadline = monotonic() + budget_seconds
    while report.sent + report.failed < limit:
        remaining = deadline - monotonic()
        if remaining < MIN_SEND_SECONDS:
            log.info("mail delivery stopped: its %.1f s budget is spent; the rest waits for the tick", budget_seconds)
            break
        claimed = outbox.claim_due_mail(now, MAIL_LEASE, 1, request_id)
        if not claimed:
            break
        entry = claimed[0]
        lease = entry.lease or ""
        try:
            message = compose(entry.mail, mail_from, blobs, entry.id)
            mailer.send(message, timeout=remaining if inline else None)
        except Exception as exc:
            # One bad mail (server down, a missing attachment, a message that cannot be built) must never
            # stop the others at the tick: it stays in the outbox with its error and backs off.
            if isinstance(exc, MailDeliveryError | BlobNotFound | UnsafeMessage):
                log.warning("mail %s for %s not delivered: %s", entry.id, entry.request_id, exc)
            else:
                log.exception("mail %s for %s could not be built or sent", entry.id, entry.request_id)
            _failed(
                outbox,
                entry,
                lease,
                f"{type(exc).__name__}: {exc}",
                now,
                permanent=isinstance(exc, UnsafeMessage),
                notices=notices,
                report=report,
            )
            if inline:
                break
            continue
        if not outbox.mail_sent(entry.id, lease):
            # The lease ran out during the send and another run took the entry: it may be sent twice (the
            # outbox prefers a duplicate to a loss), but this run must not mark what it no longer holds.
            log.warning("mail %s for %s sent after its lease was lost", entry.id, entry.request_id)
        report.sent += 1
    return report


def _failed(
    outbox: Outbox,
    entry: OutboxEntry,
    lease: str,
    error: str,
    now: dt.datetime,
    permanent: bool,
    notices: NoticeBuilder | None,
    report: DeliveryReport,
) -> None:
    report.failed += 1
    attempts = entry.attempts + 1
    if not permanent and attempts < MAX_ATTEMPTS:
        outbox.mail_failed(entry.id, lease, error, now + mail_retry_delay(entry.attempts))
        return
    # A notice about a dead notice would be the same failure again: it is only logged.
    queued = [] if entry.mail.kind == UNDELIVERABLE_NOTICE or notices is None else notices(entry, error)
    if outbox.mail_dead(entry.id, lease, error, now, queued):
        report.dead += 1
        log.error(
            "mail %s for %s to %s given up after %d attempts: %s",
            entry.id,
            entry.request_id,
            ", ".join(entry.mail.to),
            attempts,
            error,
        )
