"""The satisfaction survey through the public contract, with the harness's clock: no survey before the event is
completed, one mail with the signed link after Zoom's meeting.ended, one reminder after three working days without
an answer (none once answered), one answer per request (the second a 409), and the form's refusals in Bahasa
Indonesia. Both stores, the real Zoom client against the sandbox over HTTP."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.harness import Harness, HarnessFactory
from tests.test_recordings_http import REQUESTER, after_meeting_harness, post_webhook, provisioned
from vicon.lifecycle import Status

WIB = dt.timezone(dt.timedelta(hours=7))
ANSWERS = {f"u{n}": str(score) for n, score in enumerate((4, 3, 4, 4, 3, 4, 4, 3, 4), 1)}


@pytest.fixture(params=["sqlite", pytest.param("firestore", marks=pytest.mark.firestore)])
def surveyed(make_harness: HarnessFactory, zoom_sandbox: Any, request: pytest.FixtureRequest) -> Harness:
    return after_meeting_harness(make_harness, zoom_sandbox, request.param)


@pytest.fixture
def surveyed_sqlite(make_harness: HarnessFactory, zoom_sandbox: Any) -> Harness:
    return after_meeting_harness(make_harness, zoom_sandbox)


def tick(harness: Harness) -> None:
    answer = harness.client("scheduled_tick").post("/")
    assert answer.status_code == 200, answer.get_data(as_text=True)


def survey_mails(harness: Harness) -> list[Any]:
    return [m for m in harness.sent_mail() if m["To"] == REQUESTER and "survei kepuasan" in m["Subject"].lower()]


def survey_token(mail: Any) -> str:
    found = re.search(
        r"https://vicon\.example\.go\.id/survei\.html\?token=\S+", mail.get_body(("plain",)).get_content()
    )
    assert found is not None, "no survey link in the mail"
    return parse_qs(urlsplit(found.group(0)).query)["token"][0]


def complete(harness: Harness, zoom_sandbox: Any) -> str:
    """A request provisioned, held, and completed by Zoom's meeting.ended; its id."""
    request_id, meeting_id, _uuid = provisioned(harness)
    record = harness.request(request_id)
    harness.clock.now = record.end + dt.timedelta(minutes=5)
    ended = record.end - dt.timedelta(minutes=10)
    zoom_sandbox.state.hold_meeting(meeting_id, record.start, ended)
    assert post_webhook(harness, zoom_sandbox.state.meeting_ended_event(meeting_id, end_time=ended)).status_code == 200
    tick(harness)
    assert harness.request(request_id).status == Status.COMPLETED
    return request_id


def submit(harness: Harness, token: str, **fields: str) -> Any:
    return harness.client("submit_survey").post("/", data={"token": token, **ANSWERS, **fields})


def test_the_survey_link_comes_only_after_completion_and_its_reminder_once(
    surveyed: Harness, zoom_sandbox: Any
) -> None:
    harness = surveyed
    request_id, meeting_id, _uuid = provisioned(harness)
    record = harness.request(request_id)
    tick(harness)
    harness.clock.now = record.end - dt.timedelta(minutes=30)  # the meeting is running: still no survey
    tick(harness)
    assert survey_mails(harness) == []

    harness.clock.now = record.end + dt.timedelta(minutes=5)  # Wednesday 2 December, 11.35 WIB
    ended = record.end - dt.timedelta(minutes=10)
    zoom_sandbox.state.hold_meeting(meeting_id, record.start, ended)
    post_webhook(harness, zoom_sandbox.state.meeting_ended_event(meeting_id, end_time=ended))
    tick(harness)
    tick(harness)
    [mail] = survey_mails(harness)
    assert mail["Subject"] == f"[Vicon] Survei kepuasan layanan {request_id}: {record.event_name}"
    token = survey_token(mail)
    assert harness.request(request_id).survey_mailed_at == harness.clock.now

    # Three working days later (Thursday, Friday, Monday) at the same time, once.
    harness.clock.now = dt.datetime(2026, 12, 7, 11, 30, tzinfo=WIB).astimezone(dt.UTC)
    tick(harness)
    assert len(survey_mails(harness)) == 1
    harness.clock.now = dt.datetime(2026, 12, 7, 11, 36, tzinfo=WIB).astimezone(dt.UTC)
    tick(harness)
    harness.clock.now += dt.timedelta(days=2)
    tick(harness)
    tick(harness)
    subjects = sorted(m["Subject"] for m in survey_mails(harness))
    assert subjects == [
        f"[Vicon] Pengingat survei kepuasan {request_id}: {record.event_name}",
        f"[Vicon] Survei kepuasan layanan {request_id}: {record.event_name}",
    ]
    [reminder] = [m for m in survey_mails(harness) if "Pengingat" in m["Subject"]]
    assert survey_token(reminder) == token
    actions = [entry.action for entry in harness.store.audit_trail(request_id)]
    assert actions.count("survey_mailed") == 1 and actions.count("survey_reminded") == 1

    info = harness.client("submit_survey").get("/", query_string={"token": token})
    assert info.status_code == 200 and info.get_json()["answered"] is False
    assert info.get_json()["id"] == request_id and info.get_json()["timezone_label"] == "WIB"
    accepted = submit(harness, token, usia="35_44", comment="Terima kasih.")
    assert accepted.status_code == 201, accepted.get_data(as_text=True)
    assert accepted.get_json() == {"id": request_id, "status": "received"}
    again = submit(harness, token, u1="1")
    assert again.status_code == 409
    assert again.get_json()["errors"][0]["message"].startswith("Survei untuk permohonan ini sudah diisi")
    stored = harness.request(request_id).survey
    assert stored is not None and stored.scores == (4, 3, 4, 4, 3, 4, 4, 3, 4) and stored.usia == "35_44"
    assert stored.comment == "Terima kasih." and stored.jenis_kelamin is None
    assert harness.client("submit_survey").get("/", query_string={"token": token}).get_json()["answered"] is True


def test_an_answered_survey_gets_no_reminder(surveyed_sqlite: Harness, zoom_sandbox: Any) -> None:
    harness = surveyed_sqlite
    request_id = complete(harness, zoom_sandbox)
    [mail] = survey_mails(harness)
    assert submit(harness, survey_token(mail)).status_code == 201
    harness.clock.now += dt.timedelta(days=10)
    tick(harness)
    tick(harness)
    assert len(survey_mails(harness)) == 1
    assert harness.request(request_id).survey_reminded_at is None


def test_the_form_is_refused_field_by_field_in_bahasa_and_bad_links_answer_4xx(
    surveyed_sqlite: Harness, zoom_sandbox: Any
) -> None:
    harness = surveyed_sqlite
    other = harness.submit_valid(event_name="Rapat lain")["id"]  # stays submitted
    request_id = complete(harness, zoom_sandbox)
    token = survey_token(survey_mails(harness)[0])
    client = harness.client("submit_survey")

    refused = client.post("/", data={"token": token, **ANSWERS, "u3": "5", "u7": "", "pekerjaan": "astronot"})
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == [
        {"field": "u3", "message": "Jawaban unsur 3 (Waktu Penyelesaian) harus 1, 2, 3 atau 4."},
        {"field": "u7", "message": "Pilih salah satu jawaban untuk unsur 7 (Perilaku Pelaksana)."},
        {"field": "pekerjaan", "message": "Pekerjaan tidak dikenal; pilih salah satu dari daftar."},
    ]
    assert client.post("/", data={**ANSWERS, "token": token + "x"}).status_code == 403
    assert client.get("/", query_string={"token": "x.y.z"}).status_code == 403
    assert client.get("/").status_code == 403
    assert harness.request(request_id).survey is None

    # A link for a request that is not completed opens nothing.
    early = harness.core.signer.sign("survey", other, harness.clock() + dt.timedelta(days=30))
    assert client.get("/", query_string={"token": early}).status_code == 409
    assert submit(harness, early).status_code == 409
    # A status link is not a survey link.
    status = harness.core.signer.sign("status", request_id, harness.clock() + dt.timedelta(days=30))
    assert client.get("/", query_string={"token": status}).status_code == 403

    # 30 days after the event the link has expired.
    harness.clock.now = harness.request(request_id).end + dt.timedelta(days=30, minutes=1)
    assert client.get("/", query_string={"token": token}).status_code == 410
    assert submit(harness, token).status_code == 410
    assert harness.request(request_id).survey is None


def test_a_browser_posting_without_javascript_gets_pages(surveyed_sqlite: Harness, zoom_sandbox: Any) -> None:
    harness = surveyed_sqlite
    complete(harness, zoom_sandbox)
    token = survey_token(survey_mails(harness)[0])
    html = {"Accept": "text/html"}
    client = harness.client("submit_survey")
    missing = client.post("/", data={"u1": "4"}, headers=html)
    assert missing.status_code == 422 and missing.mimetype == "text/html"
    assert "Tautan survei tidak lengkap" in missing.get_data(as_text=True)
    accepted = client.post("/", data={"token": token, **ANSWERS}, headers=html)
    assert accepted.status_code == 201 and "Terima kasih" in accepted.get_data(as_text=True)
    again = client.post("/", data={"token": token, **ANSWERS}, headers=html)
    assert again.status_code == 409 and "sudah diisi" in again.get_data(as_text=True)


def test_survey_answers_conform_to_the_document(surveyed_sqlite: Harness, zoom_sandbox: Any) -> None:
    from tests.test_openapi import assert_conforms, served_document

    harness = surveyed_sqlite
    complete(harness, zoom_sandbox)
    doc = served_document(harness)
    token = survey_token(survey_mails(harness)[0])
    client = harness.client("submit_survey")
    for answer in (client.get("/", query_string={"token": token}), client.get("/", query_string={"token": "x"})):
        assert_conforms(doc, "/submit_survey", "get", answer)
    for answer in (
        client.post("/", data={"token": token, **ANSWERS, "u9": "0"}),
        client.post("/", data={"token": "x", **ANSWERS}),
        client.post("/", data={"token": token, **ANSWERS}),
        client.post("/", data={"token": token, **ANSWERS}),
        client.post("/", data={"token": token, **ANSWERS}, headers={"Accept": "text/html"}),
    ):
        assert_conforms(doc, "/submit_survey", "post", answer)
