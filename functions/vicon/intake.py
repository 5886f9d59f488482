"""Server-side validation of a meeting request: every rule of DESIGN.md, every message in Bahasa Indonesia."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

# Re-exported: core (intake_options) reads the size limit here with the other rules; validate_request checks with it.
from vicon.letters import MAX_LETTER_BYTES as MAX_LETTER_BYTES
from vicon.letters import letter_problem as letter_problem
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
}
MIN_PARTICIPANTS = 2
LETTER_MAX_AGE_DAYS = 90
MAX_EVENT_HOURS = 24
TRUE_VALUES = frozenset({"on", "true", "1", "yes"})

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_LOCAL_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PHONE_SEPARATORS = re.compile(r"[\s\-.()/]")
# Control characters other than tab and newline have no place in a form and break emails and CSV exports.
# C1 controls and bidirectional overrides too: the latter can make a subject line read backwards (spoofing).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Fields that end up in one line (an email subject, a header, a table cell) must not break it.
_LINE_BREAK = re.compile(r"[\n\u2028\u2029]")
MULTILINE_FIELDS = frozenset({"participants", "speakers", "needs_notes"})
MAX_DAYS_AHEAD = 366
# The choice for an office not on OPD_LIST; the requester then names it in `opd_other`.
OPD_OTHER = "Lainnya"


@dataclass(frozen=True)
class FieldError:
    field: str | None
    message: str

    def as_json(self) -> dict[str, str | None]:
        return {"field": self.field, "message": self.message}


class ValidationFailed(Exception):
    """The submission breaks one or more rules; nothing was stored or sent."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = list(errors)


@dataclass(frozen=True)
class ValidRequest:
    opd: str  # a name of OPD_LIST as spelled there, or OPD_OTHER
    opd_other: str  # the office's own name when `opd` is OPD_OTHER, else ""
    event_name: str
    event_type: str
    start: dt.datetime  # aware, UTC
    end: dt.datetime  # aware, UTC
    participant_count: int
    participants: list[str]
    speakers: str
    contact_name: str
    contact_phone: str  # +62…
    contact_email: str
    letter_number: str
    letter_date: dt.date
    needs: list[str]
    needs_notes: str
    recording_consent: bool


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


def validate_request(
    fields: Mapping[str, Sequence[str]],
    letter: bytes | None,
    rules: IntakeRules,
    now: dt.datetime,
    letter_check: Callable[[bytes], str | None] = letter_problem,
) -> ValidRequest:
    """Check a submission against every rule; raise ValidationFailed with all problems at once."""
    errors: list[FieldError] = []

    def fail(field: str, message: str) -> None:
        errors.append(FieldError(field, message))

    def text(name: str, required: bool = True) -> str:
        values = fields.get(name) or []
        value = (values[0] if values else "").replace("\r\n", "\n").replace("\r", "\n").strip()
        label = FIELD_LABELS[name]
        if _CONTROL.search(value):
            fail(name, f"{label} berisi karakter yang tidak diizinkan.")
            return ""
        if name not in MULTILINE_FIELDS and _LINE_BREAK.search(value):
            fail(name, f"{label} harus satu baris (tanpa ganti baris).")
            return ""
        if required and not value:
            fail(name, f"{label} wajib diisi.")
            return ""
        limit = TEXT_LIMITS.get(name)
        if limit is not None and len(value) > limit:
            fail(name, f"{label} paling banyak {limit:,} karakter (saat ini {len(value):,}).".replace(",", "."))
            return ""
        return value

    today = now.astimezone(rules.tz).date()

    opd = text("opd")
    opd_other = text("opd_other", required=False)
    if opd:
        canonical = rules.canonical_opd(opd)
        if canonical is None:
            fail(
                "opd",
                f"{FIELD_LABELS['opd']} tidak ada dalam daftar; pilih dari daftar, atau pilih “{OPD_OTHER}” "
                "lalu tulis namanya.",
            )
        opd = canonical or ""
    if opd == OPD_OTHER:
        opd_other = " ".join(opd_other.split())
        if not opd_other and not any(e.field == "opd_other" for e in errors):
            fail("opd_other", f"{FIELD_LABELS['opd_other']} wajib diisi bila memilih “{OPD_OTHER}”.")
    else:
        opd_other = ""  # a leftover from a choice changed back; the listed name is the answer
    event_name = text("event_name")
    event_type = text("event_type")
    if event_type and event_type not in EVENT_TYPES:
        fail("event_type", "Jenis kegiatan tidak dikenal; pilih salah satu dari daftar.")

    start = _local_datetime(text("start"), "start", rules.tz, fail)
    end = _local_datetime(text("end"), "end", rules.tz, fail)
    if start is not None:
        earliest = rules.earliest_event_date(today)
        start_day = start.astimezone(rules.tz).date()
        if start <= now:
            fail("start", "Waktu mulai sudah lewat.")
        elif start_day > today + dt.timedelta(days=MAX_DAYS_AHEAD):
            fail("start", f"Tanggal kegiatan paling jauh {MAX_DAYS_AHEAD} hari dari hari ini.")
        elif start_day < earliest:
            fail(
                "start",
                f"Permohonan paling lambat H-{rules.min_lead_working_days} hari kerja: "
                f"tanggal kegiatan paling cepat {format_date_id(earliest)}.",
            )
    if start is not None and end is not None:
        if end <= start:
            fail("end", "Waktu selesai harus setelah waktu mulai.")
        elif end - start > dt.timedelta(hours=MAX_EVENT_HOURS):
            fail("end", f"Durasi kegiatan paling lama {MAX_EVENT_HOURS} jam; ajukan hari berikutnya terpisah.")

    participant_count = 0
    count_text = text("participant_count")
    if count_text:
        if not count_text.isascii() or not count_text.isdigit() or len(count_text) > 9:
            fail("participant_count", "Jumlah peserta harus bilangan bulat.")
        else:
            participant_count = int(count_text)
            if participant_count < MIN_PARTICIPANTS:
                fail("participant_count", f"Jumlah peserta paling sedikit {MIN_PARTICIPANTS} orang.")
            elif participant_count > rules.max_participants:
                fail(
                    "participant_count",
                    f"Jumlah peserta melebihi kapasitas akun Zoom terbesar ({rules.max_participants} peserta).",
                )

    participants_text = text("participants")
    participants = [line.strip() for line in participants_text.split("\n") if line.strip()]
    speakers = text("speakers")
    contact_name = text("contact_name")

    phone_text = text("contact_phone")
    contact_phone = ""
    if phone_text:
        contact_phone = normalize_phone(phone_text) or ""
        if not contact_phone:
            fail("contact_phone", "Nomor telepon harus nomor Indonesia, misalnya 0812xxxxxxx atau +62812xxxxxxx.")

    contact_email = text("contact_email")
    # "=?" opens an RFC 2047 encoded word: such an address could never be put into a mail header safely.
    if contact_email and (not _EMAIL.match(contact_email) or "=?" in contact_email):
        fail("contact_email", "Alamat email tidak valid.")

    letter_number = text("letter_number")
    letter_date_text = text("letter_date")
    letter_date = None
    if letter_date_text:
        letter_date = _date(letter_date_text)
        if letter_date is None:
            fail("letter_date", "Tanggal surat harus berformat TTTT-BB-HH.")
        elif letter_date > today:
            fail("letter_date", "Tanggal surat tidak boleh setelah hari ini.")
        elif (today - letter_date).days > LETTER_MAX_AGE_DAYS:
            fail("letter_date", f"Tanggal surat paling lama {LETTER_MAX_AGE_DAYS} hari sebelum hari ini.")

    if letter is None:
        fail("letter", "Surat permohonan resmi (PDF) wajib dilampirkan.")
    else:
        problem = letter_check(letter)
        if problem:
            fail("letter", problem)

    needs: list[str] = []
    for value in fields.get("needs") or []:
        need = value.strip()
        if not need:
            continue
        if need not in NEEDS:
            fail("needs", "Kebutuhan khusus tidak dikenal; pilih dari daftar atau tulis di kebutuhan lain.")
            break
        if need not in needs:
            needs.append(need)
    needs_notes = text("needs_notes", required=False)
    consent_values = fields.get("recording_consent") or []
    recording_consent = bool(consent_values) and consent_values[0].strip().lower() in TRUE_VALUES
    if "recording" in needs and not recording_consent:
        fail("recording_consent", "Perekaman membutuhkan persetujuan penyelenggara; centang persetujuan perekaman.")

    if errors or start is None or end is None or letter_date is None:
        raise ValidationFailed(errors)
    return ValidRequest(
        opd=opd,
        opd_other=opd_other,
        event_name=event_name,
        event_type=event_type,
        start=start,
        end=end,
        participant_count=participant_count,
        participants=participants,
        speakers=speakers,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email,
        letter_number=letter_number,
        letter_date=letter_date,
        needs=needs,
        needs_notes=needs_notes,
        recording_consent=recording_consent and "recording" in needs,
    )


def opd_label(record: Mapping[str, object]) -> str:
    """The office as people read it: the listed name, or what a requester who chose OPD_OTHER typed."""
    other = record.get("opd_other")
    return f"{OPD_OTHER}: {other}" if other else str(record.get("opd", ""))


def _date(value: str) -> dt.date | None:
    if not _DATE.match(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _local_datetime(value: str, field: str, tz: ZoneInfo, fail: Callable[[str, str], None]) -> dt.datetime | None:
    if not value:
        return None
    parsed = None
    if _LOCAL_DATETIME.match(value):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            parsed = None
    if parsed is None:
        fail(field, f"{FIELD_LABELS[field]} harus berformat TTTT-BB-HHTjj:mm (waktu {tz_abbreviation(tz)}).")
        return None
    try:
        return parsed.replace(tzinfo=tz).astimezone(dt.UTC)
    except OverflowError:  # year 1 or 9999 shifted across the date line
        fail(field, f"{FIELD_LABELS[field]} di luar rentang tanggal yang dapat dipakai.")
        return None


DAY_NAMES = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTH_NAMES = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
_ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def tz_abbreviation(tz: ZoneInfo) -> str:
    """WIB, WITA or WIT for Indonesian zones; the zone's own abbreviation elsewhere."""
    return _ZONE_NAMES.get(tz.key) or dt.datetime.now(tz).strftime("%Z")


def format_date_id(day: dt.date) -> str:
    """'Rabu, 2 Desember 2026'."""
    return f"{DAY_NAMES[day.weekday()]}, {day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def format_datetime_id(moment: dt.datetime, tz: ZoneInfo) -> str:
    """'Rabu, 2 Desember 2026 09.00 WIB' — local time with the zone name, never bare."""
    local = moment.astimezone(tz)
    return f"{format_date_id(local.date())} {local:%H.%M} {tz_abbreviation(tz)}"
