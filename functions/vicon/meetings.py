"""The meetings port's own vocabulary: what the core asks Zoom for, what it gets back, and how a call can fail.

It covers both Zoom ports in `vicon.ports`: `Meetings` (scheduling) and `CloudRecordings` (recordings, their
downloads, and what a held meeting leaves behind: its past-meeting record and its attendance).

The core (provisioning, cancellation, the officer's start link) and the adapter (`vicon.zoom.ZoomClient`) both
speak these types, so they live on the port's side and depend on the standard library only: the core never
imports the adapter to catch its failures. Both protocols in `vicon.ports` are typed with them.

The failures are sorted by what the caller may conclude from them: whether Zoom may have acted, whether it
refused, or whether it could not be reached at all.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
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
    """Zoom said positively that the user, meeting or recording does not exist: HTTP 404 with one of its codes
    1001 (user), 3001 (meeting) or 3301 (recording).

    Never raised for a 5xx, a timeout, or a 404 without one of those codes (a proxy's page, an unknown endpoint):
    those say nothing about the thing asked for, so nothing may be concluded "gone" from them.
    """


# The 404 codes Zoom's API reference lists for "does not exist" on the operations this service calls.
NOT_FOUND_CODES = frozenset({1001, 3001, 3301})
NO_RECORDING_CODE = 3301  # "There is no recording for this meeting."
NO_MEETING_CODE = 3001  # "Meeting does not exist: {meetingId}."


class DownloadRefused(ZoomError):
    """A recording download did not deliver the file: nothing of it may be kept.

    Raised for an answer other than 200 after redirects, an HTML (or other text) page where a media file was
    expected (Zoom answers 200 with a sign-in page for an expired or unknown token, or a trashed file), a
    Content-Length other than the file's `file_size`, a transfer error, or a body that ends short of
    `file_size` or runs past it. `status` is the final HTTP status when there was one.
    """


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
    # 0: no breakout rooms; 1: enabled without presets; 2 or more: that many rooms preset as "Ruang 1" …
    breakout_rooms: int = 0


# Zoom's meeting poll schema (POST /meetings/{meetingId}/polls): a title of at most 64 characters, a question
# (`name`) of at most 1,024, and 2 to 10 answers for `single` and `multiple` questions. Zoom states no limit
# on questions per poll or on an answer's length; ours keep a poll readable in the meeting (decision 0032).
POLL_TITLE_MAX_LENGTH = 64
POLL_QUESTION_MAX_LENGTH = 1024
POLL_MIN_ANSWERS = 2
POLL_MAX_ANSWERS = 10
POLL_MAX_QUESTIONS = 25
POLL_ANSWER_MAX_LENGTH = 200
POLL_QUESTION_TYPES = ("single", "multiple")
# Zoom's live stream schema (PATCH /meetings/{meetingId}/livestream).
LIVESTREAM_URL_MAX_LENGTH = 1024
LIVESTREAM_KEY_MAX_LENGTH = 512
# Zoom's schema names no limit on preset rooms; its help pages allow up to 100 in a meeting. 50 leaves the host
# room to add more during the meeting.
BREAKOUT_MAX_ROOMS = 50


@dataclass(frozen=True)
class PollQuestion:
    """One question of a meeting poll: `kind` is Zoom's `single` or `multiple` (choice) question type."""

    name: str
    kind: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Poll:
    """A meeting poll as Zoom lists it (only what this service reads back)."""

    id: str
    title: str


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


# Zoom's word for a recording file it has finished processing; Zoom's vocabulary, not a request status.
ZOOM_FILE_COMPLETED = "completed"


@dataclass(frozen=True)
class RecordingFile:
    """One file of a cloud recording, as Zoom lists it (REST answer or `recording.completed` webhook).

    `file_size` is in bytes; 0 when Zoom gave none (it gives none for CC and TIMELINE files, nor an `id`).
    `meeting_uuid` is the UUID of the meeting instance the file belongs to (Zoom's `meeting_id` field).
    """

    id: str
    meeting_uuid: str
    file_type: str
    file_extension: str
    file_size: int
    download_url: str
    status: str
    recording_type: str
    recording_start: datetime | None
    recording_end: datetime | None

    @property
    def ready(self) -> bool:
        """Zoom has finished processing it (a file still "processing" cannot be downloaded whole yet)."""
        return self.status == ZOOM_FILE_COMPLETED


@dataclass(frozen=True)
class Recording:
    """The cloud recording of one meeting instance (by `uuid`) with its files.

    `host_email` comes only with the webhook (Zoom's REST answers carry `host_id` alone). `download_access_token`
    comes only from `CloudRecordings.meeting_recordings`: a token for downloading this meeting's files.
    """

    uuid: str
    meeting_id: int
    host_id: str
    host_email: str | None
    topic: str
    start_time: datetime | None
    duration: int
    files: tuple[RecordingFile, ...]
    download_access_token: str | None


@dataclass(frozen=True)
class PastMeeting:
    """A meeting instance that has ended, as Zoom's past-meeting record reports it."""

    uuid: str
    meeting_id: int
    start_time: datetime | None
    end_time: datetime | None
    participants_count: int | None


@dataclass(frozen=True)
class Attendance:
    """Who attended a held meeting, as counts only (no names or addresses are kept)."""

    distinct_participants: int
    total_minutes: int


def parse_zoom_time(value: Any) -> datetime | None:
    """Zoom's ISO 8601 timestamps as aware UTC datetimes; None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        # Zoom sends UTC with a "Z"; a bare timestamp from it is UTC as well.
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _int_or(value: Any, default: int) -> int:
    if isinstance(value, bool):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def recording_file_from_json(data: Mapping[str, Any], meeting_uuid: str = "") -> RecordingFile:
    """A RecordingFile from one item of Zoom's `recording_files` (REST answer or webhook)."""
    return RecordingFile(
        id=str(data.get("id") or ""),
        meeting_uuid=str(data.get("meeting_id") or meeting_uuid),
        file_type=str(data.get("file_type") or ""),
        file_extension=str(data.get("file_extension") or ""),
        # REST declares file_size a number, the webhook an integer; either way a byte count.
        file_size=max(0, _int_or(data.get("file_size"), 0)),
        download_url=str(data.get("download_url") or ""),
        status=str(data.get("status") or ""),
        recording_type=str(data.get("recording_type") or ""),
        recording_start=parse_zoom_time(data.get("recording_start")),
        recording_end=parse_zoom_time(data.get("recording_end")),
    )


def recording_from_json(data: Mapping[str, Any], download_access_token: str | None = None) -> Recording:
    """A Recording from Zoom's recording object: a REST answer, a list item, or a webhook's `payload.object`.

    The meeting `id` is an integer in both (a string in `meeting.*` webhooks, which are not recordings);
    ZoomError when the object has no usable `uuid` or `id`, since such a recording cannot be addressed.
    """
    uuid = data.get("uuid")
    meeting_id = _int_or(data.get("id"), -1)
    if not isinstance(uuid, str) or not uuid or meeting_id < 0:
        raise ZoomError(f"Zoom answered a recording without a usable uuid and id: {dict(data)!r:.200}")
    files = data.get("recording_files")
    token = download_access_token if download_access_token is not None else data.get("download_access_token")
    return Recording(
        uuid=uuid,
        meeting_id=meeting_id,
        host_id=str(data.get("host_id") or ""),
        host_email=str(data["host_email"]) if data.get("host_email") else None,
        topic=str(data.get("topic") or ""),
        start_time=parse_zoom_time(data.get("start_time")),
        duration=max(0, _int_or(data.get("duration"), 0)),
        files=tuple(
            recording_file_from_json(item, uuid)
            for item in (files if isinstance(files, list) else ())
            if isinstance(item, Mapping)
        ),
        download_access_token=str(token) if token else None,
    )


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
