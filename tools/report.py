"""`make report QUARTER=2026Q3`: the quarterly evaluation as files, from the store that STORE_URL names.

Writes `<out>/<quarter>.html` (the report: charts as inline SVG, no script, its stylesheet inside, prints on A4)
and `<out>/<quarter>-<table>.csv` beside it, one per table, which the page links to. The settings are the
service's own (TIMEZONE, EXTRA_HOLIDAYS, OPD_LIST, the identity variables, ...). The complaints come from the same
store's register.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "functions")]

from vicon.core import utc_now  # noqa: E402
from vicon.quarters import Quarter  # noqa: E402
from vicon.rendering import render  # noqa: E402
from vicon.reporting.render import csv_filename  # noqa: E402
from vicon.settings import Settings  # noqa: E402
from vicon.usecases.report import QuarterlyReports, ReportPorts  # noqa: E402
from vicon.wiring import store_from_url  # noqa: E402
from vicon.workdays import WorkingCalendar  # noqa: E402


def write_report(quarter: Quarter, out: Path, settings: Settings) -> Path:
    """The report and its CSV files under `out`; returns the HTML file's path."""
    store = store_from_url(settings.store_url, project=os.environ.get("GOOGLE_CLOUD_PROJECT"))
    calendar = WorkingCalendar(settings.extra_holidays, settings.extra_working_days)

    def page(name: str, **context: object) -> str:
        return render(settings.timezone, name, identity=settings.identity, **context)

    reports = QuarterlyReports(
        ReportPorts(settings, calendar, store, page, utc_now, complaints=store.complaints_received_between)
    )
    report = reports.build(quarter)
    out.mkdir(parents=True, exist_ok=True)
    for slug in report.slugs:
        (out / csv_filename(quarter, slug)).write_text(reports.csv(report, slug), encoding="utf-8", newline="")
    html = out / f"{quarter}.html"
    html.write_text(reports.html(report, lambda slug: csv_filename(quarter, slug)), encoding="utf-8")
    index = report.summary.ikm
    ikm = f"IKM {index.rounded} ({index.grade.letter})" if index else "IKM: belum ada responden"
    print(f"{html} and {len(report.slugs)} CSV files: {report.summary.requests} requests, {ikm}")
    return html


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("quarter", help="the quarter, YYYYQn (2026Q3)")
    parser.add_argument("--out", default="reports", help="the folder to write to (default: reports)")
    args = parser.parse_args(argv)
    try:
        quarter = Quarter.parse(args.quarter)
    except ValueError as exc:
        parser.error(str(exc))
    write_report(quarter, Path(args.out), Settings.from_env())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
