"""Browser tier for the special needs done through Zoom's API (decision 0032), against the real dev server and its
Zoom sandbox: the form's breakout room and polls fields (shown with their need, the server's refusal next to the
field), and the console's "Kebutuhan di Zoom" section (polls retried after a refusal, a live stream set by an
officer, the key nowhere on the page), each state checked with the accessibility helper at 390 px and 1280 px."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from tests.a11y import DESKTOP, PHONE, assert_accessible
from tests.browser_fixtures import serve_dev
from tests.pdfs import one_page_pdf
from tests.test_browser import fill_valid_form
from tests.test_site_accessibility_browser import approve_from_the_mailbox
from tests.test_staff_console_browser import sign_in

pytestmark = pytest.mark.browser
OPERATOR = "petugas@diskominfo.example"
SHOTS = Path("/tmp/zn-shots")
POLLS = "Materi mana yang paling berguna?\nPerencanaan\nAnggaran\n\n[pilih banyak] Topik berikutnya?\nSPBE\nData"
STREAM_KEY = "kunci-rahasia-browser-5d1e"
STREAM_URL = "rtmps://live.example.com:443/app"
PAGE_URL = "https://www.youtube.example/@diskominfo/live"


@pytest.fixture(scope="module")
def needs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_dev(tmp_path_factory, OPERATOR_EMAILS=OPERATOR) as base:
        yield base


def shoot(page: Page, name: str, *parts: str) -> None:
    """Screenshots at the phone's and the desktop's width (the page, and `parts` close up), each state checked
    for accessibility too."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, viewport in (("390", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
        for part in parts:
            page.locator(part).screenshot(path=str(SHOTS / f"{name}-{part.strip('#.')}-{label}.png"))
        assert_accessible(page, f"{name} at {label} px")
    page.set_viewport_size(PHONE)


def tick_zoom_needs(page: Page) -> None:
    for need in ("breakout_room", "polling", "live_streaming"):
        page.check(f"#needs-{need}")


def test_browser_the_form_shows_rooms_and_polls_with_their_need_and_the_servers_refusal_by_the_field(
    needs_server: str, page: Page, tmp_path: Path
) -> None:
    letter = tmp_path / "surat.pdf"
    letter.write_bytes(one_page_pdf())
    page.goto(needs_server + "/")
    expect(page.locator("body")).to_contain_text("paling cepat")
    fill_valid_form(page, letter)
    expect(page.locator("#breakout_rooms-wrap")).to_be_hidden()
    expect(page.locator("#polls-wrap")).to_be_hidden()
    tick_zoom_needs(page)
    expect(page.locator("#breakout_rooms-wrap")).to_be_visible()
    expect(page.locator("#polls-wrap")).to_be_visible()

    page.fill("#breakout_rooms", "1")  # the form's own rule, as the server's
    page.fill("#polls", "Satu jawaban saja?\nYa")  # only the server reads the polls
    page.click("#submit-button")
    expect(page.locator("#breakout_rooms-error")).to_have_text("Jumlah breakout room paling sedikit 2.")
    page.fill("#breakout_rooms", "4")
    page.click("#submit-button")
    expect(page.locator("#polls-error")).to_contain_text("Pertanyaan 1: tulis 2 sampai 10 jawaban", timeout=10_000)
    expect(page.locator("#polls")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#error-summary")).to_contain_text("Pertanyaan 1")
    expect(page.locator("#breakout_rooms-error")).to_be_empty()
    shoot(page, "form-polls-refused", "#breakout_rooms-wrap", "#polls-wrap")

    # The server's refusal of a room count, as it answers it, is shown by that field as well.
    refusal = page.request.post(
        needs_server + "/api/submit_request",
        multipart={"needs": "polling", "breakout_rooms": "3"},
        headers={"Accept": "application/json"},
    )
    errors = [error for error in refusal.json()["errors"] if error["field"] == "breakout_rooms"]
    assert errors and "Centang kebutuhan breakout room" in errors[0]["message"]

    def answer_with(route: Route) -> None:
        route.fulfill(status=422, content_type="application/json", body=json.dumps({"errors": errors}))

    page.route("**/api/submit_request", answer_with)
    page.click("#submit-button")
    expect(page.locator("#breakout_rooms-error")).to_have_text(errors[0]["message"])
    expect(page.locator("#polls-error")).to_be_empty()
    page.unroute("**/api/submit_request")

    # Unticked, a need's field is neither shown nor sent: the text typed into it cannot refuse the request.
    page.uncheck("#needs-polling")
    expect(page.locator("#polls-wrap")).to_be_hidden()
    page.check("#needs-polling")
    page.fill("#polls", POLLS)
    page.click("#submit-button")
    expect(page.locator("#success")).to_be_visible(timeout=15_000)
    number = page.locator("#request-number").inner_text().strip()

    page.goto(needs_server + "/_dev/mail")
    page.locator("tbody a", has_text=f"Permohonan baru {number}").first.click()
    page.locator("#mail-links a", has_text="/api/review_request?token=").first.click()
    expect(page.locator("#breakout-rooms")).to_have_text("4 ruang (Ruang 1 … Ruang 4)")
    expect(page.locator("#poll-questions")).to_contain_text("Materi mana yang paling berguna?")
    expect(page.locator("#poll-questions")).to_contain_text("boleh lebih dari satu jawaban")
    shoot(page, "review-zoom-needs", "#poll-questions")


def test_browser_an_officer_retries_refused_polls_and_sets_the_live_stream(
    needs_server: str, page: Page, tmp_path: Path
) -> None:
    letter = tmp_path / "surat.pdf"
    letter.write_bytes(one_page_pdf())
    page.goto(needs_server + "/")
    expect(page.locator("body")).to_contain_text("paling cepat")
    fill_valid_form(page, letter)
    tick_zoom_needs(page)
    page.fill("#breakout_rooms", "3")
    page.fill("#polls", POLLS)
    page.click("#submit-button")
    expect(page.locator("#success")).to_be_visible(timeout=15_000)
    number = page.locator("#request-number").inner_text().strip()

    # The account's "Meeting Polls/Quizzes" is off: Zoom refuses the polls once, after the meeting is made.
    disabled = {"code": 4400, "message": "Meeting polls disabled."}
    fault = {"method": "POST", "path": r"^/v2/meetings/\d+/polls$", "status": 400, "body": disabled}
    assert page.request.post(needs_server + "/_zoom/_sandbox/faults", data=fault).status == 204
    approve_from_the_mailbox(page, needs_server, "")

    sign_in(page, needs_server, OPERATOR)
    page.goto(needs_server + f"/api/staff_request?id={number}")
    expect(page.locator("#zoom-needs")).to_contain_text("3 ruang disiapkan di meeting")
    expect(page.locator("#polls-error")).to_contain_text("Meeting Polls/Quizzes")
    expect(page.locator("#livestream-state")).to_have_text("Belum dipasang.")
    expect(page.locator("#mail-history")).to_contain_text(f"Polling belum dibuat {number}")
    shoot(page, "staff-polls-refused", "#zoom-needs", "#actions")

    page.click("#polls-button")
    expect(page.locator("#action-done")).to_contain_text("Pembuatan polling sudah dicoba lagi", timeout=15_000)
    expect(page.locator("#polls-state")).to_have_text("Sudah dibuat di meeting Zoom (2 pertanyaan).")
    expect(page.locator("#polls-form")).to_have_count(0)

    page.fill("#stream_url", STREAM_URL)
    page.fill("#stream_key", STREAM_KEY)
    page.fill("#page_url", PAGE_URL)
    page.click("#livestream-button")
    expect(page.locator("#action-done")).to_contain_text("Live streaming dipasang", timeout=15_000)
    expect(page.locator("#livestream-state")).to_contain_text(f"Dipasang oleh {OPERATOR}")
    expect(page.locator("#livestream-state")).to_contain_text(STREAM_URL)
    expect(page.locator("#stream_key")).to_have_value("")
    assert STREAM_KEY not in page.content()
    expect(page.locator("#audit-trail")).to_contain_text("kunci disimpan di Zoom")
    shoot(page, "staff-livestream-set", "#zoom-needs", "#actions")
    held = page.request.get(needs_server + "/_zoom/_sandbox/livestreams").json()["livestreams"]
    assert {"stream_url": STREAM_URL, "stream_key": STREAM_KEY, "page_url": PAGE_URL} in held.values()

    page.goto(needs_server + "/_dev/mail")
    page.locator("tbody a", has_text=f"Polling belum dibuat {number}").first.click()
    expect(page.locator("#mail-to")).to_have_text(OPERATOR)
    expect(page.locator("#mail-text")).to_contain_text("Meeting Polls/Quizzes")
