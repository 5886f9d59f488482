"""A local fake of Zoom's OAuth endpoint and REST API that follows Zoom's documented behaviour.

It is a plain WSGI application, so it works at the root or mounted under a prefix (the dev server mounts it at
`/_zoom`). Tests drive it through SandboxState: users, meetings, tokens, recordings, daily counters, a log of
calls, and fault injection (errors, QPS 429s, slow answers, answers lost after the work was done).

Behaviour modelled on Zoom's documentation: Server-to-Server OAuth tokens (one hour, no refresh token);
401 with code 124 for a missing, expired or revoked token; 404 with code 1001 for an unknown user, 3001 for
an unknown meeting and 3301 for a missing recording; 400 with code 300 and an `errors` list for invalid
fields; 100 meeting creates/updates per user per UTC day, then 429 with `X-RateLimit-Type: Daily-limit` and a
`Retry-After` time; list pagination with `page_size` (default 30, at most 300) and `next_page_token` (valid
15 minutes); meeting UUIDs that start with "/" or contain "//" only reach the recordings and past-meeting
endpoints when double URL-encoded.

Cloud recordings: GET /meetings/{uuid}/recordings (with `include_fields=download_access_token`: a token for
that meeting's downloads), DELETE with `action=trash` (kept, inspectable through `SandboxState.trashed`; GET
then answers 404 code 3301) or `action=delete`. A file's `download_url` takes the OAuth token, the meeting's
download_access_token or a webhook's download_token as a Bearer token and redirects once (302) to a signed
content URL that streams the file with its Content-Type and Content-Length. Like Zoom, a missing, expired or
unknown token, or a trashed or deleted file, gets HTTP 200 with an HTML page rather than an error status.
Recording files can be generated from a seed and a size and are streamed, so tests can make large ones.

Past meetings: GET /past_meetings/{uuid} and its participants (paged), from `SandboxState.hold_meeting`.
Webhook bodies for these (recording.completed with a download_token, meeting.started, meeting.ended) come from
`SandboxState.*_event`, built by `vicon_dev.zoom_webhooks`, which also signs them.

Live stream and polls: PATCH /meetings/{id}/livestream (stream_url, stream_key, page_url, kept in
`SandboxState.livestreams`; 204), GET and POST /meetings/{id}/polls (single and multiple choice questions,
`SandboxState.polls`); the polls endpoints answer an unknown meeting with 404 code 404, as Zoom documents them.

Control endpoints for a sandbox in another process (the dev server's) live under /_sandbox/: the meetings,
recordings and calls so far, a recording added, tokens revoked, a fault planned (`POST /_sandbox/faults`, as
`inject`) and the live streams set (`GET /_sandbox/livestreams`).

Every request and answer is logged in `SandboxState.exchanges`, so tests can hold both to Zoom's OpenAPI document.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import random
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from werkzeug.datastructures import Headers
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Request, Response

from vicon_dev import zoom_webhooks

DEFAULT_USERS = ("host-besar@vicon.example", "host-kecil@vicon.example")
DEFAULT_TIMEZONE = "Asia/Jakarta"

_PASSCODE_RE = re.compile(r"[A-Za-z0-9@\-_*]{1,10}")
_START_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z?")
_MEETING_TYPES = (1, 2, 3, 8, 10)
_LIST_TYPES = ("scheduled", "live", "upcoming", "upcoming_meetings", "previous_meetings")
_AUTO_RECORDING = ("local", "cloud", "none")
_LIST_AGENDA_CHARS = 250
_PAGE_TOKEN_LIFETIME = 15 * 60
_SCOPES = "meeting:read:admin meeting:write:admin recording:read:admin recording:write:admin user:read:admin"
# Generated recording content is defined, and streamed, in blocks of this size: small, so that the sandbox adds
# little to the memory of a test that measures a client's download in the same process.
CONTENT_CHUNK = 64 * 1024
DOWNLOAD_ACCESS_TOKEN_LIFETIME = 24 * 3600  # the sandbox's default; Zoom documents only the `ttl` range
MAX_DOWNLOAD_ACCESS_TTL = 604800  # Zoom's maximum `ttl`, a week
WEBHOOK_DOWNLOAD_TOKEN_LIFETIME = 24 * 3600  # "The download token only lasts for 24 hours after its creation"
CONTENT_URL_LIFETIME = 15 * 60  # how long a signed content URL (the redirect target) stays valid
# What the content URL answers per file extension; Zoom's storage serves media as such, the rest as text.
CONTENT_TYPES = {
    "MP4": "video/mp4",
    "M4A": "audio/mp4",
    "TXT": "text/plain; charset=utf-8",
    "VTT": "text/vtt; charset=utf-8",
    "CSV": "text/csv; charset=utf-8",
    "JSON": "application/json",
    "JPG": "image/jpeg",
}
# Zoom's file_extension for each file_type when a test does not name one.
_EXTENSIONS = {
    "MP4": "MP4",
    "M4A": "M4A",
    "CHAT": "TXT",
    "TRANSCRIPT": "VTT",
    "CC": "VTT",
    "CSV": "CSV",
    "TIMELINE": "JSON",
    "SUMMARY": "JSON",
    "CHAT_MESSAGE": "TXT",
    "TB": "JSON",
}
# Zoom's recording_type for each file_type when a test does not name one. (The webhook schema's enum leaves out
# "audio_transcript", which REST lists and its own description names: a transcript breaks the webhook schema.)
_RECORDING_TYPES = {
    "MP4": "shared_screen_with_speaker_view",
    "M4A": "audio_only",
    "CHAT": "chat_file",
    "TRANSCRIPT": "audio_transcript",
    "CC": "closed_caption",
    "CSV": "poll",
    "TIMELINE": "timeline",
    "SUMMARY": "summary",
}
# The page Zoom serves with HTTP 200 where a download is refused (its wording for a token that does not fit).
REFUSED_DOWNLOAD_PAGE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Error - Zoom</title></head><body>'
    "<h1>Only the host can download this recording.</h1>"
    "<p>Please sign in to your Zoom account to download if you are the host.</p></body></html>"
)

WSGIEnviron = dict[str, Any]
StartResponse = Callable[..., Any]


@dataclass(frozen=True)
class SandboxUser:
    """A licensed user of the fake account."""

    id: str
    email: str
    timezone: str = DEFAULT_TIMEZONE


@dataclass
class Injection:
    """One planned fault: which requests it matches, what it answers, and how many more times."""

    method: str
    pattern: re.Pattern[str]
    status: int | None
    headers: dict[str, str]
    times: int
    delay: float
    after_effect: bool
    body: Any = None
    content_type: str | None = None
    cut_after: int | None = None
    drop_headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class GeneratedContent:
    """Recording content made on the fly from `seed`: `size` bytes, the same every time, never all in memory."""

    seed: str
    size: int

    def chunks(self) -> Iterator[bytes]:
        """The content in blocks of CONTENT_CHUNK bytes (the last one shorter)."""
        for index, offset in enumerate(range(0, self.size, CONTENT_CHUNK)):
            block = hashlib.shake_128(f"{self.seed}:{index}".encode()).digest(CONTENT_CHUNK)
            yield block[: min(CONTENT_CHUNK, self.size - offset)]


Content = bytes | GeneratedContent


@dataclass(frozen=True)
class DownloadGrant:
    """A download token other than an OAuth token: valid for one meeting instance's files until `expires_at`."""

    meeting_uuid: str
    expires_at: float
    kind: str  # "download_access_token" (REST) or "download_token" (webhook)


@dataclass
class Exchange:
    """One request the sandbox served and its answer, for holding both to Zoom's OpenAPI document.

    `path` is decoded once, as the gateway passes it on; `query` has every value of each parameter. `answer` is
    the parsed JSON answer (None for other answers, e.g. streamed files); `injected` marks a planned fault;
    `status` stays 0 until the answer is made (a handler still in an injected delay).
    """

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    status: int = 0
    content_type: str = ""
    answer: Any = None
    injected: bool = False
    location: str | None = None


@dataclass
class _PageCursor:
    scope: tuple[Any, ...]
    offset: int
    expires_at: float


class SandboxState:
    """Everything the sandbox knows, behind one lock; tests read and steer it directly.

    `users` lists the licensed users: emails, or a mapping email → Zoom user ID (the two sandbox hosts by
    default). `clock` gives the sandbox's time (epoch seconds) for token expiry, daily counters and "upcoming".

    For recordings: `add_recording` (files of given or generated content), `recording`, `trashed`,
    `file_chunks` / `file_sha256` / `file_bytes`, `download_access_token`, `webhook_download_token`,
    `expire_download_tokens`; for held meetings `hold_meeting`; for webhooks `recording_completed_event`,
    `meeting_started_event`, `meeting_ended_event`; for faults `inject`; what was said: `calls`, `exchanges`.
    """

    def __init__(
        self,
        users: Mapping[str, str] | Iterable[str] | None = None,
        *,
        daily_limit: int = 100,
        token_lifetime: int = 3600,
        clock: Callable[[], float] = time.time,
        seed: int | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.rng = random.Random(seed)
        self.daily_limit = daily_limit
        self.token_lifetime = token_lifetime
        self.clock = clock
        self.users: dict[str, SandboxUser] = {}  # by user ID
        self.meetings: dict[int, dict[str, Any]] = {}  # live meetings by ID, as Zoom stores them (with host)
        self.calls: list[tuple[str, str]] = []  # (method, decoded path) of every API/OAuth request served
        self.bodies: list[tuple[str, str, Any]] = []  # the same, with the parsed JSON body (or None)
        self.tokens: dict[str, float] = {}  # access token → expiry on `clock`
        self.daily_counts: dict[tuple[str, date], int] = {}  # (user ID, UTC day) → creates + updates
        self.recordings: dict[str, dict[str, Any]] = {}  # by meeting instance UUID, trashed ones included
        self.recording_content: dict[str, Content] = {}  # by recording file ID
        self.download_grants: dict[str, DownloadGrant] = {}  # download_access_token / download_token → grant
        self.past_meetings: dict[str, dict[str, Any]] = {}  # held meeting instances by UUID, with participants
        # Kept beside the meeting, not in it: GET /meetings/{id} does not answer them either.
        self.livestreams: dict[int, dict[str, Any]] = {}  # meeting ID → stream_url, stream_key, page_url
        self.polls: dict[int, list[dict[str, Any]]] = {}  # meeting ID → its polls as Zoom lists them
        self.exchanges: list[Exchange] = []  # every API, OAuth and download request with its answer
        # Where the sandbox is served (e.g. http://127.0.0.1:PORT/_zoom), for URLs in webhook bodies, which are
        # built outside any request; set by whoever serves it.
        self.base_url: str | None = None
        # Where download URLs redirect to for the file itself (Zoom: its storage host); this sandbox by default.
        # A test points it at a second server on the same state to see what crosses to another origin.
        self.content_base_url: str | None = None
        self.account_id = "sandbox-account"
        self.next_uuids: list[str] = []
        self._injections: list[Injection] = []
        # Set by `release_delays`: injected delays end at once, so a test never waits one out.
        self.delays_released = threading.Event()
        self.cursors: dict[str, _PageCursor] = {}
        self.secret = secrets.token_bytes(32)
        pairs: Iterable[tuple[str, str | None]]
        if users is None:
            pairs = ((email, None) for email in DEFAULT_USERS)
        elif isinstance(users, Mapping):
            pairs = users.items()
        else:
            pairs = ((email, None) for email in users)
        for email, user_id in pairs:
            self.add_user(email, user_id)

    # --- users and time -----------------------------------------------------------------------------

    def add_user(self, email: str, user_id: str | None = None, timezone: str = DEFAULT_TIMEZONE) -> SandboxUser:
        """Add a licensed user; Zoom-like random ID unless given."""
        with self.lock:
            uid = user_id or base64.urlsafe_b64encode(self.rng.randbytes(16)).decode().rstrip("=")[:22]
            user = SandboxUser(id=uid, email=email, timezone=timezone)
            self.users[uid] = user
            return user

    def user(self, ref: str) -> SandboxUser | None:
        """A user by ID or email (case-insensitive), as Zoom's userId path parameter accepts both."""
        with self.lock:
            if ref in self.users:
                return self.users[ref]
            lowered = ref.lower()
            return next((u for u in self.users.values() if u.email.lower() == lowered), None)

    @property
    def user_emails(self) -> list[str]:
        """The licensed users' emails."""
        with self.lock:
            return [u.email for u in self.users.values()]

    def now(self) -> datetime:
        """The sandbox's current time (from `clock`) as an aware UTC datetime."""
        return datetime.fromtimestamp(self.clock(), UTC)

    # --- steering for tests --------------------------------------------------------------------------

    def inject(
        self,
        method: str,
        path_regex: str,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        times: int = 1,
        delay: float = 0.0,
        after_effect: bool = False,
        body: Any = None,
        *,
        content_type: str | None = None,
        cut_after: int | None = None,
        drop_headers: Iterable[str] = (),
    ) -> Injection:
        """Answer the next `times` matching requests with `status` (and `headers`) instead of handling them.

        `path_regex` is searched in the decoded path below the mount point, e.g. "/v2/users/[^/]+/meetings$".
        `delay` seconds pass before answering (fewer if `release_delays` is called); with `after_effect` the
        request is handled first and the delay and error come after it, as when Zoom did the work but the answer
        was lost. Without `status` the real answer is sent (after the delay).

        The body is JSON unless `content_type` is given: then `body` (str or bytes) is sent as is, e.g.
        `inject("GET", "^/rec/download/", status=200, content_type="text/html", body="<html>...")`. For the real
        answer (no `status`): `cut_after=N` sends only its first N bytes and closes the connection while the
        headers still announce the whole (a download cut off half way); `drop_headers=("Content-Length",)`
        removes headers, so the body goes out chunked with no length announced.
        """
        injection = Injection(
            method=method.upper(),
            pattern=re.compile(path_regex),
            status=status,
            headers=dict(headers or {}),
            times=times,
            delay=delay,
            after_effect=after_effect,
            body=body,
            content_type=content_type,
            cut_after=cut_after,
            drop_headers=tuple(drop_headers),
        )
        with self.lock:
            self._injections.append(injection)
        return injection

    def take_injection(self, method: str, path: str) -> Injection | None:
        """The first live injection matching this request, consuming one of its uses."""
        with self.lock:
            for injection in self._injections:
                if injection.times > 0 and injection.method in ("*", method) and injection.pattern.search(path):
                    injection.times -= 1
                    return injection
            return None

    def release_delays(self) -> None:
        """End every injected delay now and skip later ones (a test's way out of a long hang it injected)."""
        self.delays_released.set()

    def pause(self, seconds: float) -> None:
        """Wait `seconds`, or less if `release_delays` is called meanwhile.

        Short sleeps rather than a timed Event.wait: under libfaketime (the moved-clock test tier) a timed wait
        on a lock can last the clock's offset, while time.sleep keeps real durations.
        """
        deadline = time.monotonic() + seconds
        while not self.delays_released.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, 0.05))

    def clear_injections(self) -> None:
        """Forget all planned faults."""
        with self.lock:
            self._injections.clear()

    def revoke_tokens(self) -> None:
        """Invalidate every access token issued so far (as rotating the app's secret would)."""
        with self.lock:
            self.tokens.clear()

    def queue_uuid(self, uuid: str) -> None:
        """Use `uuid` for the next meeting created (e.g. one starting with "/" or containing "//")."""
        with self.lock:
            self.next_uuids.append(uuid)

    @property
    def oauth_calls(self) -> int:
        """How many token requests reached the sandbox."""
        with self.lock:
            return sum(1 for method, path in self.calls if method == "POST" and path == "/oauth/token")

    def calls_to(self, method: str, path_regex: str) -> int:
        """How many served requests match `method` and `path_regex`."""
        pattern = re.compile(path_regex)
        with self.lock:
            return sum(1 for m, p in self.calls if m == method.upper() and pattern.search(p))

    def daily_count(self, user_ref: str, day: date | None = None) -> int:
        """Meeting creates/updates counted for a user on a UTC day (today by default)."""
        user = self.user(user_ref)
        if user is None:
            return 0
        with self.lock:
            return self.daily_counts.get((user.id, day or self.now().date()), 0)

    def add_recording(
        self,
        meeting_id: int,
        *,
        host: str | None = None,
        topic: str = "Rekaman",
        uuid: str | None = None,
        start_time: datetime | None = None,
        duration: int | None = None,
        files: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Give a meeting instance cloud recordings; returns a copy of the stored recording.

        For a meeting the sandbox knows, host, topic, UUID and times come from it; otherwise pass `host`.
        `files=[]` makes a recording entry with no files, as Zoom shows while it is still processing. Each item of
        `files` may name `file_type` (MP4 by default), `file_extension`, `recording_type`, `status`, and either
        `content` (bytes) or `size` (bytes generated from `seed`, default the file ID, and streamed: never held
        in memory, so a test can make a file of gigabytes). `file_size` overrides the size Zoom lists (a listing
        that disagrees with the file). Without `files`: an MP4 and an M4A of a few kilobytes.
        """
        with self.lock:
            meeting = self.meetings.get(meeting_id)
            if meeting is not None:
                user = self.users[meeting["host_id"]]
                topic = meeting["topic"]
                uuid = uuid or meeting["uuid"]
                start = start_time or _parse_utc(meeting["start_time"]) or self.now()
                minutes = duration if duration is not None else int(meeting["duration"])
                timezone = meeting["timezone"]
                password = meeting.get("password", "")
            else:
                found = self.user(host or "")
                if found is None:
                    raise KeyError(f"unknown meeting {meeting_id} and no known host given")
                user = found
                uuid = uuid or self.new_uuid()
                start = start_time or self.now()
                minutes = duration if duration is not None else 60
                timezone = user.timezone
                password = ""
            if files is None:
                files = [
                    {"file_type": "MP4", "recording_type": "shared_screen_with_speaker_view"},
                    {"file_type": "M4A", "recording_type": "audio_only"},
                ]
            stored_files: list[dict[str, Any]] = []
            for spec in files:
                file_id = secrets.token_hex(16)
                file_type = str(spec.get("file_type", "MP4"))
                content: Content
                if spec.get("content") is not None:
                    content = bytes(spec["content"])
                elif spec.get("size") is not None:
                    content = GeneratedContent(str(spec.get("seed", file_id)), int(spec["size"]))
                else:
                    content = f"{file_type} {uuid} {file_id}".encode() * 64
                self.recording_content[file_id] = content
                stored_files.append(
                    {
                        "id": file_id,
                        "meeting_id": uuid,
                        "recording_start": _fmt(start),
                        "recording_end": _fmt(start + timedelta(minutes=minutes)),
                        "file_type": file_type,
                        "file_extension": str(spec.get("file_extension", _EXTENSIONS.get(file_type, file_type))),
                        "file_size": int(spec.get("file_size", _content_size(content))),
                        "status": str(spec.get("status", "completed")),
                        "recording_type": str(
                            spec.get(
                                "recording_type", _RECORDING_TYPES.get(file_type, "shared_screen_with_speaker_view")
                            )
                        ),
                    }
                )
            recording: dict[str, Any] = {
                "uuid": uuid,
                "id": meeting_id,
                "account_id": self.account_id,
                "host_id": user.id,
                "host_email": user.email,
                "topic": topic,
                "type": 2,
                "start_time": _fmt(start),
                "timezone": timezone,
                "duration": minutes,
                "total_size": sum(f["file_size"] for f in stored_files),
                "recording_count": len(stored_files),
                "share_url": f"https://zoom.example/rec/share/{secrets.token_urlsafe(12)}",
                "password": password,
                "recording_files": stored_files,
                "trashed": False,
                "deleted_time": None,
            }
            self.recordings[uuid] = recording
            return copy.deepcopy(recording)

    def trashed(self, uuid: str) -> dict[str, Any] | None:
        """A copy of the meeting instance's recording if it is in the trash (with its `deleted_time`), else None."""
        with self.lock:
            recording = self.recordings.get(uuid)
            return copy.deepcopy(recording) if recording is not None and recording["trashed"] else None

    def recording(self, uuid: str) -> dict[str, Any] | None:
        """A copy of the meeting instance's recording as stored (trashed or not), or None if there is none."""
        with self.lock:
            recording = self.recordings.get(uuid)
            return copy.deepcopy(recording) if recording is not None else None

    def file_chunks(self, file_id: str) -> Iterator[bytes]:
        """A recording file's content, streamed in blocks of CONTENT_CHUNK bytes; KeyError if there is none."""
        with self.lock:
            content = self.recording_content[file_id]
        if isinstance(content, GeneratedContent):
            return content.chunks()
        return iter([content[i : i + CONTENT_CHUNK] for i in range(0, len(content), CONTENT_CHUNK)] or [b""])

    def file_sha256(self, file_id: str) -> str:
        """The hex SHA-256 of a recording file's content (computed by streaming it)."""
        digest = hashlib.sha256()
        for chunk in self.file_chunks(file_id):
            digest.update(chunk)
        return digest.hexdigest()

    def file_bytes(self, file_id: str) -> bytes:
        """A recording file's whole content (small files only)."""
        return b"".join(self.file_chunks(file_id))

    def download_access_token(self, uuid: str, ttl: int = DOWNLOAD_ACCESS_TOKEN_LIFETIME) -> str:
        """A new download_access_token for the meeting instance's files, valid `ttl` seconds on `clock`."""
        return self._grant(uuid, ttl, "download_access_token")

    def webhook_download_token(self, uuid: str) -> str:
        """A new webhook download_token for the meeting instance's files, valid 24 hours on `clock`."""
        return self._grant(uuid, WEBHOOK_DOWNLOAD_TOKEN_LIFETIME, "download_token")

    def _grant(self, uuid: str, ttl: int, kind: str) -> str:
        token = secrets.token_urlsafe(32)
        with self.lock:
            self.download_grants[token] = DownloadGrant(uuid, self.clock() + ttl, kind)
        return token

    def expire_download_tokens(self) -> None:
        """End every download_access_token and download_token issued so far (as their expiry would)."""
        with self.lock:
            now = self.clock()
            for token, grant in list(self.download_grants.items()):
                self.download_grants[token] = DownloadGrant(grant.meeting_uuid, now, grant.kind)

    # --- meetings made elsewhere -------------------------------------------------------------------

    def schedule_in_portal(
        self,
        user_ref: str,
        start: datetime,
        duration: int = 60,
        topic: str = "Rapat internal",
        agenda: str = "",
        timezone: str = DEFAULT_TIMEZONE,
    ) -> dict[str, Any]:
        """A scheduled meeting made by a person in Zoom's web portal (or a Zoom client): no API call, so no daily
        count and no request log; listed by GET /users/{userId}/meetings like any other, with no Vicon tag."""
        with self.lock:
            user = self.user(user_ref)
            if user is None:
                raise KeyError(user_ref)
            meeting_id = self.new_meeting_id()
            password = secrets.token_urlsafe(6)[:8]
            meeting = {
                "uuid": self.new_uuid(),
                "id": meeting_id,
                "host_id": user.id,
                "host_email": user.email,
                "topic": topic,
                "type": 2,
                "status": "waiting",
                "start_time": _fmt(start.astimezone(UTC)),
                "duration": duration,
                "timezone": timezone,
                "agenda": agenda,
                "created_at": _fmt(self.now()),
                "join_url": _join_url(meeting_id, password),
                "password": password,
                "pre_schedule": False,
                "settings": _default_settings(),
            }
            self.meetings[meeting_id] = meeting
            return meeting

    # --- past meetings ------------------------------------------------------------------------------

    def hold_meeting(
        self,
        meeting_id: int,
        start: datetime,
        end: datetime,
        participants: Iterable[Mapping[str, Any]] = (),
        *,
        uuid: str | None = None,
        host: str | None = None,
        topic: str = "Rapat",
    ) -> dict[str, Any]:
        """Record a meeting instance as held from `start` to `end`: what GET /past_meetings/... then answers.

        For a meeting the sandbox knows, UUID, host and topic come from it; otherwise pass `host` (and `uuid`).
        Each participant entry is one join, as Zoom lists them: `name`, optionally `user_email` ("" for someone
        outside the account), `id` (the participant's Zoom user ID when signed in; derived from the email by
        default, "" without one), `user_id` (per join; random by default), `join_time` (datetime, default
        `start`) and `duration` (seconds, default until `end`). Returns a copy of the stored instance.
        """
        with self.lock:
            meeting = self.meetings.get(meeting_id)
            if meeting is not None:
                user = self.users[meeting["host_id"]]
                uuid = uuid or meeting["uuid"]
                topic = meeting["topic"]
                meeting_type = int(meeting["type"])
            else:
                found = self.user(host or "")
                if found is None:
                    raise KeyError(f"unknown meeting {meeting_id} and no known host given")
                user = found
                uuid = uuid or self.new_uuid()
                meeting_type = 2
            entries: list[dict[str, Any]] = []
            for spec in participants:
                joined = spec.get("join_time") or start
                seconds = int(spec["duration"]) if "duration" in spec else int((end - joined).total_seconds())
                email = str(spec.get("user_email", ""))
                default_id = hashlib.sha256(email.lower().encode()).hexdigest()[:22] if email else ""
                entries.append(
                    {
                        "id": str(spec.get("id", default_id)),
                        "name": str(spec.get("name", "Peserta")),
                        "user_id": str(spec.get("user_id", str(self.rng.randrange(10**7, 10**8)))),
                        "user_email": email,
                        "join_time": _fmt(joined),
                        "leave_time": _fmt(joined + timedelta(seconds=seconds)),
                        "duration": seconds,
                        "failover": False,
                        "status": "in_meeting",
                        "internal_user": bool(email) and self.user(email) is not None,
                    }
                )
            held = {
                "uuid": uuid,
                "id": meeting_id,
                "host_id": user.id,
                "user_email": user.email,
                "user_name": user.email.split("@")[0],
                "topic": topic,
                "type": meeting_type,
                "start_time": _fmt(start),
                "end_time": _fmt(end),
                "duration": max(0, round((end - start).total_seconds() / 60)),
                "participants": entries,
            }
            self.past_meetings[uuid] = held
            return copy.deepcopy(held)

    # --- webhook bodies -----------------------------------------------------------------------------

    def recording_completed_event(
        self, uuid: str, *, base_url: str | None = None, event_ts: int | None = None
    ) -> dict[str, Any]:
        """The `recording.completed` event Zoom would post for the instance's recording, with a fresh
        download_token (24 hours) and the files' webhook download URLs under `base_url` (default `self.base_url`).
        """
        base = (base_url or self.base_url or "").rstrip("/")
        if not base:
            raise ValueError("no base_url: pass one, or set SandboxState.base_url to where the sandbox is served")
        with self.lock:
            stored = self.recordings.get(uuid)
            if stored is None or stored["trashed"]:
                raise KeyError(f"no recording of meeting instance {uuid!r}")
            recording = copy.deepcopy(stored)
        for item in recording["recording_files"]:
            item["download_url"] = f"{base}/rec/webhook_download/download/{item['id']}"
            item["play_url"] = f"https://zoom.example/rec/play/{item['id']}"
        return zoom_webhooks.recording_completed_event(
            recording,
            download_token=self.webhook_download_token(uuid),
            account_id=self.account_id,
            event_ts=self._event_ts(event_ts),
        )

    def meeting_started_event(self, meeting_id: int, *, event_ts: int | None = None) -> dict[str, Any]:
        """The `meeting.started` event for a meeting the sandbox knows (held start time, if held, else scheduled)."""
        meeting, user, held = self._event_meeting(meeting_id)
        return zoom_webhooks.meeting_started_event(
            account_id=self.account_id,
            meeting_id=meeting_id,
            uuid=meeting["uuid"],
            host_id=user.id,
            host_email=user.email,
            topic=meeting["topic"],
            start_time=(held or meeting)["start_time"],
            duration=int(meeting["duration"]),
            timezone=meeting.get("timezone"),
            meeting_type=int(meeting["type"]),
            event_ts=self._event_ts(event_ts),
        )

    def meeting_ended_event(
        self, meeting_id: int, *, end_time: datetime | None = None, event_ts: int | None = None
    ) -> dict[str, Any]:
        """The `meeting.ended` event for a meeting the sandbox knows; `end_time` defaults to the held end, or now."""
        meeting, user, held = self._event_meeting(meeting_id)
        ended = _fmt(end_time) if end_time is not None else (held["end_time"] if held else _fmt(self.now()))
        return zoom_webhooks.meeting_ended_event(
            account_id=self.account_id,
            meeting_id=meeting_id,
            uuid=meeting["uuid"],
            host_id=user.id,
            host_email=user.email,
            topic=meeting["topic"],
            start_time=(held or meeting)["start_time"],
            end_time=ended,
            duration=int(meeting["duration"]),
            timezone=meeting.get("timezone"),
            meeting_type=int(meeting["type"]),
            event_ts=self._event_ts(event_ts),
        )

    def _event_meeting(self, meeting_id: int) -> tuple[dict[str, Any], SandboxUser, dict[str, Any] | None]:
        with self.lock:
            meeting = self.meetings.get(meeting_id)
            if meeting is None:
                raise KeyError(f"unknown meeting {meeting_id}")
            return (
                copy.deepcopy(meeting),
                self.users[meeting["host_id"]],
                copy.deepcopy(self.past_meetings.get(meeting["uuid"])),
            )

    def _event_ts(self, event_ts: int | None) -> int:
        return event_ts if event_ts is not None else int(self.clock() * 1000)

    # --- used by the app ----------------------------------------------------------------------------------

    def new_uuid(self) -> str:
        """The next meeting UUID: a queued one, else a random Zoom-like one."""
        if self.next_uuids:
            return self.next_uuids.pop(0)
        # Zoom's UUIDs are base64 of 16 bytes, so "/" and "+" occur, now and then at the start or doubled.
        return base64.b64encode(self.rng.randbytes(16)).decode()

    def new_meeting_id(self) -> int:
        """An unused 11-digit meeting ID."""
        while True:
            candidate = self.rng.randrange(10**10, 10**11)
            if candidate not in self.meetings:
                return candidate

    def sign(self, file_id: str, expires: int) -> str:
        """The signature of a recording file's content URL valid until `expires` (epoch seconds on `clock`)."""
        return hmac.new(self.secret, f"{file_id}:{expires}".encode(), hashlib.sha256).hexdigest()[:32]


class SandboxApp:
    """The WSGI application; `state` is shared with whoever created it."""

    def __init__(self, state: SandboxState, account_id: str, client_id: str, client_secret: str) -> None:
        self.state = state
        self.account_id = account_id
        state.account_id = account_id  # the account its recordings and webhook events belong to
        self.client_id = client_id
        self.client_secret = client_secret
        self._routes: list[tuple[re.Pattern[str], dict[str, Callable[..., Response]]]] = [
            (re.compile(r"/oauth/token"), {"POST": self._oauth_token}),
            (re.compile(r"/v2/users/(?P<user>[^/]+)/meetings"), {"GET": self._list_meetings, "POST": self._create}),
            (re.compile(r"/v2/users/(?P<user>[^/]+)/recordings"), {"GET": self._list_recordings}),
            (
                re.compile(r"/v2/meetings/(?P<ref>.+)/recordings"),
                {"GET": self._get_recordings, "DELETE": self._delete_recordings},
            ),
            (re.compile(r"/v2/meetings/(?P<ref>[^/]+)/livestream"), {"PATCH": self._update_livestream}),
            (re.compile(r"/v2/meetings/(?P<ref>[^/]+)/polls"), {"GET": self._list_polls, "POST": self._create_poll}),
            (
                re.compile(r"/v2/meetings/(?P<ref>[^/]+)"),
                {"GET": self._get_meeting, "PATCH": self._update_meeting, "DELETE": self._delete_meeting},
            ),
            (re.compile(r"/v2/past_meetings/(?P<ref>.+)/participants"), {"GET": self._list_participants}),
            (re.compile(r"/v2/past_meetings/(?P<ref>.+)"), {"GET": self._get_past_meeting}),
            (re.compile(r"/rec/download/(?P<file_id>[^/]+)"), {"GET": self._download}),
            (re.compile(r"/rec/webhook_download/download/(?P<file_id>[^/]+)"), {"GET": self._download}),
            (re.compile(r"/rec/content/(?P<file_id>[^/]+)"), {"GET": self._content}),
            (re.compile(r"/_sandbox/meetings"), {"GET": self._control_meetings}),
            (re.compile(r"/_sandbox/meetings/(?P<meeting_id>\d+)/recordings"), {"POST": self._control_add_recording}),
            (re.compile(r"/_sandbox/recordings"), {"GET": self._control_recordings}),
            (re.compile(r"/_sandbox/calls"), {"GET": self._control_calls}),
            (re.compile(r"/_sandbox/revoke-tokens"), {"POST": self._control_revoke}),
            (re.compile(r"/_sandbox/faults"), {"POST": self._control_fault}),
            (re.compile(r"/_sandbox/livestreams"), {"GET": self._control_livestreams}),
        ]

    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        response = self.handle(request)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        """Record, apply any injected fault, and dispatch one request."""
        # The path arrives decoded once (as at Zoom's gateway), and runs of slashes collapse there, which is
        # why a UUID with "//" or a leading "/" must be encoded twice to survive as one path segment.
        path = re.sub(r"/{2,}", "/", request.path)
        method = request.method.upper()
        state = self.state
        exchange: Exchange | None = None
        if not path.startswith("/_sandbox/"):
            body = request.get_json(silent=True)
            exchange = Exchange(
                method=method,
                path=path,
                query={key: request.args.getlist(key) for key in request.args},
                headers={key.lower(): value for key, value in request.headers.items()},
                body=body,
            )
            with state.lock:
                state.calls.append((method, path))
                state.bodies.append((method, path, body))
                state.exchanges.append(exchange)
        injection = state.take_injection(method, path)
        if exchange is not None:
            exchange.injected = injection is not None  # set first: a delayed answer may come after the test
        response = self._answer(method, path, request, injection)
        if exchange is not None:
            exchange.status = response.status_code
            exchange.content_type = response.headers.get("Content-Type", "")
            exchange.location = response.headers.get("Location")
            if response.mimetype == "application/json" and not response.is_streamed:
                exchange.answer = json.loads(response.get_data() or b"null")
        return response

    def _answer(self, method: str, path: str, request: Request, injection: Injection | None) -> Response:
        state = self.state
        if injection is not None and not injection.after_effect:
            if injection.delay:
                state.pause(injection.delay)
            if injection.status is not None:
                return self._injected(injection)
        response = self._dispatch(method, path, request)
        if injection is not None and injection.after_effect:
            if injection.delay:
                state.pause(injection.delay)
            if injection.status is not None:
                return self._injected(injection)
        if injection is not None:
            for name in injection.drop_headers:
                response.headers.pop(name, None)
            if injection.drop_headers:
                response.automatically_set_content_length = False
            if injection.cut_after is not None:
                response = _cut_off(response, injection.cut_after)
        return response

    def _dispatch(self, method: str, path: str, request: Request) -> Response:
        for pattern, handlers in self._routes:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            handler = handlers.get(method)
            if handler is None:
                return _error(405, 405, f"Method {method} not allowed for this endpoint.")
            with self.state.lock:
                return handler(request, **match.groupdict())
        return _error(404, 404, "This API endpoint is not recognized.")

    def _injected(self, injection: Injection) -> Response:
        status = injection.status or 500
        body = injection.body
        if injection.content_type is not None:
            return Response(
                body if body is not None else b"",
                status=status,
                headers=Headers(list(injection.headers.items())),
                content_type=injection.content_type,
            )
        if body is None:
            if status == 429:
                body = {"code": 429, "message": "You have reached the maximum per-second rate limit for this API."}
            elif status == 401:
                body = {"code": 124, "message": "Invalid access token."}
            else:
                body = {"code": status, "message": HTTP_STATUS_CODES.get(status, "Error")}
        return _json(status, body, injection.headers)

    # --- auth ---------------------------------------------------------------------------------------

    def _oauth_token(self, request: Request) -> Response:
        auth = request.authorization
        if (
            auth is None
            or auth.type != "basic"
            or not hmac.compare_digest(str(auth.username or ""), self.client_id)
            or not hmac.compare_digest(str(auth.password or ""), self.client_secret)
        ):
            return _json(401, {"reason": "Invalid client_id or client_secret", "error": "invalid_client"})
        grant_type = request.args.get("grant_type") or request.form.get("grant_type")
        if not grant_type:
            return _json(400, {"reason": "Missing grant type", "error": "invalid_request"})
        if grant_type != "account_credentials":
            return _json(400, {"reason": "unsupported grant type", "error": "unsupported_grant_type"})
        account_id = request.args.get("account_id") or request.form.get("account_id")
        if account_id != self.account_id:
            return _json(400, {"reason": "Invalid account_id", "error": "invalid_request"})
        token = secrets.token_urlsafe(32)
        lifetime = int(self.state.token_lifetime)
        self.state.tokens[token] = self.state.clock() + lifetime
        return _json(
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": lifetime,
                "scope": _SCOPES,
                "api_url": request.root_url.rstrip("/"),
            },
        )

    def _authorized(self, request: Request) -> Response | None:
        """None when the request carries a live access token, else Zoom's 401.

        The API takes the token only in the Authorization header (downloads also take `access_token=`).
        """
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else ""
        expires_at = self.state.tokens.get(token) if token else None
        if expires_at is None:
            return _error(401, 124, "Invalid access token.")
        if self.state.clock() >= expires_at:
            return _error(401, 124, "Access token is expired.")
        return None

    def _daily_exceeded(self, user: SandboxUser) -> Response | None:
        now = self.state.now()
        used = self.state.daily_counts.get((user.id, now.date()), 0)
        if used < self.state.daily_limit:
            return None
        reset = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        headers = {
            "X-RateLimit-Category": "Medium",
            "X-RateLimit-Type": "Daily-limit",
            "X-RateLimit-Limit": str(self.state.daily_limit),
            "X-RateLimit-Remaining": "0",
            # Zoom documents Retry-After for a daily limit as the reset time, e.g. 2020-05-31T00:00:00Z.
            "Retry-After": _fmt(reset),
        }
        message = (
            f"You have exceeded the daily rate limit ({self.state.daily_limit}) of Meeting Create/Update API "
            "requests permitted for this particular user. You may resume these requests at GMT 00:00:00."
        )
        return _json(429, {"code": 429, "message": message}, headers)

    def _count_daily(self, user: SandboxUser) -> dict[str, str]:
        key = (user.id, self.state.now().date())
        self.state.daily_counts[key] = self.state.daily_counts.get(key, 0) + 1
        remaining = max(0, self.state.daily_limit - self.state.daily_counts[key])
        return {"X-RateLimit-Limit": str(self.state.daily_limit), "X-RateLimit-Remaining": str(remaining)}

    # --- meetings -----------------------------------------------------------------------------------

    def _create(self, request: Request, user: str) -> Response:
        if (denied := self._authorized(request)) is not None:
            return denied
        host = self.state.user(unquote(user))
        if host is None:
            return _error(404, 1001, f"User does not exist: {unquote(user)}.")
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _error(400, 300, "Request Body should be a valid JSON object.")
        if (limited := self._daily_exceeded(host)) is not None:
            return limited
        errors = _validate_meeting(body)
        if errors:
            return _error(400, 300, "Validation Failed.", errors)
        now = self.state.now()
        meeting_id = self.state.new_meeting_id()
        timezone = body.get("timezone") or host.timezone
        start = _parse_start(body.get("start_time"), timezone) or now
        password = body.get("password", "")
        settings = _default_settings()
        settings.update(copy.deepcopy(body.get("settings") or {}))
        meeting = {
            "uuid": self.state.new_uuid(),
            "id": meeting_id,
            "host_id": host.id,
            "host_email": host.email,
            "topic": body.get("topic", "Zoom Meeting"),
            "type": int(body.get("type", 2)),
            "status": "waiting",
            "start_time": _fmt(start),
            "duration": int(body.get("duration", 60)),
            "timezone": timezone,
            "agenda": body.get("agenda", ""),
            "created_at": _fmt(now),
            "join_url": _join_url(meeting_id, password),
            "password": password,
            "pre_schedule": False,
            "settings": settings,
        }
        self.state.meetings[meeting_id] = meeting
        headers = self._count_daily(host)
        return _json(201, self._with_start_url(meeting), headers)

    def _meeting(self, ref: str) -> dict[str, Any] | None:
        text = unquote(ref)
        return self.state.meetings.get(int(text)) if text.isdigit() else None

    def _with_start_url(self, meeting: dict[str, Any]) -> dict[str, Any]:
        answer = copy.deepcopy(meeting)
        # A new host token (zak) on every read, as Zoom's start_url expires after about two hours.
        answer["start_url"] = f"https://zoom.example/s/{meeting['id']}?zak={secrets.token_urlsafe(24)}"
        return answer

    def _get_meeting(self, request: Request, ref: str) -> Response:
        if (denied := self._authorized(request)) is not None:
            return denied
        meeting = self._meeting(ref)
        if meeting is None:
            return _error(404, 3001, f"Meeting does not exist: {unquote(ref)}.")
        return _json(200, self._with_start_url(meeting))

    def _update_meeting(self, request: Request, ref: str) -> Response:
        if (denied := self._authorized(request)) is not None:
            return denied
        meeting = self._meeting(ref)
        if meeting is None:
            return _error(404, 3001, f"Meeting does not exist: {unquote(ref)}.")
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _error(400, 300, "Request Body should be a valid JSON object.")
        host = self.state.users[meeting["host_id"]]
        if (limited := self._daily_exceeded(host)) is not None:
            return limited
        errors = _validate_meeting(body)
        if errors:
            return _error(400, 300, "Validation Failed.", errors)
        for key in ("topic", "agenda", "duration", "timezone", "type"):
            if key in body:
                meeting[key] = body[key]
        if "start_time" in body:
            start = _parse_start(body["start_time"], meeting["timezone"])
            if start is not None:
                meeting["start_time"] = _fmt(start)
        if "password" in body:
            meeting["password"] = body["password"]
            meeting["join_url"] = _join_url(meeting["id"], body["password"])
        if isinstance(body.get("settings"), dict):
            meeting["settings"].update(copy.deepcopy(body["settings"]))
        headers = self._count_daily(host)
        return Response(status=204, headers=headers)

    def _delete_meeting(self, request: Request, ref: str) -> Response:
        if (denied := self._authorized(request)) is not None:
            return denied
        meeting = self._meeting(ref)
        if meeting is None:
            return _error(404, 3001, f"Meeting does not exist: {unquote(ref)}.")
        del self.state.meetings[meeting["id"]]
        self.state.livestreams.pop(meeting["id"], None)
        self.state.polls.pop(meeting["id"], None)
        return Response(status=204)

    # --- live stream and polls ------------------------------------------------------------------------

    def _update_livestream(self, request: Request, ref: str) -> Response:
        if (denied := self._authorized(request)) is not None:
            return denied
        meeting = self._meeting(ref)
        if meeting is None:
            return _error(404, 3001, f"Meeting does not exist: {unquote(ref)}.")
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _error(400, 300, "Request Body should be a valid JSON object.")
        errors = _validate_livestream(body)
        if errors:
            return _error(400, 300, "Validation Failed.", errors)
        self.state.livestreams[meeting["id"]] = {key: body[key] for key in ("stream_url", "stream_key", "page_url")}
        return Response(status=204)

    def _list_polls(self, request: Request, ref: str) -> Response:
        if (denied := self._authorized(request)) is not None:
            return denied
        meeting = self._meeting(ref)
        if meeting is None:
            # The polls endpoints document code 404 here, not the 3001 of the meeting endpoints.
            return _error(404, 404, "Meeting not found")
        polls = copy.deepcopy(self.state.polls.get(meeting["id"], []))
        return _json(200, {"polls": polls, "total_records": len(polls)})

    def _create_poll(self, request: Request, ref: str) -> Response:
        if (denied := self._authorized(request)) is not None:
            return denied
        meeting = self._meeting(ref)
        if meeting is None:
            return _error(404, 404, "Meeting not found")
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _error(400, 300, "Request Body should be a valid JSON object.")
        errors = _validate_poll(body)
        if errors:
            return _error(400, 300, "Validation Failed.", errors)
        poll = {
            "id": base64.urlsafe_b64encode(self.state.rng.randbytes(16)).decode().rstrip("="),
            "status": "notstart",
            "anonymous": bool(body.get("anonymous", False)),
            "poll_type": body.get("poll_type", 1),
            "title": body.get("title", ""),
            "questions": [
                {"name": q["name"], "type": q["type"], "answers": list(q["answers"])} for q in body["questions"]
            ],
        }
        self.state.polls.setdefault(meeting["id"], []).append(poll)
        return _json(201, copy.deepcopy(poll))

    def _list_meetings(self, request: Request, user: str) -> Response:
        if (denied := self._authorized(request)) is not None:
            return denied
        host = self.state.user(unquote(user))
        if host is None:
            return _error(404, 1001, f"User does not exist: {unquote(user)}.")
        kind = request.args.get("type", "scheduled")
        if kind not in _LIST_TYPES:
            return _error(400, 300, "Validation Failed.", [{"field": "type", "message": "Invalid field."}])
        now = self.state.now()

        def wanted(meeting: dict[str, Any]) -> bool:
            start = _parse_utc(meeting["start_time"]) or now
            end = start + timedelta(minutes=int(meeting["duration"]))
            if kind == "live":
                return start <= now < end
            if kind in ("upcoming", "upcoming_meetings"):
                return end > now
            if kind == "previous_meetings":
                return end <= now
            return True

        mine = sorted(
            (m for m in self.state.meetings.values() if m["host_id"] == host.id and wanted(m)),
            key=lambda m: (m["start_time"], m["id"]),
        )
        page = self._page(request, ("meetings", host.id, kind), mine)
        if isinstance(page, Response):
            return page
        items, page_size, token = page
        return _json(
            200,
            {
                "page_size": page_size,
                "total_records": len(mine),
                "next_page_token": token,
                "meetings": [_list_item(m) for m in items],
            },
        )

    def _page(
        self, request: Request, scope: tuple[Any, ...], items: list[dict[str, Any]]
    ) -> Response | tuple[list[dict[str, Any]], int, str]:
        """One page of `items` per Zoom's page_size/next_page_token rules, or an error response."""
        raw_size = request.args.get("page_size", "30")
        try:
            page_size = int(raw_size)
        except ValueError:
            return _error(400, 300, "Validation Failed.", [{"field": "page_size", "message": "Invalid field."}])
        page_size = max(1, min(page_size, 300))
        offset = 0
        token = request.args.get("next_page_token", "")
        if token:
            cursor = self.state.cursors.get(token)
            if cursor is None or cursor.scope != scope or self.state.clock() >= cursor.expires_at:
                return _error(400, 300, "The next page token is invalid or expired.")
            offset = cursor.offset
        chunk = items[offset : offset + page_size]
        next_token = ""
        if offset + page_size < len(items):
            next_token = secrets.token_urlsafe(24)
            self.state.cursors[next_token] = _PageCursor(
                scope, offset + page_size, self.state.clock() + _PAGE_TOKEN_LIFETIME
            )
        return chunk, page_size, next_token

    # --- recordings ---------------------------------------------------------------------------------

    def _recording(self, ref: str, include_trashed: bool = False) -> dict[str, Any] | None:
        # The gateway already decoded the path once; the segment is decoded once more, so a double-encoded
        # UUID arrives whole.
        key = unquote(ref)
        if key.isdigit():
            candidates = [
                r
                for r in self.state.recordings.values()
                if str(r["id"]) == key and (include_trashed or not r["trashed"])
            ]
            return max(candidates, key=lambda r: r["start_time"]) if candidates else None
        recording = self.state.recordings.get(key)
        return recording if recording is not None and (include_trashed or not recording["trashed"]) else None

    def _public_recording(self, recording: dict[str, Any], request: Request) -> dict[str, Any]:
        """A recording as the REST API shows it: Zoom's recording object has no host_email, timezone, share_url
        or password there, and its `type` is a string."""
        root = request.root_url.rstrip("/")
        answer = {
            key: copy.deepcopy(recording[key])
            for key in (
                "uuid",
                "id",
                "account_id",
                "host_id",
                "topic",
                "start_time",
                "duration",
                "total_size",
                "recording_count",
                "recording_files",
            )
        }
        answer["type"] = str(recording["type"])
        for item in answer["recording_files"]:
            item["download_url"] = f"{root}/rec/download/{item['id']}"
            item["play_url"] = f"https://zoom.example/rec/play/{item['id']}"
        return answer

    def _get_recordings(self, request: Request, ref: str) -> Response:
        if (denied := self._authorized(request)) is not None:
            return denied
        include = {part.strip() for part in request.args.get("include_fields", "").split(",") if part.strip()}
        ttl = DOWNLOAD_ACCESS_TOKEN_LIFETIME
        if "ttl" in request.args:
            raw_ttl = request.args["ttl"]
            if not raw_ttl.isdigit() or int(raw_ttl) > MAX_DOWNLOAD_ACCESS_TTL:
                return _error(400, 300, "Validation Failed.", [{"field": "ttl", "message": "Invalid field."}])
            ttl = int(raw_ttl)
        recording = self._recording(ref)
        if recording is None:
            return _error(404, 3301, "There is no recording for this meeting.")
        answer = self._public_recording(recording, request)
        if "download_access_token" in include:
            answer["download_access_token"] = self.state.download_access_token(recording["uuid"], ttl)
        return _json(200, answer)

    def _delete_recordings(self, request: Request, ref: str) -> Response:
        if (denied := self._authorized(request)) is not None:
            return denied
        action = request.args.get("action", "trash")
        if action not in ("trash", "delete"):
            return _error(400, 300, "Validation Failed.", [{"field": "action", "message": "Invalid field."}])
        # "delete" removes for good, from the trash too (what the web portal's "delete permanently" does).
        recording = self._recording(ref, include_trashed=action == "delete")
        if recording is None:
            return _error(404, 3301, "There is no recording for this meeting.")
        if action == "trash":
            # Kept for 30 days at Zoom, and here for tests to look at (SandboxState.trashed).
            recording["trashed"] = True
            recording["deleted_time"] = _fmt(self.state.now())
        else:
            del self.state.recordings[recording["uuid"]]
            for item in recording["recording_files"]:
                self.state.recording_content.pop(item["id"], None)
        return Response(status=204)

    def _list_recordings(self, request: Request, user: str) -> Response:
        if (denied := self._authorized(request)) is not None:
            return denied
        host = self.state.user(unquote(user))
        if host is None:
            return _error(404, 1001, f"User does not exist: {unquote(user)}.")
        today = self.state.now().date()
        try:
            start = date.fromisoformat(request.args.get("from") or (today - timedelta(days=1)).isoformat())
            end = date.fromisoformat(request.args.get("to") or today.isoformat())
        except ValueError:
            return _error(400, 300, "Validation Failed.", [{"field": "from", "message": "Invalid field."}])
        if end < start:
            return _error(400, 300, "The 'to' date must be after the 'from' date.")
        matching = sorted(
            (
                r
                for r in self.state.recordings.values()
                if r["host_id"] == host.id
                and not r["trashed"]
                and start <= (_parse_utc(r["start_time"]) or self.state.now()).date() <= end
            ),
            key=lambda r: r["start_time"],
        )
        page = self._page(request, ("recordings", host.id, start, end), matching)
        if isinstance(page, Response):
            return page
        items, page_size, token = page
        return _json(
            200,
            {
                "from": start.isoformat(),
                "to": end.isoformat(),
                "page_size": page_size,
                "total_records": len(matching),
                "next_page_token": token,
                "meetings": [self._public_recording(r, request) for r in items],
            },
        )

    def _live_file(self, file_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The (recording, file) a file ID belongs to, unless the recording is trashed or the file gone."""
        if file_id not in self.state.recording_content:
            return None
        for recording in self.state.recordings.values():
            for item in recording["recording_files"]:
                if item["id"] == file_id:
                    return None if recording["trashed"] else (recording, item)
        return None

    def _download(self, request: Request, file_id: str) -> Response:
        # A download URL is a web page of Zoom's, not an API endpoint: whatever goes wrong (no token, an expired
        # or unknown one, a trashed or deleted file), it answers 200 with an HTML page, never an error status.
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else request.args.get("access_token", "")
        found = self._live_file(file_id)
        now = self.state.clock()
        allowed = False
        if token and found is not None:
            recording, _ = found
            oauth_expiry = self.state.tokens.get(token)
            grant = self.state.download_grants.get(token)
            allowed = (oauth_expiry is not None and now < oauth_expiry) or (
                grant is not None and now < grant.expires_at and grant.meeting_uuid == recording["uuid"]
            )
        if not allowed:
            return Response(REFUSED_DOWNLOAD_PAGE, status=200, mimetype="text/html")
        # Like Zoom: one redirect, to a short-lived signed URL on the storage side that needs no token.
        expires = int(now) + CONTENT_URL_LIFETIME
        storage = (self.state.content_base_url or request.root_url).rstrip("/")
        location = f"{storage}/rec/content/{file_id}?expires={expires}&sig={self.state.sign(file_id, expires)}"
        return Response(status=302, headers={"Location": location})

    def _content(self, request: Request, file_id: str) -> Response:
        raw_expires = request.args.get("expires", "")
        signature = request.args.get("sig", "")
        expires = int(raw_expires) if raw_expires.isdigit() else 0
        if not hmac.compare_digest(signature, self.state.sign(file_id, expires)) or self.state.clock() >= expires:
            return Response(_STORAGE_DENIED, status=403, mimetype="application/xml")
        found = self._live_file(file_id)
        if found is None:
            return Response(_STORAGE_MISSING, status=404, mimetype="application/xml")
        _, item = found
        content = self.state.recording_content[file_id]
        extension = str(item["file_extension"]).upper()
        response = Response(
            self.state.file_chunks(file_id),
            status=200,
            content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
            direct_passthrough=True,
        )
        response.headers["Content-Length"] = str(_content_size(content))
        response.headers["Content-Disposition"] = f'attachment; filename="{file_id}.{extension.lower()}"'
        return response

    # --- past meetings ------------------------------------------------------------------------------

    def _held(self, ref: str) -> dict[str, Any] | None:
        key = unquote(ref)  # decoded a second time, as for recordings
        if key.isdigit():
            candidates = [m for m in self.state.past_meetings.values() if str(m["id"]) == key]
            return max(candidates, key=lambda m: m["start_time"]) if candidates else None
        return self.state.past_meetings.get(key)

    def _get_past_meeting(self, request: Request, ref: str) -> Response:
        if (denied := self._authorized(request)) is not None:
            return denied
        held = self._held(ref)
        if held is None:
            return _error(404, 3001, f"Meeting does not exist: {unquote(ref)}.")
        entries = held["participants"]
        answer = {key: held[key] for key in held if key != "participants"}
        answer.update(
            participants_count=len(entries),
            total_minutes=round(sum(e["duration"] for e in entries) / 60),
            source="Zoom",
            has_meeting_summary=False,
        )
        return _json(200, answer)

    def _list_participants(self, request: Request, ref: str) -> Response:
        if (denied := self._authorized(request)) is not None:
            return denied
        held = self._held(ref)
        if held is None:
            return _error(404, 3001, f"Meeting does not exist: {unquote(ref)}.")
        entries = held["participants"]
        page = self._page(request, ("participants", held["uuid"]), entries)
        if isinstance(page, Response):
            return page
        items, page_size, token = page
        return _json(
            200,
            {
                "page_count": max(1, -(-len(entries) // page_size)),
                "page_size": page_size,
                "total_records": len(entries),
                "next_page_token": token,
                "participants": copy.deepcopy(items),
            },
        )

    # --- control endpoints for the dev server (no auth: the sandbox only runs locally) ----------------

    def _control_meetings(self, request: Request) -> Response:
        return _json(200, {"meetings": [self._with_start_url(m) for m in self.state.meetings.values()]})

    def _control_recordings(self, request: Request) -> Response:
        return _json(200, {"recordings": copy.deepcopy(list(self.state.recordings.values()))})

    def _control_calls(self, request: Request) -> Response:
        return _json(200, {"calls": [list(call) for call in self.state.calls]})

    def _control_revoke(self, request: Request) -> Response:
        self.state.revoke_tokens()
        return Response(status=204)

    def _control_fault(self, request: Request) -> Response:
        """`inject` over HTTP, for a sandbox in another process (the dev server's, driven by browser tests).

        JSON: method, path (a regex), and optionally status, body (JSON) and times.
        """
        spec = request.get_json(silent=True)
        if not isinstance(spec, dict) or not spec.get("method") or not spec.get("path"):
            return _error(400, 300, "A fault needs method and path.")
        self.state.inject(
            str(spec["method"]),
            str(spec["path"]),
            status=int(spec["status"]) if spec.get("status") is not None else None,
            times=int(spec.get("times", 1)),
            body=spec.get("body"),
        )
        return Response(status=204)

    def _control_livestreams(self, request: Request) -> Response:
        """What Zoom holds for each meeting's live stream (the key included: this is Zoom's side)."""
        return _json(200, {"livestreams": {str(key): dict(value) for key, value in self.state.livestreams.items()}})

    def _control_add_recording(self, request: Request, meeting_id: str) -> Response:
        try:
            recording = self.state.add_recording(int(meeting_id))
        except KeyError:
            return _error(404, 3001, f"Meeting does not exist: {meeting_id}.")
        return _json(201, recording)


def create_sandbox_app(
    state: SandboxState | None = None,
    account_id: str = "sandbox",
    client_id: str = "sandbox",
    client_secret: str = "sandbox",  # noqa: S107 - the sandbox's well-known local credential
) -> SandboxApp:
    """The sandbox as a WSGI app over `state` (a fresh one with the two sandbox hosts by default)."""
    return SandboxApp(state if state is not None else SandboxState(), account_id, client_id, client_secret)


# --- helpers ----------------------------------------------------------------------------------------------


# What the storage behind the signed content URLs answers when refusing (S3-like XML, as CDNs do).
_STORAGE_DENIED = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code></Error>'
_STORAGE_MISSING = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code></Error>'


def _content_size(content: Content) -> int:
    return content.size if isinstance(content, GeneratedContent) else len(content)


def _cut_off(response: Response, limit: int) -> Response:
    """The same answer and headers, but only the first `limit` bytes of its body; the connection then closes
    (the dev server closes every connection after its answer), so the client sees a body cut short."""

    def first_bytes() -> Iterator[bytes]:
        left = limit
        chunks = response.iter_encoded()
        try:
            for chunk in chunks:
                if left <= 0:
                    return
                piece = chunk[:left]
                left -= len(piece)
                yield piece
        finally:
            response.close()

    headers = response.headers.copy()
    if "Content-Length" not in headers and response.is_sequence:
        headers["Content-Length"] = str(sum(len(chunk) for chunk in response.iter_encoded()))
    return Response(first_bytes(), status=response.status_code, headers=headers, direct_passthrough=True)


def _json(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body),
        status=status,
        headers=Headers(list((headers or {}).items())),
        mimetype="application/json",
    )


def _error(
    status: int,
    code: int,
    message: str,
    errors: list[dict[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    return _json(status, body, headers)


def _fmt(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_utc(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _parse_start(value: Any, timezone: str) -> datetime | None:
    """Zoom's start_time: UTC when it ends in Z, else local time in `timezone`."""
    if not isinstance(value, str) or not _START_TIME_RE.fullmatch(value):
        return None
    if value.endswith("Z"):
        return _parse_utc(value)
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(DEFAULT_TIMEZONE)
    try:
        return datetime.fromisoformat(value).replace(tzinfo=zone).astimezone(UTC)
    except ValueError:
        return None


def _join_url(meeting_id: int, password: str) -> str:
    # Zoom embeds an encoded passcode in the join link; a hash stands in for it here.
    pwd = base64.urlsafe_b64encode(hashlib.sha256(f"{meeting_id}:{password}".encode()).digest()).decode()[:32]
    return f"https://zoom.example/j/{meeting_id}?pwd={pwd}"


def _default_settings() -> dict[str, Any]:
    return {
        "host_video": False,
        "participant_video": False,
        "join_before_host": False,
        "mute_upon_entry": False,
        "waiting_room": False,
        "use_pmi": False,
        "approval_type": 2,
        "auto_recording": "none",
        "breakout_room": {"enable": False},
    }


def _list_item(meeting: dict[str, Any]) -> dict[str, Any]:
    """A meeting as list endpoints show it: no start_url, passcode or settings, agenda shortened."""
    return {
        "uuid": meeting["uuid"],
        "id": meeting["id"],
        "host_id": meeting["host_id"],
        "topic": meeting["topic"],
        "type": meeting["type"],
        "start_time": meeting["start_time"],
        "duration": meeting["duration"],
        "timezone": meeting["timezone"],
        "agenda": str(meeting.get("agenda") or "")[:_LIST_AGENDA_CHARS],
        "created_at": meeting["created_at"],
        "join_url": meeting["join_url"],
    }


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _validate_meeting(body: Mapping[str, Any]) -> list[dict[str, str]]:
    """Zoom-like checks of the fields present (create and update); the failing fields, if any."""
    errors: list[dict[str, str]] = []

    def bad(name: str, message: str = "Invalid field.") -> None:
        errors.append({"field": name, "message": message})

    if "type" in body and (not _is_int(body["type"]) or body["type"] not in _MEETING_TYPES):
        bad("type")
    if "topic" in body and (not isinstance(body["topic"], str) or len(body["topic"]) > 200):
        bad("topic")
    if "agenda" in body and (not isinstance(body["agenda"], str) or len(body["agenda"]) > 2000):
        bad("agenda", "The agenda may not be longer than 2000 characters.")
    # _parse_start is None for anything but Zoom's two forms (UTC with Z, or local time) with a real date.
    if "start_time" in body and _parse_start(body["start_time"], DEFAULT_TIMEZONE) is None:
        bad("start_time")
    if "duration" in body and (not _is_int(body["duration"]) or body["duration"] <= 0):
        bad("duration")
    if "timezone" in body:
        try:
            ZoneInfo(str(body["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            bad("timezone")
    if "password" in body and (not isinstance(body["password"], str) or not _PASSCODE_RE.fullmatch(body["password"])):
        bad("password", "Password can only contain a-z A-Z 0-9 @ - _ * and be at most 10 characters.")
    settings = body.get("settings")
    if settings is not None:
        if not isinstance(settings, dict):
            bad("settings")
        else:
            for flag in ("waiting_room", "join_before_host", "mute_upon_entry", "use_pmi", "host_video"):
                if flag in settings and not isinstance(settings[flag], bool):
                    bad(f"settings.{flag}")
            if "auto_recording" in settings and settings["auto_recording"] not in _AUTO_RECORDING:
                bad("settings.auto_recording")
            if "approval_type" in settings and settings["approval_type"] not in (0, 1, 2):
                bad("settings.approval_type")
            breakout = settings.get("breakout_room")
            if breakout is not None and (
                not isinstance(breakout, dict)
                or not isinstance(breakout.get("enable"), bool)
                or not _valid_rooms(breakout.get("rooms", []))
            ):
                bad("settings.breakout_room")
    return errors


def _valid_rooms(rooms: Any) -> bool:
    """Preset breakout rooms: each a name, optionally participants' addresses; at most 50 presets."""
    if not isinstance(rooms, list) or len(rooms) > 50:
        return False
    for room in rooms:
        if not isinstance(room, dict) or not isinstance(room.get("name"), str) or not room["name"].strip():
            return False
        participants = room.get("participants", [])
        if not isinstance(participants, list) or not all(isinstance(p, str) for p in participants):
            return False
    return True


def _https_url(value: Any, limit: int) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= limit
        and re.fullmatch(r"(?i)(https?|rtmps?)://\S+", value) is not None
    )


def _validate_livestream(body: Mapping[str, Any]) -> list[dict[str, str]]:
    """Zoom's live stream schema: stream_url, stream_key and page_url required (1,024, 512, 1,024 characters)."""
    errors = []
    for name, limit in (("stream_url", 1024), ("page_url", 1024)):
        if not _https_url(body.get(name), limit):
            errors.append({"field": name, "message": "Invalid field."})
    key = body.get("stream_key")
    if not isinstance(key, str) or not key or len(key) > 512:
        errors.append({"field": "stream_key", "message": "Invalid field."})
    if "resolution" in body and body["resolution"] not in ("720p", "1080p"):
        errors.append({"field": "resolution", "message": "Invalid field."})
    return errors


def _validate_poll(body: Mapping[str, Any]) -> list[dict[str, str]]:
    """Zoom's poll schema as far as single and multiple choice go: title ≤ 64, name ≤ 1,024, 2–10 answers."""
    errors: list[dict[str, str]] = []

    def bad(name: str) -> None:
        errors.append({"field": name, "message": "Invalid field."})

    title = body.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > 64:
        bad("title")
    if "poll_type" in body and body["poll_type"] not in (1, 2, 3):
        bad("poll_type")
    if "anonymous" in body and not isinstance(body["anonymous"], bool):
        bad("anonymous")
    questions = body.get("questions")
    if not isinstance(questions, list) or not questions:
        bad("questions")
        return errors
    for index, question in enumerate(questions):
        where = f"questions[{index}]"
        if not isinstance(question, dict):
            bad(where)
            continue
        name = question.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 1024:
            bad(f"{where}.name")
        if question.get("type") not in ("single", "multiple"):
            # The sandbox models only the choice questions; Zoom's other types need fields it does not keep.
            bad(f"{where}.type")
        answers = question.get("answers")
        if (
            not isinstance(answers, list)
            or not 2 <= len(answers) <= 10
            or not all(isinstance(a, str) and a.strip() for a in answers)
        ):
            bad(f"{where}.answers")
    return errors
