"""Browser tier: Debian's chromium, driven by Playwright, against `make run`'s dev server."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from tests.pdfs import one_page_pdf
from tests.ports import START_ATTEMPTS, PortTaken, bind_failed, free_port
from vicon.settings import REPO_DIR

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"


@contextmanager
def serve_dev(tmp_path_factory: pytest.TempPathFactory, **extra_env: str) -> Iterator[str]:
    """The real dev server (`python -m vicon.devserver`) on a free port with its own data folder.

    A subprocess that takes its port from PORT, so the port is picked before the server binds it; when the
    bind fails (another process took the port meanwhile) the server is started again on a fresh port.
    """
    for attempt in range(1, START_ATTEMPTS + 1):
        try:
            with _started_dev_server(tmp_path_factory, **extra_env) as base:
                yield base
                return
        except PortTaken:
            if attempt == START_ATTEMPTS:
                raise


@contextmanager
def _started_dev_server(tmp_path_factory: pytest.TempPathFactory, **extra_env: str) -> Iterator[str]:
    port = free_port()
    data_dir = tmp_path_factory.mktemp("devserver")
    env = dict(
        os.environ,
        PORT=str(port),
        VICON_DATA_DIR=str(data_dir),
        PYTHONPATH=str(REPO_DIR / "functions"),
        VERIFIER_EMAILS="verifikator@diskominfo.example",
    )
    for name in ("SMTP_HOST", "STORE_URL", "BLOB_URL", "PUBLIC_BASE_URL", "SIGNING_KEY", "TIMEZONE"):
        env.pop(name, None)
    env.update(extra_env)
    log_path = data_dir / "server.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "vicon.devserver"], cwd=REPO_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/intake_options", timeout=1):
                    if bind_failed(log_path):  # someone else's server on the port we lost
                        raise PortTaken(f"port {port} was taken before the dev server could bind it")
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    if bind_failed(log_path):
                        raise PortTaken(f"port {port} was taken before the dev server could bind it") from None
                    raise RuntimeError(log_path.read_text()) from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_dev(tmp_path_factory) as base:
        yield base


@pytest.fixture(scope="module")
def dev_server_wita(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A region east of Jakarta: the site must take its zone from the server, not assume WIB."""
    with serve_dev(tmp_path_factory, TIMEZONE="Asia/Makassar") as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


# Reports every CSP violation, in any frame, to the console, where the page fixture collects it.
REPORT_CSP_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', e =>
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI + ' in ' + e.documentURI));
"""


def is_csp_report(message: ConsoleMessage) -> bool:
    text = message.text
    return "Content Security Policy" in text or "CSP violation" in text or "X-Frame-Options" in text


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A phone-sized page; the test fails if any page it visited reported a CSP violation."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text) if is_csp_report(message) else None)
    yield page
    context.close()
    assert violations == [], "the site's pages need something their Content-Security-Policy refuses"


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

    from vicon.store import parse_iso

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
