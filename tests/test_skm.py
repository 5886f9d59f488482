"""The SKM index computed exactly (PermenPANRB 14/2017 with the exact 1/9), its grades, Indonesian numbers, quarters,
and the survey page carrying the nine elements exactly as vicon.skm names them."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from fractions import Fraction
from html import unescape
from zoneinfo import ZoneInfo

import pytest

from vicon import skm
from vicon.numbers import format_decimal, format_int, format_percent, round_half_up
from vicon.quarters import Quarter
from vicon.settings import REPO_DIR


def responses_summing_to(total: int, respondents: int) -> list[list[int]]:
    """`respondents` answers of nine scores (3s and 4s) whose scores add up to `total`."""
    fours = total - 3 * 9 * respondents
    assert 0 <= fours <= 9 * respondents
    flat = [4] * fours + [3] * (9 * respondents - fours)
    return [flat[n * 9 : (n + 1) * 9] for n in range(respondents)]


def test_29_respondents_scoring_955_give_91_48_grade_a() -> None:
    responses = responses_summing_to(955, 29)
    assert sum(map(sum, responses)) == 955
    index = skm.index(responses)
    assert index is not None and index.respondents == 29 and index.total == 955
    assert index.value == Fraction(955, 29 * 9) * 25 == Fraction(23875, 261)  # 91,4750…
    assert index.ikm == sum((index.nrr(n) * Fraction(1, 9) for n in range(1, 10)), Fraction(0))
    assert index.rounded == Decimal("91.48")
    assert (index.grade.letter, index.grade.performance) == ("A", "Sangat Baik")
    assert format_decimal(index.value) == "91,48"
    # The widely copied worked example rounds the weight to 0,111 and prints 90,56; the exact 1/9 does not.
    rounded_weight = sum((index.nrr(n) * Fraction(111, 1000) for n in range(1, 10)), Fraction(0)) * 25
    assert round_half_up(rounded_weight) != index.rounded
    assert skm.converted_ikm(955, 29) == index.value


@pytest.mark.parametrize(
    ("value", "letter"),
    [
        ("100", "A"),
        ("88.31", "A"),
        ("88.30", "B"),
        ("76.61", "B"),
        ("76.60", "C"),
        ("65.00", "C"),
        ("64.99", "D"),
        ("25", "D"),
        # Graded after rounding to two decimals: 88,305 is 88,31, 88,3049… is 88,30.
        ("88.305", "A"),
        ("88.3049", "B"),
        ("65.00", "C"),
        ("64.995", "C"),
        ("64.9949", "D"),
    ],
)
def test_grades_by_the_lower_bounds_of_the_rounded_value(value: str, letter: str) -> None:
    assert skm.grade(Decimal(value)).letter == letter
    assert skm.grade(Fraction(value)).letter == letter


def test_every_grade_boundary_from_real_responses() -> None:
    # One respondent: the converted IKM is total / 9 × 25; 36 → 100 (A), 9 → 25 (D).
    assert skm.index([[4] * 9]).rounded == Decimal("100.00")  # type: ignore[union-attr]
    assert skm.index([[1] * 9]).grade.letter == "D"  # type: ignore[union-attr]
    # 318 of 360 over ten respondents: 318/90 × 25 = 88,333… (A); 317/360: 88,0555… (B).
    assert skm.converted_ikm(318, 10) == Fraction(265, 3) and skm.grade(skm.converted_ikm(318, 10)).letter == "A"
    assert skm.grade(skm.converted_ikm(317, 10)).letter == "B"


def test_nrr_weakest_elements_and_refused_responses() -> None:
    index = skm.index([[4, 4, 2, 4, 4, 4, 4, 4, 3], [4, 4, 3, 4, 4, 4, 4, 4, 2]])
    assert index is not None
    assert index.nrr(3) == Fraction(5, 2) and index.nrr(9) == Fraction(5, 2) and index.nrr(1) == 4
    assert index.weakest() == (3, 9)
    assert index.element_value(3) == Fraction(125, 2)
    assert skm.grade(index.element_value(3)).letter == "D"
    assert skm.index([]) is None
    for bad in ([5] * 9, [0] * 9, [3] * 8):
        with pytest.raises(ValueError):
            skm.index([bad])


def test_the_nine_elements_are_the_regulations_in_its_order() -> None:
    names = [element.name for element in skm.ELEMENTS]
    assert names == [
        "Persyaratan",
        "Sistem, Mekanisme, dan Prosedur",
        "Waktu Penyelesaian",
        "Biaya/Tarif",
        "Produk Spesifikasi Jenis Pelayanan",
        "Kompetensi Pelaksana",
        "Perilaku Pelaksana",
        "Penanganan Pengaduan, Saran dan Masukan",
        "Sarana dan Prasarana",
    ]
    assert [element.key for element in skm.ELEMENTS] == [f"u{n}" for n in range(1, 10)]
    assert all(len(element.answers) == 4 for element in skm.ELEMENTS)


def test_the_survey_page_asks_each_element_with_its_wording_and_values_1_to_4() -> None:
    page = (REPO_DIR / "site" / "survei.html").read_text(encoding="utf-8")
    for element in skm.ELEMENTS:
        assert f"<legend>{element.number}. {element.name}</legend>" in unescape(page)
        assert unescape(page).count(element.question) == 1
        radios = re.findall(rf'<input type="radio" id="{element.key}-(\d)" name="{element.key}" value="(\d)"', page)
        assert radios == [(str(v), str(v)) for v in skm.SCALE], element.key
        for value, answer in zip(skm.SCALE, element.answers, strict=True):
            assert f'<label for="{element.key}-{value}">{answer}</label>' in unescape(page)
    for question in skm.PROFILE:
        assert f'<select id="{question.key}" name="{question.key}"' in page
        assert re.findall(
            r'<option value="([a-z0-9_]+)">', page.split(f'id="{question.key}"')[1].split("</select>")[0]
        ) == list(question.choices)


def test_numbers_are_written_the_indonesian_way_and_rounded_half_up_exactly() -> None:
    assert format_int(10_000) == "10.000"
    assert format_decimal(Fraction(3659, 40)) == "91,48"  # 91,475 exactly: half up
    assert format_decimal(Decimal("1234.5"), 1) == "1.234,5"
    assert format_percent(Fraction(171, 2)) == "85,5%"
    assert round_half_up(Fraction(-5, 2), 0) == Decimal("-3")
    assert round_half_up(Fraction(1, 8), 2) == Decimal("0.13")
    assert str(round_half_up(0, 2)) == "0.00"


def test_quarters_and_their_bounds_in_the_office_zone() -> None:
    q = Quarter.parse("2026q3")
    assert str(q) == "2026Q3" and q.label == "Triwulan III 2026" and q.months == "Juli–September 2026"
    assert (q.first_day, q.last_day) == (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert q.previous() == Quarter(2026, 2) and Quarter(2026, 1).previous() == Quarter(2025, 4)
    start, end = q.bounds(ZoneInfo("Asia/Jakarta"))
    assert start == dt.datetime(2026, 6, 30, 17, tzinfo=dt.UTC) and end == dt.datetime(2026, 9, 30, 17, tzinfo=dt.UTC)
    assert Quarter.of(dt.date(2026, 12, 31)) == Quarter(2026, 4)
    for bad in ("2026Q5", "2026-3", "Q3 2026", ""):
        with pytest.raises(ValueError):
            Quarter.parse(bad)
