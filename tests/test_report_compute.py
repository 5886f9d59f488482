"""The quarterly evaluation against answers worked out by hand: a quarter of five requests (and one before it),
through gather's facts, compute's tables, and render's HTML and CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

import pytest

from tests.report_data import WIB, local, request
from vicon.lifecycle import Status
from vicon.quarters import Quarter
from vicon.records import RequestRecord
from vicon.rendering import render
from vicon.reporting.compute import TABLES, Report, compute, working_seconds
from vicon.reporting.facts import QuarterFacts, request_facts
from vicon.reporting.render import csv_cell, render_csv, render_html, style_sources
from vicon.workdays import WorkingCalendar

Q3 = Quarter(2026, 3)
NOW = dt.datetime(2026, 10, 1, 2, 0, tzinfo=dt.UTC)  # Thursday 1 October 2026, 09.00 WIB
CALENDAR = WorkingCalendar()
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
        # Submitted Friday 15.00, decided Monday 09.00 (on time: 9 + 9 working hours), meeting only on Wednesday.
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
        # Never decided: overdue since Thursday 9 July.
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
    return compute(quarter_facts(COMPLAINTS), previous_facts(), CALENDAR, WIB, NOW)


def rows(report: Report, slug: str) -> list[tuple[object, ...]]:
    return [tuple(row) for row in report.table(slug).rows]


def test_working_time_counts_working_days_only() -> None:
    friday = local(dt.date(2026, 7, 3), 15)
    assert working_seconds(CALENDAR, WIB, friday, local(dt.date(2026, 7, 6), 9)) == 18 * HOUR
    # Monday 17 August is Independence Day: Friday 15.00 to Tuesday 09.00 is 9 + 9 hours.
    assert working_seconds(CALENDAR, WIB, local(dt.date(2026, 8, 14), 15), local(dt.date(2026, 8, 18), 9)) == 18 * HOUR
    assert working_seconds(CALENDAR, WIB, friday, friday) == 0


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


def test_sla_compliance_median_working_hours_and_the_overdue_list(report: Report) -> None:
    # Verification: 1 h, 4 h, 18 h on time, one never decided; the cancelled one is not counted.
    # Meeting: 5 s on time, 49 h late. Total: 4 h on time, 67 h late.
    assert rows(report, "sla") == [
        ("Verifikasi (pengajuan → keputusan)", 1, 4, 3, 1, Decimal("75.0"), Decimal("4.0")),
        ("Pembuatan meeting (keputusan → meeting siap)", 1, 2, 1, 1, Decimal("50.0"), Decimal("24.5")),
        ("Total (pengajuan → meeting siap)", 2, 2, 1, 1, Decimal("50.0"), Decimal("35.5")),
    ]
    late = rows(report, "sla-terlambat")
    assert [(row[0], row[3], row[4]) for row in late] == [
        ("VC-2026-000004", "Verifikasi", dt.date(2026, 7, 9)),
        ("VC-2026-000002", "Pembuatan meeting", dt.date(2026, 7, 7)),
        ("VC-2026-000002", "Total", dt.date(2026, 7, 7)),
    ]
    assert late[0][5] is None  # still open
    assert [row[6] for row in late[1:]] == [Decimal("49.0"), Decimal("67.0")]


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
    report = compute(quarter_facts(None), previous_facts(), CALENDAR, WIB, NOW)
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
    assert sla[1] == ["Verifikasi (pengajuan → keputusan)", "1", "4", "3", "1", "75.0", "4.0"]


def test_the_page_states_the_ikm_and_its_grade_in_indonesian_numbers(report: Report) -> None:
    html = render_html(report, lambda name, **c: render("Asia/Jakarta", name, **c), WIB, lambda slug: f"{slug}.csv")
    assert "Indeks Kepuasan Masyarakat (IKM) <strong>87,50</strong>, mutu pelayanan <strong>B</strong> (Baik)" in html
    assert "<script" not in html and " style=" not in html and html.count("<style>") == 1
    assert html.count('<svg class="chart"') == 4
    assert "&#39;=HYPERLINK" not in html and "=HYPERLINK(&#34;http://evil.example&#34;" in html
    assert "1 Oktober 2026 09.00 WIB" in html  # generated at, in WIB
    for slug in report.slugs:
        if slug not in ("pengaduan", "pengaduan-kanal") or report.has_complaint_data:
            assert f'href="{slug}.csv"' in html, slug
    assert style_sources(html).startswith("'sha256-") and " " not in style_sources(html)
