"""Browser tier: Debian's chromium, driven by Playwright, against `make run`'s dev server."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.pdfs import one_page_pdf

pytestmark = pytest.mark.browser


def fill_valid_form(p: Page, letter: Path) -> None:
    earliest = p.evaluate("() => fetch('/api/intake_options').then(r => r.json())")
    day = earliest["earliest_event_date"]
    p.fill("#opd", "Dinas Pendidikan")
    p.fill("#event_name", "Sosialisasi Kurikulum Merdeka")
    p.select_option("#event_type", "sosialisasi")
    p.fill("#start", f"{day}T09:00")
    p.fill("#end", f"{day}T11:00")
    p.fill("#participant_count", "25")
    p.fill("#participants", "SDN 1 Majalengka\nSDN 2 Majalengka")
    p.fill("#speakers", "Kepala Bidang Pembinaan SD")
    p.fill("#contact_name", "Rina Marlina")
    p.fill("#contact_phone", "0813 2222 3333")
    p.fill("#contact_email", "rina@disdik.example.go.id")
    p.fill("#letter_number", "421/55/Disdik")
    p.fill("#letter_date", earliest["today"])
    p.set_input_files("#letter", str(letter))


def test_browser_submit_form_then_find_verifier_mail_with_letter_and_review_page(
    dev_server: str, page: Page, tmp_path: Path
) -> None:
    letter = tmp_path / "surat-permohonan.pdf"
    letter.write_bytes(one_page_pdf())
    page.goto(dev_server + "/")
    expect(page.locator("body")).to_contain_text("paling cepat")
    fill_valid_form(page, letter)
    page.click("#submit-button")

    expect(page.locator("#success")).to_be_visible(timeout=15_000)
    number = page.locator("#request-number").inner_text().strip()
    assert number.startswith("VC-")
    status_href = page.locator("#status-link").get_attribute("href") or ""

    page.goto(status_href)
    expect(page.locator("#current-status")).to_contain_text("verifikasi", timeout=10_000)
    expect(page.locator("#timeline")).to_contain_text("WIB")

    page.goto(dev_server + "/_dev/mail")
    page.get_by_role("link", name=f"[Vicon] Permohonan baru {number}: Sosialisasi Kurikulum Merdeka").click()
    expect(page.locator("#mail-to")).to_have_text("verifikator@diskominfo.example")
    expect(page.locator("#mail-attachments")).to_contain_text(f"surat-permohonan-{number}.pdf")
    expect(page.locator("#mail-text")).to_contain_text("Dinas Pendidikan")
    page.locator("#mail-links a", has_text="/api/review_request?token=").first.click()
    expect(page.locator("h1")).to_contain_text(f"Verifikasi permohonan {number}")
    expect(page.locator("body")).to_contain_text("Sosialisasi Kurikulum Merdeka")

    page.goto(dev_server + "/_dev/mail")
    expect(page.get_by_role("link", name=f"[Vicon] Tanda terima permohonan {number}")).to_be_visible()


def test_browser_mistakes_are_explained_next_to_fields_and_nothing_is_sent(dev_server: str, page: Page) -> None:
    page.goto(dev_server + "/_dev/mail")
    mails_before = page.locator("tbody tr").count()
    page.goto(dev_server + "/")
    page.fill("#contact_email", "bukan-email")
    page.click("#submit-button")

    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#contact_email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#contact_email-error")).to_contain_text("email")
    described = page.locator("#contact_email").get_attribute("aria-describedby") or ""
    assert "contact_email-error" in described.split()
    expect(page.locator("#opd-error")).not_to_be_empty()
    page.goto(dev_server + "/_dev/mail")
    assert page.locator("tbody tr").count() == mails_before


def test_browser_server_refusal_is_shown_next_to_the_field(dev_server: str, page: Page, tmp_path: Path) -> None:
    fake = tmp_path / "bukan.pdf"
    fake.write_bytes(b"%PDF-1.4 ini bukan PDF sungguhan")  # passes the browser's checks, not the server's
    page.goto(dev_server + "/")
    fill_valid_form(page, fake)
    page.click("#submit-button")
    expect(page.locator("#letter-error")).to_contain_text("PDF", timeout=10_000)
    expect(page.locator("#opd")).to_have_value("Dinas Pendidikan")  # the user's input is kept


def test_browser_form_is_usable_with_the_keyboard_only(dev_server: str, page: Page) -> None:
    page.goto(dev_server + "/")
    reached = set()
    for _ in range(60):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("() => document.activeElement && document.activeElement.name"))
    for name in ("opd", "event_name", "start", "letter", "contact_email", "needs"):
        assert name in reached, f"{name} not reachable with Tab"
    assert "website" not in reached  # the honeypot stays out of the way


def submit_through_the_form(dev_server: str, page: Page, tmp_path: Path) -> str:
    letter = tmp_path / "surat-permohonan.pdf"
    letter.write_bytes(one_page_pdf())
    page.goto(dev_server + "/")
    fill_valid_form(page, letter)
    page.click("#submit-button")
    expect(page.locator("#success")).to_be_visible(timeout=15_000)
    return page.locator("#request-number").inner_text().strip()


def test_browser_verifier_approves_from_the_mailed_page_and_the_invitation_has_a_valid_ics(
    dev_server: str, page: Page, tmp_path: Path
) -> None:
    from icalendar import Calendar

    number = submit_through_the_form(dev_server, page, tmp_path)
    page.goto(dev_server + "/_dev/mail")
    page.get_by_role("link", name=f"[Vicon] Permohonan baru {number}: Sosialisasi Kurikulum Merdeka").click()
    page.locator("#mail-links a", has_text="/api/review_request?token=").first.click()
    expect(page.locator("h1")).to_contain_text(f"Verifikasi permohonan {number}")
    page.check("#confirm")  # approving takes one deliberate confirmation (tests/test_pages_browser.py)
    page.click("#approve-button")
    expect(page.locator("#decision-status")).to_have_text("Meeting siap", timeout=15_000)

    page.goto(dev_server + "/_dev/mail")
    page.get_by_role("link", name=re.compile(rf"Zoom Meeting siap: .*\({number}\)")).click()
    expect(page.locator("#mail-to")).to_have_text("rina@disdik.example.go.id")
    expect(page.locator("#mail-text")).to_contain_text("Kode sandi")
    expect(page.locator("#mail-text")).to_contain_text("https://wa.me/?text=")
    ics_link = page.locator("#mail-attachments a", has_text=".ics")
    expect(ics_link).to_have_count(1)
    ics = page.request.get(ics_link.get_attribute("href") or "")
    assert ics.ok and ics.headers["content-type"].startswith("text/calendar")
    event = Calendar.from_ical(ics.body()).walk("VEVENT")[0]
    options = page.request.get(dev_server + "/api/intake_options").json()
    day = dt.date.fromisoformat(options["earliest_event_date"])
    assert event.decoded("dtstart") == dt.datetime(day.year, day.month, day.day, 2, 0, tzinfo=dt.UTC)  # 09:00 WIB
    assert str(event["summary"]) == "Sosialisasi Kurikulum Merdeka"

    # The requester's status page now shows the meeting.
    page.goto(dev_server + "/_dev/mail")
    page.get_by_role("link", name=re.compile(rf"Zoom Meeting siap: .*\({number}\)")).click()
    page.locator("#mail-links a", has_text="/status.html?").first.click()
    expect(page.locator("#current-status")).to_contain_text("Meeting siap", timeout=10_000)
    expect(page.locator("#meeting-passcode")).not_to_be_empty()


def test_browser_requester_cancels_from_the_status_page(dev_server: str, page: Page, tmp_path: Path) -> None:
    submit_through_the_form(dev_server, page, tmp_path)
    page.click("#status-link")
    expect(page.locator("#current-status")).to_contain_text("verifikasi", timeout=10_000)
    page.click("#cancel-start")
    page.click("#cancel-yes")
    expect(page.locator("#current-status")).to_contain_text("Dibatalkan", timeout=10_000)
    expect(page.locator("#cancel")).to_be_hidden()


def test_browser_status_page_cannot_be_framed_by_another_site(dev_server: str, browser: Browser) -> None:
    # Clickjacking: another site puts the status page (with its live cancel button) in a frame. A page on a
    # third site that allows framing shows the framing itself works here.
    target = dev_server + "/status.html?id=VC-2026-000001&token=x"
    framing = (
        f'<h1>Situs lain</h1><iframe name="status" src="{target}"></iframe>'
        '<iframe name="control" src="http://boleh.example/"></iframe>'
    )
    context = browser.new_context()
    page = context.new_page()
    page.route("http://situs-lain.example/**", lambda route: route.fulfill(content_type="text/html", body=framing))
    page.route("http://boleh.example/**", lambda route: route.fulfill(content_type="text/html", body="<p>boleh</p>"))
    try:
        page.goto("http://situs-lain.example/")  # waits for both frames to load (or be refused)
        expect(page.frame_locator("iframe[name=control]").locator("p")).to_have_text("boleh")
        [frame] = [f for f in page.frames if f.name == "status"]
        # A refused frame holds Chrome's error page instead; only evaluate in it when it claims to be ours.
        rendered = frame.url == target and frame.locator("#cancel-start").count() > 0
        assert not rendered, "status.html rendered inside another site's frame"
    finally:
        context.close()


def test_browser_form_and_status_page_show_the_servers_zone_not_wib(
    dev_server_wita: str, page: Page, tmp_path: Path
) -> None:
    from zoneinfo import ZoneInfo

    from vicon.timefmt import parse_iso

    page.goto(dev_server_wita + "/")
    expect(page.locator("label[for=start] .tz")).to_have_text("WITA")
    expect(page.locator("label[for=end] .tz")).to_have_text("WITA")
    number = submit_through_the_form(dev_server_wita, page, tmp_path)  # 09:00–11:00 on the earliest day
    page.click("#status-link")
    expect(page.locator("#current-status")).to_contain_text("verifikasi", timeout=10_000)
    expect(page.locator("#event-when")).to_contain_text(", 09.00–11.00 WITA")

    status_url = page.url.replace("/status.html", "/api/request_status")
    status = page.request.get(status_url).json()
    assert status["id"] == number and status["start"].endswith("T01:00:00Z")  # 09:00 WITA is 01:00 UTC
    submitted_at = parse_iso(status["history"][0]["at"]).astimezone(ZoneInfo("Asia/Makassar"))
    expect(page.locator("#timeline time").first).to_contain_text(f"{submitted_at:%H.%M} WITA")
    assert "WIB" not in page.locator("#view").inner_text()
