"""Browser tier: every mail's HTML and the dev mailbox pages on a 390 px phone.

Mails are built the way the service builds them (MailComposer, from records made by the core's own code, with
signed links as long as real ones) and put into a 390×844 page: nothing may scroll sideways, and every link
drawn as a button must be a finger-sized target. The dev mailbox is checked on the real dev server after a
request went through the real flow, so its pages hold real long subjects, addresses and links.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.a11y import PHONE, assert_accessible
from tests.browser_fixtures import serve_dev
from tests.harness import Harness, HarnessFactory
from tests.mail_kinds import KINDS, OPERATOR, staffed_harness
from tests.pdfs import one_page_pdf
from tests.test_browser import fill_valid_form
from tests.test_templates import records, template_names

pytestmark = pytest.mark.browser
PHONE_WIDTH = PHONE["width"]
MIN_TARGET = 44


@pytest.fixture
def staffed(make_harness: HarnessFactory) -> Harness:
    return staffed_harness(make_harness)


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, locale="id-ID")
    yield context.new_page()
    context.close()


def horizontal_overflow(p: Page) -> dict[str, Any]:
    """The page's scroll width and, when too wide, the elements that stick out (for the failure message)."""
    return p.evaluate(
        """(limit) => {
          const width = document.documentElement.scrollWidth;
          const wide = width <= limit ? [] : [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > limit + 0.5)
            .slice(-5).map(e => e.tagName.toLowerCase() + ': ' + (e.textContent || '').trim().slice(0, 60));
          return {width, wide};
        }""",
        PHONE_WIDTH,
    )


def small_targets(p: Page, selector: str) -> list[str]:
    """Links matching `selector` whose box is under 44×44 px."""
    sizes: list[dict[str, Any]] = p.eval_on_selector_all(
        selector,
        """els => els.map(e => { const r = e.getBoundingClientRect();
                     return {text: e.textContent.trim(), width: r.width, height: r.height}; })""",
    )
    assert sizes, f"no {selector} on the page"
    return [
        f"{s['text']!r} is {s['width']:.0f}×{s['height']:.0f}"
        for s in sizes
        if s["width"] < MIN_TARGET or s["height"] < MIN_TARGET
    ]


def assert_fits_phone(p: Page, where: str) -> None:
    overflow = horizontal_overflow(p)
    assert overflow["width"] <= PHONE_WIDTH, f"{where} is {overflow['width']} px wide: {overflow['wide']}"


# What templates/email/_button.html draws; tests/a11y.py checks the same class.
BUTTON_LINKS = "a.button"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_browser_every_mail_fits_a_phone_with_finger_sized_buttons(staffed: Harness, phone: Page, kind: str) -> None:
    mails = KINDS[kind](staffed, records(staffed))
    assert mails
    for mail in mails:
        where = f"{kind} to {', '.join(mail.to)} ({mail.subject})"
        phone.set_content(mail.html)
        assert phone.evaluate("document.documentElement.lang") == "id", where
        assert phone.title(), where
        assert_fits_phone(phone, where)
        if phone.locator(BUTTON_LINKS).count():
            assert small_targets(phone, BUTTON_LINKS) == [], where
        assert_accessible(phone, where)


def test_browser_the_invitation_puts_its_links_behind_buttons_and_the_whatsapp_text_in_a_copyable_box(
    staffed: Harness, phone: Page
) -> None:
    [invitation, *_] = staffed.core.mails.provisioned(records(staffed)["provisioned"])
    phone.set_content(invitation.html)
    for name in ("Gabung ke Zoom Meeting", "Bagikan lewat WhatsApp", "Lihat status permohonan"):
        expect(phone.get_by_role("link", name=name)).to_be_visible()
    share = phone.get_by_role("link", name="Bagikan lewat WhatsApp").get_attribute("href") or ""
    assert share.startswith("https://wa.me/?text=")
    box = phone.locator("div", has_text="*Undangan Zoom Meeting*").last
    style = box.evaluate("e => { const s = getComputedStyle(e); return [s.whiteSpace, s.overflowWrap]; }")
    assert style == ["pre-wrap", "anywhere"]
    assert box.inner_text().startswith("*Undangan Zoom Meeting*")
    expect(phone.locator("body")).to_contain_text("menyalinnya")
    # The unreadable wa.me URL is not printed: the box itself is what to copy.
    assert "wa.me" not in phone.locator("body").inner_text()


def test_every_mail_template_is_built_by_some_kind(staffed: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new mail template without a kind above would go unchecked on a phone."""
    rendered: set[str] = set()
    render = staffed.core.render

    def spy(name: str, **context: Any) -> str:
        rendered.add(name)
        return render(name, **context)

    monkeypatch.setattr(staffed.core, "render", spy)
    r = records(staffed)
    for build in KINDS.values():
        build(staffed, r)
    mails = {n for n in template_names() if n.startswith("email/") and not Path(n).name.startswith("_")}
    assert mails <= rendered, f"no kind builds {sorted(mails - rendered)}"


@pytest.fixture(scope="module")
def mailbox(tmp_path_factory: pytest.TempPathFactory, browser: Browser) -> Iterator[tuple[str, str]]:
    """A dev server whose mailbox holds a request's mails from submission to invitation, and that request's id."""
    with serve_dev(
        tmp_path_factory,
        VERIFIER_EMAILS="verifikator.bidang.aplikasi.informatika@diskominfo.example",
        OPERATOR_EMAILS=OPERATOR,
    ) as base:
        letter = tmp_path_factory.mktemp("letter") / "surat-permohonan.pdf"
        letter.write_bytes(one_page_pdf())
        context = browser.new_context(viewport=PHONE, locale="id-ID")
        p = context.new_page()
        p.goto(base + "/")
        fill_valid_form(p, letter)
        p.fill("#event_name", "Rapat Koordinasi Percepatan Penurunan Stunting Terintegrasi Tingkat Kabupaten 2026")
        p.click("#submit-button")
        expect(p.locator("#success")).to_be_visible(timeout=15_000)
        number = p.locator("#request-number").inner_text().strip()
        p.goto(base + "/_dev/mail")
        p.get_by_role("link", name=f"Permohonan baru {number}", exact=False).click()
        p.locator("#mail-links a", has_text="/api/review_request?token=").first.click()
        p.check("#confirm")  # approving takes one deliberate confirmation (the review page, issue 7)
        p.click("#approve-button")
        expect(p.locator("#decision-status")).to_have_text("Meeting siap", timeout=15_000)
        context.close()
        yield base, number


def test_browser_dev_mailbox_list_and_every_message_view_fit_a_phone(mailbox: tuple[str, str], page: Page) -> None:
    base, number = mailbox
    page.goto(base + "/_dev/mail")
    assert page.viewport_size == {"width": PHONE_WIDTH, "height": 844}
    assert_fits_phone(page, "/_dev/mail")
    assert_accessible(page, "/_dev/mail")
    assert small_targets(page, ".mailbox-subject a") == []
    hrefs = [a.get_attribute("href") or "" for a in page.locator(".mailbox-subject a").all()]
    assert len(hrefs) >= 4, hrefs  # verifier, receipt, invitation, operator
    for href in hrefs:
        page.goto(href)
        assert_fits_phone(page, href)
        assert_accessible(page, href)
        assert small_targets(page, "#mail-links a") == [], href
        frame = page.locator("iframe.mailbox-frame")
        box = frame.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH, href
        # The mail inside the frame fits the frame too: no sideways scrolling inside it either.
        body = page.frame_locator("iframe.mailbox-frame").locator("html")
        inner = body.evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert inner[0] <= inner[1], f"{href}: the mail is {inner[0]} px in a {inner[1]} px frame"
    page.goto(base + "/_dev/mail")
    page.get_by_role("link", name="Zoom Meeting siap: Rapat Koordinasi", exact=False).click()
    expect(page.locator("#mail-subject")).to_contain_text(number)
    expect(page.frame_locator("iframe.mailbox-frame").locator("h1")).to_have_text("Zoom Meeting siap")
