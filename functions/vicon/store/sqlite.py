"""The embedded store: one SQLite file, one short transaction per operation."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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

SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS requests (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    start_at TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS requests_status ON requests (status, start_at);
CREATE INDEX IF NOT EXISTS requests_start ON requests (start_at);
CREATE INDEX IF NOT EXISTS requests_due
    ON requests (status, json_extract(data, '$.next_provisioning_at'));
CREATE INDEX IF NOT EXISTS requests_cleanup ON requests (json_extract(data, '$.meeting_cleanup'));
CREATE INDEX IF NOT EXISTS requests_meeting ON requests (json_extract(data, '$.meeting.id'));
CREATE TABLE IF NOT EXISTS rate_limits (key TEXT PRIMARY KEY, count INTEGER NOT NULL, window_end TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_request ON audit (request_id, seq);
CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY,
    request_id TEXT,
    state TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at);
CREATE TABLE IF NOT EXISTS host_slots (
    request_id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS host_slots_host ON host_slots (host, start_at);
CREATE TABLE IF NOT EXISTS zoom_usage (
    host TEXT NOT NULL,
    day TEXT NOT NULL,
    calls INTEGER NOT NULL,
    PRIMARY KEY (host, day)
);
CREATE TABLE IF NOT EXISTS jobs (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    due_at TEXT NOT NULL,
    ready_at TEXT NOT NULL,
    request_id TEXT,
    finished_at TEXT,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_ready ON jobs (state, ready_at, key);
CREATE INDEX IF NOT EXISTS jobs_request ON jobs (request_id);
CREATE INDEX IF NOT EXISTS jobs_finished ON jobs (state, finished_at);
CREATE TABLE IF NOT EXISTS complaints (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    received_at TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS complaints_received ON complaints (received_at, id);
CREATE INDEX IF NOT EXISTS outbox_request ON outbox (request_id);
CREATE INDEX IF NOT EXISTS requests_opd ON requests (json_extract(data, '$.opd'), start_at);
CREATE TABLE IF NOT EXISTS staff_sessions (
    token_hash TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS staff_sessions_expiry ON staff_sessions (expires_at);
CREATE TABLE IF NOT EXISTS staff_logins (nonce TEXT PRIMARY KEY, expires_at TEXT NOT NULL);
"""
# The console's queue reads requests in pages of this many rows until enough match.
QUEUE_PAGE = 200
# The jobs columns that are queried; a job's other fields (records.new_job_fields) are the row's `data` JSON.
JOB_COLUMNS = ("key", "kind", "state", "due_at", "ready_at", "request_id", "finished_at")
JOB_SELECT = "SELECT key, kind, state, due_at, ready_at, request_id, finished_at, data FROM jobs"
JOB_WRITE = (
    "INSERT INTO jobs (key, kind, state, due_at, ready_at, request_id, finished_at, data) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, state = excluded.state, "
    "due_at = excluded.due_at, ready_at = excluded.ready_at, request_id = excluded.request_id, "
    "finished_at = excluded.finished_at, data = excluded.data"
)


# What `reported_requests_between` leaves out of the stored JSON (the projection ignores the rest); its query
# has one placeholder for each.
UNREPORTED = (
    "$.participants",
    "$.speakers",
    "$.letter",
    "$.needs_notes",
    "$.contact_name",
    "$.contact_phone",
    "$.contact_email",
    "$.letter_number",
    "$.orphan_meetings",
    "$.trashed_recordings",
)


def _record(data: str) -> RequestRecord:
    return RequestRecord.from_stored(json.loads(data))


class SqliteStore:
    """Store port on SQLite; BEGIN IMMEDIATE makes every write transaction serial and atomic."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # executescript manages its own transaction; every statement in SCHEMA is idempotent.
        self._connection().executescript(SCHEMA)

    def _connection(self) -> sqlite3.Connection:
        # One connection per thread: sqlite3 connections must not be shared across threads.
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA busy_timeout=30000")
            connection.execute("PRAGMA foreign_keys=ON")
            self._local.connection = connection
        return connection

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def next_request_number(self, year: int) -> int:
        with self._transaction() as db:
            row = db.execute(
                "INSERT INTO counters (name, value) VALUES (?, 1) "
                "ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
                (f"requests-{year}",),
            ).fetchone()
        return int(row[0])

    def create_request(self, request: RequestRecord, audit: AuditEntry, outbox: Sequence[OutgoingMail]) -> None:
        record = dict(request.to_stored(), history=[history_item(audit)])
        with self._transaction() as db:
            existing = db.execute("SELECT data FROM requests WHERE id = ?", (request.id,)).fetchone()
            if existing is not None:
                if json.loads(existing[0]) == record:
                    return  # the same request again: already stored, with its audit entry and mails
                raise RequestExists(request.id)
            db.execute(
                "INSERT INTO requests (id, status, start_at, data) VALUES (?, ?, ?, ?)",
                (request.id, request.status, record["start"], json.dumps(record)),
            )
            self._append(db, audit, outbox)

    def _append(self, db: sqlite3.Connection, audit: AuditEntry, outbox: Sequence[OutgoingMail]) -> None:
        db.execute(
            "INSERT INTO audit (request_id, data) VALUES (?, ?)", (audit.request_id, json.dumps(audit_to_json(audit)))
        )
        for mail in outbox:
            self._queue_mail(db, audit.request_id, audit.at, mail)

    @staticmethod
    def _queue_mail(
        db: sqlite3.Connection, request_id: str | None, at: dt.datetime, mail: OutgoingMail, entry_id: str = ""
    ) -> None:
        db.execute(
            "INSERT INTO outbox (id, request_id, state, next_attempt_at, data) VALUES (?, ?, 'pending', ?, ?)",
            (
                entry_id or new_outbox_id(),
                request_id,
                iso(at),
                json.dumps({"mail": mail_to_json(mail), "attempts": 0, "last_error": None, "queued_at": iso(at)}),
            ),
        )

    def get_request(self, request_id: str) -> RequestRecord | None:
        row = self._connection().execute("SELECT data FROM requests WHERE id = ?", (request_id,)).fetchone()
        return _record(row[0]) if row else None

    def transition(
        self,
        request_id: str,
        from_statuses: Sequence[str],
        to_status: str,
        audit: AuditEntry,
        changes: RequestChanges | None = None,
        outbox: Sequence[OutgoingMail] = (),
    ) -> RequestRecord:
        with self._transaction() as db:
            row = db.execute("SELECT data FROM requests WHERE id = ?", (request_id,)).fetchone()
            if row is None:
                raise RequestNotFound(request_id)
            record = json.loads(row[0])
            if record["status"] not in from_statuses:
                raise TransitionRefused(request_id, record["status"])
            record.update(changes.to_stored() if changes else {})
            record["status"] = to_status
            record["history"] = [*record.get("history", []), history_item(audit)]
            db.execute(
                "UPDATE requests SET status = ?, start_at = ?, data = ? WHERE id = ?",
                (to_status, record["start"], json.dumps(record), request_id),
            )
            self._append(db, audit, outbox)
        return RequestRecord.from_stored(record)

    def update_request(self, request_id: str, changes: RequestChanges) -> RequestRecord:
        with self._transaction() as db:
            row = db.execute("SELECT data FROM requests WHERE id = ?", (request_id,)).fetchone()
            if row is None:
                raise RequestNotFound(request_id)
            record = {**json.loads(row[0]), **changes.to_stored()}
            db.execute("UPDATE requests SET data = ? WHERE id = ?", (json.dumps(record), request_id))
        return RequestRecord.from_stored(record)

    def modify_request(
        self, request_id: str, change: Callable[[RequestRecord], RequestChanges | None]
    ) -> RequestRecord:
        # BEGIN IMMEDIATE holds the write lock from the read on: `change` sees what it replaces, once.
        with self._transaction() as db:
            row = db.execute("SELECT data FROM requests WHERE id = ?", (request_id,)).fetchone()
            if row is None:
                raise RequestNotFound(request_id)
            stored = json.loads(row[0])
            changes = change(RequestRecord.from_stored(stored))
            if changes is None:
                return RequestRecord.from_stored(stored)
            record = {**stored, **changes.to_stored()}
            db.execute("UPDATE requests SET data = ? WHERE id = ?", (json.dumps(record), request_id))
        return RequestRecord.from_stored(record)

    def request_by_meeting(self, meeting_id: int) -> RequestRecord | None:
        row = (
            self._connection()
            .execute(
                "SELECT data FROM requests WHERE json_extract(data, '$.meeting.id') = ? ORDER BY id LIMIT 1",
                (meeting_id,),
            )
            .fetchone()
        )
        return _record(row[0]) if row else None

    def record_audit(self, audit: AuditEntry, outbox: Sequence[OutgoingMail] = ()) -> None:
        with self._transaction() as db:
            self._append(db, audit, outbox)

    # ---- Complaints (their audit entries and mails share the audit and outbox tables, under the complaint's id) ----

    def next_complaint_number(self, year: int) -> int:
        with self._transaction() as db:
            row = db.execute(
                "INSERT INTO counters (name, value) VALUES (?, 1) "
                "ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
                (f"complaints-{year}",),
            ).fetchone()
        return int(row[0])

    def create_complaint(self, complaint: ComplaintRecord, audit: AuditEntry, outbox: Sequence[OutgoingMail]) -> None:
        record = complaint.to_stored()
        with self._transaction() as db:
            existing = db.execute("SELECT data FROM complaints WHERE id = ?", (complaint.id,)).fetchone()
            if existing is not None:
                if json.loads(existing[0]) == record:
                    return  # the same complaint again: already stored, with its audit entry and mails
                raise ComplaintExists(complaint.id)
            db.execute(
                "INSERT INTO complaints (id, status, received_at, data) VALUES (?, ?, ?, ?)",
                (complaint.id, complaint.status, record["received_at"], json.dumps(record)),
            )
            self._append(db, audit, outbox)

    def get_complaint(self, complaint_id: str) -> ComplaintRecord | None:
        row = self._connection().execute("SELECT data FROM complaints WHERE id = ?", (complaint_id,)).fetchone()
        return ComplaintRecord.from_stored(json.loads(row[0])) if row else None

    def answer_complaint(
        self,
        complaint_id: str,
        answer: str,
        by: str,
        at: dt.datetime,
        audit: AuditEntry,
        outbox: Sequence[OutgoingMail] = (),
    ) -> ComplaintRecord:
        # BEGIN IMMEDIATE: the read and the write are one step, so of two answers at once the second sees the first.
        with self._transaction() as db:
            row = db.execute("SELECT data FROM complaints WHERE id = ?", (complaint_id,)).fetchone()
            if row is None:
                raise ComplaintNotFound(complaint_id)
            current = ComplaintRecord.from_stored(json.loads(row[0]))
            if current.status != ComplaintStatus.OPEN:
                raise ComplaintAnswered(complaint_id, current.answered_by)
            answered = current.model_copy(
                update={"status": ComplaintStatus.ANSWERED, "answer": answer, "answered_by": by, "answered_at": at}
            )
            answered = ComplaintRecord.from_stored(answered.to_stored())  # held as stored (UTC, whole seconds)
            db.execute(
                "UPDATE complaints SET status = ?, data = ? WHERE id = ?",
                (answered.status, json.dumps(answered.to_stored()), complaint_id),
            )
            self._append(db, audit, outbox)
        return answered

    def complaints_received_between(self, start: dt.datetime, end: dt.datetime) -> list[ComplaintRecord]:
        rows = self._connection().execute(
            "SELECT data FROM complaints WHERE received_at >= ? AND received_at < ? ORDER BY received_at, id",
            (iso(start), iso(end)),
        )
        return [ComplaintRecord.from_stored(json.loads(row[0])) for row in rows]

    def claim_host_slot(
        self,
        request_id: str,
        hosts: Sequence[str],
        start: dt.datetime,
        end: dt.datetime,
        buffer: dt.timedelta,
        now: dt.datetime,
    ) -> str | None:
        with self._transaction() as db:
            held = db.execute("SELECT host FROM host_slots WHERE request_id = ?", (request_id,)).fetchone()
            if held is not None:
                return str(held[0])
            for host in hosts:
                busy = db.execute(
                    "SELECT 1 FROM host_slots WHERE host = ? AND start_at < ? AND end_at > ? LIMIT 1",
                    (host, iso(end + buffer), iso(start - buffer)),
                ).fetchone()
                if busy is None:
                    db.execute(
                        "INSERT INTO host_slots (request_id, host, start_at, end_at) VALUES (?, ?, ?, ?)",
                        (request_id, host, iso(start), iso(end)),
                    )
                    return host
        return None

    def held_host(self, request_id: str) -> str | None:
        row = self._connection().execute("SELECT host FROM host_slots WHERE request_id = ?", (request_id,)).fetchone()
        return str(row[0]) if row else None

    def release_host_slot(self, request_id: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM host_slots WHERE request_id = ?", (request_id,))

    def host_slots(self, host: str) -> list[tuple[str, dt.datetime, dt.datetime]]:
        rows = self._connection().execute(
            "SELECT request_id, start_at, end_at FROM host_slots WHERE host = ? ORDER BY start_at", (host,)
        )
        return [(request_id, parse_iso(start), parse_iso(end)) for request_id, start, end in rows]

    def count_zoom_call(self, host: str, day: dt.date) -> int:
        with self._transaction() as db:
            row = db.execute(
                "INSERT INTO zoom_usage (host, day, calls) VALUES (?, ?, 1) "
                "ON CONFLICT (host, day) DO UPDATE SET calls = calls + 1 RETURNING calls",
                (host, day.isoformat()),
            ).fetchone()
        return int(row[0])

    def zoom_calls(self, host: str, day: dt.date) -> int:
        row = (
            self._connection()
            .execute("SELECT calls FROM zoom_usage WHERE host = ? AND day = ?", (host, day.isoformat()))
            .fetchone()
        )
        return int(row[0]) if row else 0

    def set_zoom_calls(self, host: str, day: dt.date, count: int) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO zoom_usage (host, day, calls) VALUES (?, ?, ?) "
                "ON CONFLICT (host, day) DO UPDATE SET calls = MAX(calls, excluded.calls)",
                (host, day.isoformat(), count),
            )

    def requests_by_status(
        self, status: str, starting_after: dt.datetime | None = None, limit: int = 100
    ) -> list[RequestRecord]:
        after = iso(starting_after) if starting_after is not None else ""
        rows = self._connection().execute(
            "SELECT data FROM requests WHERE status = ? AND start_at > ? ORDER BY start_at LIMIT ?",
            (status, after, limit),
        )
        return [_record(row[0]) for row in rows]

    def requests_due(self, status: str, now: dt.datetime, limit: int = 50) -> list[RequestRecord]:
        rows = self._connection().execute(
            "SELECT data FROM requests WHERE status = ? AND json_extract(data, '$.next_provisioning_at') <= ? "
            "ORDER BY json_extract(data, '$.next_provisioning_at'), id LIMIT ?",
            (status, iso(now), limit),
        )
        return [_record(row[0]) for row in rows]

    def requests_pending_cleanup(self, limit: int = 100) -> list[RequestRecord]:
        rows = self._connection().execute(
            "SELECT data FROM requests WHERE json_extract(data, '$.meeting_cleanup') = ? ORDER BY start_at, id LIMIT ?",
            (CleanupState.PENDING.value, limit),
        )
        return [_record(row[0]) for row in rows]

    def take_rate_limit(self, buckets: Sequence[RateBucket], now: dt.datetime) -> RateBucket | None:
        with self._transaction() as db:
            counts = []
            for bucket in buckets:
                row = db.execute("SELECT count, window_end FROM rate_limits WHERE key = ?", (bucket.key,)).fetchone()
                count = int(row[0]) if row is not None and row[1] > iso(now) else 0
                if count >= bucket.limit:
                    return bucket
                counts.append(count)
            for bucket, count in zip(buckets, counts, strict=True):
                db.execute(
                    "INSERT INTO rate_limits (key, count, window_end) VALUES (?, ?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET count = excluded.count, window_end = excluded.window_end",
                    (bucket.key, count + 1, iso(bucket.window_end)),
                )
            # Old windows are forgotten as new ones are written, so the table stays small.
            db.execute("DELETE FROM rate_limits WHERE window_end <= ?", (iso(now),))
        return None

    def requests_starting_between(self, start: dt.datetime, end: dt.datetime) -> list[RequestRecord]:
        rows = self._connection().execute(
            "SELECT data FROM requests WHERE start_at >= ? AND start_at < ? ORDER BY start_at, id",
            (iso(start), iso(end)),
        )
        return [_record(row[0]) for row in rows]

    def reported_requests_between(self, start: dt.datetime, end: dt.datetime) -> list[ReportedRequest]:
        # The big parts of a record (participants, speakers, the letter, archived files' keys and hashes) are
        # dropped by SQLite before Python parses the JSON.
        rows = self._connection().execute(
            "SELECT json_remove(data, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) FROM requests "
            "WHERE start_at >= ? AND start_at < ? ORDER BY start_at, id",
            (*UNREPORTED, iso(start), iso(end)),
        )
        return [reported_request(json.loads(row[0])) for row in rows]

    def audit_trail(self, request_id: str) -> list[AuditEntry]:
        rows = self._connection().execute("SELECT data FROM audit WHERE request_id = ? ORDER BY seq", (request_id,))
        return [audit_from_json(json.loads(row[0])) for row in rows]

    def claim_due_mail(
        self, now: dt.datetime, lease: dt.timedelta, limit: int = 50, request_id: str | None = None
    ) -> list[OutboxEntry]:
        with self._transaction() as db:
            rows = db.execute(
                "SELECT id, request_id, next_attempt_at, data FROM outbox "
                "WHERE state = 'pending' AND next_attempt_at <= ? AND (? IS NULL OR request_id = ?) "
                "ORDER BY next_attempt_at LIMIT ?",
                (iso(now), request_id, request_id, limit),
            ).fetchall()
            claimed = []
            for entry_id, owner, due, data in rows:
                # A fresh token per claim: whoever claimed before and lost the lease can no longer mark the entry.
                held = dict(json.loads(data), lease=new_lease(), claimed_at=iso(now))
                db.execute(
                    "UPDATE outbox SET next_attempt_at = ?, data = ? WHERE id = ?",
                    (iso(now + lease), json.dumps(held), entry_id),
                )
                claimed.append(outbox_entry(entry_id, dict(held, next_attempt_at=due, request_id=owner)))
        return claimed

    @staticmethod
    def _leased(db: sqlite3.Connection, entry_id: str, lease: str) -> tuple[str | None, dict[str, Any]] | None:
        """(request_id, data) of the pending entry `lease` still holds, else None."""
        row = db.execute(
            "SELECT request_id, data FROM outbox WHERE id = ? AND state = 'pending'", (entry_id,)
        ).fetchone()
        if row is None:
            return None
        data = json.loads(row[1])
        return (row[0], data) if data.get("lease") == lease else None

    def mail_sent(self, entry_id: str, lease: str) -> bool:
        with self._transaction() as db:
            held = self._leased(db, entry_id, lease)
            if held is None:
                return False
            # The send that succeeded started at its claim (entries are claimed one at a time, just before sending).
            data = dict(held[1], lease=None, sent_at=held[1].get("claimed_at"))
            db.execute("UPDATE outbox SET state = 'sent', data = ? WHERE id = ?", (json.dumps(data), entry_id))
        return True

    def mail_failed(self, entry_id: str, lease: str, error: str, retry_at: dt.datetime) -> bool:
        with self._transaction() as db:
            held = self._leased(db, entry_id, lease)
            if held is None:
                return False
            data = held[1]
            data.update(attempts=int(data.get("attempts", 0)) + 1, last_error=error[:500], lease=None)
            db.execute(
                "UPDATE outbox SET next_attempt_at = ?, data = ? WHERE id = ?",
                (iso(retry_at), json.dumps(data), entry_id),
            )
        return True

    def mail_dead(
        self, entry_id: str, lease: str, error: str, now: dt.datetime, notices: Sequence[OutgoingMail] = ()
    ) -> bool:
        with self._transaction() as db:
            held = self._leased(db, entry_id, lease)
            if held is None:
                return False
            request_id, data = held
            data.update(attempts=int(data.get("attempts", 0)) + 1, last_error=error[:500], lease=None)
            db.execute(
                "UPDATE outbox SET state = 'dead', next_attempt_at = ?, data = ? WHERE id = ?",
                (iso(now), json.dumps(data), entry_id),
            )
            for notice in notices:
                self._queue_mail(db, request_id, now, notice)
        return True

    def _outbox_in_state(self, state: str, request_id: str | None) -> list[OutboxEntry]:
        query = "SELECT id, request_id, next_attempt_at, data FROM outbox WHERE state = ?"
        params: tuple[str, ...] = (state,)
        if request_id is not None:
            query += " AND request_id = ?"
            params = (state, request_id)
        rows = self._connection().execute(query + " ORDER BY next_attempt_at", params)
        return [
            outbox_entry(entry_id, dict(json.loads(data), next_attempt_at=due, state=state, request_id=owner))
            for entry_id, owner, due, data in rows
        ]

    def pending_mail(self, request_id: str | None = None) -> list[OutboxEntry]:
        return self._outbox_in_state("pending", request_id)

    def queue_mail_once(
        self, key: str, mails: Sequence[OutgoingMail], now: dt.datetime, request_id: str | None = None
    ) -> bool:
        ids = once_outbox_ids(key, len(mails))
        if not ids:
            return True
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM outbox WHERE id = ?", (ids[0],)).fetchone() is not None:
                return False
            for entry_id, mail in zip(ids, mails, strict=True):
                self._queue_mail(db, request_id, now, mail, entry_id)
        return True

    def dead_mail(self, request_id: str | None = None) -> list[OutboxEntry]:
        return self._outbox_in_state("dead", request_id)

    def mail_history(self, request_id: str) -> list[OutboxEntry]:
        rows = self._connection().execute(
            "SELECT id, request_id, state, next_attempt_at, data FROM outbox WHERE request_id = ?", (request_id,)
        )
        entries = [
            outbox_entry(entry_id, dict(json.loads(data), next_attempt_at=due, state=state, request_id=owner))
            for entry_id, owner, state, due, data in rows
        ]
        return sorted(entries, key=mail_history_order)

    # ---- the staff console --------------------------------------------------------------------------------------

    def create_session(self, token_hash: str, email: str, created: dt.datetime, expires: dt.datetime) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO staff_sessions (token_hash, email, created_at, expires_at) VALUES (?, ?, ?, ?)",
                (token_hash, email, iso(created), iso(expires)),
            )
            # Spent sessions and sign-in links are forgotten as new sessions begin, so both tables stay small.
            db.execute("DELETE FROM staff_sessions WHERE expires_at <= ?", (iso(created),))
            db.execute("DELETE FROM staff_logins WHERE expires_at <= ?", (iso(created),))

    def get_session(self, token_hash: str) -> StaffSession | None:
        row = (
            self._connection()
            .execute("SELECT email, created_at, expires_at FROM staff_sessions WHERE token_hash = ?", (token_hash,))
            .fetchone()
        )
        if row is None:
            return None
        return StaffSession(token_hash, row[0], parse_iso(row[1]), parse_iso(row[2]))

    def end_session(self, token_hash: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM staff_sessions WHERE token_hash = ?", (token_hash,))

    def consume_login(self, nonce: str, expires: dt.datetime, now: dt.datetime) -> bool:
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO staff_logins (nonce, expires_at) VALUES (?, ?) ON CONFLICT (nonce) DO NOTHING",
                (nonce, iso(expires)),
            )
        return cursor.rowcount == 1

    def queue_requests(
        self,
        status: str | None,
        opd: str | None,
        start_from: dt.datetime | None,
        start_before: dt.datetime | None,
        limit: int,
        matches: Callable[[QueueEntry], bool] | None = None,
    ) -> list[QueueEntry]:
        conditions, params = ["(start_at > ? OR (start_at = ? AND id > ?))"], []
        if status is not None:
            conditions.append("status = ?")
            params.append(status)
        if opd is not None:
            conditions.append("json_extract(data, '$.opd') = ?")
            params.append(opd)
        if start_from is not None:
            conditions.append("start_at >= ?")
            params.append(iso(start_from))
        if start_before is not None:
            conditions.append("start_at < ?")
            params.append(iso(start_before))
        query = (
            f"SELECT id, start_at, data FROM requests WHERE {' AND '.join(conditions)} ORDER BY start_at, id LIMIT ?"  # noqa: S608 — the conditions are ours, the values parameters
        )
        found: list[QueueEntry] = []
        after = ("", "", "")
        while len(found) < limit:
            rows = self._connection().execute(query, (*after, *params, QUEUE_PAGE)).fetchall()
            for _, _, data in rows:
                record = QueueEntry.from_stored(json.loads(data))
                if matches is None or matches(record):
                    found.append(record)
                    if len(found) == limit:
                        break
            if len(rows) < QUEUE_PAGE:
                break
            last_id, last_start = rows[-1][0], rows[-1][1]
            after = (last_start, last_start, last_id)
        return found

    @staticmethod
    def _job_fields(row: Sequence[Any]) -> dict[str, Any]:
        """A jobs row (JOB_COLUMNS, then data) as the fields of records.new_job_fields."""
        return {**json.loads(row[-1]), **dict(zip(JOB_COLUMNS, row[:-1], strict=True))}

    @staticmethod
    def _write_job(db: sqlite3.Connection, fields: dict[str, Any]) -> None:
        data = json.dumps({name: value for name, value in fields.items() if name not in JOB_COLUMNS})
        db.execute(JOB_WRITE, (*(fields[name] for name in JOB_COLUMNS), data))

    def _read_job(self, db: sqlite3.Connection, key: str) -> dict[str, Any] | None:
        row = db.execute(JOB_SELECT + " WHERE key = ?", (key,)).fetchone()
        return self._job_fields(row) if row is not None else None

    def schedule_job(self, job: Job) -> bool:
        fields = new_job_fields(job)
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM jobs WHERE key = ?", (job.key,)).fetchone() is not None:
                return False  # already stored, in whatever state: the key de-duplicates
            self._write_job(db, fields)
        return True

    def _change_job(self, key: str, change: Callable[[dict[str, Any]], dict[str, Any] | None]) -> bool:
        """Apply the update `change(fields)` returns, in one transaction; False when it returns None."""
        with self._transaction() as db:
            fields = self._read_job(db, key)
            update = change(fields) if fields is not None else None
            if fields is None or update is None:
                return False
            self._write_job(db, {**fields, **update})
        return True

    def reschedule_job(self, key: str, due_at: dt.datetime, now: dt.datetime) -> bool:
        return self._change_job(key, lambda fields: job_reschedule(fields, due_at, now))

    def claim_due_jobs(
        self, now: dt.datetime, lease: dt.timedelta, limit: int = 20, kinds: Sequence[str] | None = None
    ) -> list[ClaimedJob]:
        check_lease(lease)
        wanted = claim_kinds(kinds)
        if limit <= 0 or wanted == []:
            return []
        query = JOB_SELECT + " WHERE state = 'pending' AND ready_at <= ?"
        params: list[Any] = [iso(now)]
        if wanted is not None:
            query += " AND kind IN (" + ", ".join("?" * len(wanted)) + ")"
            params += wanted
        claimed = []
        with self._transaction() as db:
            # BEGIN IMMEDIATE serialises claims: no other claim reads these rows before they are leased.
            for row in db.execute(query + " ORDER BY ready_at, key LIMIT ?", (*params, limit)).fetchall():
                fields = self._job_fields(row)
                # A fresh token per claim: whoever held the job before can no longer mark it.
                fields.update(job_claim(fields, now, lease, new_lease()))
                self._write_job(db, fields)
                claimed.append(claimed_job(fields))
        return claimed

    def _change_held_job(self, key: str, lease: str, update: Callable[[dict[str, Any]], dict[str, Any]]) -> bool:
        """Apply `update(fields)` only while `lease` holds the job (records.job_held); False otherwise."""
        return self._change_job(key, lambda fields: update(fields) if job_held(fields, lease) else None)

    def finish_job(self, key: str, lease: str, now: dt.datetime) -> bool:
        return self._change_held_job(key, lease, lambda fields: job_finish(now))

    def retry_job(self, key: str, lease: str, error: str, retry_at: dt.datetime) -> bool:
        return self._change_held_job(key, lease, lambda fields: job_retry(fields, error, retry_at))

    def give_up_job(self, key: str, lease: str, error: str, now: dt.datetime) -> bool:
        return self._change_held_job(key, lease, lambda fields: job_give_up(fields, error, now))

    def job(self, key: str) -> JobState | None:
        fields = self._read_job(self._connection(), key)
        return job_state(fields) if fields is not None else None

    def jobs_by_request(self, request_id: str) -> list[JobState]:
        rows = self._connection().execute(JOB_SELECT + " WHERE request_id = ? ORDER BY due_at, key", (request_id,))
        return [job_state(self._job_fields(row)) for row in rows]

    def prune_jobs(self, done_before: dt.datetime) -> int:
        with self._transaction() as db:
            cursor = db.execute("DELETE FROM jobs WHERE state = 'done' AND finished_at < ?", (iso(done_before),))
        return cursor.rowcount
