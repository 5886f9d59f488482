"""Browser tier for the staff console against the real dev server: sign in through the mailed link (the dev
mailbox), open the queue, approve a submitted request from it, sign out; every console page checked with the
accessibility helper at 390 px (axe-core WCAG 2.2 A/AA, no sideways scrolling, 44 px buttons). Decision 0030."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.a11y import DESKTOP, PHONE, assert_accessible
from tests.test_browser import submit_through_the_form

pytestmark = pytest.mark.browser
VERIFIER = "verifikator@diskominfo.example"  # tests.browser_fixtures' VERIFIER_EMAILS
SUBJECT = "[Vicon] Tautan masuk konsol"


def mailed_login_link(page: Page, dev_server: str, to: str, seen: int = 0) -> str:
    """The newest sign-in link mailed to `to` once more than `seen` have arrived (it is sent after the answer)."""
    deadline = time.monotonic() + 15
    while True:
        page.goto(dev_server + "/_dev/mail")
        links = page.locator("tbody tr", has_text=to).locator("a", has_text=SUBJECT)
        if links.count() > seen:
            break
        assert time.monotonic() < deadline, f"no sign-in mail to {to}"
        time.sleep(0.2)
    links.first.click()  # the mailbox lists the newest first
    return page.locator("#mail-links a", has_text="/api/staff_login?token=").first.get_attribute("href") or ""


def login_mails(page: Page, dev_server: str, to: str) -> int:
    page.goto(dev_server + "/_dev/mail")
    return page.locator("tbody tr", has_text=to).locator("a", has_text=SUBJECT).count()


def sign_in(page: Page, dev_server: str, email: str = VERIFIER) -> None:
    seen = login_mails(page, dev_server, email)
    page.goto(dev_server + "/api/staff_login")
    page.fill("#email", email)
    page.click("#send-link-button")
    expect(page.locator("h1")).to_have_text("Periksa email Anda")
    link = mailed_login_link(page, dev_server, email, seen)
    page.goto(link)
    page.click("#sign-in-button")
    expect(page.locator("h1")).to_have_text("Antrean permohonan")


def test_browser_staff_sign_in_through_the_mailed_link_and_approve_from_the_queue(
    dev_server: str, page: Page, tmp_path: Path
) -> None:
    number = submit_through_the_form(dev_server, page, tmp_path)

    page.goto(dev_server + "/api/staff_console")
    expect(page.locator("h1")).to_have_text("Silakan masuk")
    assert_accessible(page, "console without a session")
    page.click("#sign-in-link")
    expect(page.locator("h1")).to_have_text("Masuk ke konsol Vicon")
    assert_accessible(page, "sign-in form")
    seen = login_mails(page, dev_server, VERIFIER)
    page.goto(dev_server + "/api/staff_login")
    page.fill("#email", VERIFIER)
    page.click("#send-link-button")
    expect(page.locator("#link-sent")).to_contain_text(VERIFIER)
    assert_accessible(page, "link sent page")

    link = mailed_login_link(page, dev_server, VERIFIER, seen)
    for _ in range(2):  # a mail scanner's visits: nothing happens
        page.goto(link)
        expect(page.locator("#login-email")).to_have_text(VERIFIER)
    assert page.context.cookies() == []
    assert_accessible(page, "sign-in confirmation")
    page.click("#sign-in-button")
    expect(page.locator("h1")).to_have_text("Antrean permohonan")
    [cookie] = page.context.cookies()
    assert cookie["name"] == "vicon_konsol" and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert not cookie["secure"]  # the dev server's PUBLIC_BASE_URL is http
    assert 0 < cookie["expires"] - time.time() <= 12 * 3600 + 5
    assert_accessible(page, "queue page")

    row = page.locator(f"#row-{number}")
    expect(row).to_contain_text("Diajukan, menunggu verifikasi")
    expect(row).to_contain_text("Sosialisasi Kurikulum Merdeka")
    page.set_viewport_size(DESKTOP)
    assert_accessible(page, "queue page on a desktop")
    page.set_viewport_size(PHONE)

    row.locator("a.row-link").click()
    expect(page.locator("h1")).to_have_text(f"Permohonan {number}")
    expect(page.locator("#audit-trail")).to_contain_text("Diajukan")
    expect(page.locator("#mail-history")).to_contain_text(f"Tanda terima permohonan {number}")
    assert_accessible(page, "request page")

    page.click("#approve-button")  # without the confirmation the browser keeps the form
    assert page.eval_on_selector("#confirm", "c => c.validationMessage")
    page.check("#confirm")
    page.click("#approve-button")
    expect(page.locator("#action-done")).to_have_text("Permohonan disetujui.", timeout=15_000)
    expect(page.locator("#request-status")).to_have_text("Meeting siap")
    expect(page.locator("#audit-trail")).to_contain_text(VERIFIER)
    expect(page.locator("#audit-trail")).to_contain_text("konsol")
    expect(page.locator("#meeting-details")).to_contain_text("Tautan peserta")
    assert_accessible(page, "request page after the approval")

    page.click("#sign-out-button")
    expect(page.locator("h1")).to_have_text("Anda sudah keluar")
    assert page.context.cookies() == []
    assert_accessible(page, "signed-out page")
    response = page.goto(dev_server + f"/api/staff_request?id={number}")
    assert response is not None and response.status == 401


def test_browser_a_console_post_from_another_origin_is_refused(dev_server: str, page: Page, tmp_path: Path) -> None:
    sign_in(page, dev_server)
    # A form on another site posting to the console: the browser sends that site's origin (and, SameSite=Strict,
    # no cookie); the answer is 403 and nothing is signed out.
    form = f'<form method="post" action="{dev_server}/api/staff_logout"><button id="go">Kirim</button></form>'
    page.route("http://lain.example/**", lambda route: route.fulfill(body=form, content_type="text/html"))
    page.goto("http://lain.example/")
    with page.expect_navigation():
        page.click("#go")
    expect(page.locator("h1")).to_have_text("Permintaan ditolak")
    assert_accessible(page, "refused-origin page")
    page.goto(dev_server + "/api/staff_console")
    expect(page.locator("h1")).to_have_text("Antrean permohonan")
