"""The public inputs' vocabulary: field names and labels, limits, choices, the errors they answer with, and the
plain rules the settings share (Indonesian phone numbers, the office list, the lead time).

Standard library only: `functions/main.py`, the form reader (`vicon.forms`) and the answers (`vicon.web`) use it
without loading pydantic, which `vicon.inputs` (the models holding the rules) brings in at the first form parsed
(docs/decisions/0019-inputs-as-pydantic-models-at-the-edge.md). `vicon.intake` re-exports all of it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from vicon.workdays import WorkingCalendar

EVENT_TYPES = {
    "rapat_koordinasi": "Rapat koordinasi",
    "sosialisasi": "Sosialisasi",
    "pelatihan": "Pelatihan",
    "pertemuan_resmi": "Pertemuan resmi",
    "lainnya": "Lainnya",
}
NEEDS = {
    "breakout_room": "Breakout room",
    "recording": "Perekaman (cloud recording)",
    "live_streaming": "Live streaming",
    "polling": "Polling",
}
# Maximum characters per text field; the form mirrors these through intake_options.
TEXT_LIMITS = {
    "opd": 200,
    "opd_other": 200,
    "event_name": 200,
    "participants": 20_000,
    "speakers": 2_000,
    "contact_name": 120,
    "contact_phone": 30,
    "contact_email": 254,
    "letter_number": 100,
    "needs_notes": 2_000,
    "polls": 20_000,
}
FIELD_LABELS = {
    "opd": "Perangkat daerah (OPD)",
    "opd_other": "Nama perangkat daerah/instansi lainnya",
    "event_name": "Nama kegiatan",
    "event_type": "Jenis kegiatan",
    "start": "Waktu mulai",
    "end": "Waktu selesai",
    "participant_count": "Jumlah peserta",
    "participants": "Daftar peserta",
    "speakers": "Narasumber",
    "contact_name": "Nama kontak",
    "contact_phone": "Nomor telepon kontak",
    "contact_email": "Email kontak",
    "letter_number": "Nomor surat",
    "letter_date": "Tanggal surat",
    "letter": "Surat permohonan (PDF)",
    "needs": "Kebutuhan khusus",
    "needs_notes": "Kebutuhan lain",
    "recording_consent": "Persetujuan perekaman",
    "breakout_rooms": "Jumlah breakout room",
    "polls": "Polling: pertanyaan dan jawaban",
}
MIN_PARTICIPANTS = 2
LETTER_MAX_AGE_DAYS = 90
MAX_EVENT_HOURS = 24
MAX_LETTER_BYTES = 5 * 1024 * 1024
TRUE_VALUES = frozenset({"on", "true", "1", "yes"})
MULTILINE_FIELDS = frozenset({"participants", "speakers", "needs_notes", "polls"})
MAX_DAYS_AHEAD = 366
# The choice for an office not on OPD_LIST; the requester then names it in `opd_other`.
OPD_OTHER = "Lainnya"
# A verifier's reason for a decision (the review page's textarea says the same).
MAX_REASON_CHARS = 2_000

_PHONE_SEPARATORS = re.compile(r"[\s\-.()/]")


@dataclass(frozen=True)
class FieldError:
    field: str | None
    message: str

    def as_json(self) -> dict[str, str | None]:
        return {"field": self.field, "message": self.message}


class ValidationFailed(Exception):
    """The input breaks one or more rules; nothing was stored or sent."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = list(errors)


@dataclass(frozen=True)
class IntakeRules:
    """The configurable parts of the rules, resolved from settings."""

    tz: ZoneInfo
    calendar: WorkingCalendar
    min_lead_working_days: int
    max_participants: int
    opd_list: tuple[str, ...] = ()  # empty: any name is taken (for rules built without settings)

    def canonical_opd(self, value: str) -> str | None:
        """The list's spelling of `value` (whitespace runs collapsed, case ignored), OPD_OTHER, or None."""
        wanted = " ".join(value.split())
        if wanted in self.opd_list or wanted == OPD_OTHER:
            return wanted
        folded = wanted.casefold()
        for name in (*self.opd_list, OPD_OTHER):
            if name.casefold() == folded:
                return name
        return wanted if not self.opd_list else None

    def earliest_event_date(self, today: dt.date) -> dt.date:
        """The first date an event submitted `today` may take place on."""
        return self.calendar.add_working_days(today, self.min_lead_working_days)


def normalize_phone(raw: str) -> str | None:
    """An Indonesian number as +62…, or None when it is not one."""
    compact = _PHONE_SEPARATORS.sub("", raw)
    if compact.startswith("+62"):
        national = compact[3:]
    elif compact.startswith("62"):
        national = compact[2:]
    elif compact.startswith("0"):
        national = compact[1:]
    else:
        return None
    if not national.isascii() or not national.isdigit() or national.startswith("0"):
        return None
    if not 8 <= len(national) <= 12:
        return None
    return "+62" + national


# ---- complaints, suggestions and input (SOP item 10) ---------------------------------------------------------
# The complaint form's vocabulary, kept apart from the request form's so neither form's limits or labels leak into
# the other (intake_options' `limits` stay the request form's). docs/decisions/0027-complaints.md.

COMPLAINT_CATEGORIES = {"pengaduan": "Pengaduan", "saran": "Saran", "masukan": "Masukan"}
# How a complaint reached the office: `web` is the public form; the others are registered by an officer.
COMPLAINT_CHANNELS = {
    "web": "Formulir web",
    "in_person": "Langsung di kantor",
    "phone": "Telepon",
    "whatsapp": "WhatsApp atau pesan",
    "email": "Email",
}
COMPLAINT_TEXT_LIMITS = {
    "message": 5_000,
    "name": 120,
    "email": 254,
    "phone": 30,
    "opd": 200,
    "request_id": 20,
    "answer": 5_000,
}
COMPLAINT_FIELD_LABELS = {
    "category": "Jenis",
    "message": "Isi pengaduan, saran atau masukan",
    "name": "Nama",
    "email": "Email",
    "phone": "Nomor telepon",
    "opd": "Perangkat daerah/instansi",
    "request_id": "Nomor permohonan",
    "channel": "Diterima melalui",
    "answer": "Jawaban",
    "token": "Token",
}
COMPLAINT_MULTILINE_FIELDS = frozenset({"message", "answer"})
# A complaint form is a few text fields: a body beyond this is not one (the message takes at most 20 KB of UTF-8).
MAX_COMPLAINT_BODY_BYTES = 128 * 1024
# A request number as the receipt spells it; a complaint may name the request it is about.
REQUEST_ID_PATTERN = r"^VC-\d{4}-\d{6}$"
COMPLAINT_ID_PATTERN = r"^PG-\d{4}-\d{6}$"
COMPLAINT_ID_PREFIX = "PG-"


def is_complaint_id(subject_id: str | None) -> bool:
    """Whether an id (an audit entry's or an outbox entry's `request_id`) names a complaint rather than a request."""
    return bool(subject_id and subject_id.startswith(COMPLAINT_ID_PREFIX))
