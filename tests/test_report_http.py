"""The quarterly evaluation through the public contract: the tick mails each supervisor a signed link once at the
start of a quarter, the link opens the report (its own stylesheet by hash, no script) and each table as CSV, and
`make report` (tools/report.py) writes the same report as files from the store STORE_URL names."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import io
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.harness import Harness, HarnessFactory
from tests.report_data import store_records
from tests.test_openapi import assert_conforms, served_document
from tests.test_report_compute import HOSTILE_COMMENT, previous_records, q3_records
from tests.test_security_headers import csp
from vicon.reporting.compute import TABLES
from vicon.usecases.report import report_job_key

WIB = dt.timezone(dt.timedelta(hours=7))
SUPERVISORS = ("kepala.bidang@diskominfo.example", "sekretaris@diskominfo.example")


@pytest.fixture
def supervised(make_harness: HarnessFactory) -> Harness:
    # Thursday 1 October 2026 06.00 WIB: the first day of the fourth quarter, before the mail is due.
    harness = make_harness(now=dt.datetime(2026, 10, 1, 6, 0, tzinfo=WIB), SUPERVISOR_EMAILS=",".join(SUPERVISORS))
    store_records(harness.store, [*q3_records(), *previous_records()])
    return harness


def tick(harness: Harness) -> None:
    assert harness.client("scheduled_tick").post("/").status_code == 200


def report_mails(harness: Harness) -> list[Any]:
    return [m for m in harness.sent_mail() if "Laporan evaluasi" in m["Subject"]]


def report_token(mail: Any) -> str:
    found = re.search(r"https://\S+/api/quarterly_report\?token=\S+", mail.get_body(("plain",)).get_content())
    assert found is not None
    return parse_qs(urlsplit(found.group(0)).query)["token"][0]


def test_the_tick_mails_each_supervisor_their_link_once_at_the_start_of_a_quarter(supervised: Harness) -> None:
    harness = supervised
    tick(harness)
    assert report_mails(harness) == []  # due at 07.00 on the quarter's first working day
    assert harness.store.job(report_job_key_of("2026Q3")) is not None

    harness.clock.now = dt.datetime(2026, 10, 1, 7, 5, tzinfo=WIB).astimezone(dt.UTC)
    tick(harness)
    tick(harness)
    harness.clock.now += dt.timedelta(days=3)
    tick(harness)
    mails = report_mails(harness)
    assert sorted(m["To"] for m in mails) == sorted(SUPERVISORS)
    assert {m["Subject"] for m in mails} == {"[Vicon] Laporan evaluasi Triwulan III 2026 layanan Zoom Meeting"}
    text = mails[0].get_body(("plain",)).get_content()
    assert "Indeks Kepuasan Masyarakat (IKM): 87,50 (mutu B, Baik)" in text and "Permohonan: 5" in text
    assert report_token(mails[0]) != report_token(mails[1])  # a link of their own each

    # Mid-quarter (a fresh deployment, say) nothing stale is mailed.
    harness.clock.now = dt.datetime(2026, 11, 20, 9, 0, tzinfo=WIB).astimezone(dt.UTC)
    tick(harness)
    assert len(report_mails(harness)) == 2


def report_job_key_of(quarter: str) -> str:
    from vicon.quarters import Quarter

    return report_job_key(Quarter.parse(quarter))


def test_the_link_opens_the_report_and_every_table_as_csv(supervised: Harness) -> None:
    harness = supervised
    harness.clock.now = dt.datetime(2026, 10, 1, 7, 5, tzinfo=WIB).astimezone(dt.UTC)
    tick(harness)
    token = report_token(report_mails(harness)[0])
    client = harness.client("quarterly_report")
    doc = served_document(harness)

    page = client.get("/", query_string={"token": token})
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "Indeks Kepuasan Masyarakat (IKM) <strong>87,50</strong>, mutu pelayanan <strong>B</strong>" in html
    policy = csp(page)
    [style] = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert policy["style-src"] == [f"'sha256-{digest}'"] and policy["script-src"] == ["'none'"]
    assert policy["default-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    assert_conforms(doc, "/quarterly_report", "get", page)
    links = re.findall(r'href="(https://vicon\.example\.go\.id/api/quarterly_report\?[^"]+)"', html)
    assert {parse_qs(urlsplit(link.replace("&amp;", "&")).query)["table"][0] for link in links} == set(TABLES)

    for table in TABLES:
        answer = client.get("/", query_string={"token": token, "format": "csv", "table": table})
        assert answer.status_code == 200 and answer.mimetype == "text/csv", table
        assert answer.headers["Content-Disposition"] == f'attachment; filename="2026Q3-{table}.csv"'
        assert "sandbox" in csp(answer)
        assert_conforms(doc, "/quarterly_report", "get", answer)
    ikm = client.get("/", query_string={"token": token, "format": "csv", "table": "ikm"}).get_data(as_text=True)
    assert ["IKM (nilai konversi 25–100)", "87.50"] in list(csv.reader(io.StringIO(ikm)))
    comments = client.get("/", query_string={"token": token, "format": "csv", "table": "komentar"})
    assert list(csv.reader(io.StringIO(comments.get_data(as_text=True))))[1] == ["2026-07-16", "'" + HOSTILE_COMMENT]

    unknown = client.get("/", query_string={"token": token, "format": "csv", "table": "gaji"})
    assert unknown.status_code == 422
    assert client.get("/", query_string={"token": token, "format": "pdf"}).status_code == 422
    refused = client.get("/", query_string={"token": token + "x"})
    assert refused.status_code == 403 and refused.mimetype == "text/html"
    for answer in (unknown, refused):
        assert_conforms(doc, "/quarterly_report", "get", answer)
    stranger = harness.core.signer.sign("report", "2026Q3", harness.clock() + dt.timedelta(days=1), v="x@example.go.id")
    assert client.get("/", query_string={"token": stranger}).status_code == 403
    survey = harness.core.signer.sign("survey", "2026Q3", harness.clock() + dt.timedelta(days=1))
    assert client.get("/", query_string={"token": survey}).status_code == 403
    harness.clock.now += dt.timedelta(days=401)
    assert client.get("/", query_string={"token": token}).status_code == 410


def test_make_report_writes_the_page_and_its_csv_files_from_the_store_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tools.report import main
    from vicon.store.sqlite import SqliteStore

    database = tmp_path / "laporan.sqlite3"
    store_records(SqliteStore(database), [*q3_records(), *previous_records()])
    for name in ("K_SERVICE", "FUNCTION_TARGET", "TIMEZONE", "EXTRA_HOLIDAYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STORE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("VICON_DATA_DIR", str(tmp_path / "data"))
    out = tmp_path / "reports"
    assert main(["2026Q3", "--out", str(out)]) == 0
    assert "IKM 87.50 (B)" in capsys.readouterr().out
    html = (out / "2026Q3.html").read_text(encoding="utf-8")
    assert "<strong>87,50</strong>, mutu pelayanan <strong>B</strong>" in html
    assert sorted(p.name for p in out.glob("*.csv")) == sorted(f"2026Q3-{slug}.csv" for slug in TABLES)
    assert 'href="2026Q3-ikm-unsur.csv"' in html
    unsur = list(csv.reader(io.StringIO((out / "2026Q3-ikm-unsur.csv").read_text(encoding="utf-8"))))
    assert unsur[1] == ["1", "Persyaratan", "7", "3.50", "0.389", "87.50", "B"]
    with pytest.raises(SystemExit):
        main(["2026-3"])
