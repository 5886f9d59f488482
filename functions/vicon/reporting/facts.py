"""Gathering a quarter: the store's records as plain typed facts, and nothing the report does not use.

A request belongs to the quarter of its event date in TIMEZONE (its scheduled start), a survey to its request's.
Complaints come through `ComplaintSource`, a callable over the quarter's bounds (the store's
`complaints_received_between`); without one the report says there is no complaint data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

from vicon.lifecycle import Status
from vicon.ports import RequestStore
from vicon.quarters import Quarter
from vicon.records import ReportedRequest, RequestRecord


class ComplaintFacts(Protocol):
    """What the report reads of a complaint, suggestion or input (the complaints register's records have it)."""

    @property
    def status(self) -> str:
        """`open` or `answered`."""
        ...

    @property
    def received_at(self) -> dt.datetime: ...

    @property
    def category(self) -> str:
        """`pengaduan`, `saran` or `masukan`."""
        ...

    @property
    def channel(self) -> str: ...

    @property
    def answered_at(self) -> dt.datetime | None: ...


# The complaints received in [start, end): `store.complaints_received_between`.
ComplaintSource = Callable[[dt.datetime, dt.datetime], Sequence[ComplaintFacts]]


@dataclass(frozen=True)
class SurveyFacts:
    scores: tuple[int, ...]
    jenis_kelamin: str | None
    usia: str | None
    pendidikan: str | None
    pekerjaan: str | None
    comment: str
    submitted_at: dt.datetime


@dataclass(frozen=True)
class RecordingFacts:
    archived_files: int  # ever archived: still kept plus deleted under the retention policy
    archived_bytes: int
    deleted_files: int
    deleted_bytes: int
    retention_done: bool


@dataclass(frozen=True)
class RequestFacts:
    id: str
    opd: str  # a name of OPD_LIST or "Lainnya": what reports group by
    office: str  # as people read it ("Lainnya: …")
    event_name: str
    event_type: str
    needs: tuple[str, ...]
    status: str
    start: dt.datetime
    end: dt.datetime
    created_at: dt.datetime
    decided_at: dt.datetime | None
    provisioned_at: dt.datetime | None  # the first time the request reached `provisioned` (its history)
    host: str | None
    actual_start: dt.datetime | None
    actual_end: dt.datetime | None
    attendance_participants: int | None
    attendance_minutes: int | None
    recordings: RecordingFacts
    survey: SurveyFacts | None


@dataclass(frozen=True)
class QuarterFacts:
    quarter: Quarter
    requests: tuple[RequestFacts, ...]
    # None: no complaints register to ask (the section says so); a sequence, possibly empty, otherwise.
    complaints: tuple[ComplaintFacts, ...] | None


def request_facts(record: RequestRecord | ReportedRequest) -> RequestFacts:
    if isinstance(record, ReportedRequest):
        provisioned = record.provisioned_at
    else:
        provisioned = next((item.at for item in record.history if item.status == Status.PROVISIONED), None)
    survey = record.survey
    return RequestFacts(
        id=record.id,
        opd=record.opd,
        office=record.office_label(),
        event_name=record.event_name,
        event_type=record.event_type,
        needs=record.needs,
        status=str(record.status),
        start=record.start,
        end=record.end,
        created_at=record.created_at,
        decided_at=record.decided_at,
        provisioned_at=provisioned,
        host=record.meeting.host if record.meeting else None,
        actual_start=record.actual_start,
        actual_end=record.actual_end,
        attendance_participants=record.attendance_participants,
        attendance_minutes=record.attendance_minutes,
        recordings=RecordingFacts(
            archived_files=len(record.recordings) + len(record.deleted_recordings),
            archived_bytes=sum(f.size for f in record.recordings) + sum(f.size for f in record.deleted_recordings),
            deleted_files=len(record.deleted_recordings),
            deleted_bytes=sum(f.size for f in record.deleted_recordings),
            retention_done=record.recordings_deleted_at is not None,
        ),
        survey=SurveyFacts(
            scores=survey.scores,
            jenis_kelamin=survey.jenis_kelamin,
            usia=survey.usia,
            pendidikan=survey.pendidikan,
            pekerjaan=survey.pekerjaan,
            comment=survey.comment,
            submitted_at=survey.submitted_at,
        )
        if survey
        else None,
    )


def gather(
    requests: RequestStore, quarter: Quarter, tz: ZoneInfo, complaints: ComplaintSource | None = None
) -> QuarterFacts:
    """The quarter's requests (by event date in `tz`) and complaints (by date received) as facts."""
    start, end = quarter.bounds(tz)
    records = requests.reported_requests_between(start, end)
    received = None
    if complaints is not None:
        received = tuple(c for c in complaints(start, end) if start <= c.received_at < end)
    return QuarterFacts(quarter, tuple(request_facts(record) for record in records), received)
