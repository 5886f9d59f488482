"""Mail adapters: an SMTP client for real servers and a folder sink for local development."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import secrets
import smtplib
import ssl
import time
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from pathlib import Path
from typing import cast

from vicon.ports import MailDeliveryError

log = logging.getLogger(__name__)

SECURITY_MODES = ("none", "starttls", "ssl")


class SmtpMailer:
    """Sends each message over a fresh SMTP connection (plain, STARTTLS or implicit TLS)."""

    def __init__(
        self,
        host: str,
        port: int,
        security: str,
        username: str | None,
        password: str | None,
        timeout: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if security not in SECURITY_MODES:
            raise ValueError(f"security must be one of {', '.join(SECURITY_MODES)}, not {security!r}")
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.timeout = timeout
        self._ssl_context = ssl_context

    @property
    def ssl_context(self) -> ssl.SSLContext:
        """The TLS context; the default one is built on first use because loading CA roots is slow."""
        if self._ssl_context is None:
            self._ssl_context = ssl.create_default_context()
        return self._ssl_context

    def send(self, message: EmailMessage, timeout: float | None = None) -> None:
        """Deliver `message` to the server or raise MailDeliveryError.

        With `timeout`, the whole exchange (connect, TLS, login, data) must fit in it: every socket wait gets only
        what is left, so a server that answers slowly, step by step, cannot stretch one send past the budget.
        """
        where = f"{self.host}:{self.port}"
        budget = self.timeout if timeout is None else min(self.timeout, timeout)
        deadline = time.monotonic() + budget if timeout is not None else None
        try:
            smtp = self._connect(budget)
        except (smtplib.SMTPException, OSError) as exc:
            raise MailDeliveryError(f"cannot connect to SMTP server {where}: {_reason(exc)}") from exc
        try:
            if self.security == "starttls":
                _shrink_timeout(smtp, deadline)
                smtp.starttls(context=self.ssl_context)
            if self.username:
                _shrink_timeout(smtp, deadline)
                smtp.login(self.username, self.password or "")
            _shrink_timeout(smtp, deadline)
            refused = smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise MailDeliveryError(f"SMTP server {where}: {_reason(exc)}") from exc
        finally:
            _close_quietly(smtp, deadline)
        if refused:
            # The other recipients already have the message; failing here would make a retry duplicate it.
            log.warning("SMTP server %s refused some recipients: %s", where, sorted(refused))

    def _connect(self, timeout: float) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=timeout, context=self.ssl_context)
        return smtplib.SMTP(self.host, self.port, timeout=timeout)


def _shrink_timeout(smtp: smtplib.SMTP, deadline: float | None) -> None:
    if deadline is None:
        return
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("time budget spent")
    smtp.timeout = left
    if smtp.sock is not None:
        smtp.sock.settimeout(left)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"login refused ({exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "all recipients refused"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"sender refused ({exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {text[:200]}"
    # smtplib reports a read timeout as a disconnect; the timeout is still on the exception chain.
    if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
        return "timed out"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "connection closed unexpectedly"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed ({exc.reason or exc})"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc)[:200] or type(exc).__name__


def _close_quietly(smtp: smtplib.SMTP, deadline: float | None = None) -> None:
    # Once the message is accepted, a failed QUIT must not turn into an error (and a duplicate on retry).
    try:
        _shrink_timeout(smtp, deadline)
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


@dataclass(frozen=True)
class SinkMessage:
    """Summary of one message caught by FolderMailSink."""

    id: str
    subject: str
    to: tuple[str, ...]  # every recipient address: To, Cc and Bcc
    sender: str
    date: dt.datetime  # when the sink received it (UTC)


_SINK_ID = re.compile(r"^(\d{8}T\d{12}Z)-[0-9a-f]{12}$")
_SINK_TIME_FORMAT = "%Y%m%dT%H%M%S%fZ"


class FolderMailSink:
    """Local stand-in for a mail server: each message becomes an .eml file in a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def send(self, message: EmailMessage, timeout: float | None = None) -> None:
        """Store `message` as `<utc time>-<random>.eml`."""
        self.folder.mkdir(parents=True, exist_ok=True)
        message_id = f"{dt.datetime.now(dt.UTC).strftime(_SINK_TIME_FORMAT)}-{secrets.token_hex(6)}"
        tmp = self.folder / f".{message_id}.tmp"
        try:
            tmp.write_bytes(message.as_bytes(policy=policy.default))
            # The page listing messages only looks at *.eml, so it never sees one half written.
            os.replace(tmp, self.folder / f"{message_id}.eml")
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def list_messages(self, limit: int | None = None) -> list[SinkMessage]:
        """Summaries of the stored messages, newest first."""
        if not self.folder.is_dir():
            return []
        ids = sorted((p.stem for p in self.folder.glob("*.eml") if _SINK_ID.match(p.stem)), reverse=True)
        summaries = []
        for message_id in ids[:limit]:
            try:
                with (self.folder / f"{message_id}.eml").open("rb") as f:
                    headers = cast(EmailMessage, BytesParser(policy=policy.default).parse(f, headersonly=True))
            except FileNotFoundError:
                continue  # deleted by hand while listing
            summaries.append(_summary(message_id, headers))
        return summaries

    def get_message(self, message_id: str) -> EmailMessage | None:
        """The full stored message, or None for an unknown (or malformed) id."""
        if not _SINK_ID.match(message_id):
            return None
        try:
            with (self.folder / f"{message_id}.eml").open("rb") as f:
                # policy.default makes the parser build EmailMessage objects.
                return cast(EmailMessage, BytesParser(policy=policy.default).parse(f))
        except FileNotFoundError:
            return None


def _summary(message_id: str, headers: EmailMessage) -> SinkMessage:
    received = dt.datetime.strptime(message_id.split("-")[0], _SINK_TIME_FORMAT).replace(tzinfo=dt.UTC)
    recipients = getaddresses([str(v) for name in ("To", "Cc", "Bcc") for v in headers.get_all(name, [])])
    return SinkMessage(
        id=message_id,
        subject=str(headers.get("Subject", "")).strip(),
        to=tuple(addr for _, addr in recipients if addr),
        sender=str(headers.get("From", "")),
        date=received,
    )
