"""Browser tier: another regency adopts Vicon by configuration alone (REGENCY_NAME, CONTACT_EMAIL, OPD_LIST, …).

The site's HTML names no regency: its header, footer and contact blocks come from intake_options' `identity`,
and the OPD field offers that regency's OPD_LIST (docs/decisions/0013-opd-list.md).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.a11y import assert_accessible
from tests.browser_fixtures import serve_dev

pytestmark = pytest.mark.browser

KUNINGAN = {
    "REGENCY_NAME": "Kabupaten Kuningan",
    "OFFICE_SHORT_NAME": "Diskominfo Kuningan",
    "CONTACT_EMAIL": "diskominfo@kuningankab.go.id",
    "PIC_WHATSAPP": "0812-2345-6789",
}
KUNINGAN_OPD = ["Dinas Kesehatan", "Dinas Pendidikan", "Kecamatan Cilimus", "Kecamatan Luragung"]


@pytest.fixture(scope="module")
def kuningan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    opd_file = tmp_path_factory.mktemp("opd") / "opd-kuningan.txt"
    opd_file.write_text("# Kabupaten Kuningan\n" + "\n".join(KUNINGAN_OPD) + "\n", encoding="utf-8")
    with serve_dev(tmp_path_factory, OPD_LIST=str(opd_file), **KUNINGAN) as base:
        yield base


def test_browser_index_shows_the_configured_regency_and_its_contact(kuningan: str, page: Page) -> None:
    page.goto(kuningan + "/")
    expect(page.locator("header.top")).to_contain_text("Kabupaten Kuningan")
    expect(page.locator("header.top")).to_contain_text("Diskominfo Kuningan")
    footer = page.locator("footer.foot")
    expect(footer.get_by_role("link", name="diskominfo@kuningankab.go.id")).to_have_attribute(
        "href", "mailto:diskominfo@kuningankab.go.id"
    )
    expect(footer.get_by_role("link", name="+6281223456789")).to_have_attribute("href", "https://wa.me/6281223456789")
    expect(page).to_have_title("Permohonan Fasilitasi Zoom Meeting · Vicon · Diskominfo Kuningan")
    assert "Majalengka" not in page.locator("body").inner_text()


def test_browser_status_page_shows_the_configured_contact(kuningan: str, page: Page) -> None:
    page.goto(kuningan + "/status.html")  # no link: the error box with its contact block
    help_text = page.locator("#status-error-help")
    expect(help_text).to_be_visible()
    expect(help_text).to_contain_text("hubungi Diskominfo Kuningan")
    expect(help_text.get_by_role("link", name="diskominfo@kuningankab.go.id")).to_be_visible()
    expect(page.locator("header.top")).to_contain_text("Kabupaten Kuningan")
    assert "Majalengka" not in page.locator("body").inner_text()


def test_browser_opd_field_offers_the_list_and_lainnya_reveals_the_other_field(kuningan: str, page: Page) -> None:
    page.goto(kuningan + "/")
    options = page.locator("#opd-list option")
    expect(options).to_have_count(len(KUNINGAN_OPD) + 1)
    assert [options.nth(i).get_attribute("value") for i in range(options.count())] == [*KUNINGAN_OPD, "Lainnya"]
    opd = page.get_by_label("Perangkat daerah (OPD) pemohon")
    expect(opd).to_have_attribute("list", "opd-list")
    other = page.locator("#opd_other")
    expect(other).to_be_hidden()

    opd.fill("lainnya")
    expect(other).to_be_visible()
    opd.press("Tab")  # leaving the field: the list's spelling
    expect(opd).to_have_value("Lainnya")
    expect(page.get_by_label("Nama perangkat daerah/instansi lainnya")).to_be_focused()
    assert_accessible(page, "index.html with Lainnya chosen")

    page.click("#submit-button")  # nothing else filled: the client names the empty other field too
    expect(page.locator("#opd_other-error")).to_have_text("Tulis nama perangkat daerah/instansi lainnya.")

    opd.fill("kecamatan cilimus")
    opd.press("Tab")
    expect(opd).to_have_value("Kecamatan Cilimus")
    expect(other).to_be_hidden()
    expect(other).to_be_disabled()  # not sent with the form

    opd.fill("Kecamatan Majalengka")
    opd.press("Tab")
    expect(page.locator("#opd-error")).to_contain_text("tidak ada dalam daftar")


def test_browser_without_javascript_the_form_keeps_the_other_field_and_names_no_regency(
    kuningan: str, page: Page
) -> None:
    context = page.context.browser.new_context(java_script_enabled=False)  # type: ignore[union-attr]
    try:
        plain = context.new_page()
        plain.goto(kuningan + "/")
        expect(plain.locator("#opd_other")).to_be_visible()  # free text stays possible, the server checks it
        body = plain.locator("body").inner_text()
        assert "Majalengka" not in body and "Kuningan" not in body  # the static text is every regency's
        expect(plain.locator("footer.foot")).to_contain_text("Pengaduan, saran, dan masukan")
    finally:
        context.close()
