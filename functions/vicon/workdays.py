"""Working days of the office: Monday–Friday minus Indonesian holidays and cuti bersama, with local overrides."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cache
from typing import Any


@cache
def _indonesian_holidays(year: int) -> Any:
    # Imported on first use: the holidays package costs a noticeable share of a cold start.
    import holidays

    return holidays.country_holidays("ID", years=year, categories=("public", "government"))


class WorkingCalendar:
    """Answers whether a date is a working day and counts lead time in working days."""

    def __init__(self, extra_holidays: Iterable[dt.date] = (), extra_working_days: Iterable[dt.date] = ()) -> None:
        self.extra_holidays = frozenset(extra_holidays)
        self.extra_working_days = frozenset(extra_working_days)

    def is_working_day(self, day: dt.date) -> bool:
        """Monday–Friday, not a national holiday or cuti bersama, unless configured otherwise."""
        if day in self.extra_working_days:
            return True
        if day in self.extra_holidays or day.weekday() >= 5:
            return False
        return day not in _indonesian_holidays(day.year)

    def holiday_name(self, day: dt.date) -> str | None:
        """The name of the holiday on `day`, if any (for messages)."""
        if day in self.extra_working_days:
            return None
        if day in self.extra_holidays:
            return "Hari libur lokal"
        name = _indonesian_holidays(day.year).get(day)
        return str(name) if name else None

    def add_working_days(self, start: dt.date, count: int) -> dt.date:
        """The `count`-th working day after `start` (`start` itself never counts); `start` for zero."""
        day = start
        remaining = count
        while remaining > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day
