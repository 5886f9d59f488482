"""Special needs done through Zoom's API (decision 0032): breakout rooms preset on create, polls created once
after the meeting, the live stream set from the console with its key sent to Zoom only."""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

import pytest

from tests.harness import Harness, HarnessFactory, valid_fields
from tests.pdfs import one_page_pdf
from tests.staff import OPERATOR, ORIGIN, SUPERVISOR, sign_in, staff_get, staff_harness, staff_post, with_cookie
from tests.stores import STORE_KINDS
from tests.test_review_provision_http import BIG, SMALL, StoreWith
from vicon.lifecycle import Status
from vicon.meetings import POLL_MAX_QUESTIONS, Poll, PollQuestion
from vicon.polls import PollsInvalid, parse_polls
from vicon.provisioning import POLLS_LEASE, polls_job_key
from vicon.records import RequestChanges
from vicon.usecases.jobs import MAX_JOB_ATTEMPTS

POLLS = """Materi mana yang paling berguna?
- Perencanaan
- Anggaran

[pilih banyak] Topik pertemuan berikutnya?
SPBE
Keamanan informasi
Data"""
STREAM_KEY = "kunci-rahasia-9f3a2b7c"
LIVESTREAM = {
    "stream_url": "rtmps://live.example.com:443/app",
    "stream_key": STREAM_KEY,
    "page_url": "https://www.youtube.example/@diskominfo/live",
}
POLLS_PATH = r"^/v2/meetings/\d+/polls$"


@pytest.fixture(params=STORE_KINDS)
def zoom_staff(make_harness: HarnessFactory, zoom_sandbox: Any, request: pytest.FixtureRequest) -> Harness:
    return staff_harness(
        make_harness,
        store_kind=request.param,
        meetings=zoom_sandbox.client(sleep=lambda seconds: None),
        ZOOM_HOSTS=f"{BIG}:300,{SMALL}:100",
    )


def _submit_with_needs(harness: Harness, **overrides: Any) -> str:
    fields: dict[str, Any] = {
        "needs": ["breakout_room", "recording", "polling", "live_streaming"],
        "breakout_rooms": "4",
        "polls": POLLS,
    }
    fields.update(overrides)
    return str(harness.submit_valid(**fields)["id"])


def _approve(harness: Harness, request_id: str) -> None:
    cookie = sign_in(harness)
    answer = staff_post(harness, "staff_request", cookie, id=request_id, action="approve", confirm="yes")
    assert answer.status_code == 303, answer.get_data(as_text=True)


# ---- the polls' text ---------------------------------------------------------------------------------------------


def test_polls_text_reads_questions_answers_and_the_multiple_marker() -> None:
    first, second = parse_polls(POLLS)
    assert first == PollQuestion("Materi mana yang paling berguna?", "single", ("Perencanaan", "Anggaran"))
    assert second.kind == "multiple" and second.answers == ("SPBE", "Keamanan informasi", "Data")
    assert parse_polls("  \n ") == ()
    assert parse_polls("Setuju?\r\nYa\r\nTidak") == (PollQuestion("Setuju?", "single", ("Ya", "Tidak")),)


@pytest.mark.parametrize(
    ("answers", "read"),
    [
        # One list, marked the same way throughout: the markers go.
        ("- Perencanaan\n- Anggaran", ("Perencanaan", "Anggaran")),
        ("* Ya\n* Tidak", ("Ya", "Tidak")),
        ("• Ya\n• Tidak", ("Ya", "Tidak")),
        ("1. Ya\n2. Tidak\n3. Ragu", ("Ya", "Tidak", "Ragu")),
        ("1) Ya\n2) Tidak", ("Ya", "Tidak")),
        ("a. Ya\nb. Tidak", ("Ya", "Tidak")),
        ("A) Ya\nB) Tidak", ("Ya", "Tidak")),
        ("1. Dr. Budi\n2. Ir. Sari", ("Dr. Budi", "Ir. Sari")),
        ("\n".join(f"{n}. Jawaban {n}" for n in range(1, 11)), tuple(f"Jawaban {n}" for n in range(1, 11))),
        # Answers that only look like a marker, or markers that are not one list: kept as typed.
        ("Ya.\nOK.\n10.", ("Ya.", "OK.", "10.")),
        ("Dr. Budi\nIr. Sari\nSt. Mary", ("Dr. Budi", "Ir. Sari", "St. Mary")),
        ("A. Rahman\nM. Yusuf", ("A. Rahman", "M. Yusuf")),
        ("- Ya\nTidak", ("- Ya", "Tidak")),
        ("- Ya\n* Tidak", ("- Ya", "* Tidak")),
        ("1. Ya\n3. Tidak", ("1. Ya", "3. Tidak")),
        ("2. Ya\n3. Tidak", ("2. Ya", "3. Tidak")),
        ("1. Ya\n2) Tidak", ("1. Ya", "2) Tidak")),
        ("a. Ya\nB. Tidak", ("a. Ya", "B. Tidak")),
        ("-\n*", ("-", "*")),  # nothing would be left
        ("1.\n2.", ("1.", "2.")),
        ("-5 derajat\n-10 derajat", ("-5 derajat", "-10 derajat")),
    ],
)
def test_polls_answers_lose_list_markers_only_when_they_are_one_list(answers: str, read: tuple[str, ...]) -> None:
    [question] = parse_polls(f"Pertanyaan?\n{answers}")
    assert question.answers == read


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("Satu jawaban saja?\nYa", "Pertanyaan 1: tulis 2 sampai 10 jawaban"),
        ("Banyak?\n" + "\n".join(f"Jawaban {n}" for n in range(11)), "Pertanyaan 1: tulis 2 sampai 10 jawaban"),
        ("\n\n".join(f"Tanya {n}?\nYa\nTidak" for n in range(POLL_MAX_QUESTIONS + 1)), "paling banyak 25 pertanyaan"),
        ("Ok?\nYa\nTidak\n\n" + "x" * 1025 + "\nYa\nTidak", "Pertanyaan 2: paling banyak 1024 karakter"),
        ("Jawaban panjang?\nYa\n" + "y" * 201, "setiap jawaban paling banyak 200 karakter"),
        ("Sama setelah penanda dibuang?\n- Ya\n- ya", "ada jawaban yang sama dua kali"),
        ("[pilih banyak]\nYa\nTidak", "teks pertanyaannya kosong"),
        ("Sama?\nYa\nya", "ada jawaban yang sama dua kali"),
    ],
)
def test_polls_text_is_refused_strictly(text: str, said: str) -> None:
    with pytest.raises(PollsInvalid, match=said):
        parse_polls(text)


def test_the_form_refuses_bad_polls_and_room_counts_naming_the_field(harness: Harness) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"needs": ["polling"], "polls": "Satu?\nYa"}, "polls"),
        ({"needs": ["recording"], "polls": POLLS}, "polls"),
        ({"needs": ["breakout_room"], "breakout_rooms": "1"}, "breakout_rooms"),
        ({"needs": ["breakout_room"], "breakout_rooms": "51"}, "breakout_rooms"),
        ({"needs": ["breakout_room"], "breakout_rooms": "dua"}, "breakout_rooms"),
        ({"needs": ["polling"], "breakout_rooms": "3"}, "breakout_rooms"),
    ]
    for overrides, field in cases:
        answer = harness.submit(valid_fields(recording_consent="on", **overrides), one_page_pdf())
        assert answer.status_code == 422, overrides
        assert [error["field"] for error in answer.get_json()["errors"]] == [field], answer.get_json()
    assert harness.all_requests() == []


# ---- provisioning ------------------------------------------------------------------------------------------------


def test_breakout_rooms_are_preset_and_polls_created_once_with_the_meeting(
    zoom_staff: Harness, zoom_sandbox: Any
) -> None:
    harness = zoom_staff
    request_id = _submit_with_needs(harness)
    record = harness.request(request_id)
    assert record.breakout_rooms == 4 and [question.kind for question in record.polls] == ["single", "multiple"]
    _approve(harness, request_id)
    record = harness.request(request_id)
    assert record.status == Status.PROVISIONED and record.meeting is not None
    # The create (provisioning lists the host's meetings first: decision 0033).
    [body] = [
        body for method, path, body in zoom_sandbox.state.bodies if method == "POST" and path.endswith("/meetings")
    ]
    assert body["settings"]["breakout_room"] == {
        "enable": True,
        "rooms": [{"name": f"Ruang {number}"} for number in range(1, 5)],
    }
    [poll] = zoom_sandbox.state.polls[record.meeting.id]
    assert poll["title"] == f"Polling {request_id}" and record.zoom_polls == (poll["id"],)
    assert poll["questions"][1]["type"] == "multiple"
    assert record.polls_error is None
    assert [entry.action for entry in harness.store.audit_trail(request_id)].count("polls") == 1


def test_a_poll_whose_answer_was_lost_is_not_created_twice_and_the_meeting_stays(
    zoom_staff: Harness, zoom_sandbox: Any
) -> None:
    harness = zoom_staff
    request_id = _submit_with_needs(harness)
    # Zoom makes the poll but the answer never arrives: the request keeps its meeting, the page says why.
    zoom_sandbox.state.inject("POST", POLLS_PATH, status=504, after_effect=True)
    _approve(harness, request_id)
    record = harness.request(request_id)
    assert record.status == Status.PROVISIONED and record.meeting is not None
    assert record.zoom_polls == () and record.polls_error
    assert len(zoom_sandbox.state.polls[record.meeting.id]) == 1
    failed = [entry for entry in harness.store.audit_trail(request_id) if entry.action == "polls_failed"]
    assert [entry.detail["reason"] for entry in failed] == [record.polls_error]
    operator = sign_in(harness, OPERATOR)
    page = staff_get(harness, "staff_request", operator, id=request_id).get_data(as_text=True)
    assert 'id="polls-error"' in page and 'id="polls-button"' in page
    # The console's retry lists the meeting's polls first and takes the one already made.
    assert staff_post(harness, "staff_request", operator, id=request_id, action="polls").status_code == 303
    record = harness.request(request_id)
    polls = zoom_sandbox.state.polls[record.held_meeting().id]
    assert len(polls) == 1 and record.zoom_polls == (polls[0]["id"],) and record.polls_error is None
    [done] = [entry for entry in harness.store.audit_trail(request_id) if entry.action == "polls"]
    assert done.actor == OPERATOR and done.detail["via"] == "konsol"
    assert staff_post(harness, "staff_request", operator, id=request_id, action="polls").status_code == 409


def test_polls_refused_by_zoom_do_not_lose_the_meeting(zoom_staff: Harness, zoom_sandbox: Any) -> None:
    harness = zoom_staff
    request_id = _submit_with_needs(harness)
    disabled = {"code": 4400, "message": "Meeting polls disabled."}
    zoom_sandbox.state.inject("POST", POLLS_PATH, status=400, body=disabled)
    _approve(harness, request_id)
    record = harness.request(request_id)
    assert record.status == Status.PROVISIONED and record.meeting is not None
    assert record.meeting.id in zoom_sandbox.state.meetings
    assert record.polls_error is not None and "Meeting Polls/Quizzes" in record.polls_error
    assert any("Zoom Meeting siap" in mail["Subject"] for mail in harness.sent_mail())


# ---- the live stream ---------------------------------------------------------------------------------------------


def test_an_officer_sets_the_live_stream_and_the_key_is_nowhere_but_zoom(
    zoom_staff: Harness, zoom_sandbox: Any
) -> None:
    harness = zoom_staff
    request_id = _submit_with_needs(harness)
    _approve(harness, request_id)
    operator = sign_in(harness, OPERATOR)
    page = staff_get(harness, "staff_request", operator, id=request_id).get_data(as_text=True)
    assert 'id="livestream-form"' in page
    answer = staff_post(harness, "staff_request", operator, id=request_id, action="livestream", **LIVESTREAM)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    meeting_id = harness.request(request_id).held_meeting().id
    assert zoom_sandbox.state.livestreams[meeting_id] == LIVESTREAM
    record = harness.request(request_id)
    assert record.livestream is not None and record.livestream.set_by == OPERATOR
    [entry] = [entry for entry in harness.store.audit_trail(request_id) if entry.action == "livestream"]
    assert entry.actor == OPERATOR
    assert entry.detail == {
        "via": "konsol",
        "stream_url": LIVESTREAM["stream_url"],
        "page_url": LIVESTREAM["page_url"],
        "stream_key": "kunci disimpan di Zoom",
    }
    page = staff_get(harness, "staff_request", operator, id=request_id, selesai="livestream").get_data(as_text=True)
    assert "Live streaming dipasang" in page and "kunci disimpan di Zoom" in page
    assert STREAM_KEY not in page
    assert STREAM_KEY not in record.model_dump_json()
    for mail in harness.sent_mail():
        assert STREAM_KEY not in mail.as_string()
    for entry in harness.store.audit_trail(request_id):
        assert STREAM_KEY not in repr(entry)


def test_live_stream_input_is_checked_naming_the_field(zoom_staff: Harness, zoom_sandbox: Any) -> None:
    harness = zoom_staff
    request_id = _submit_with_needs(harness)
    _approve(harness, request_id)
    operator = sign_in(harness, OPERATOR)
    bad = [
        ({"stream_url": "rtmp://live.example.com/app"}, "stream_url"),  # unencrypted: the key would travel plain
        ({"stream_url": "https://" + "a" * 1020 + ".id"}, "stream_url"),
        ({"page_url": "http://www.youtube.example/live"}, "page_url"),
        ({"page_url": "https://user:pw@example.com/live"}, "page_url"),
        ({"stream_key": ""}, "stream_key"),
        ({"stream_key": "k" * 513}, "stream_key"),
        ({"stream_key": " spasi-di-depan"}, "stream_key"),
    ]
    for change, field in bad:
        form = {**LIVESTREAM, **change}
        answer = with_cookie(harness, "staff_request", operator).post(
            "/",
            data={"id": request_id, "action": "livestream", **form},
            headers={"Origin": ORIGIN, "Accept": "application/json"},
        )
        assert answer.status_code == 422, change
        [error] = answer.get_json()["errors"]
        assert error["field"] == field and STREAM_KEY not in error["message"], error
        page = staff_post(harness, "staff_request", operator, id=request_id, action="livestream", **form)
        assert page.status_code == 422 and STREAM_KEY not in page.get_data(as_text=True)
    assert zoom_sandbox.state.livestreams == {}
    assert harness.request(request_id).livestream is None


def test_live_stream_needs_a_session_our_origin_and_the_right_role(zoom_staff: Harness, zoom_sandbox: Any) -> None:
    harness = zoom_staff
    request_id = _submit_with_needs(harness)
    _approve(harness, request_id)
    form = {"id": request_id, "action": "livestream", **LIVESTREAM}
    assert staff_post(harness, "staff_request", None, **form).status_code == 401
    operator = sign_in(harness, OPERATOR)
    assert staff_post(harness, "staff_request", operator, origin="https://evil.example", **form).status_code == 403
    assert staff_post(harness, "staff_request", operator, origin=None, **form).status_code == 403
    supervisor = sign_in(harness, SUPERVISOR)
    assert staff_post(harness, "staff_request", supervisor, **form).status_code == 403
    assert zoom_sandbox.state.livestreams == {}


def test_a_zoom_failure_on_the_live_stream_writes_nothing(zoom_staff: Harness, zoom_sandbox: Any) -> None:
    harness = zoom_staff
    request_id = _submit_with_needs(harness)
    _approve(harness, request_id)
    operator = sign_in(harness, OPERATOR)
    zoom_sandbox.state.inject(
        "PATCH", r"/livestream$", status=404, body={"code": 3001, "message": "Meeting does not exist."}
    )
    refused = staff_post(harness, "staff_request", operator, id=request_id, action="livestream", **LIVESTREAM)
    assert refused.status_code == 409 and "Zoom menolak" in refused.get_data(as_text=True)
    zoom_sandbox.state.inject("PATCH", r"/livestream$", status=503, times=2)
    unavailable = staff_post(harness, "staff_request", operator, id=request_id, action="livestream", **LIVESTREAM)
    assert unavailable.status_code == 503 and STREAM_KEY not in unavailable.get_data(as_text=True)
    assert harness.request(request_id).livestream is None
    assert not [entry for entry in harness.store.audit_trail(request_id) if entry.action == "livestream"]


def test_live_stream_is_offered_only_when_asked_for(zoom_staff: Harness) -> None:
    harness = zoom_staff
    request_id = harness.submit_valid()["id"]  # breakout room and recording only
    _approve(harness, request_id)
    operator = sign_in(harness, OPERATOR)
    page = staff_get(harness, "staff_request", operator, id=request_id).get_data(as_text=True)
    assert 'id="livestream-form"' not in page
    answer = staff_post(harness, "staff_request", operator, id=request_id, action="livestream", **LIVESTREAM)
    assert answer.status_code == 409


# ---- polls after a Zoom failure: the job's retries, the operators' one mail ------------------------------------


def _polls_mails(harness: Harness) -> list[Any]:
    harness.core.deliver_mail()
    return [mail for mail in harness.sent_mail() if "Polling belum dibuat" in mail["Subject"]]


def _run_jobs_at(harness: Harness, minutes: float) -> dict[str, int]:
    harness.clock.now += dt.timedelta(minutes=minutes)
    return harness.core.run_jobs()


def test_a_transient_polls_failure_is_retried_by_a_job_with_backoff(zoom_staff: Harness, zoom_sandbox: Any) -> None:
    harness = zoom_staff
    request_id = _submit_with_needs(harness)
    zoom_sandbox.state.inject("POST", POLLS_PATH, status=503, body={"code": 5000, "message": "Busy"})
    _approve(harness, request_id)
    record = harness.request(request_id)
    assert record.status == Status.PROVISIONED and record.polls_error and "otomatis" in record.polls_error
    job = harness.store.job(polls_job_key(request_id))
    assert job is not None and job.state == "pending" and job.job.due_at == harness.clock() + dt.timedelta(minutes=2)
    # Not due yet: nothing runs. Then Zoom fails once more (5xx): due again 4 minutes later.
    assert harness.core.run_jobs()["retried"] == 0
    zoom_sandbox.state.inject("POST", POLLS_PATH, status=500)
    assert _run_jobs_at(harness, 2)["retried"] == 1
    job = harness.store.job(polls_job_key(request_id))
    assert job is not None and job.attempts == 1 and job.job.due_at == harness.clock() + dt.timedelta(minutes=4)
    assert harness.request(request_id).zoom_polls == ()
    assert _run_jobs_at(harness, 4)["done"] == 1
    record = harness.request(request_id)
    [poll] = zoom_sandbox.state.polls[record.held_meeting().id]
    assert record.zoom_polls == (poll["id"],) and record.polls_error is None
    job = harness.store.job(polls_job_key(request_id))
    assert job is not None and job.state == "done"
    audit = [entry.action for entry in harness.store.audit_trail(request_id)]
    assert audit.count("polls_failed") == 2 and audit.count("polls") == 1
    assert _polls_mails(harness) == []  # retried unattended: nobody needs to act


def test_the_polls_job_after_a_timeout_takes_the_poll_zoom_made(
    make_harness: HarnessFactory, zoom_sandbox: Any
) -> None:
    harness = staff_harness(
        make_harness, meetings=zoom_sandbox.client(sleep=lambda seconds: None, timeout=0.5), ZOOM_HOSTS=f"{BIG}:300"
    )
    request_id = _submit_with_needs(harness)
    # Zoom takes longer than the client waits, then makes the poll anyway: the answer is lost.
    zoom_sandbox.state.inject("POST", POLLS_PATH, delay=1.0)
    _approve(harness, request_id)
    zoom_sandbox.state.release_delays()
    record = harness.request(request_id)
    assert record.zoom_polls == () and record.polls_error
    meeting_id = record.held_meeting().id
    for _ in range(50):  # the sandbox finishes the delayed request on its own thread
        if zoom_sandbox.state.polls.get(meeting_id):
            break
        time.sleep(0.05)  # a relative sleep: a timed wait on a threading primitive hangs under faketime
    assert _run_jobs_at(harness, 2)["done"] == 1
    [poll] = zoom_sandbox.state.polls[meeting_id]  # listed first, so not made twice
    assert harness.request(request_id).zoom_polls == (poll["id"],)


def test_polls_refused_by_zoom_mail_the_operators_once_and_schedule_no_retry(
    zoom_staff: Harness, zoom_sandbox: Any
) -> None:
    harness = zoom_staff
    request_id = _submit_with_needs(harness)
    disabled = {"code": 4400, "message": "Meeting polls disabled."}
    zoom_sandbox.state.inject("POST", POLLS_PATH, status=400, body=disabled, times=2)
    _approve(harness, request_id)
    assert harness.store.job(polls_job_key(request_id)) is None
    [mail] = _polls_mails(harness)
    assert mail["To"] == OPERATOR
    text = mail.get_body(("plain",)).get_content()
    assert "Meeting Polls/Quizzes" in text and "Buat polling di Zoom" in text
    assert f"/api/staff_request?id={request_id}" in text and "Materi mana yang paling berguna?" in text
    assert any("Polling belum dibuat" in entry.mail.subject for entry in harness.store.mail_history(request_id))
    # The console's retry is refused again: the page says so, the operators are not mailed a second time.
    operator = sign_in(harness, OPERATOR)
    assert staff_post(harness, "staff_request", operator, id=request_id, action="polls").status_code == 303
    assert "Meeting Polls/Quizzes" in (harness.request(request_id).polls_error or "")
    assert len(_polls_mails(harness)) == 1
    # Once the setting is on, the same button makes the poll.
    assert staff_post(harness, "staff_request", operator, id=request_id, action="polls").status_code == 303
    assert harness.request(request_id).zoom_polls


def test_the_polls_job_gives_up_after_its_attempts_and_mails_the_operators_once(
    zoom_staff: Harness, zoom_sandbox: Any
) -> None:
    harness = zoom_staff
    request_id = _submit_with_needs(harness)
    zoom_sandbox.state.inject("POST", POLLS_PATH, status=503, times=MAX_JOB_ATTEMPTS + 5)
    _approve(harness, request_id)
    for _ in range(MAX_JOB_ATTEMPTS):
        job = harness.store.job(polls_job_key(request_id))
        assert job is not None and job.state == "pending" and _polls_mails(harness) == []
        harness.clock.now = job.job.due_at
        harness.core.run_jobs()
    job = harness.store.job(polls_job_key(request_id))
    assert job is not None and job.state == "dead" and job.attempts == MAX_JOB_ATTEMPTS
    assert harness.clock() < harness.request(request_id).start  # the retries ran out before the event
    [mail] = _polls_mails(harness)
    assert f"sudah mencoba {MAX_JOB_ATTEMPTS} kali" in mail.get_body(("plain",)).get_content()
    assert zoom_sandbox.state.calls_to("POST", POLLS_PATH) == MAX_JOB_ATTEMPTS + 1  # the inline try and the job's


def test_the_polls_job_stops_once_the_event_is_over(zoom_staff: Harness, zoom_sandbox: Any) -> None:
    harness = zoom_staff
    request_id = _submit_with_needs(harness)
    zoom_sandbox.state.inject("POST", POLLS_PATH, status=503)
    _approve(harness, request_id)
    harness.clock.now = harness.request(request_id).end
    harness.core.run_jobs()
    job = harness.store.job(polls_job_key(request_id))
    assert job is not None and job.state == "done" and job.attempts == 0
    assert zoom_sandbox.state.calls_to("POST", POLLS_PATH) == 1 and _polls_mails(harness) == []


def test_the_stream_key_is_never_logged(
    zoom_staff: Harness, zoom_sandbox: Any, caplog: pytest.LogCaptureFixture
) -> None:
    harness = zoom_staff
    request_id = _submit_with_needs(harness)
    _approve(harness, request_id)
    operator = sign_in(harness, OPERATOR)
    caplog.clear()
    for name in ("vicon", "httpx", "httpcore", "werkzeug", "vicon_dev"):
        caplog.set_level(logging.DEBUG, logger=name)
    # Accepted, refused by Zoom (its answer quotes the field), Zoom down (retried), and our own refusal.
    answer = staff_post(harness, "staff_request", operator, id=request_id, action="livestream", **LIVESTREAM)
    assert answer.status_code == 303
    zoom_sandbox.state.inject(
        "PATCH", r"/livestream$", status=400, body={"code": 300, "message": f"Invalid stream_key {STREAM_KEY}"}
    )
    refused = staff_post(harness, "staff_request", operator, id=request_id, action="livestream", **LIVESTREAM)
    assert refused.status_code == 409 and STREAM_KEY not in refused.get_data(as_text=True)
    assert "[kunci stream]" in refused.get_data(as_text=True)
    zoom_sandbox.state.inject("PATCH", r"/livestream$", status=503, times=3)
    down = staff_post(harness, "staff_request", operator, id=request_id, action="livestream", **LIVESTREAM)
    assert down.status_code == 503
    bad = {**LIVESTREAM, "stream_url": "rtmp://live.example.com/app"}
    assert staff_post(harness, "staff_request", operator, id=request_id, action="livestream", **bad).status_code == 422
    assert any(record.name.startswith("httpx") for record in caplog.records)  # the client's log was captured
    for record in caplog.records:
        assert STREAM_KEY not in record.getMessage() and STREAM_KEY not in (record.exc_text or ""), record.name
    assert STREAM_KEY not in caplog.text


# ---- the store failing after Zoom answered; two attempts at the polls at once -----------------------------------


def _store_failing_to_set(harness: Harness, field: str) -> StoreWith:
    """The harness's store, whose update_request fails whenever it would set `field`."""
    store = harness.core.store

    def update_request(request_id: str, changes: RequestChanges) -> Any:
        if field in changes.model_fields_set:
            raise RuntimeError("store unavailable")
        return store.update_request(request_id, changes)

    return StoreWith(store, update_request=update_request)


def _errors(caplog: pytest.LogCaptureFixture, said: str) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.ERROR and said in record.getMessage()]


def test_a_poll_made_in_zoom_but_not_recorded_is_recorded_by_the_polls_job(
    zoom_staff: Harness, zoom_sandbox: Any, caplog: pytest.LogCaptureFixture
) -> None:
    harness = zoom_staff
    request_id = _submit_with_needs(harness)
    store = harness.core.store
    harness.core.store = _store_failing_to_set(harness, "zoom_polls")
    _approve(harness, request_id)
    harness.core.store = store
    record = harness.request(request_id)
    assert record.status == Status.PROVISIONED and record.zoom_polls == () and record.polls_lease is None
    [poll] = zoom_sandbox.state.polls[record.held_meeting().id]
    assert _errors(caplog, f"poll {poll['id']} of {request_id} is in meeting")
    job = harness.store.job(polls_job_key(request_id))
    assert job is not None and job.state == "pending"
    # The job lists the meeting's polls first: it records the one made, and makes no second.
    assert _run_jobs_at(harness, 2)["done"] == 1
    record = harness.request(request_id)
    assert record.zoom_polls == (poll["id"],) and record.polls_error is None
    assert len(zoom_sandbox.state.polls[record.held_meeting().id]) == 1
    assert zoom_sandbox.state.calls_to("POST", POLLS_PATH) == 1
    assert [entry.action for entry in harness.store.audit_trail(request_id)].count("polls") == 1


def test_a_polls_refusal_not_recorded_is_tried_again_by_the_job_then_mailed_once(
    zoom_staff: Harness, zoom_sandbox: Any, caplog: pytest.LogCaptureFixture
) -> None:
    harness = zoom_staff
    request_id = _submit_with_needs(harness)
    disabled = {"code": 4400, "message": "Meeting polls disabled."}
    zoom_sandbox.state.inject("POST", POLLS_PATH, status=400, body=disabled, times=2)
    store = harness.core.store
    harness.core.store = _store_failing_to_set(harness, "polls_error")
    _approve(harness, request_id)
    harness.core.store = store
    assert harness.request(request_id).polls_error is None and _polls_mails(harness) == []
    assert _errors(caplog, f"recording why the polls of {request_id} failed")
    job = harness.store.job(polls_job_key(request_id))
    assert job is not None and job.state == "pending"
    assert _run_jobs_at(harness, 2)["done"] == 1
    assert "Meeting Polls/Quizzes" in (harness.request(request_id).polls_error or "")
    assert len(_polls_mails(harness)) == 1


@pytest.mark.parametrize("failing", ["update_request", "record_audit"])
def test_a_live_stream_set_in_zoom_but_not_recorded_tells_the_officer_to_send_it_again(
    zoom_staff: Harness, zoom_sandbox: Any, caplog: pytest.LogCaptureFixture, failing: str
) -> None:
    harness = zoom_staff
    request_id = _submit_with_needs(harness)
    _approve(harness, request_id)
    operator = sign_in(harness, OPERATOR)
    store = harness.core.store

    def unavailable(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("store unavailable")

    harness.core.store = StoreWith(store, **{failing: unavailable})
    answer = staff_post(harness, "staff_request", operator, id=request_id, action="livestream", **LIVESTREAM)
    harness.core.store = store
    text = answer.get_data(as_text=True)
    assert answer.status_code == 503 and "sudah dipasang di Zoom, tetapi belum tercatat di Vicon" in text
    assert "kirim pengaturan live streaming sekali lagi" in text and STREAM_KEY not in text
    meeting_id = harness.request(request_id).held_meeting().id
    assert zoom_sandbox.state.livestreams[meeting_id] == LIVESTREAM
    assert _errors(caplog, f"the live stream of {request_id} is set in Zoom")
    assert STREAM_KEY not in caplog.text
    # Sent again, as the page says: Zoom holds the same stream, and now the request and its audit trail have it.
    answer = staff_post(harness, "staff_request", operator, id=request_id, action="livestream", **LIVESTREAM)
    assert answer.status_code == 303
    assert zoom_sandbox.state.livestreams[meeting_id] == LIVESTREAM
    record = harness.request(request_id)
    assert record.livestream is not None and record.livestream.set_by == OPERATOR
    assert [entry.action for entry in harness.store.audit_trail(request_id)].count("livestream") == 1


class _MeanwhileListingPolls:
    """The harness's Zoom client, running `meanwhile` once just after the first attempt listed the meeting's polls
    and before it creates any: the window in which two attempts that both listed nothing would both create."""

    def __init__(self, meetings: Any, meanwhile: Any) -> None:
        self._meetings = meetings
        self._meanwhile = meanwhile

    def __getattr__(self, name: str) -> Any:
        return getattr(self._meetings, name)

    def list_polls(self, meeting_id: int | str) -> list[Poll]:
        listed = self._meetings.list_polls(meeting_id)
        meanwhile, self._meanwhile = self._meanwhile, None
        if meanwhile is not None:
            meanwhile()
        return listed


def test_the_console_pressed_while_the_polls_job_runs_creates_no_second_poll(
    zoom_staff: Harness, zoom_sandbox: Any
) -> None:
    harness = zoom_staff
    request_id = _submit_with_needs(harness)
    zoom_sandbox.state.inject("POST", POLLS_PATH, status=503)
    _approve(harness, request_id)
    operator = sign_in(harness, OPERATOR)
    pressed: list[Any] = []
    meetings = harness.core.meetings
    harness.core.meetings = _MeanwhileListingPolls(
        meetings, lambda: pressed.append(staff_post(harness, "staff_request", operator, id=request_id, action="polls"))
    )
    assert _run_jobs_at(harness, 2)["done"] == 1
    harness.core.meetings = meetings
    [answer] = pressed
    assert answer.status_code == 409 and "sedang dibuat oleh proses lain" in answer.get_data(as_text=True)
    record = harness.request(request_id)
    [poll] = zoom_sandbox.state.polls[record.held_meeting().id]
    assert record.zoom_polls == (poll["id"],) and record.polls_lease is None
    # Pressed again afterwards: the poll is recorded, nothing more is sent to Zoom.
    assert staff_post(harness, "staff_request", operator, id=request_id, action="polls").status_code == 409
    assert zoom_sandbox.state.calls_to("POST", POLLS_PATH) == 2  # the inline try (503) and the job's


def test_the_polls_job_due_while_the_console_creates_the_poll_creates_no_second(
    zoom_staff: Harness, zoom_sandbox: Any
) -> None:
    harness = zoom_staff
    request_id = _submit_with_needs(harness)
    zoom_sandbox.state.inject("POST", POLLS_PATH, status=503)
    _approve(harness, request_id)
    operator = sign_in(harness, OPERATOR)
    harness.clock.now += dt.timedelta(minutes=2)  # the polls job is due
    meetings = harness.core.meetings
    harness.core.meetings = _MeanwhileListingPolls(meetings, harness.core.run_jobs)
    assert staff_post(harness, "staff_request", operator, id=request_id, action="polls").status_code == 303
    harness.core.meetings = meetings
    job = harness.store.job(polls_job_key(request_id))
    assert job is not None and job.state == "pending" and job.job.due_at == harness.clock() + POLLS_LEASE
    record = harness.request(request_id)
    [poll] = zoom_sandbox.state.polls[record.held_meeting().id]
    assert record.zoom_polls == (poll["id"],) and record.polls_lease is None
    [done] = [entry for entry in harness.store.audit_trail(request_id) if entry.action == "polls"]
    assert done.actor == OPERATOR
    # The job's next run finds the poll recorded: done, nothing more sent to Zoom.
    harness.clock.now = job.job.due_at
    harness.core.run_jobs()
    job = harness.store.job(polls_job_key(request_id))
    assert job is not None and job.state == "done"
    assert zoom_sandbox.state.calls_to("POST", POLLS_PATH) == 2  # the inline try (503) and the console's
