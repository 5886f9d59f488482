"""The quarterly evaluation against answers worked out by hand: a quarter of five requests (and one before it),
through gather's facts, compute's tables, and render's HTML and CSV; and its SLA judged by the SLA clocks' own due
times (decision 0031), so a request the escalation job calls overdue is late in the report too."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from tests.report_data import WIB, local, request, store_records
from vicon.lifecycle import Status
from vicon.ports import OutgoingMail
from vicon.quarters import Quarter
from vicon.records import RequestRecord
from vicon.rendering import render
from vicon.reporting.compute import TABLES, Report, SlaStep, compute
from vicon.reporting.facts import QuarterFacts, request_facts
from vicon.reporting.render import csv_cell, render_csv, render_html, style_sources
from vicon.settings import Settings
from vicon.sla import OfficeClock, OfficeHours, ServiceLevel
from vicon.store.sqlite import SqliteStore
from vicon.usecases.sla import SLA, Notice, SlaNotices, SlaPorts, notice_key, schedule_verification_clock, service_level
from vicon.workdays import WorkingCalendar

Q3 = Quarter(2026, 3)
NOW = dt.datetime(2026, 10, 1, 2, 0, tzinfo=dt.UTC)  # Thursday 1 October 2026, 09.00 WIB
CALENDAR = WorkingCalendar()
# The service's default settings: OFFICE_HOURS 08:00-16:00 on Friday too, TIMEZONE Asia/Jakarta.
LEVEL = service_level(Settings(), CALENDAR)
HOUR = 3600
HOSTILE_COMMENT = '=HYPERLINK("http://evil.example","klik")'


@dataclass(frozen=True)
class Complaint:
    status: str
    received_at: dt.datetime
    category: str
    channel: str
    answered_at: dt.datetime | None


def quarter_facts(complaints: tuple[Complaint, ...] | None = None) -> QuarterFacts:
    return QuarterFacts(Q3, tuple(request_facts(r) for r in q3_records()), complaints)


def q3_records() -> list[RequestRecord]:
    """Five requests of 2026Q3 whose figures are worked out by hand in the tests below."""
    jul = lambda day, hour, minute=0: local(dt.date(2026, 7, day), hour, minute)  # noqa: E731
    return [
        # On time throughout; held as scheduled; every answer "very good".
        request(
            "VC-2026-000001",
            jul(15, 9),
            created_at=jul(6, 10),
            decided_at=jul(6, 14),
            provisioned_at=jul(6, 14) + dt.timedelta(seconds=5),
            host="host-besar@vicon.example",
            attendance_participants=30,
            attendance_minutes=3000,
            scores=[4] * 9,
        ),
        # Submitted Friday 15.00, decided Monday 09.00 (on time: 1 + 1 office hours), meeting only on Wednesday.
        request(
            "VC-2026-000002",
            jul(16, 13),
            hours=3,
            created_at=jul(3, 15),
            decided_at=jul(6, 9),
            provisioned_at=jul(8, 10),
            host="host-kecil@vicon.example",
            actual_start=jul(16, 13, 5),
            actual_end=jul(16, 15, 35),
            attendance_participants=50,
            attendance_minutes=6000,
            scores=[3] * 9,
            jenis_kelamin="perempuan",
            usia="35_44",
            pendidikan="s2",
            pekerjaan="pns",
            comment=HOSTILE_COMMENT,
            needs=["recording", "breakout_room"],
            recordings=[
                {
                    "file_id": "f1",
                    "meeting_uuid": "u",
                    "file_type": "MP4",
                    "file_extension": "mp4",
                    "size": 300_000_000,
                    "sha256": "ab" * 32,
                    "blob_key": "recordings/VC-2026-000002/f1.mp4",
                    "archived_at": jul(16, 18),
                }
            ],
            deleted_recordings=[
                {"file_id": "f0", "blob_key": "b", "size": 50_000_000, "sha256": "cd" * 32, "deleted_at": jul(30, 1)}
            ],
        ),
        request(
            "VC-2026-000003",
            jul(20, 9),
            Status.REJECTED,
            opd="Dinas Sosial",
            created_at=jul(14, 8),
            decided_at=jul(14, 9),
            event_type="sosialisasi",
        ),
        # Never decided: overdue since Thursday 9 July 10.00.
        request("VC-2026-000004", jul(24, 9), Status.SUBMITTED, opd="Dinas Sosial", created_at=jul(8, 10)),
        # Cancelled before anyone decided: not part of any step.
        request("VC-2026-000005", jul(28, 9), Status.CANCELLED, opd="Dinas Sosial", created_at=jul(20, 10)),
    ]


def previous_facts() -> QuarterFacts:
    return QuarterFacts(Q3.previous(), tuple(request_facts(r) for r in previous_records()), None)


def previous_records() -> list[RequestRecord]:
    june = local(dt.date(2026, 6, 10), 9)
    record = request(
        "VC-2026-000900",
        june,
        created_at=june - dt.timedelta(days=6),
        decided_at=june - dt.timedelta(days=6) + dt.timedelta(hours=1),
        provisioned_at=june - dt.timedelta(days=6) + dt.timedelta(hours=1, seconds=4),
        attendance_participants=20,
        scores=[2] * 9,
    )
    return [record]


COMPLAINTS = (
    Complaint("answered", local(dt.date(2026, 8, 3), 10), "pengaduan", "email", local(dt.date(2026, 8, 5), 10)),
    Complaint("open", local(dt.date(2026, 9, 29), 10), "saran", "web", None),
)


@pytest.fixture
def report() -> Report:
    return compute(quarter_facts(COMPLAINTS), previous_facts(), LEVEL, NOW)


def rows(report: Report, slug: str) -> list[tuple[object, ...]]:
    return [tuple(row) for row in report.table(slug).rows]


def test_requests_by_office_status_type_and_need(report: Report) -> None:
    assert report.summary.requests == 5
    assert rows(report, "permohonan-opd") == [("Dinas Sosial", 3, 0, 1, 1), ("Dinas Kesehatan", 2, 2, 0, 0)]
    statuses = {row[0]: row[1:] for row in rows(report, "permohonan-status")}
    assert statuses["Selesai"] == (2, Decimal("40.0"))
    assert statuses["Ditolak"] == (1, Decimal("20.0")) and statuses["Meeting siap"] == (0, Decimal("0.0"))
    types = dict((row[0], row[1]) for row in rows(report, "permohonan-jenis"))
    assert types == {"Rapat koordinasi": 4, "Sosialisasi": 1, "Pelatihan": 0, "Pertemuan resmi": 0, "Lainnya": 0}
    needs = dict((row[0], row[1]) for row in rows(report, "permohonan-kebutuhan"))
    assert needs["Perekaman (cloud recording)"] == 1 and needs["Tanpa kebutuhan khusus"] == 4


def test_meetings_hours_and_participants_per_office_and_host(report: Report) -> None:
    assert (report.summary.held, report.summary.hours, report.summary.participants) == (2, Decimal("4.5"), 80)
    assert rows(report, "meeting-opd") == [("Dinas Kesehatan", 2, Decimal("4.5"), 80, Decimal("150.0"))]
    assert rows(report, "meeting-host") == [
        ("host-besar@vicon.example", 1, Decimal("2.0"), 30, Decimal("50.0")),
        ("host-kecil@vicon.example", 1, Decimal("2.5"), 50, Decimal("100.0")),
    ]


def test_sla_compliance_median_office_hours_and_the_overdue_list(report: Report) -> None:
    # Office hours 08.00-16.00 on working days; July 2026 has no holiday (1 July is a Wednesday).
    # Verification, due 8 office hours after the submission:
    #   000001 Mon 6 Jul 10.00 -> due Tue 7 Jul 10.00; decided Mon 14.00: on time, 4 h.
    #   000002 Fri 3 Jul 15.00 -> 1 h on Friday + 7 h on Monday: due Mon 6 Jul 15.00; decided Mon 09.00: on time,
    #          1 h (Friday 15-16) + 1 h (Monday 08-09) = 2 h (the old whole-day count made it 18 h).
    #   000003 Tue 14 Jul 08.00 -> due Tue 14 Jul 16.00 (a whole office day ends at closing); decided 09.00: 1 h.
    #   000004 Wed 8 Jul 10.00 -> due Thu 9 Jul 10.00; never decided: late. 000005 cancelled: not counted.
    #   3 of 4 on time, median of 4 h, 2 h, 1 h = 2 h.
    # Meeting, due 8 office hours after the decision (the events are a week or more later, no cap):
    #   000001 Mon 6 Jul 14.00 -> due Tue 7 Jul 14.00; made 5 s later: on time, 5 s.
    #   000002 Mon 6 Jul 09.00 -> 7 h Monday + 1 h Tuesday: due Tue 7 Jul 09.00; made Wed 8 Jul 10.00: late,
    #          7 h (Mon 09-16) + 8 h (Tue) + 2 h (Wed 08-10) = 17 h. Median of 5 s and 61,200 s = 30,602 s = 8,5 h.
    # Total, due 16 office hours after the submission:
    #   000001 Mon 6 Jul 10.00 -> 6 h Mon + 8 h Tue + 2 h Wed: due Wed 8 Jul 10.00; done Mon 14.00.05: on time,
    #          4 h 5 s = 14,405 s.
    #   000002 Fri 3 Jul 15.00 -> 1 h Fri + 8 h Mon + 7 h Tue: due Tue 7 Jul 15.00; done Wed 10.00: late,
    #          1 + 8 + 8 + 2 = 19 h. Median of 14,405 s and 68,400 s = 41,402 s = 11,5 h.
    assert rows(report, "sla") == [
        ("Verifikasi (pengajuan → keputusan)", 1, 4, 3, 1, Decimal("75.0"), Decimal("2.0")),
        ("Pembuatan meeting (keputusan → meeting siap)", 1, 2, 1, 1, Decimal("50.0"), Decimal("8.5")),
        ("Total (pengajuan → meeting siap)", 2, 2, 1, 1, Decimal("50.0"), Decimal("11.5")),
    ]
    late = rows(report, "sla-terlambat")
    assert [(row[0], row[3], row[4]) for row in late] == [
        ("VC-2026-000004", "Verifikasi", local(dt.date(2026, 7, 9), 10)),
        ("VC-2026-000002", "Pembuatan meeting", local(dt.date(2026, 7, 7), 9)),
        ("VC-2026-000002", "Total", local(dt.date(2026, 7, 7), 15)),
    ]
    assert late[0][5] is None  # still open
    assert [row[6] for row in late[1:]] == [Decimal("17.0"), Decimal("19.0")]
    assert report.summary.verify_median_seconds == 2 * HOUR


def test_recordings_archived_and_deleted_by_the_retention_policy(report: Report) -> None:
    assert {row[0]: row[1] for row in rows(report, "rekaman")} == {
        "Permohonan dengan rekaman diarsipkan": 1,
        "Berkas diarsipkan": 2,
        "Ukuran diarsipkan (MB)": Decimal("350.0"),
        "Berkas dihapus sesuai masa simpan": 1,
        "Ukuran dihapus (MB)": Decimal("50.0"),
        "Berkas masih disimpan": 1,
        "Permohonan yang rekamannya sudah dihapus": 0,
    }


def test_complaints_received_answered_and_open(report: Report) -> None:
    assert rows(report, "pengaduan") == [
        ("Pengaduan", 1, 1, 0),
        ("Saran", 1, 0, 1),
        ("Masukan", 0, 0, 0),
        ("Jumlah", 2, 1, 1),
    ]
    assert report.table("pengaduan").note == "Median waktu menjawab: 2,0 hari."
    assert rows(report, "pengaduan-kanal") == [("Email", 1), ("Formulir web", 1)]


def test_without_a_complaints_register_the_report_says_there_is_no_data() -> None:
    report = compute(quarter_facts(None), previous_facts(), LEVEL, NOW)
    assert not report.has_complaint_data and report.summary.complaints is None
    assert report.table("pengaduan").rows == () and "Belum ada data pengaduan" in report.table("pengaduan").note
    html = render_html(report, lambda name, **c: render("Asia/Jakarta", name, **c), WIB, lambda slug: slug)
    assert "Belum ada data pengaduan" in html


def test_ikm_per_element_profile_comments_and_the_comparison(report: Report) -> None:
    index = report.summary.ikm
    assert index is not None and index.respondents == 2 and index.sums == (7,) * 9
    assert index.rounded == Decimal("87.50") and index.grade.letter == "B"
    overview = {row[0]: row[1] for row in rows(report, "ikm")}
    assert overview["Tingkat respons (%)"] == Decimal("100.0")
    assert overview["IKM (skala 1–4)"] == Decimal("3.5000") and overview["Mutu pelayanan"] == "B"
    first = rows(report, "ikm-unsur")[0]
    assert first == (1, "Persyaratan", 7, Decimal("3.50"), Decimal("0.389"), Decimal("87.50"), "B")
    assert len(report.weakest) == 9  # every element ties
    profile = {(row[0], row[1]): row[2] for row in rows(report, "profil-responden")}
    assert profile[("Jenis kelamin", "Perempuan")] == 1 and profile[("Jenis kelamin", "Tidak diisi")] == 1
    assert rows(report, "komentar") == [(dt.date(2026, 7, 16), HOSTILE_COMMENT)]
    comparison = {row[0]: row[1:] for row in rows(report, "ringkasan")}
    assert comparison["Permohonan"] == (5, 1, "naik", 4)
    assert comparison["IKM (nilai konversi)"] == (Decimal("87.50"), Decimal("50.00"), "naik", Decimal("37.50"))
    assert comparison["Mutu pelayanan"] == ("B", "D", None, None)
    assert comparison["Pengaduan, saran dan masukan diterima"] == (2, None, None, None)
    assert report.slugs == TABLES


def test_csv_is_machine_readable_and_no_cell_can_start_a_formula(report: Report) -> None:
    text = render_csv(report.table("komentar"), WIB)
    assert text.splitlines()[0] == "Tanggal,Komentar" and "\r\n" in text
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[1] == ["2026-07-16", "'" + HOSTILE_COMMENT]
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert csv_cell(start + "1", WIB) == "'" + start + "1"
    assert csv_cell(Decimal("87.50"), WIB) == "87.50" and csv_cell(None, WIB) == ""
    assert csv_cell(local(dt.date(2026, 7, 6), 9), WIB) == "2026-07-06T09:00+07:00"
    for slug in report.slugs:
        for row in csv.reader(io.StringIO(render_csv(report.table(slug), WIB))):
            assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), (slug, row)
    sla = list(csv.reader(io.StringIO(render_csv(report.table("sla"), WIB))))
    assert sla[1] == ["Verifikasi (pengajuan → keputusan)", "1", "4", "3", "1", "75.0", "2.0"]
    late = list(csv.reader(io.StringIO(render_csv(report.table("sla-terlambat"), WIB))))
    assert late[1][4] == "2026-07-09T10:00+07:00"  # the due time, with its offset


def test_the_page_states_the_ikm_and_its_grade_in_indonesian_numbers(report: Report) -> None:
    html = render_html(report, lambda name, **c: render("Asia/Jakarta", name, **c), WIB, lambda slug: f"{slug}.csv")
    assert "Indeks Kepuasan Masyarakat (IKM) <strong>87,50</strong>, mutu pelayanan <strong>B</strong> (Baik)" in html
    assert "<script" not in html and " style=" not in html and html.count("<style>") == 1
    assert html.count('<svg class="chart"') == 4
    assert "&#39;=HYPERLINK" not in html and "=HYPERLINK(&#34;http://evil.example&#34;" in html
    assert "1 Oktober 2026 09.00 WIB" in html  # generated at, in WIB
    assert "9 Jul 2026 10.00 WIB" in html  # the overdue list's due time, a date and a time in WIB
    assert "satu hari jam kantor (08.00–16.00) pada hari kerja" in html
    for slug in report.slugs:
        if slug not in ("pengaduan", "pengaduan-kanal") or report.has_complaint_data:
            assert f'href="{slug}.csv"' in html, slug
    assert style_sources(html).startswith("'sha256-") and " " not in style_sources(html)


# ---- one rule: the report's due times are the SLA clocks' -------------------------------------------------------


def wib(day: str, time: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=WIB).astimezone(dt.UTC)


def sla_of(record: RequestRecord, level: ServiceLevel, now: dt.datetime) -> dict[str, SlaStep]:
    """The report's SLA steps for a quarter of one request."""
    facts = QuarterFacts(Quarter.of(record.start.astimezone(WIB).date()), (request_facts(record),), None)
    report = compute(facts, facts, level, now)
    return {step.key: step for step in report.sla}


class NoMails:
    """The SLA notices' mails, unwritten: only whether a notice went matters here (its audit entry)."""

    def verification_reminder(self, record: RequestRecord, due: dt.datetime) -> list[OutgoingMail]:
        return []

    def verification_overdue(self, record: RequestRecord, due: dt.datetime) -> list[OutgoingMail]:
        return []

    def provisioning_reminder(self, record: RequestRecord, due: dt.datetime) -> list[OutgoingMail]:
        return []

    def provisioning_overdue(self, record: RequestRecord, due: dt.datetime) -> list[OutgoingMail]:
        return []

    def meeting_reminder(self, record: RequestRecord) -> list[OutgoingMail]:
        return []


def test_a_request_the_sla_job_escalates_is_late_in_the_report(tmp_path: Path) -> None:
    # Submitted Monday 6 July 15.00 WIB: 1 office hour on Monday, 7 on Tuesday, so due Tuesday 7 July 15.00. The old
    # end-of-day rule gave it until Tuesday 24.00: a decision at 15.30 was escalated yet counted on time.
    submitted = request(
        "VC-2026-000010", wib("2026-07-20", "09:00"), Status.SUBMITTED, created_at=wib("2026-07-06", "15:00")
    )
    store = SqliteStore(tmp_path / "store.sqlite3")
    store_records(store, [submitted])
    schedule_verification_clock(store, LEVEL, submitted)
    escalation = store.job(notice_key(Notice.VERIFICATION_OVERDUE, submitted.id))
    assert escalation is not None and escalation.job.due_at == wib("2026-07-07", "15:00")

    now = wib("2026-07-07", "15:01")
    handler = SlaNotices(SlaPorts(LEVEL, store, NoMails(), lambda: now))
    for claimed in store.claim_due_jobs(now, dt.timedelta(minutes=1), 10, [SLA]):
        handler.handle(claimed)
    # The reminder (due 13.00) is past its point at 15.01 and stays silent; the escalation goes.
    assert [e.action for e in store.audit_trail(submitted.id) if e.action.startswith("sla_")] == [
        "sla_verification_overdue"
    ]

    # Still open at 15.01: late, and listed with the very due time the escalation went at.
    report = compute(QuarterFacts(Q3, (request_facts(submitted),), None), QuarterFacts(Q3, (), None), LEVEL, now)
    [listed] = report.overdue
    assert (listed.step, listed.due, listed.done_at) == ("Verifikasi", escalation.job.due_at, None)
    assert report.sla[0].open_overdue == 1 and report.sla[0].on_time == 0
    # Decided at 15.30, after the escalation: late in the report too.
    decided = request(
        submitted.id,
        submitted.start,
        Status.REJECTED,
        created_at=submitted.created_at,
        decided_at=wib("2026-07-07", "15:30"),
    )
    assert sla_of(decided, LEVEL, NOW)["verifikasi"].late == 1


FRIDAY_LATER = ServiceLevel(
    OfficeClock(CALENDAR, WIB, OfficeHours.parse("08:00-16:00"), OfficeHours.parse("08:00-16:30"))
)


@pytest.mark.parametrize(
    ("level", "submitted", "due", "why"),
    [
        (LEVEL, wib("2026-07-06", "15:00"), wib("2026-07-07", "15:00"), "Monday 15.00: Tuesday 15.00"),
        # Friday 14 August: 1 h; Saturday, Sunday and Monday 17 August (Independence Day) are not working days.
        (LEVEL, wib("2026-08-14", "15:00"), wib("2026-08-18", "15:00"), "over a weekend and a holiday"),
        # OFFICE_HOURS_FRIDAY 08:00-16:30: 15 min on Friday, 7 h 45 min on Monday.
        (FRIDAY_LATER, wib("2026-07-03", "16:15"), wib("2026-07-06", "15:45"), "Friday's own hours"),
    ],
)
def test_verification_exactly_at_its_due_time_is_on_time_and_a_minute_later_late(
    level: ServiceLevel, submitted: dt.datetime, due: dt.datetime, why: str
) -> None:
    assert level.verification_due(submitted) == due, why
    start = due + dt.timedelta(days=10)
    for decided_at, on_time in ((due, 1), (due + dt.timedelta(minutes=1), 0)):
        record = request("VC-2026-000011", start, Status.REJECTED, created_at=submitted, decided_at=decided_at)
        verification = sla_of(record, level, NOW)["verifikasi"]
        assert (verification.on_time, verification.late) == (on_time, 1 - on_time), (why, decided_at)
    # Exactly at its due time it took one working day of office time: 8 hours.
    record = request("VC-2026-000011", start, Status.REJECTED, created_at=submitted, decided_at=due)
    assert sla_of(record, level, NOW)["verifikasi"].median_seconds == 8 * HOUR


def test_an_open_verification_is_late_only_after_its_due_time() -> None:
    submitted = request(
        "VC-2026-000012", wib("2026-07-20", "09:00"), Status.SUBMITTED, created_at=wib("2026-07-06", "15:00")
    )
    due = wib("2026-07-07", "15:00")
    at_due = sla_of(submitted, LEVEL, due)["verifikasi"]
    assert at_due.counted == 0  # still within its time: not counted yet
    after = sla_of(submitted, LEVEL, due + dt.timedelta(minutes=1))["verifikasi"]
    assert (after.open_overdue, after.late) == (1, 1)


def test_the_meeting_and_the_whole_path_are_due_by_the_sla_clocks_and_never_after_the_event_starts() -> None:
    # Submitted Monday 6 July 15.00, decided Tuesday 7 July 10.00 (on time: due 15.00).
    # Meeting due 8 office hours after the decision: Wednesday 8 July 10.00. Whole path due 16 office hours after
    # the submission: 1 h Monday, 8 h Tuesday, 7 h Wednesday, so Wednesday 8 July 15.00.
    created, decided, start = wib("2026-07-06", "15:00"), wib("2026-07-07", "10:00"), wib("2026-07-20", "09:00")
    assert LEVEL.provisioning_due(decided, start) == wib("2026-07-08", "10:00")
    assert LEVEL.completion_due(created, start) == wib("2026-07-08", "15:00")

    def steps(provisioned_at: dt.datetime, event_start: dt.datetime = start) -> tuple[int, int]:
        record = request(
            "VC-2026-000013", event_start, created_at=created, decided_at=decided, provisioned_at=provisioned_at
        )
        by_key = sla_of(record, LEVEL, NOW)
        return by_key["meeting"].on_time, by_key["total"].on_time

    assert steps(wib("2026-07-08", "10:00")) == (1, 1)
    assert steps(wib("2026-07-08", "10:01")) == (0, 1)  # the meeting step late, the whole path still on time
    assert steps(wib("2026-07-08", "15:00")) == (0, 1)
    assert steps(wib("2026-07-08", "15:01")) == (0, 0)
    # An event on Tuesday 13.00: both are due when it starts.
    assert steps(wib("2026-07-07", "13:00"), wib("2026-07-07", "13:00")) == (1, 1)
    assert steps(wib("2026-07-07", "13:01"), wib("2026-07-07", "13:00")) == (0, 0)


def test_a_late_verification_makes_the_whole_path_late_even_with_a_prompt_meeting() -> None:
    # Submitted Monday 6 July 15.00 (verification due Tuesday 15.00, the whole path Wednesday 15.00), decided only
    # Wednesday 8 July 15.30 and the meeting made a second later: the meeting step is on time, the whole path not.
    record = request(
        "VC-2026-000014",
        wib("2026-07-20", "09:00"),
        created_at=wib("2026-07-06", "15:00"),
        decided_at=wib("2026-07-08", "15:30"),
        provisioned_at=wib("2026-07-08", "15:30") + dt.timedelta(seconds=1),
    )
    by_key = sla_of(record, LEVEL, NOW)
    assert (by_key["verifikasi"].late, by_key["meeting"].on_time, by_key["total"].late) == (1, 1, 1)


def test_the_report_states_the_office_hours_its_due_times_count() -> None:
    empty = QuarterFacts(Q3, (), None)
    assert compute(empty, empty, LEVEL, NOW).office_hours == "08.00–16.00"
    assert compute(empty, empty, FRIDAY_LATER, NOW).office_hours == "08.00–16.00, Jumat 08.00–16.30"
