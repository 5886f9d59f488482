"""Cloud recordings after the meeting: archived byte for byte into our storage, then trashed in Zoom, then deleted
under the retention policy. A recording made without the organiser's consent waits for staff to decide.

Every step is a job (vicon.usecases.jobs) and idempotent: files are tracked one by one by Zoom's file id, each is
written to the blob store atomically under a name of its own, and the request's list of archived files grows by
a compare-and-set, so two runs at once archive a file twice at worst and never record it twice or lose it.
Nothing is inferred from a failed or partial answer: a listing that fails retries the job, it never means "gone".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from vicon.lifecycle import Status
from vicon.meetings import DownloadRefused, Recording, RecordingFile, ZoomError
from vicon.ports import AuditEntry, Blobs, ClaimedJob, CloudRecordings, Job, Jobs, OutgoingMail, RequestStore
from vicon.records import ArchivedFile, DeletedFile, RecordingDecision, RequestChanges, RequestRecord
from vicon.settings import Settings
from vicon.usecases.jobs import JOB_LEASE, Done, GiveUp, Outcome, RequestJob, RetryAt, retry_delay

log = logging.getLogger(__name__)

SYSTEM = "sistem"
RECORDINGS = "recordings"
RETENTION = "retention"
RETENTION_REMINDER = "retention_reminder"
SWEEP = "recordings_sweep"
# Zoom processes a cloud recording after the meeting ends, usually within an hour or two of it.
CHECK_AFTER_END = dt.timedelta(hours=1)
# How long after the end the trigger keeps looking for a recording that has not shown up yet.
LOOK_FOR = dt.timedelta(days=2)
STILL_PROCESSING_RETRY = dt.timedelta(minutes=30)
LEASE_RETRY = dt.timedelta(minutes=2)
REMIND_BEFORE_DELETION = dt.timedelta(days=3)
# The daily sweep looks back this far (one listing window of Zoom's at most 30 days).
SWEEP_DAYS = 30
KEEP_DONE_JOBS = dt.timedelta(days=45)
_EXTENSION = re.compile(r"[a-z0-9]{1,8}")
CONTENT_TYPES = {
    "mp4": "video/mp4",
    "m4a": "audio/mp4",
    "vtt": "text/vtt; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
}


class RecordingMails(Protocol):
    """The mails this module queues (`vicon.messages.MailComposer` writes them)."""

    def recording_unconsented(self, record: RequestRecord, recording: Recording) -> list[OutgoingMail]: ...

    def recordings_ready(self, record: RequestRecord, deletion_at: dt.datetime) -> list[OutgoingMail]: ...

    def recordings_reminder(self, record: RequestRecord, deletion_at: dt.datetime) -> list[OutgoingMail]: ...


def deletion_time(settings: Settings, record: RequestRecord) -> dt.datetime:
    """When the archived recordings of `record` are deleted: RECORDING_RETENTION_DAYS after the meeting."""
    end = record.actual_end or record.end
    return end + dt.timedelta(days=settings.recording_retention_days)


def blob_key(record: RequestRecord, file: RecordingFile) -> str:
    extension = file.file_extension.lower()
    return f"recordings/{record.id}/{file.id}.{extension if _EXTENSION.fullmatch(extension) else 'bin'}"


def recordings_job_key(request_id: str, recording: Recording | None = None) -> str:
    """One job per request and set of files: a recording that gains a file later (a transcript) runs again."""
    if recording is None:
        return f"{RECORDINGS}:{request_id}:trigger"
    files = ",".join(sorted(file.id for file in recording.files))
    digest = hashlib.sha256(f"{recording.uuid}|{files}".encode()).hexdigest()[:24]
    return f"{RECORDINGS}:{request_id}:{digest}"


def schedule_recording_trigger(jobs: Jobs, record: RequestRecord) -> None:
    """The clean-up trigger of a newly provisioned meeting: look for its recordings after it ends, webhook or not."""
    jobs.schedule_job(
        Job(
            key=recordings_job_key(record.id),
            kind=RECORDINGS,
            due_at=record.end + CHECK_AFTER_END,
            payload=RequestJob(request_id=record.id).payload(),
            request_id=record.id,
        )
    )


def schedule_recording_check(jobs: Jobs, record: RequestRecord, recording: Recording, now: dt.datetime) -> bool:
    """Archive (or report) `recording` of `record` now; False when this very set of files was already queued."""
    return jobs.schedule_job(
        Job(
            key=recordings_job_key(record.id, recording),
            kind=RECORDINGS,
            due_at=now,
            payload=RequestJob(request_id=record.id, meeting_uuid=recording.uuid).payload(),
            request_id=record.id,
        )
    )


def claim_once(
    requests: RequestStore, request_id: str, change: Callable[[RequestRecord], RequestChanges | None]
) -> bool:
    """True for the one caller whose compare-and-set made the change (a mail or a lease taken once)."""
    before = requests.get_request(request_id)
    if before is None or change(before) is None:
        return False  # nothing to claim: no write at all
    claimed = False

    def once(current: RequestRecord) -> RequestChanges | None:
        nonlocal claimed
        changes = change(current)
        claimed = changes is not None
        return changes

    requests.modify_request(request_id, once)
    return claimed


class _Hashing:
    """Passes chunks through, counting and hashing them on the way."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = chunks
        self.size = 0
        self.sha256 = hashlib.sha256()

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self.size += len(chunk)
            self.sha256.update(chunk)
            yield chunk


@dataclass(frozen=True)
class RecordingPorts:
    settings: Settings
    requests: RequestStore
    jobs: Jobs
    cloud: CloudRecordings
    blobs: Blobs
    mails: RecordingMails
    clock: Callable[[], dt.datetime]


class RecordingArchive:
    """The `recordings` job: find the meeting's recordings, report or archive them, then trash Zoom's copy."""

    def __init__(self, ports: RecordingPorts) -> None:
        self.p = ports

    def handle(self, claimed: ClaimedJob) -> Outcome:
        job = RequestJob.of(claimed)
        request_id, uuid = job.request_id, job.meeting_uuid
        record = self.p.requests.get_request(request_id)
        if record is None or record.meeting is None:
            return Done()
        now = self.p.clock()
        try:
            recordings = self._recordings(record, uuid)
        except ZoomError as exc:
            return RetryAt(now + retry_delay(claimed.attempts + 1), f"Zoom: {exc}")
        if not recordings:
            if uuid is None and now < record.end + LOOK_FOR:
                return RetryAt(now + STILL_PROCESSING_RETRY, "belum ada rekaman")
            return Done()
        lease = self._take_lease(record.id)
        if lease is None:
            # Another job works on this request's recordings right now; this one looks again after it.
            return RetryAt(now + LEASE_RETRY, "rekaman sedang diproses tugas lain")
        try:
            return self._all(record, recordings, claimed)
        finally:
            self._release_lease(record.id, lease)

    def _take_lease(self, request_id: str) -> str | None:
        now = self.p.clock()
        lease = secrets.token_hex(8)

        def take(current: RequestRecord) -> RequestChanges | None:
            held = current.recordings_lease_until is not None and current.recordings_lease_until > now
            return None if held else RequestChanges(recordings_lease=lease, recordings_lease_until=now + JOB_LEASE)

        return lease if claim_once(self.p.requests, request_id, take) else None

    def _release_lease(self, request_id: str, lease: str) -> None:
        def release(current: RequestRecord) -> RequestChanges | None:
            if current.recordings_lease != lease:
                return None
            return RequestChanges(recordings_lease=None, recordings_lease_until=None)

        self.p.requests.modify_request(request_id, release)

    def _all(self, record: RequestRecord, recordings: list[Recording], claimed: ClaimedJob) -> Outcome:
        request_id = record.id
        waiting = []
        for recording in recordings:
            outcome = self._one(record, recording, claimed)
            record = self.p.requests.get_request(request_id) or record
            if not isinstance(outcome, Done):
                waiting.append(outcome)
        if any(isinstance(o, GiveUp) for o in waiting):
            return next(o for o in waiting if isinstance(o, GiveUp))
        retries = [o for o in waiting if isinstance(o, RetryAt)]
        return min(retries, key=lambda o: o.at) if retries else Done()

    def _recordings(self, record: RequestRecord, uuid: str | None) -> list[Recording]:
        """The meeting's recordings with fresh download tokens; only instances of the meeting we created."""
        meeting = record.held_meeting()
        if uuid is not None:
            found = self.p.cloud.meeting_recordings(uuid)
            return [found] if found is not None and found.meeting_id == meeting.id else []
        start = (record.actual_start or record.start).date() - dt.timedelta(days=1)
        end = (record.actual_end or record.end).date() + dt.timedelta(days=1)
        listed = [r for r in self.p.cloud.list_recordings(meeting.host, start, end) if r.meeting_id == meeting.id]
        fresh = [self.p.cloud.meeting_recordings(r.uuid) for r in listed]
        return [r for r in fresh if r is not None and r.meeting_id == meeting.id]

    def _one(self, record: RequestRecord, recording: Recording, claimed: ClaimedJob) -> Outcome:
        now = self.p.clock()
        if recording.uuid in record.trashed_recordings:
            return Done()
        if not record.recording_consent and record.recording_decision is None:
            self._report_unconsented(record, recording)
            return Done()  # staff decide from their link; that decision starts the next run
        if record.recording_decision is RecordingDecision.DELETE:
            return self._trash(record, recording, "recording_deleted_unconsented")
        if record.recordings_deleted_at is not None:
            # Retention ran already: a late file is not kept, only removed from Zoom.
            return self._trash(record, recording, "recording_trashed_after_retention")
        archived = {file.file_id for file in record.recordings}
        pending = [file for file in recording.files if file.id not in archived]
        processing = [file for file in pending if not file.ready]
        for file in pending:
            if not file.ready:
                continue
            try:
                self._archive_file(record, recording, file)
            except (DownloadRefused, ZoomError) as exc:
                log.warning("archiving %s of %s failed: %s", file.id, record.id, exc)
                return RetryAt(now + retry_delay(claimed.attempts + 1), f"unduhan {file.id}: {exc}")
        if processing:
            return RetryAt(now + STILL_PROCESSING_RETRY, "rekaman masih diproses Zoom")
        current = self.p.requests.get_request(record.id) or record
        self._after_archive(current)
        return self._trash(current, recording, "recording_trashed")

    def _archive_file(self, record: RequestRecord, recording: Recording, file: RecordingFile) -> None:
        """Download one file into the blob store, check it, and add it to the request's list."""
        key = blob_key(record, file)
        extension = key.rsplit(".", 1)[-1]
        with self.p.cloud.download(file, recording.download_access_token) as chunks:
            counted = _Hashing(chunks)
            self.p.blobs.put_stream(key, counted, CONTENT_TYPES.get(extension, "application/octet-stream"))
        if counted.size != file.file_size:  # the client checks too; a blob of the wrong size is never kept
            self.p.blobs.delete(key)
            raise DownloadRefused(f"{file.id}: {counted.size} bytes, Zoom said {file.file_size}")
        archived = ArchivedFile(
            file_id=file.id,
            meeting_uuid=recording.uuid,
            file_type=file.file_type,
            file_extension=extension,
            recording_start=file.recording_start,
            size=counted.size,
            sha256=counted.sha256.hexdigest(),
            blob_key=key,
            archived_at=self.p.clock(),
        )

        def add(current: RequestRecord) -> RequestChanges | None:
            if any(known.file_id == file.id for known in current.recordings):
                return None
            return RequestChanges(recordings=(*current.recordings, archived))

        # Two runs may both have downloaded it (same bytes, same key); one of them records it.
        if not claim_once(self.p.requests, record.id, add):
            return
        self.p.requests.record_audit(
            AuditEntry(
                record.id,
                self.p.clock(),
                SYSTEM,
                "recording_archived",
                None,
                None,
                {"file": file.id, "type": file.file_type, "size": archived.size, "sha256": archived.sha256},
            )
        )

    def _after_archive(self, record: RequestRecord) -> None:
        """Once something is archived: the retention jobs, and the organiser's one mail with the download link."""
        deletion = self._schedule_retention(record)
        self.p.jobs.schedule_job(
            Job(
                f"{RETENTION_REMINDER}:{record.id}",
                RETENTION_REMINDER,
                deletion - REMIND_BEFORE_DELETION,
                RequestJob(request_id=record.id).payload(),
                record.id,
            )
        )
        now = self.p.clock()
        mails = self.p.mails.recordings_ready(record, deletion)

        def mark(current: RequestRecord) -> RequestChanges | None:
            return None if current.recordings_mailed_at else RequestChanges(recordings_mailed_at=now)

        if claim_once(self.p.requests, record.id, mark):
            self.p.requests.record_audit(AuditEntry(record.id, now, SYSTEM, "recordings_mailed", None, None, {}), mails)

    def _schedule_retention(self, record: RequestRecord) -> dt.datetime:
        deletion = deletion_time(self.p.settings, record)
        self.p.jobs.schedule_job(
            Job(f"{RETENTION}:{record.id}", RETENTION, deletion, RequestJob(request_id=record.id).payload(), record.id)
        )
        return deletion

    def _report_unconsented(self, record: RequestRecord, recording: Recording) -> None:
        now = self.p.clock()

        def mark(current: RequestRecord) -> RequestChanges | None:
            return None if current.recording_notice_at else RequestChanges(recording_notice_at=now)

        # Undecided, it still goes at the retention date: no recording outlives the policy for want of a click.
        self._schedule_retention(record)
        if claim_once(self.p.requests, record.id, mark):
            mails = self.p.mails.recording_unconsented(record, recording)
            self.p.requests.record_audit(
                AuditEntry(
                    record.id, now, SYSTEM, "recording_unconsented_reported", None, None, {"uuid": recording.uuid}
                ),
                mails,
            )

    def _trash(self, record: RequestRecord, recording: Recording, action: str) -> Outcome:
        """Move the Zoom copy to Zoom's trash (kept there 30 days) and note it; already trashed is fine."""
        now = self.p.clock()
        try:
            self.p.cloud.trash_recordings(recording.uuid)
        except ZoomError as exc:
            return RetryAt(now + retry_delay(1), f"Zoom trash: {exc}")

        def add(current: RequestRecord) -> RequestChanges | None:
            if recording.uuid in current.trashed_recordings:
                return None
            return RequestChanges(trashed_recordings=(*current.trashed_recordings, recording.uuid))

        if claim_once(self.p.requests, record.id, add):
            files = [file.id for file in recording.files]
            self.p.requests.record_audit(
                AuditEntry(record.id, now, SYSTEM, action, None, None, {"uuid": recording.uuid, "files": files})
            )
        return Done()


class Retention:
    """The `retention` job deletes what was archived; `retention_reminder` tells the organiser three days before."""

    def __init__(self, ports: RecordingPorts) -> None:
        self.p = ports

    def delete(self, claimed: ClaimedJob) -> Outcome:
        record = self.p.requests.get_request(RequestJob.of(claimed).request_id)
        if record is None:
            return Done()
        now = self.p.clock()
        deletion = deletion_time(self.p.settings, record)
        if now < deletion:
            # The meeting moved (or ran late): nothing is deleted before its date.
            return RetryAt(deletion, "belum waktunya")
        deleted = []
        for file in record.recordings:
            self.p.blobs.delete(file.blob_key)
            deleted.append(
                DeletedFile(
                    file_id=file.file_id, blob_key=file.blob_key, size=file.size, sha256=file.sha256, deleted_at=now
                )
            )
            self.p.requests.record_audit(
                AuditEntry(
                    record.id,
                    now,
                    SYSTEM,
                    "recording_deleted",
                    None,
                    None,
                    {
                        "file": file.file_id,
                        "blob": file.blob_key,
                        "size": file.size,
                        "sha256": file.sha256,
                        "reason": f"masa simpan {self.p.settings.recording_retention_days} hari setelah kegiatan",
                    },
                )
            )
        removed = {file.file_id for file in deleted}

        def apply(current: RequestRecord) -> RequestChanges:
            return RequestChanges(
                recordings=tuple(f for f in current.recordings if f.file_id not in removed),
                deleted_recordings=(*current.deleted_recordings, *deleted),
                recordings_deleted_at=current.recordings_deleted_at or now,
            )

        self.p.requests.modify_request(record.id, apply)
        # Whatever is still in Zoom (never archived, say) goes too: no copy outlives the retention by a day.
        try:
            self._trash_left_in_zoom(record)
        except ZoomError as exc:
            return RetryAt(now + retry_delay(claimed.attempts + 1), f"Zoom: {exc}")
        return Done()

    def _trash_left_in_zoom(self, record: RequestRecord) -> None:
        """Delete the meeting's recordings in Zoom for good: still listed (never archived), or in Zoom's trash."""
        if record.meeting is None:
            return
        start = (record.actual_start or record.start).date() - dt.timedelta(days=1)
        end = (record.actual_end or record.end).date() + dt.timedelta(days=1)
        listed = [
            r.uuid
            for r in self.p.cloud.list_recordings(record.meeting.host, start, end)
            if r.meeting_id == record.meeting.id
        ]
        for uuid in dict.fromkeys([*listed, *record.trashed_recordings]):
            self.p.cloud.delete_recordings(uuid)

    def remind(self, claimed: ClaimedJob) -> Outcome:
        record = self.p.requests.get_request(RequestJob.of(claimed).request_id)
        if record is None or not record.recordings or record.recordings_deleted_at is not None:
            return Done()
        now = self.p.clock()
        deletion = deletion_time(self.p.settings, record)

        def mark(current: RequestRecord) -> RequestChanges | None:
            return None if current.recordings_reminded_at else RequestChanges(recordings_reminded_at=now)

        if claim_once(self.p.requests, record.id, mark):
            self.p.requests.record_audit(
                AuditEntry(record.id, now, SYSTEM, "recordings_reminded", None, None, {}),
                self.p.mails.recordings_reminder(record, deletion),
            )
        return Done()


class RecordingSweep:
    """The daily sweep: every host's recordings of the last 30 days, so nothing a webhook missed stays in Zoom."""

    def __init__(self, ports: RecordingPorts, hosts: Sequence[str]) -> None:
        self.p = ports
        self.hosts = hosts

    def handle(self, claimed: ClaimedJob) -> Outcome:
        now = self.p.clock()
        today = now.date()
        # Finished jobs are kept a while so their keys de-duplicate (a webhook resent days later); then forgotten.
        self.p.jobs.prune_jobs(now - KEEP_DONE_JOBS)
        try:
            for host in self.hosts:
                for recording in self.p.cloud.list_recordings(host, today - dt.timedelta(days=SWEEP_DAYS - 1), today):
                    record = self.p.requests.request_by_meeting(recording.meeting_id)
                    # Only meetings this app created: a meeting made in the Zoom portal is never touched.
                    if record is not None and record.status in (Status.PROVISIONED, Status.COMPLETED, Status.CANCELLED):
                        schedule_recording_check(self.p.jobs, record, recording, now)
        except ZoomError as exc:
            # A failed listing proves nothing; the next attempt lists again.
            return RetryAt(now + retry_delay(claimed.attempts + 1), f"Zoom: {exc}")
        return Done()


def schedule_daily_sweep(jobs: Jobs, now: dt.datetime) -> None:
    """Once per UTC day, whichever tick comes first (the key is the day)."""
    jobs.schedule_job(Job(f"{SWEEP}:{now.date().isoformat()}", SWEEP, now, {}))


def unknown(claimed: ClaimedJob) -> Outcome:
    return GiveUp(f"jenis tugas tidak dikenal: {claimed.job.kind}")
