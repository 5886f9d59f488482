"""The meetings port's own vocabulary: what the core asks Zoom for, what it gets back, and how a call can fail.

The core (provisioning, cancellation, the officer's start link) and the adapter (`vicon.zoom.ZoomClient`) both
speak these types, so they live on the port's side and depend on the standard library only: the core never
imports the adapter to catch its failures. The `Meetings` protocol in `vicon.ports` is typed with them.

The failures are sorted by what the caller may conclude from them: whether Zoom may have acted, whether it
refused, or whether it could not be reached at all.
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Zoom's documented passcode alphabet for meetings: at most 10 characters of [a-zA-Z0-9@-_*].
PASSCODE_MAX_LENGTH = 10
_PASSCODE_RE = re.compile(r"[A-Za-z0-9@\-_*]{1,10}")
# Generated passcodes use letters and digits only, minus look-alikes (0/O, 1/l/I): they are read aloud,
# typed from a phone, and shared on WhatsApp, where * and _ are formatting marks that would eat characters.
_PASSCODE_LETTERS = "".join(c for c in string.ascii_letters if c not in "OlI")
_PASSCODE_DIGITS = "23456789"
_PASSCODE_SPECIALS = "@-"  # the two allowed specials that survive WhatsApp formatting untouched


class ZoomError(Exception):
    """Any failure talking to Zoom; `status` is the HTTP status and `code` Zoom's own error code, when known."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.errors = errors or []

    def __str__(self) -> str:
        parts = [self.message]
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.code is not None:
            parts.append(f"Zoom code {self.code}")
        return " | ".join(parts)


class ZoomAmbiguous(ZoomError):
    """The request may have reached Zoom and taken effect (timeout, broken connection, 5xx): check before redoing."""


class ZoomUnavailable(ZoomError):
    """Zoom could not be reached before anything was sent (refused, DNS), or its OAuth endpoint is down."""


class ZoomOutOfTime(ZoomUnavailable):
    """The caller's time budget (`ZoomClient.time_budget`) was spent before the call could be sent."""


class ZoomRejected(ZoomError):
    """Zoom refused the request with a definite 4xx; nothing happened."""


class ZoomNotFound(ZoomRejected):
    """The user or meeting does not exist (HTTP 404, e.g. Zoom codes 1001, 3001, 3301)."""


class ZoomAuthError(ZoomError):
    """The OAuth app's credentials were refused, or the API refused a freshly fetched token."""


class ZoomDailyLimit(ZoomError):
    """A daily limit is used up (e.g. 100 meeting creates/updates per user per UTC day): use another host."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ZoomRateLimited(ZoomError):
    """The per-second rate limit still answered 429 after the inline retries, or its wait did not fit the budget."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


@dataclass(frozen=True)
class MeetingSpec:
    """What we ask Zoom to schedule; `start` must be timezone-aware."""

    topic: str
    agenda: str
    start: datetime
    duration_minutes: int
    timezone: str
    passcode: str
    auto_recording: str
    breakout_rooms: bool = False


@dataclass(frozen=True)
class Meeting:
    """A Zoom meeting as Zoom reports it; list results carry no start_url, passcode or host_email."""

    id: int
    uuid: str
    host_id: str
    host_email: str | None
    topic: str
    agenda: str
    start_time: datetime | None
    duration: int
    join_url: str
    start_url: str | None
    passcode: str | None


def generate_passcode(length: int = 10, *, special: bool = False) -> str:
    """A random meeting passcode with at least one letter and one digit (and one of "@-" when `special`)."""
    minimum = 3 if special else 2
    if not minimum <= length <= PASSCODE_MAX_LENGTH:
        raise ValueError(f"passcode length must be between {minimum} and {PASSCODE_MAX_LENGTH}")
    alphabet = _PASSCODE_LETTERS + _PASSCODE_DIGITS + (_PASSCODE_SPECIALS if special else "")
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c in _PASSCODE_LETTERS for c in candidate)
            and any(c in _PASSCODE_DIGITS for c in candidate)
            and (not special or any(c in _PASSCODE_SPECIALS for c in candidate))
        ):
            return candidate


def validate_passcode(passcode: str) -> str:
    """Return `passcode` if Zoom accepts it (1–10 of [a-zA-Z0-9@-_*]); raise ValueError otherwise."""
    if not isinstance(passcode, str) or not _PASSCODE_RE.fullmatch(passcode):
        raise ValueError("a Zoom passcode has 1 to 10 characters from a-z, A-Z, 0-9, @, -, _ and *")
    return passcode
