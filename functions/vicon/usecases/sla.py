"""The service-level jobs (SOP items 4 and 9): reminders before a due time, one escalation after it, and the
reminder the working day before the event.

Scheduled when the clock starts: at submission (verification), at a failed provisioning (the meeting; one made at
once never needs the clock), and when the meeting is made (the day before). Each notice is one job whose key is
the notice and the request, so it is scheduled once; its handler reads the request when it runs, sends nothing
when the request has moved on (decided, provisioned, cancelled), and marks the notice on the request by a
compare-and-set before queueing the mails, so a job that runs twice sends once (decision 0031).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from vicon.lifecycle import Status
from vicon.ports import AuditEntry, ClaimedJob, Job, Jobs, OutgoingMail, RequestStore
from vicon.records import RequestChanges, RequestRecord
from vicon.settings import Settings
from vicon.sla import OfficeClock, ServiceLevel
from vicon.timefmt import iso
from vicon.usecases.jobs import Done, Outcome, RequestJob, RetryAt
from vicon.workdays import WorkingCalendar

log = logging.getLogger(__name__)

SYSTEM = "sistem"
SLA = "sla"
# Still waiting for a meeting: approved (being made), or failed and retried.
AWAITING_MEETING = (Status.APPROVED, Status.PROVISIONING_FAILED)


class Notice(StrEnum):
    VERIFICATION_REMINDER = "verification_reminder"  # to the verifiers, before the verification is due
    VERIFICATION_OVERDUE = "verification_overdue"  # to SUPERVISOR_EMAILS, once it is overdue
    PROVISIONING_REMINDER = "provisioning_reminder"  # to the verifiers, before the meeting is due
    PROVISIONING_OVERDUE = "provisioning_overdue"  # to SUPERVISOR_EMAILS, once the meeting is overdue
    MEETING_REMINDER = "meeting_reminder"  # to the requester and OPERATOR_EMAILS, the working day before


class SlaJob(RequestJob):
    """The payload of an `sla` job: which notice, for which request."""

    notice: Notice

    @classmethod
    def of(cls, claimed: ClaimedJob) -> SlaJob:
        return cls.model_validate(claimed.job.payload)


def service_level(settings: Settings, calendar: WorkingCalendar | None = None) -> ServiceLevel:
    """The SLA rules on the lead-time rule's calendar and the configured office hours."""
    calendar = calendar or WorkingCalendar(settings.extra_holidays, settings.extra_working_days)
    return ServiceLevel(OfficeClock(calendar, settings.tz, settings.office_hours, settings.office_hours_friday))


def notice_key(notice: Notice, request_id: str) -> str:
    return f"{SLA}:{notice}:{request_id}"


def _schedule(jobs: Jobs, notice: Notice, record: RequestRecord, at: dt.datetime) -> None:
    payload = SlaJob(request_id=record.id, notice=notice).payload()
    jobs.schedule_job(Job(notice_key(notice, record.id), SLA, at, payload, record.id))


def schedule_verification_clock(jobs: Jobs, level: ServiceLevel, record: RequestRecord) -> None:
    """At submission: the verifiers' reminder and the supervisors' escalation."""
    due = level.verification_due(record.created_at)
    _schedule(jobs, Notice.VERIFICATION_REMINDER, record, level.reminder_at(due))
    _schedule(jobs, Notice.VERIFICATION_OVERDUE, record, due)


def provisioning_due(level: ServiceLevel, record: RequestRecord) -> dt.datetime | None:
    """When the meeting of an approved request is due; None before an approval."""
    if record.decided_at is None or record.status in (Status.SUBMITTED, Status.REJECTED):
        return None
    return level.provisioning_due(record.decided_at, record.start)


def schedule_provisioning_clock(jobs: Jobs, level: ServiceLevel, record: RequestRecord, now: dt.datetime) -> None:
    """At a failed provisioning (every one: the keys keep it to one of each). A reminder past its time is left out:
    the failure's own mail just told the verifiers."""
    due = provisioning_due(level, record)
    if due is None:
        return
    remind = level.reminder_at(due)
    if remind > now:
        _schedule(jobs, Notice.PROVISIONING_REMINDER, record, remind)
    _schedule(jobs, Notice.PROVISIONING_OVERDUE, record, max(due, now))


def schedule_meeting_reminder(jobs: Jobs, level: ServiceLevel, record: RequestRecord, now: dt.datetime) -> None:
    """When the meeting is made: the reminder the working day before, unless that time has passed already (the
    invitation and the officers' mail went out just now)."""
    at = level.meeting_reminder_at(record.start)
    if at > now:
        _schedule(jobs, Notice.MEETING_REMINDER, record, at)


class SlaMails(Protocol):
    """The mails the notices queue (`vicon.messages.MailComposer` writes them)."""

    def verification_reminder(self, record: RequestRecord, due: dt.datetime) -> list[OutgoingMail]: ...

    def verification_overdue(self, record: RequestRecord, due: dt.datetime) -> list[OutgoingMail]: ...

    def provisioning_reminder(self, record: RequestRecord, due: dt.datetime) -> list[OutgoingMail]: ...

    def provisioning_overdue(self, record: RequestRecord, due: dt.datetime) -> list[OutgoingMail]: ...

    def meeting_reminder(self, record: RequestRecord) -> list[OutgoingMail]: ...


@dataclass(frozen=True)
class SlaPorts:
    level: ServiceLevel
    requests: RequestStore
    mails: SlaMails
    clock: Callable[[], dt.datetime]


@dataclass(frozen=True)
class _Plan:
    """A notice that still applies: when it goes, the due time it names, and what it sends."""

    at: dt.datetime
    due: dt.datetime
    late_after: dt.datetime | None  # a reminder not sent by then is pointless: the escalation takes over
    build: Callable[[], list[OutgoingMail]]


class SlaNotices:
    """The `sla` job: one notice of one request, sent once and only while it still applies."""

    def __init__(self, ports: SlaPorts) -> None:
        self.p = ports

    def handle(self, claimed: ClaimedJob) -> Outcome:
        job = SlaJob.of(claimed)
        record = self.p.requests.get_request(job.request_id)
        if record is None or job.notice in record.sla_notices:
            return Done()
        now = self.p.clock()
        plan = self._plan(record, job.notice, now)
        if plan is None:
            return Done()  # moved on: decided, provisioned, cancelled, or the event has started
        if now < plan.at:
            # The calendar or the office hours changed since it was scheduled: it goes at the new time.
            return RetryAt(plan.at, "belum waktunya")
        if plan.late_after is not None and now >= plan.late_after:
            log.info("%s of %s ran after its due time; the escalation says it", job.notice, record.id)
            return Done()
        mails = plan.build()

        marked = False

        def mark(current: RequestRecord) -> RequestChanges | None:
            # May run more than once (a lost race reads again): the last run is the one stored.
            nonlocal marked
            marked = job.notice not in current.sla_notices
            return RequestChanges(sla_notices=(*current.sla_notices, job.notice)) if marked else None

        self.p.requests.modify_request(record.id, mark)
        if not marked:
            return Done()  # another run marked it first; it queued the mails
        self.p.requests.record_audit(
            AuditEntry(record.id, now, SYSTEM, f"sla_{job.notice}", None, None, {"due": iso(plan.due)}), mails
        )
        return Done()

    def _plan(self, record: RequestRecord, notice: Notice, now: dt.datetime) -> _Plan | None:
        level, mails = self.p.level, self.p.mails
        started = now >= record.start
        if notice in (Notice.VERIFICATION_REMINDER, Notice.VERIFICATION_OVERDUE):
            if record.status != Status.SUBMITTED:
                return None
            due = level.verification_due(record.created_at)
            if notice is Notice.VERIFICATION_OVERDUE:
                return _Plan(due, due, None, lambda: mails.verification_overdue(record, due))
            if started:
                return None  # the review link has expired with the event's start
            return _Plan(level.reminder_at(due), due, due, lambda: mails.verification_reminder(record, due))
        if notice in (Notice.PROVISIONING_REMINDER, Notice.PROVISIONING_OVERDUE):
            meeting_due = provisioning_due(level, record)
            if record.status not in AWAITING_MEETING or meeting_due is None:
                return None
            due = meeting_due
            if notice is Notice.PROVISIONING_OVERDUE:
                return _Plan(due, due, None, lambda: mails.provisioning_overdue(record, due))
            if started:
                return None
            return _Plan(level.reminder_at(due), due, due, lambda: mails.provisioning_reminder(record, due))
        if record.status != Status.PROVISIONED or record.meeting is None or started:
            return None
        at = level.meeting_reminder_at(record.start)
        return _Plan(at, record.start, record.start, lambda: mails.meeting_reminder(record))
