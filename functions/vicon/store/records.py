"""How both store adapters write mails, audit entries and outbox rows as JSON-able records, and read them back."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict
from typing import Any

from vicon.ports import Attachment, AuditEntry, OutboxEntry, OutgoingMail
from vicon.timefmt import iso, parse_iso


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
        Attachment(
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
