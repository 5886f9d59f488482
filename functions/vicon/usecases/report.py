"""The quarterly evaluation as a use case: built from the store (gather → compute → render), mailed to the
supervisors at the start of each quarter, and opened from that mail's signed link as a page or as CSV.

The tick schedules the job `report:<quarter>` during the first days of each quarter for the quarter just ended
(the key makes it once per quarter), due on the quarter's first working day at 07.00 local time. The job mails
each of SUPERVISOR_EMAILS a link of their own (`quarterly_report?token=`, purpose `report`, bound to the quarter
and the person, valid 400 days); opening it computes the report then, so surveys answered after the mail count.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from vicon.links import Links
from vicon.numbers import format_decimal, format_int, format_percent
from vicon.ports import ClaimedJob, Job, Jobs, Outbox, OutgoingMail, RequestStore
from vicon.quarters import Quarter
from vicon.reporting.compute import Report, compute
from vicon.reporting.facts import ComplaintSource, gather
from vicon.reporting.render import csv_filename, render_csv, render_html
from vicon.settings import Settings
from vicon.signing import Signer, TokenError
from vicon.usecases.access import Refused
from vicon.usecases.jobs import Done, Outcome
from vicon.usecases.sla import service_level
from vicon.workdays import WorkingCalendar

log = logging.getLogger(__name__)

REPORT = "report"
REPORT_PURPOSE = "report"
# The tick schedules the mail while the quarter is this young (a service deployed mid-quarter sends nothing stale).
SCHEDULE_WITHIN_DAYS = 14
MAIL_AT = dt.time(7, 0)
FORMATS = ("html", "csv")


class QuarterJob(BaseModel):
    """The payload of the `report` job."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    quarter: str

    def payload(self) -> dict[str, Any]:
        return self.model_dump()

    @classmethod
    def of(cls, claimed: ClaimedJob) -> QuarterJob:
        return cls.model_validate(claimed.job.payload)


def report_job_key(quarter: Quarter) -> str:
    return f"{REPORT}:{quarter}"


def schedule_quarterly_report(jobs: Jobs, settings: Settings, calendar: WorkingCalendar, now: dt.datetime) -> bool:
    """In the first days of a quarter: the mail of the quarter before (once; the key is that quarter)."""
    today = now.astimezone(settings.tz).date()
    current = Quarter.of(today)
    if (today - current.first_day).days >= SCHEDULE_WITHIN_DAYS:
        return False
    first = current.first_day
    if not calendar.is_working_day(first):
        first = calendar.add_working_days(first, 1)
    due = dt.datetime.combine(first, MAIL_AT, settings.tz).astimezone(dt.UTC)
    previous = current.previous()
    return jobs.schedule_job(Job(report_job_key(previous), REPORT, due, QuarterJob(quarter=str(previous)).payload()))


class ReportMails(Protocol):
    def quarterly_report(
        self, quarter_label: str, months: str, links: Sequence[tuple[str, str]], headline: Sequence[tuple[str, str]]
    ) -> list[OutgoingMail]: ...


@dataclass(frozen=True)
class ReportPorts:
    settings: Settings
    calendar: WorkingCalendar
    requests: RequestStore
    render: Callable[..., str]
    clock: Callable[[], dt.datetime]
    # The complaints register (`store.complaints_received_between`); None: the report says there is no data.
    complaints: ComplaintSource | None = None


class QuarterlyReports:
    """gather → compute → render, for one quarter and the one before it."""

    def __init__(self, ports: ReportPorts) -> None:
        self.p = ports

    def build(self, quarter: Quarter) -> Report:
        tz = self.p.settings.tz
        current = gather(self.p.requests, quarter, tz, self.p.complaints)
        previous = gather(self.p.requests, quarter.previous(), tz, self.p.complaints)
        # The SLA clocks' own rule (decision 0031), so a request escalated as overdue is late in the report too.
        return compute(current, previous, service_level(self.p.settings, self.p.calendar), self.p.clock())

    def html(self, report: Report, csv_href: Callable[[str], str]) -> str:
        return render_html(report, self.p.render, self.p.settings.tz, csv_href)

    def csv(self, report: Report, slug: str) -> str:
        return render_csv(report.table(slug), self.p.settings.tz)


def headline(report: Report) -> list[tuple[str, str]]:
    """The few figures the supervisors' mail states."""
    summary = report.summary
    index = summary.ikm
    ikm = f"{format_decimal(index.rounded, 2)} (mutu {index.grade.letter}, {index.grade.performance})" if index else "–"
    return [
        ("Permohonan", format_int(summary.requests)),
        ("Meeting terlaksana", format_int(summary.held)),
        (
            "Kepatuhan jangka waktu",
            format_percent(summary.sla_compliance) if summary.sla_compliance is not None else "–",
        ),
        ("Indeks Kepuasan Masyarakat (IKM)", ikm),
        ("Responden survei", format_int(summary.respondents)),
    ]


class QuarterlyReportMailing:
    """The `report` job: each supervisor's mail with a link of their own, queued once per quarter."""

    def __init__(self, reports: QuarterlyReports, outbox: Outbox, links: Links, mails: ReportMails) -> None:
        self.reports = reports
        self.outbox = outbox
        self.links = links
        self.mails = mails

    def handle(self, claimed: ClaimedJob) -> Outcome:
        quarter = Quarter.parse(QuarterJob.of(claimed).quarter)
        settings = self.reports.p.settings
        now = self.reports.p.clock()
        report = self.reports.build(quarter)
        links = [(person, self.links.report_url(str(quarter), person, now)) for person in settings.supervisor_emails]
        mails = self.mails.quarterly_report(quarter.label, quarter.months, links, headline(report))
        if not self.outbox.queue_mail_once(report_job_key(quarter), mails, now):
            log.info("the report of %s was mailed already", quarter)
        return Done()


class ReportLink:
    """The supervisor's link: the page, or one table as CSV; the person must still be a supervisor."""

    def __init__(self, reports: QuarterlyReports, signer: Signer, links: Links) -> None:
        self.reports = reports
        self.signer = signer
        self.links = links

    def _open(self, token: str) -> Quarter:
        p = self.reports.p
        claims = self.signer.verify(token, REPORT_PURPOSE, p.clock())
        person = claims.get("v")
        if not isinstance(person, str) or person not in p.settings.supervisor_emails:
            raise Refused(
                403, "Alamat email pada tautan ini tidak lagi terdaftar sebagai pengawas (SUPERVISOR_EMAILS)."
            )
        try:
            return Quarter.parse(str(claims["r"]))
        except ValueError:
            raise TokenError("invalid") from None

    def page(self, token: str) -> str:
        report = self.reports.build(self._open(token))
        return self.reports.html(report, lambda slug: self.links.report_csv_url(token, slug))

    def csv(self, token: str, table: str) -> tuple[str, str]:
        """(file name, CSV text) of one table; Refused(422) naming `table` for one the report does not have."""
        report = self.reports.build(self._open(token))
        if table not in report.slugs:
            raise Refused(422, "Tabel tidak dikenal; pilih salah satu: " + ", ".join(report.slugs) + ".", "table")
        return csv_filename(report.quarter, table), self.reports.csv(report, table)
