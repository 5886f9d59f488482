"""Zoom-shaped webhook requests for tests: event bodies as Zoom posts them, and the headers Zoom signs them with.

The bodies follow the event schemas of Zoom's Meetings webhooks reference (`recording.completed`, `meeting.started`,
`meeting.ended`) and, for `endpoint.url_validation`, which that reference leaves out, the prose of Zoom's "Using
webhooks" guide. Where the events disagree with the REST API they are built as the webhook schema says: a
recording's `object.id` and `type` are integers, a meeting event's `object.id` is a string.

The signature is the guide's: `x-zm-signature` = "v0=" + hex(HMAC-SHA256(secret, "v0:{timestamp}:{raw body}")),
`x-zm-request-timestamp` in epoch seconds. Sign the exact bytes that are posted (`event_bytes`), never a
re-serialisation: a receiver hashes what it received.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid as uuid_module
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

ZOOM_USER_AGENT = "Zoom Marketplace/1.0a"  # as in the guide's example headers

# The keys the webhook schema allows on `payload.object` of recording.completed and on each recording file
# (both are additionalProperties: false there).
_RECORDING_OBJECT_KEYS = (
    "id",
    "uuid",
    "host_id",
    "account_id",
    "topic",
    "type",
    "start_time",
    "password",
    "timezone",
    "host_email",
    "duration",
    "share_url",
    "total_size",
    "recording_count",
    "on_prem",
    "recording_play_passcode",
    "auto_delete",
    "auto_delete_date",
    "recording_files",
    "participant_audio_files",
)
_RECORDING_FILE_KEYS = (
    "id",
    "meeting_id",
    "recording_start",
    "recording_end",
    "file_type",
    "file_size",
    "file_extension",
    "file_name",
    "play_url",
    "download_url",
    "file_path",
    "status",
    "recording_type",
)


def event_bytes(event: Mapping[str, Any]) -> bytes:
    """The raw body as Zoom posts it: compact JSON (as JavaScript's JSON.stringify writes it) in UTF-8."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def webhook_signature(secret: str | bytes, body: bytes, timestamp: int) -> str:
    """Zoom's `x-zm-signature` for `body` sent at `timestamp` (epoch seconds)."""
    message = b"v0:" + str(int(timestamp)).encode("ascii") + b":" + body
    return "v0=" + hmac.new(_key(secret), message, hashlib.sha256).hexdigest()


def signed_webhook_headers(secret: str | bytes, body: bytes, timestamp: int | float | datetime) -> dict[str, str]:
    """The headers Zoom sends with a webhook `body` posted at `timestamp` (epoch seconds or an aware datetime)."""
    seconds = int(timestamp.timestamp()) if isinstance(timestamp, datetime) else int(timestamp)
    return {
        "content-type": "application/json; charset=utf-8",
        "user-agent": ZOOM_USER_AGENT,
        "x-zm-request-timestamp": str(seconds),
        "x-zm-signature": webhook_signature(secret, body, seconds),
        "x-zm-request-id": str(uuid_module.uuid4()).replace("-", "_"),
    }


def url_validation_event(plain_token: str | None = None, *, event_ts: int | None = None) -> dict[str, Any]:
    """The challenge Zoom posts when an endpoint is validated (and again every 72 hours)."""
    return {
        "payload": {"plainToken": plain_token or secrets.token_urlsafe(16)},
        "event_ts": _event_ts(event_ts),
        "event": "endpoint.url_validation",
    }


def url_validation_answer(secret: str | bytes, plain_token: str) -> dict[str, str]:
    """What an endpoint must answer to the challenge: the token and its hex HMAC-SHA256 under the secret."""
    encrypted = hmac.new(_key(secret), plain_token.encode("utf-8"), hashlib.sha256).hexdigest()
    return {"plainToken": plain_token, "encryptedToken": encrypted}


def recording_completed_event(
    recording: Mapping[str, Any],
    *,
    download_token: str,
    account_id: str,
    event_ts: int | None = None,
) -> dict[str, Any]:
    """A `recording.completed` event for a Zoom recording object (REST-shaped or as the sandbox stores it).

    The files' `download_url`s are taken as given (Zoom's webhook URLs are /rec/webhook_download/...); keys the
    webhook schema does not allow are left out, `id` and `type` become integers, and `password`, `share_url`,
    `total_size` and `recording_count` (required there) are filled in when missing.
    """
    files = [
        {key: item[key] for key in _RECORDING_FILE_KEYS if key in item}
        for item in recording.get("recording_files") or []
        if isinstance(item, Mapping)
    ]
    for item in files:
        item["file_size"] = int(item.get("file_size") or 0)
    obj: dict[str, Any] = {key: recording[key] for key in _RECORDING_OBJECT_KEYS if key in recording}
    obj.update(
        id=int(recording["id"]),
        type=int(recording.get("type") or 2),
        account_id=str(recording.get("account_id") or account_id),
        password=str(recording.get("password") or ""),
        share_url=str(recording.get("share_url") or ""),
        total_size=sum(item["file_size"] for item in files),
        recording_count=len(files),
        recording_files=files,
    )
    return {
        "event": "recording.completed",
        "event_ts": _event_ts(event_ts),
        "payload": {"account_id": account_id, "object": obj},
        "download_token": download_token,
    }


def meeting_started_event(
    *,
    account_id: str,
    meeting_id: int | str,
    uuid: str,
    host_id: str,
    host_email: str,
    topic: str,
    start_time: datetime | str,
    duration: int,
    timezone: str | None = None,
    meeting_type: int = 2,
    event_ts: int | None = None,
) -> dict[str, Any]:
    """A `meeting.started` event; `object.id` is a string there, unlike everywhere in REST."""
    obj: dict[str, Any] = {
        "id": str(meeting_id),
        "uuid": uuid,
        "host_id": host_id,
        "host_email": host_email,
        "topic": topic,
        "type": int(meeting_type),
        "start_time": _time(start_time),
        "duration": int(duration),
    }
    if timezone:
        obj["timezone"] = timezone
    return {
        "event": "meeting.started",
        "event_ts": _event_ts(event_ts),
        "payload": {"account_id": account_id, "object": obj},
    }


def meeting_ended_event(
    *,
    account_id: str,
    meeting_id: int | str,
    uuid: str,
    host_id: str,
    host_email: str,
    topic: str,
    start_time: datetime | str,
    end_time: datetime | str,
    duration: int,
    timezone: str | None = None,
    meeting_type: int = 2,
    event_ts: int | None = None,
) -> dict[str, Any]:
    """A `meeting.ended` event: `meeting.started`'s object plus `end_time`."""
    event = meeting_started_event(
        account_id=account_id,
        meeting_id=meeting_id,
        uuid=uuid,
        host_id=host_id,
        host_email=host_email,
        topic=topic,
        start_time=start_time,
        duration=duration,
        timezone=timezone,
        meeting_type=meeting_type,
        event_ts=event_ts,
    )
    event["event"] = "meeting.ended"
    event["payload"]["object"]["end_time"] = _time(end_time)
    return event


def _key(secret: str | bytes) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def _event_ts(value: int | None) -> int:
    # Zoom's event_ts is epoch milliseconds (the signature timestamp is seconds).
    return int(value) if value is not None else int(datetime.now(UTC).timestamp() * 1000)


def _time(value: datetime | str) -> str:
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        raise ValueError("event times must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
