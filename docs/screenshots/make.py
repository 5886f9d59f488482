"""Regenerate the README's screenshots of the review page: `.venv/bin/python docs/screenshots/make.py`.

Starts the dev server on a fresh data folder (as the browser tests do), submits one request through the form,
opens the verifier's review link from the dev mailbox and saves the whole page on a phone (390×844) and on a
desktop (1280×900), plus the page after the approval on the phone.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(REPO), str(REPO / "functions"), str(REPO / "devtools")]

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.a11y import DESKTOP, PHONE  # noqa: E402
from tests.browser_fixtures import CHROMIUM, serve_dev  # noqa: E402
from tests.pdfs import one_page_pdf  # noqa: E402
from tests.test_browser import fill_valid_form  # noqa: E402


class _Folders:
    """The one method of pytest's TempPathFactory that serve_dev uses."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def mktemp(self, name: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=name, dir=self.root))


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        root = Path(scratch)
        letter = root / "surat-permohonan.pdf"
        letter.write_bytes(one_page_pdf())
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        with serve_dev(_Folders(root)) as base:  # type: ignore[arg-type]
            page = browser.new_page(viewport=PHONE, locale="id-ID")
            page.goto(base + "/")
            fill_valid_form(page, letter)
            participants = ["SDN 1 Majalengka", "SDN 2 Majalengka", "SMPN 1 Majalengka", "Korwil Pendidikan Kadipaten"]
            page.fill("#participants", "\n".join(participants))
            page.click("#submit-button")
            page.locator("#success").wait_for(timeout=15_000)
            number = page.locator("#request-number").inner_text().strip()
            page.goto(base + "/_dev/mail")
            page.locator("tbody a", has_text=f"Permohonan baru {number}").first.click()
            review = page.locator("#mail-links a", has_text="/api/review_request?token=").first.get_attribute("href")
            assert review
            for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
                shot = browser.new_page(viewport=viewport, locale="id-ID")
                shot.goto(review)
                shot.screenshot(path=str(HERE / f"review-{name}.png"), full_page=True)
                shot.close()
            page.goto(review)
            page.check("#confirm")
            page.click("#approve-button")
            page.locator("#decision-status").wait_for(timeout=15_000)
            page.screenshot(path=str(HERE / "decided-phone.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
