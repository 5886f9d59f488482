"""The host calendar (staff_calendar) and the pool's use of Zoom's lists, through the Functions Framework, with the
production Zoom client against the sandbox (decision 0033)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from tests.harness import WIB, Harness, HarnessFactory
from tests.staff import OPERATOR, sign_in, staff_get, staff_harness
from tests.stores import STORE_KINDS
from tests.test_review_provision_http import BIG, SMALL, decide, live_meetings, review_token

LIST_PATH = r"/users/{}/meetings$"


def harness_with(make_harness: HarnessFactory, zoom_sandbox: Any, store_kind: str = "sqlite", **env: str) -> Harness:
    return staff_harness(
        make_harness,
        store_kind=store_kind,
        meetings=zoom_sandbox.client(sleep=lambda seconds: None),
        **{"ZOOM_HOSTS": f"{BIG}:300,{SMALL}:100", **env},
    )


@pytest.fixture
def calendar(make_harness: HarnessFactory, zoom_sandbox: Any) -> Harness:
    return harness_with(make_harness, zoom_sandbox)


def portal_meeting(zoom_sandbox: Any, host: str = SMALL, topic: str = "Rapat pimpinan (dari portal)") -> Any:
    """Wednesday 2 December 2026, 09:00–10:00 WIB, made in Zoom's portal: no Vicon tag."""
    return zoom_sandbox.state.schedule_in_portal(host, dt.datetime(2026, 12, 2, 9, 0, tzinfo=WIB), 60, topic)


def approved(harness: Harness, start: str = "2026-12-02T09:30", end: str = "2026-12-02T10:30") -> str:
    request_id = str(harness.submit_valid(start=start, end=end)["id"])
    assert decide(harness, review_token(harness, request_id), "approve").status_code == 200
    return request_id


def calendar_page(harness: Harness, cookie: str | None, **query: str) -> tuple[int, str]:
    response = staff_get(harness, "staff_calendar", cookie, **query)
    return response.status_code, response.get_data(as_text=True)


def host_section(html: str, host: str) -> str:
    found = re.search(r'<section class="host-week"[^>]*>\s*<h2[^>]*>' + re.escape(host) + r".*?</section>", html, re.S)
    assert found is not None, host
    return found.group(0)


# ---- the pool and meetings made outside Vicon --------------------------------------------------------------------


@pytest.mark.parametrize("store_kind", STORE_KINDS)
def test_a_portal_meeting_keeps_its_host_busy_and_the_calendar_shows_both(
    make_harness: HarnessFactory, zoom_sandbox: Any, store_kind: str
) -> None:
    harness = harness_with(make_harness, zoom_sandbox, store_kind)
    foreign = portal_meeting(zoom_sandbox)  # on SMALL, which the pool would pick first for 40 participants
    request_id = approved(harness)

    record = harness.request(request_id)
    assert record.status == "provisioned"
    assert record.held_meeting().host == BIG
    assert [m["host_email"] for m in live_meetings(zoom_sandbox) if m["id"] != foreign["id"]] == [BIG]
    # One list per host tried, then one create: the busy check costs no more.
    assert zoom_sandbox.state.calls_to("GET", LIST_PATH.format(re.escape(SMALL))) == 1
    assert zoom_sandbox.state.calls_to("GET", LIST_PATH.format(re.escape(BIG))) == 1

    status, html = calendar_page(harness, sign_in(harness), week="2026-12-02")
    assert status == 200
    small, big = host_section(html, SMALL), host_section(html, BIG)
    assert "dibuat di luar Vicon" in small and "Rapat pimpinan (dari portal)" in small
    assert "09.00–10.00 WIB" in small and "sibuk 08.30–10.30 WIB" in small
    assert request_id in big and "09.30–10.30 WIB" in big and "sibuk 09.00–11.00 WIB" in big
    assert "dibuat di luar Vicon" not in big
    assert "Selisih" not in html


def test_with_no_other_host_the_request_fails_cleanly_and_nothing_is_made(
    make_harness: HarnessFactory, zoom_sandbox: Any
) -> None:
    harness = harness_with(make_harness, zoom_sandbox, ZOOM_HOSTS=f"{SMALL}:100")
    foreign = portal_meeting(zoom_sandbox)
    request_id = approved(harness)

    record = harness.request(request_id)
    assert record.status == "provisioning_failed"
    assert record.provisioning_error is not None and "di luar Vicon" in record.provisioning_error
    assert [m["id"] for m in live_meetings(zoom_sandbox)] == [foreign["id"]]
    assert zoom_sandbox.state.calls_to("POST", r"/users/.+/meetings$") == 0
    assert harness.store.held_host(request_id) is None


def test_a_portal_meeting_outside_the_buffer_does_not_block(calendar: Harness, zoom_sandbox: Any) -> None:
    # 09:00–10:00 on SMALL; a request 10:30–11:30 keeps exactly the 30 minutes: SMALL is still free.
    portal_meeting(zoom_sandbox)
    request_id = approved(calendar, "2026-12-02T10:30", "2026-12-02T11:30")
    assert calendar.request(request_id).held_meeting().host == SMALL


def test_a_host_whose_list_fails_is_not_booked(calendar: Harness, zoom_sandbox: Any) -> None:
    zoom_sandbox.state.inject("GET", LIST_PATH.format(re.escape(SMALL)), status=500, times=10)
    request_id = approved(calendar)
    assert calendar.request(request_id).held_meeting().host == BIG
    assert [m["host_email"] for m in live_meetings(zoom_sandbox)] == [BIG]


def test_when_every_list_fails_nothing_is_booked_and_the_tick_retries(calendar: Harness, zoom_sandbox: Any) -> None:
    zoom_sandbox.state.inject("GET", r"/users/.+/meetings$", status=503, times=8)
    request_id = approved(calendar)

    record = calendar.request(request_id)
    assert record.status == "provisioning_failed"
    assert record.provisioning_error is not None and "tidak dapat diperiksa di Zoom" in record.provisioning_error
    assert live_meetings(zoom_sandbox) == []
    assert zoom_sandbox.state.calls_to("POST", r"/users/.+/meetings$") == 0

    zoom_sandbox.state.clear_injections()
    calendar.clock.now += dt.timedelta(minutes=5)
    calendar.client("scheduled_tick").post("/")
    assert calendar.request(request_id).status == "provisioned"
    assert len(live_meetings(zoom_sandbox)) == 1


# ---- the page ------------------------------------------------------------------------------------------------------


def test_without_a_session_the_calendar_is_401(calendar: Harness) -> None:
    status, html = calendar_page(calendar, None)
    assert status == 401
    assert "Masuk ke konsol Vicon dulu" in html


def test_a_bad_week_is_422_naming_the_field(calendar: Harness) -> None:
    cookie = sign_in(calendar)
    for bad in ("2026-13-01", "minggu depan", "2026-12-2", "1999-12-31"):
        status, html = calendar_page(calendar, cookie, week=bad)
        assert status == 422, bad
        assert "Minggu (week)" in html and 'id="error-summary"' in html


def test_the_week_runs_monday_to_sunday_with_its_navigation(calendar: Harness) -> None:
    status, html = calendar_page(calendar, sign_in(calendar), week="2026-12-03")
    assert status == 200
    assert "Senin, 30 November 2026 – Minggu, 6 Desember 2026" in html
    assert "week=2026-11-23" in html and "week=2026-12-07" in html
    # With no parameter: this week, by the harness clock.
    status, html = calendar_page(calendar, sign_in(calendar))
    assert "Senin, 30 November 2026 – Minggu, 6 Desember 2026" in html
    assert 'id="calendar-link"' in html


def test_free_time_leaves_the_buffer_around_each_meeting(calendar: Harness, zoom_sandbox: Any) -> None:
    portal_meeting(zoom_sandbox, BIG)
    _, html = calendar_page(calendar, sign_in(calendar), week="2026-12-02")
    rows = re.findall(r"<tr[^>]*>.*?</tr>", host_section(html, BIG), re.S)
    [wednesday] = [row for row in rows if "Rabu, 2 Desember 2026" in row]
    assert re.findall(r'<span class="free">([^<]+)</span>', wednesday) == ["06.00–08.30 WIB", "10.30–22.00 WIB"]
    [thursday] = [row for row in rows if "Kamis, 3 Desember 2026" in row]
    assert re.findall(r'<span class="free">([^<]+)</span>', thursday) == ["06.00–22.00 WIB"]


def test_when_zoom_cannot_be_listed_the_page_shows_the_store_and_says_so(calendar: Harness, zoom_sandbox: Any) -> None:
    request_id = approved(calendar)
    zoom_sandbox.state.inject("GET", r"/users/.+/meetings$", status=500, times=20)
    status, html = calendar_page(calendar, sign_in(calendar), week="2026-12-02")
    assert status == 200
    assert html.count("Jadwal di Zoom tidak dapat diperiksa") == 2
    assert request_id in host_section(html, SMALL)


def test_discrepancies_between_zoom_and_the_store_are_shown(calendar: Harness, zoom_sandbox: Any) -> None:
    request_id = approved(calendar)
    meeting_id = calendar.request(request_id).held_meeting().id
    del zoom_sandbox.state.meetings[meeting_id]  # deleted in the portal: the store still has it
    zoom_sandbox.state.schedule_in_portal(
        BIG, dt.datetime(2026, 12, 3, 13, 0, tzinfo=WIB), 90, "Salinan", agenda="[VC-2026-999999] sisa lama"
    )
    _, html = calendar_page(calendar, sign_in(calendar), week="2026-12-02")
    assert "Selisih antara Vicon dan Zoom" in html
    assert f"{request_id}: Tidak ada di daftar meeting Zoom akun ini." in host_section(html, SMALL)
    big = host_section(html, BIG)
    assert "Meeting Vicon yang tidak tercatat" in big
    assert "permohonan itu tidak ada di Vicon" in big and "13.00–14.30 WIB" in big


def test_officers_see_todays_meetings_with_their_officer_link(calendar: Harness, zoom_sandbox: Any) -> None:
    request_id = approved(calendar)
    calendar.clock.now = dt.datetime(2026, 12, 2, 7, 0, tzinfo=WIB).astimezone(dt.UTC)  # that Wednesday morning

    _, html = calendar_page(calendar, sign_in(calendar, OPERATOR))
    today = re.search(r'<section class="panel"[^>]*id="today">.*?</section>', html, re.S)
    assert today is not None and request_id in today.group(0) and "09.30–10.30 WIB" in today.group(0)
    link = re.search(r'href="(https://vicon\.example\.go\.id/api/start_meeting\?token=[^"]+)"', today.group(0))
    assert link is not None
    token = link.group(1).split("token=", 1)[1]
    confirmation = calendar.client("start_meeting").get("/", query_string={"token": token})
    assert confirmation.status_code == 200

    _, verifier_html = calendar_page(calendar, sign_in(calendar))
    assert request_id in verifier_html and "/api/start_meeting" not in verifier_html
