"""Regenerate the README's screenshot of a quarterly report: `.venv/bin/python docs/screenshots/report.py`.

Builds 2026Q3 (and 2026Q2, which it is compared with) from synthetic requests (tests/report_data.py, a fixed
seed) on a throwaway SQLite store, writes the report as `make report` does (tools/report.py), and saves the top
of the page at an A4 width (794 px, 210 mm at 96 dpi) with Debian's chromium.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(REPO), str(REPO / "functions"), str(REPO / "devtools")]

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser_fixtures import CHROMIUM  # noqa: E402
from tests.report_data import store_records, synthetic  # noqa: E402
from tools.report import write_report  # noqa: E402
from vicon.quarters import Quarter  # noqa: E402
from vicon.settings import Settings  # noqa: E402
from vicon.store.sqlite import SqliteStore  # noqa: E402

A4_WIDTH = 794
SHOWN_HEIGHT = 2 * 1123  # the first two A4 pages' worth


def main() -> None:
    quarter = Quarter(2026, 3)
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        root = Path(scratch)
        store_records(
            SqliteStore(root / "store.sqlite3"),
            synthetic(180, quarter) + synthetic(120, quarter.previous(), seed=4, first_number=1000),
        )
        settings = Settings.from_env(
            {"STORE_URL": f"sqlite:///{root / 'store.sqlite3'}", "VICON_DATA_DIR": str(root), **_identity()}
        )
        html = write_report(quarter, root / "reports", settings)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": A4_WIDTH, "height": 1123}, locale="id-ID")
        page.goto(html.as_uri())
        page.screenshot(
            path=str(HERE / "report-a4.png"),
            full_page=True,
            clip={"x": 0, "y": 0, "width": A4_WIDTH, "height": SHOWN_HEIGHT},
        )
        browser.close()


def _identity() -> dict[str, str]:
    return {name: os.environ[name] for name in ("REGENCY_NAME", "OFFICE_NAME") if name in os.environ}


if __name__ == "__main__":
    main()
