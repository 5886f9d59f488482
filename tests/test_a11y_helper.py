"""The accessibility helper itself: it must fail on pages that break each rule, or its passes mean nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.a11y import PHONE, assert_accessible, axe_violations, sideways_overflow, small_targets

pytestmark = pytest.mark.browser

GOOD = """<!doctype html><html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Uji</title></head>
<body><main><h1>Judul</h1><p>Teks yang cukup kontras.</p>
<button style="min-width:44px;min-height:44px">Kirim</button></main></body></html>"""


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE)
    yield context.new_page()
    context.close()


def test_a11y_helper_passes_a_plain_accessible_page(phone_page: Page) -> None:
    phone_page.set_content(GOOD)
    assert_accessible(phone_page, "good page")


def test_a11y_helper_finds_low_contrast_a_missing_label_and_a_missing_lang(phone_page: Page) -> None:
    phone_page.set_content(
        "<!doctype html><html><head><title>x</title></head><body><main><h1>x</h1>"
        '<p style="color:#fff;background:#f4f6f8">Vicon · Diskominfo</p><input type="text"></main></body></html>'
    )
    found = {violation["id"] for violation in axe_violations(phone_page)}
    assert {"color-contrast", "label", "html-has-lang"} <= found, found


def test_a11y_helper_finds_sideways_scrolling_and_small_buttons(phone_page: Page) -> None:
    phone_page.set_content(
        GOOD.replace("<h1>Judul</h1>", '<h1>Judul</h1><div style="width:902px">lebar</div><button>Tolak</button>')
    )
    assert sideways_overflow(phone_page) > 500
    assert any('"Tolak"' in target for target in small_targets(phone_page))
    with pytest.raises(AssertionError):
        assert_accessible(phone_page, "bad page")
