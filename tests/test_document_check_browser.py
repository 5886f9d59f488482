"""Browser tier for the document check: signed letters submitted through the form, the review page's
"Pemeriksaan dokumen" section on a phone (axe-core WCAG 2.2 A/AA, no sideways scrolling at 390 px) and the
verifier's mail HTML, with a signature verified and one flagged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.a11y import assert_accessible, sideways_overflow
from tests.browser_fixtures import serve_dev
from tests.pdfs import text_letter
from tests.signed_letters import SIGNER, make_pki, rewrite_after_signing, shared_pki, sign
from tests.test_browser import fill_valid_form
from tests.test_pages_browser import review_url

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def trusting_dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    roots = tmp_path_factory.mktemp("roots")
    with serve_dev(tmp_path_factory, TRUSTED_SIGNATURE_ROOTS=str(shared_pki().write_root(roots))) as base:
        yield base


def submit_letter(dev_server: str, page: Page, letter: Path) -> str:
    page.goto(dev_server + "/")
    fill_valid_form(page, letter)
    page.click("#submit-button")
    expect(page.locator("#success")).to_be_visible(timeout=15_000)
    return page.locator("#request-number").inner_text().strip()


def test_browser_review_page_shows_a_verified_and_a_flagged_signature_accessibly(
    trusting_dev_server: str, page: Page, tmp_path: Path
) -> None:
    # Signed by the trusted signer, changed afterwards, then signed again by someone whose CA is not installed:
    # the first signature is flagged, the second is intact but untrusted.
    changed = rewrite_after_signing(sign(text_letter(), shared_pki()), ["Nomor : 999/9/Palsu/2026"])
    letter = tmp_path / "surat-bertanda-tangan.pdf"
    letter.write_bytes(sign(changed, make_pki("Penanda Tangan Kedua dengan Nama yang Panjang Sekali"), "TTE-2"))
    number = submit_letter(trusting_dev_server, page, letter)

    page.goto(review_url(page, trusting_dev_server, number))
    section = page.locator("#document-check")
    expect(section.locator("h2")).to_have_text("Pemeriksaan dokumen")
    expect(page.locator("#check-summary")).to_contain_text("tanda tangan tidak valid (1 dari 2)")
    signatures = page.locator("#check-signatures li")
    expect(signatures).to_have_count(2)
    expect(signatures.nth(0)).to_contain_text("Tanda tangan tidak valid: dokumen berubah setelah ditandatangani")
    expect(signatures.nth(1)).to_contain_text("dokumen utuh, tetapi sertifikat tidak berasal dari penerbit")
    expect(page.locator("#decision-form")).to_be_visible()  # a flag, never a refusal
    assert sideways_overflow(page) <= 0
    assert_accessible(page, "review page with a flagged signature")

    mail = tmp_path / "mail"
    mail.mkdir()
    page.goto(trusting_dev_server + "/_dev/mail")
    page.locator("tbody a", has_text=f"Permohonan baru {number}").first.click()
    expect(page.locator("#mail-text")).to_contain_text("Pemeriksaan dokumen")
    expect(page.locator("#mail-text")).to_contain_text("tanda tangan tidak valid")


def test_browser_a_letter_signed_under_an_installed_root_reads_as_verified(
    trusting_dev_server: str, page: Page, tmp_path: Path
) -> None:
    letter = tmp_path / "surat-tte.pdf"
    letter.write_bytes(sign(text_letter(), shared_pki()))
    number = submit_letter(trusting_dev_server, page, letter)
    page.goto(review_url(page, trusting_dev_server, number))
    expect(page.locator("#check-signatures li")).to_contain_text(f"Ditandatangani elektronik oleh {SIGNER}")
    expect(page.locator("#check-signatures li")).to_contain_text(
        "sertifikat dipercaya (Uji Root CA Indonesia), dokumen utuh"
    )
    assert sideways_overflow(page) <= 0
    assert_accessible(page, "review page with a verified signature")
