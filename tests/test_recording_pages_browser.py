"""Browser tier for the recording pages: the staff decision on a recording made without consent and the
organiser's downloads, rendered as the targets render them, with the site's stylesheet, on a 390 px phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.a11y import assert_accessible
from tests.harness import Harness, HarnessFactory
from tests.test_templates import cases

pytestmark = pytest.mark.browser
PAGES = ("pages/recording_decision", "pages/recordings")


@pytest.fixture
def staffed(make_harness: HarnessFactory) -> Harness:
    return make_harness(OPERATOR_EMAILS="operator@diskominfo.example", SUPERVISOR_EMAILS="kabid@diskominfo.example")


@pytest.mark.parametrize("template", PAGES)
def test_browser_recording_pages_fit_a_phone_and_pass_axe(
    staffed: Harness, dev_server: str, page: Page, template: str
) -> None:
    for case in cases(staffed)[template]:
        # The stylesheet and logo come from a running server, as they would from the site.
        context = dict(case.context, base_url=dev_server)
        page.set_content(staffed.core.render(f"{template}.html", **context), wait_until="load")
        expect(page.locator("h1")).to_be_visible()
        assert_accessible(page, f"{template} ({case.label})")
        buttons = page.locator("button, a.btn")
        for n in range(buttons.count()):
            box = buttons.nth(n).bounding_box()
            assert box is not None and box["height"] >= 44 and box["width"] >= 44, (template, case.label)
