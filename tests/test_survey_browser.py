"""Browser tier for the satisfaction survey, through the real flow on the real dev server: a request submitted
through the form, approved from the mailbox, completed by a signed meeting.ended webhook; the requester's survey
mail; the survey page (site/survei.html) filled and sent on a 390 px phone, then opened again. Every state passes
the accessibility helper (axe-core WCAG 2.2 A/AA, no sideways scrolling, 44 px buttons)."""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.a11y import DESKTOP, PHONE, assert_accessible
from tests.browser_fixtures import serve_dev
from tests.pdfs import one_page_pdf
from tests.test_browser import fill_valid_form
from tests.test_site_accessibility_browser import approve_from_the_mailbox
from vicon_dev.zoom_webhooks import event_bytes, meeting_ended_event, signed_webhook_headers

pytestmark = pytest.mark.browser
SECRET = "rahasia-webhook-survei"  # test-only webhook secret of this dev server


@pytest.fixture(scope="module")
def webhook_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_dev(tmp_path_factory, ZOOM_WEBHOOK_SECRET=SECRET) as base:
        yield base


def _json(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return dict(json.loads(answer.read()))


def end_the_meeting(base: str, status_href: str) -> str:
    """Zoom's meeting.ended for the request behind `status_href`, signed as Zoom signs it; the request's id."""
    query = parse_qs(urlsplit(status_href).query)
    status = _json(f"{base}/api/request_status?id={query['id'][0]}&token={query['token'][0]}")
    meeting = status["meeting"]
    assert isinstance(meeting, dict)
    start = dt.datetime.fromisoformat(str(meeting["start"]).replace("Z", "+00:00"))
    end = dt.datetime.fromisoformat(str(meeting["end"]).replace("Z", "+00:00"))
    body = event_bytes(
        meeting_ended_event(
            account_id="sandbox",
            meeting_id=meeting["id"],
            uuid="survei-uji-uuid==",
            host_id="host",
            host_email="host-besar@vicon.example",
            topic=str(status["event_name"]),
            start_time=start,
            end_time=end,
            duration=int((end - start).total_seconds() // 60),
        )
    )
    headers = signed_webhook_headers(SECRET, body, dt.datetime.now(dt.UTC))
    sent = urllib.request.Request(f"{base}/api/zoom_webhook", data=body, headers=headers, method="POST")
    with urllib.request.urlopen(sent, timeout=10) as answer:
        assert answer.status == 200
    return str(status["id"])


def survey_link(page: Page, base: str, request_id: str) -> str:
    """The link in the requester's survey mail, once the job that sends it has run."""
    deadline = time.monotonic() + 20
    while True:
        page.goto(base + "/_dev/mail")
        mail = page.locator("tbody a", has_text=f"Survei kepuasan layanan {request_id}")
        if mail.count():
            break
        assert time.monotonic() < deadline, "no survey mail arrived"
        time.sleep(0.5)
    mail.first.click()
    href = page.locator("#mail-links a", has_text="/survei.html?token=").first.get_attribute("href")
    assert href
    return href


def test_browser_a_survey_is_sent_through_the_site_on_a_phone(
    webhook_server: str, browser: Browser, tmp_path: Path
) -> None:
    base = webhook_server
    context = browser.new_context(viewport=PHONE, locale="id-ID")
    page = context.new_page()
    letter = tmp_path / "surat.pdf"
    letter.write_bytes(one_page_pdf())
    page.goto(base + "/")
    fill_valid_form(page, letter)
    page.click("#submit-button")
    expect(page.locator("#success")).to_be_visible(timeout=15_000)
    status_href = page.locator("#status-link").get_attribute("href") or ""
    approve_from_the_mailbox(page, base, "")
    request_id = end_the_meeting(base, status_href)
    link = survey_link(page, base, request_id)

    page.goto(link)
    expect(page.locator("#survey-request")).to_have_text(request_id, timeout=10_000)
    expect(page.locator("#survey-form")).to_be_visible()
    assert_accessible(page, "the survey page")

    page.click("#survey-submit")  # nothing chosen: the page names each unanswered element
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#u1-error")).to_contain_text("Persyaratan")
    assert page.locator("#error-summary li").count() == 9
    assert_accessible(page, "the survey page with its error summary")

    for number, value in enumerate((4, 3, 4, 4, 3, 4, 4, 3, 4), 1):
        page.get_by_role("group", name=f"{number}.").get_by_label(
            page.locator(f"label[for='u{number}-{value}']").inner_text(), exact=True
        ).check()
    page.select_option("#usia", "35_44")
    page.select_option("#pekerjaan", "pns")
    page.fill("#comment", "Tautan dan petugas sangat membantu.")
    page.click("#survey-submit")
    expect(page.locator("#survey-done")).to_be_visible(timeout=10_000)
    expect(page.locator("#survey-done-title")).to_have_text("Terima kasih")
    expect(page.locator("#survey-done")).to_be_focused()
    expect(page.locator("#survey-form")).to_be_hidden()
    assert_accessible(page, "the survey page after sending")

    # The same link again: one survey per request.
    page.goto(link)
    expect(page.locator("#survey-done-title")).to_have_text("Survei sudah diisi", timeout=10_000)
    assert_accessible(page, "the survey page of an answered survey")
    again = page.evaluate(
        """([token]) => { const f = new FormData(); f.append('token', token);
             for (let n = 1; n <= 9; n++) f.append('u' + n, '4');
             return fetch('/api/submit_survey', {method: 'POST', body: f}).then(r => r.status); }""",
        [parse_qs(urlsplit(link).query)["token"][0]],
    )
    assert again == 409

    desktop = browser.new_page(viewport=DESKTOP, locale="id-ID")
    desktop.goto(link)
    expect(desktop.locator("#survey-done")).to_be_visible(timeout=10_000)
    assert_accessible(desktop, "the answered survey on a desktop")
    desktop.goto(base + "/survei.html?token=tautan-rusak")
    expect(desktop.locator("#survey-error")).to_be_visible(timeout=10_000)
    assert_accessible(desktop, "the survey page with a bad link")
    desktop.close()
    context.close()


def test_browser_the_quarterly_report_fits_a4_and_a_phone_and_passes_axe(
    webhook_server: str, page: Page, tmp_path: Path
) -> None:
    from tests.report_data import synthetic
    from tests.test_report_compute import LEVEL, NOW, Q3
    from vicon.rendering import render
    from vicon.reporting.compute import compute
    from vicon.reporting.facts import QuarterFacts, request_facts
    from vicon.reporting.render import render_html
    from vicon.settings import Settings

    tz = Settings().tz
    current = QuarterFacts(Q3, tuple(request_facts(r) for r in synthetic(120, Q3)), ())
    previous = QuarterFacts(Q3.previous(), tuple(request_facts(r) for r in synthetic(60, Q3.previous(), 4)), ())
    report = compute(current, previous, LEVEL, NOW)
    html = render_html(report, lambda name, **c: render("Asia/Jakarta", name, **c), tz, lambda slug: f"{slug}.csv")
    (tmp_path / "laporan.html").write_text(html, encoding="utf-8")
    for width in (794, PHONE["width"]):
        page.set_viewport_size({"width": width, "height": 1123})
        page.goto((tmp_path / "laporan.html").as_uri())
        expect(page.locator("#ikm")).to_contain_text("Indeks Kepuasan Masyarakat")
        assert_accessible(page, f"the quarterly report at {width} px")
