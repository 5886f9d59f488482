"""The composition root's facade: the targets' one entry, building each use case from the ports it needs.

The use cases live in `vicon.usecases` (decision 0017); nothing there imports this module. Each call builds its
use case from the ports held now, so a test that swaps `core.store` or `core.meetings` is seen at the next call.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from vicon import intake
from vicon.fields import FieldError
from vicon.links import Links
from vicon.messages import MailComposer
from vicon.ports import Blobs, HostSlots, Jobs, Mailer, Meetings, Outbox, RequestStore, Store, Zoom, ZoomUsage
from vicon.provisioning import POLLS_JOB, retry_polls
from vicon.records import ComplaintRecord, RequestRecord
from vicon.rendering import render
from vicon.settings import Settings
from vicon.signing import Signer
from vicon.sla import ServiceLevel
from vicon.usecases import review, sla, submit
from vicon.usecases.access import Refused
from vicon.usecases.cancel import Cancellation
from vicon.usecases.complaints import ComplaintAnswerLink, ComplaintIntake, ComplaintReceipt, ComplaintRegistration
from vicon.usecases.completion import ATTENDANCE, COMPLETION, Completion, CompletionPorts
from vicon.usecases.delivery import MailDelivery
from vicon.usecases.host_calendar import HostCalendar
from vicon.usecases.jobs import Handler, JobRunner
from vicon.usecases.officer import OfficerLink
from vicon.usecases.recording_links import FileDownload, RecordingDecisionLink, RecordingFiles
from vicon.usecases.recordings import (
    RECORDINGS,
    RETENTION,
    RETENTION_REMINDER,
    SWEEP,
    RecordingArchive,
    RecordingPorts,
    RecordingSweep,
    Retention,
    schedule_daily_sweep,
)
from vicon.usecases.report import (
    REPORT,
    QuarterlyReportMailing,
    QuarterlyReports,
    ReportLink,
    ReportPorts,
    schedule_quarterly_report,
)
from vicon.usecases.staff_access import StaffAccess, StaffMember, StartedSession
from vicon.usecases.staff_console import StaffConsole
from vicon.usecases.staff_intake import StaffIntake
from vicon.usecases.status import RequestStatus
from vicon.usecases.submit import Intake, NotStored, RateLimited, Submission
from vicon.usecases.survey import SURVEY, SURVEY_REMINDER, SurveyAnswers, SurveyMailing, SurveyPorts
from vicon.usecases.tick import Tick
from vicon.usecases.webhook import WEBHOOK, Acknowledgement, WebhookEvents, WebhookReceiver
from vicon.workdays import WorkingCalendar

if TYPE_CHECKING:
    from vicon.fields import FieldError
    from vicon.inputs import DecisionForm, StaffActionForm, StaffCalendarQuery, StaffQueueQuery, SurveyForm

__all__ = ["Core", "NotStored", "RateLimited", "Refused", "Submission", "utc_now"]


log = logging.getLogger(__name__)
# The tick's share of its run for jobs (downloads of recordings included); the rest waits for the next tick.
JOBS_BUDGET_SECONDS = 240.0


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class ProvisioningPorts:
    """What provisioning works with (`provisioning.ProvisioningContext`), and nothing else of the core."""

    settings: Settings
    requests: RequestStore
    host_slots: HostSlots
    zoom_usage: ZoomUsage
    jobs: Jobs
    outbox: Outbox
    meetings: Meetings
    clock: Callable[[], dt.datetime]
    mails: MailComposer


@dataclass
class Core:
    """Everything the HTTP targets need, built from settings and adapters (tests hand in their own)."""

    settings: Settings
    store: Store
    blobs: Blobs
    mailer: Mailer
    meetings: Zoom
    clock: Callable[[], dt.datetime] = field(default=utc_now)
    # Called when a target queued a job; the local server runs due jobs at once, production waits for the tick.
    on_jobs_queued: Callable[[], None] = field(default=lambda: None)

    # ---- what the use cases share (and `messages.MailContext`, which the core provides) ----------------------

    @cached_property
    def mails(self) -> MailComposer:
        return MailComposer(self)

    @cached_property
    def signer(self) -> Signer:
        return Signer(self.settings.signing_key, self.settings.signing_keys_previous)

    @cached_property
    def links(self) -> Links:
        return Links(self.signer, self.settings.public_base_url)

    @cached_property
    def calendar(self) -> WorkingCalendar:
        return WorkingCalendar(self.settings.extra_holidays, self.settings.extra_working_days)

    @cached_property
    def rules(self) -> intake.IntakeRules:
        return intake.IntakeRules(
            tz=self.settings.tz,
            calendar=self.calendar,
            min_lead_working_days=self.settings.min_lead_working_days,
            max_participants=self.settings.max_participants,
            opd_list=self.settings.opd_list,
        )

    @cached_property
    def service_level(self) -> ServiceLevel:
        """The SLA clocks (SOP item 4) on the lead-time rule's calendar and OFFICE_HOURS."""
        return sla.service_level(self.settings, self.calendar)

    def verification_due(self, submitted_at: dt.datetime) -> dt.datetime:
        """When the verification is due (`vicon.sla`: one rule for the mails, the page and the reminders)."""
        return self.service_level.verification_due(submitted_at)

    def provisioning_due(self, record: RequestRecord) -> dt.datetime | None:
        """When the meeting of an approved request is due; None before an approval."""
        return sla.provisioning_due(self.service_level, record)

    def render(self, name: str, **context: Any) -> str:
        return render(self.settings.timezone, name, identity=self.settings.identity, **context)

    def page(self, name: str, **context: Any) -> str:
        """A server-rendered page; its assets come from the site."""
        return self.render(name, base_url=self.settings.public_base_url, **context)

    def api_url(self, target: str, **params: str) -> str:
        return self.links.api_url(target, **params)

    def status_url(self, record: RequestRecord) -> str:
        return self.links.status_url(record)

    def review_url(self, record: RequestRecord, verifier: str) -> str:
        return self.links.review_url(record, verifier)

    def letter_url(self, record: RequestRecord, verifier: str) -> str:
        return self.links.letter_url(record, verifier)

    def recording_decision_url(self, record: RequestRecord, person: str) -> str:
        return self.links.recording_decision_url(record, person)

    def recordings_url(self, record: RequestRecord, until: dt.datetime) -> str:
        return self.links.recordings_url(record, until)

    def officer_url(self, record: RequestRecord, operator: str) -> str:
        return self.links.officer_url(record, operator)

    def survey_url(self, record: RequestRecord) -> str:
        return self.links.survey_url(record)

    def survey_expiry(self, record: RequestRecord) -> dt.datetime:
        return self.links.survey_expiry(record)

    def complaint_answer_url(self, complaint: ComplaintRecord, person: str) -> str:
        return self.links.complaint_answer_url(complaint, person)

    def complaint_register_url(self, person: str, now: dt.datetime) -> str:
        return self.links.complaint_register_url(person, now)

    def _delivery(self) -> MailDelivery:
        return MailDelivery(
            self.store, self.blobs, self.mailer, self.settings.mail_from, self.clock, self.mails.undeliverable
        )

    def _provisioning(self) -> ProvisioningPorts:
        store = self.store
        return ProvisioningPorts(
            self.settings, store, store, store, store, store, self.meetings, self.clock, self.mails
        )

    # ---- the use cases, one line each -------------------------------------------------------------------------

    def intake_options(self) -> dict[str, Any]:
        return submit.intake_options(self.settings, self.rules, self.clock())

    def _intake(self) -> Intake:
        return Intake(
            self.settings,
            self.rules,
            self.store,
            self.store,
            self.blobs,
            self.links,
            self.mails,
            self._delivery(),
            self.clock,
            jobs=self.store,
            service_level=self.service_level,
        )

    def submit(
        self, fields: Mapping[str, Sequence[str]], letter: bytes | None, client: str | None = None
    ) -> Submission:
        return self._intake().submit(fields, letter, client)

    def deliver_mail(self, request_id: str | None = None) -> dict[str, int]:
        return self._delivery().deliver(request_id)

    def request_status(self, request_id: str, token: str) -> dict[str, Any]:
        return RequestStatus(self.settings, self.signer, self.store, self.clock).view(request_id, token)

    def _cancellation(self) -> Cancellation:
        return Cancellation(
            self.signer, self.store, self.store, self.meetings, self.mails, self._delivery(), self.clock
        )

    def cancel(self, request_id: str, token: str) -> RequestRecord:
        return self._cancellation().cancel(request_id, token)

    def review_page(self, token: str, error: str | None = None, reason: str = "") -> str:
        page = review.ReviewPage(
            self.settings, self.calendar, self.signer, self.store, self.links, self.page, self.clock
        )
        return page.render(token, error, reason)

    def letter(self, token: str) -> tuple[str, bytes]:
        return review.LetterLink(self.settings, self.signer, self.store, self.blobs, self.clock).letter(token)

    def _decision(self) -> review.Decision:
        return review.Decision(
            self.settings, self.signer, self.store, self.mails, self._provisioning(), self._delivery(), self.clock
        )

    def decide(self, form: DecisionForm) -> RequestRecord:
        return self._decision().decide(form)

    def _officer(self) -> OfficerLink:
        return OfficerLink(self.settings, self.signer, self.store, self.meetings, self.page, self.clock)

    def officer_page(self, token: str) -> str:
        return self._officer().confirmation_page(token)

    def start_url(self, token: str) -> str:
        return self._officer().start_url(token)

    # ---- complaints, suggestions and input (docs/decisions/0027-complaints.md) ------------------------------------

    def _complaint_intake(self) -> ComplaintIntake:
        store = self.store
        return ComplaintIntake(self.settings, store, store, store, self.mails, self._delivery(), self.clock)

    def submit_complaint(self, fields: Mapping[str, Sequence[str]], client: str | None = None) -> ComplaintReceipt:
        return self._complaint_intake().submit(fields, client)

    def complaint_received_page(self, receipt: ComplaintReceipt, register_token: str | None = None) -> str:
        again = self.api_url("complaint_register", token=register_token) if register_token else None
        return self.page("pages/complaint_received.html", receipt=receipt, again_url=again)

    def complaint_failed_page(self, errors: Sequence[FieldError]) -> str:
        return self.page("pages/complaint_failed.html", errors=errors)

    def _complaint_answer(self) -> ComplaintAnswerLink:
        return ComplaintAnswerLink(
            self.settings, self.signer, self.store, self.store, self.mails, self._delivery(), self.page, self.clock
        )

    def complaint_answer_page(self, token: str, error: str | None = None, answer: str = "", done: bool = False) -> str:
        return self._complaint_answer().confirmation_page(token, error, answer, done)

    def answer_complaint(self, token: str, answer: str) -> ComplaintRecord:
        return self._complaint_answer().answer(token, answer)

    def _complaint_registration(self) -> ComplaintRegistration:
        store = self.store
        return ComplaintRegistration(
            self.settings,
            self.signer,
            self._complaint_intake(),
            store,
            store,
            self.links,
            self.mails,
            self.page,
            self.clock,
        )

    def complaint_register_page(
        self, token: str, errors: Sequence[FieldError] = (), fields: Mapping[str, Sequence[str]] | None = None
    ) -> str:
        return self._complaint_registration().form_page(token, errors, fields)

    def register_complaint(self, token: str, fields: Mapping[str, Sequence[str]]) -> ComplaintReceipt:
        return self._complaint_registration().register(token, fields)

    def complaint_link_request_page(self, error: str | None = None, email: str = "") -> str:
        return self._complaint_registration().link_request_page(error, email)

    def request_complaint_register_link(self, email: str, client: str | None = None) -> Callable[[], None] | None:
        return self._complaint_registration().request_link(email, client)

    # ---- after the meeting: the webhook, recordings, completion (the jobs the tick runs) --------------------------

    def receive_webhook(self, headers: Mapping[str, str], body: bytes) -> Acknowledgement:
        return WebhookReceiver(self.settings.zoom_webhook_secret, self.store, self.clock).receive(headers, body)

    def _recording_ports(self) -> RecordingPorts:
        return RecordingPorts(self.settings, self.store, self.store, self.meetings, self.blobs, self.mails, self.clock)

    def _jobs(self) -> JobRunner:
        recordings = self._recording_ports()
        completion = Completion(CompletionPorts(self.settings, self.store, self.store, self.meetings, self.clock))
        retention = Retention(recordings)
        handlers: dict[str, Handler] = {
            WEBHOOK: WebhookEvents(self.store, self.store, completion, self.clock).handle,
            RECORDINGS: RecordingArchive(recordings).handle,
            RETENTION: retention.delete,
            RETENTION_REMINDER: retention.remind,
            SWEEP: RecordingSweep(recordings, [host.user for host in self.settings.zoom_hosts]).handle,
            COMPLETION: completion.check,
            ATTENDANCE: completion.attendance,
            sla.SLA: sla.SlaNotices(sla.SlaPorts(self.service_level, self.store, self.mails, self.clock)).handle,
            SURVEY: SurveyMailing(self._survey_ports()).send,
            SURVEY_REMINDER: SurveyMailing(self._survey_ports()).remind,
            REPORT: QuarterlyReportMailing(self._reports(), self.store, self.links, self.mails).handle,
            POLLS_JOB: partial(retry_polls, self._provisioning()),
        }
        return JobRunner(self.store, handlers, self.clock)

    # ---- the satisfaction survey and the quarterly evaluation ---------------------------------------------------

    def _survey_ports(self) -> SurveyPorts:
        return SurveyPorts(self.settings, self.calendar, self.store, self.store, self.mails, self.clock)

    def _survey_answers(self) -> SurveyAnswers:
        return SurveyAnswers(self.settings, self.signer, self.store, self.clock)

    def survey_info(self, token: str) -> dict[str, Any]:
        return self._survey_answers().info(token)

    def submit_survey(self, form: SurveyForm) -> RequestRecord:
        return self._survey_answers().submit(form)

    def _reports(self) -> QuarterlyReports:
        return QuarterlyReports(
            ReportPorts(
                self.settings,
                self.calendar,
                self.store,
                self.render,
                self.clock,
                complaints=self.store.complaints_received_between,
            )
        )

    def report_page(self, token: str) -> str:
        return ReportLink(self._reports(), self.signer, self.links).page(token)

    def report_csv(self, token: str, table: str) -> tuple[str, str]:
        return ReportLink(self._reports(), self.signer, self.links).csv(token, table)

    def jobs_queued(self) -> None:
        try:
            self.on_jobs_queued()
        except Exception:
            log.exception("waking the job runner failed; the tick runs the job")

    def run_jobs(self, budget_seconds: float = JOBS_BUDGET_SECONDS) -> dict[str, int]:
        """Due jobs now (the tick, and the local server right after a webhook)."""
        return self._jobs().run_due(budget_seconds)

    def recording_decision_page(self, token: str) -> str:
        return self._recording_decision().confirmation_page(token)

    def decide_recording(self, token: str, decision: str) -> RequestRecord:
        return self._recording_decision().decide(token, decision)

    def _recording_decision(self) -> RecordingDecisionLink:
        return RecordingDecisionLink(self.settings, self.signer, self.store, self.store, self.page, self.clock)

    def _recording_files(self) -> RecordingFiles:
        return RecordingFiles(
            self.settings, self.signer, self.store, self.blobs, self.links.recording_file_url, self.page, self.clock
        )

    def recordings_page(self, token: str) -> str:
        return self._recording_files().listing(token)

    def recording_file(self, token: str, file_id: str, range_header: str | None) -> FileDownload:
        return self._recording_files().download(token, file_id, range_header)

    def tick(self) -> dict[str, Any]:
        report = Tick(self._provisioning(), self.store, self.store, self.meetings, self._delivery()).run()
        try:
            schedule_daily_sweep(self.store, self.clock())
            schedule_quarterly_report(self.store, self.settings, self.calendar, self.clock())
            report["jobs"] = self.run_jobs()
        except Exception:
            log.exception("running due jobs failed")
            report["jobs"] = {"error": True}
        # Jobs queue mails (the organiser's recordings link, a staff notice): sent in this same tick.
        try:
            sent = self._delivery().deliver()
            if isinstance(report.get("mail"), dict) and "error" not in report["mail"]:
                report["mail"] = {key: report["mail"].get(key, 0) + sent.get(key, 0) for key in report["mail"]}
        except Exception:
            log.exception("mail delivery after jobs failed")
        return report

    # ---- the staff console (decision 0030) -------------------------------------------------------------------

    def _staff_access(self) -> StaffAccess:
        return StaffAccess(
            self.settings,
            self.signer,
            self.store,
            self.store,
            self.mailer,
            self.blobs,
            self.links,
            self.mails,
            self.page,
            self.clock,
        )

    def _staff_console(self) -> StaffConsole:
        store = self.store
        return StaffConsole(
            self.settings,
            self.calendar,
            self.service_level,
            self.rules,
            store,
            store,
            store,
            self.blobs,
            self.links,
            self.page,
            self.clock,
            self._decision(),
            self._cancellation(),
            self._provisioning(),
            self._delivery(),
        )

    def _host_calendar(self) -> HostCalendar:
        store = self.store
        return HostCalendar(self.settings, store, store, self.meetings, self.links, self.page, self.clock)

    def staff_calendar_page(
        self, member: StaffMember, query: StaffCalendarQuery | None, errors: Sequence[FieldError] = ()
    ) -> str:
        return self._host_calendar().page(member, query, errors)

    def request_staff_link(self, email: str, client: str | None) -> Callable[[], None] | None:
        return self._staff_access().request_link(email, client)

    def staff_login_page(self, token: str) -> str:
        return self._staff_access().confirmation_page(token)

    def staff_sign_in(self, token: str) -> StartedSession:
        return self._staff_access().sign_in(token)

    def staff_member(self, session: str) -> StaffMember:
        return self._staff_access().member(session)

    def staff_sign_out(self, session: str) -> None:
        self._staff_access().sign_out(session)

    def staff_queue(self, query: StaffQueueQuery) -> list[dict[str, Any]]:
        return self._staff_console().queue_json(query)

    def staff_queue_page(
        self,
        member: StaffMember,
        query: StaffQueueQuery | None,
        errors: Sequence[FieldError] = (),
        values: dict[str, str] | None = None,
    ) -> str:
        return self._staff_console().queue_page(member, query, errors, values)

    def staff_request_page(
        self, member: StaffMember, request_id: str, error: str | None = None, reason: str = "", done: str = ""
    ) -> str:
        return self._staff_console().request_page(member, request_id, error, reason, done)

    def staff_letter(self, member: StaffMember, request_id: str) -> tuple[str, bytes]:
        return self._staff_console().letter(member, request_id)

    def staff_act(self, member: StaffMember, form: StaffActionForm) -> RequestRecord:
        return self._staff_console().act(member, form)

    def _staff_intake(self) -> StaffIntake:
        return StaffIntake(
            self.settings, self.rules, self._intake(), self._complaint_intake(), self.store, self.page, self.clock
        )

    def staff_may_register(self, member: StaffMember) -> None:
        self._staff_intake().check(member)

    def staff_new_request_page(
        self,
        member: StaffMember,
        errors: Sequence[FieldError] = (),
        fields: Mapping[str, Sequence[str]] | None = None,
    ) -> str:
        return self._staff_intake().request_form_page(member, errors, fields)

    def staff_register_request(
        self, member: StaffMember, fields: Mapping[str, Sequence[str]], letter: bytes | None
    ) -> Submission:
        return self._staff_intake().register_request(member, fields, letter)

    def staff_new_complaint_page(
        self,
        member: StaffMember,
        errors: Sequence[FieldError] = (),
        fields: Mapping[str, Sequence[str]] | None = None,
        receipt: ComplaintReceipt | None = None,
    ) -> str:
        return self._staff_intake().complaint_form_page(member, errors, fields, receipt)

    def staff_registered_complaint(self, member: StaffMember, complaint_id: str) -> ComplaintReceipt | None:
        return self._staff_intake().registered_receipt(member, complaint_id)

    def staff_register_complaint(self, member: StaffMember, fields: Mapping[str, Sequence[str]]) -> ComplaintReceipt:
        return self._staff_intake().register_complaint(member, fields)
