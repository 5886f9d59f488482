"""The store port's adapters and the helpers they share."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import asdict
from typing import Any

from vicon.ports import Attachment as _Attachment
from vicon.ports import AuditEntry, OutboxEntry, OutgoingMail, Store

ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def iso(moment: dt.datetime) -> str:
    """UTC ISO 8601 with a Z, second precision: sorts the same as a string and as a time."""
    return moment.astimezone(dt.UTC).strftime(ISO_FORMAT)


def parse_iso(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, ISO_FORMAT).replace(tzinfo=dt.UTC)


def new_outbox_id() -> str:
    return uuid.uuid4().hex


def mail_to_json(mail: OutgoingMail) -> dict[str, Any]:
    data = asdict(mail)
    for attachment in data["attachments"]:
        if attachment["data"] is not None:
            attachment["data"] = attachment["data"].hex()
    data["to"] = list(mail.to)
    return data


def mail_from_json(data: dict[str, Any]) -> OutgoingMail:
    attachments = tuple(
        _Attachment(
            filename=a["filename"],
            content_type=a["content_type"],
            blob_key=a.get("blob_key"),
            data=bytes.fromhex(a["data"]) if a.get("data") is not None else None,
        )
        for a in data.get("attachments", [])
    )
    return OutgoingMail(
        to=tuple(data["to"]),
        subject=data["subject"],
        text=data["text"],
        html=data["html"],
        attachments=attachments,
        kind=data.get("kind", "mail"),
    )


def audit_to_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "request_id": entry.request_id,
        "at": iso(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "from_status": entry.from_status,
        "to_status": entry.to_status,
        "detail": json.loads(json.dumps(entry.detail)),
    }


def audit_from_json(data: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        request_id=data["request_id"],
        at=parse_iso(data["at"]),
        actor=data["actor"],
        action=data["action"],
        from_status=data.get("from_status"),
        to_status=data.get("to_status"),
        detail=data.get("detail") or {},
    )


def history_item(entry: AuditEntry) -> dict[str, str]:
    return {"status": entry.to_status or "", "at": iso(entry.at), "actor": entry.actor}


def outbox_entry(entry_id: str, data: dict[str, Any]) -> OutboxEntry:
    return OutboxEntry(
        id=entry_id,
        mail=mail_from_json(data["mail"]),
        request_id=data.get("request_id"),
        attempts=int(data.get("attempts", 0)),
        next_attempt_at=parse_iso(data["next_attempt_at"]),
        last_error=data.get("last_error"),
        lease=data.get("lease"),
        state=data.get("state", "pending"),
    )


def new_lease() -> str:
    return uuid.uuid4().hex


def store_from_url(url: str, project: str | None = None) -> Store:
    """`sqlite:///relative`, `sqlite:////absolute` or `firestore`."""
    if url.startswith("sqlite:///"):
        from vicon.store.sqlite import SqliteStore

        return SqliteStore(url.removeprefix("sqlite:///"))
    if url == "firestore" or url.startswith("firestore://"):
        from vicon.store.firestore import FirestoreStore

        return FirestoreStore(project=project)
    raise ValueError(f"STORE_URL {url!r}: expected sqlite:///PATH or firestore")
