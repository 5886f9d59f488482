"""The small interfaces the core talks to; adapters live in their own modules and are handed in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Literal, Protocol

from vicon.meetings import Attendance, Meeting, MeetingSpec, PastMeeting, Poll, PollQuestion, Recording, RecordingFile
from vicon.records import ComplaintRecord, QueueEntry, ReportedRequest, RequestChanges, RequestRecord


class BlobNotFound(LookupError):
    """No blob is stored under that key."""


class ReadableBlob(Protocol):
    """A blob opened for reading: `read(n)` returns up to n bytes, b"" at the end; `read()` the rest.

    `seek(offset)` moves to a byte offset from the start (a video player's Range request starts mid-file).
    """

    def read(self, size: int = -1, /) -> bytes: ...

    def seek(self, offset: int, whence: int = 0, /) -> int: ...


class Blobs(Protocol):
    """Binary objects (letters, later recordings) under server-generated keys.

    A blob appears under its key whole or not at all: a write that fails leaves the previous blob (if any) as it was.
    """

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` under `key`, replacing any previous blob."""
        ...

    def put_stream(self, key: str, chunks: Iterable[bytes], content_type: str) -> int:
        """Store the concatenated `chunks` under `key` without holding them all in memory; returns the byte count.

        Memory stays at about one chunk (plus the adapter's own buffer), so the producer picks modest chunks
        (around 1 MiB). When iterating `chunks` raises, its exception propagates unchanged and nothing is
        stored: no blob appears under `key`, a previous one stays as it was.

        An iterable rather than a readable file object because the producer to come is an HTTP download (a Zoom
        recording): requests' `iter_content` yields the body decoded, its `raw` file object does not unless told.
        A file becomes chunks in one line (`iter(functools.partial(f.read, 1 << 20), b"")`), the other way round
        needs a class; and counting, hashing or size-capping the bytes on their way in is a generator between.
        """
        ...

    def get(self, key: str) -> bytes:
        """The whole blob in memory (small blobs only: letters); BlobNotFound if there is none."""
        ...

    def open(self, key: str) -> AbstractContextManager[ReadableBlob]:
        """Read the blob in pieces: `with blobs.open(key) as f: f.read(n)`; BlobNotFound (on entering) if missing.

        The reader sees one version of the blob, never a mix: a blob replaced or deleted while open is either
        still read as it was (folder) or fails the next read (Cloud Storage).
        """
        ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the blob; removing a missing blob is not an error."""
        ...


class Meetings(Protocol):
    """The Zoom meetings API as the core uses it (production: vicon.zoom.ZoomClient).

    Its types and the failures it raises (`ZoomError` and kinds) are the port's own, in `vicon.meetings`.
    """

    def create_meeting(self, host_user: str, spec: MeetingSpec) -> Meeting: ...

    def get_meeting(self, meeting_id: int | str) -> Meeting: ...

    def delete_meeting(self, meeting_id: int | str) -> bool: ...

    def list_meetings(self, host_user: str, kind: str = "upcoming") -> list[Meeting]: ...

    def update_livestream(self, meeting_id: int | str, stream_url: str, stream_key: str, page_url: str) -> None:
        """Set the meeting's custom live stream (Zoom keeps the key; nothing here stores it)."""
        ...

    def list_polls(self, meeting_id: int | str) -> list[Poll]: ...

    def create_poll(self, meeting_id: int | str, title: str, questions: Sequence[PollQuestion]) -> Poll:
        """Add one poll; not idempotent at Zoom, so the caller lists the polls first after an unclear failure."""
        ...

    def time_budget(self, seconds: float) -> AbstractContextManager[None]:
        """Calls made in the block by this thread wait and time out within `seconds` in total."""
        ...


class CloudRecordings(Protocol):
    """Zoom's cloud recordings and what a held meeting leaves behind (production: vicon.zoom.ZoomClient).

    Types and failures are the port's own, in `vicon.meetings`. Meetings are addressed by instance UUID; a
    method answers None (or returns normally) for "nothing there" only when Zoom said so positively, and raises
    a ZoomError kind for anything unclear: nothing is ever concluded gone from a failed or partial answer.
    """

    def list_recordings(self, host_user: str, start: dt.date, end: dt.date) -> list[Recording]:
        """The host's recordings of meetings on the UTC dates `start` to `end` (inclusive); the trash left out."""
        ...

    def meeting_recordings(self, meeting_uuid: str) -> Recording | None:
        """The instance's recording with a `download_access_token`; None when Zoom says there is none (3301, 3001).

        Also None once the recording is in the trash.
        """
        ...

    def trash_recordings(self, meeting_uuid: str) -> None:
        """Move the instance's recording files to Zoom's trash; done too when Zoom says there are none (3301)."""
        ...

    def delete_recordings(self, meeting_uuid: str) -> None:
        """Delete the instance's recordings for good, from Zoom's trash too; done when Zoom has none."""
        ...

    def download(self, file: RecordingFile, token: str | None = None) -> AbstractContextManager[Iterator[bytes]]:
        """Stream one file with `token` (the webhook's download_token, a download_access_token, or None: OAuth).

        `with recordings.download(file, token) as chunks:` raises DownloadRefused on entering when the answer is
        not the file; the chunks (about 1 MiB) raise DownloadRefused when the body breaks off, ends short of
        `file.file_size` or runs past it. Hand them to `Blobs.put_stream`, which then stores nothing.
        """
        ...

    def past_meeting(self, meeting_uuid: str) -> PastMeeting | None:
        """What Zoom recorded about the ended instance; None when Zoom says there is none (3001: never or not yet)."""
        ...

    def attendance(self, meeting_uuid: str) -> Attendance:
        """Distinct participants and their total minutes in the ended instance; ZoomNotFound (3001) if none."""
        ...

    def time_budget(self, seconds: float) -> AbstractContextManager[None]:
        """Calls made in the block by this thread wait and time out within `seconds` in total.

        A download starts only with time left and each of its reads waits at most what is left then; the
        transfer as a whole may outlast the block.
        """
        ...


class Zoom(Meetings, CloudRecordings, Protocol):
    """Both Zoom ports, as one adapter (`vicon.zoom.ZoomClient`) provides them."""


class MailDeliveryError(RuntimeError):
    """The mail server could not be reached or refused the message; the caller retries later."""


class Mailer(Protocol):
    """Hands one complete message to the outgoing mail system."""

    def send(self, message: EmailMessage, timeout: float | None = None) -> None:
        """Deliver `message`; `timeout` (seconds, for the whole send) overrides the adapter's own when given."""
        ...


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    # Large attachments stay in blob storage and are read at send time, so outbox rows stay small.
    blob_key: str | None = None
    data: bytes | None = None


@dataclass(frozen=True)
class OutgoingMail:
    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = ()
    # "mail", or "undeliverable_notice" for the staff notice about a dead mail (which must never cause another).
    kind: str = "mail"


@dataclass(frozen=True)
class OutboxEntry:
    id: str
    mail: OutgoingMail
    request_id: str | None
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str | None = None
    # Set by claim_due_mail: only the holder of this lease may mark the entry sent, failed or dead.
    lease: str | None = None
    state: str = "pending"  # pending, sent or dead
    # When the mail was queued and, once sent, when the send that succeeded started (the claim before it);
    # None for entries stored before these were kept. The console's mail history shows them.
    queued_at: dt.datetime | None = None
    sent_at: dt.datetime | None = None


@dataclass(frozen=True)
class AuditEntry:
    request_id: str
    at: dt.datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    detail: dict[str, Any] = field(default_factory=dict)


class RequestNotFound(Exception):
    """No request has that id. Deliberately not a LookupError: a KeyError from a bug must not read as "not found"."""

    def __init__(self, request_id: str) -> None:
        super().__init__(f"no request {request_id!r}")
        self.request_id = request_id


class RequestExists(Exception):
    """Another request already has this id; nothing was written."""


@dataclass(frozen=True)
class RateBucket:
    """One fixed-window counter: at most `limit` uses under `key` until `window_end`."""

    key: str
    limit: int
    window_end: dt.datetime


class TransitionRefused(Exception):
    """The request is not in a status that allows this transition; nothing was changed."""

    def __init__(self, request_id: str, current: str | None) -> None:
        super().__init__(f"request {request_id} is {current!r}")
        self.request_id = request_id
        self.current = current


class RequestStore(Protocol):
    """Requests and their audit trail. Each write is one transaction with the audit entry and the mails it queues."""

    def next_request_number(self, year: int) -> int:
        """Atomically allocate the next sequence number of `year` (unique under concurrency)."""
        ...

    def create_request(self, request: RequestRecord, audit: AuditEntry, outbox: Sequence[OutgoingMail]) -> None:
        """Store a new request with its first audit entry and its mails, all or nothing.

        Creating the very same request again (a retry after a lost answer) changes nothing and succeeds;
        a different request under a taken id raises RequestExists.
        """
        ...

    def get_request(self, request_id: str) -> RequestRecord | None: ...

    def transition(
        self,
        request_id: str,
        from_statuses: Sequence[str],
        to_status: str,
        audit: AuditEntry,
        changes: RequestChanges | None = None,
        outbox: Sequence[OutgoingMail] = (),
    ) -> RequestRecord:
        """Compare-and-set the status, apply `changes`, append audit and mails in one transaction.

        Returns the updated request; raises TransitionRefused (and changes nothing) when the current
        status is not in `from_statuses`, or RequestNotFound when there is no such request.
        """
        ...

    def update_request(self, request_id: str, changes: RequestChanges) -> RequestRecord:
        """Set fields without a status change (bookkeeping such as retry times); RequestNotFound if missing."""
        ...

    def modify_request(
        self, request_id: str, change: Callable[[RequestRecord], RequestChanges | None]
    ) -> RequestRecord:
        """Compare-and-set without a status change: `change` sees the stored request and says what to set.

        `change` may run more than once (a lost race reads again), so it must only compute; None writes
        nothing. Returns the request as stored afterwards; RequestNotFound if missing.
        """
        ...

    def request_by_meeting(self, meeting_id: int) -> RequestRecord | None:
        """The request whose recorded meeting has this Zoom id: only meetings this app created have one."""
        ...

    def record_audit(self, audit: AuditEntry, outbox: Sequence[OutgoingMail] = ()) -> None:
        """Append an audit entry that is not a transition (an officer opening a meeting), with its mails."""
        ...

    def requests_by_status(
        self, status: str, starting_after: dt.datetime | None = None, limit: int = 100
    ) -> list[RequestRecord]:
        """Requests in `status` (whose event starts after `starting_after`, if given), ordered by start."""
        ...

    def requests_due(self, status: str, now: dt.datetime, limit: int = 50) -> list[RequestRecord]:
        """Requests in `status` whose `next_provisioning_at` is at or before `now`, the longest due first."""
        ...

    def requests_pending_cleanup(self, limit: int = 100) -> list[RequestRecord]:
        """Requests whose `meeting_cleanup` is `CleanupState.PENDING`: meetings still to be deleted in Zoom."""
        ...

    def requests_starting_between(self, start: dt.datetime, end: dt.datetime) -> list[RequestRecord]:
        """Requests whose event start lies in [start, end), ordered by start."""
        ...

    def audit_trail(self, request_id: str) -> list[AuditEntry]: ...

    def reported_requests_between(self, start: dt.datetime, end: dt.datetime) -> list[ReportedRequest]:
        """What the quarterly report reads of the requests whose event start lies in [start, end), ordered by
        start, then id: `requests_starting_between` projected to `ReportedRequest`, read faster."""
        ...


class RateLimits(Protocol):
    """Fixed-window counters for the public forms."""

    def take_rate_limit(self, buckets: Sequence[RateBucket], now: dt.datetime) -> RateBucket | None:
        """Count one use in every bucket, atomically, unless one is full: then count nothing and return it.

        A bucket's count starts again at zero once `now` has reached its `window_end`.
        """
        ...


class HostSlots(Protocol):
    """Which licensed Zoom host holds which time: one meeting per host at a time, with a buffer around it."""

    def claim_host_slot(
        self,
        request_id: str,
        hosts: Sequence[str],
        start: dt.datetime,
        end: dt.datetime,
        buffer: dt.timedelta,
        now: dt.datetime,
    ) -> str | None:
        """Atomically give the request the first host in `hosts` with no meeting in [start − buffer, end + buffer).

        `now` is the caller's clock; an adapter may forget slots that ended well before it, never later ones.

        Slots are stored as the bare event times; the buffer applies on both sides of the comparison once.
        Idempotent: a request that already holds a slot gets its host back (even if `hosts` no longer lists
        it). None when every host is busy.
        """
        ...

    def held_host(self, request_id: str) -> str | None:
        """The host whose slot the request holds, if any."""
        ...

    def release_host_slot(self, request_id: str) -> None:
        """Free the request's slot, if it holds one."""
        ...

    def host_slots(self, host: str) -> list[tuple[str, dt.datetime, dt.datetime]]:
        """(request_id, start, end) of every slot the host holds, ordered by start."""
        ...


class ZoomUsage(Protocol):
    """Create/update calls per host and UTC day, against Zoom's daily limit."""

    def count_zoom_call(self, host: str, day: dt.date) -> int:
        """Count one create/update call on `host` for the UTC `day`; returns the new count."""
        ...

    def zoom_calls(self, host: str, day: dt.date) -> int:
        """Create/update calls counted on `host` for the UTC `day`."""
        ...

    def set_zoom_calls(self, host: str, day: dt.date, count: int) -> None:
        """Raise the day's count (Zoom said the host reached its daily limit)."""
        ...


class Outbox(Protocol):
    """Mails waiting to be sent. They are queued by the request writes above, in the same transaction."""

    def claim_due_mail(
        self, now: dt.datetime, lease: dt.timedelta, limit: int = 50, request_id: str | None = None
    ) -> list[OutboxEntry]:
        """Lease due outbox entries (optionally of one request) so two concurrent ticks never send the same mail.

        At most `limit` entries, oldest due first; each carries a fresh `lease` token and stays invisible to
        other claims until `now + lease`.
        """
        ...

    def mail_sent(self, entry_id: str, lease: str) -> bool:
        """Mark the entry sent if `lease` still holds it; False (nothing changed) when the lease was lost."""
        ...

    def mail_failed(self, entry_id: str, lease: str, error: str, retry_at: dt.datetime) -> bool:
        """Count a failed attempt, keep `error`, retry at `retry_at`; only while `lease` holds the entry."""
        ...

    def mail_dead(
        self, entry_id: str, lease: str, error: str, now: dt.datetime, notices: Sequence[OutgoingMail] = ()
    ) -> bool:
        """Give up on the entry (state dead, kept with `error`) and queue `notices` in the same write.

        Only while `lease` holds the entry; False (nothing changed, no notice queued) otherwise.
        """
        ...

    def pending_mail(self, request_id: str | None = None) -> list[OutboxEntry]:
        """Every unsent mail (optionally of one request), due or not."""
        ...

    def queue_mail_once(
        self, key: str, mails: Sequence[OutgoingMail], now: dt.datetime, request_id: str | None = None
    ) -> bool:
        """Queue mails due at `now` once per `key`: about no one request (the quarterly report to supervisors),
        or about `request_id`, in whose mail history they then appear (the operators told of refused polls).

        The entries' ids derive from `key`, so queueing the same key again (a job that ran twice) adds nothing:
        all of `mails` are queued or none. False when `key` was queued before (also when that was this very
        call, whose answer was lost and which the client library retried).
        """
        ...

    def dead_mail(self, request_id: str | None = None) -> list[OutboxEntry]:
        """Every mail given up on (optionally of one request), with its last error."""
        ...


# A job is pending until a run finishes it (done) or gives up on it (dead); both are kept, so the key still
# de-duplicates, until prune_jobs forgets old done jobs.
JobPhase = Literal["pending", "done", "dead"]
# Firestore answers a `kind in [...]` filter for at most 30 values; both adapters refuse more, so they agree.
MAX_CLAIM_KINDS = 30


@dataclass(frozen=True)
class Job:
    """Work to run out of band, at least once, no earlier than `due_at` (held to whole seconds, like every time).

    `key` is unique and chosen by the caller so that the same work gets the same key: scheduling a key that is
    already stored changes nothing ("webhook:<sha256 of the body>" de-duplicates Zoom's redeliveries,
    "recordings:VC-2026-000001" one clean-up per request). `kind` names what runs it ("webhook", "recordings",
    "retention", "reminder"). `payload` is JSON-able (it is stored as JSON and read back as parsed JSON).
    """

    key: str
    kind: str
    due_at: dt.datetime
    payload: dict[str, Any] = field(default_factory=dict)
    request_id: str | None = None


@dataclass(frozen=True)
class ClaimedJob:
    """A job leased to one run by claim_due_jobs."""

    job: Job
    # Only the holder of this token may finish, retry or give up the job, and only until another claim.
    lease: str
    # Failed attempts counted (retry_job) before this claim.
    attempts: int
    last_error: str | None
    # Claims so far, this one included. More claims than attempts + 1 means earlier holders died or overran
    # their lease without a word: a runner gives up on a job that keeps killing its instance.
    claims: int


@dataclass(frozen=True)
class JobState:
    """A stored job as the console, idempotency checks and tests see it."""

    # `job.due_at` is when it is due now: retry_job and reschedule_job move it.
    job: Job
    state: JobPhase
    attempts: int
    last_error: str | None
    claims: int
    # Set while pending and claimed: no other claim before then (a time in the past: the holder's lease lapsed).
    leased_until: dt.datetime | None
    # When it was finished (done) or given up (dead).
    finished_at: dt.datetime | None


class Jobs(Protocol):
    """Due jobs: recorded quickly (a webhook answers within 3 s), run later by the tick, at least once.

    Every step is safe to repeat or race: the same webhook scheduled three times is one job, two ticks never
    hold one job at once, and a job whose holder died becomes claimable again when its lease runs out.
    """

    def schedule_job(self, job: Job) -> bool:
        """Store `job` as pending unless a job with its key is stored (pending, done or dead): True when new.

        Atomic: of N concurrent schedules of one key exactly one returns True, and a schedule whose answer
        was lost and retried by the client library still returns True. An existing job is never changed (its
        due time, payload and state stay as they are; reschedule_job moves a pending one).
        """
        ...

    def reschedule_job(self, key: str, due_at: dt.datetime, now: dt.datetime) -> bool:
        """Move a pending job's due time (the meeting moved); False (nothing changed) if none is pending.

        Also False while a run holds the job (claimed, lease not yet lapsed at `now`): that run reads the
        current state of what it works on. A lapsed lease is cleared, so its late holder can no longer mark it.
        """
        ...

    def claim_due_jobs(
        self, now: dt.datetime, lease: dt.timedelta, limit: int = 20, kinds: Sequence[str] | None = None
    ) -> list[ClaimedJob]:
        """Lease up to `limit` pending jobs claimable at `now` (of `kinds`, if given: at most MAX_CLAIM_KINDS).

        A job is claimable from its due time, or once a claim's lease has lapsed. Oldest first by that time,
        then by key. Each claimed job carries a fresh `lease` token and is invisible to other claims until
        `now + lease` (at least one second); then it is claimable again, as its holder is presumed dead.
        Two concurrent claims never return the same job; a job lost to another claim is replaced by asking
        again, so fewer than `limit` come back only when fewer are claimable.
        """
        ...

    def finish_job(self, key: str, lease: str, now: dt.datetime) -> bool:
        """Mark the job done at `now`, kept so its key still de-duplicates.

        Only while `lease` holds it: the job is pending and was not claimed again since (a lapsed lease still
        holds until another claim). False, and nothing changed, when the lease was lost.
        """
        ...

    def retry_job(self, key: str, lease: str, error: str, retry_at: dt.datetime) -> bool:
        """Count a failed attempt, keep `error`, and make the job due again at `retry_at`; only while `lease` holds."""
        ...

    def give_up_job(self, key: str, lease: str, error: str, now: dt.datetime) -> bool:
        """Count the failed attempt and make the job dead at `now`, kept with `error`; only while `lease` holds."""
        ...

    def job(self, key: str) -> JobState | None:
        """The stored job under `key` with its state, or None."""
        ...

    def jobs_by_request(self, request_id: str) -> list[JobState]:
        """Every stored job of the request (any state), ordered by due time, then key."""
        ...

    def prune_jobs(self, done_before: dt.datetime) -> int:
        """Forget done jobs finished before `done_before` (dedup keys need remembering a few days only).

        Pending and dead jobs are kept. A forgotten key can be scheduled again. Returns how many were
        forgotten: a number for the log (a prune whose answer was lost may count fewer).
        """
        ...


class ComplaintNotFound(Exception):
    """No complaint has that id."""

    def __init__(self, complaint_id: str) -> None:
        super().__init__(f"no complaint {complaint_id!r}")
        self.complaint_id = complaint_id


class ComplaintExists(Exception):
    """Another complaint already has this id; nothing was written."""


class ComplaintAnswered(Exception):
    """The complaint was answered already (by `answered_by`); nothing was changed."""

    def __init__(self, complaint_id: str, answered_by: str | None) -> None:
        super().__init__(f"complaint {complaint_id} was answered by {answered_by!r}")
        self.complaint_id = complaint_id
        self.answered_by = answered_by


class Complaints(Protocol):
    """Complaints, suggestions and input, with their audit trail and mails (docs/decisions/0027-complaints.md).

    Audit entries and outbox entries of a complaint carry its id (PG-YYYY-NNNNNN) where a request's carry the
    request's: `audit_trail(complaint_id)` and `pending_mail(complaint_id)` read them back. Every write is one
    transaction with its audit entry and its mails, like the request writes.
    """

    def next_complaint_number(self, year: int) -> int:
        """Atomically allocate the next complaint number of `year` (its own sequence, apart from requests')."""
        ...

    def create_complaint(self, complaint: ComplaintRecord, audit: AuditEntry, outbox: Sequence[OutgoingMail]) -> None:
        """Store a new complaint with its first audit entry and its mails, all or nothing.

        The very same complaint again (a retry after a lost answer) changes nothing and succeeds; a different one
        under a taken id raises ComplaintExists.
        """
        ...

    def get_complaint(self, complaint_id: str) -> ComplaintRecord | None: ...

    def answer_complaint(
        self,
        complaint_id: str,
        answer: str,
        by: str,
        at: dt.datetime,
        audit: AuditEntry,
        outbox: Sequence[OutgoingMail] = (),
    ) -> ComplaintRecord:
        """Compare-and-set open → answered with the answer, its author and time, the audit entry and the mails.

        Returns the answered complaint; ComplaintAnswered (nothing changed, no mail queued) when it is answered
        already, ComplaintNotFound when there is none. Of two answers at once exactly one wins.
        """
        ...

    def complaints_received_between(self, start: dt.datetime, end: dt.datetime) -> list[ComplaintRecord]:
        """Complaints received in [start, end), ordered by `received_at` (then id): the export and the report."""
        ...


class MailHistory(Protocol):
    """Every mail of one request, whatever became of it: the console's mail history."""

    def mail_history(self, request_id: str) -> list[OutboxEntry]:
        """The request's outbox entries in every state (pending, sent, dead), oldest queued first."""
        ...


@dataclass(frozen=True)
class StaffSession:
    """A signed-in staff member's session. The store keeps only a hash of the cookie's token, never the token."""

    token_hash: str
    email: str
    created_at: dt.datetime
    expires_at: dt.datetime


class StaffSessions(Protocol):
    """Staff console sessions and the single use of sign-in links (decision 0030)."""

    def create_session(self, token_hash: str, email: str, created: dt.datetime, expires: dt.datetime) -> None:
        """Store a new session; an adapter may forget sessions that expired before `created` meanwhile."""
        ...

    def get_session(self, token_hash: str) -> StaffSession | None:
        """The stored session, expired or not (the caller compares `expires_at` with its clock); None if none."""
        ...

    def end_session(self, token_hash: str) -> None:
        """Forget the session at once (sign-out, or its address left the lists); ending a missing one is fine."""
        ...

    def consume_login(self, nonce: str, expires: dt.datetime, now: dt.datetime) -> bool:
        """Mark a sign-in link's nonce used: True the first time only, atomically (compare-and-set).

        Of N concurrent consumptions of one nonce exactly one returns True, and one whose answer was lost and
        retried by the client library still returns True. `expires` is when the link expires (the record may be
        forgotten after it); `now` is the caller's clock.
        """
        ...


class StaffQueue(Protocol):
    """The console's list of requests."""

    def queue_requests(
        self,
        status: str | None,
        opd: str | None,
        start_from: dt.datetime | None,
        start_before: dt.datetime | None,
        limit: int,
        matches: Callable[[QueueEntry], bool] | None = None,
    ) -> list[QueueEntry]:
        """Requests in `status` (any, if None) of `opd` (the stored `opd`, any if None) whose event starts in
        [start_from, start_before) (open ends when None) and for which `matches` holds (all, if None), ordered by
        start then id, at most `limit`. The store reads them in pages until `limit` match or none are left, and
        reads only what a `QueueEntry` holds where it can (a Firestore projection)."""
        ...


class Store(
    RequestStore,
    RateLimits,
    HostSlots,
    ZoomUsage,
    Outbox,
    Jobs,
    Complaints,
    MailHistory,
    StaffSessions,
    StaffQueue,
    Protocol,
):
    """Every store port: what one adapter (SQLite, Firestore) provides. Use cases ask for the small ports."""
