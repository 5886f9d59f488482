"""The Zoom client against the Zoom sandbox over real HTTP, plus unit tests of its pure helpers."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx
import pytest
from werkzeug.test import Client

from vicon.meetings import (
    MeetingSpec,
    PollQuestion,
    ZoomAmbiguous,
    ZoomAuthError,
    ZoomDailyLimit,
    ZoomError,
    ZoomNotFound,
    ZoomOutOfTime,
    ZoomRateLimited,
    ZoomRejected,
    ZoomUnavailable,
    generate_passcode,
    validate_passcode,
)
from vicon.zoom import encode_meeting_uuid, meeting_body, parse_retry_after
from vicon_dev.zoom_sandbox import SandboxState, create_sandbox_app

if TYPE_CHECKING:
    # Only for annotations: importing the plugin module here would stop pytest rewriting its asserts.
    from tests.zoom_fixtures import ZoomSandboxServer

pytest_plugins = ["tests.zoom_fixtures"]

HOST = "host-besar@vicon.example"
OTHER_HOST = "host-kecil@vicon.example"
JAKARTA = ZoneInfo("Asia/Jakarta")
CREATE_PATH = r"^/v2/users/[^/]+/meetings$"
PASSCODE_RE = re.compile(r"[A-Za-z0-9@\-_*]{1,10}")


def spec(**overrides: object) -> MeetingSpec:
    """A valid meeting spec; keyword arguments replace fields."""
    values: dict[str, object] = {
        "topic": "Rapat Koordinasi Bappeda",
        "agenda": "VICON-2026-0001 Rapat koordinasi perencanaan",
        "start": datetime(2026, 12, 2, 9, 0, tzinfo=JAKARTA),
        "duration_minutes": 90,
        "timezone": "Asia/Jakarta",
        "passcode": "Ab3dE5gH7k",
        "auto_recording": "cloud",
    }
    values.update(overrides)
    return MeetingSpec(**values)  # type: ignore[arg-type]


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class SleepingClock(FakeClock):
    """A fake clock whose `sleep` records the wait and moves the clock by it: time passes without waiting."""

    def __init__(self, now: float = 1_000.0) -> None:
        super().__init__(now)
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)


def sandbox_token(zoom_sandbox: ZoomSandboxServer) -> str:
    """An access token fetched by hand, for raw requests to the sandbox."""
    response = httpx.post(
        zoom_sandbox.oauth_url,
        params={"grant_type": "account_credentials", "account_id": "sandbox-account"},
        auth=("sandbox-client", "sandbox-secret"),
        timeout=5,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


# --- pure helpers ----------------------------------------------------------------------------------------


def test_generate_passcode_follows_zoom_rules_and_is_random() -> None:
    samples = [generate_passcode() for _ in range(300)]
    for code in samples:
        assert len(code) == 10
        assert PASSCODE_RE.fullmatch(code)
        assert any(c.isdigit() for c in code) and any(c.isalpha() for c in code)
        # * and _ are WhatsApp formatting marks; the generator avoids them.
        assert "*" not in code and "_" not in code
    assert len(set(samples)) == len(samples)
    short = generate_passcode(2)
    assert len(short) == 2 and any(c.isdigit() for c in short) and any(c.isalpha() for c in short)
    special = generate_passcode(6, special=True)
    assert len(special) == 6 and any(c in "@-" for c in special) and PASSCODE_RE.fullmatch(special)
    for bad_length in (0, 1, 11):
        with pytest.raises(ValueError):
            generate_passcode(bad_length)


def test_validate_passcode() -> None:
    assert validate_passcode("a*b_c@d-e1") == "a*b_c@d-e1"
    for bad in ("", "12345678901", "abc def", "pass#1", "kata:sandi", "ü1"):
        with pytest.raises(ValueError):
            validate_passcode(bad)


def test_encode_meeting_uuid_doubles_only_when_zoom_requires_it() -> None:
    assert encode_meeting_uuid("aDYlohsHRtCd4ii1uC2+hA==") == "aDYlohsHRtCd4ii1uC2%2BhA%3D%3D"
    assert encode_meeting_uuid("ab/cd==") == "ab%2Fcd%3D%3D"
    assert encode_meeting_uuid("/abc==") == "%252Fabc%253D%253D"
    assert encode_meeting_uuid("ab//cd+") == "ab%252F%252Fcd%252B"
    assert encode_meeting_uuid("12345678901") == "12345678901"


def test_meeting_body_converts_local_start_to_utc() -> None:
    body = meeting_body(spec())
    assert body["start_time"] == "2026-12-02T02:00:00Z"
    assert body["timezone"] == "Asia/Jakarta"
    assert body["type"] == 2
    with pytest.raises(ValueError):
        meeting_body(spec(start=datetime(2026, 12, 2, 9, 0)))  # naive
    with pytest.raises(ValueError):
        meeting_body(spec(agenda="x" * 2001))
    with pytest.raises(ValueError):
        meeting_body(spec(auto_recording="always"))
    with pytest.raises(ValueError):
        meeting_body(spec(duration_minutes=0))
    with pytest.raises(ValueError):
        meeting_body(spec(timezone="Asia/Nowhere"))


def test_parse_retry_after_accepts_seconds_iso_and_http_dates() -> None:
    now = datetime(2026, 5, 30, 23, 0, tzinfo=UTC)
    assert parse_retry_after("7", now) == 7.0
    assert parse_retry_after("2026-05-31T00:00:00Z", now) == 3600.0
    assert parse_retry_after("Sun, 31 May 2026 00:00:00 GMT", now) == 3600.0
    assert parse_retry_after("2020-01-01T00:00:00Z", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


# --- creating meetings -------------------------------------------------------------------------------------


def test_create_sends_every_setting_explicitly_and_start_in_utc(zoom_sandbox: ZoomSandboxServer) -> None:
    client = zoom_sandbox.client()
    meeting = client.create_meeting(HOST, spec())

    sent = [body for method, path, body in zoom_sandbox.state.bodies if method == "POST" and "/meetings" in path]
    assert len(sent) == 1
    body = sent[0]
    assert body["start_time"] == "2026-12-02T02:00:00Z"
    assert body["type"] == 2 and body["duration"] == 90 and body["timezone"] == "Asia/Jakarta"
    assert body["password"] == "Ab3dE5gH7k"
    assert body["settings"] == {
        "waiting_room": True,
        "join_before_host": False,
        "mute_upon_entry": True,
        "use_pmi": False,
        "auto_recording": "cloud",
        "approval_type": 2,
    }

    stored = zoom_sandbox.state.meetings[meeting.id]
    assert stored["host_email"] == HOST
    assert stored["start_time"] == "2026-12-02T02:00:00Z"
    assert stored["settings"]["waiting_room"] is True
    assert stored["settings"]["breakout_room"] == {"enable": False}

    assert 10**10 <= meeting.id < 10**11
    assert meeting.start_time == datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    assert meeting.start_time.astimezone(JAKARTA).hour == 9
    assert meeting.host_email == HOST and meeting.host_id == stored["host_id"]
    assert meeting.passcode == "Ab3dE5gH7k"
    assert meeting.join_url.startswith(f"https://zoom.example/j/{meeting.id}?pwd=")
    assert meeting.start_url is not None and "zak=" in meeting.start_url
    assert meeting.agenda.startswith("VICON-2026-0001")


def test_breakout_rooms_are_enabled_only_when_asked(zoom_sandbox: ZoomSandboxServer) -> None:
    client = zoom_sandbox.client()
    with_rooms = client.create_meeting(HOST, spec(breakout_rooms=1, auto_recording="none"))
    stored = zoom_sandbox.state.meetings[with_rooms.id]
    assert stored["settings"]["breakout_room"] == {"enable": True}
    assert stored["settings"]["auto_recording"] == "none"


def test_breakout_rooms_asked_for_are_preset_by_name(zoom_sandbox: ZoomSandboxServer) -> None:
    client = zoom_sandbox.client()
    meeting = client.create_meeting(HOST, spec(breakout_rooms=3))
    [(_, _, body)] = [entry for entry in zoom_sandbox.state.bodies if entry[1].endswith("/meetings")]
    rooms = [{"name": "Ruang 1"}, {"name": "Ruang 2"}, {"name": "Ruang 3"}]
    assert body["settings"]["breakout_room"] == {"enable": True, "rooms": rooms}
    assert zoom_sandbox.state.meetings[meeting.id]["settings"]["breakout_room"]["rooms"] == rooms
    with pytest.raises(ValueError):
        client.create_meeting(HOST, spec(breakout_rooms=51))


def test_livestream_is_set_with_zooms_three_fields(zoom_sandbox: ZoomSandboxServer) -> None:
    client = zoom_sandbox.client()
    meeting = client.create_meeting(HOST, spec())
    client.update_livestream(meeting.id, "rtmp://live.example/app", "kunci-rahasia", "https://yt.example/live")
    assert zoom_sandbox.state.livestreams[meeting.id] == {
        "stream_url": "rtmp://live.example/app",
        "stream_key": "kunci-rahasia",
        "page_url": "https://yt.example/live",
    }
    with pytest.raises(ZoomNotFound) as missing:
        client.update_livestream(12345678901, "rtmp://live.example/app", "k", "https://yt.example/live")
    assert missing.value.code == 3001
    with pytest.raises(ZoomRejected) as refused:
        client.update_livestream(meeting.id, "bukan url", "k", "https://yt.example/live")
    assert refused.value.code == 300 and refused.value.errors == [{"field": "stream_url", "message": "Invalid field."}]
    with pytest.raises(ValueError):
        client.update_livestream(meeting.id, "rtmp://live.example/app", "k" * 513, "https://yt.example/live")


def test_polls_are_created_and_listed(zoom_sandbox: ZoomSandboxServer) -> None:
    client = zoom_sandbox.client()
    meeting = client.create_meeting(HOST, spec())
    assert client.list_polls(meeting.id) == []
    questions = [
        PollQuestion("Materi mana yang paling berguna?", "single", ("Perencanaan", "Anggaran")),
        PollQuestion("Topik berikutnya?", "multiple", ("SPBE", "Keamanan", "Data")),
    ]
    poll = client.create_poll(meeting.id, "Polling VC-2026-000001", questions)
    assert poll.id and poll.title == "Polling VC-2026-000001"
    assert client.list_polls(meeting.id) == [poll]
    [stored] = zoom_sandbox.state.polls[meeting.id]
    assert stored["questions"][1] == {
        "name": "Topik berikutnya?",
        "type": "multiple",
        "answers": ["SPBE", "Keamanan", "Data"],
    }
    with pytest.raises(ZoomRejected) as unknown:  # the polls endpoints answer code 404, not 3001
        client.list_polls(12345678901)
    assert unknown.value.status == 404 and unknown.value.code == 404
    with pytest.raises(ValueError):
        client.create_poll(meeting.id, "x" * 65, questions)
    with pytest.raises(ValueError):
        client.create_poll(meeting.id, "Polling", [PollQuestion("Satu jawaban?", "single", ("Ya",))])


def test_invalid_passcodes_are_refused_before_any_call(zoom_sandbox: ZoomSandboxServer) -> None:
    client = zoom_sandbox.client()
    for bad in ("12345678901", "abc def", "pass#word", ""):
        with pytest.raises(ValueError):
            client.create_meeting(HOST, spec(passcode=bad))
    assert zoom_sandbox.state.calls == []
    client.create_meeting(HOST, spec(passcode="a*b_c@d-e1"))
    assert len(zoom_sandbox.state.meetings) == 1


def test_sandbox_validates_like_zoom(zoom_sandbox: ZoomSandboxServer) -> None:
    token = sandbox_token(zoom_sandbox)
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{zoom_sandbox.api_url}/users/{HOST}/meetings"
    good = meeting_body(spec())

    too_long = dict(good, password="12345678901")
    response = httpx.post(url, json=too_long, headers=headers, timeout=5)
    assert response.status_code == 400
    assert response.json()["code"] == 300
    assert [e["field"] for e in response.json()["errors"]] == ["password"]

    for field, value in (("agenda", "x" * 2001), ("start_time", "2.12.2026 09:00"), ("duration", "90"), ("type", 7)):
        response = httpx.post(url, json=dict(good, **{field: value}), headers=headers, timeout=5)
        assert response.status_code == 400, field
        assert response.json()["code"] == 300

    response = httpx.post(url, content=b"not json", headers=headers, timeout=5)
    assert response.status_code == 400 and response.json()["code"] == 300

    response = httpx.post(f"{zoom_sandbox.api_url}/users/nobody@vicon.example/meetings", json=good, headers=headers)
    assert response.status_code == 404 and response.json()["code"] == 1001

    response = httpx.post(url, json=good, timeout=5)
    assert response.status_code == 401 and response.json()["code"] == 124
    assert zoom_sandbox.state.meetings == {}


def test_unknown_host_is_not_found(zoom_sandbox: ZoomSandboxServer) -> None:
    client = zoom_sandbox.client()
    with pytest.raises(ZoomNotFound) as caught:
        client.create_meeting("nobody@vicon.example", spec())
    assert caught.value.code == 1001 and caught.value.status == 404
    assert isinstance(caught.value, ZoomRejected)


def test_other_4xx_is_rejected_with_zoom_details(zoom_sandbox: ZoomSandboxServer) -> None:
    errors = [{"field": "settings.alternative_hosts", "message": "Invalid field."}]
    zoom_sandbox.state.inject(
        "POST", CREATE_PATH, status=400, body={"code": 300, "message": "Validation Failed.", "errors": errors}
    )
    with pytest.raises(ZoomRejected) as caught:
        zoom_sandbox.client().create_meeting(HOST, spec())
    assert not isinstance(caught.value, ZoomNotFound)
    assert caught.value.code == 300 and caught.value.status == 400 and caught.value.errors == errors


# --- OAuth -------------------------------------------------------------------------------------------------


def test_token_is_fetched_once_and_cached(zoom_sandbox: ZoomSandboxServer) -> None:
    client = zoom_sandbox.client()
    meeting = client.create_meeting(HOST, spec())
    client.get_meeting(meeting.id)
    client.list_meetings(HOST)
    assert zoom_sandbox.state.oauth_calls == 1


def test_token_is_refreshed_five_minutes_before_expiry(zoom_sandbox: ZoomSandboxServer) -> None:
    clock = FakeClock()
    client = zoom_sandbox.client(clock=clock)
    client.list_meetings(HOST)
    clock.advance(3600 - 300 - 1)
    client.list_meetings(HOST)
    assert zoom_sandbox.state.oauth_calls == 1
    clock.advance(2)
    client.list_meetings(HOST)
    assert zoom_sandbox.state.oauth_calls == 2
    assert zoom_sandbox.state.calls_to("GET", "/meetings$") == 3


def test_token_expired_at_zoom_is_refreshed_once_and_the_call_retried(zoom_sandbox: ZoomSandboxServer) -> None:
    sandbox_clock = FakeClock(1_900_000_000.0)
    zoom_sandbox.state.clock = sandbox_clock
    client = zoom_sandbox.client()
    client.list_meetings(HOST)
    sandbox_clock.advance(3601)  # Zoom's clock says the token is dead; the client's does not know yet
    client.list_meetings(HOST)
    assert zoom_sandbox.state.oauth_calls == 2
    assert zoom_sandbox.state.calls_to("GET", "/meetings$") == 3


def test_revoked_token_gets_one_refresh_and_retry(zoom_sandbox: ZoomSandboxServer) -> None:
    client = zoom_sandbox.client()
    meeting = client.create_meeting(HOST, spec())
    zoom_sandbox.state.revoke_tokens()
    assert client.get_meeting(meeting.id).id == meeting.id
    assert zoom_sandbox.state.oauth_calls == 2
    assert zoom_sandbox.state.calls_to("GET", rf"/meetings/{meeting.id}$") == 2


def test_401_twice_is_an_auth_error(zoom_sandbox: ZoomSandboxServer) -> None:
    zoom_sandbox.state.inject("GET", r"/meetings$", status=401, times=2)
    with pytest.raises(ZoomAuthError) as caught:
        zoom_sandbox.client().list_meetings(HOST)
    assert caught.value.status == 401 and caught.value.code == 124
    assert zoom_sandbox.state.oauth_calls == 2
    assert zoom_sandbox.state.calls_to("GET", r"/meetings$") == 2


def test_bad_credentials_are_an_auth_error_and_nothing_is_called(zoom_sandbox: ZoomSandboxServer) -> None:
    client = zoom_sandbox.client(client_secret="salah")
    with pytest.raises(ZoomAuthError) as caught:
        client.create_meeting(HOST, spec())
    assert caught.value.status == 401
    assert "invalid" in str(caught.value).lower()
    with pytest.raises(ZoomAuthError):
        zoom_sandbox.client(account_id="other-account").list_meetings(HOST)
    assert all(path == "/oauth/token" for _, path in zoom_sandbox.state.calls)
    assert zoom_sandbox.state.meetings == {}


def test_oauth_endpoint_down_is_unavailable(zoom_sandbox: ZoomSandboxServer, closed_port: int) -> None:
    refused = zoom_sandbox.client(oauth_url=f"http://127.0.0.1:{closed_port}/oauth/token")
    with pytest.raises(ZoomUnavailable):
        refused.list_meetings(HOST)
    zoom_sandbox.state.inject("POST", r"^/oauth/token$", status=503)
    with pytest.raises(ZoomUnavailable) as caught:
        zoom_sandbox.client().list_meetings(HOST)
    assert caught.value.status == 503


def test_concurrent_callers_share_one_token_fetch(zoom_sandbox: ZoomSandboxServer) -> None:
    # A slow token endpoint makes every thread arrive while the first fetch is still under way.
    zoom_sandbox.state.inject("POST", r"^/oauth/token$", delay=0.3)
    client = zoom_sandbox.client()
    barrier = threading.Barrier(6)
    failures: list[BaseException] = []

    def call() -> None:
        try:
            barrier.wait(timeout=5)
            client.list_meetings(HOST)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    assert zoom_sandbox.state.oauth_calls == 1
    assert zoom_sandbox.state.calls_to("GET", r"/meetings$") == 6


# --- reading, updating, deleting ---------------------------------------------------------------------------


def test_get_meeting_gives_a_fresh_start_url_each_time(zoom_sandbox: ZoomSandboxServer) -> None:
    client = zoom_sandbox.client()
    created = client.create_meeting(HOST, spec())
    first = client.get_meeting(created.id)
    second = client.get_meeting(str(created.id))
    assert first.id == second.id == created.id
    assert first.start_url and second.start_url and first.start_url != second.start_url
    assert first.passcode == "Ab3dE5gH7k" and first.join_url == created.join_url
    assert first.start_time == datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


def test_update_meeting_changes_fields_and_counts_against_the_daily_limit(zoom_sandbox: ZoomSandboxServer) -> None:
    client = zoom_sandbox.client()
    meeting = client.create_meeting(HOST, spec())
    new_start = datetime(2026, 12, 3, 13, 30, tzinfo=JAKARTA)
    client.update_meeting(meeting.id, {"topic": "Rapat (diundur)", "start_time": new_start, "password": "Zz9yY8xX7w"})
    stored = zoom_sandbox.state.meetings[meeting.id]
    assert stored["topic"] == "Rapat (diundur)"
    assert stored["start_time"] == "2026-12-03T06:30:00Z"
    assert stored["password"] == "Zz9yY8xX7w"
    assert zoom_sandbox.state.daily_count(HOST) == 2
    with pytest.raises(ValueError):
        client.update_meeting(meeting.id, {"password": "bad passcode"})
    with pytest.raises(ZoomNotFound) as caught:
        client.update_meeting(99999999999, {"topic": "x"})
    assert caught.value.code == 3001


def test_delete_meeting_then_again_is_false(zoom_sandbox: ZoomSandboxServer) -> None:
    client = zoom_sandbox.client()
    meeting = client.create_meeting(HOST, spec())
    assert client.delete_meeting(meeting.id) is True
    assert meeting.id not in zoom_sandbox.state.meetings
    assert client.delete_meeting(meeting.id) is False
    with pytest.raises(ZoomNotFound) as caught:
        client.get_meeting(meeting.id)
    assert caught.value.code == 3001


def test_list_meetings_follows_next_page_token(zoom_sandbox: ZoomSandboxServer) -> None:
    client = zoom_sandbox.client()
    base = datetime(2026, 12, 2, 8, 0, tzinfo=JAKARTA)
    created = [
        client.create_meeting(HOST, spec(start=base + timedelta(days=i), agenda=f"VICON-{i:04d} " + "x" * 600))
        for i in range(7)
    ]
    client.create_meeting(OTHER_HOST, spec())
    listed = client.list_meetings(HOST, page_size=3)
    assert [m.id for m in listed] == [m.id for m in created]
    assert zoom_sandbox.state.calls_to("GET", r"/users/[^/]+/meetings$") == 3
    for item in listed:
        # List items carry neither host link nor passcode, and Zoom shortens the agenda there.
        assert item.start_url is None and item.passcode is None
        assert item.agenda.startswith("VICON-") and len(item.agenda) <= 250
    assert len(client.list_meetings(HOST)) == 7
    with pytest.raises(ValueError):
        client.list_meetings(HOST, page_size=301)


def test_list_upcoming_leaves_out_finished_meetings(zoom_sandbox: ZoomSandboxServer) -> None:
    client = zoom_sandbox.client()
    past = client.create_meeting(HOST, spec(start=datetime(2020, 1, 6, 9, 0, tzinfo=JAKARTA)))
    future = client.create_meeting(HOST, spec(start=zoom_sandbox.state.now() + timedelta(days=30)))
    assert [m.id for m in client.list_meetings(HOST, "upcoming")] == [future.id]
    assert {m.id for m in client.list_meetings(HOST, "scheduled")} == {past.id, future.id}
    with pytest.raises(ValueError):
        client.list_meetings(HOST, "everything")


def test_page_size_over_300_is_capped_by_the_sandbox(zoom_sandbox: ZoomSandboxServer) -> None:
    token = sandbox_token(zoom_sandbox)
    response = httpx.get(
        f"{zoom_sandbox.api_url}/users/{HOST}/meetings",
        params={"page_size": 1000},
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert response.status_code == 200
    assert response.json()["page_size"] == 300
    bad_token = httpx.get(
        f"{zoom_sandbox.api_url}/users/{HOST}/meetings",
        params={"next_page_token": "tidak-ada"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert bad_token.status_code == 400 and bad_token.json()["code"] == 300


# --- rate limits -------------------------------------------------------------------------------------------


def test_qps_429_twice_then_success_backs_off_and_creates_once(zoom_sandbox: ZoomSandboxServer) -> None:
    slept: list[float] = []
    zoom_sandbox.state.inject(
        "POST", CREATE_PATH, status=429, headers={"X-RateLimit-Type": "QPS", "X-RateLimit-Category": "Medium"}, times=2
    )
    meeting = zoom_sandbox.client(sleep=slept.append).create_meeting(HOST, spec())
    assert list(zoom_sandbox.state.meetings) == [meeting.id]
    assert zoom_sandbox.state.calls_to("POST", CREATE_PATH) == 3
    assert len(slept) == 2
    # Exponential: 0.5 s then 1 s, each plus up to 0.5 s of jitter.
    assert 0.5 <= slept[0] < 1.0 <= slept[1] < 1.5


def test_qps_retry_after_is_honoured(zoom_sandbox: ZoomSandboxServer) -> None:
    slept: list[float] = []
    zoom_sandbox.state.inject("POST", CREATE_PATH, status=429, headers={"X-RateLimit-Type": "QPS", "Retry-After": "2"})
    zoom_sandbox.client(sleep=slept.append).create_meeting(HOST, spec())
    assert len(slept) == 1 and 2.0 <= slept[0] < 2.5


def test_qps_429_that_persists_is_rate_limited(zoom_sandbox: ZoomSandboxServer) -> None:
    slept: list[float] = []
    zoom_sandbox.state.inject("GET", r"/meetings$", status=429, headers={"X-RateLimit-Type": "QPS"}, times=10)
    with pytest.raises(ZoomRateLimited) as caught:
        zoom_sandbox.client(sleep=slept.append, qps_retries=3).list_meetings(HOST)
    assert caught.value.status == 429
    assert len(slept) == 3
    assert zoom_sandbox.state.calls_to("GET", r"/meetings$") == 4


def test_a_retry_after_longer_than_the_budget_gives_up_at_once(zoom_sandbox: ZoomSandboxServer) -> None:
    clock = SleepingClock()
    zoom_sandbox.state.inject(
        "POST", CREATE_PATH, status=429, headers={"X-RateLimit-Type": "QPS", "Retry-After": "30"}, times=3
    )
    client = zoom_sandbox.client(sleep=clock.sleep, clock=clock)
    with client.time_budget(8.0), pytest.raises(ZoomRateLimited) as caught:
        client.create_meeting(HOST, spec())
    assert caught.value.status == 429 and caught.value.retry_after == 30.0
    assert clock.slept == []
    assert zoom_sandbox.state.calls_to("POST", CREATE_PATH) == 1
    assert zoom_sandbox.state.meetings == {}
    # Outside the block the client waits as before: the two 429s left are honoured and the create succeeds.
    client.create_meeting(HOST, spec())
    assert len(clock.slept) == 2 and all(30.0 <= wait < 30.5 for wait in clock.slept)


def test_waits_for_429s_stop_where_the_budget_ends(zoom_sandbox: ZoomSandboxServer) -> None:
    clock = SleepingClock()
    zoom_sandbox.state.inject(
        "GET", r"/meetings$", status=429, headers={"X-RateLimit-Type": "QPS", "Retry-After": "3"}, times=10
    )
    client = zoom_sandbox.client(sleep=clock.sleep, clock=clock, qps_retries=10)
    with client.time_budget(8.0), pytest.raises(ZoomRateLimited):
        client.list_meetings(HOST)
    # 3 s + jitter twice fits in 8 s with a second to spare for the call; a third wait does not.
    assert len(clock.slept) == 2 and sum(clock.slept) <= 8.0 - 1.0
    assert zoom_sandbox.state.calls_to("GET", r"/meetings$") == 3


def test_nested_budgets_never_extend_the_outer_one(zoom_sandbox: ZoomSandboxServer) -> None:
    clock = SleepingClock()
    zoom_sandbox.state.inject(
        "GET", r"/meetings$", status=429, headers={"X-RateLimit-Type": "QPS", "Retry-After": "2"}, times=1
    )
    client = zoom_sandbox.client(sleep=clock.sleep, clock=clock)
    with client.time_budget(2.5), client.time_budget(60.0), pytest.raises(ZoomRateLimited):
        client.list_meetings(HOST)
    assert clock.slept == []
    with client.time_budget(60.0), client.time_budget(2.5):
        client.list_meetings(HOST)  # the inner one holds: nothing to wait for now, so it succeeds


class RecordingHttp(httpx.Client):
    """An httpx client that notes the (read) timeout of every request it sends, OAuth included."""

    def __init__(self) -> None:
        super().__init__()
        self.timeouts: list[float] = []

    def request(self, method: str, url: httpx.URL | str, **kwargs: Any) -> httpx.Response:
        self.timeouts.append(float(kwargs["timeout"].read))
        return super().request(method, url, **kwargs)  # post() comes here too


def test_request_timeouts_are_cut_to_what_is_left_and_nothing_is_sent_without_time(
    zoom_sandbox: ZoomSandboxServer,
) -> None:
    clock = SleepingClock()
    http = RecordingHttp()
    zoom_sandbox.state.inject(
        "GET", r"/meetings$", status=429, headers={"X-RateLimit-Type": "QPS", "Retry-After": "3"}, times=1
    )
    client = zoom_sandbox.client(sleep=clock.sleep, clock=clock, http=http, timeout=10.0)
    with client.time_budget(8.0):
        client.list_meetings(HOST)
    # OAuth and the first call get the 8 s left (less than the client's 10 s), the call after the wait the rest.
    assert http.timeouts[:2] == [8.0, 8.0]
    assert http.timeouts[2] == pytest.approx(8.0 - clock.slept[0])
    assert sum(clock.slept) + http.timeouts[2] <= 8.0 + 1e-9  # floating point: the sum is 8 s exactly
    calls = len(zoom_sandbox.state.calls)
    with client.time_budget(8.0):
        clock.advance(7.5)  # e.g. spent in the store
        with pytest.raises(ZoomOutOfTime):
            client.get_meeting(1)
    assert len(zoom_sandbox.state.calls) == calls  # not sent: Zoom cannot have acted
    with client.time_budget(8.0):
        client.list_meetings(HOST)
    assert http.timeouts[-1] == 8.0


def test_a_5xx_retry_that_does_not_fit_the_budget_is_not_made(zoom_sandbox: ZoomSandboxServer) -> None:
    clock = SleepingClock()
    client = zoom_sandbox.client(sleep=clock.sleep, clock=clock)
    zoom_sandbox.state.inject("GET", r"/meetings$", status=502, times=1)
    with client.time_budget(1.2), pytest.raises(ZoomAmbiguous):
        client.list_meetings(HOST)  # the 0.5 s pause would leave under a second for the retry
    assert clock.slept == []
    assert zoom_sandbox.state.calls_to("GET", r"/meetings$") == 1


def test_daily_limit_from_the_sandbox_counter(zoom_sandbox: ZoomSandboxServer) -> None:
    zoom_sandbox.state.daily_limit = 2
    slept: list[float] = []
    client = zoom_sandbox.client(sleep=slept.append)
    client.create_meeting(HOST, spec())
    client.create_meeting(HOST, spec())
    with pytest.raises(ZoomDailyLimit) as caught:
        client.create_meeting(HOST, spec())
    assert caught.value.status == 429
    assert caught.value.retry_after is not None and 0 < caught.value.retry_after <= 86400
    assert slept == []
    assert len(zoom_sandbox.state.meetings) == 2
    # The limit is per user: another host still has room.
    client.create_meeting(OTHER_HOST, spec())
    assert len(zoom_sandbox.state.meetings) == 3


def test_daily_limit_header_is_matched_case_insensitively(zoom_sandbox: ZoomSandboxServer) -> None:
    slept: list[float] = []
    zoom_sandbox.state.inject(
        "POST", CREATE_PATH, status=429, headers={"X-RateLimit-Type": "daily-LIMIT", "Retry-After": "3600"}, times=5
    )
    with pytest.raises(ZoomDailyLimit) as caught:
        zoom_sandbox.client(sleep=slept.append).create_meeting(HOST, spec())
    assert caught.value.retry_after == 3600.0
    assert slept == []
    assert zoom_sandbox.state.calls_to("POST", CREATE_PATH) == 1


def test_daily_limit_named_only_in_the_message(zoom_sandbox: ZoomSandboxServer) -> None:
    message = "You have exceeded the daily rate limit (100) of Meeting Create/Update API requests."
    zoom_sandbox.state.inject("POST", CREATE_PATH, status=429, body={"code": 429, "message": message})
    with pytest.raises(ZoomDailyLimit) as caught:
        zoom_sandbox.client(sleep=lambda _: None).create_meeting(HOST, spec())
    assert caught.value.retry_after is not None and 0 <= caught.value.retry_after <= 86400


# --- ambiguity and unavailability -------------------------------------------------------------------------


def test_500_on_create_is_ambiguous_and_not_retried(zoom_sandbox: ZoomSandboxServer) -> None:
    zoom_sandbox.state.inject("POST", CREATE_PATH, status=500)
    with pytest.raises(ZoomAmbiguous) as caught:
        zoom_sandbox.client(sleep=lambda _: None).create_meeting(HOST, spec())
    assert caught.value.status == 500
    assert zoom_sandbox.state.calls_to("POST", CREATE_PATH) == 1
    assert zoom_sandbox.state.meetings == {}


def test_503_after_the_meeting_was_made_is_ambiguous(zoom_sandbox: ZoomSandboxServer) -> None:
    zoom_sandbox.state.inject("POST", CREATE_PATH, status=503, after_effect=True)
    with pytest.raises(ZoomAmbiguous):
        zoom_sandbox.client(sleep=lambda _: None).create_meeting(HOST, spec())
    assert len(zoom_sandbox.state.meetings) == 1


def test_a_read_timeout_after_the_meeting_was_made_is_ambiguous_and_findable(
    zoom_sandbox: ZoomSandboxServer,
) -> None:
    # The one test of a real read timeout. The margin is wide in both directions: the sandbox makes the meeting
    # and then holds its answer for a minute (the fixture's teardown releases it), far past the client's 1 s.
    zoom_sandbox.state.inject("POST", CREATE_PATH, delay=60.0, after_effect=True)
    client = zoom_sandbox.client(timeout=1.0, sleep=lambda _: None)
    tag = "VICON-2026-0042"
    with pytest.raises(ZoomAmbiguous) as caught:
        client.create_meeting(HOST, spec(agenda=f"{tag} Sosialisasi"))
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert zoom_sandbox.state.calls_to("POST", CREATE_PATH) == 1
    [stored] = zoom_sandbox.state.meetings.values()
    assert stored["agenda"].startswith(tag)
    # The caller's way out: list the host's meetings and look for the tag before creating again.
    found = [m for m in client.list_meetings(HOST, "scheduled") if m.agenda.startswith(tag)]
    assert [m.id for m in found] == [stored["id"]]


class AnswerDroppingHttp(httpx.Client):
    """An httpx client that sends each request but, for the next `drops` requests to a path ending in `suffix`,
    throws the answer away and raises the ReadTimeout httpx raises when an answer does not come in time."""

    def __init__(self, suffix: str, drops: int = 1) -> None:
        super().__init__()
        self.suffix = suffix
        self.drops = drops

    def request(self, method: str, url: httpx.URL | str, **kwargs: Any) -> httpx.Response:
        response = super().request(method, url, **kwargs)
        if self.drops > 0 and httpx.URL(url).path.endswith(self.suffix):
            self.drops -= 1
            raise httpx.ReadTimeout("answer dropped by the test", request=response.request)
        return response


def test_get_is_retried_once_after_a_5xx_or_a_lost_answer(zoom_sandbox: ZoomSandboxServer) -> None:
    slept: list[float] = []
    client = zoom_sandbox.client(sleep=slept.append)
    meeting = client.create_meeting(HOST, spec())
    path = rf"^/v2/meetings/{meeting.id}$"

    zoom_sandbox.state.inject("GET", path, status=502)
    assert client.get_meeting(meeting.id).id == meeting.id
    assert zoom_sandbox.state.calls_to("GET", path) == 2
    assert len(slept) == 1

    # A read timeout without waiting for one: the first answer is thrown away on arrival.
    with AnswerDroppingHttp(f"/meetings/{meeting.id}") as http:
        assert zoom_sandbox.client(sleep=slept.append, http=http).get_meeting(meeting.id).id == meeting.id
    assert zoom_sandbox.state.calls_to("GET", path) == 4
    assert len(slept) == 2

    zoom_sandbox.state.inject("GET", path, status=500, times=2)
    with pytest.raises(ZoomAmbiguous):
        client.get_meeting(meeting.id)


def test_delete_retried_after_a_lost_answer_reports_gone(zoom_sandbox: ZoomSandboxServer) -> None:
    client = zoom_sandbox.client(sleep=lambda _: None)
    meeting = client.create_meeting(HOST, spec())
    zoom_sandbox.state.inject("DELETE", rf"^/v2/meetings/{meeting.id}$", status=500, after_effect=True)
    assert client.delete_meeting(meeting.id) is False
    assert meeting.id not in zoom_sandbox.state.meetings


def test_connection_refused_is_unavailable(zoom_sandbox: ZoomSandboxServer, closed_port: int) -> None:
    # closed_port stays bound (never listening) for the test, so no other process can start answering on it.
    client = zoom_sandbox.client(api_url=f"http://127.0.0.1:{closed_port}/v2")
    with pytest.raises(ZoomUnavailable):
        client.create_meeting(HOST, spec())
    with pytest.raises(ZoomUnavailable):
        client.get_meeting(12345678901)
    assert zoom_sandbox.state.oauth_calls == 1  # the token came; the API was not there


def _not_found(sandbox: ZoomSandboxServer) -> None:
    sandbox.client().get_meeting(99999999999)


def _rejected(sandbox: ZoomSandboxServer) -> None:
    client = sandbox.client()
    meeting = client.create_meeting(HOST, spec())
    client.update_meeting(meeting.id, {"duration": "90"})  # the client passes it on; Zoom wants a number


def _auth_refused_by_the_api(sandbox: ZoomSandboxServer) -> None:
    sandbox.state.token_lifetime = 0  # every token the sandbox hands out is already expired
    sandbox.client().list_meetings(HOST)


def _auth_refused_by_oauth(sandbox: ZoomSandboxServer) -> None:
    sandbox.client(client_secret="salah").list_meetings(HOST)


def _daily_limit(sandbox: ZoomSandboxServer) -> None:
    sandbox.state.daily_limit = 0
    sandbox.client(sleep=lambda _: None).create_meeting(HOST, spec())


def _rate_limited(sandbox: ZoomSandboxServer) -> None:
    sandbox.state.inject("GET", r"/meetings$", status=429, headers={"X-RateLimit-Type": "QPS"})
    sandbox.client(sleep=lambda _: None, qps_retries=0).list_meetings(HOST)


def _ambiguous(sandbox: ZoomSandboxServer) -> None:
    sandbox.state.inject("POST", CREATE_PATH, status=502)
    sandbox.client(sleep=lambda _: None).create_meeting(HOST, spec())


def _oauth_down(sandbox: ZoomSandboxServer) -> None:
    sandbox.state.inject("POST", r"^/oauth/token$", status=503)
    sandbox.client().list_meetings(HOST)


@pytest.mark.parametrize(
    ("provoke", "error_class", "status", "code", "message"),
    [
        pytest.param(_not_found, ZoomNotFound, 404, 3001, "Meeting does not exist: 99999999999.", id="not-found"),
        pytest.param(
            _rejected, ZoomRejected, 400, 300, "Validation Failed.", id="rejected", marks=pytest.mark.zoom_off_document
        ),
        pytest.param(_auth_refused_by_the_api, ZoomAuthError, 401, 124, "Access token is expired.", id="auth-api"),
        pytest.param(_auth_refused_by_oauth, ZoomAuthError, 401, None, "Invalid client_id", id="auth-oauth"),
        pytest.param(_daily_limit, ZoomDailyLimit, 429, 429, "daily rate limit (0)", id="daily-limit"),
        pytest.param(_rate_limited, ZoomRateLimited, 429, 429, "per-second rate limit", id="rate-limited"),
        pytest.param(_ambiguous, ZoomAmbiguous, 502, 502, "Bad Gateway", id="ambiguous"),
        pytest.param(_oauth_down, ZoomUnavailable, 503, None, "OAuth endpoint is failing", id="oauth-down"),
    ],
)
def test_each_error_class_carries_the_status_and_code_of_zooms_answer(
    zoom_sandbox: ZoomSandboxServer,
    provoke: Callable[[ZoomSandboxServer], None],
    error_class: type[ZoomError],
    status: int,
    code: int | None,
    message: str,
) -> None:
    with pytest.raises(ZoomError) as caught:
        provoke(zoom_sandbox)
    error = caught.value
    assert type(error) is error_class, repr(error)
    assert (error.status, error.code) == (status, code)
    assert message in error.message
    assert f"HTTP {status}" in str(error)
    assert (f"Zoom code {code}" in str(error)) is (code is not None)
    if error_class is ZoomRejected:
        assert [e["field"] for e in error.errors] == ["duration"]


# --- recordings and UUIDs ----------------------------------------------------------------------------------


@pytest.mark.parametrize("uuid", ["/Ab12cd+EF34gh//IJ56kl==", "Mn78op//QR90st+UV12wx==", "plainUuidAbc+dEf=="])
def test_uuids_reach_the_recordings_endpoints(zoom_sandbox: ZoomSandboxServer, uuid: str) -> None:
    zoom_sandbox.state.queue_uuid(uuid)
    client = zoom_sandbox.client()
    meeting = client.create_meeting(HOST, spec())
    assert meeting.uuid == uuid
    zoom_sandbox.state.add_recording(meeting.id)

    recording = client.meeting_recordings(meeting.uuid)
    assert recording is not None and recording.uuid == uuid and len(recording.files) == 2
    client.trash_recordings(meeting.uuid)
    assert zoom_sandbox.state.trashed(uuid) is not None
    # Trashing again: Zoom says there is no recording (3301), which is what trashing was for.
    client.trash_recordings(meeting.uuid)
    assert zoom_sandbox.state.calls_to("DELETE", r"/recordings$") == 2
    assert client.meeting_recordings(meeting.uuid) is None


def test_single_encoding_a_slashed_uuid_misses_like_at_zoom(zoom_sandbox: ZoomSandboxServer) -> None:
    uuid = "/Ab12cd//EF34gh=="
    zoom_sandbox.state.queue_uuid(uuid)
    meeting = zoom_sandbox.client().create_meeting(HOST, spec())
    zoom_sandbox.state.add_recording(meeting.id)
    headers = {"Authorization": f"Bearer {sandbox_token(zoom_sandbox)}"}
    once = httpx.get(f"{zoom_sandbox.api_url}/meetings/{quote(uuid, safe='')}/recordings", headers=headers)
    assert once.status_code == 404
    twice = httpx.get(f"{zoom_sandbox.api_url}/meetings/{encode_meeting_uuid(uuid)}/recordings", headers=headers)
    assert twice.status_code == 200 and twice.json()["uuid"] == uuid


def test_list_recordings_and_download_with_the_bearer_token(zoom_sandbox: ZoomSandboxServer) -> None:
    client = zoom_sandbox.client()
    start = datetime(2026, 12, 2, 9, 0, tzinfo=JAKARTA)
    meeting = client.create_meeting(HOST, spec(start=start))
    content = b"%MP4 rekaman rapat" * 100
    zoom_sandbox.state.add_recording(meeting.id, files=[{"file_type": "MP4", "content": content}])
    zoom_sandbox.state.add_recording(
        55555555555, host=OTHER_HOST, start_time=datetime(2026, 12, 2, 3, 0, tzinfo=UTC), files=[]
    )

    found = client.list_recordings(HOST, date(2026, 12, 1), date(2026, 12, 3))
    assert [r.uuid for r in found] == [meeting.uuid]
    assert found[0].meeting_id == meeting.id and found[0].download_access_token is None
    [file] = found[0].files
    assert file.file_size == len(content) and file.meeting_uuid == meeting.uuid
    assert client.list_recordings(HOST, date(2026, 11, 1), date(2026, 11, 30)) == []
    [empty] = client.list_recordings(OTHER_HOST, date(2026, 12, 2), date(2026, 12, 2))
    assert empty.files == ()

    download_url = file.download_url
    assert download_url.startswith(zoom_sandbox.base_url + "/rec/download/")
    # Zoom's trap: without a token the download URL answers 200 with an HTML page, not an error status.
    anonymous = httpx.get(download_url, timeout=5)
    assert anonymous.status_code == 200 and anonymous.headers["content-type"].startswith("text/html")
    token = sandbox_token(zoom_sandbox)
    downloaded = httpx.get(download_url, headers={"Authorization": f"Bearer {token}"}, follow_redirects=True)
    assert downloaded.status_code == 200 and downloaded.content == content
    assert downloaded.headers["content-type"] == "video/mp4"
    by_query = httpx.get(download_url, params={"access_token": token}, follow_redirects=True, timeout=5)
    assert by_query.content == content
    # The API itself takes the token only in the Authorization header.
    api_by_query = httpx.get(f"{zoom_sandbox.api_url}/users/{HOST}/meetings", params={"access_token": token})
    assert api_by_query.status_code == 401


def test_long_recording_ranges_are_asked_a_month_at_a_time(zoom_sandbox: ZoomSandboxServer) -> None:
    client = zoom_sandbox.client()
    zoom_sandbox.state.add_recording(11111111111, host=HOST, start_time=datetime(2026, 10, 15, 2, tzinfo=UTC))
    zoom_sandbox.state.add_recording(22222222222, host=HOST, start_time=datetime(2026, 12, 20, 2, tzinfo=UTC))
    found = client.list_recordings(HOST, date(2026, 10, 1), date(2026, 12, 30))  # 91 days
    assert sorted(r.meeting_id for r in found) == [11111111111, 22222222222]
    assert zoom_sandbox.state.calls_to("GET", r"/recordings$") == 4
    with pytest.raises(ValueError):
        client.list_recordings(HOST, date(2026, 12, 2), date(2026, 12, 1))


# --- the sandbox itself --------------------------------------------------------------------------------------


def test_sandbox_works_at_the_root_too() -> None:
    assert SandboxState().user_emails == ["host-besar@vicon.example", "host-kecil@vicon.example"]
    state = SandboxState(["operator@vicon.example"], token_lifetime=60)
    http = Client(create_sandbox_app(state))
    refused = http.post("/oauth/token?grant_type=account_credentials&account_id=sandbox")
    assert refused.status_code == 401 and refused.json == {
        "reason": "Invalid client_id or client_secret",
        "error": "invalid_client",
    }
    response = http.post(
        "/oauth/token?grant_type=account_credentials&account_id=sandbox",
        headers={"Authorization": "Basic c2FuZGJveDpzYW5kYm94"},  # sandbox:sandbox
    )
    assert response.status_code == 200
    body = response.json
    assert body is not None and body["expires_in"] == 60 and body["token_type"] == "bearer"
    listed = http.get(
        "/v2/users/operator@vicon.example/meetings", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert listed.status_code == 200 and listed.json == {
        "page_size": 30,
        "total_records": 0,
        "next_page_token": "",
        "meetings": [],
    }
    assert state.calls == [
        ("POST", "/oauth/token"),
        ("POST", "/oauth/token"),
        ("GET", "/v2/users/operator@vicon.example/meetings"),
    ]
