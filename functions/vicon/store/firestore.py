"""The production store on Firestore; Google imports happen on first use, not at import."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from vicon.fields import is_complaint_id
from vicon.lifecycle import CleanupState
from vicon.ports import (
    AuditEntry,
    ClaimedJob,
    ComplaintAnswered,
    ComplaintExists,
    ComplaintNotFound,
    Job,
    JobState,
    OutboxEntry,
    OutgoingMail,
    RateBucket,
    RequestExists,
    RequestNotFound,
    StaffSession,
    TransitionRefused,
)
from vicon.records import (
    QUEUE_FIELDS,
    REPORTED_FIELD_PATHS,
    ComplaintRecord,
    ComplaintStatus,
    QueueEntry,
    ReportedRequest,
    RequestChanges,
    RequestRecord,
    reported_request,
)
from vicon.store.records import (
    audit_from_json,
    audit_to_json,
    check_lease,
    claim_kinds,
    claimed_job,
    history_item,
    job_claim,
    job_claimable,
    job_finish,
    job_give_up,
    job_held,
    job_reschedule,
    job_retry,
    job_state,
    mail_history_order,
    mail_to_json,
    new_job_fields,
    new_lease,
    new_outbox_id,
    once_outbox_ids,
    outbox_entry,
)
from vicon.timefmt import iso, parse_iso

# Writes are optimistic: read, then commit a batch whose main write carries the read's update time as a
# precondition; a lost race re-reads and tries again. No locks are held, so contention (twenty submissions on
# one counter, twenty approvals of one request) costs a few round trips instead of lock timeouts.
CONTENTION_DEADLINE_SECONDS = 60.0
T = TypeVar("T")
# Slots that ended this long ago are dropped from a host's document when it is next written.
SLOT_RETENTION = dt.timedelta(days=2)
# Each preconditioned write of a request also writes a fresh id here. The client library retries a commit whose
# answer was lost; the retry then fails its precondition, and finding our own id tells "already applied" apart
# from "someone else wrote first". Never part of the records the port hands out.
WRITE_ID = "_write_id"


# A job's schedule writes its own id here once, never overwritten: WRITE_ID is replaced by the next write (a claim
# can follow within milliseconds), and a schedule whose answer was lost must still recognise its create.
SCHEDULE_ID = "_schedule_id"
# A claim asks again for the jobs it lost to another claim, this many times at most: each round that loses one
# means another claim won it, so more rounds only help against many claims racing at once.
CLAIM_ROUNDS = 5
# Done jobs deleted per batch by prune_jobs (a batch takes at most 500 writes).
PRUNE_PAGE = 200
# The console's queue reads requests in pages of this many documents until enough match.
QUEUE_PAGE = 200


def _without_write_id(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key != WRITE_ID}


def _record(snapshot: Any) -> RequestRecord:
    return RequestRecord.from_stored(_without_write_id(snapshot.to_dict()))


class FirestoreStore:
    """Store port on Firestore. Each multi-document write is one atomic batch, with no side effects inside."""

    def __init__(self, project: str | None = None, client: Any = None, collection_prefix: str = "") -> None:
        self._project = project
        self._client = client
        self._prefix = collection_prefix

    @property
    def client(self) -> Any:
        if self._client is None:
            from google.cloud import firestore

            self._client = firestore.Client(project=self._project)
        return self._client

    def _collection(self, name: str) -> Any:
        return self.client.collection(self._prefix + name)

    def _optimistic(self, ref: Any, build: Callable[[Any, Any], T], write_id: str | None = None) -> T:
        """Commit the batch `build(snapshot, batch)` fills, retrying while another writer got there first.

        With `write_id` (which `build` writes into `ref`'s document), a refused commit whose document already
        carries that id was our own, applied before its answer was lost: its result stands.
        """
        from google.api_core import exceptions

        deadline = time.monotonic() + CONTENTION_DEADLINE_SECONDS
        delay = 0.005
        while True:
            snapshot = ref.get()
            batch = self.client.batch()
            result = build(snapshot, batch)
            try:
                batch.commit()
                return result
            except (exceptions.FailedPrecondition, exceptions.Aborted, exceptions.AlreadyExists):
                if write_id is not None and self._carries(ref, write_id):
                    return result
                if time.monotonic() + delay > deadline:
                    raise
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.5)

    @staticmethod
    def _carries(ref: Any, write_id: str) -> bool:
        snapshot = ref.get()
        return bool(snapshot.exists and (snapshot.to_dict() or {}).get(WRITE_ID) == write_id)

    def _unchanged_since(self, snapshot: Any) -> Any:
        """The precondition that the document is still as `snapshot` saw it."""
        return self.client.write_option(last_update_time=snapshot.update_time)

    def _increment(self, ref: Any, field: str) -> int:
        """Add one to a counter document's `field` (creating it at 1) and return the new value."""

        def add_one(snapshot: Any, batch: Any) -> int:
            if not snapshot.exists:
                batch.create(ref, {field: 1})
                return 1
            value = int(snapshot.to_dict()[field]) + 1
            batch.update(ref, {field: value}, option=self._unchanged_since(snapshot))
            return value

        return self._optimistic(ref, add_one)

    def next_request_number(self, year: int) -> int:
        return self._increment(self._collection("counters").document(f"requests-{year}"), "value")

    def _subject_ref(self, subject_id: str) -> Any:
        """The document an audit trail hangs under: the complaint's for a complaint id, else the request's."""
        return self._collection("complaints" if is_complaint_id(subject_id) else "requests").document(subject_id)

    def _append(
        self, batch: Any, audit: AuditEntry, outbox: Sequence[OutgoingMail], sequence: int, suffix: str = ""
    ) -> None:
        request_ref = self._subject_ref(audit.request_id)
        # The position in the request's history orders the trail; the precondition on the request makes it unique.
        batch.set(request_ref.collection("audit").document(f"{sequence:06d}{suffix}"), audit_to_json(audit))
        for mail in outbox:
            self._queue_mail(batch, audit.request_id, audit.at, mail)

    @staticmethod
    def _outbox_fields(request_id: str | None, at: dt.datetime, mail: OutgoingMail) -> dict[str, Any]:
        return {
            "request_id": request_id,
            "state": "pending",
            "next_attempt_at": iso(at),
            "mail": mail_to_json(mail),
            "attempts": 0,
            "last_error": None,
            "queued_at": iso(at),
        }

    def _queue_mail(self, batch: Any, request_id: str | None, at: dt.datetime, mail: OutgoingMail) -> None:
        batch.set(self._collection("outbox").document(new_outbox_id()), self._outbox_fields(request_id, at, mail))

    def queue_mail_once(
        self, key: str, mails: Sequence[OutgoingMail], now: dt.datetime, request_id: str | None = None
    ) -> bool:
        from google.api_core import exceptions

        ids = once_outbox_ids(key, len(mails))
        if not ids:
            return True
        batch = self.client.batch()
        for entry_id, mail in zip(ids, mails, strict=True):
            # create(): the whole batch fails if the first (or any) entry of this key exists.
            batch.create(self._collection("outbox").document(entry_id), self._outbox_fields(request_id, now, mail))
        try:
            batch.commit()
        except exceptions.AlreadyExists:
            return False
        return True

    def create_request(self, request: RequestRecord, audit: AuditEntry, outbox: Sequence[OutgoingMail]) -> None:
        record = dict(request.to_stored(), history=[history_item(audit)])
        if not self._create_with_audit(self._collection("requests").document(request.id), record, audit, outbox):
            raise RequestExists(request.id)

    def _create_with_audit(
        self, ref: Any, record: dict[str, Any], audit: AuditEntry, outbox: Sequence[OutgoingMail]
    ) -> bool:
        """Create the document `ref` with its first audit entry and its mails, all or nothing; False (nothing
        written) when another document already holds that id."""
        from google.api_core import exceptions

        batch = self.client.batch()
        # create() fails the whole batch if the id exists: no second document, audit entry or mail.
        batch.create(ref, record)
        self._append(batch, audit, outbox, sequence=0)
        try:
            batch.commit()
        except exceptions.AlreadyExists:
            snapshot = ref.get()
            # True: our own commit, applied before its answer was lost and retried by the client.
            return bool(snapshot.exists and _without_write_id(snapshot.to_dict() or {}) == record)
        return True

    def get_request(self, request_id: str) -> RequestRecord | None:
        if not request_id or "/" in request_id:
            return None
        snapshot = self._collection("requests").document(request_id).get()
        return _record(snapshot) if snapshot.exists else None

    def transition(
        self,
        request_id: str,
        from_statuses: Sequence[str],
        to_status: str,
        audit: AuditEntry,
        changes: RequestChanges | None = None,
        outbox: Sequence[OutgoingMail] = (),
    ) -> RequestRecord:
        ref = self._collection("requests").document(request_id)
        write_id = uuid.uuid4().hex

        def apply(snapshot: Any, batch: Any) -> RequestRecord:
            if not snapshot.exists:
                raise RequestNotFound(request_id)
            record: dict[str, Any] = _without_write_id(snapshot.to_dict())
            if record["status"] not in from_statuses:
                raise TransitionRefused(request_id, record["status"])
            update = changes.to_stored() if changes else {}
            update["status"] = to_status
            update["history"] = [*record.get("history", []), history_item(audit)]
            batch.update(ref, {**update, WRITE_ID: write_id}, option=self._unchanged_since(snapshot))
            self._append(batch, audit, outbox, sequence=len(update["history"]) - 1)
            return RequestRecord.from_stored({**record, **update})

        return self._optimistic(ref, apply, write_id)

    def update_request(self, request_id: str, changes: RequestChanges) -> RequestRecord:
        ref = self._collection("requests").document(request_id)
        write_id = uuid.uuid4().hex
        update = changes.to_stored()

        def apply(snapshot: Any, batch: Any) -> RequestRecord:
            if not snapshot.exists:
                raise RequestNotFound(request_id)
            batch.update(ref, {**update, WRITE_ID: write_id}, option=self._unchanged_since(snapshot))
            return RequestRecord.from_stored({**_without_write_id(snapshot.to_dict()), **update})

        return self._optimistic(ref, apply, write_id)

    def modify_request(
        self, request_id: str, change: Callable[[RequestRecord], RequestChanges | None]
    ) -> RequestRecord:
        ref = self._collection("requests").document(request_id)
        write_id = uuid.uuid4().hex

        def apply(snapshot: Any, batch: Any) -> RequestRecord:
            if not snapshot.exists:
                raise RequestNotFound(request_id)
            stored = _without_write_id(snapshot.to_dict())
            # Run again on every retry of the batch: it decides from what it replaces, and only computes.
            changes = change(RequestRecord.from_stored(stored))
            if changes is None:
                return RequestRecord.from_stored(stored)
            update = changes.to_stored()
            batch.update(ref, {**update, WRITE_ID: write_id}, option=self._unchanged_since(snapshot))
            return RequestRecord.from_stored({**stored, **update})

        return self._optimistic(ref, apply, write_id)

    def request_by_meeting(self, meeting_id: int) -> RequestRecord | None:
        from google.cloud.firestore import FieldFilter

        # A single-field equality: Firestore's automatic index serves it, no composite index needed.
        query = self._collection("requests").where(filter=FieldFilter("meeting.id", "==", meeting_id)).limit(1)
        found = [_record(snapshot) for snapshot in query.stream()]
        return found[0] if found else None

    def record_audit(self, audit: AuditEntry, outbox: Sequence[OutgoingMail] = ()) -> None:
        snapshot = self._subject_ref(audit.request_id).get()
        position = max(len((snapshot.to_dict() or {}).get("history", [])) - 1, 0) if snapshot.exists else 0
        batch = self.client.batch()
        # Sorts right after the transition it followed; the suffix keeps concurrent entries apart.
        self._append(batch, audit, outbox, sequence=position, suffix=f"-{time.time_ns():020d}")
        batch.commit()

    # ---- Complaints: their own collection, the audit trail under each, mails in the one outbox ------------------

    def next_complaint_number(self, year: int) -> int:
        return self._increment(self._collection("counters").document(f"complaints-{year}"), "value")

    def create_complaint(self, complaint: ComplaintRecord, audit: AuditEntry, outbox: Sequence[OutgoingMail]) -> None:
        ref = self._collection("complaints").document(complaint.id)
        if not self._create_with_audit(ref, complaint.to_stored(), audit, outbox):
            raise ComplaintExists(complaint.id)

    def get_complaint(self, complaint_id: str) -> ComplaintRecord | None:
        if not complaint_id or "/" in complaint_id:
            return None
        snapshot = self._collection("complaints").document(complaint_id).get()
        return ComplaintRecord.from_stored(_without_write_id(snapshot.to_dict())) if snapshot.exists else None

    def answer_complaint(
        self,
        complaint_id: str,
        answer: str,
        by: str,
        at: dt.datetime,
        audit: AuditEntry,
        outbox: Sequence[OutgoingMail] = (),
    ) -> ComplaintRecord:
        ref = self._collection("complaints").document(complaint_id)
        write_id = uuid.uuid4().hex

        def apply(snapshot: Any, batch: Any) -> ComplaintRecord:
            if not snapshot.exists:
                raise ComplaintNotFound(complaint_id)
            stored = _without_write_id(snapshot.to_dict())
            current = ComplaintRecord.from_stored(stored)
            if current.status != ComplaintStatus.OPEN:
                raise ComplaintAnswered(complaint_id, current.answered_by)
            update = {"status": ComplaintStatus.ANSWERED.value, "answer": answer, "answered_by": by}
            update["answered_at"] = iso(at)
            answered = ComplaintRecord.from_stored({**stored, **update})
            # Preconditioned on the read: of two answers at once, the second commit fails, reads again, and is
            # refused. The create was audit entry 0; the answer, which happens once, is entry 1.
            batch.update(ref, {**update, WRITE_ID: write_id}, option=self._unchanged_since(snapshot))
            self._append(batch, audit, outbox, sequence=1)
            return answered

        return self._optimistic(ref, apply, write_id)

    def complaints_received_between(self, start: dt.datetime, end: dt.datetime) -> list[ComplaintRecord]:
        from google.cloud.firestore import FieldFilter

        # A range and an order on one field: Firestore's single-field index serves it, no composite index.
        query = (
            self._collection("complaints")
            .where(filter=FieldFilter("received_at", ">=", iso(start)))
            .where(filter=FieldFilter("received_at", "<", iso(end)))
            .order_by("received_at")
        )
        complaints = [ComplaintRecord.from_stored(_without_write_id(s.to_dict())) for s in query.stream()]
        return sorted(complaints, key=lambda complaint: (complaint.received_at, complaint.id))

    def claim_host_slot(
        self,
        request_id: str,
        hosts: Sequence[str],
        start: dt.datetime,
        end: dt.datetime,
        buffer: dt.timedelta,
        now: dt.datetime,
    ) -> str | None:
        # Pruned against the caller's clock, never the machine's: a test (or a replay) holds its own date.
        prune_before = iso(now - SLOT_RETENTION)
        claim_ref = self._collection("slot_claims").document(request_id)
        held = claim_ref.get()
        if held.exists:
            return str(held.to_dict()["host"])
        slot = {"start": iso(start), "end": iso(end)}
        window_start, window_end = iso(start - buffer), iso(end + buffer)
        for host in hosts:
            host_ref = self._collection("host_slots").document(host)

            def claim(snapshot: Any, batch: Any, host: str = host, host_ref: Any = host_ref) -> str | None:
                # Read inside the retried step: a concurrent claim for this request on another host wins.
                held = claim_ref.get()
                if held.exists:
                    return str(held.to_dict()["host"])
                slots = dict((snapshot.to_dict() or {}).get("slots", {})) if snapshot.exists else {}
                if any(other["start"] < window_end and other["end"] > window_start for other in slots.values()):
                    return None
                slots = {key: value for key, value in slots.items() if value["end"] >= prune_before}
                slots[request_id] = slot
                if snapshot.exists:
                    batch.update(host_ref, {"slots": slots}, option=self._unchanged_since(snapshot))
                else:
                    batch.create(host_ref, {"slots": slots})
                batch.create(claim_ref, {"host": host, **slot})
                return host

            claimed = self._optimistic(host_ref, claim)
            if claimed is not None:
                return claimed
        return None

    def held_host(self, request_id: str) -> str | None:
        held = self._collection("slot_claims").document(request_id).get()
        return str(held.to_dict()["host"]) if held.exists else None

    def release_host_slot(self, request_id: str) -> None:
        claim_ref = self._collection("slot_claims").document(request_id)
        held = claim_ref.get()
        if not held.exists:
            return
        host_ref = self._collection("host_slots").document(held.to_dict()["host"])

        def release(snapshot: Any, batch: Any) -> None:
            slots = dict((snapshot.to_dict() or {}).get("slots", {})) if snapshot.exists else {}
            if request_id in slots:
                del slots[request_id]
                batch.update(host_ref, {"slots": slots}, option=self._unchanged_since(snapshot))
            batch.delete(claim_ref)

        self._optimistic(host_ref, release)

    def host_slots(self, host: str) -> list[tuple[str, dt.datetime, dt.datetime]]:
        snapshot = self._collection("host_slots").document(host).get()
        slots = (snapshot.to_dict() or {}).get("slots", {}) if snapshot.exists else {}
        rows = [(key, parse_iso(value["start"]), parse_iso(value["end"])) for key, value in slots.items()]
        return sorted(rows, key=lambda row: row[1])

    def _usage_ref(self, host: str, day: dt.date) -> Any:
        return self._collection("zoom_usage").document(f"{host}_{day.isoformat()}")

    def count_zoom_call(self, host: str, day: dt.date) -> int:
        return self._increment(self._usage_ref(host, day), "calls")

    def zoom_calls(self, host: str, day: dt.date) -> int:
        snapshot = self._usage_ref(host, day).get()
        return int(snapshot.to_dict()["calls"]) if snapshot.exists else 0

    def set_zoom_calls(self, host: str, day: dt.date, count: int) -> None:
        ref = self._usage_ref(host, day)

        def raise_to(snapshot: Any, batch: Any) -> None:
            if not snapshot.exists:
                batch.create(ref, {"calls": count})
            elif int(snapshot.to_dict()["calls"]) < count:
                batch.update(ref, {"calls": count}, option=self._unchanged_since(snapshot))

        self._optimistic(ref, raise_to)

    def requests_by_status(
        self, status: str, starting_after: dt.datetime | None = None, limit: int = 100
    ) -> list[RequestRecord]:
        from google.cloud.firestore import FieldFilter

        query = self._collection("requests").where(filter=FieldFilter("status", "==", status))
        if starting_after is not None:
            # Needs the composite index (status, start) of infra/firestore.tf in production.
            query = query.where(filter=FieldFilter("start", ">", iso(starting_after)))
        records = [_record(snapshot) for snapshot in query.stream()]
        return sorted(records, key=lambda record: record.start)[:limit]

    def requests_due(self, status: str, now: dt.datetime, limit: int = 50) -> list[RequestRecord]:
        from google.cloud.firestore import FieldFilter

        # Needs the composite index (status, next_provisioning_at) of infra/firestore.tf. A range
        # filter on a string never matches null, so requests that wait for nothing are not read at all.
        query = (
            self._collection("requests")
            .where(filter=FieldFilter("status", "==", status))
            .where(filter=FieldFilter("next_provisioning_at", "<=", iso(now)))
            .order_by("next_provisioning_at")
            .limit(limit)
        )
        return [_record(snapshot) for snapshot in query.stream()]

    def requests_pending_cleanup(self, limit: int = 100) -> list[RequestRecord]:
        from google.cloud.firestore import FieldFilter

        pending = FieldFilter("meeting_cleanup", "==", CleanupState.PENDING.value)
        query = self._collection("requests").where(filter=pending).limit(limit)
        records = [_record(snapshot) for snapshot in query.stream()]
        return sorted(records, key=lambda record: (record.start, record.id))

    def take_rate_limit(self, buckets: Sequence[RateBucket], now: dt.datetime) -> RateBucket | None:
        from google.api_core import exceptions

        refs = [self._collection("rate_limits").document(bucket.key) for bucket in buckets]
        deadline = time.monotonic() + CONTENTION_DEADLINE_SECONDS
        delay = 0.005
        while True:
            # One batch over every bucket, each write preconditioned on what was read: all counted or none.
            snapshots = [ref.get() for ref in refs]
            batch = self.client.batch()
            for bucket, ref, snapshot in zip(buckets, refs, snapshots, strict=True):
                data = snapshot.to_dict() if snapshot.exists else None
                count = int(data["count"]) if data and data["window_end"] > iso(now) else 0
                if count >= bucket.limit:
                    return bucket
                # `expires_at` is a timestamp so a Firestore TTL policy can delete spent windows.
                counted = {"count": count + 1, "window_end": iso(bucket.window_end), "expires_at": bucket.window_end}
                if snapshot.exists:
                    batch.update(ref, counted, option=self._unchanged_since(snapshot))
                else:
                    batch.create(ref, counted)
            try:
                batch.commit()
                return None
            except (exceptions.FailedPrecondition, exceptions.Aborted, exceptions.AlreadyExists):
                if time.monotonic() + delay > deadline:
                    raise
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.5)

    def requests_starting_between(self, start: dt.datetime, end: dt.datetime) -> list[RequestRecord]:
        from google.cloud.firestore import FieldFilter

        query = (
            self._collection("requests")
            .where(filter=FieldFilter("start", ">=", iso(start)))
            .where(filter=FieldFilter("start", "<", iso(end)))
            .order_by("start")
        )
        records = [_record(snapshot) for snapshot in query.stream()]
        return sorted(records, key=lambda record: (record.start, record.id))

    def reported_requests_between(self, start: dt.datetime, end: dt.datetime) -> list[ReportedRequest]:
        from google.cloud.firestore import FieldFilter

        # Only the projection's fields cross the wire (a field mask): no participants, letter or contact.
        query = (
            self._collection("requests")
            .where(filter=FieldFilter("start", ">=", iso(start)))
            .where(filter=FieldFilter("start", "<", iso(end)))
            .select(REPORTED_FIELD_PATHS)
        )
        records = [reported_request(snapshot.to_dict() or {}) for snapshot in query.stream()]
        return sorted(records, key=lambda record: (record.start, record.id))

    def audit_trail(self, request_id: str) -> list[AuditEntry]:
        audit = self._subject_ref(request_id).collection("audit")
        snapshots = sorted(audit.stream(), key=lambda snapshot: snapshot.id)
        return [audit_from_json(snapshot.to_dict()) for snapshot in snapshots]

    def _outbox_in_state(self, state: str, request_id: str | None = None) -> list[tuple[Any, dict[str, Any]]]:
        from google.cloud.firestore import FieldFilter

        query = self._collection("outbox").where(filter=FieldFilter("state", "==", state))
        if request_id is not None:
            query = query.where(filter=FieldFilter("request_id", "==", request_id))
        rows = [(snapshot.reference, snapshot.to_dict()) for snapshot in query.stream()]
        return sorted(rows, key=lambda row: row[1]["next_attempt_at"])

    def _pending(self, request_id: str | None = None) -> list[tuple[Any, dict[str, Any]]]:
        return self._outbox_in_state("pending", request_id)

    def _due(self, now: dt.datetime, limit: int, request_id: str | None) -> list[Any]:
        """References of at most `limit` due pending entries, oldest first, read by the query alone.

        Needs the composite indexes (state, next_attempt_at) and (request_id, state, next_attempt_at) of
        infra/firestore.tf: without the range and limit in the query, every tick read the whole outbox.
        """
        from google.cloud.firestore import FieldFilter

        query = self._collection("outbox").where(filter=FieldFilter("state", "==", "pending"))
        if request_id is not None:
            query = query.where(filter=FieldFilter("request_id", "==", request_id))
        query = (
            query.where(filter=FieldFilter("next_attempt_at", "<=", iso(now))).order_by("next_attempt_at").limit(limit)
        )
        return [snapshot.reference for snapshot in query.stream()]

    def claim_due_mail(
        self, now: dt.datetime, lease: dt.timedelta, limit: int = 50, request_id: str | None = None
    ) -> list[OutboxEntry]:
        claimed = []
        for ref in self._due(now, limit, request_id):

            def lease_one(snapshot: Any, batch: Any, ref: Any = ref) -> dict[str, Any] | None:
                data = snapshot.to_dict() if snapshot.exists else None
                if not data or data["state"] != "pending" or data["next_attempt_at"] > iso(now):
                    return None  # another tick took it meanwhile; the empty batch commits nothing
                # A fresh token per claim: whoever claimed before and lost the lease can no longer mark the entry.
                token = new_lease()
                claim = {"next_attempt_at": iso(now + lease), "lease": token, "claimed_at": iso(now)}
                batch.update(ref, claim, option=self._unchanged_since(snapshot))
                return dict(data, lease=token, claimed_at=claim["claimed_at"])

            data = self._optimistic(ref, lease_one)
            if data is not None:
                claimed.append(outbox_entry(ref.id, data))
        return claimed

    def _if_leased(
        self,
        entry_id: str,
        lease: str,
        fields: Callable[[dict[str, Any]], dict[str, Any]],
        notices: Sequence[OutgoingMail] = (),
        now: dt.datetime | None = None,
    ) -> bool:
        """Update the entry with `fields(data)` (and queue `notices`) only while `lease` holds it, in one batch."""
        ref = self._collection("outbox").document(entry_id)

        def apply(snapshot: Any, batch: Any) -> bool:
            data = snapshot.to_dict() if snapshot.exists else None
            if not data or data.get("state") != "pending" or data.get("lease") != lease:
                return False  # the lease expired and another run holds (or finished) the entry
            batch.update(ref, {**fields(data), "lease": None}, option=self._unchanged_since(snapshot))
            for notice in notices:
                self._queue_mail(batch, data.get("request_id"), now or parse_iso(data["next_attempt_at"]), notice)
            return True

        return self._optimistic(ref, apply)

    def mail_sent(self, entry_id: str, lease: str) -> bool:
        # The send that succeeded started at its claim (entries are claimed one at a time, just before sending).
        return self._if_leased(entry_id, lease, lambda data: {"state": "sent", "sent_at": data.get("claimed_at")})

    def mail_failed(self, entry_id: str, lease: str, error: str, retry_at: dt.datetime) -> bool:
        return self._if_leased(
            entry_id,
            lease,
            lambda data: {
                "attempts": int(data.get("attempts", 0)) + 1,
                "last_error": error[:500],
                "next_attempt_at": iso(retry_at),
            },
        )

    def mail_dead(
        self, entry_id: str, lease: str, error: str, now: dt.datetime, notices: Sequence[OutgoingMail] = ()
    ) -> bool:
        return self._if_leased(
            entry_id,
            lease,
            lambda data: {
                "state": "dead",
                "attempts": int(data.get("attempts", 0)) + 1,
                "last_error": error[:500],
                "next_attempt_at": iso(now),
            },
            notices,
            now,
        )

    def pending_mail(self, request_id: str | None = None) -> list[OutboxEntry]:
        return [outbox_entry(ref.id, data) for ref, data in self._pending(request_id)]

    def dead_mail(self, request_id: str | None = None) -> list[OutboxEntry]:
        return [outbox_entry(ref.id, data) for ref, data in self._outbox_in_state("dead", request_id)]

    def mail_history(self, request_id: str) -> list[OutboxEntry]:
        from google.cloud.firestore import FieldFilter

        # A single-field equality: Firestore's automatic index serves it.
        query = self._collection("outbox").where(filter=FieldFilter("request_id", "==", request_id))
        entries = [outbox_entry(snapshot.id, snapshot.to_dict()) for snapshot in query.stream()]
        return sorted(entries, key=mail_history_order)

    # ---- the staff console -------------------------------------------------------------------------------------

    def _session_ref(self, token_hash: str) -> Any:
        return self._collection("staff_sessions").document(token_hash)

    def create_session(self, token_hash: str, email: str, created: dt.datetime, expires: dt.datetime) -> None:
        # `expires_at` is a timestamp so a Firestore TTL policy can delete spent sessions; the string is compared.
        self._session_ref(token_hash).set(
            {"email": email, "created_at": iso(created), "expires": iso(expires), "expires_at": expires}
        )

    def get_session(self, token_hash: str) -> StaffSession | None:
        if not token_hash or "/" in token_hash:
            return None
        snapshot = self._session_ref(token_hash).get()
        if not snapshot.exists:
            return None
        data = snapshot.to_dict()
        return StaffSession(token_hash, data["email"], parse_iso(data["created_at"]), parse_iso(data["expires"]))

    def end_session(self, token_hash: str) -> None:
        if token_hash and "/" not in token_hash:
            self._session_ref(token_hash).delete()

    def consume_login(self, nonce: str, expires: dt.datetime, now: dt.datetime) -> bool:
        from google.api_core import exceptions

        # The id is the nonce's digest: any text fits, and the nonce itself is never a document name.
        ref = self._collection("staff_logins").document(hashlib.sha256(nonce.encode()).hexdigest())
        consume_id = uuid.uuid4().hex
        try:
            ref.create({"consumed_at": iso(now), "expires_at": expires, SCHEDULE_ID: consume_id})
        except exceptions.AlreadyExists:
            snapshot = ref.get()
            # Our own create, applied before its answer was lost and retried by the client, still consumed it.
            return bool(snapshot.exists and (snapshot.to_dict() or {}).get(SCHEDULE_ID) == consume_id)
        return True

    def queue_requests(
        self,
        status: str | None,
        opd: str | None,
        start_from: dt.datetime | None,
        start_before: dt.datetime | None,
        limit: int,
        matches: Callable[[QueueEntry], bool] | None = None,
    ) -> list[QueueEntry]:
        """Needs the composite indexes (status, start), (opd, start) and (opd, status, start) of
        infra/firestore.indexes.json (document ids order ties: every index ends with __name__)."""
        from google.cloud.firestore import FieldFilter

        query = self._collection("requests")
        if status is not None:
            query = query.where(filter=FieldFilter("status", "==", status))
        if opd is not None:
            query = query.where(filter=FieldFilter("opd", "==", opd))
        if start_from is not None:
            query = query.where(filter=FieldFilter("start", ">=", iso(start_from)))
        if start_before is not None:
            query = query.where(filter=FieldFilter("start", "<", iso(start_before)))
        # Only what the queue shows and searches: a page of requests is a third of the bytes.
        query = query.select(QUEUE_FIELDS).order_by("start").order_by("__name__")
        found: list[QueueEntry] = []
        last = None
        while len(found) < limit:
            page = (query.start_after(last) if last is not None else query).limit(QUEUE_PAGE)
            snapshots = list(page.stream())
            for snapshot in snapshots:
                record = QueueEntry.from_stored(snapshot.to_dict())
                if matches is None or matches(record):
                    found.append(record)
                    if len(found) == limit:
                        break
            if len(snapshots) < QUEUE_PAGE:
                break
            last = snapshots[-1]
        return found

    # ---- Jobs ----------------------------------------------------------------------------------------------------

    def _job_ref(self, key: str) -> Any:
        # Keys may hold "/" and be long (a document id is at most 1500 bytes, without "/"): the id is the key's
        # SHA-256, and the key itself is a field.
        return self._collection("jobs").document(hashlib.sha256(key.encode()).hexdigest())

    @staticmethod
    def _job_fields(snapshot: Any) -> dict[str, Any] | None:
        """The fields of records.new_job_fields, or None when there is no job."""
        if not snapshot.exists:
            return None
        data = {name: value for name, value in snapshot.to_dict().items() if name not in (WRITE_ID, SCHEDULE_ID)}
        # The payload is kept as JSON text, which round-trips any JSON exactly (as SQLite's row does); as a map,
        # Firestore would refuse arrays of arrays and keys such as "__x__".
        data["payload"] = json.loads(data["payload"])
        return data

    def schedule_job(self, job: Job) -> bool:
        from google.api_core import exceptions

        fields = new_job_fields(job)
        ref = self._job_ref(job.key)
        schedule_id = uuid.uuid4().hex
        try:
            ref.create({**fields, "payload": json.dumps(fields["payload"]), SCHEDULE_ID: schedule_id})
        except exceptions.AlreadyExists:
            snapshot = ref.get()
            # Our own create, applied before its answer was lost and retried by the client, is still new.
            return bool(snapshot.exists and (snapshot.to_dict() or {}).get(SCHEDULE_ID) == schedule_id)
        return True

    def _change_job(self, ref: Any, change: Callable[[dict[str, Any]], dict[str, Any] | None]) -> dict[str, Any] | None:
        """Apply the update `change(fields)` returns, preconditioned on the read; the job's new fields, or None.

        None when there is no job or `change` returns None (nothing written). A refused commit that carries
        our write id was our own, applied before its answer was lost: its result stands.
        """
        write_id = uuid.uuid4().hex

        def apply(snapshot: Any, batch: Any) -> dict[str, Any] | None:
            fields = self._job_fields(snapshot)
            update = change(fields) if fields is not None else None
            if fields is None or update is None:
                return None  # the empty batch commits nothing
            batch.update(ref, {**update, WRITE_ID: write_id}, option=self._unchanged_since(snapshot))
            return {**fields, **update}

        return self._optimistic(ref, apply, write_id)

    def reschedule_job(self, key: str, due_at: dt.datetime, now: dt.datetime) -> bool:
        return self._change_job(self._job_ref(key), lambda fields: job_reschedule(fields, due_at, now)) is not None

    def _claimable_jobs(self, now: dt.datetime, limit: int, kinds: list[str] | None) -> list[Any]:
        """References of at most `limit` claimable jobs, oldest first, selected by the query alone.

        Needs the composite indexes (state, ready_at, key) and (kind, state, ready_at, key) of
        infra/firestore.tf.
        """
        from google.cloud.firestore import FieldFilter

        query = self._collection("jobs").where(filter=FieldFilter("state", "==", "pending"))
        if kinds is not None:
            query = query.where(filter=FieldFilter("kind", "in", kinds))
        query = (
            query.where(filter=FieldFilter("ready_at", "<=", iso(now)))
            .order_by("ready_at")
            .order_by("key")
            .limit(limit)
        )
        return [snapshot.reference for snapshot in query.stream()]

    def claim_due_jobs(
        self, now: dt.datetime, lease: dt.timedelta, limit: int = 20, kinds: Sequence[str] | None = None
    ) -> list[ClaimedJob]:
        check_lease(lease)
        wanted = claim_kinds(kinds)
        if wanted == []:
            return []

        def lease_it(fields: dict[str, Any]) -> dict[str, Any] | None:
            # A fresh token per claim: whoever held the job before can no longer mark it.
            return job_claim(fields, now, lease, new_lease()) if job_claimable(fields, now) else None

        claimed: list[ClaimedJob] = []
        for _ in range(CLAIM_ROUNDS):
            wanting = limit - len(claimed)
            refs = self._claimable_jobs(now, wanting, wanted) if wanting > 0 else []
            lost = 0
            for ref in refs:
                # One preconditioned update per job: of two claims that read it, only the first commit wins;
                # the other re-reads, finds it no longer claimable, and leaves it.
                fields = self._change_job(ref, lease_it)
                if fields is None:
                    lost += 1
                else:
                    claimed.append(claimed_job(fields))
            if not lost:
                break  # every job the query found is ours: there were no more, or the limit is reached
        return claimed

    def _change_held_job(self, key: str, lease: str, update: Callable[[dict[str, Any]], dict[str, Any]]) -> bool:
        """Apply `update(fields)` only while `lease` holds the job (records.job_held); False otherwise."""
        changed = self._change_job(
            self._job_ref(key), lambda fields: update(fields) if job_held(fields, lease) else None
        )
        return changed is not None

    def finish_job(self, key: str, lease: str, now: dt.datetime) -> bool:
        return self._change_held_job(key, lease, lambda fields: job_finish(now))

    def retry_job(self, key: str, lease: str, error: str, retry_at: dt.datetime) -> bool:
        return self._change_held_job(key, lease, lambda fields: job_retry(fields, error, retry_at))

    def give_up_job(self, key: str, lease: str, error: str, now: dt.datetime) -> bool:
        return self._change_held_job(key, lease, lambda fields: job_give_up(fields, error, now))

    def job(self, key: str) -> JobState | None:
        fields = self._job_fields(self._job_ref(key).get())
        return job_state(fields) if fields is not None and fields["key"] == key else None

    def jobs_by_request(self, request_id: str) -> list[JobState]:
        from google.cloud.firestore import FieldFilter

        query = self._collection("jobs").where(filter=FieldFilter("request_id", "==", request_id))
        states = [job_state(fields) for snapshot in query.stream() if (fields := self._job_fields(snapshot))]
        return sorted(states, key=lambda state: (state.job.due_at, state.job.key))

    def prune_jobs(self, done_before: dt.datetime) -> int:
        from google.api_core import exceptions
        from google.cloud.firestore import FieldFilter

        # Needs the composite index (state, finished_at) of infra/firestore.tf.
        query = (
            self._collection("jobs")
            .where(filter=FieldFilter("state", "==", "done"))
            .where(filter=FieldFilter("finished_at", "<", iso(done_before)))
            .limit(PRUNE_PAGE)
        )
        deadline = time.monotonic() + CONTENTION_DEADLINE_SECONDS
        pruned = 0
        while snapshots := list(query.stream()):
            batch = self.client.batch()
            for snapshot in snapshots:
                # Preconditioned, so a key pruned by another run and scheduled again meanwhile is not deleted.
                batch.delete(snapshot.reference, option=self._unchanged_since(snapshot))
            try:
                batch.commit()
                pruned += len(snapshots)
            except (exceptions.FailedPrecondition, exceptions.NotFound, exceptions.Aborted):
                # Another run pruned some of the page (or this commit's answer was lost): read the page again.
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01 * (0.5 + random.random()))
        return pruned
