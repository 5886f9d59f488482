"""Browser tier for the API page (site/api.html): the OpenAPI document the dev server answers, rendered by our own
script with no third-party assets, on a phone and a desktop, checked with the accessibility helper (axe-core WCAG
2.2 A/AA, no sideways scrolling, 44 px buttons); the page fixture fails on any CSP violation."""

from __future__ import annotations

import json
import urllib.request

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.a11y import DESKTOP, assert_accessible
from tests.browser_fixtures import REPORT_CSP_VIOLATIONS, is_csp_report

pytestmark = pytest.mark.browser


def served_document(dev_server: str) -> dict[str, object]:
    with urllib.request.urlopen(f"{dev_server}/api/openapi.json", timeout=10) as answer:
        return dict(json.load(answer))


def test_browser_api_page_shows_every_operation_its_fields_limits_and_answers(dev_server: str, page: Page) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(dev_server + "/api.html")
    expect(page.locator("#api")).to_be_visible(timeout=10_000)
    doc = served_document(dev_server)
    paths = doc["paths"]
    assert isinstance(paths, dict)
    operations = [f"{method.upper()} /api{path}" for path, methods in paths.items() for method in methods]
    expect(page.locator("#toc li")).to_have_count(len(operations))
    for name in operations:
        expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    submit = page.locator("#op-submit_request")
    expect(submit).to_contain_text("multipart/form-data")
    expect(submit).to_contain_text("paling banyak 20.000 karakter")  # participants, from intake.TEXT_LIMITS
    expect(submit).to_contain_text("rapat_koordinasi")
    expect(submit).to_contain_text("Retry-After")
    expect(page.locator("#schema-Errors")).to_be_visible()
    assert all(url.startswith(dev_server) for url in requests), "the page loads only from our own server"
    assert_accessible(page, "the API page on a phone")


def test_browser_api_page_on_a_desktop_and_when_the_document_cannot_be_had(dev_server: str, browser: Browser) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="id-ID")
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    violations: list[str] = []
    page = context.new_page()
    page.on("console", lambda message: violations.append(message.text) if is_csp_report(message) else None)
    page.goto(dev_server + "/api.html")
    expect(page.locator("#api")).to_be_visible(timeout=10_000)
    assert_accessible(page, "the API page on a desktop")

    page.route("**/api/openapi.json", lambda route: route.fulfill(status=503, body="{}"))
    page.reload()
    expect(page.locator("#api-error")).to_be_visible(timeout=10_000)
    expect(page.locator("#api-error-text")).to_contain_text("503")
    assert_accessible(page, "the API page without its document")
    context.close()
    assert violations == []
