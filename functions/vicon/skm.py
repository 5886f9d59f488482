"""The satisfaction survey (Survei Kepuasan Masyarakat, PermenPANRB No. 14 Tahun 2017): its nine elements with
their official names and questions, the 1–4 scale, the optional respondent profile, and the index (IKM).

The index is computed exactly: NRR of an element = its sum / respondents, IKM = the sum of NRR × 1/9 with the
exact 1/9 (the regulation prints 0,111, and rounding the weight turns 91,48 into 90,56), converted IKM =
IKM × 25, rounded half up to two decimals, and graded by the lower bounds 88,31 / 76,61 / 65,00 of that rounded
value. Standard library only: the form, the records, the site's test and the report all read it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from vicon.numbers import round_half_up

SCALE = (1, 2, 3, 4)
WEIGHT = Fraction(1, 9)
CONVERSION = 25


@dataclass(frozen=True)
class Element:
    """One unsur: `key` is the form field (`u1` … `u9`), `answers` the wording of 1, 2, 3 and 4."""

    number: int
    name: str
    question: str
    answers: tuple[str, str, str, str]

    @property
    def key(self) -> str:
        return f"u{self.number}"


# The order of the regulation's list of elements (and of DESIGN.md's u1 … u9); the questions and the answers'
# wording are those of the regulation's sample questionnaire (Lampiran), 1 the worst and 4 the best.
ELEMENTS: tuple[Element, ...] = (
    Element(
        1,
        "Persyaratan",
        "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
    ),
    Element(
        2,
        "Sistem, Mekanisme, dan Prosedur",
        "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
        ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
    ),
    Element(
        3,
        "Waktu Penyelesaian",
        "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
        ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
    ),
    Element(
        4,
        "Biaya/Tarif",
        "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
        ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
    ),
    Element(
        5,
        "Produk Spesifikasi Jenis Pelayanan",
        "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum dalam standar "
        "pelayanan dengan hasil yang diberikan?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
    ),
    Element(
        6,
        "Kompetensi Pelaksana",
        "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
        ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
    ),
    Element(
        7,
        "Perilaku Pelaksana",
        "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?",
        ("Tidak sopan dan ramah", "Kurang sopan dan ramah", "Sopan dan ramah", "Sangat sopan dan ramah"),
    ),
    Element(
        8,
        "Penanganan Pengaduan, Saran dan Masukan",
        "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
        ("Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal", "Dikelola dengan baik"),
    ),
    Element(
        9,
        "Sarana dan Prasarana",
        "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
        ("Buruk", "Cukup", "Baik", "Sangat baik"),
    ),
)
ELEMENT_COUNT = len(ELEMENTS)
SCALE_LABELS = {1: "Tidak baik / tidak sesuai", 2: "Kurang baik", 3: "Baik", 4: "Sangat baik"}


@dataclass(frozen=True)
class ProfileQuestion:
    """An optional question about the respondent, reported only in aggregate."""

    key: str
    label: str
    choices: dict[str, str]


# The regulation's profile (jenis kelamin, usia, pendidikan, pekerjaan), as bands and groups only: no birth date,
# no name. PPPK is added to its list of occupations (most respondents are the regency's own staff).
PROFILE: tuple[ProfileQuestion, ...] = (
    ProfileQuestion("jenis_kelamin", "Jenis kelamin", {"laki_laki": "Laki-laki", "perempuan": "Perempuan"}),
    ProfileQuestion(
        "usia",
        "Usia",
        {
            "kurang_25": "Kurang dari 25 tahun",
            "25_34": "25–34 tahun",
            "35_44": "35–44 tahun",
            "45_54": "45–54 tahun",
            "55_lebih": "55 tahun atau lebih",
        },
    ),
    ProfileQuestion(
        "pendidikan",
        "Pendidikan terakhir",
        {
            "sd": "SD atau sederajat",
            "smp": "SMP atau sederajat",
            "sma": "SMA/SMK atau sederajat",
            "d1_d3": "Diploma (D1–D3)",
            "d4_s1": "D4/S1",
            "s2": "S2",
            "s3": "S3",
        },
    ),
    ProfileQuestion(
        "pekerjaan",
        "Pekerjaan",
        {
            "pns": "PNS",
            "pppk": "PPPK",
            "tni": "TNI",
            "polri": "Polri",
            "swasta": "Pegawai swasta",
            "wirausaha": "Wirausaha",
            "lainnya": "Lainnya",
        },
    ),
)
PROFILE_KEYS = tuple(question.key for question in PROFILE)
NOT_ANSWERED = "Tidak diisi"
MAX_COMMENT_CHARS = 2_000


@dataclass(frozen=True)
class Grade:
    """Mutu pelayanan: the letter, the performance it names, and the lowest rounded converted IKM it takes."""

    letter: str
    performance: str
    lower: Decimal


GRADES: tuple[Grade, ...] = (
    Grade("A", "Sangat Baik", Decimal("88.31")),
    Grade("B", "Baik", Decimal("76.61")),
    Grade("C", "Kurang Baik", Decimal("65.00")),
    Grade("D", "Tidak Baik", Decimal("25.00")),
)


def rounded(value: int | Fraction | Decimal) -> Decimal:
    """A converted IKM (or an element's NRR × 25) as it is reported and graded: two decimals, half up."""
    return round_half_up(value, 2)


def grade(value: int | Fraction | Decimal) -> Grade:
    """The grade of a converted IKM: its value rounded to two decimals against the lower bounds.

    The published ranges leave gaps (64,99 | 65,00), so only the lower bounds decide; anything under 65,00 is D.
    """
    value = rounded(value)
    for candidate in GRADES[:-1]:
        if value >= candidate.lower:
            return candidate
    return GRADES[-1]


@dataclass(frozen=True)
class Index:
    """The IKM of a set of responses: per-element sums, exactly."""

    respondents: int
    sums: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.sums)

    def nrr(self, element: int) -> Fraction:
        """The NRR of element `element` (1 … 9): its sum over the respondents."""
        return Fraction(self.sums[element - 1], self.respondents)

    def weighted(self, element: int) -> Fraction:
        """NRR × 1/9, the element's share of the IKM."""
        return self.nrr(element) * WEIGHT

    def element_value(self, element: int) -> Fraction:
        """NRR × 25: the element on the 25–100 scale, graded like the index."""
        return self.nrr(element) * CONVERSION

    @property
    def ikm(self) -> Fraction:
        """Σ NRR × 1/9: the unconverted index on the 1–4 scale."""
        return sum((self.weighted(element.number) for element in ELEMENTS), Fraction(0))

    @property
    def value(self) -> Fraction:
        """The converted IKM (25–100), exactly: total / (respondents × 9) × 25."""
        return self.ikm * CONVERSION

    @property
    def rounded(self) -> Decimal:
        return rounded(self.value)

    @property
    def grade(self) -> Grade:
        return grade(self.value)

    def weakest(self) -> tuple[int, ...]:
        """The numbers of the elements with the lowest NRR (every one of them when several tie)."""
        lowest = min(self.sums)
        return tuple(number for number, total in enumerate(self.sums, 1) if total == lowest)


def index(responses: Iterable[Sequence[int]]) -> Index | None:
    """The index of `responses` (each the nine scores u1 … u9); None without a respondent."""
    sums = [0] * ELEMENT_COUNT
    respondents = 0
    for scores in responses:
        if len(scores) != ELEMENT_COUNT or any(score not in SCALE for score in scores):
            raise ValueError(f"a response is nine scores of 1 to 4, got {list(scores)}")
        respondents += 1
        for position, score in enumerate(scores):
            sums[position] += score
    return Index(respondents, tuple(sums)) if respondents else None


def converted_ikm(total: int, respondents: int) -> Fraction:
    """The converted IKM of `respondents` whose 9 scores each sum to `total`: total / (respondents × 9) × 25."""
    return Fraction(total, respondents * ELEMENT_COUNT) * CONVERSION
