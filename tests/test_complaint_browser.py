"""Browser tier: a complaint sent through site/pengaduan.html on the real dev server, answered by an officer from the
mailed link, and one received by phone registered by an officer; every page and state passes the accessibility
helper (axe-core WCAG 2.2 A/AA, nothing wider than 390 px, 44 px buttons)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.a11y import DESKTOP, PHONE, assert_accessible

pytestmark = pytest.mark.browser

SENDER = "rina@disdik.example.go.id"
# The dev server's embedded defaults (vicon.settings): one operator and one supervisor.
OPERATOR = "petugas@diskominfo.example"


def open_mail(page: Page, dev_server: str, subject: str | re.Pattern[str]) -> None:
    page.goto(dev_server + "/_dev/mail")
    page.get_by_role("link", name=subject).first.click()


def fill_complaint(page: Page) -> None:
    page.check("#category-saran")
    page.fill("#message", "Mohon tautan Zoom dikirim juga lewat WhatsApp.\nTerima kasih.")
    page.fill("#name", "Rina Marlina")
    page.fill("#email", SENDER)
    page.fill("#phone", "0813 2222 3333")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_browser_every_state_of_the_complaint_form_is_accessible(
    dev_server: str, browser: Browser, viewport: dict[str, int]
) -> None:
    context = browser.new_context(viewport=viewport, locale="id-ID")  # type: ignore[arg-type]
    page = context.new_page()
    page.goto(dev_server + "/pengaduan.html")
    expect(page.locator("h1")).to_have_text("Pengaduan, Saran dan Masukan")
    assert_accessible(page, "the empty complaint form")

    page.click("#submit-button")  # nothing filled: the browser-side checks explain each field
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name=re.compile("Tulis isi"))).to_be_visible()
    expect(page.locator("#message")).to_have_attribute("aria-invalid", "true")
    assert "message-error" in (page.locator("#message").get_attribute("aria-describedby") or "").split()
    assert_accessible(page, "the complaint form with its own error summary")
    summary.get_by_role("link", name=re.compile("Isi nama")).click()
    expect(page.locator("#name")).to_be_focused()

    fill_complaint(page)
    page.fill("#request_id", "VC-2026-999999")  # well-formed, but no such request: the server says so
    page.click("#submit-button")
    expect(page.locator("#request_id-error")).to_contain_text("tidak ditemukan", timeout=10_000)
    expect(page.locator("#message")).to_have_value(re.compile("WhatsApp"))  # what was typed is kept
    assert_accessible(page, "the complaint form with the server's refusal")

    page.fill("#request_id", "")
    page.click("#submit-button")
    success = page.locator("#success")
    expect(success).to_be_visible(timeout=15_000)
    expect(success).to_be_focused()
    expect(page.locator("#success-title")).to_have_text("Saran terkirim")
    assert re.fullmatch(r"PG-\d{4}-\d{6}", page.locator("#complaint-number").inner_text().strip())
    assert_accessible(page, "the complaint form's success panel")
    context.close()


def test_browser_a_complaint_through_the_site_is_answered_from_the_officers_mail(dev_server: str, page: Page) -> None:
    page.goto(dev_server + "/")
    page.locator("footer.foot").get_by_role("link", name="formulir pengaduan").click()
    expect(page).to_have_url(dev_server + "/pengaduan.html")
    fill_complaint(page)
    page.click("#submit-button")
    expect(page.locator("#success")).to_be_visible(timeout=15_000)
    number = page.locator("#complaint-number").inner_text().strip()

    open_mail(page, dev_server, f"[Vicon] Tanda terima saran {number}")
    expect(page.locator("#mail-to")).to_have_text(SENDER)
    expect(page.locator("#mail-text")).to_contain_text("Mohon tautan Zoom dikirim juga lewat WhatsApp.")

    open_mail(page, dev_server, f"[Vicon] Saran baru {number}")
    expect(page.locator("#mail-text")).to_contain_text("+6281322223333")
    page.locator("#mail-links a", has_text="/api/complaint_answer?token=").first.click()
    expect(page.locator("h1")).to_contain_text(f"Saran {number}")
    expect(page.locator("#complaint-status")).to_have_text("Menunggu jawaban")
    assert_accessible(page, "the officer's answer page")

    page.click("#answer-button")  # empty: the browser's own `required` check holds it back
    expect(page.locator("#answer-form")).to_be_visible()
    page.fill("#answer", "Baik, mulai pekan depan tautan juga kami kirim lewat WhatsApp.")
    page.click("#answer-button")
    expect(page.locator("#answer-sent")).to_be_visible(timeout=10_000)
    expect(page.locator("#complaint-status")).to_have_text("Sudah dijawab")
    assert_accessible(page, "the answer page once answered")

    page.go_back()
    page.reload()  # the same link again: read-only now
    expect(page.locator("#answer-result")).to_contain_text("mulai pekan depan")
    expect(page.locator("#answer")).to_have_count(0)

    open_mail(page, dev_server, f"[Vicon] Jawaban atas saran {number}")
    expect(page.locator("#mail-to")).to_have_text(SENDER)
    expect(page.locator("#mail-text")).to_contain_text("mulai pekan depan tautan juga kami kirim lewat WhatsApp.")


def test_browser_without_javascript_the_form_posts_and_answers_with_a_page(dev_server: str, browser: Browser) -> None:
    # The site's scripts never arrive (an old phone, a blocked asset): the form posts natively. A context with
    # JavaScript off entirely cannot run axe-core, so the site's own scripts are refused instead.
    context = browser.new_context(viewport=PHONE, locale="id-ID")
    context.route(re.compile(r".*/assets/[a-z]+\.js$"), lambda route: route.abort())
    page = context.new_page()
    try:
        page.goto(dev_server + "/pengaduan.html")
        page.click("#submit-button")  # empty: the server's page lists what is missing
        expect(page.locator("h1")).to_have_text("Pengaduan belum terkirim")
        expect(page.locator("#error-summary")).to_contain_text("Tulis isi")
        assert_accessible(page, "the refusal page without JavaScript")

        page.goto(dev_server + "/pengaduan.html")
        fill_complaint(page)
        page.click("#submit-button")
        expect(page.locator("h1")).to_have_text("Saran terkirim")
        expect(page.locator("#complaint-number")).to_have_text(re.compile(r"PG-\d{4}-\d{6}"))
        assert_accessible(page, "the success page without JavaScript")
    finally:
        context.close()


def test_browser_an_officer_registers_a_complaint_received_by_phone(dev_server: str, page: Page) -> None:
    page.goto(dev_server + "/pengaduan.html")
    page.get_by_role("link", name="halaman pencatatan petugas").click()
    expect(page.locator("h1")).to_have_text("Pencatatan pengaduan oleh petugas")
    assert_accessible(page, "the page to ask for a registration link")
    page.fill("#email", OPERATOR)
    page.click("#link-button")
    expect(page.locator("h1")).to_have_text("Permintaan diterima")
    assert_accessible(page, "the link request's answer")

    page.goto(dev_server + "/_dev/mail")
    link = page.get_by_role("link", name="[Vicon] Tautan pencatatan pengaduan, saran dan masukan")
    expect(link).to_be_visible(timeout=10_000)  # the local server sends queued mail at once
    link.first.click()
    page.locator("#mail-links a", has_text="/api/complaint_register?token=").first.click()
    expect(page.locator("h1")).to_have_text("Catat pengaduan, saran atau masukan")
    assert_accessible(page, "the registration form")

    page.check("#category-pengaduan")
    page.select_option("#channel", "phone")
    page.fill("#message", "Penelepon: undangan Zoom tidak sampai ke email kantor.")
    page.fill("#name", "Pak Asep (Kecamatan Kadipaten)")
    page.click("#register-button")  # no email and no phone: refused next to the field
    expect(page.locator("#phone-error")).to_contain_text("email atau nomor telepon")
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#name")).to_have_value("Pak Asep (Kecamatan Kadipaten)")
    assert_accessible(page, "the registration form with its errors")

    page.fill("#phone", "0813 4444 5555")
    page.click("#register-button")
    expect(page.locator("h1")).to_have_text("Pengaduan tercatat")
    number = page.locator("#complaint-number").inner_text().strip()
    expect(page.locator("body")).to_contain_text("sampaikan nomor ini")
    assert_accessible(page, "the registration's answer")
    expect(page.locator("#register-again")).to_be_visible()

    open_mail(page, dev_server, f"[Vicon] Pengaduan baru {number}")
    expect(page.locator("#mail-text")).to_contain_text(f"Melalui: Telepon · dicatat oleh {OPERATOR}")
