"""Browser tier for the host calendar against the real dev server and its Zoom sandbox: a request approved from the
console appears on its host's week with its buffer, reached from the console's bar; the page checked with the
accessibility helper at 390 px and on a desktop (axe-core WCAG 2.2 A/AA, no sideways scrolling, 44 px targets).
Set VICON_SCREENSHOTS to a folder to keep a screenshot of each width there. Decision 0033."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.a11y import DESKTOP, PHONE, assert_accessible
from tests.browser_fixtures import serve_dev
from tests.test_browser import submit_through_the_form
from tests.test_staff_console_browser import VERIFIER, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def officer_dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The verifier is an officer too, so the page shows everything an officer sees."""
    with serve_dev(tmp_path_factory, OPERATOR_EMAILS=VERIFIER) as base:
        yield base


def test_browser_host_calendar_shows_an_approved_meeting_with_its_buffer(
    officer_dev_server: str, page: Page, tmp_path: Path
) -> None:
    dev_server = officer_dev_server
    number = submit_through_the_form(dev_server, page, tmp_path)
    sign_in(page, dev_server)
    page.goto(dev_server + f"/api/staff_request?id={number}")
    page.check("#confirm")
    page.click("#approve-button")
    expect(page.locator("#action-done")).to_have_text("Permohonan disetujui.", timeout=15_000)

    page.click("#calendar-link")
    expect(page.locator("h1")).to_have_text("Kalender akun host")
    assert_accessible(page, "host calendar, this week")
    page.click("#next-week")
    expect(page.locator("h1")).to_have_text("Kalender akun host")
    assert_accessible(page, "host calendar, next week")

    # The form asked for the earliest allowed date: that week, by the parameter.
    day = page.request.get(dev_server + "/api/intake_options").json()["earliest_event_date"]
    page.fill("#f-week", day)
    page.click("#week-button")
    entry = page.locator(".entry", has_text=number)
    expect(entry).to_contain_text("09.00–11.00")
    expect(entry).to_contain_text("sibuk 08.30–11.30")
    expect(page.locator(".free").first).to_be_visible()
    assert_accessible(page, "host calendar with the meeting at 390 px")
    shots = os.environ.get("VICON_SCREENSHOTS")
    if shots:
        page.screenshot(path=str(Path(shots) / "calendar-390.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    assert_accessible(page, "host calendar with the meeting on a desktop")
    if shots:
        page.screenshot(path=str(Path(shots) / "calendar-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)

    page.goto(dev_server + "/api/staff_calendar?week=bukan-tanggal")
    expect(page.locator("#error-summary")).to_contain_text("Minggu (week)")
    assert_accessible(page, "host calendar with a bad week")
