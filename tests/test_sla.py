"""Unit tier: the SLA clocks (vicon.sla) — office time on the lead-time rule's working days — and the settings
that configure them. Every time is written in WIB as a person reads it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from vicon.settings import Settings, SettingsError
from vicon.sla import DEFAULT_OFFICE_HOURS, OfficeClock, OfficeHours, ServiceLevel
from vicon.workdays import WorkingCalendar

JAKARTA = ZoneInfo("Asia/Jakarta")


def wib(day: str, time: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=JAKARTA)


def level(
    hours: str = "08:00-16:00", friday: str | None = None, holidays: tuple[str, ...] = (), working: tuple[str, ...] = ()
) -> ServiceLevel:
    calendar = WorkingCalendar(
        [dt.date.fromisoformat(d) for d in holidays], [dt.date.fromisoformat(d) for d in working]
    )
    return ServiceLevel(
        OfficeClock(calendar, JAKARTA, OfficeHours.parse(hours), OfficeHours.parse(friday) if friday else None)
    )


@pytest.mark.parametrize(
    ("submitted", "due", "why"),
    [
        (wib("2026-11-30", "09:00"), wib("2026-12-01", "09:00"), "Monday in office hours: Tuesday, same time"),
        (wib("2026-11-27", "15:00"), wib("2026-11-30", "15:00"), "Friday 15:00: over the weekend to Monday 15:00"),
        (wib("2026-11-30", "06:30"), wib("2026-11-30", "16:00"), "before opening: counts from 08:00"),
        (wib("2026-11-30", "08:00"), wib("2026-11-30", "16:00"), "at opening: a whole office day, to closing"),
        (wib("2026-11-30", "16:00"), wib("2026-12-01", "16:00"), "at closing: from the next opening"),
        (wib("2026-11-30", "19:45"), wib("2026-12-01", "16:00"), "in the evening: from the next opening"),
        (wib("2026-11-28", "10:00"), wib("2026-11-30", "16:00"), "on a Saturday: from Monday's opening"),
        (wib("2026-08-14", "10:00"), wib("2026-08-18", "10:00"), "Friday before Independence Day (Monday 17)"),
        # Thursday 24 December is cuti bersama, Friday 25 Christmas, then the weekend.
        (wib("2026-12-23", "15:00"), wib("2026-12-28", "15:00"), "over cuti bersama, a holiday and a weekend"),
        (wib("2026-12-24", "10:00"), wib("2026-12-28", "16:00"), "submitted on cuti bersama: from Monday"),
        # Idul Fitri 2026: Friday 20 March to Tuesday 24 March are holidays or cuti bersama.
        (wib("2026-03-19", "11:00"), wib("2026-03-25", "16:00"), "Nyepi and the whole Lebaran break"),
    ],
)
def test_verification_is_due_one_working_day_of_office_time_later(
    submitted: dt.datetime, due: dt.datetime, why: str
) -> None:
    assert level().verification_due(submitted) == due.astimezone(dt.UTC), why


def test_the_clock_counts_local_overrides_and_answers_in_utc() -> None:
    # EXTRA_HOLIDAYS: a local holiday on Tuesday moves Monday's due to Wednesday.
    assert level(holidays=("2026-12-01",)).verification_due(wib("2026-11-30", "09:00")) == wib("2026-12-02", "09:00")
    # EXTRA_WORKING_DAYS: a working Saturday (a swapped day) counts, with the regular hours.
    working_saturday = level(working=("2026-11-28",))
    assert working_saturday.verification_due(wib("2026-11-27", "15:00")) == wib("2026-11-28", "15:00")
    # EXTRA_WORKING_DAYS also overrides cuti bersama.
    assert level(working=("2026-12-24",)).verification_due(wib("2026-12-23", "15:00")) == wib("2026-12-24", "15:00")
    due = level().verification_due(wib("2026-11-30", "09:00"))
    assert due.tzinfo == dt.UTC and due == dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)


def test_office_hours_are_configurable_and_friday_may_close_later() -> None:
    early = level("07:30-16:00")  # 8.5 hours a day
    assert early.verification_due(wib("2026-11-30", "07:00")) == wib("2026-11-30", "16:00")
    assert early.verification_due(wib("2026-11-30", "12:00")) == wib("2026-12-01", "12:00")
    # Friday 07:30–16:30: Friday 16:15 has 15 minutes left, Monday gives the other 8 h 15 min.
    friday = level("07:30-16:00", friday="07:30-16:30")
    assert friday.verification_due(wib("2026-11-27", "16:15")) == wib("2026-11-30", "15:45")
    assert friday.verification_due(wib("2026-11-26", "12:00")) == wib("2026-11-27", "12:00")


def test_the_meeting_is_due_one_working_day_after_approval_but_never_after_the_event_starts() -> None:
    sla = level()
    start = wib("2026-12-02", "09:00")
    assert sla.provisioning_due(wib("2026-11-30", "11:00"), start) == wib("2026-12-01", "11:00")
    assert sla.provisioning_due(wib("2026-12-01", "14:00"), start) == start  # the event comes first
    assert sla.provisioning_due(wib("2026-12-23", "15:00"), wib("2027-01-04", "09:00")) == wib("2026-12-28", "15:00")


def test_reminders_go_two_office_hours_before_the_due_time() -> None:
    sla = level()
    assert sla.reminder_at(wib("2026-12-01", "15:00")) == wib("2026-12-01", "13:00")
    # Tuesday 09:00 has one office hour before it; the other is Monday's last.
    assert sla.reminder_at(wib("2026-12-01", "09:00")) == wib("2026-11-30", "15:00")
    # Monday 09:00 after the Christmas break: back over the weekend, Christmas and cuti bersama to Wednesday 15:00.
    assert sla.reminder_at(wib("2026-12-28", "09:00")) == wib("2026-12-23", "15:00")
    # A short office day: half of it (never a reminder before the clock started).
    short = level("08:00-11:00")
    assert short.reminder_at(short.verification_due(wib("2026-11-30", "08:00"))) == wib("2026-11-30", "09:30")


def test_the_day_before_reminder_is_at_the_opening_of_the_last_working_day_before_the_event() -> None:
    sla = level()
    assert sla.meeting_reminder_at(wib("2026-12-02", "09:00")) == wib("2026-12-01", "08:00")  # Wednesday → Tuesday
    assert sla.meeting_reminder_at(wib("2026-12-07", "13:00")) == wib("2026-12-04", "08:00")  # Monday → Friday
    assert sla.meeting_reminder_at(wib("2026-12-05", "09:00")) == wib("2026-12-04", "08:00")  # a Saturday event
    # Monday 28 December: Friday is Christmas, Thursday cuti bersama: Wednesday 23.
    assert sla.meeting_reminder_at(wib("2026-12-28", "09:00")) == wib("2026-12-23", "08:00")
    assert level("07:30-16:00").meeting_reminder_at(wib("2026-12-02", "09:00")) == wib("2026-12-01", "07:30")
    # The event's local day counts: 00:30 WIB on Wednesday is still Tuesday in UTC.
    assert sla.meeting_reminder_at(wib("2026-12-02", "00:30")) == wib("2026-12-01", "08:00")


def test_office_time_added_and_subtracted_round_trip_inside_office_hours() -> None:
    clock = level().clock
    start = wib("2026-12-23", "10:00")
    for hours in (0, 1, 6, 8, 9, 30):
        span = dt.timedelta(hours=hours)
        later = clock.add(start, span)
        assert clock.subtract(later, span) == start, hours
    with pytest.raises(ValueError):
        clock.add(start, dt.timedelta(hours=-1))


def test_the_whole_path_is_due_two_working_days_after_submission_but_never_after_the_event_starts() -> None:
    sla = level()
    far = wib("2027-01-11", "09:00")
    # Monday 15:00: 1 h Monday, 8 h Tuesday, 7 h Wednesday: the day after the verification's due time, same time.
    assert sla.completion_due(wib("2026-11-30", "15:00"), far) == wib("2026-12-02", "15:00")
    assert sla.completion_due(wib("2026-11-30", "15:00"), far) == sla.clock.add(
        sla.verification_due(wib("2026-11-30", "15:00")), sla.clock.day_length
    )
    # Wednesday 23 December 15:00: over cuti bersama, Christmas and the weekend, two office days to Tuesday 15:00.
    assert sla.completion_due(wib("2026-12-23", "15:00"), far) == wib("2026-12-29", "15:00")
    assert sla.completion_due(wib("2026-11-30", "15:00"), wib("2026-12-01", "13:00")) == wib("2026-12-01", "13:00")


@pytest.mark.parametrize(
    ("start", "end", "hours", "why"),
    [
        (wib("2026-11-30", "10:00"), wib("2026-11-30", "14:30"), 4.5, "inside one office day"),
        (wib("2026-11-30", "06:00"), wib("2026-11-30", "20:00"), 8, "a whole day, the night around it left out"),
        (wib("2026-11-27", "15:00"), wib("2026-11-30", "09:00"), 2, "Friday 15:00 to Monday 09:00: 1 + 1"),
        (wib("2026-08-14", "15:00"), wib("2026-08-18", "09:00"), 2, "over a weekend and Independence Day"),
        (wib("2026-11-28", "09:00"), wib("2026-11-29", "17:00"), 0, "a weekend only"),
        (wib("2026-11-30", "14:00"), wib("2026-11-30", "14:00"), 0, "no time at all"),
        (wib("2026-11-30", "14:00"), wib("2026-11-30", "13:00"), 0, "an end before the start"),
    ],
)
def test_office_seconds_between_count_open_office_hours_on_working_days_only(
    start: dt.datetime, end: dt.datetime, hours: float, why: str
) -> None:
    assert level().clock.office_seconds_between(start, end) == int(hours * 3600), why


def test_office_seconds_between_use_friday_hours_and_undo_add() -> None:
    friday = level("08:00-16:00", friday="08:00-16:30").clock
    # Friday 16:15-16:30 and Monday 08:00-15:45: one working day (8 h) of office time.
    assert friday.office_seconds_between(wib("2026-11-27", "16:15"), wib("2026-11-30", "15:45")) == 8 * 3600
    clock = level().clock
    for start in (wib("2026-12-23", "10:00"), wib("2026-11-28", "10:00"), wib("2026-11-30", "19:00")):
        for hours in (0, 1, 8, 9, 30):
            span = dt.timedelta(hours=hours)
            assert clock.office_seconds_between(start, clock.add(start, span)) == hours * 3600, (start, hours)


def test_a_calendar_without_working_days_is_an_error_not_a_hang() -> None:
    class NeverWorking(WorkingCalendar):
        def is_working_day(self, day: dt.date) -> bool:
            return False

    clock = OfficeClock(NeverWorking(), JAKARTA)
    with pytest.raises(ValueError, match="EXTRA_HOLIDAYS"):
        clock.add(wib("2026-11-30", "09:00"), dt.timedelta(hours=1))


@pytest.mark.parametrize("text", ["08:00-16:00", "8:00-16:00", "08.00–16.00", " 08:00 - 16:00 "])
def test_office_hours_parse_the_ways_people_write_them(text: str) -> None:
    assert OfficeHours.parse(text) == DEFAULT_OFFICE_HOURS
    assert str(DEFAULT_OFFICE_HOURS) == "08.00–16.00"
    assert DEFAULT_OFFICE_HOURS.length == dt.timedelta(hours=8)


def test_settings_read_the_office_hours(tmp_path: Path) -> None:
    defaults = Settings.from_env({"VICON_DATA_DIR": str(tmp_path)})
    assert defaults.office_hours == DEFAULT_OFFICE_HOURS and defaults.office_hours_friday is None
    configured = Settings.from_env(
        {"VICON_DATA_DIR": str(tmp_path), "OFFICE_HOURS": "07:30-16:00", "OFFICE_HOURS_FRIDAY": "07:30-16:30"}
    )
    assert configured.office_hours == OfficeHours(dt.time(7, 30), dt.time(16))
    assert configured.office_hours_friday == OfficeHours(dt.time(7, 30), dt.time(16, 30))


@pytest.mark.parametrize(
    "env",
    [
        {"OFFICE_HOURS": "16:00-08:00"},
        {"OFFICE_HOURS": "08:00-08:00"},
        {"OFFICE_HOURS": "8-16"},
        {"OFFICE_HOURS": "08:00-24:00"},
        {"OFFICE_HOURS": "pagi"},
        {"OFFICE_HOURS_FRIDAY": "07:30-25:00"},
    ],
)
def test_settings_refuse_office_hours_that_are_not_a_day_span(tmp_path: Path, env: dict[str, str]) -> None:
    name = next(iter(env))
    with pytest.raises(SettingsError, match=f"^{name} must look like 08:00-16:00"):
        Settings.from_env({"VICON_DATA_DIR": str(tmp_path), **env})
