"""A request as the service keeps it: typed records the use cases read by attribute, and the stores serialise.

The stores keep the JSON form (`to_stored`): times as `timefmt.iso` strings, which sort the same as a string and
as a time (both adapters' range queries rely on it), dates as ISO dates, statuses as their strings. That is the
form records had before they were typed, so stored data did not change.

A change to a stored request is a `RequestChanges`: only the fields it names are written, so two writers that
change different fields do not undo each other, and mypy checks every name.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainSerializer

from vicon.intake import OPD_OTHER
from vicon.lifecycle import CleanupState, Status
from vicon.timefmt import iso


class RecordingDecision(StrEnum):
    """What staff decided for a recording made without the organiser's consent."""

    ARCHIVE = "archive"  # keep it like any other, under the retention policy
    DELETE = "delete"  # remove it now, from Zoom and from our storage


def _as_utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("a stored time must carry its zone")
    # Held as it is stored (whole seconds), so a record reads the same before and after a round trip.
    return moment.astimezone(dt.UTC).replace(microsecond=0)


# An aware time, held in UTC, stored as `timefmt.iso` (second precision, a Z).
UtcTime = Annotated[dt.datetime, AfterValidator(_as_utc), PlainSerializer(iso, return_type=str, when_used="json")]


class Record(BaseModel):
    """Immutable, and tolerant of fields it does not know (a record written by a newer release keeps them)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    def to_stored(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> Self:
        return cls.model_validate(data)


class LetterRef(Record):
    """Where the request's letter is in the blob store, and what it was when it arrived."""

    key: str
    size: int
    sha256: str


class StoredMeeting(Record):
    """The Zoom meeting made for a request. Never the host's start link: that is fetched fresh each time."""

    id: int
    uuid: str
    host: str
    join_url: str
    passcode: str | None
    start: UtcTime
    end: UtcTime


class HistoryItem(Record):
    """One status change, as the requester's status page lists it."""

    status: str
    at: UtcTime
    actor: str


class ArchivedFile(Record):
    """One recording file, copied byte for byte from Zoom into the blob store and checked there."""

    file_id: str  # Zoom's recording file id: files are tracked one by one (a transcript may come later)
    meeting_uuid: str  # the meeting instance it belongs to
    file_type: str
    file_extension: str
    recording_start: UtcTime | None = None
    size: int
    sha256: str
    blob_key: str
    archived_at: UtcTime


class DeletedFile(Record):
    """An archived file removed under the retention policy (the audit trail has the same, with the reason)."""

    file_id: str
    blob_key: str
    size: int
    sha256: str
    deleted_at: UtcTime


class RequestRecord(Record):
    id: str
    status: Status
    created_at: UtcTime
    opd: str  # a name of OPD_LIST as spelled there, or intake.OPD_OTHER
    opd_other: str = ""  # the office's own name when `opd` is OPD_OTHER
    event_name: str
    event_type: str
    start: UtcTime
    end: UtcTime
    participant_count: int
    participants: tuple[str, ...]
    speakers: str
    contact_name: str
    contact_phone: str  # +62…
    contact_email: str
    letter_number: str
    letter_date: dt.date
    letter: LetterRef
    needs: tuple[str, ...] = ()
    needs_notes: str = ""
    recording_consent: bool = False
    meeting: StoredMeeting | None = None
    # Appended by the store with every transition (the audit trail has the rest).
    history: tuple[HistoryItem, ...] = ()
    decided_by: str | None = None
    decided_at: UtcTime | None = None
    decision_reason: str | None = None
    # When the tick next takes the request up (a retry, or an approval abandoned mid-way); None: it waits for nothing.
    next_provisioning_at: UtcTime | None = None
    provisioning_error: str | None = None
    provisioning_attempts: int = 0
    meeting_cleanup: CleanupState | None = None
    # Meetings Zoom made for this request that it neither records nor could delete yet; the tick deletes them.
    orphan_meetings: tuple[int, ...] = ()
    # What Zoom says happened (meeting.ended, or its past-meeting data); None until then.
    actual_start: UtcTime | None = None
    actual_end: UtcTime | None = None
    # Counts only, never names (the survey and the quarterly recap use them).
    attendance_participants: int | None = None
    attendance_minutes: int | None = None
    # Cloud recordings (vicon.usecases.recordings): archived files, the instances trashed in Zoom, and the
    # decision staff took on a recording made without the organiser's consent.
    recordings: tuple[ArchivedFile, ...] = ()
    trashed_recordings: tuple[str, ...] = ()  # meeting instance UUIDs whose Zoom copy is in Zoom's trash
    recording_notice_at: UtcTime | None = None  # staff were told of a recording made without consent
    recording_decision: RecordingDecision | None = None
    recording_decided_by: str | None = None
    recordings_mailed_at: UtcTime | None = None  # the organiser's download link went out
    recordings_reminded_at: UtcTime | None = None
    deleted_recordings: tuple[DeletedFile, ...] = ()
    recordings_deleted_at: UtcTime | None = None
    # Held by the one run that works on this request's recordings (two jobs for it may be due at once).
    recordings_lease: str | None = None
    recordings_lease_until: UtcTime | None = None

    def office_label(self) -> str:
        """The office as people read it: the listed name, or what a requester who chose OPD_OTHER typed."""
        return f"{OPD_OTHER}: {self.opd_other}" if self.opd_other else self.opd

    def held_meeting(self) -> StoredMeeting:
        """The meeting of a request that has one; ValueError (a bug in the caller) for one that has none."""
        if self.meeting is None:
            raise ValueError(f"request {self.id} has no meeting")
        return self.meeting


class QueueEntry(Record):
    """What the console's queue shows and searches of a request: a projection, so a store reads no more of it.

    The same stored document as a `RequestRecord` (decision 0030); the fields are `QUEUE_FIELDS`.
    """

    id: str
    status: Status
    created_at: UtcTime
    opd: str
    opd_other: str = ""
    event_name: str
    start: UtcTime
    end: UtcTime
    contact_name: str = ""
    contact_email: str = ""
    letter_number: str = ""
    meeting: StoredMeeting | None = None

    def office_label(self) -> str:
        return f"{OPD_OTHER}: {self.opd_other}" if self.opd_other else self.opd


QUEUE_FIELDS: tuple[str, ...] = tuple(QueueEntry.model_fields)


class RequestChanges(BaseModel):
    """Fields to set on a stored request; only those given (even as None) are written."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    meeting: StoredMeeting | None = None
    decided_by: str | None = None
    decided_at: UtcTime | None = None
    decision_reason: str | None = None
    next_provisioning_at: UtcTime | None = None
    provisioning_error: str | None = None
    provisioning_attempts: int = 0
    meeting_cleanup: CleanupState | None = None
    orphan_meetings: tuple[int, ...] = ()
    actual_start: UtcTime | None = None
    actual_end: UtcTime | None = None
    attendance_participants: int | None = None
    attendance_minutes: int | None = None
    recordings: tuple[ArchivedFile, ...] = ()
    trashed_recordings: tuple[str, ...] = ()
    recording_notice_at: UtcTime | None = None
    recording_decision: RecordingDecision | None = None
    recording_decided_by: str | None = None
    recordings_mailed_at: UtcTime | None = None
    recordings_reminded_at: UtcTime | None = None
    deleted_recordings: tuple[DeletedFile, ...] = ()
    recordings_deleted_at: UtcTime | None = None
    recordings_lease: str | None = None
    recordings_lease_until: UtcTime | None = None

    def to_stored(self) -> dict[str, Any]:
        """The named fields in the stored form, for the adapter to merge into the document."""
        return self.model_dump(mode="json", include=set(self.model_fields_set))

    def applied_to(self, record: RequestRecord) -> RequestRecord:
        """`record` as it reads once these changes are stored (for a mail queued with the same write)."""
        return record.model_copy(update={name: getattr(self, name) for name in self.model_fields_set})
