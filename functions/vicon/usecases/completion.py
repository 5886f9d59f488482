"""A held meeting completes its request: from Zoom's `meeting.ended`, or from its past-meeting data when no
webhook came. Then the attendance (counts only) is fetched for the quarterly recap, and the requester is sent the
satisfaction survey (one mail, `vicon.usecases.survey`).

A meeting that ended before the scheduled start minus HOST_BUFFER_MINUTES was a test run (an officer trying the
host link the day before): it is written to the audit trail and completes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from vicon.lifecycle import Actor, Status, allowed_from
from vicon.meetings import ZoomError
from vicon.ports import AuditEntry, ClaimedJob, CloudRecordings, Job, Jobs, RequestStore, TransitionRefused
from vicon.records import RequestChanges, RequestRecord
from vicon.settings import Settings
from vicon.timefmt import iso
from vicon.usecases.jobs import Done, Outcome, RequestJob, RetryAt, retry_delay
from vicon.usecases.survey import schedule_survey

log = logging.getLogger(__name__)

SYSTEM = "sistem"
COMPLETION = "completion"
ATTENDANCE = "attendance"
# The tick looks at Zoom's past-meeting data this long after the scheduled end, when no webhook came.
COMPLETE_AFTER_END = dt.timedelta(hours=1)
# Past this, a meeting Zoom has no record of is taken as not held: the request stays as it is.
GIVE_UP_AFTER_END = dt.timedelta(days=2)
# Zoom's participants report is ready some minutes after the meeting ends.
ATTENDANCE_AFTER_END = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class CompletionPorts:
    settings: Settings
    requests: RequestStore
    jobs: Jobs
    cloud: CloudRecordings
    clock: Callable[[], dt.datetime]


def schedule_completion_check(jobs: Jobs, record: RequestRecord) -> None:
    jobs.schedule_job(
        Job(
            f"{COMPLETION}:{record.id}",
            COMPLETION,
            record.end + COMPLETE_AFTER_END,
            RequestJob(request_id=record.id).payload(),
            record.id,
        )
    )


class Completion:
    def __init__(self, ports: CompletionPorts) -> None:
        self.p = ports

    def is_test_run(self, record: RequestRecord, ended_at: dt.datetime) -> bool:
        buffer = dt.timedelta(minutes=self.p.settings.host_buffer_minutes)
        return ended_at < record.start - buffer

    def meeting_ended(
        self, record: RequestRecord, uuid: str, started_at: dt.datetime | None, ended_at: dt.datetime, source: str
    ) -> RequestRecord | None:
        """Complete `record` with the times Zoom reports; a test run is only written down. Idempotent."""
        now = self.p.clock()
        if self.is_test_run(record, ended_at):
            self.p.requests.record_audit(
                AuditEntry(
                    record.id,
                    now,
                    SYSTEM,
                    "meeting_test_run",
                    None,
                    None,
                    {"uuid": uuid, "start": _iso(started_at), "end": _iso(ended_at), "source": source},
                )
            )
            return None
        if record.status != Status.PROVISIONED:
            return None  # completed already (a second webhook), or cancelled
        try:
            completed = self.p.requests.transition(
                record.id,
                allowed_from(Status.COMPLETED, Actor.SYSTEM),
                Status.COMPLETED,
                AuditEntry(
                    record.id,
                    now,
                    SYSTEM,
                    "complete",
                    Status.PROVISIONED,
                    Status.COMPLETED,
                    {"uuid": uuid, "start": _iso(started_at), "end": _iso(ended_at), "source": source},
                ),
                changes=RequestChanges(actual_start=started_at, actual_end=ended_at),
            )
        except TransitionRefused:
            return None
        self.p.jobs.schedule_job(
            Job(
                f"{ATTENDANCE}:{record.id}",
                ATTENDANCE,
                max(now, ended_at + ATTENDANCE_AFTER_END),
                RequestJob(request_id=record.id, meeting_uuid=uuid).payload(),
                record.id,
            )
        )
        # The requester's one survey mail (vicon.usecases.survey), now that the event is done.
        schedule_survey(self.p.jobs, completed, now)
        return completed

    def check(self, claimed: ClaimedJob) -> Outcome:
        """The `completion` job: no webhook completed the request; ask Zoom whether the meeting was held."""
        record = self.p.requests.get_request(RequestJob.of(claimed).request_id)
        if record is None or record.status != Status.PROVISIONED or record.meeting is None:
            return Done()
        now = self.p.clock()
        try:
            # By the numeric id: Zoom answers its latest instance (a rehearsal the day before is an earlier one).
            past = self.p.cloud.past_meeting(str(record.meeting.id))
        except ZoomError as exc:
            return RetryAt(now + retry_delay(claimed.attempts + 1), f"Zoom: {exc}")
        held = past is not None and past.end_time is not None and not self.is_test_run(record, past.end_time)
        if past is None or past.end_time is None or not held:
            if now < record.end + GIVE_UP_AFTER_END:
                return RetryAt(now + dt.timedelta(hours=1), "Zoom belum mencatat meeting ini selesai")
            log.info("%s: Zoom has no record of the meeting being held", record.id)
            return Done()
        self.meeting_ended(record, past.uuid, past.start_time, past.end_time, "past_meeting")
        return Done()

    def attendance(self, claimed: ClaimedJob) -> Outcome:
        """The `attendance` job: distinct participants and total minutes, never names."""
        record = self.p.requests.get_request(RequestJob.of(claimed).request_id)
        if record is None:
            return Done()
        now = self.p.clock()
        uuid = RequestJob.of(claimed).meeting_uuid or (record.meeting.uuid if record.meeting else "")
        try:
            counted = self.p.cloud.attendance(uuid)
        except ZoomError as exc:
            return RetryAt(now + retry_delay(claimed.attempts + 1), f"Zoom: {exc}")
        self.p.requests.update_request(
            record.id,
            RequestChanges(
                attendance_participants=counted.distinct_participants, attendance_minutes=counted.total_minutes
            ),
        )
        return Done()


def _iso(moment: dt.datetime | None) -> str | None:
    return iso(moment) if moment else None
