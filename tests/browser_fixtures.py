"""Browser-tier fixtures: the real dev server in a subprocess, Debian's chromium, and a phone-sized page.

Registered as a plugin by tests/conftest.py, so every browser test module shares them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from tests.ports import START_ATTEMPTS, PortTaken, bind_failed, free_port
from vicon.settings import REPO_DIR

CHROMIUM = "/usr/bin/chromium"


@contextmanager
def serve_dev(tmp_path_factory: pytest.TempPathFactory, **extra_env: str) -> Iterator[str]:
    """The real dev server (`python -m vicon_dev.devserver`) on a free port with its own data folder.

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
        PYTHONPATH=os.pathsep.join([str(REPO_DIR / "functions"), str(REPO_DIR / "devtools")]),
        VERIFIER_EMAILS="verifikator@diskominfo.example",
    )
    for name in ("SMTP_HOST", "STORE_URL", "BLOB_URL", "PUBLIC_BASE_URL", "SIGNING_KEY", "TIMEZONE"):
        env.pop(name, None)
    env.update(extra_env)
    log_path = data_dir / "server.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "vicon_dev.devserver"], cwd=REPO_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
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
