"""Decisions, provisioning, invitations, officer links and cancellation, through the Functions Framework,
with the production Zoom client talking to the Zoom sandbox over HTTP, on SQLite and the Firestore emulator."""

from __future__ import annotations

import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from icalendar import Calendar

from tests.harness import Harness, HarnessFactory
from tests.stores import STORE_KINDS

BIG, SMALL = "host-besar@vicon.example", "host-kecil@vicon.example"
OPERATOR = "petugas.satu@diskominfo.example"


@pytest.fixture(params=STORE_KINDS)
def zoom_harness(make_harness: HarnessFactory, zoom_sandbox: Any, request: pytest.FixtureRequest) -> Harness:
    """SQLite or Firestore, the mail sink, and the real Zoom client against the sandbox."""
    return make_harness(
        store_kind=request.param,
        meetings=zoom_sandbox.client(sleep=lambda seconds: None),
        ZOOM_HOSTS=f"{BIG}:300,{SMALL}:100",
        OPERATOR_EMAILS=OPERATOR,
    )


def links(harness: Harness, marker: str, to: str | None = None) -> list[str]:
    found = []
    for mail in harness.sent_mail():
        if to is not None and mail["To"] != to:
            continue
        found += re.findall(r"https?://\S+" + re.escape(marker) + r"\S*", mail.get_body(("plain",)).get_content())
    return found


def review_token(harness: Harness, request_id: str, verifier: str = "verifikator.satu@diskominfo.example") -> str:
    for mail in harness.sent_mail():
        if mail["To"] == verifier and request_id in mail["Subject"] and "Permohonan baru" in mail["Subject"]:
            url = re.search(r"https?://\S+/api/review_request\?token=\S+", mail.get_body(("plain",)).get_content())
            assert url is not None
            return parse_qs(urlsplit(url.group(0)).query)["token"][0]
    raise AssertionError(f"no review mail for {request_id}")


def decide(harness: Harness, token: str, decision: str, reason: str = "") -> Any:
    return harness.client("review_request").post("/", data={"token": token, "decision": decision, "reason": reason})


def mails_to(harness: Harness, address: str, subject_part: str) -> list[Any]:
    return [m for m in harness.sent_mail() if m["To"] == address and subject_part in m["Subject"]]


def busy_check_answers(zoom_sandbox: Any) -> None:
    """The list before the create (decision 0033: is the host free in Zoom?) gets Zoom's real answer, so the
    failures injected after it hit the search that follows an ambiguous create."""
    zoom_sandbox.state.inject("GET", r"/users/.+/meetings")


def live_meetings(zoom_sandbox: Any) -> list[Any]:
    return list(zoom_sandbox.state.meetings.values())


# ---- the confirmation page ----------------------------------------------------------------------------------


def test_review_get_and_head_ten_times_write_nothing_and_call_no_zoom(zoom_harness: Harness, zoom_sandbox: Any) -> None:
    harness = zoom_harness
    request_id = harness.submit_valid(event_name="Rapat <i>evaluasi</i>")["id"]
    token = review_token(harness, request_id)
    record, trail, mail = (
        harness.store.get_request(request_id),
        harness.store.audit_trail(request_id),
        harness.sent_mail(),
    )
    calls_before = len(zoom_sandbox.state.calls)

    client = harness.client("review_request")
    for _ in range(10):
        page = client.get("/", query_string={"token": token})
        assert page.status_code == 200
        assert client.head("/", query_string={"token": token}).status_code == 200

    html = page.get_data(as_text=True)
    assert '<form method="post"' in html and 'name="reason"' in html
    assert 'name="decision" value="approve"' in html and 'name="decision" value="reject"' in html
    assert request_id in html and "Rabu, 2 Desember 2026 09.00 WIB" in html and "Dinas Kesehatan" in html
    assert "&lt;i&gt;evaluasi&lt;/i&gt;" in html  # autoescaped
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert harness.store.get_request(request_id) == record
    assert harness.store.audit_trail(request_id) == trail
    assert len(harness.sent_mail()) == len(mail)
    assert len(zoom_sandbox.state.calls) == calls_before


# ---- approval and the invitation ----------------------------------------------------------------------------


def test_approve_creates_one_meeting_with_safe_settings_and_sends_the_invitation(
    zoom_harness: Harness, zoom_sandbox: Any
) -> None:
    harness = zoom_harness
    request_id = harness.submit_valid()["id"]  # 40 participants, recording with consent, breakout rooms

    response = decide(harness, review_token(harness, request_id), "approve")

    assert response.status_code == 200, response.get_data(as_text=True)
    record = harness.store.get_request(request_id)
    assert record is not None and record.status == "provisioned"
    [meeting] = live_meetings(zoom_sandbox)
    body = meeting
    settings = body["settings"]
    assert body["type"] == 2
    assert body["start_time"] == "2026-12-02T02:00:00Z" and body["duration"] == 150
    assert body["timezone"] == "Asia/Jakarta"
    assert body["agenda"].startswith(f"[{request_id}]")
    assert settings["waiting_room"] is True and settings["join_before_host"] is False
    assert settings["mute_upon_entry"] is True and settings["use_pmi"] is False
    assert settings["auto_recording"] == "cloud"
    assert settings["breakout_room"]["enable"] is True
    assert re.fullmatch(r"[A-Za-z0-9@\-_*]{1,10}", body["password"])
    assert record.held_meeting().host == SMALL  # the smallest host that fits 40 participants

    [invitation] = mails_to(harness, "budi.santoso@dinkes.example.go.id", "Zoom Meeting siap")
    text = invitation.get_body(("plain",)).get_content()
    assert record.held_meeting().join_url in text and record.held_meeting().passcode in text
    assert "Rabu, 2 Desember 2026, 09.00–11.30 WIB" in text
    wa = re.search(r"https://wa\.me/\?text=(\S+)", text)
    assert wa is not None and record.held_meeting().join_url in unquote(wa.group(1))
    [ics] = [part for part in invitation.iter_attachments() if part.get_content_type() == "text/calendar"]
    event = Calendar.from_ical(ics.get_payload(decode=True)).walk("VEVENT")[0]
    assert event.decoded("dtstart") == dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)
    assert event.decoded("dtend") == dt.datetime(2026, 12, 2, 4, 30, tzinfo=dt.UTC)
    assert str(event["summary"]) == "Rapat Koordinasi Percepatan Penurunan Stunting"
    assert ics.get_content_type() == "text/calendar" and ics.get_param("method") == "REQUEST"
    assert str(Calendar.from_ical(ics.get_payload(decode=True))["method"]) == "REQUEST"
    assert str(event["attendee"]) == "mailto:budi.santoso@dinkes.example.go.id"
    assert invitation["Auto-Submitted"] == "auto-generated"

    [operator_mail] = mails_to(harness, OPERATOR, "Meeting dijadwalkan")
    assert "/api/start_meeting?token=" in operator_mail.get_body(("plain",)).get_content()
    # A start link (with its zak host token) never leaves the system by mail.
    for mail in harness.sent_mail():
        for part in mail.walk():
            if part.get_content_maintype() == "text":
                assert "zak=" not in part.get_content() and "/s/" not in part.get_content()

    audit = harness.store.audit_trail(request_id)
    assert [(e.actor, e.action, e.to_status) for e in audit[1:]] == [
        ("verifikator.satu@diskominfo.example", "approve", "approved"),
        ("sistem", "provision", "provisioned"),
    ]


def test_approve_without_recording_consent_records_nothing(zoom_harness: Harness, zoom_sandbox: Any) -> None:
    harness = zoom_harness
    request_id = harness.submit_valid(needs=["polling"], recording_consent="")["id"]
    decide(harness, review_token(harness, request_id), "approve")
    [meeting] = live_meetings(zoom_sandbox)
    body = meeting
    assert body["settings"]["auto_recording"] == "none"
    assert not body["settings"].get("breakout_room", {}).get("enable", False)


def test_status_shows_the_meeting_but_never_a_host_link(zoom_harness: Harness) -> None:
    harness = zoom_harness
    submitted = harness.submit_valid()
    decide(harness, review_token(harness, submitted["id"]), "approve")
    query = {k: v[0] for k, v in parse_qs(urlsplit(submitted["status_url"]).query).items()}
    status = harness.client("request_status").get("/", query_string=query).get_json()
    assert status["status"] == "provisioned"
    assert set(status["meeting"]) == {"id", "join_url", "passcode", "start", "end"}
    assert [h["status"] for h in status["history"]] == ["submitted", "approved", "provisioned"]


def test_twenty_concurrent_approvals_make_exactly_one_meeting(zoom_harness: Harness, zoom_sandbox: Any) -> None:
    harness = zoom_harness
    request_id = harness.submit_valid()["id"]
    tokens = [
        review_token(harness, request_id),
        review_token(harness, request_id, "verifikator.dua@diskominfo.example"),
    ]

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(lambda n: decide(harness, tokens[n % 2], "approve").status_code, range(20)))

    assert sorted(codes) == [200] + [409] * 19
    assert len(live_meetings(zoom_sandbox)) == 1
    assert harness.request(request_id).status == "provisioned"
    assert len(mails_to(harness, "budi.santoso@dinkes.example.go.id", "Zoom Meeting siap")) == 1


def test_three_overlapping_approvals_with_two_hosts_never_double_book(zoom_harness: Harness, zoom_sandbox: Any) -> None:
    harness = zoom_harness
    ids = [
        harness.submit_valid(event_name=f"Rapat {n}", start="2026-12-02T09:00", end=f"2026-12-02T1{n}:00")["id"]
        for n in range(3)
    ]
    tokens = [review_token(harness, request_id) for request_id in ids]

    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda token: decide(harness, token, "approve"), tokens))

    statuses = sorted(harness.request(i).status for i in ids)
    assert statuses == ["provisioned", "provisioned", "provisioning_failed"]
    hosts = [meeting["host_email"] for meeting in live_meetings(zoom_sandbox)]
    assert sorted(hosts) == [BIG, SMALL]
    [failed] = [i for i in ids if harness.request(i).status == "provisioning_failed"]
    reason = harness.request(failed).provisioning_error
    assert "Tidak ada akun Zoom" in (reason or "")
    assert mails_to(harness, "budi.santoso@dinkes.example.go.id", f"Pembuatan meeting tertunda {failed}")
    assert mails_to(harness, "verifikator.satu@diskominfo.example", f"Pembuatan meeting tertunda {failed}")


def test_buffer_keeps_back_to_back_meetings_on_different_hosts(zoom_harness: Harness, zoom_sandbox: Any) -> None:
    harness = zoom_harness
    first = harness.submit_valid(start="2026-12-02T09:00", end="2026-12-02T10:00")["id"]
    second = harness.submit_valid(start="2026-12-02T10:15", end="2026-12-02T11:00")["id"]
    for request_id in (first, second):
        decide(harness, review_token(harness, request_id), "approve")
    hosts = {harness.request(i).held_meeting().host for i in (first, second)}
    assert hosts == {BIG, SMALL}


def test_two_qps_429s_then_success_make_one_meeting(zoom_harness: Harness, zoom_sandbox: Any) -> None:
    harness = zoom_harness
    request_id = harness.submit_valid()["id"]
    zoom_sandbox.state.inject("POST", r"/users/.+/meetings", status=429, headers={"X-RateLimit-Type": "QPS"}, times=2)

    decide(harness, review_token(harness, request_id), "approve")

    assert harness.request(request_id).status == "provisioned"
    assert len(live_meetings(zoom_sandbox)) == 1


class SleepingClock:
    """The Zoom client's monotonic clock: `sleep` records the wait and moves the clock, so no test waits."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.mark.parametrize("store_kind", STORE_KINDS)
def test_approve_answers_within_the_inline_budget_when_zoom_keeps_answering_429(
    make_harness: HarnessFactory, zoom_sandbox: Any, store_kind: str
) -> None:
    from vicon.provisioning import INLINE_ZOOM_BUDGET_SECONDS, TICK_ZOOM_BUDGET_SECONDS

    zoom_clock = SleepingClock()
    harness = make_harness(
        store_kind=store_kind,
        meetings=zoom_sandbox.client(sleep=zoom_clock.sleep, clock=zoom_clock),
        ZOOM_HOSTS=f"{BIG}:300,{SMALL}:100",
    )
    request_id = harness.submit_valid()["id"]
    rate_limited = {"X-RateLimit-Type": "QPS", "Retry-After": "30"}
    zoom_sandbox.state.inject("POST", r"/users/.+/meetings", status=429, headers=rate_limited, times=3)

    response = decide(harness, review_token(harness, request_id), "approve")

    # Before the budget the client slept 3 x 30 s here, far past the function's timeout.
    assert response.status_code == 200, response.get_data(as_text=True)
    assert sum(zoom_clock.slept) <= INLINE_ZOOM_BUDGET_SECONDS
    record = harness.store.get_request(request_id)
    assert record is not None and record.status == "provisioning_failed"
    assert "membatasi jumlah permintaan" in (record.provisioning_error or "")
    assert live_meetings(zoom_sandbox) == []
    assert harness.store.held_host(request_id) is None  # a 429 created nothing: the slot is free again
    assert mails_to(harness, "budi.santoso@dinkes.example.go.id", f"Pembuatan meeting tertunda {request_id}")

    # The tick has a larger budget: it waits out a 30 s Retry-After and makes the meeting.
    zoom_sandbox.state.clear_injections()
    zoom_sandbox.state.inject("POST", r"/users/.+/meetings", status=429, headers=rate_limited, times=1)
    zoom_clock.slept.clear()
    harness.clock.now += dt.timedelta(minutes=1)
    assert harness.client("scheduled_tick").post("/").get_json()["provisioning"]["retried"] == 1
    assert INLINE_ZOOM_BUDGET_SECONDS < sum(zoom_clock.slept) <= TICK_ZOOM_BUDGET_SECONDS
    assert harness.request(request_id).status == "provisioned"
    assert len(live_meetings(zoom_sandbox)) == 1


def test_a_lost_answer_after_zoom_created_the_meeting_still_gives_one_meeting(
    zoom_harness: Harness, zoom_sandbox: Any
) -> None:
    harness = zoom_harness
    request_id = harness.submit_valid()["id"]
    # Zoom makes the meeting and its answer is lost (a 504 in its place): the client reports it as ambiguous,
    # exactly as for a read timeout, without the test racing a real one (the client contract tests that).
    zoom_sandbox.state.inject("POST", r"/users/.+/meetings", status=504, after_effect=True)

    decide(harness, review_token(harness, request_id), "approve")

    record = harness.store.get_request(request_id)
    assert record is not None and record.status == "provisioned"
    [meeting] = live_meetings(zoom_sandbox)
    assert record.held_meeting().id == meeting["id"]
    assert zoom_sandbox.state.calls_to("POST", r"/users/.+/meetings") == 1  # found by its tag, not made again


def test_server_error_fails_then_tick_retries_and_finds_no_duplicate(zoom_harness: Harness, zoom_sandbox: Any) -> None:
    harness = zoom_harness
    request_id = harness.submit_valid()["id"]
    zoom_sandbox.state.inject("POST", r"/users/.+/meetings", status=503, times=1)

    decide(harness, review_token(harness, request_id), "approve")
    record = harness.store.get_request(request_id)
    assert record is not None and record.status == "provisioning_failed"
    assert live_meetings(zoom_sandbox) == []

    tick = harness.client("scheduled_tick")
    assert tick.post("/").get_json()["provisioning"]["retried"] == 0  # backoff: not due yet
    harness.clock.now += dt.timedelta(minutes=2)
    assert tick.post("/").get_json()["provisioning"]["retried"] == 1
    assert harness.request(request_id).status == "provisioned"
    assert len(live_meetings(zoom_sandbox)) == 1
    assert len(mails_to(harness, "budi.santoso@dinkes.example.go.id", "Pembuatan meeting tertunda")) == 1
    query = {k: v[0] for k, v in parse_qs(urlsplit(links(harness, "/status.html?")[0]).query).items()}
    history = harness.client("request_status").get("/", query_string=query).get_json()["history"]
    assert [item["status"] for item in history] == ["submitted", "approved", "provisioning_failed", "provisioned"]


def test_a_retry_adopts_a_meeting_whose_creation_answer_was_lost(zoom_harness: Harness, zoom_sandbox: Any) -> None:
    harness = zoom_harness
    request_id = harness.submit_valid()["id"]
    # The first attempt created the meeting, then Zoom's answer was lost and the search failed too.
    zoom_sandbox.state.inject("POST", r"/users/.+/meetings", status=500, after_effect=True)
    busy_check_answers(zoom_sandbox)
    zoom_sandbox.state.inject("GET", r"/users/.+/meetings", status=500, times=2)
    decide(harness, review_token(harness, request_id), "approve")
    assert harness.request(request_id).status == "provisioning_failed"
    assert len(live_meetings(zoom_sandbox)) == 1

    harness.clock.now += dt.timedelta(minutes=5)
    harness.client("scheduled_tick").post("/")

    record = harness.store.get_request(request_id)
    assert record is not None and record.status == "provisioned"
    assert len(live_meetings(zoom_sandbox)) == 1


def test_retries_stop_at_the_limit(zoom_harness: Harness, zoom_sandbox: Any) -> None:
    harness = zoom_harness
    request_id = harness.submit_valid()["id"]
    zoom_sandbox.state.inject("POST", r"/users/.+/meetings", status=400, times=100)
    decide(harness, review_token(harness, request_id), "approve")
    tick = harness.client("scheduled_tick")
    for _ in range(12):
        harness.clock.now += dt.timedelta(hours=1)
        tick.post("/")
    record = harness.store.get_request(request_id)
    assert record is not None and record.status == "provisioning_failed"
    assert record.provisioning_attempts == 8


def test_daily_limit_moves_work_to_another_host(zoom_harness: Harness, zoom_sandbox: Any) -> None:
    harness = zoom_harness
    today = harness.clock.now.date()
    harness.store.set_zoom_calls(SMALL, today, 95)  # counted near the limit: not chosen
    first = harness.submit_valid(start="2026-12-02T09:00", end="2026-12-02T10:00")["id"]
    decide(harness, review_token(harness, first), "approve")
    assert harness.request(first).held_meeting().host == BIG

    # Zoom itself says BIG reached its daily limit; nothing else is free → failed, BIG marked exhausted.
    zoom_sandbox.state.inject(
        "POST",
        rf"/users/{re.escape(BIG)}/meetings",
        status=429,
        headers={"X-RateLimit-Type": "Daily-limit", "Retry-After": "3600"},
    )
    second = harness.submit_valid(start="2026-12-03T09:00", end="2026-12-03T10:00")["id"]
    decide(harness, review_token(harness, second), "approve")
    assert harness.request(second).status == "provisioning_failed"
    assert harness.store.zoom_calls(BIG, today) >= 100
    assert harness.store.host_slots(BIG)[-1][0] == first  # the failed request holds no slot


# ---- rejection and bad tokens -------------------------------------------------------------------------------


def test_reject_needs_a_reason_and_mails_it(zoom_harness: Harness, zoom_sandbox: Any) -> None:
    harness = zoom_harness
    request_id = harness.submit_valid()["id"]
    token = review_token(harness, request_id)

    missing = decide(harness, token, "reject", "   ")
    assert missing.status_code == 422 and "Alasan penolakan wajib diisi" in missing.get_data(as_text=True)
    assert harness.request(request_id).status == "submitted"

    rejected = decide(harness, token, "reject", "Surat belum ditandatangani kepala perangkat daerah.")
    assert rejected.status_code == 200
    assert harness.request(request_id).status == "rejected"
    [mail] = mails_to(harness, "budi.santoso@dinkes.example.go.id", "Permohonan ditolak")
    assert "Surat belum ditandatangani" in mail.get_body(("plain",)).get_content()
    assert zoom_sandbox.state.calls == []
    page = harness.client("review_request").get("/", query_string={"token": token}).get_data(as_text=True)
    assert "Ditolak" in page and "Surat belum ditandatangani" in page and "<form" not in page


def test_decision_tokens_tampered_expired_reused_or_revoked_are_refused(
    make_harness: HarnessFactory, zoom_sandbox: Any
) -> None:
    harness = make_harness(meetings=zoom_sandbox.client())
    request_id = harness.submit_valid()["id"]
    token = review_token(harness, request_id)

    tampered = decide(harness, token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"), "approve")
    assert tampered.status_code == 403 and "tidak valid" in tampered.get_data(as_text=True)
    assert decide(harness, "", "approve").status_code == 403
    bad_choice = decide(harness, token, "maybe")
    assert bad_choice.status_code == 422

    revoked = make_harness(meetings=zoom_sandbox.client(), VERIFIER_EMAILS="lain@diskominfo.example")
    assert decide(revoked, token, "approve").status_code == 403
    assert revoked.client("review_request").get("/", query_string={"token": token}).status_code == 403

    harness = make_harness(meetings=zoom_sandbox.client())
    assert decide(harness, token, "approve").status_code == 200
    reused = decide(harness, token, "reject", "berubah pikiran")
    assert reused.status_code == 409 and "sudah diputuskan" in reused.get_data(as_text=True)
    assert harness.request(request_id).status == "provisioned"

    harness.clock.now = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)  # the event starts: the link expires
    assert decide(harness, token, "approve").status_code == 410
    assert len(live_meetings(zoom_sandbox)) == 1


# ---- officers -------------------------------------------------------------------------------------------------


def test_officer_link_confirms_then_redirects_to_a_fresh_start_url(zoom_harness: Harness, zoom_sandbox: Any) -> None:
    harness = zoom_harness
    request_id = harness.submit_valid()["id"]
    decide(harness, review_token(harness, request_id), "approve")
    [officer_link] = links(harness, "/api/start_meeting?token=", to=OPERATOR)
    token = parse_qs(urlsplit(officer_link).query)["token"][0]
    client = harness.client("start_meeting")
    calls = len(zoom_sandbox.state.calls)

    page = client.get("/", query_string={"token": token})
    assert page.status_code == 200 and '<form method="post"' in page.get_data(as_text=True)
    assert len(zoom_sandbox.state.calls) == calls  # a GET (or a mail scanner) fetches nothing

    first = client.post("/", data={"token": token})
    second = client.post("/", data={"token": token})
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] != second.headers["Location"]  # fetched fresh each time
    uses = [e for e in harness.store.audit_trail(request_id) if e.action == "start_meeting"]
    assert [e.actor for e in uses] == [OPERATOR, OPERATOR]

    review = review_token(harness, request_id)  # a verifier's token is not an officer's
    assert client.post("/", data={"token": review}).status_code == 403


# ---- cancellation ---------------------------------------------------------------------------------------------


def test_cancel_deletes_the_meeting_frees_the_slot_and_tells_verifiers(
    zoom_harness: Harness, zoom_sandbox: Any
) -> None:
    harness = zoom_harness
    submitted = harness.submit_valid()
    request_id = submitted["id"]
    decide(harness, review_token(harness, request_id), "approve")
    host = harness.request(request_id).held_meeting().host
    query = {k: v[0] for k, v in parse_qs(urlsplit(submitted["status_url"]).query).items()}
    cancel = harness.client("cancel_request")

    response = cancel.post("/", data=query)

    assert response.status_code == 200 and response.get_json() == {"id": request_id, "status": "cancelled"}
    assert live_meetings(zoom_sandbox) == []
    assert harness.store.host_slots(host) == []
    assert mails_to(harness, "verifikator.satu@diskominfo.example", "dibatalkan")
    again = cancel.post("/", data=query)
    assert again.status_code == 409
    assert cancel.post("/", data={"id": request_id, "token": "x.y"}).status_code == 403
    assert cancel.post("/", data={}).status_code == 400


def test_cancel_while_zoom_answers_deletes_with_503_is_finished_by_the_tick(
    zoom_harness: Harness, zoom_sandbox: Any
) -> None:
    harness = zoom_harness
    submitted = harness.submit_valid()
    decide(harness, review_token(harness, submitted["id"]), "approve")
    zoom_sandbox.state.inject("DELETE", r"/meetings/.+", status=503, times=2)
    query = {k: v[0] for k, v in parse_qs(urlsplit(submitted["status_url"]).query).items()}
    assert harness.client("cancel_request").post("/", data=query).status_code == 200
    assert len(live_meetings(zoom_sandbox)) == 1
    harness.client("scheduled_tick").post("/")
    assert live_meetings(zoom_sandbox) == []


def test_cancelled_request_cannot_be_approved(zoom_harness: Harness, zoom_sandbox: Any) -> None:
    harness = zoom_harness
    submitted = harness.submit_valid(event_name="Batal")
    query = {k: v[0] for k, v in parse_qs(urlsplit(submitted["status_url"]).query).items()}
    harness.client("cancel_request").post("/", data=query)
    assert decide(harness, review_token(harness, submitted["id"]), "approve").status_code == 409
    assert live_meetings(zoom_sandbox) == []


def test_after_cancel_the_meeting_is_gone_from_status_officer_link_and_operators_are_told(
    zoom_harness: Harness,
) -> None:
    harness = zoom_harness
    submitted = harness.submit_valid()
    request_id = submitted["id"]
    decide(harness, review_token(harness, request_id), "approve")
    [officer_link] = links(harness, "/api/start_meeting?token=", to=OPERATOR)
    officer_token = parse_qs(urlsplit(officer_link).query)["token"][0]
    query = {k: v[0] for k, v in parse_qs(urlsplit(submitted["status_url"]).query).items()}

    harness.client("cancel_request").post("/", data=query)

    status = harness.client("request_status").get("/", query_string=query).get_json()
    assert status["status"] == "cancelled" and status["meeting"] is None and status["can_cancel"] is False
    page = harness.client("start_meeting").get("/", query_string={"token": officer_token})
    assert page.status_code == 409 and "<form" not in page.get_data(as_text=True)
    assert mails_to(harness, OPERATOR, "dibatalkan")


def test_review_link_after_the_requester_cancelled_shows_the_outcome(zoom_harness: Harness) -> None:
    harness = zoom_harness
    submitted = harness.submit_valid()
    token = review_token(harness, submitted["id"])
    query = {k: v[0] for k, v in parse_qs(urlsplit(submitted["status_url"]).query).items()}
    harness.client("cancel_request").post("/", data=query)

    for method in ("get", "head"):
        page = getattr(harness.client("review_request"), method)("/", query_string={"token": token})
        assert page.status_code == 200
    html = harness.client("review_request").get("/", query_string={"token": token}).get_data(as_text=True)
    assert "Dibatalkan" in html and "<form" not in html


def test_a_late_decision_is_409_even_when_its_fields_are_incomplete(zoom_harness: Harness) -> None:
    harness = zoom_harness
    request_id = harness.submit_valid()["id"]
    token = review_token(harness, request_id)
    decide(harness, token, "approve")
    assert decide(harness, token, "reject", "").status_code == 409
    assert decide(harness, token, "maybe").status_code == 409


def test_a_failed_search_keeps_the_slot_so_no_second_meeting_or_double_booking(
    zoom_harness: Harness, zoom_sandbox: Any
) -> None:
    harness = zoom_harness
    first = harness.submit_valid(start="2026-12-02T09:00", end="2026-12-02T10:00")["id"]
    # Created, but the answer is lost; the search after it fails too: the slot must stay with `first`.
    zoom_sandbox.state.inject("POST", r"/users/.+/meetings", status=500, after_effect=True)
    busy_check_answers(zoom_sandbox)
    zoom_sandbox.state.inject("GET", r"/users/.+/meetings", status=500, times=2)
    decide(harness, review_token(harness, first), "approve")
    held = harness.store.held_host(first)
    assert held == SMALL

    # The retry's search is rate-limited (not ambiguous): still nothing created, the slot still held.
    # The client retries a QPS 429 three times inline: four answers exhaust one search.
    zoom_sandbox.state.inject("GET", r"/users/.+/meetings", status=429, headers={"X-RateLimit-Type": "QPS"}, times=4)
    harness.clock.now += dt.timedelta(minutes=2)
    harness.client("scheduled_tick").post("/")
    assert harness.request(first).status == "provisioning_failed"
    assert harness.store.held_host(first) == SMALL

    second = harness.submit_valid(start="2026-12-02T09:00", end="2026-12-02T10:00")["id"]
    decide(harness, review_token(harness, second), "approve")
    assert harness.request(second).held_meeting().host == BIG

    harness.clock.now += dt.timedelta(minutes=5)
    harness.client("scheduled_tick").post("/")
    assert harness.request(first).status == "provisioned"
    hosts = sorted(meeting["host_email"] for meeting in live_meetings(zoom_sandbox))
    assert hosts == [BIG, SMALL]  # one meeting per request, one per host


def test_cancel_after_an_ambiguous_create_deletes_the_meeting_zoom_kept(
    zoom_harness: Harness, zoom_sandbox: Any
) -> None:
    harness = zoom_harness
    submitted = harness.submit_valid()
    zoom_sandbox.state.inject("POST", r"/users/.+/meetings", status=500, after_effect=True)
    busy_check_answers(zoom_sandbox)
    zoom_sandbox.state.inject("GET", r"/users/.+/meetings", status=500, times=2)
    decide(harness, review_token(harness, submitted["id"]), "approve")
    assert len(live_meetings(zoom_sandbox)) == 1  # in Zoom, but not recorded by us

    query = {k: v[0] for k, v in parse_qs(urlsplit(submitted["status_url"]).query).items()}
    assert harness.client("cancel_request").post("/", data=query).status_code == 200

    assert live_meetings(zoom_sandbox) == []
    assert harness.store.held_host(submitted["id"]) is None


def test_when_retries_stop_verifiers_supervisors_and_requester_are_told(
    zoom_harness: Harness, zoom_sandbox: Any
) -> None:
    harness = zoom_harness
    request_id = harness.submit_valid()["id"]
    zoom_sandbox.state.inject("POST", r"/users/.+/meetings", status=400, times=100)
    decide(harness, review_token(harness, request_id), "approve")
    for _ in range(12):
        harness.clock.now += dt.timedelta(hours=1)
        harness.client("scheduled_tick").post("/")
    for address in (
        "verifikator.satu@diskominfo.example",
        "kabid.informatika@diskominfo.example",
        "budi.santoso@dinkes.example.go.id",
    ):
        assert len(mails_to(harness, address, f"Meeting gagal dibuat {request_id}")) == 1, address


def test_cancel_sends_the_requester_a_calendar_cancellation(zoom_harness: Harness) -> None:
    harness = zoom_harness
    submitted = harness.submit_valid()
    decide(harness, review_token(harness, submitted["id"]), "approve")
    query = {k: v[0] for k, v in parse_qs(urlsplit(submitted["status_url"]).query).items()}
    harness.client("cancel_request").post("/", data=query)

    [mail] = mails_to(harness, "budi.santoso@dinkes.example.go.id", "dibatalkan")
    [ics] = [part for part in mail.iter_attachments() if part.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(ics.get_payload(decode=True))
    event = calendar.walk("VEVENT")[0]
    assert str(calendar["method"]) == "CANCEL" and str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == f"{submitted['id']}@vicon"


# ---- crashes, lost answers and isolation --------------------------------------------------------------------


class StoreWith:
    """The harness's store with some methods replaced: an outage or a crash at one exact step."""

    def __init__(self, store: Any, **replaced: Any) -> None:
        self._store = store
        self._replaced = replaced

    def __getattr__(self, name: str) -> Any:
        return self._replaced.get(name) or getattr(self._store, name)


def crash_when_recording_meetings(harness: Harness) -> StoreWith:
    """The store raises between Zoom's answer and the record of the meeting, as if the instance stopped there."""
    store = harness.core.store

    def transition(request_id: str, from_statuses: Any, to_status: str, *args: Any, **kwargs: Any) -> Any:
        if to_status == "provisioned":
            raise RuntimeError("instance stopped")
        return store.transition(request_id, from_statuses, to_status, *args, **kwargs)

    return StoreWith(store, transition=transition)


def status_query(submitted: dict[str, Any]) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(submitted["status_url"]).query).items()}


def test_cancel_of_a_request_stuck_in_approved_deletes_the_meeting_zoom_made(
    zoom_harness: Harness, zoom_sandbox: Any
) -> None:
    harness = zoom_harness
    submitted = harness.submit_valid()
    store = harness.core.store
    harness.core.store = crash_when_recording_meetings(harness)
    decide(harness, review_token(harness, submitted["id"]), "approve")
    harness.core.store = store
    assert harness.request(submitted["id"]).status == "approved"
    assert len(live_meetings(zoom_sandbox)) == 1

    assert harness.client("cancel_request").post("/", data=status_query(submitted)).status_code == 200

    assert live_meetings(zoom_sandbox) == []
    assert harness.store.held_host(submitted["id"]) is None


def test_meeting_made_while_the_request_was_cancelled_is_deleted_even_when_zoom_first_refuses(
    zoom_harness: Harness, zoom_sandbox: Any
) -> None:
    harness = zoom_harness
    submitted = harness.submit_valid()
    meetings = harness.core.meetings

    class CancelDuringCreate:
        """The requester cancels while Zoom is still creating the meeting; then Zoom refuses the delete."""

        def __getattr__(self, name: str) -> Any:
            return getattr(meetings, name)

        def create_meeting(self, host: str, spec: Any) -> Any:
            assert harness.client("cancel_request").post("/", data=status_query(submitted)).status_code == 200
            zoom_sandbox.state.inject("DELETE", r"/meetings/.+", status=503, times=10)
            return meetings.create_meeting(host, spec)

    harness.core.meetings = CancelDuringCreate()
    decide(harness, review_token(harness, submitted["id"]), "approve")
    harness.core.meetings = meetings
    record = harness.store.get_request(submitted["id"])
    assert record is not None and record.status == "cancelled"
    assert len(live_meetings(zoom_sandbox)) == 1  # Zoom refused the delete: written down, not forgotten
    assert record.meeting_cleanup == "pending" and record.orphan_meetings

    zoom_sandbox.state.clear_injections()
    assert harness.client("scheduled_tick").post("/").get_json()["cleanup"] == 1
    assert live_meetings(zoom_sandbox) == []
    assert harness.request(submitted["id"]).meeting_cleanup == "done"


def test_tick_delivers_mail_even_when_the_cleanup_query_fails(zoom_harness: Harness) -> None:
    harness = zoom_harness
    store = harness.core.store

    def outbox_down(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("outbox unavailable")

    harness.core.store = StoreWith(store, claim_due_mail=outbox_down)
    harness.submit_valid()
    assert harness.sent_mail() == []

    def query_down(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("query failed")

    harness.core.store = StoreWith(store, requests_pending_cleanup=query_down)
    report = harness.client("scheduled_tick").post("/").get_json()
    assert report["cleanup"] == {"error": True}
    assert report["mail"]["sent"] == 3 and len(harness.sent_mail()) == 3


def test_tick_takes_over_each_stale_approval_on_its_own(zoom_harness: Harness, zoom_sandbox: Any) -> None:
    harness = zoom_harness
    store = harness.core.store
    first = harness.submit_valid(start="2026-12-02T09:00", end="2026-12-02T10:00")["id"]
    second = harness.submit_valid(start="2026-12-03T09:00", end="2026-12-03T10:00")["id"]
    harness.core.store = crash_when_recording_meetings(harness)
    decide(harness, review_token(harness, first), "approve")
    decide(harness, review_token(harness, second), "approve")

    def transition(request_id: str, *args: Any, **kwargs: Any) -> Any:
        if request_id == first:
            raise RuntimeError("this one record is unreadable")
        return store.transition(request_id, *args, **kwargs)

    harness.core.store = StoreWith(store, transition=transition)
    harness.clock.now += dt.timedelta(minutes=11)
    report = harness.client("scheduled_tick").post("/").get_json()

    assert report["provisioning"]["errors"] == 1 and report["provisioning"]["taken_over"] == 1
    assert [record.status if record else None for record in map(store.get_request, (second, first))] == [
        "provisioning_failed",
        "approved",
    ]
