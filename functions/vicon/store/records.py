"""How both store adapters write mails, audit entries, outbox rows and jobs as JSON-able records, and read them back."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any, cast, get_args

from vicon.ports import (
    MAX_CLAIM_KINDS,
    Attachment,
    AuditEntry,
    ClaimedJob,
    Job,
    JobPhase,
    JobState,
    OutboxEntry,
    OutgoingMail,
)
from vicon.timefmt import iso, parse_iso

# A job's last error is kept for the console, not as a log: a traceback's head is enough.
JOB_ERROR_LIMIT = 500
JOB_PHASES: frozenset[str] = frozenset(get_args(JobPhase))


def new_outbox_id() -> str:
    return uuid.uuid4().hex


def once_outbox_ids(key: str, count: int) -> list[str]:
    """The outbox ids of the mails queued once under `key` (`Outbox.queue_mail_once`): the same on every call."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]
    return [f"once-{digest}-{n:03d}" for n in range(count)]


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
        queued_at=_optional_time(data.get("queued_at")),
        sent_at=_optional_time(data.get("sent_at")),
    )


def mail_history_order(entry: OutboxEntry) -> tuple[str, str]:
    """Oldest queued first; an entry from before `queued_at` was kept sorts by its due time."""
    return (iso(entry.queued_at or entry.next_attempt_at), entry.id)


def new_lease() -> str:
    return uuid.uuid4().hex


# ---- Jobs -------------------------------------------------------------------------------------------------------
# Both adapters keep a job as the same flat fields (times as `iso` strings) and change it with the same updates,
# so they cannot drift apart: `ready_at` is when the job can next be claimed (its due time, or the end of the
# lease of the claim that holds it), the one field a claim query ranges over and orders by.


def new_job_fields(job: Job) -> dict[str, Any]:
    """The stored fields of `job` as scheduled: pending, never claimed; ValueError if its payload is not JSON."""
    try:
        # Through JSON and back: tuples become lists and anything JSON cannot hold fails here, on both adapters.
        payload = json.loads(json.dumps(job.payload, allow_nan=False))
    except (TypeError, ValueError) as error:
        raise ValueError(f"job {job.key!r}: payload is not JSON-able: {error}") from None
    return {
        "key": job.key,
        "kind": job.kind,
        "state": "pending",
        "due_at": iso(job.due_at),
        "ready_at": iso(job.due_at),
        "request_id": job.request_id,
        "payload": payload,
        "attempts": 0,
        "last_error": None,
        "claims": 0,
        "lease": None,
        "leased_until": None,
        "finished_at": None,
    }


def claim_kinds(kinds: Sequence[str] | None) -> list[str] | None:
    """`kinds` as a list for the query (None: any kind); ValueError beyond what Firestore's `in` takes."""
    if kinds is None:
        return None
    if isinstance(kinds, str):
        raise TypeError("kinds is a sequence of kind names, not one string")
    if len(kinds) > MAX_CLAIM_KINDS:
        raise ValueError(f"at most {MAX_CLAIM_KINDS} kinds per claim, got {len(kinds)}")
    return list(dict.fromkeys(kinds))


def check_lease(lease: dt.timedelta) -> None:
    # Times are kept to the second: a shorter lease would leave a claimed job claimable at the same `now`.
    if lease < dt.timedelta(seconds=1):
        raise ValueError(f"a lease lasts at least one second, got {lease}")


def job_claimable(fields: dict[str, Any], now: dt.datetime) -> bool:
    return bool(fields["state"] == "pending" and fields["ready_at"] <= iso(now))


def job_held(fields: dict[str, Any], lease: str) -> bool:
    """Whether `lease` still holds the job: pending, and no claim since the one that handed out `lease`."""
    return bool(fields["state"] == "pending" and lease and fields.get("lease") == lease)


def job_claim(fields: dict[str, Any], now: dt.datetime, lease: dt.timedelta, token: str) -> dict[str, Any]:
    """The update that leases the job to `token` until `now + lease`."""
    until = iso(now + lease)
    return {"lease": token, "leased_until": until, "ready_at": until, "claims": int(fields.get("claims", 0)) + 1}


def job_move(due_at: dt.datetime) -> dict[str, Any]:
    """The update that makes a pending job due at `due_at`, unheld (retry and reschedule)."""
    return {"due_at": iso(due_at), "ready_at": iso(due_at), "lease": None, "leased_until": None}


def job_finish(now: dt.datetime) -> dict[str, Any]:
    return {"state": "done", "finished_at": iso(now), "lease": None, "leased_until": None}


def _job_failed(fields: dict[str, Any], error: str) -> dict[str, Any]:
    """The part of an update that counts a failed attempt with its error."""
    return {"attempts": int(fields.get("attempts", 0)) + 1, "last_error": error[:JOB_ERROR_LIMIT]}


def job_retry(fields: dict[str, Any], error: str, retry_at: dt.datetime) -> dict[str, Any]:
    return {**_job_failed(fields, error), **job_move(retry_at)}


def job_give_up(fields: dict[str, Any], error: str, now: dt.datetime) -> dict[str, Any]:
    return {**_job_failed(fields, error), "state": "dead", "finished_at": iso(now), "lease": None, "leased_until": None}


def job_reschedule(fields: dict[str, Any], due_at: dt.datetime, now: dt.datetime) -> dict[str, Any] | None:
    """The update that moves a pending job no run holds at `now` (its lease lapsed, if any); None otherwise."""
    held = fields.get("leased_until") is not None and fields["leased_until"] > iso(now)
    return job_move(due_at) if fields["state"] == "pending" and not held else None


def _job(fields: dict[str, Any]) -> Job:
    return Job(
        key=fields["key"],
        kind=fields["kind"],
        due_at=parse_iso(fields["due_at"]),
        payload=fields.get("payload") or {},
        request_id=fields.get("request_id"),
    )


def _optional_time(text: str | None) -> dt.datetime | None:
    return parse_iso(text) if text else None


def job_state(fields: dict[str, Any]) -> JobState:
    state = fields["state"]
    if state not in JOB_PHASES:
        raise ValueError(f"job {fields['key']!r} has an unknown state {state!r}")
    return JobState(
        job=_job(fields),
        state=cast(JobPhase, state),
        attempts=int(fields.get("attempts", 0)),
        last_error=fields.get("last_error"),
        claims=int(fields.get("claims", 0)),
        leased_until=_optional_time(fields.get("leased_until")),
        finished_at=_optional_time(fields.get("finished_at")),
    )


def claimed_job(fields: dict[str, Any]) -> ClaimedJob:
    """The job as the claim that just leased it hands it out."""
    return ClaimedJob(
        job=_job(fields),
        lease=fields["lease"],
        attempts=int(fields.get("attempts", 0)),
        last_error=fields.get("last_error"),
        claims=int(fields.get("claims", 0)),
    )
