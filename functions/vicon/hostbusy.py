"""When a licensed host is busy: the meetings on it, each with the buffer around it, and the free time between.

Pure arithmetic on UTC datetimes, shared by provisioning (a host with a Zoom meeting over the requested time is not
chosen) and the host calendar (busy and free time per day). Decision 0033.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from vicon.meetings import Meeting

# Provisioning writes `[<request id>]` at the start of the agenda (`provisioning.meeting_tag`); a meeting without
# it was made by someone else: in Zoom's portal, an app of its own, a host's Zoom client.
_TAG = re.compile(r"^\[(?P<id>[^\[\]\s]{1,64})\]")


@dataclass(frozen=True)
class Span:
    """A half-open stretch of time [start, end)."""

    start: dt.datetime
    end: dt.datetime

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


def tagged_request(agenda: str | None) -> str | None:
    """The request number a meeting of ours carries at the start of its agenda; None for anyone else's."""
    found = _TAG.match(agenda or "")
    return found.group("id") if found else None


def meeting_span(meeting: Meeting) -> Span | None:
    """When a listed Zoom meeting runs; None for one without a fixed time (a recurring one with no schedule)."""
    if meeting.start_time is None:
        return None
    start = meeting.start_time.astimezone(dt.UTC)
    return Span(start, start + dt.timedelta(minutes=max(meeting.duration, 0)))


def with_buffer(span: Span, buffer: dt.timedelta) -> Span:
    """The time a meeting keeps its host: the meeting and the buffer on both sides."""
    return Span(span.start - buffer, span.end + buffer)


def collides(start: dt.datetime, end: dt.datetime, held: Span, buffer: dt.timedelta) -> bool:
    """True when a meeting from `start` to `end` would fall within `buffer` of one held at `held` (the rule the
    store's slot claim applies: the buffer counted once, between the two meetings)."""
    return start < held.end + buffer and held.start - buffer < end


def blocking_meetings(
    listed: Iterable[Meeting], request_id: str, start: dt.datetime, end: dt.datetime, buffer: dt.timedelta
) -> list[Meeting]:
    """The meetings Zoom lists on a host that keep it from holding `request_id`'s meeting from `start` to `end`.

    Any meeting counts but the request's own (its tag): one made outside Vicon, and one of ours the store does not
    know (a leftover the tick has not deleted yet), since Zoom would refuse neither and the host still cannot run
    two at once.
    """
    blocking = []
    for meeting in listed:
        if tagged_request(meeting.agenda) == request_id:
            continue
        span = meeting_span(meeting)
        if span is not None and collides(start, end, span, buffer):
            blocking.append(meeting)
    return blocking


def merged(spans: Iterable[Span]) -> list[Span]:
    """The union of `spans`, as disjoint spans in order."""
    result: list[Span] = []
    for span in sorted(spans, key=lambda each: (each.start, each.end)):
        if span.end <= span.start:
            continue
        if result and span.start <= result[-1].end:
            last = result[-1]
            result[-1] = Span(last.start, max(last.end, span.end))
        else:
            result.append(span)
    return result


def free_spans(window: Span, meetings: Sequence[Span], buffer: dt.timedelta) -> list[Span]:
    """The stretches of `window` in which a new meeting could be held: outside every meeting and its buffer.

    A meeting that begins or ends outside the window still takes its share of it (one before midnight keeps the
    buffer after it on the next day).
    """
    free = []
    cursor = window.start
    for busy in merged(with_buffer(span, buffer) for span in meetings):
        if busy.end <= window.start or busy.start >= window.end:
            continue
        if busy.start > cursor:
            free.append(Span(cursor, busy.start))
        cursor = max(cursor, busy.end)
    if cursor < window.end:
        free.append(Span(cursor, window.end))
    return free
