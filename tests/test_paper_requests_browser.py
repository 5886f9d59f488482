"""Browser tier for the console's registration forms against the real dev server (decision 0034): an officer signs in
through the mailed link, registers a paper letter's request through the page (a refused try first, then a good
one) and a complaint taken by phone; each page checked with the accessibility helper at 390 px and on a desktop
(axe-core WCAG 2.2 A/AA, no sideways scrolling, 44 px buttons). Screenshots go to the test's temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import FloatRect, Page, expect

from tests.a11y import DESKTOP, PHONE, assert_accessible
from tests.browser_fixtures import serve_dev
from tests.pdfs import one_page_pdf
from tests.test_staff_console_browser import sign_in

pytestmark = pytest.mark.browser
OFFICER = "petugas@diskominfo.example"
PIECE = 1400  # px of the phone page per screenshot


@pytest.fixture(scope="module")
def officer_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_dev(tmp_path_factory, OPERATOR_EMAILS=OFFICER, SUPERVISOR_EMAILS="kabid@diskominfo.example") as base:
        yield base


def check_page(page: Page, what: str, shots: Path) -> None:
    """Accessible at 390 px and on a desktop, with a full-page screenshot of each."""
    page.set_viewport_size(PHONE)
    assert_accessible(page, what)
    name = what.replace(" ", "-")
    page.screenshot(path=str(shots / f"{name}-390.png"), full_page=True)
    height = page.evaluate("() => document.documentElement.scrollHeight")
    for index, top in enumerate(range(0, height - 200, PIECE)):  # readable pieces of the long phone page
        piece: FloatRect = {"x": 0, "y": top, "width": PHONE["width"], "height": min(PIECE, height - top)}
        page.screenshot(path=str(shots / f"{name}-390-{index}.png"), full_page=True, clip=piece)
    page.set_viewport_size(DESKTOP)
    assert_accessible(page, f"{what} on a desktop")
    page.screenshot(path=str(shots / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)


def test_browser_an_officer_registers_a_paper_request_and_a_phone_complaint(
    officer_server: str, page: Page, tmp_path: Path
) -> None:
    letter = tmp_path / "pindaian-surat.pdf"
    letter.write_bytes(one_page_pdf())
    options = page.request.get(officer_server + "/api/intake_options").json()
    day = options["earliest_event_date"]

    sign_in(page, officer_server, OFFICER)
    page.click("#new-request-link")
    expect(page.locator("h1")).to_have_text("Catat permohonan dari surat fisik")
    check_page(page, "paper request form", tmp_path)

    # Without JavaScript checks the server refuses, naming each field; what was typed stays.
    page.fill("#event_name", "Rapat Evaluasi Program Posyandu")
    page.fill("#contact_email", "bukan-alamat")
    page.click("#register-request-button")
    expect(page.locator("#error-summary")).to_contain_text("Belum tercatat")
    expect(page.locator("#contact_email-error")).not_to_be_empty()
    expect(page.locator("#letter-error")).to_contain_text("wajib dilampirkan")
    expect(page.locator("#event_name")).to_have_value("Rapat Evaluasi Program Posyandu")
    check_page(page, "paper request refused", tmp_path)

    page.fill("#opd", "Dinas Kesehatan")
    page.select_option("#event_type", "rapat_koordinasi")
    page.fill("#start", f"{day}T09:00")
    page.fill("#end", f"{day}T11:00")
    page.fill("#participant_count", "30")
    page.fill("#participants", "Kader Posyandu Desa Cigasong\nBidan Desa Cigasong")
    page.fill("#speakers", "Kepala Bidang Kesehatan Masyarakat")
    page.fill("#contact_name", "Siti Aminah")
    page.fill("#contact_phone", "0812 1111 2222")
    page.fill("#contact_email", "siti@dinkes.example.go.id")
    page.fill("#letter_number", "440/77/Dinkes")
    page.fill("#letter_date", options["today"])
    page.set_input_files("#letter", str(letter))
    page.click("#register-request-button")
    expect(page.locator("#action-done")).to_contain_text("Permohonan dari surat fisik tercatat", timeout=15_000)
    expect(page.locator("#received-via")).to_have_text(f"surat fisik (dicatat oleh {OFFICER})")
    expect(page.locator("#request-status")).to_have_text("Diajukan, menunggu verifikasi")
    expect(page.locator("#audit-trail")).to_contain_text(OFFICER)
    check_page(page, "paper request registered", tmp_path)

    page.click("#new-complaint-link")
    expect(page.locator("h1")).to_have_text("Catat pengaduan, saran atau masukan")
    check_page(page, "complaint form", tmp_path)
    page.check("#category-pengaduan")
    page.select_option("#channel", "phone")
    page.fill("#message", "Penelepon: tautan rapat kemarin tidak bisa dibuka dari ponsel.")
    page.fill("#name", "Ibu Rina")
    page.fill("#phone", "0813 2222 3333")
    page.click("#register-complaint-button")
    expect(page.locator("#complaint-registered")).to_contain_text("Pengaduan tercatat")
    expect(page.locator("#complaint-number")).to_contain_text("PG-")
    check_page(page, "complaint registered", tmp_path)
