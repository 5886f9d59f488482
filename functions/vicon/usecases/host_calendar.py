"""The host calendar: a week of the licensed host accounts, each meeting with its buffer, and the free time.

Built from the store (the pool's slots and the requests holding them) and checked against Zoom's list of each host,
one list per host. A meeting Zoom lists without our tag was made outside Vicon and is busy time, as provisioning
counts it (`vicon.hostbusy`); a meeting of ours that the store does not know, or one the store knows that Zoom does
not list, is a discrepancy. Officers see today's meetings with their officer links. Reads only. Decision 0033.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from vicon.fields import FieldError
from vicon.hostbusy import Span, free_spans, meeting_span, tagged_request
from vicon.lifecycle import Status
from vicon.links import Links
from vicon.meetings import Meeting, ZoomError
from vicon.ports import HostSlots, Meetings, RequestStore
from vicon.records import RequestRecord
from vicon.settings import Settings, ZoomHost
from vicon.timefmt import tz_abbreviation
from vicon.usecases.staff_access import StaffMember, StaffRole

if TYPE_CHECKING:
    from vicon.inputs import StaffCalendarQuery

log = logging.getLogger(__name__)

# Free time is shown within these hours of each day (TIMEZONE); meetings outside them are shown all the same.
DAY_OPENS = dt.time(6, 0)
DAY_CLOSES = dt.time(22, 0)
DAYS_IN_WEEK = 7
# Statuses whose request holds a meeting in Zoom (or is about to): the officer's list and the calendar show these.
MEETING_STATUSES = frozenset({Status.PROVISIONED, Status.COMPLETED})
ZOOM_NOT_CHECKED = "Jadwal di Zoom tidak dapat diperiksa"


class EntryKind(StrEnum):
    VICON = "vicon"  # a request's meeting (or its slot while the meeting is being made)
    FOREIGN = "foreign"  # a Zoom meeting without our tag: made in the portal or elsewhere
    UNTRACKED = "untracked"  # a Zoom meeting with our tag that the store does not hold on this host


ENTRY_LABELS = {
    EntryKind.VICON: "Vicon",
    EntryKind.FOREIGN: "dibuat di luar Vicon",
    EntryKind.UNTRACKED: "Meeting Vicon yang tidak tercatat",
}


@dataclass(frozen=True)
class CalendarEntry:
    """One stretch of busy time on a host: the meeting, its time with the buffer, and what is known of it."""

    kind: EntryKind
    span: Span
    busy: Span
    request: RequestRecord | None = None
    meeting_id: int | None = None
    topic: str = ""
    problems: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return ENTRY_LABELS[self.kind]


@dataclass(frozen=True)
class CalendarDay:
    date: dt.date
    entries: list[CalendarEntry]
    free: list[Span]


@dataclass(frozen=True)
class HostWeek:
    """One licensed host's week; `zoom_error` when its Zoom list could not be read (the store's view only)."""

    host: ZoomHost
    days: list[CalendarDay]
    zoom_error: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def zoom_checked(self) -> bool:
        return self.zoom_error is None


@dataclass(frozen=True)
class TodayMeeting:
    """A meeting of today for the officers, with the viewing officer's own link (None for other roles)."""

    request: RequestRecord
    officer_url: str | None


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def day_window(day: dt.date, settings: Settings) -> Span:
    """The hours of `day` in which free time is shown, as UTC."""
    tz = settings.tz
    return Span(
        dt.datetime.combine(day, DAY_OPENS, tz).astimezone(dt.UTC),
        dt.datetime.combine(day, DAY_CLOSES, tz).astimezone(dt.UTC),
    )


def day_bounds(day: dt.date, settings: Settings) -> Span:
    """The whole of `day` in TIMEZONE, as UTC."""
    tz = settings.tz
    start = dt.datetime.combine(day, dt.time(), tz)
    return Span(start.astimezone(dt.UTC), (start + dt.timedelta(days=1)).astimezone(dt.UTC))


def touches(span: Span, window: Span) -> bool:
    return span.start < window.end and window.start < span.end


class HostCalendar:
    def __init__(
        self,
        settings: Settings,
        requests: RequestStore,
        slots: HostSlots,
        meetings: Meetings,
        links: Links,
        page: Callable[..., str],
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.settings = settings
        self.requests = requests
        self.slots = slots
        self.meetings = meetings
        self.links = links
        self.render = page
        self.clock = clock

    @property
    def buffer(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.settings.host_buffer_minutes)

    def today(self) -> dt.date:
        return self.clock().astimezone(self.settings.tz).date()

    def week_of(self, query: StaffCalendarQuery | None) -> dt.date:
        """The Monday of the week asked for; this week without one."""
        return monday_of(query.week if query is not None and query.week is not None else self.today())

    # ---- the week ------------------------------------------------------------------------------------------------

    def week(self, monday: dt.date) -> list[HostWeek]:
        """Every licensed host's week from `monday`, in the order of ZOOM_HOSTS."""
        days = [monday + dt.timedelta(days=n) for n in range(DAYS_IN_WEEK)]
        window = Span(day_bounds(days[0], self.settings).start, day_bounds(days[-1], self.settings).end)
        # The buffer reaches across midnight: meetings just outside the week still take time inside it.
        reach = Span(window.start - self.buffer - dt.timedelta(days=1), window.end + self.buffer)
        known = {record.id: record for record in self.requests.requests_starting_between(reach.start, reach.end)}
        return [self._host_week(host, days, window, reach, known) for host in self.settings.zoom_hosts]

    def _host_week(
        self,
        host: ZoomHost,
        days: list[dt.date],
        window: Span,
        reach: Span,
        known: dict[str, RequestRecord],
    ) -> HostWeek:
        entries = self._store_entries(host, reach, known)
        ours = {entry.meeting_id: entry for entry in entries if entry.meeting_id is not None}
        zoom_error = None
        try:
            listed = self.meetings.list_meetings(host.user, "scheduled")
        except ZoomError as exc:
            log.warning("the host calendar could not list the meetings of %s: %s", host.user, exc)
            zoom_error = f"{ZOOM_NOT_CHECKED} (akun {host.user}); yang tampil hanya catatan Vicon."
            listed = []
        seen: set[int] = set()
        for listed_meeting in listed:
            found = self._zoom_entry(host, listed_meeting, ours, known, reach)
            if found is None:
                continue
            stored = ours.get(listed_meeting.id)
            if stored is not None and found.kind == EntryKind.VICON:
                seen.add(listed_meeting.id)
                entries[entries.index(stored)] = found
            else:
                entries.append(found)
        if zoom_error is None:
            now = self.clock()
            for meeting_id, stored in ours.items():
                # Zoom stops listing a meeting some time after it ended; only a coming one must be there.
                if meeting_id not in seen and stored.span.end > now:
                    missing = (*stored.problems, "Tidak ada di daftar meeting Zoom akun ini.")
                    entries[entries.index(stored)] = _with_problems(stored, missing)
        problems = [
            f"{entry.request.id if entry.request else entry.meeting_id}: {problem}"
            for entry in entries
            if touches(entry.busy, window)
            for problem in entry.problems
        ]
        return HostWeek(host, [self._day(day, entries) for day in days], zoom_error, problems)

    def _store_entries(self, host: ZoomHost, reach: Span, known: dict[str, RequestRecord]) -> list[CalendarEntry]:
        """The pool's slots on `host` near the week: each request's meeting, or its slot while none is made yet."""
        entries = []
        for request_id, start, end in self.slots.host_slots(host.user):
            span = Span(start, end)
            if not touches(span, reach):
                continue
            record = known.get(request_id) or self.requests.get_request(request_id)
            meeting = record.meeting if record is not None else None
            entries.append(
                CalendarEntry(
                    EntryKind.VICON,
                    span,
                    Span(start - self.buffer, end + self.buffer),
                    record,
                    meeting.id if meeting is not None else None,
                    record.event_name if record is not None else "",
                )
            )
        return entries

    def _zoom_entry(
        self,
        host: ZoomHost,
        meeting: Meeting,
        ours: dict[int, CalendarEntry],
        known: dict[str, RequestRecord],
        reach: Span,
    ) -> CalendarEntry | None:
        span = meeting_span(meeting)
        if span is None or not touches(span, reach):
            return None
        busy = Span(span.start - self.buffer, span.end + self.buffer)
        tag = tagged_request(meeting.agenda)
        if tag is None:
            return CalendarEntry(EntryKind.FOREIGN, span, busy, meeting_id=meeting.id, topic=meeting.topic)
        stored = ours.get(meeting.id)
        if stored is not None and stored.request is not None and stored.request.id == tag:
            problems = stored.problems
            if (span.start, span.end) != (stored.span.start, stored.span.end):
                problems = (*problems, "Jadwal di Zoom berbeda dari catatan Vicon.")
            return _with_problems(stored, problems)
        record = known.get(tag) or self.requests.get_request(tag)
        if record is None:
            problem = f"Meeting bertanda [{tag}] di Zoom, tetapi permohonan itu tidak ada di Vicon."
        elif record.meeting is None or record.meeting.id != meeting.id or record.meeting.host != host.user:
            problem = f"Meeting bertanda [{tag}] di Zoom tidak tercatat pada permohonan itu di akun ini."
        else:
            problem = f"Meeting bertanda [{tag}] di Zoom tidak memegang slot akun ini di Vicon."
        return CalendarEntry(EntryKind.UNTRACKED, span, busy, record, meeting.id, meeting.topic or tag, (problem,))

    def _day(self, day: dt.date, entries: list[CalendarEntry]) -> CalendarDay:
        bounds = day_bounds(day, self.settings)
        on_day = sorted((entry for entry in entries if touches(entry.span, bounds)), key=lambda e: e.span.start)
        free = free_spans(day_window(day, self.settings), [entry.span for entry in entries], self.buffer)
        return CalendarDay(day, on_day, free)

    # ---- today, for the officers ---------------------------------------------------------------------------------

    def today_meetings(self, member: StaffMember) -> list[TodayMeeting]:
        """Today's events (TIMEZONE) that have a meeting, by start; an officer's own link on each."""
        bounds = day_bounds(self.today(), self.settings)
        officer = member.has(StaffRole.OFFICER)
        return [
            TodayMeeting(record, self.links.officer_url(record, member.email) if officer else None)
            for record in self.requests.requests_starting_between(bounds.start, bounds.end)
            if record.status in MEETING_STATUSES and record.meeting is not None
        ]

    # ---- the page ------------------------------------------------------------------------------------------------

    def page(self, member: StaffMember, query: StaffCalendarQuery | None, errors: Sequence[FieldError] = ()) -> str:
        monday = self.week_of(query)
        hosts = self.week(monday) if not errors else []
        return self.render(
            "pages/staff_calendar.html",
            member=member,
            monday=monday,
            sunday=monday + dt.timedelta(days=DAYS_IN_WEEK - 1),
            previous_week=(monday - dt.timedelta(days=DAYS_IN_WEEK)).isoformat(),
            next_week=(monday + dt.timedelta(days=DAYS_IN_WEEK)).isoformat(),
            this_week=monday_of(self.today()),
            today=self.today(),
            hosts=hosts,
            today_meetings=self.today_meetings(member),
            is_officer=member.has(StaffRole.OFFICER),
            buffer_minutes=self.settings.host_buffer_minutes,
            zone=tz_abbreviation(self.settings.tz),
            day_hours=f"{DAY_OPENS:%H.%M}–{DAY_CLOSES:%H.%M}",
            errors=list(errors),
            entry_kinds=EntryKind,
        )


def _with_problems(entry: CalendarEntry, problems: tuple[str, ...]) -> CalendarEntry:
    return CalendarEntry(entry.kind, entry.span, entry.busy, entry.request, entry.meeting_id, entry.topic, problems)
