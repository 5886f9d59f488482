"""The busy and free time arithmetic of vicon.hostbusy and the host calendar's day bounds (decision 0033)."""

from __future__ import annotations

import datetime as dt

from tests.harness import WIB
from vicon.hostbusy import Span, blocking_meetings, collides, free_spans, meeting_span, merged, tagged_request
from vicon.meetings import Meeting
from vicon.settings import Settings
from vicon.usecases.host_calendar import day_bounds, day_window, monday_of

BUFFER = dt.timedelta(minutes=30)


def at(hour: int, minute: int = 0, day: int = 2) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=WIB)


def span(start: tuple[int, int], end: tuple[int, int], day: int = 2) -> Span:
    return Span(at(*start, day=day), at(*end, day=day))


def listed(start: dt.datetime | None, minutes: int, agenda: str = "", meeting_id: int = 1) -> Meeting:
    return Meeting(meeting_id, "u", "h", None, "Rapat", agenda, start, minutes, "https://zoom.example/j/1", None, None)


def test_the_tag_is_read_from_the_start_of_the_agenda_only() -> None:
    assert tagged_request("[VC-2026-000001] Dinas Kesehatan") == "VC-2026-000001"
    assert tagged_request("Rapat [VC-2026-000001]") is None
    assert tagged_request("") is None and tagged_request(None) is None
    assert tagged_request("[ada spasi] x") is None


def test_a_meeting_collides_within_the_buffer_counted_once() -> None:
    held = span((9, 0), (10, 0))
    assert collides(at(10, 29), at(11, 0), held, BUFFER)
    assert not collides(at(10, 30), at(11, 0), held, BUFFER)  # exactly the buffer after it
    assert not collides(at(7, 0), at(8, 30), held, BUFFER)  # exactly the buffer before it
    assert collides(at(7, 0), at(8, 31), held, BUFFER)
    assert collides(at(9, 30), at(9, 45), held, BUFFER)


def test_blocking_meetings_skip_the_request_itself_and_meetings_without_a_time() -> None:
    own = listed(at(9, 0), 60, "[VC-2026-000001] milik sendiri", 1)
    foreign = listed(at(9, 0), 60, "dari portal", 2)
    no_time = listed(None, 60, "berulang tanpa jadwal", 3)
    far = listed(at(13, 0), 60, "", 4)
    blocking = blocking_meetings([own, foreign, no_time, far], "VC-2026-000001", at(9, 30), at(10, 30), BUFFER)
    assert [m.id for m in blocking] == [2]
    assert meeting_span(foreign) == Span(at(9, 0).astimezone(dt.UTC), at(10, 0).astimezone(dt.UTC))


def test_merged_joins_overlapping_and_touching_spans() -> None:
    spans = [span((13, 0), (14, 0)), span((9, 0), (10, 0)), span((9, 30), (11, 0)), span((11, 0), (12, 0))]
    assert merged(spans) == [span((9, 0), (12, 0)), span((13, 0), (14, 0))]
    assert merged([span((9, 0), (9, 0))]) == []


def test_free_time_is_the_day_minus_each_meeting_and_its_buffer() -> None:
    window = span((6, 0), (22, 0))
    meetings = [span((9, 0), (10, 0)), span((13, 0), (15, 0))]
    assert free_spans(window, meetings, BUFFER) == [
        span((6, 0), (8, 30)),
        span((10, 30), (12, 30)),
        span((15, 30), (22, 0)),
    ]
    # Two meetings an hour apart leave nothing between them: both buffers take it.
    assert free_spans(window, [span((9, 0), (10, 0)), span((11, 0), (12, 0))], BUFFER) == [
        span((6, 0), (8, 30)),
        span((12, 30), (22, 0)),
    ]
    assert free_spans(window, [], BUFFER) == [window]
    assert free_spans(window, [span((5, 0), (23, 0))], BUFFER) == []


def test_free_time_keeps_to_the_day_bounds() -> None:
    window = span((6, 0), (22, 0))
    # Starting before the window opens and ending in it; one after it closes that still reaches back into it.
    assert free_spans(window, [span((5, 0), (6, 15)), span((22, 10), (23, 0))], BUFFER) == [span((6, 45), (21, 40))]
    # A meeting late the day before reaches this day only through its buffer, outside the window: all free.
    assert free_spans(window, [Span(at(23, 0, day=1), at(23, 50, day=1))], BUFFER) == [window]
    # The buffer of one that ends at 06:10 does reach in.
    assert free_spans(window, [Span(at(23, 0, day=1), at(6, 10))], BUFFER) == [span((6, 40), (22, 0))]


def test_day_bounds_and_windows_are_in_the_office_time_zone() -> None:
    settings = Settings.from_env({"SIGNING_KEY": "k"})
    wednesday = dt.date(2026, 12, 2)
    assert day_bounds(wednesday, settings) == Span(
        dt.datetime(2026, 12, 1, 17, 0, tzinfo=dt.UTC), dt.datetime(2026, 12, 2, 17, 0, tzinfo=dt.UTC)
    )
    assert day_window(wednesday, settings) == Span(
        dt.datetime(2026, 12, 1, 23, 0, tzinfo=dt.UTC), dt.datetime(2026, 12, 2, 15, 0, tzinfo=dt.UTC)
    )
    assert monday_of(wednesday) == dt.date(2026, 11, 30)
    assert monday_of(dt.date(2026, 12, 6)) == dt.date(2026, 11, 30)  # Sunday belongs to the week before it
    assert monday_of(dt.date(2026, 11, 30)) == dt.date(2026, 11, 30)
