"""The satisfaction survey (SKM) of a completed request: one mail with the signed link, one reminder after three
working days without an answer, and one answer per request.

Completion schedules the `survey` job (key `survey:<request>`: once). It marks the mail sent by compare-and-set
(`survey_mailed_at`) and queues it with an audit entry; before that it schedules the `survey_reminder` job
(`survey_reminder:<request>`), so a mail lost to a crash between the two writes is still followed by the reminder.
The reminder goes once (`survey_reminded_at`), and not at all once the survey is answered. The answer itself is a
compare-and-set on `survey`: of two submissions for one request exactly one is stored, the other is a 409.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from vicon import intake
from vicon.lifecycle import Status
from vicon.ports import AuditEntry, ClaimedJob, Job, Jobs, OutgoingMail, RequestNotFound, RequestStore
from vicon.records import RequestChanges, RequestRecord, SurveyResponse
from vicon.settings import Settings
from vicon.signing import Signer
from vicon.timefmt import iso
from vicon.usecases.access import Refused
from vicon.usecases.jobs import Done, Outcome, RequestJob, RetryAt
from vicon.workdays import WorkingCalendar

if TYPE_CHECKING:
    from vicon.inputs import SurveyForm

log = logging.getLogger(__name__)

SYSTEM = "sistem"
SURVEY = "survey"
SURVEY_REMINDER = "survey_reminder"
SURVEY_PURPOSE = "survey"
REMIND_AFTER_WORKING_DAYS = 3
NOT_YET = "Survei dibuka setelah kegiatan selesai."
ALREADY_ANSWERED = "Survei untuk permohonan ini sudah diisi. Terima kasih atas penilaian Anda."


class SurveyMails(Protocol):
    """The mails this module queues (`vicon.messages.MailComposer` writes them)."""

    def survey(self, record: RequestRecord, reminder: bool = False) -> list[OutgoingMail]: ...


@dataclass(frozen=True)
class SurveyPorts:
    settings: Settings
    calendar: WorkingCalendar
    requests: RequestStore
    jobs: Jobs
    mails: SurveyMails
    clock: Callable[[], dt.datetime]


def schedule_survey(jobs: Jobs, record: RequestRecord, now: dt.datetime) -> None:
    """The survey mail of a request that has just completed (once: the key is the request)."""
    jobs.schedule_job(Job(f"{SURVEY}:{record.id}", SURVEY, now, RequestJob(request_id=record.id).payload(), record.id))


def reminder_due(calendar: WorkingCalendar, settings: Settings, mailed_at: dt.datetime) -> dt.datetime:
    """Three working days after the survey mail, at the same local time of day."""
    local = mailed_at.astimezone(settings.tz)
    day = calendar.add_working_days(local.date(), REMIND_AFTER_WORKING_DAYS)
    return dt.datetime.combine(day, local.timetz()).astimezone(dt.UTC)


def claim_once(
    requests: RequestStore, request_id: str, change: Callable[[RequestRecord], RequestChanges | None]
) -> bool:
    """True for the one caller whose compare-and-set made `change` (None from `change`: nothing to do)."""
    claimed = False

    def once(current: RequestRecord) -> RequestChanges | None:
        nonlocal claimed
        changes = change(current)
        claimed = changes is not None
        return changes

    requests.modify_request(request_id, once)
    return claimed


class SurveyMailing:
    """The `survey` and `survey_reminder` jobs."""

    def __init__(self, ports: SurveyPorts) -> None:
        self.p = ports

    def send(self, claimed: ClaimedJob) -> Outcome:
        record = self.p.requests.get_request(RequestJob.of(claimed).request_id)
        if record is None or record.status != Status.COMPLETED or record.survey is not None:
            return Done()
        now = self.p.clock()
        self.p.jobs.schedule_job(
            Job(
                f"{SURVEY_REMINDER}:{record.id}",
                SURVEY_REMINDER,
                reminder_due(self.p.calendar, self.p.settings, record.survey_mailed_at or now),
                RequestJob(request_id=record.id).payload(),
                record.id,
            )
        )

        def mark(current: RequestRecord) -> RequestChanges | None:
            return None if current.survey_mailed_at else RequestChanges(survey_mailed_at=now)

        if claim_once(self.p.requests, record.id, mark):
            self.p.requests.record_audit(
                AuditEntry(record.id, now, SYSTEM, "survey_mailed", None, None, {"to": record.contact_email}),
                self.p.mails.survey(record),
            )
        return Done()

    def remind(self, claimed: ClaimedJob) -> Outcome:
        record = self.p.requests.get_request(RequestJob.of(claimed).request_id)
        if record is None or record.status != Status.COMPLETED or record.survey is not None:
            return Done()
        if record.survey_reminded_at is not None:
            return Done()
        now = self.p.clock()
        if record.survey_mailed_at is not None:
            due = reminder_due(self.p.calendar, self.p.settings, record.survey_mailed_at)
            if now < due:
                return RetryAt(due, "belum 3 hari kerja sejak survei dikirim")

        def mark(current: RequestRecord) -> RequestChanges | None:
            if current.survey is not None or current.survey_reminded_at is not None:
                return None
            return RequestChanges(survey_reminded_at=now)

        if claim_once(self.p.requests, record.id, mark):
            self.p.requests.record_audit(
                AuditEntry(record.id, now, SYSTEM, "survey_reminded", None, None, {"to": record.contact_email}),
                self.p.mails.survey(record, reminder=True),
            )
        return Done()


class SurveyAnswers:
    """The survey page's two calls: which request a link is for, and the one answer."""

    def __init__(
        self, settings: Settings, signer: Signer, requests: RequestStore, clock: Callable[[], dt.datetime]
    ) -> None:
        self.settings = settings
        self.signer = signer
        self.requests = requests
        self.clock = clock

    def _record(self, token: str) -> RequestRecord:
        """The completed request behind a survey link; TokenError, RequestNotFound or Refused(409) otherwise."""
        claims = self.signer.verify(token, SURVEY_PURPOSE, self.clock())
        request_id = str(claims["r"])
        record = self.requests.get_request(request_id)
        if record is None:
            raise RequestNotFound(request_id)
        if record.status != Status.COMPLETED:
            raise Refused(409, NOT_YET, "token")
        return record

    def info(self, token: str) -> dict[str, Any]:
        """What the page shows above the questions (nothing the link's holder did not already know)."""
        record = self._record(token)
        return {
            "id": record.id,
            "event_name": record.event_name,
            "opd": record.office_label(),
            "start": iso(record.start),
            "end": iso(record.end),
            "answered": record.survey is not None,
            "timezone": self.settings.timezone,
            "timezone_label": intake.tz_abbreviation(self.settings.tz),
        }

    def submit(self, form: SurveyForm) -> RequestRecord:
        """Store the one answer of the request; Refused(409) when it has one already (nothing changes)."""
        record = self._record(form.token)
        now = self.clock()
        answer = SurveyResponse(
            scores=form.scores,
            jenis_kelamin=form.jenis_kelamin,
            usia=form.usia,
            pendidikan=form.pendidikan,
            pekerjaan=form.pekerjaan,
            comment=form.comment,
            submitted_at=now,
        )

        def store(current: RequestRecord) -> RequestChanges | None:
            return None if current.survey is not None else RequestChanges(survey=answer)

        if not claim_once(self.requests, record.id, store):
            raise Refused(409, ALREADY_ANSWERED)
        # The answer itself stays on the request only; the trail says that it came, not what it said.
        self.requests.record_audit(AuditEntry(record.id, now, record.contact_email, "survey_answered", None, None, {}))
        stored = self.requests.get_request(record.id)
        return stored or record
