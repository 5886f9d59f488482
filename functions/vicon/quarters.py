"""Quarters (triwulan) of the calendar year, as the quarterly evaluation counts them (SOP item 14).

A request belongs to the quarter of its event date in TIMEZONE, a survey to its request's. `2026Q3` is July to
September 2026; its bounds are local midnights, handed to the store as UTC instants. Standard library only.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from vicon.timefmt import MONTH_NAMES

ROMAN = ("I", "II", "III", "IV")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 4 or not 2000 <= self.year <= 9998:
            raise ValueError(f"no quarter {self.year}Q{self.number}")

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """`2026Q3`; ValueError for anything else."""
        found = _QUARTER.match(text.strip().upper())
        if found is None:
            raise ValueError(f"a quarter is written YYYYQn (2026Q3), got {text!r}")
        return cls(int(found.group(1)), int(found.group(2)))

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> dt.date:
        return self.next().first_day - dt.timedelta(days=1)

    def contains(self, day: dt.date) -> bool:
        return self.first_day <= day <= self.last_day

    def bounds(self, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as UTC instants: the local midnights that open this quarter and the next."""
        start = dt.datetime.combine(self.first_day, dt.time(), tz)
        end = dt.datetime.combine(self.next().first_day, dt.time(), tz)
        return start.astimezone(dt.UTC), end.astimezone(dt.UTC)

    @property
    def label(self) -> str:
        """'Triwulan III 2026'."""
        return f"Triwulan {ROMAN[self.number - 1]} {self.year}"

    @property
    def months(self) -> str:
        """'Juli–September 2026'."""
        first, last = MONTH_NAMES[3 * self.number - 3], MONTH_NAMES[3 * self.number - 1]
        return f"{first}–{last} {self.year}"
