"""The static site's pages in every state a requester meets, on a phone and on a desktop: the form empty, with
the browser's and the server's refusals, its success panel, and the status page while waiting, once the meeting
is ready, and after a cancellation. Each passes the accessibility helper (axe-core WCAG 2.2 A/AA, no sideways
scrolling, 44 px buttons)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.a11y import DESKTOP, PHONE, assert_accessible
from tests.pdfs import one_page_pdf
from tests.test_browser import fill_valid_form

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_browser_every_state_of_the_form_and_the_status_page_is_accessible(
    dev_server: str, browser: Browser, tmp_path: Path, viewport: dict[str, int]
) -> None:
    context = browser.new_context(viewport=viewport, locale="id-ID")  # type: ignore[arg-type]
    page = context.new_page()
    page.goto(dev_server + "/")
    expect(page.locator("body")).to_contain_text("paling cepat")
    assert_accessible(page, "the empty form")

    page.click("#submit-button")  # everything missing: the browser-side checks explain each field
    expect(page.locator("#error-summary")).to_be_visible()
    assert_accessible(page, "the form with its own error summary")

    letter = tmp_path / "surat.pdf"
    letter.write_bytes(b"%PDF-1.4 bukan pdf")
    fill_valid_form(page, letter)
    page.click("#submit-button")  # the server refuses the letter: shown next to the field
    expect(page.locator("#letter-error")).not_to_be_empty(timeout=10_000)
    assert_accessible(page, "the form with the server's refusal")

    letter.write_bytes(one_page_pdf())
    page.set_input_files("#letter", str(letter))
    page.click("#submit-button")
    expect(page.locator("#success")).to_be_visible(timeout=15_000)
    assert_accessible(page, "the success panel")
    status_href = page.locator("#status-link").get_attribute("href") or ""

    page.goto(status_href)
    expect(page.locator("#current-status")).to_contain_text("verifikasi", timeout=10_000)
    assert_accessible(page, "the status page while waiting")

    approve_from_the_mailbox(page, dev_server, page.locator("body").inner_text())
    page.goto(status_href)
    expect(page.locator("#current-status")).to_contain_text("Meeting siap", timeout=10_000)
    assert_accessible(page, "the status page with the meeting")

    page.once("dialog", lambda dialog: dialog.accept())
    cancel = page.get_by_role("button", name="Batalkan permohonan")
    cancel.click()
    confirm = page.get_by_role("button", name="Ya, batalkan")
    if confirm.count():
        confirm.click()
    expect(page.locator("#current-status")).to_contain_text("Dibatalkan", timeout=10_000)
    # The cancel section is gone: focus (and a screen reader) lands on the new status, not on the page's body.
    expect(page.locator("#current-status")).to_be_focused()
    expect(page.locator("body")).to_contain_text("meeting itu dihapus")
    assert_accessible(page, "the status page after cancelling")
    context.close()


def approve_from_the_mailbox(page: Page, dev_server: str, status_text: str) -> None:
    """The verifier's side, as a verifier does it: the mailed review link, the confirmation, the button."""
    page.goto(dev_server + "/_dev/mail")
    page.locator("tbody a", has_text="Permohonan baru").first.click()
    page.locator("#mail-links a", has_text="/api/review_request?token=").first.click()
    page.check("#confirm")
    page.click("#approve-button")
    expect(page.locator("#decision-status")).to_have_text("Meeting siap", timeout=15_000)
