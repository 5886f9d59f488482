"""The report rendered: one self-contained HTML page (charts as inline SVG, no script, prints on A4) and a CSV file
per table.

The page carries its one stylesheet in a `<style>` element, so the file `make report` writes can be mailed,
archived and printed alone; served by `quarterly_report` its Content-Security-Policy allows exactly that element
by its SHA-256 (`style_sources`) and no script at all. Numbers and dates are the Indonesian way in the page
(10.000; 91,48; 1 Juli 2026 09.00 WIB) and the machine way in the CSV (10000; 91.48; 2026-07-01T09:00+07:00),
from the same cells. A CSV cell that starts with = + - @, a tab or a carriage return gets a leading ' so no
spreadsheet takes it for a formula (`vicon.exports`, shared with the complaints' export).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from vicon import exports, skm
from vicon.numbers import format_decimal, format_int, format_percent
from vicon.quarters import Quarter
from vicon.reporting.compute import Cell, Report, Table
from vicon.timefmt import MONTH_NAMES, format_datetime_id, tz_abbreviation

TEMPLATE = "reports/quarterly.html"
# Long lists are cut in the page (the CSV has them all).
SHOWN_ROWS = 100
_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


# ---- cells ----------------------------------------------------------------------------------------------------


def date_text(day: dt.date) -> str:
    """'1 Juli 2026'."""
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def cell_text(value: Cell, tz: ZoneInfo) -> str:
    """A cell as the page shows it."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        raise TypeError("no boolean cells")
    if isinstance(value, int):
        return format_int(value)
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        return format_decimal(value, -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    if isinstance(value, dt.datetime):
        local = value.astimezone(tz)
        month = MONTH_NAMES[local.month - 1][:3]  # Jan, Feb, … Agu, … Des
        return f"{local.day} {month} {local.year} {local:%H.%M} {tz_abbreviation(tz)}"
    if isinstance(value, dt.date):
        return date_text(value)
    return value


def machine_text(value: Cell, tz: ZoneInfo) -> str:
    """A cell as other systems read it: plain numbers, ISO 8601 times with their offset."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return value.astimezone(tz).isoformat(timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def csv_cell(value: Cell, tz: ZoneInfo) -> str:
    """A cell as other systems read it, safe from spreadsheet formulas (`vicon.exports.csv_cell`)."""
    return exports.csv_cell(machine_text(value, tz))


def csv_filename(quarter: Quarter, slug: str) -> str:
    return f"{quarter}-{slug}.csv"


def render_csv(table: Table, tz: ZoneInfo) -> str:
    """RFC 4180: comma-separated, CRLF line ends, UTF-8, a header row of the column titles."""
    rows = ([machine_text(value, tz) for value in row] for row in table.rows)
    return exports.csv_text([column.title for column in table.columns], rows)


# ---- charts ---------------------------------------------------------------------------------------------------

WIDTH = 640
LABEL_CHARS = 70
CURRENT = "#0a4a85"
PREVIOUS = "#5a88bd"
GRID = "#c5ccd3"
INK = "#1a1a1a"


def _label(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


def _svg(chart_id: str, title: str, description: str, height: int, body: list[str]) -> Markup:
    head = (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(description)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704 — every text in it went through escape()


def bar_chart(
    chart_id: str,
    title: str,
    items: Sequence[tuple[str, Fraction | Decimal | int, str]],
    maximum: Fraction | Decimal | int,
    marks: Sequence[tuple[Fraction | Decimal, str]] = (),
) -> Markup:
    """Horizontal bars, one per (label, value, text shown), each label on its own line above its bar."""
    row = 44
    top = 22 if marks else 4
    height = top + row * max(len(items), 1) + 4
    body: list[str] = []
    scale = Fraction(WIDTH - 90) / Fraction(maximum) if maximum else Fraction(0)
    for mark, name in marks:
        x = float(Fraction(mark) * scale)
        body.append(f'<line x1="{x:.1f}" y1="16" x2="{x:.1f}" y2="{height}" stroke="{GRID}" stroke-dasharray="4 3"/>')
        body.append(f'<text x="{x:.1f}" y="12" font-size="11" text-anchor="middle" fill="{INK}">{escape(name)}</text>')
    for n, (label, value, shown) in enumerate(items):
        y = top + n * row
        length = float(Fraction(value) * scale) if value else 0.0
        body.append(f'<text x="0" y="{y + 13}" font-size="13" fill="{INK}">{escape(_label(label))}</text>')
        body.append(f'<rect x="0" y="{y + 18}" width="{max(length, 1):.1f}" height="16" fill="{CURRENT}"/>')
        body.append(
            f'<text x="{length + 6:.1f}" y="{y + 31}" font-size="12" font-weight="bold" fill="{INK}">'
            f"{escape(shown)}</text>"
        )
    if not items:
        body.append(f'<text x="0" y="20" font-size="13" fill="{INK}">Tidak ada data.</text>')
    description = "; ".join(f"{label}: {shown}" for label, _, shown in items) or "Tidak ada data."
    return _svg(chart_id, title, description, height, body)


def paired_chart(
    chart_id: str,
    title: str,
    items: Sequence[tuple[str, Fraction | Decimal | int, Fraction | Decimal | int, str, str]],
    labels: tuple[str, str],
) -> Markup:
    """Two bars per row (this quarter, the previous one), each row scaled to its larger value."""
    row = 58
    height = 26 + row * len(items)
    body = [
        f'<rect x="0" y="4" width="12" height="12" fill="{CURRENT}"/>',
        f'<text x="18" y="15" font-size="12" fill="{INK}">{escape(labels[0])}</text>',
        f'<rect x="220" y="4" width="12" height="12" fill="{PREVIOUS}"/>',
        f'<text x="238" y="15" font-size="12" fill="{INK}">{escape(labels[1])}</text>',
    ]
    for n, (label, now, before, now_text, before_text) in enumerate(items):
        y = 26 + n * row
        largest = max(Fraction(now), Fraction(before))
        scale = Fraction(WIDTH - 110) / largest if largest else Fraction(0)
        body.append(f'<text x="0" y="{y + 13}" font-size="13" fill="{INK}">{escape(_label(label))}</text>')
        for offset, value, shown, colour in ((18, now, now_text, CURRENT), (36, before, before_text, PREVIOUS)):
            length = float(Fraction(value) * scale)
            body.append(f'<rect x="0" y="{y + offset}" width="{max(length, 1):.1f}" height="14" fill="{colour}"/>')
            body.append(
                f'<text x="{length + 6:.1f}" y="{y + offset + 12}" font-size="12" fill="{INK}">{escape(shown)}</text>'
            )
    description = "; ".join(f"{label}: {a} ({labels[0]}), {b} ({labels[1]})" for label, _, _, a, b in items)
    return _svg(chart_id, title, description, height, body)


def _count(value: Cell) -> int:
    return value if isinstance(value, int) else 0


def charts(report: Report, tz: ZoneInfo) -> dict[str, Markup]:
    by_opd = [(str(row[0]), _count(row[1])) for row in report.table("permohonan-opd").rows[:10]]
    largest = max((count for _, count in by_opd), default=0)
    index = report.summary.ikm
    elements = (
        [(f"{e.number}. {e.name}", index.nrr(e.number), format_decimal(index.nrr(e.number), 2)) for e in skm.ELEMENTS]
        if index
        else []
    )
    # The NRR at which each grade starts (its converted lower bound / 25), marked by the grade's letter.
    thresholds = [(Fraction(g.lower) / skm.CONVERSION, g.letter) for g in skm.GRADES[:-1]]
    this, before = report.summary, report.previous
    pairs: list[tuple[str, Fraction | Decimal | int, Fraction | Decimal | int, str, str]] = [
        ("Permohonan", this.requests, before.requests, format_int(this.requests), format_int(before.requests)),
        ("Meeting terlaksana", this.held, before.held, format_int(this.held), format_int(before.held)),
        ("Jam meeting", this.hours, before.hours, format_decimal(this.hours, 1), format_decimal(before.hours, 1)),
        (
            "Peserta aktual",
            this.participants,
            before.participants,
            format_int(this.participants),
            format_int(before.participants),
        ),
        (
            "Responden survei",
            this.respondents,
            before.respondents,
            format_int(this.respondents),
            format_int(before.respondents),
        ),
    ]
    sla_items = [
        (step.name, step.compliance or 0, format_percent(step.compliance, 1) if step.compliance is not None else "–")
        for step in report.sla
    ]
    return {
        "opd": bar_chart(
            "chart-opd",
            "Permohonan per perangkat daerah (10 terbanyak)",
            [(name, count, format_int(count)) for name, count in by_opd],
            largest,
        ),
        "sla": bar_chart("chart-sla", "Kepatuhan jangka waktu per tahap (%)", sla_items, 100),
        "nrr": bar_chart("chart-nrr", "NRR per unsur (skala 1–4)", elements, 4, thresholds),
        "comparison": paired_chart(
            "chart-comparison",
            f"{report.quarter.label} dibandingkan {report.previous_quarter.label}",
            pairs,
            (report.quarter.label, report.previous_quarter.label),
        ),
    }


# ---- the page -------------------------------------------------------------------------------------------------


def render_html(report: Report, render: Callable[..., str], tz: ZoneInfo, csv_href: Callable[[str], str]) -> str:
    """The report page; `render` is the one template environment, `csv_href` where each table's CSV is."""
    summary = report.summary
    index = summary.ikm
    return render(
        TEMPLATE,
        report=report,
        tables={table.slug: table for table in report.tables},
        charts=charts(report, tz),
        cell=lambda value: cell_text(value, tz),
        shown=SHOWN_ROWS,
        csv_href=csv_href,
        generated=format_datetime_id(report.generated_at, tz),
        zone=tz_abbreviation(tz),
        ikm=format_decimal(index.rounded, 2) if index else None,
        grade=index.grade if index else None,
        weakest=report.weakest,
        weakest_nrr=format_decimal(index.nrr(report.weakest[0].number), 2) if index and report.weakest else None,
        response_rate=format_percent(summary.response_rate, 1) if summary.response_rate is not None else "–",
        sla_total=format_percent(summary.sla_compliance, 1) if summary.sla_compliance is not None else "–",
        office_hours=report.office_hours,
        hours=format_decimal(summary.hours, 1),
        first_day=date_text(report.quarter.first_day),
        last_day=date_text(report.quarter.last_day),
    )


def style_sources(html: str) -> str:
    """The CSP sources that allow exactly the page's own `<style>` elements (by hash), and nothing else."""
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(block.encode("utf-8")).digest()).decode("ascii") + "'"
        for block in _STYLE.findall(html)
    ]
    return " ".join(hashes) or "'none'"
