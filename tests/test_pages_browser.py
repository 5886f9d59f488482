"""Browser tier for the server-rendered pages: the verifier's review page on a phone, the letter link, the
decision, the officer page, the message page and the pages a form post without JavaScript gets back, each checked
with the accessibility helper (axe-core WCAG 2.2 A/AA, no sideways scrolling at 390 px, 44 px buttons)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.a11y import assert_accessible, sideways_overflow
from tests.test_browser import submit_through_the_form

pytestmark = pytest.mark.browser
EVENT = "Sosialisasi Kurikulum Merdeka"  # what submit_through_the_form fills in


def mailed_link(page: Page, dev_server: str, subject: str, marker: str) -> str:
    """The first link containing `marker` in the dev mailbox's mail whose subject contains `subject`."""
    page.goto(dev_server + "/_dev/mail")
    page.locator("tbody a", has_text=subject).first.click()
    return page.locator("#mail-links a", has_text=marker).first.get_attribute("href") or ""


def review_url(page: Page, dev_server: str, number: str) -> str:
    return mailed_link(page, dev_server, f"Permohonan baru {number}", "/api/review_request?token=")


def test_browser_review_page_approves_only_after_the_confirmation_and_never_scrolls_sideways(
    dev_server: str, page: Page, tmp_path: Path
) -> None:
    number = submit_through_the_form(dev_server, page, tmp_path)
    url = review_url(page, dev_server, number)
    page.goto(url)
    expect(page.locator("h1")).to_have_text(f"Verifikasi permohonan {number}")
    expect(page.locator("#participants li")).to_have_count(2)
    expect(page.locator("#sla-line")).to_contain_text("batas verifikasi")
    assert_accessible(page, "review page")

    # The letter opens from the page itself, as a PDF, in a tab of its own.
    with page.context.expect_event("response", lambda r: "/api/request_letter" in r.url) as letter_info:
        page.click("#letter-link")
    letter = letter_info.value
    assert letter.status == 200
    assert letter.headers["content-type"] == "application/pdf"
    assert letter.headers["content-disposition"].startswith("inline;")
    for other in page.context.pages[1:]:
        other.close()

    # Approve without the confirmation: the browser keeps the form, nothing is decided.
    approve = page.locator("#approve-button")
    assert approve.evaluate("b => getComputedStyle(b).borderStyle") == "dashed"  # reads as not yet available
    approve.click()
    assert page.eval_on_selector("#confirm", "c => c.validationMessage")
    page.goto(url)
    expect(page.locator("#review-status")).to_have_text("Diajukan, menunggu verifikasi")
    expect(page.locator("#decision-form")).to_be_visible()

    # Reject without a reason is stopped in the browser too (the server would refuse it as well).
    page.click("#reject-button")
    assert "alasan" in page.eval_on_selector("#reason", "t => t.validationMessage")
    expect(page.locator("#decision-form")).to_be_visible()

    page.check("#confirm")
    assert approve.evaluate("b => getComputedStyle(b).borderStyle") != "dashed"
    approve.click()
    expect(page.locator("#decision-status")).to_have_text("Meeting siap", timeout=15_000)
    expect(page.locator("#next-step")).to_contain_text("Undangan sudah dikirim ke pemohon")
    assert_accessible(page, "decided page")

    # The read-only page after the decision: the long join URL wraps instead of widening the page.
    page.goto(url)
    expect(page.locator("#meeting-details")).to_contain_text("Tautan peserta")
    assert page.locator("#decision-form").count() == 0
    assert sideways_overflow(page) <= 0
    assert_accessible(page, "review page after the decision")

    officer = mailed_link(page, dev_server, f"Meeting dijadwalkan {number}", "/api/start_meeting?token=")
    page.goto(officer)
    start = page.locator("#start-button")
    expect(start).to_have_text("Buka Zoom sebagai host")
    box = start.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 300  # full width on a phone
    assert_accessible(page, "officer page")


def test_browser_bad_link_page_says_what_to_do_next(dev_server: str, page: Page) -> None:
    response = page.goto(dev_server + "/api/review_request?token=bukan-token")
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_have_text("Tautan verifikasi tidak dapat dipakai")
    expect(page.locator("#next-step")).to_contain_text("Selanjutnya")
    # The h1 does not touch the header bar.
    gap = page.evaluate(
        "() => document.querySelector('h1').getBoundingClientRect().top"
        " - document.querySelector('header').getBoundingClientRect().bottom"
    )
    assert gap >= 16
    assert_accessible(page, "bad-link message page")


def test_browser_pages_a_form_post_without_javascript_gets_back(dev_server: str, page: Page, tmp_path: Path) -> None:
    # form.submit() posts as a browser without JavaScript does: intake.js never sees a submit event, the
    # browser sends the multipart body with its own Accept header and shows the server's HTML answer.
    page.goto(dev_server + "/")
    with page.expect_navigation():
        page.evaluate("() => HTMLFormElement.prototype.submit.call(document.getElementById('request-form'))")
    expect(page.locator("h1")).to_have_text("Permohonan belum terkirim")
    expect(page.locator("#error-summary li").first).to_be_visible()
    assert_accessible(page, "submit_failed page")

    from tests.pdfs import one_page_pdf
    from tests.test_browser import fill_valid_form

    letter = tmp_path / "surat.pdf"
    letter.write_bytes(one_page_pdf())
    page.goto(dev_server + "/")
    fill_valid_form(page, letter)
    with page.expect_navigation():
        page.evaluate("() => HTMLFormElement.prototype.submit.call(document.getElementById('request-form'))")
    expect(page.locator("h1")).to_have_text("Permohonan terkirim")
    expect(page.locator("#request-number")).to_contain_text("VC-")
    assert_accessible(page, "submitted page")


def test_browser_status_page_uses_the_servers_status_words(dev_server: str, page: Page, tmp_path: Path) -> None:
    submit_through_the_form(dev_server, page, tmp_path)
    page.click("#status-link")
    expect(page.locator("#current-status")).to_have_text("Diajukan, menunggu verifikasi", timeout=10_000)
    favicon = page.request.get(dev_server + "/favicon.ico")
    assert favicon.ok and favicon.headers["content-type"] in ("image/vnd.microsoft.icon", "image/x-icon")
