"""Service-level clocks (SOP item 4): verification within 1 working day, the Zoom meeting within 1 more.

A working day is the lead-time rule's (`vicon.workdays.WorkingCalendar`: Monday–Friday minus national holidays and
cuti bersama, with the local overrides), and it is counted in office time: "1 working day" is one office day's
length of open office hours (`OFFICE_HOURS`, 8 hours for 08:00–16:00). A request submitted Friday 15:00 is due
Monday 15:00; one submitted outside office hours counts from the next opening (Saturday 10:00 → Monday 16:00).
Pure: no store, no settings, no clock of its own; times go in aware and come out in UTC (decision 0031).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from vicon.workdays import WorkingCalendar

VERIFY_WITHIN_WORKING_DAYS = 1
PROVISION_WITHIN_WORKING_DAYS = 1
# Verifiers are reminded this much office time before a due time (half an office day if the day is shorter).
REMIND_BEFORE = dt.timedelta(hours=2)
FRIDAY = 4
# A calendar with no working day for ten years is a configuration error, not a reason to loop for ever.
_MAX_DAYS = 3660
_DAY = dt.timedelta(days=1)
_MICROSECOND = dt.timedelta(microseconds=1)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_UNKNOWN: tuple[int, int] = (-1, -1)  # a day's span not asked for yet (None is a closed day)


def _micros(moment: dt.datetime) -> int:
    """An aware moment as whole microseconds since the epoch (exact, unlike a float timestamp)."""
    return (moment - _EPOCH) // _MICROSECOND


def _moment(micros: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=micros)


_HOURS = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)\s*[-–]\s*([01]?\d|2[0-3])[:.]([0-5]\d)$")


@dataclass(frozen=True)
class OfficeHours:
    """When the office is open on a working day, in local time."""

    opens: dt.time
    closes: dt.time

    @classmethod
    def parse(cls, text: str) -> OfficeHours:
        """`08:00-16:00` (also `08.00–16.00`); ValueError unless opening comes before closing."""
        found = _HOURS.match(text.strip())
        if found is None:
            raise ValueError(f"not HH:MM-HH:MM: {text!r}")
        open_h, open_m, close_h, close_m = (int(part) for part in found.groups())
        opens, closes = dt.time(open_h, open_m), dt.time(close_h, close_m)
        if closes <= opens:
            raise ValueError(f"closing is not after opening: {text!r}")
        return cls(opens, closes)

    @property
    def length(self) -> dt.timedelta:
        return dt.timedelta(hours=self.closes.hour - self.opens.hour, minutes=self.closes.minute - self.opens.minute)

    def __str__(self) -> str:
        """As people read it: 08.00–16.00."""
        return f"{self.opens:%H.%M}–{self.closes:%H.%M}"


DEFAULT_OFFICE_HOURS = OfficeHours(dt.time(8), dt.time(16))


class OfficeClock:
    """Office time: open hours on working days, in the office's time zone."""

    def __init__(
        self,
        calendar: WorkingCalendar,
        tz: ZoneInfo,
        hours: OfficeHours = DEFAULT_OFFICE_HOURS,
        friday_hours: OfficeHours | None = None,
    ) -> None:
        self.calendar = calendar
        self.tz = tz
        self.hours = hours
        self.friday_hours = friday_hours or hours
        # Each day's opening and closing in UTC, remembered: the holiday table is slow to ask and a zone's times
        # slow to compare, and the quarterly report asks about the same days for every request (the calendar and
        # the hours do not change under a clock, so the answers never go stale).
        # As whole microseconds since the epoch: the report asks tens of thousands of times, and integer sums are
        # several times cheaper than datetime arithmetic (and exact, as float timestamps are not).
        self._spans: dict[dt.date, tuple[int, int] | None] = {}
        self._day_length = hours.length

    @property
    def day_length(self) -> dt.timedelta:
        """One working day of office time: the length of a regular (Monday–Thursday) office day."""
        return self._day_length

    def hours_on(self, day: dt.date) -> OfficeHours | None:
        """The office hours of `day`; None when it is not a working day (a working Saturday keeps the regular hours)."""
        if not self.calendar.is_working_day(day):
            return None
        return self.friday_hours if day.weekday() == FRIDAY else self.hours

    def _bounds(self, day: dt.date, hours: OfficeHours) -> tuple[dt.datetime, dt.datetime]:
        return (
            dt.datetime.combine(day, hours.opens, tzinfo=self.tz),
            dt.datetime.combine(day, hours.closes, tzinfo=self.tz),
        )

    def _span(self, day: dt.date) -> tuple[int, int] | None:
        """When the office opens and closes on `day` (microseconds since the epoch); None when it is closed."""
        span = self._spans.get(day, _UNKNOWN)
        if span is not _UNKNOWN:
            return span
        hours = self.hours_on(day)
        found = None
        if hours is not None:
            opens, closes = self._bounds(day, hours)
            found = (_micros(opens), _micros(closes))
        self._spans[day] = found
        return found

    def opening(self, day: dt.date) -> dt.datetime:
        """When the office opens on the working day `day` (UTC)."""
        hours = self.hours_on(day)
        if hours is None:
            raise ValueError(f"{day} is not a working day")
        return self._bounds(day, hours)[0].astimezone(dt.UTC)

    def add(self, moment: dt.datetime, office_time: dt.timedelta) -> dt.datetime:
        """The moment `office_time` of open office hours after `moment` (outside hours: from the next opening).

        An amount that ends exactly at closing time ends there, not at the next opening.
        """
        if office_time < dt.timedelta(0):
            raise ValueError("office time to add must not be negative")
        # The cursor needs no reset per day: a later day's opening is after any moment of an earlier day.
        cursor = _micros(moment)
        day = moment.astimezone(self.tz).date()
        remaining = office_time // _MICROSECOND
        for _ in range(_MAX_DAYS):
            span = self._span(day)
            if span is not None:
                opens, closes = span
                cursor = max(cursor, opens)
                if cursor < closes:
                    if remaining <= closes - cursor:
                        return _moment(cursor + remaining)
                    remaining -= closes - cursor
            day += _DAY
        raise ValueError("no working day in ten years: check EXTRA_HOLIDAYS")

    def subtract(self, moment: dt.datetime, office_time: dt.timedelta) -> dt.datetime:
        """The moment `office_time` of open office hours before `moment` (outside hours: from the last closing)."""
        if office_time < dt.timedelta(0):
            raise ValueError("office time to subtract must not be negative")
        cursor = _micros(moment)
        day = moment.astimezone(self.tz).date()
        remaining = office_time // _MICROSECOND
        for _ in range(_MAX_DAYS):
            span = self._span(day)
            if span is not None:
                opens, closes = span
                cursor = min(cursor, closes)
                if cursor > opens:
                    if remaining <= cursor - opens:
                        return _moment(cursor - remaining)
                    remaining -= cursor - opens
            day -= _DAY
        raise ValueError("no working day in ten years: check EXTRA_HOLIDAYS")

    def office_seconds_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Whole seconds of open office hours in [start, end) (Friday's own hours; 0 unless `end` is later).

        The inverse of `add` inside office hours: `office_seconds_between(m, add(m, t))` is `t` in seconds.
        """
        if end <= start:
            return 0
        day, last = start.astimezone(self.tz).date(), end.astimezone(self.tz).date()
        first, final = _micros(start), _micros(end)
        total = 0
        while day <= last:
            span = self._span(day)
            if span is not None:
                overlap = min(span[1], final) - max(span[0], first)
                if overlap > 0:
                    total += overlap
            day += _DAY
        return total // 1_000_000

    def add_working_days(self, moment: dt.datetime, days: int) -> dt.datetime:
        """`days` working days of office time after `moment`."""
        return self.add(moment, self.day_length * days)

    def working_day_before(self, day: dt.date) -> dt.date:
        """The last working day before `day` (Friday for a Monday; before a holiday too)."""
        before = day - dt.timedelta(days=1)
        for _ in range(_MAX_DAYS):
            if self.calendar.is_working_day(before):
                return before
            before -= dt.timedelta(days=1)
        raise ValueError("no working day in ten years: check EXTRA_HOLIDAYS")


@dataclass(frozen=True)
class ServiceLevel:
    """The SOP's due times, and when people are reminded of them. One rule for mails, pages, jobs and the report."""

    clock: OfficeClock

    def verification_due(self, submitted_at: dt.datetime) -> dt.datetime:
        """The latest a verifier should decide: 1 working day of office time after the submission."""
        return self.clock.add_working_days(submitted_at, VERIFY_WITHIN_WORKING_DAYS)

    def provisioning_due(self, approved_at: dt.datetime, event_start: dt.datetime) -> dt.datetime:
        """The latest the meeting should exist: 1 working day after the approval, and never after the event starts."""
        return min(self.clock.add_working_days(approved_at, PROVISION_WITHIN_WORKING_DAYS), event_start)

    def completion_due(self, submitted_at: dt.datetime, event_start: dt.datetime) -> dt.datetime:
        """The latest the whole path (submission to meeting) should end: 2 working days of office time after the
        submission, and never after the event starts. No notice goes at it (each step escalates on its own); the
        quarterly report judges the "total" by it."""
        days = VERIFY_WITHIN_WORKING_DAYS + PROVISION_WITHIN_WORKING_DAYS
        return min(self.clock.add_working_days(submitted_at, days), event_start)

    def reminder_at(self, due: dt.datetime) -> dt.datetime:
        """When the people who must act are reminded: REMIND_BEFORE of office time before `due`."""
        return self.clock.subtract(due, min(REMIND_BEFORE, self.clock.day_length / 2))

    def meeting_reminder_at(self, event_start: dt.datetime) -> dt.datetime:
        """The opening of the last working day before the event's (local) day."""
        event_day = event_start.astimezone(self.clock.tz).date()
        return self.clock.opening(self.clock.working_day_before(event_day))
