"""Zoom's webhook deliveries: checking that Zoom signed them, answering its URL check, reading the events we use.

Zoom signs `v0:{x-zm-request-timestamp}:{raw body}` with the app's secret token (HMAC-SHA256, hex, `v0=` in
front) and sends it in `x-zm-signature`. The raw bytes are hashed as they arrived, never re-serialised JSON. A
delivery older (or newer) than five minutes is refused, so a captured one cannot be replayed later.

The URL check (`endpoint.url_validation`) answers HMAC(secret, plainToken). Answered for any token, that would be
an oracle: a plainToken of `v0:{ts}:{body}` returns a valid signature for a forged body. Every signed message
starts with `v0:`, and Zoom's plainTokens are short base64url strings, so only those are answered; when the
check carries signature headers (Zoom sends them) they must verify as well.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

MAX_CLOCK_SKEW = dt.timedelta(minutes=5)
SIGNATURE_HEADER = "x-zm-signature"
TIMESTAMP_HEADER = "x-zm-request-timestamp"
URL_VALIDATION = "endpoint.url_validation"
RECORDING_COMPLETED = "recording.completed"
MEETING_STARTED = "meeting.started"
MEETING_ENDED = "meeting.ended"
HANDLED_EVENTS = frozenset({RECORDING_COMPLETED, MEETING_STARTED, MEETING_ENDED})
# Zoom's plainTokens are 22 base64url characters; the bound leaves room, the alphabet leaves out ":".
_PLAIN_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,128}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
MAX_BODY_BYTES = 1024 * 1024


class WebhookRefused(Exception):
    """A delivery we do not act on; `status` is the 4xx to answer, `field` what was wrong (header or field)."""

    def __init__(self, status: int, message: str, field: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """What Zoom puts in `x-zm-signature` for `body` sent at `timestamp`."""
    message = b"v0:" + timestamp.encode("ascii") + b":" + body
    return "v0=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_signature(secret: str | None, headers: Mapping[str, str], body: bytes, now: dt.datetime) -> None:
    """Raise WebhookRefused unless Zoom signed exactly `body` within five minutes of `now`."""
    if not secret:
        raise WebhookRefused(
            403, "Webhook Zoom belum dikonfigurasi (ZOOM_WEBHOOK_SECRET kosong); tidak ada yang diproses.", "secret"
        )
    sent = headers.get(SIGNATURE_HEADER, "")
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    if not sent:
        raise WebhookRefused(401, "Header x-zm-signature wajib ada.", SIGNATURE_HEADER)
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise WebhookRefused(401, "Header x-zm-request-timestamp wajib berisi detik Unix.", TIMESTAMP_HEADER)
    sent_at = dt.datetime.fromtimestamp(int(timestamp), dt.UTC)
    if abs(now - sent_at) > MAX_CLOCK_SKEW:
        raise WebhookRefused(401, "Kiriman webhook kedaluwarsa (lebih dari 5 menit).", TIMESTAMP_HEADER)
    # compare_digest over equal-length ASCII: the time taken says nothing about how much of it matched.
    expected = signature(secret, timestamp, body)
    if not _SIGNATURE.fullmatch(sent) or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise WebhookRefused(401, "Tanda tangan webhook tidak cocok.", SIGNATURE_HEADER)


def url_validation_answer(secret: str, plain_token: str) -> dict[str, str]:
    """Zoom's challenge-response: the token and its HMAC under the secret, in hex."""
    if not _PLAIN_TOKEN.fullmatch(plain_token):
        raise WebhookRefused(400, "plainToken tidak berbentuk token Zoom.", "payload.plainToken")
    encrypted = hmac.new(secret.encode(), plain_token.encode(), hashlib.sha256).hexdigest()
    return {"plainToken": plain_token, "encryptedToken": encrypted}


# --- the events, as far as we read them (Zoom adds fields over time: unknown ones are ignored) ------------------


class _ZoomObject(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class MeetingObject(_ZoomObject):
    # A string in `meeting.*` events, a number in `recording.completed`: read as a number either way.
    id: int
    uuid: str
    host_id: str
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None


class RecordingFilePayload(_ZoomObject):
    id: str
    file_type: str | None = None
    file_size: int | None = None
    status: str | None = None


class RecordingObject(MeetingObject):
    host_email: str | None = None
    recording_files: tuple[RecordingFilePayload, ...] = ()


class _Payload(_ZoomObject):
    account_id: str | None = None


class MeetingPayload(_Payload):
    object: MeetingObject


class RecordingPayload(_Payload):
    object: RecordingObject


class MeetingEvent(_ZoomObject):
    event: Literal["meeting.started", "meeting.ended"]
    event_ts: int
    payload: MeetingPayload


class RecordingCompleted(_ZoomObject):
    event: Literal["recording.completed"]
    event_ts: int
    payload: RecordingPayload
    # Valid 24 hours for the files' download_url; later a fresh download_access_token is asked for.
    download_token: str | None = None


class UrlValidation(_ZoomObject):
    class _Challenge(_ZoomObject):
        plain_token: str = Field(alias="plainToken")

    event: Literal["endpoint.url_validation"]
    payload: _Challenge


def parse_body(body: bytes) -> dict[str, Any]:
    """The delivery as a JSON object with an `event` name; WebhookRefused (400) for anything else."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookRefused(400, "Badan webhook harus JSON.", "body") from None
    if not isinstance(data, dict) or not isinstance(data.get("event"), str):
        raise WebhookRefused(400, "Badan webhook harus objek JSON dengan field event.", "event")
    return data


def read_event(data: dict[str, Any]) -> MeetingEvent | RecordingCompleted | None:
    """The event we act on, typed; None for an event we do not handle (acknowledged, then ignored)."""
    model: type[MeetingEvent] | type[RecordingCompleted]
    if data["event"] == RECORDING_COMPLETED:
        model = RecordingCompleted
    elif data["event"] in (MEETING_STARTED, MEETING_ENDED):
        model = MeetingEvent
    else:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as invalid:
        first = invalid.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise WebhookRefused(400, f"Field {where} pada event {data['event']} tidak valid.", where) from None


def read_url_validation(data: dict[str, Any]) -> str:
    try:
        return UrlValidation.model_validate(data).payload.plain_token
    except ValidationError:
        raise WebhookRefused(400, "payload.plainToken wajib ada.", "payload.plainToken") from None


def delivery_key(body: bytes) -> str:
    """One key per distinct delivery: Zoom's retries repeat the body byte for byte."""
    return "webhook:" + hashlib.sha256(body).hexdigest()
