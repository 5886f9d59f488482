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

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from vicon.intake import OPD_OTHER
from vicon.lifecycle import CleanupState, Status
from vicon.skm import ELEMENT_COUNT, MAX_COMMENT_CHARS
from vicon.timefmt import iso


class RecordingDecision(StrEnum):
    """What staff decided for a recording made without the organiser's consent."""

    ARCHIVE = "archive"  # keep it like any other, under the retention policy
    DELETE = "delete"  # remove it now, from Zoom and from our storage


class RequestChannel(StrEnum):
    """How a request reached the office (SOP 3.1: "melalui surat resmi atau sistem layanan digital SPBE")."""

    WEB = "web"  # the public form (site/index.html) or another system through submit_request
    SURAT = "surat"  # a paper letter, registered by an officer from the console (decision 0034)


RECEIVED_VIA_LABELS = {RequestChannel.WEB: "formulir web", RequestChannel.SURAT: "surat fisik"}


def _as_utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is dt.UTC and not moment.microsecond:
        return moment  # as stored (`_stored_time`): nothing to convert
    if moment.tzinfo is None:
        raise ValueError("a stored time must carry its zone")
    # Held as it is stored (whole seconds), so a record reads the same before and after a round trip.
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def _stored_time(value: Any) -> Any:
    """A time as stored (`timefmt.iso`) read straight into UTC; any other input is pydantic's to parse.

    The same instant pydantic would make of it, in a fraction of the time: a quarterly report reads thousands of
    records of a dozen times each.
    """
    if isinstance(value, str) and len(value) == 20 and value[10] == "T" and value[19] == "Z" and value.isascii():
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            pass  # pydantic says what is wrong with it
    return value


# An aware time, held in UTC, stored as `timefmt.iso` (second precision, a Z).
UtcTime = Annotated[
    dt.datetime,
    BeforeValidator(_stored_time),
    AfterValidator(_as_utc),
    PlainSerializer(iso, return_type=str, when_used="json"),
]


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


class RequestPoll(Record):
    """One poll question the requester asked for (vicon.polls reads the form's text into these)."""

    name: str
    kind: str  # Zoom's question type: "single" or "multiple"
    answers: tuple[str, ...]


class LiveStream(Record):
    """The custom live stream set on the meeting through the console. Never the stream key: Zoom keeps that."""

    stream_url: str
    page_url: str
    set_by: str
    set_at: UtcTime


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


class SignatureCheck(Record):
    """One PDF electronic signature of the letter as pyHanko found it (vicon.document_check)."""

    signer_name: str  # the signing certificate's common name; "" when it could not be read
    signing_time: UtcTime | None = None  # the time the signer's software recorded (or a timestamp authority's)
    # The bytes the signature covers are unchanged and nothing disallowed was changed after signing.
    intact: bool
    # Its certificate chains to one of TRUSTED_SIGNATURE_ROOTS (revocation not checked: no network).
    trusted: bool
    issuer_name: str = ""  # the trust root's name when trusted, else the certificate's issuer
    summary: str  # one sentence in Bahasa, what the verifier reads

    @property
    def verdict(self) -> str:
        return "ok" if self.intact and self.trusted else "bad" if not self.intact else "neutral"


class LetterCheck(Record):
    """What the letter itself says, checked once at submission and stored with the request (decision 0029).

    Only a help for the verifier (SOP 3.2): nothing here ever refuses a request.
    """

    page_count: int | None  # None: the page tree could not be read
    text_readable: bool  # the first pages gave text (a scanned letter without a text layer gives none)
    number_found: bool  # the form's letter number occurs in that text
    date_found: bool  # the form's letter date occurs in it, in any usual spelling
    signatures: tuple[SignatureCheck, ...] = ()
    summary: str  # one line in Bahasa: pages, number and date, signatures
    notes: tuple[str, ...] = ()  # what was left unchecked and why (pages past the first few, time caps)
    completed: bool = True  # False: the check itself failed; only `summary` means anything then

    def found_label(self, found: bool) -> str:
        if not self.text_readable:
            return "Tidak dapat diperiksa: teks surat tidak dapat dibaca (mungkin hasil pindai)"
        return "Ditemukan di teks surat" if found else "Tidak ditemukan di teks surat"

    @property
    def number_label(self) -> str:
        return self.found_label(self.number_found)

    @property
    def date_label(self) -> str:
        return self.found_label(self.date_found)

    @property
    def pages_label(self) -> str:
        return "Tidak dapat dibaca" if self.page_count is None else f"{self.page_count} halaman"

    @property
    def verdict(self) -> str:
        """bad: a signature is not valid; ok: number and date found and every signature intact and trusted;
        neutral otherwise (how the summary line is emphasised, never a decision)."""
        if any(not signature.intact for signature in self.signatures):
            return "bad"
        found = self.text_readable and self.number_found and self.date_found
        if found and self.signatures and all(signature.trusted for signature in self.signatures):
            return "ok"
        return "neutral"


class SurveyResponse(Record):
    """The requester's one answer to the satisfaction survey (SKM) of a completed request.

    `scores` are u1 … u9 in the order of `vicon.skm.ELEMENTS`, each 1–4. The profile answers are `vicon.skm.PROFILE`
    choice keys, None when not given; they are reported only in aggregate.
    """

    scores: Annotated[
        tuple[Annotated[int, Field(ge=1, le=4)], ...], Field(min_length=ELEMENT_COUNT, max_length=ELEMENT_COUNT)
    ]
    jenis_kelamin: str | None = None
    usia: str | None = None
    pendidikan: str | None = None
    pekerjaan: str | None = None
    comment: Annotated[str, Field(max_length=MAX_COMMENT_CHARS)] = ""
    submitted_at: UtcTime


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
    breakout_rooms: int | None = None  # rooms to preset when `needs` has breakout_room; None: enabled, none preset
    polls: tuple[RequestPoll, ...] = ()  # created in the meeting as one poll once it exists (decision 0032)
    meeting: StoredMeeting | None = None
    # Zoom's id of the poll made from `polls`; empty until it exists. `polls_error` says why it does not yet.
    zoom_polls: tuple[str, ...] = ()
    polls_error: str | None = None
    # Held by the one attempt that lists and creates the polls in Zoom now (the inline try, the job, the console).
    polls_lease: str | None = None
    polls_lease_until: UtcTime | None = None
    livestream: LiveStream | None = None
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
    # The service-level notices already sent (vicon.usecases.sla), each at most once: `sla.Notice` values.
    sla_notices: tuple[str, ...] = ()
    # The document check of the letter (vicon.document_check), made at submission; None for older requests.
    letter_check: LetterCheck | None = None
    # The satisfaction survey (vicon.usecases.survey): mailed once on completion, reminded once, answered once.
    survey_mailed_at: UtcTime | None = None
    survey_reminded_at: UtcTime | None = None
    survey: SurveyResponse | None = None
    # How it arrived; requests stored before paper requests existed read as `web` (decision 0034).
    received_via: RequestChannel = RequestChannel.WEB
    registered_by: str | None = None  # the officer who registered a paper letter from the console

    @property
    def received_via_label(self) -> str:
        return RECEIVED_VIA_LABELS[self.received_via]

    def office_label(self) -> str:
        """The office as people read it: the listed name, or what a requester who chose OPD_OTHER typed."""
        return f"{OPD_OTHER}: {self.opd_other}" if self.opd_other else self.opd

    def held_meeting(self) -> StoredMeeting:
        """The meeting of a request that has one; ValueError (a bug in the caller) for one that has none."""
        if self.meeting is None:
            raise ValueError(f"request {self.id} has no meeting")
        return self.meeting


class ReportedMeeting(Record):
    host: str


class ReportedFile(Record):
    size: int


class ReportedRequest(Record):
    """What the quarterly report reads of a request (`RequestStore.reported_requests_between`): a projection of
    the stored record, without participants, letter, contact or Zoom details, so a quarter of thousands of
    requests is read in a fraction of the time whole records take. Same names and types as `RequestRecord`, but
    for `provisioned_at`, which `reported_request` derives from the stored history (read with `from_stored` it is
    whatever the data says)."""

    id: str
    status: Status
    created_at: UtcTime
    opd: str
    opd_other: str = ""
    event_name: str
    event_type: str
    start: UtcTime
    end: UtcTime
    needs: tuple[str, ...] = ()
    meeting: ReportedMeeting | None = None
    provisioned_at: UtcTime | None = None  # the first `provisioned` of the history: all the report needs of it
    decided_at: UtcTime | None = None
    actual_start: UtcTime | None = None
    actual_end: UtcTime | None = None
    attendance_participants: int | None = None
    attendance_minutes: int | None = None
    recordings: tuple[ReportedFile, ...] = ()
    deleted_recordings: tuple[ReportedFile, ...] = ()
    recordings_deleted_at: UtcTime | None = None
    survey: SurveyResponse | None = None

    def office_label(self) -> str:
        return f"{OPD_OTHER}: {self.opd_other}" if self.opd_other else self.opd


# The stored fields the projection reads (Firestore selects them; a meeting only for its host, the history for
# `provisioned_at`).
REPORTED_FIELD_PATHS = tuple(
    {"meeting": "meeting.host", "provisioned_at": "history"}.get(name, name) for name in ReportedRequest.model_fields
)


def reported_request(stored: dict[str, Any]) -> ReportedRequest:
    """A stored request (or its selected fields) as the report's projection. Its history becomes only the time it
    was first provisioned: parsing every status change cost the report a third of its read."""
    data = dict(stored)
    history = data.pop("history", None) or ()
    data["provisioned_at"] = next(
        (item.get("at") for item in history if isinstance(item, dict) and item.get("status") == Status.PROVISIONED),
        None,
    )
    return ReportedRequest.from_stored(data)


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
    decided_at: UtcTime | None = None  # the provisioning clock starts at the approval
    received_via: RequestChannel = RequestChannel.WEB

    def office_label(self) -> str:
        return f"{OPD_OTHER}: {self.opd_other}" if self.opd_other else self.opd


QUEUE_FIELDS: tuple[str, ...] = tuple(QueueEntry.model_fields)


class RequestChanges(BaseModel):
    """Fields to set on a stored request; only those given (even as None) are written."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    meeting: StoredMeeting | None = None
    zoom_polls: tuple[str, ...] = ()
    polls_error: str | None = None
    polls_lease: str | None = None
    polls_lease_until: UtcTime | None = None
    livestream: LiveStream | None = None
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
    sla_notices: tuple[str, ...] = ()
    survey_mailed_at: UtcTime | None = None
    survey_reminded_at: UtcTime | None = None
    survey: SurveyResponse | None = None

    def to_stored(self) -> dict[str, Any]:
        """The named fields in the stored form, for the adapter to merge into the document."""
        return self.model_dump(mode="json", include=set(self.model_fields_set))

    def applied_to(self, record: RequestRecord) -> RequestRecord:
        """`record` as it reads once these changes are stored (for a mail queued with the same write)."""
        return record.model_copy(update={name: getattr(self, name) for name in self.model_fields_set})


# ---- complaints, suggestions and input (SOP item 10; docs/decisions/0027-complaints.md) --------------------------


class ComplaintStatus(StrEnum):
    OPEN = "open"  # received, not answered yet
    ANSWERED = "answered"  # an officer answered it; the answer went to the sender; closed


class ComplaintChannel(StrEnum):
    """How the complaint reached the office (vicon.fields.COMPLAINT_CHANNELS has the labels)."""

    WEB = "web"  # the public form (site/pengaduan.html, or another system through submit_complaint)
    IN_PERSON = "in_person"  # at the office, registered by an officer
    PHONE = "phone"
    WHATSAPP = "whatsapp"  # a message to the PIC
    EMAIL = "email"  # a mail to the office's address


class ComplaintCategory(StrEnum):
    PENGADUAN = "pengaduan"
    SARAN = "saran"
    MASUKAN = "masukan"


class ComplaintRecord(Record):
    """A complaint, suggestion or input as the store keeps it; the audit trail (under its id) has every step."""

    id: str  # PG-YYYY-NNNNNN, numbered per year in TIMEZONE like requests
    status: ComplaintStatus
    received_at: UtcTime
    channel: ComplaintChannel
    category: ComplaintCategory
    message: str
    name: str
    email: str  # "" only for one an officer registered without an address (then the answer goes by phone)
    phone: str = ""  # +62… when given
    opd: str = ""  # a name of OPD_LIST as spelled there, or what the sender typed, or empty
    request_id: str | None = None  # the request it is about (VC-YYYY-NNNNNN), checked to exist
    registered_by: str | None = None  # the officer who registered one received in person, by phone, ...
    answer: str | None = None
    answered_by: str | None = None
    answered_at: UtcTime | None = None
