"""The inputs of the public contract as pydantic models: the submit form, a verifier's decision, a cancellation.

The domain rules are the models' validators; rules that need the settings or the clock read them from the
validation context (`IntakeContext`). `Form.parse` validates and turns pydantic's errors into `FieldError`s in
Bahasa Indonesia through one translation (`field_errors`): pydantic's own error types by name (`missing`,
`string_too_long`, ...), our rules' messages as they are written (`RULE`), and a Bahasa fallback naming the field for
anything else, so no English message of pydantic's ever reaches a person. The OpenAPI document describes these
models (`vicon.openapi`).

Pydantic loads when the first form is parsed, never at the targets' import (decision 0019); the vocabulary it
shares with the form reader and `main.py` is `vicon.fields`, which needs nothing but the standard library.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError, PydanticKnownError

from vicon import skm
from vicon.fields import (
    COMPLAINT_CATEGORIES,
    COMPLAINT_CHANNELS,
    COMPLAINT_FIELD_LABELS,
    COMPLAINT_MULTILINE_FIELDS,
    COMPLAINT_TEXT_LIMITS,
    EVENT_TYPES,
    FIELD_LABELS,
    LETTER_MAX_AGE_DAYS,
    MAX_DAYS_AHEAD,
    MAX_EVENT_HOURS,
    MAX_LETTER_BYTES,
    MAX_REASON_CHARS,
    MIN_PARTICIPANTS,
    MULTILINE_FIELDS,
    NEEDS,
    OPD_OTHER,
    REQUEST_ID_PATTERN,
    TEXT_LIMITS,
    TRUE_VALUES,
    FieldError,
    IntakeRules,
    ValidationFailed,
    normalize_phone,
)
from vicon.lifecycle import Status
from vicon.meetings import (
    BREAKOUT_MAX_ROOMS,
    LIVESTREAM_KEY_MAX_LENGTH,
    LIVESTREAM_URL_MAX_LENGTH,
    POLL_ANSWER_MAX_LENGTH,
    POLL_MAX_ANSWERS,
    POLL_MAX_QUESTIONS,
    POLL_MIN_ANSWERS,
    POLL_QUESTION_MAX_LENGTH,
)
from vicon.polls import MULTIPLE_MARKER, PollsInvalid, parse_polls
from vicon.timefmt import format_date_id, tz_abbreviation

# ---- the one translation of errors into Bahasa Indonesia ----------------------------------------------------

# Our own error type: its message is the Bahasa text people read, written where the rule is.
RULE = "rule"
# By error type: pydantic's (https://docs.pydantic.dev/latest/errors/validation_errors/) and the few of ours that
# several fields share. `{label}` is the field's title; numbers from the error's context print as 2.000.
MESSAGES = {
    "missing": "{label} wajib diisi.",
    "string_too_short": "{label} paling sedikit {min_length:,} karakter.",
    "string_too_long": "{label} paling banyak {max_length:,} karakter (saat ini {length:,}).",
    "int_parsing": "{label} harus bilangan bulat.",
    "int_type": "{label} harus bilangan bulat.",
    "greater_than_equal": "{label} paling sedikit {ge:,}.",
    "greater_than": "{label} harus lebih dari {gt:,}.",
    "less_than_equal": "{label} paling banyak {le:,}.",
    "less_than": "{label} harus kurang dari {lt:,}.",
    "literal_error": "{label} tidak dikenal; pilih salah satu dari daftar.",
    "enum": "{label} tidak dikenal; pilih salah satu dari daftar.",
    "control_character": "{label} berisi karakter yang tidak diizinkan.",
    "line_break": "{label} harus satu baris (tanpa ganti baris).",
    "local_datetime": "{label} harus berformat TTTT-BB-HHTjj:mm (waktu {zone}).",
    "iso_date": "{label} harus berformat TTTT-BB-HH.",
    "date_out_of_range": "{label} di luar rentang tanggal yang dapat dipakai.",
}
# Anything else (a type no rule here expects): still Bahasa, still naming the field.
UNKNOWN = "{label} tidak dapat diterima; periksa kembali isian ini."
FORM_LABEL = "Formulir"


class _Count(int):
    """A number from an error's context: `{n:,}` prints it the Indonesian way (2.000), `{n}` plainly."""

    def __format__(self, spec: str) -> str:
        return format(int(self), spec).replace(",", ".")


def refuse(message: str) -> PydanticCustomError:
    """A rule's refusal, in the words people read."""
    return PydanticCustomError(RULE, message)


def field_errors(form: type[Form], errors: Iterable[Mapping[str, Any]]) -> list[FieldError]:
    """Every problem pydantic found (`ValidationError.errors()`), in Bahasa Indonesia, each naming its field (once
    per field and message)."""
    found: list[FieldError] = []
    for error in errors:
        name = str(error["loc"][0]) if error["loc"] else None
        problem = FieldError(name, _message(form, name, error))
        if problem not in found:
            found.append(problem)
    return found


def _message(form: type[Form], name: str | None, error: Mapping[str, Any]) -> str:
    kind, context = error["type"], dict(error.get("ctx") or {})
    if kind == RULE:
        return str(error["msg"])
    if kind == "string_too_short" and context.get("min_length") == 1:
        kind = "missing"  # an empty answer to a required text
    described = form.model_fields.get(name) if name else None
    label = described.title if described and described.title else (f"Isian {name}" if name else FORM_LABEL)
    template = form.messages.get((name or "", kind)) or MESSAGES.get(kind, UNKNOWN)
    values = {key: _Count(value) if type(value) is int else value for key, value in context.items()}
    if isinstance(error.get("input"), str):
        values["length"] = _Count(len(error["input"]))
    try:
        return template.format(label=label, **values)
    except (KeyError, IndexError, ValueError):  # a context without what the template names
        return UNKNOWN.format(label=label)


class Form(BaseModel):
    """An input of the public contract; `parse` is its one way in."""

    # A model's validator is built at its first use: a target builds only the form it parses.
    model_config = ConfigDict(frozen=True, defer_build=True)
    # Wording for one field's error of one type, where the general message (MESSAGES) would not do.
    messages: ClassVar[Mapping[tuple[str, str], str]] = {}

    @classmethod
    def parse(cls, data: Mapping[str, Any], context: object = None) -> Self:
        """The validated input; ValidationFailed with every problem at once, in Bahasa Indonesia."""
        try:
            return cls.model_validate(data, context=context)
        except ValidationError as failed:
            raise ValidationFailed(field_errors(cls, failed.errors(include_url=False))) from None


def first_values(fields: Mapping[str, Sequence[str]], repeated: Collection[str] = ()) -> dict[str, Any]:
    """A form as a model takes it: the first value of each name, all values of a repeated one (`needs`)."""
    return {name: list(values) if name in repeated else values[0] for name, values in fields.items() if values}


# ---- text as people type it ------------------------------------------------------------------------------

# Control characters other than tab and newline have no place in a form and break emails and CSV exports.
# C1 controls and bidirectional overrides too: the latter can make a subject line read backwards (spoofing).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Fields that end up in one line (an email subject, a header, a table cell) must not break it.
_LINE_BREAK = re.compile(r"[\n\u2028\u2029]")
SINGLE_LINE = "Satu baris: tanpa ganti baris, tanpa karakter kontrol atau penanda arah teks (bidi)."
MULTI_LINE = "Boleh beberapa baris; tanpa karakter kontrol atau penanda arah teks (bidi)."


def _multi_line(value: Any) -> Any:
    """Line breaks as \\n, no surrounding whitespace, no control characters."""
    if not isinstance(value, str):
        return value  # pydantic's own type check names it
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if _CONTROL.search(value):
        raise PydanticCustomError("control_character", "control characters")
    return value


def _single_line(value: Any) -> Any:
    value = _multi_line(value)
    if isinstance(value, str) and _LINE_BREAK.search(value):
        raise PydanticCustomError("line_break", "a line break")
    return value


def _required_line(value: Any) -> Any:
    """One line that must not be empty, for a field whose type is not text (a choice, a date, a number)."""
    value = _single_line(value)
    if value == "":
        raise PydanticKnownError("missing")
    return value


SingleLine = Annotated[str, BeforeValidator(_single_line)]
MultiLine = Annotated[str, BeforeValidator(_multi_line)]


def _text(name: str, *, required: bool = True, description: str = "", **extra: Any) -> Any:
    """The field of text `name`: its label, its limit, required (at least one character) or empty by default."""
    line = MULTI_LINE if name in MULTILINE_FIELDS else SINGLE_LINE
    bounds: dict[str, Any] = {"min_length": 1} if required else {"default": ""}
    return Field(
        title=FIELD_LABELS[name],
        max_length=TEXT_LIMITS[name],
        description=f"{description} {line}" if description else line,
        **bounds,
        **extra,
    )


# ---- the submit form -------------------------------------------------------------------------------------


@dataclass
class IntakeContext:
    """What the submit form's rules read besides the form: the configured rules, the time of submission and the
    letter check; and what the fields parsed to before their own rules ran (`parsed`)."""

    rules: IntakeRules
    now: dt.datetime
    letter_check: Callable[[bytes], str | None]
    # Pydantic leaves a field that broke a rule out of `info.data`. The form still names every problem at once,
    # so a start in the past is also checked against the end, and consent against the needs asked for.
    parsed: dict[str, Any] = field(default_factory=dict)

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(self.rules.tz).date()


def _intake(info: ValidationInfo) -> IntakeContext:
    context = info.context
    if not isinstance(context, IntakeContext):
        raise TypeError("SubmitForm is parsed with an IntakeContext")
    return context


LOCAL_DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$"
_LOCAL_DATETIME = re.compile(LOCAL_DATETIME_PATTERN)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


def _is_mail_address(email: str) -> bool:
    """The one address rule of every form: the pattern, and no "=?", which opens an RFC 2047 encoded word (such an
    address could never be put into a mail header safely)."""
    return bool(_EMAIL.match(email)) and "=?" not in email


def _local_datetime(value: Any, info: ValidationInfo) -> Any:
    """`YYYY-MM-DDTHH:MM` in TIMEZONE, as an aware UTC time."""
    value = _required_line(value)
    if not isinstance(value, str):
        return value
    tz = _intake(info).rules.tz
    try:
        parsed = dt.datetime.fromisoformat(value) if _LOCAL_DATETIME.match(value) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise PydanticCustomError("local_datetime", "not YYYY-MM-DDTHH:MM", {"zone": tz_abbreviation(tz)})
    try:
        moment = parsed.replace(tzinfo=tz).astimezone(dt.UTC)
    except OverflowError:  # year 1 or 9999 shifted across the date line
        raise PydanticCustomError("date_out_of_range", "out of range") from None
    _intake(info).parsed[info.field_name or ""] = moment
    return moment


def _iso_date(value: Any) -> Any:
    value = _required_line(value)
    if not isinstance(value, str):
        return value
    try:
        if _DATE.match(value):
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    raise PydanticCustomError("iso_date", "not YYYY-MM-DD")


def _whole_number(value: Any) -> Any:
    """Digits only: no sign, no decimals, no digits of other scripts, nothing a 32-bit count could not hold."""
    value = _required_line(value)
    if not isinstance(value, str):
        return value
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        raise PydanticKnownError("int_parsing")
    return int(value)


def _choices(value: Any, info: ValidationInfo) -> Any:
    """A repeated choice (`needs`): blanks dropped, each once, in the order given."""
    if not isinstance(value, list):
        return value
    chosen = list(dict.fromkeys(item.strip() if isinstance(item, str) else item for item in value))
    chosen = [item for item in chosen if item != ""]
    _intake(info).parsed[info.field_name or ""] = chosen
    return chosen


def _optional_whole_number(value: Any) -> Any:
    """An optional count: empty is None, otherwise digits as `_whole_number` takes them."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _whole_number(value)


def _checkbox(value: Any) -> Any:
    return value.strip().lower() in TRUE_VALUES if isinstance(value, str) else value


if TYPE_CHECKING:
    EventType = str
    Need = str
else:  # the choices are the vocabulary's own keys; mypy reads them as text
    EventType = Literal[tuple(EVENT_TYPES)]
    Need = Literal[tuple(NEEDS)]

LocalDateTime = Annotated[
    dt.datetime,
    BeforeValidator(_local_datetime),
    WithJsonSchema({"type": "string", "pattern": LOCAL_DATETIME_PATTERN}),
]
_LOCAL_TIME = "Waktu setempat di TIMEZONE (`timezone` pada intake_options), `YYYY-MM-DDTHH:MM`."


def _described(choices: Mapping[str, str]) -> str:
    return "; ".join(f"`{key}`: {label}" for key, label in choices.items())


class SubmitForm(Form):
    """The submit_request form (DESIGN.md): every field, its limits and its rules."""

    messages: ClassVar[Mapping[tuple[str, str], str]] = {
        ("letter", "missing"): "Surat permohonan resmi (PDF) wajib dilampirkan.",
        ("participant_count", "greater_than_equal"): "Jumlah peserta paling sedikit {ge} orang.",
        ("needs", "literal_error"): "Kebutuhan khusus tidak dikenal; pilih dari daftar atau tulis di kebutuhan lain.",
        ("breakout_rooms", "greater_than_equal"): "Jumlah breakout room paling sedikit {ge}.",
        ("breakout_rooms", "less_than_equal"): "Jumlah breakout room paling banyak {le}.",
        ("breakout_rooms", "int_parsing"): "Jumlah breakout room harus bilangan bulat.",
    }

    opd: SingleLine = _text(
        "opd",
        description="Nama perangkat daerah dari OPD_LIST (lihat `opd_list` pada intake_options; dibandingkan tanpa "
        f"membedakan huruf besar/kecil) atau `{OPD_OTHER}`.",
    )
    opd_other: SingleLine = _text(
        "opd_other",
        required=False,
        description=f"Wajib bila `opd` = `{OPD_OTHER}`, selain itu diabaikan.",
        validate_default=True,
    )
    event_name: SingleLine = _text("event_name")
    event_type: Annotated[EventType, BeforeValidator(_required_line)] = Field(
        title=FIELD_LABELS["event_type"], description=_described(EVENT_TYPES)
    )
    start: LocalDateTime = Field(
        title=FIELD_LABELS["start"],
        description=f"{_LOCAL_TIME} Tanggalnya paling cepat MIN_LEAD_WORKING_DAYS hari kerja setelah hari ini "
        f"(`earliest_event_date` pada intake_options), paling jauh {MAX_DAYS_AHEAD} hari.",
    )
    end: LocalDateTime = Field(
        title=FIELD_LABELS["end"],
        description=f"{_LOCAL_TIME} Setelah `start`, paling lama {MAX_EVENT_HOURS} jam sesudahnya.",
    )
    participant_count: Annotated[int, BeforeValidator(_whole_number)] = Field(
        title=FIELD_LABELS["participant_count"],
        ge=MIN_PARTICIPANTS,
        description="Paling banyak kapasitas akun Zoom terbesar (ZOOM_HOSTS).",
    )
    participants: MultiLine = _text("participants", description="Satu peserta per baris.")
    speakers: MultiLine = _text("speakers")
    contact_name: SingleLine = _text("contact_name")
    contact_phone: SingleLine = _text(
        "contact_phone", description="Nomor Indonesia (`08…`, `+62…`, `62…`), disimpan sebagai `+62…`."
    )
    contact_email: SingleLine = _text("contact_email", json_schema_extra={"format": "email"})
    letter_number: SingleLine = _text("letter_number")
    letter_date: Annotated[dt.date, BeforeValidator(_iso_date)] = Field(
        title=FIELD_LABELS["letter_date"],
        description=f"`YYYY-MM-DD`; tidak setelah hari ini, tidak lebih dari {LETTER_MAX_AGE_DAYS} hari sebelumnya.",
    )
    letter: bytes = Field(
        title=FIELD_LABELS["letter"],
        description=f"PDF paling besar {MAX_LETTER_BYTES} byte ({MAX_LETTER_BYTES // 2**20} MiB), diawali `%PDF-`, "
        "minimal satu halaman, tanpa konten aktif (README, Letter rules). Jenis dan nama berkas yang dikirim tidak "
        "dipercaya.",
        json_schema_extra={"contentMediaType": "application/pdf"},
    )
    needs: Annotated[list[Need], BeforeValidator(_choices)] = Field(
        default_factory=list,
        title=FIELD_LABELS["needs"],
        description=f"Diulang satu bagian per kebutuhan. {_described(NEEDS)}",
        json_schema_extra={"uniqueItems": True},
    )
    needs_notes: MultiLine = _text("needs_notes", required=False, description="Kebutuhan lain.")
    breakout_rooms: Annotated[int | None, BeforeValidator(_optional_whole_number)] = Field(
        default=None,
        validate_default=True,
        title=FIELD_LABELS["breakout_rooms"],
        ge=2,
        le=BREAKOUT_MAX_ROOMS,
        description=f"Opsional, hanya bila `needs` memuat `breakout_room`: 2 sampai {BREAKOUT_MAX_ROOMS} ruang, "
        "disiapkan di meeting sebagai “Ruang 1”, “Ruang 2”, …; kosong: breakout room diaktifkan tanpa ruang siap.",
    )
    polls: MultiLine = _text(
        "polls",
        required=False,
        validate_default=True,
        description="Opsional, hanya bila `needs` memuat `polling`: satu pertanyaan per blok, blok dipisah baris "
        "kosong; baris pertama pertanyaan, baris berikutnya jawaban (satu per baris, "
        f"{POLL_MIN_ANSWERS}–{POLL_MAX_ANSWERS}). Awali pertanyaan dengan `{MULTIPLE_MARKER}` bila peserta boleh "
        f"memilih lebih dari satu jawaban. Paling banyak {POLL_MAX_QUESTIONS} pertanyaan; pertanyaan paling "
        f"banyak {POLL_QUESTION_MAX_LENGTH} karakter, jawaban {POLL_ANSWER_MAX_LENGTH}. Dibuat di meeting Zoom "
        "saat meeting dibuat.",
    )
    recording_consent: Annotated[bool, BeforeValidator(_checkbox), WithJsonSchema({"type": "string"})] = Field(
        default=False,
        validate_default=True,
        title=FIELD_LABELS["recording_consent"],
        description="Setuju bila salah satu dari "
        + ", ".join(f"`{value}`" for value in sorted(TRUE_VALUES))
        + "; wajib bila `needs` memuat `recording`.",
    )

    @classmethod
    def read(cls, fields: Mapping[str, Sequence[str]], letter: bytes | None, context: IntakeContext) -> SubmitForm:
        """The form as `vicon.forms` read it (every value of each name) and its letter, validated."""
        data = first_values(fields, repeated={"needs"})
        if letter is not None:
            data["letter"] = letter
        return cls.parse(data, context)

    @field_validator("opd")
    @classmethod
    def _listed_office(cls, opd: str, info: ValidationInfo) -> str:
        canonical = _intake(info).rules.canonical_opd(opd)
        if canonical is None:
            raise refuse(
                f"{FIELD_LABELS['opd']} tidak ada dalam daftar; pilih dari daftar, atau pilih “{OPD_OTHER}” "
                "lalu tulis namanya."
            )
        return canonical

    @field_validator("opd_other")
    @classmethod
    def _other_office(cls, other: str, info: ValidationInfo) -> str:
        if info.data.get("opd") != OPD_OTHER:
            return ""  # a leftover from a choice changed back; the listed name is the answer
        other = " ".join(other.split())
        if not other:
            raise refuse(f"{FIELD_LABELS['opd_other']} wajib diisi bila memilih “{OPD_OTHER}”.")
        return other

    @field_validator("start")
    @classmethod
    def _lead_time(cls, start: dt.datetime, info: ValidationInfo) -> dt.datetime:
        context = _intake(info)
        rules, today = context.rules, context.today
        earliest = rules.earliest_event_date(today)
        start_day = start.astimezone(rules.tz).date()
        if start <= context.now:
            raise refuse("Waktu mulai sudah lewat.")
        if start_day > today + dt.timedelta(days=MAX_DAYS_AHEAD):
            raise refuse(f"Tanggal kegiatan paling jauh {MAX_DAYS_AHEAD} hari dari hari ini.")
        if start_day < earliest:
            raise refuse(
                f"Permohonan paling lambat H-{rules.min_lead_working_days} hari kerja: "
                f"tanggal kegiatan paling cepat {format_date_id(earliest)}."
            )
        return start

    @field_validator("end")
    @classmethod
    def _after_start(cls, end: dt.datetime, info: ValidationInfo) -> dt.datetime:
        start = _intake(info).parsed.get("start")
        if start is None:
            return end  # the start's own error says why there is nothing to compare with
        if end <= start:
            raise refuse("Waktu selesai harus setelah waktu mulai.")
        if end - start > dt.timedelta(hours=MAX_EVENT_HOURS):
            raise refuse(f"Durasi kegiatan paling lama {MAX_EVENT_HOURS} jam; ajukan hari berikutnya terpisah.")
        return end

    @field_validator("participant_count")
    @classmethod
    def _fits_a_host(cls, count: int, info: ValidationInfo) -> int:
        largest = _intake(info).rules.max_participants
        if count > largest:
            raise refuse(f"Jumlah peserta melebihi kapasitas akun Zoom terbesar ({largest} peserta).")
        return count

    @field_validator("contact_phone")
    @classmethod
    def _indonesian_phone(cls, phone: str) -> str:
        normalised = normalize_phone(phone)
        if normalised is None:
            raise refuse("Nomor telepon harus nomor Indonesia, misalnya 0812xxxxxxx atau +62812xxxxxxx.")
        return normalised

    @field_validator("contact_email")
    @classmethod
    def _mail_address(cls, email: str) -> str:
        if not _is_mail_address(email):
            raise refuse("Alamat email tidak valid.")
        return email

    @field_validator("letter_date")
    @classmethod
    def _recent_letter(cls, letter_date: dt.date, info: ValidationInfo) -> dt.date:
        today = _intake(info).today
        if letter_date > today:
            raise refuse("Tanggal surat tidak boleh setelah hari ini.")
        if (today - letter_date).days > LETTER_MAX_AGE_DAYS:
            raise refuse(f"Tanggal surat paling lama {LETTER_MAX_AGE_DAYS} hari sebelum hari ini.")
        return letter_date

    @field_validator("letter")
    @classmethod
    def _plain_pdf(cls, letter: bytes, info: ValidationInfo) -> bytes:
        problem = _intake(info).letter_check(letter)
        if problem:
            raise refuse(problem)
        return letter

    @field_validator("breakout_rooms")
    @classmethod
    def _rooms_for_breakout(cls, rooms: int | None, info: ValidationInfo) -> int | None:
        if rooms is not None and "breakout_room" not in _intake(info).parsed.get("needs", ()):
            raise refuse("Centang kebutuhan breakout room bila meminta sejumlah breakout room.")
        return rooms

    @field_validator("polls")
    @classmethod
    def _readable_polls(cls, polls: str, info: ValidationInfo) -> str:
        if not polls:
            return polls
        if "polling" not in _intake(info).parsed.get("needs", ()):
            raise refuse("Centang kebutuhan polling bila menuliskan pertanyaan polling.")
        try:
            parse_polls(polls)
        except PollsInvalid as invalid:
            raise refuse(str(invalid)) from None
        return polls

    @field_validator("recording_consent")
    @classmethod
    def _consent_for_recording(cls, consent: bool, info: ValidationInfo) -> bool:
        if "recording" in _intake(info).parsed.get("needs", ()) and not consent:
            raise refuse("Perekaman membutuhkan persetujuan penyelenggara; centang persetujuan perekaman.")
        return consent


# ---- the verifier's decision and the requester's cancellation --------------------------------------------

TOKEN_NOTE = "Token bertanda tangan dari tautan di email; terikat pada permohonan, tujuan dan penerima."  # noqa: S105 — a description, not a secret


REJECTION_NEEDS_A_REASON = "Alasan penolakan wajib diisi; pemohon akan menerimanya lewat email."


def _stripped(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


Stripped = Annotated[str, BeforeValidator(_stripped)]


class DecisionForm(Form):
    """review_request POST: the review page's buttons (`decision`) with the reason, or the same from a system."""

    messages: ClassVar[Mapping[tuple[str, str], str]] = {
        ("decision", "missing"): "Pilih tombol Setujui atau Tolak.",
        ("decision", "literal_error"): "Pilih tombol Setujui atau Tolak.",
        ("reason", "string_too_long"): "Alasan paling banyak {max_length} karakter.",
        ("stream_url", "string_too_long"): "URL stream paling banyak {max_length} karakter.",
        ("stream_key", "string_too_long"): "Kunci stream paling banyak {max_length} karakter.",
        ("page_url", "string_too_long"): "URL halaman live stream paling banyak {max_length} karakter.",
    }

    # Not required here: the link's query may carry it instead (main.review_request); a bad or missing one is 403.
    token: str = Field(default="", title="Token", description=TOKEN_NOTE)
    decision: Literal["approve", "reject"] = Field(
        title="Keputusan",
        description="`approve`: setujui (meeting Zoom dibuat saat itu juga); `reject`: tolak dengan `reason`.",
    )
    reason: Stripped = Field(
        default="",
        validate_default=True,
        title="Alasan penolakan",
        max_length=MAX_REASON_CHARS,
        description="Wajib untuk `reject`; dikirim ke pemohon.",
    )

    @field_validator("reason")
    @classmethod
    def _reason_for_a_rejection(cls, reason: str, info: ValidationInfo) -> str:
        if info.data.get("decision") == "reject" and not reason:
            raise refuse(REJECTION_NEEDS_A_REASON)
        return reason


class CancelForm(Form):
    """cancel_request POST: the status page's button, with the request's number and its status link's token."""

    id: Stripped = Field(title="Nomor permohonan", min_length=1, description="Nomor permohonan.")
    token: Stripped = Field(title="Token", min_length=1, description=TOKEN_NOTE)


# ---- the requester's satisfaction survey ----------------------------------------------------------------------

SURVEY_TOKEN_NOTE = "Token bertanda tangan dari tautan survei di email (`survei.html?token=...`)."  # noqa: S105


def _score(value: Any) -> Any:
    """Exactly one of the digits the scale has: no sign, no spaces, no decimals (the radio buttons send 1 … 4)."""
    if isinstance(value, str) and not (value.isascii() and value.isdigit() and 0 < len(value) <= 9):
        raise PydanticKnownError("missing") if value == "" else PydanticKnownError("int_parsing")
    return int(value) if isinstance(value, str) else value


def _profile_choice(value: Any) -> Any:
    """A profile answer: one of its choices as sent, or empty for "not given" (the profile is optional)."""
    return None if value == "" else value


if TYPE_CHECKING:
    JenisKelamin = str
    Usia = str
    Pendidikan = str
    Pekerjaan = str
else:  # the choices are vicon.skm's keys; mypy reads them as text
    JenisKelamin, Usia, Pendidikan, Pekerjaan = (Literal[tuple(question.choices)] for question in skm.PROFILE)

Score = Annotated[int, BeforeValidator(_score), WithJsonSchema({"type": "integer", "enum": list(skm.SCALE)})]


def _element(number: int) -> Any:
    element = skm.ELEMENTS[number - 1]
    answers = "; ".join(f"`{value}`: {label}" for value, label in zip(skm.SCALE, element.answers, strict=True))
    return Field(title=f"Unsur {number}: {element.name}", ge=1, le=4, description=f"{element.question} {answers}")


def _profile_question(key: str) -> skm.ProfileQuestion:
    return next(question for question in skm.PROFILE if question.key == key)


def _profile(key: str) -> Any:
    question = _profile_question(key)
    return Field(
        default=None,
        title=question.label,
        description=f"Opsional, dilaporkan hanya secara agregat. Kosong: tidak diisi. {_described(question.choices)}",
    )


def _profile_schema(key: str) -> WithJsonSchema:
    """What the form sends: one of the choices, or empty (not given)."""
    return WithJsonSchema({"type": "string", "enum": ["", *_profile_question(key).choices]})


JenisKelaminAnswer = Annotated[JenisKelamin | None, BeforeValidator(_profile_choice), _profile_schema("jenis_kelamin")]
UsiaAnswer = Annotated[Usia | None, BeforeValidator(_profile_choice), _profile_schema("usia")]
PendidikanAnswer = Annotated[Pendidikan | None, BeforeValidator(_profile_choice), _profile_schema("pendidikan")]
PekerjaanAnswer = Annotated[Pekerjaan | None, BeforeValidator(_profile_choice), _profile_schema("pekerjaan")]


class SurveyForm(Form):
    """submit_survey POST: the survey page's form (DESIGN.md: `token`, `u1` … `u9`, `comment`) and the profile."""

    messages: ClassVar[Mapping[tuple[str, str], str]] = {
        **{
            (element.key, kind): f"Pilih salah satu jawaban untuk unsur {element.number} ({element.name})."
            for element in skm.ELEMENTS
            for kind in ("missing", "int_type")
        },
        **{
            (element.key, kind): f"Jawaban unsur {element.number} ({element.name}) harus 1, 2, 3 atau 4."
            for element in skm.ELEMENTS
            for kind in ("int_parsing", "greater_than_equal", "less_than_equal")
        },
        ("token", "missing"): "Tautan survei tidak lengkap; buka lagi tautan dari email.",
        ("comment", "string_too_long"): "Komentar paling banyak {max_length:,} karakter (saat ini {length:,}).",
    }

    token: Stripped = Field(title="Token", min_length=1, description=SURVEY_TOKEN_NOTE)
    u1: Score = _element(1)
    u2: Score = _element(2)
    u3: Score = _element(3)
    u4: Score = _element(4)
    u5: Score = _element(5)
    u6: Score = _element(6)
    u7: Score = _element(7)
    u8: Score = _element(8)
    u9: Score = _element(9)
    jenis_kelamin: JenisKelaminAnswer = _profile("jenis_kelamin")
    usia: UsiaAnswer = _profile("usia")
    pendidikan: PendidikanAnswer = _profile("pendidikan")
    pekerjaan: PekerjaanAnswer = _profile("pekerjaan")
    comment: MultiLine = Field(
        default="",
        title="Saran dan komentar",
        max_length=skm.MAX_COMMENT_CHARS,
        description=f"Opsional. {MULTI_LINE}",
    )

    @property
    def scores(self) -> tuple[int, ...]:
        """u1 … u9 in the order of the elements."""
        return tuple(getattr(self, element.key) for element in skm.ELEMENTS)


# ---- complaints, suggestions and input (SOP item 10; docs/decisions/0027-complaints.md) --------------------------


@dataclass(frozen=True)
class ComplaintContext:
    """What the complaint forms' rules read besides the form: the office list, to spell a named office as listed."""

    opd_list: tuple[str, ...] = ()


def _complaint_context(info: ValidationInfo) -> ComplaintContext:
    context = info.context
    return context if isinstance(context, ComplaintContext) else ComplaintContext()


def _complaint_text(name: str, *, required: bool = True, description: str = "", **extra: Any) -> Any:
    """A text field of the complaint forms: its label, its limit, required or empty by default."""
    line = MULTI_LINE if name in COMPLAINT_MULTILINE_FIELDS else SINGLE_LINE
    bounds: dict[str, Any] = {"min_length": 1} if required else {"default": ""}
    return Field(
        title=COMPLAINT_FIELD_LABELS[name],
        max_length=COMPLAINT_TEXT_LIMITS[name],
        description=f"{description} {line}" if description else line,
        **bounds,
        **extra,
    )


if TYPE_CHECKING:
    ComplaintCategoryChoice = str
    RegisteredChannel = str
else:  # the vocabulary's keys; an officer registers what did not come through the web form
    ComplaintCategoryChoice = Literal[tuple(COMPLAINT_CATEGORIES)]
    RegisteredChannel = Literal[tuple(name for name in COMPLAINT_CHANNELS if name != "web")]

REQUEST_NUMBER_SCHEMA = r"^([Vv][Cc]-[0-9]{4}-[0-9]{6})?$"
_REQUEST_NUMBER = re.compile(REQUEST_ID_PATTERN)


class ComplaintForm(Form):
    """submit_complaint (DESIGN.md): a complaint, suggestion or input from the public form or another system."""

    messages: ClassVar[Mapping[tuple[str, str], str]] = {
        ("category", "missing"): "Pilih jenis: pengaduan, saran, atau masukan.",
        ("category", "literal_error"): "Pilih jenis: pengaduan, saran, atau masukan.",
        ("message", "missing"): "Tulis isi pengaduan, saran atau masukan Anda.",
        ("email", "missing"): "Email wajib diisi; tanda terima dan jawaban dikirim ke alamat ini.",
    }

    category: Annotated[ComplaintCategoryChoice, BeforeValidator(_required_line)] = Field(
        title=COMPLAINT_FIELD_LABELS["category"], description=_described(COMPLAINT_CATEGORIES)
    )
    message: MultiLine = _complaint_text("message")
    name: SingleLine = _complaint_text("name")
    email: SingleLine = _complaint_text(
        "email",
        description="Tanda terima (dengan nomor pengaduan) dan jawaban dikirim ke alamat ini.",
        json_schema_extra={"format": "email"},
    )
    phone: SingleLine = _complaint_text(
        "phone", required=False, description="Opsional; nomor Indonesia (`08…`, `+62…`, `62…`), disimpan `+62…`."
    )
    opd: SingleLine = _complaint_text(
        "opd",
        required=False,
        description="Opsional; perangkat daerah atau instansi pengirim (nama dari `opd_list` pada intake_options "
        "disimpan seperti ejaan daftar).",
    )
    request_id: SingleLine = _complaint_text(
        "request_id",
        required=False,
        description="Opsional; nomor permohonan yang dimaksud (`VC-TTTT-NNNNNN`, huruf besar/kecil tidak "
        "dibedakan). Nomor yang tidak ada ditolak.",
        json_schema_extra={"pattern": REQUEST_NUMBER_SCHEMA},
    )

    @field_validator("email")
    @classmethod
    def _complaint_mail_address(cls, email: str) -> str:
        if email and not _is_mail_address(email):
            raise refuse("Alamat email tidak valid.")
        return email

    @field_validator("phone")
    @classmethod
    def _optional_phone(cls, phone: str) -> str:
        if not phone:
            return ""
        normalised = normalize_phone(phone)
        if normalised is None:
            raise refuse("Nomor telepon harus nomor Indonesia, misalnya 0812xxxxxxx atau +62812xxxxxxx.")
        return normalised

    @field_validator("opd")
    @classmethod
    def _office_as_listed(cls, opd: str, info: ValidationInfo) -> str:
        wanted = " ".join(opd.split())
        folded = wanted.casefold()
        listed = [name for name in _complaint_context(info).opd_list if name.casefold() == folded]
        return listed[0] if listed else wanted

    @field_validator("request_id")
    @classmethod
    def _request_number(cls, request_id: str) -> str:
        number = request_id.upper()
        if number and not _REQUEST_NUMBER.match(number):
            raise refuse("Nomor permohonan berbentuk VC-TTTT-NNNNNN (lihat email tanda terima); atau kosongkan.")
        return number


class ComplaintRegisterForm(ComplaintForm):
    """complaint_register POST: an officer registers a complaint received in person, by phone, message or email.

    The same rules as the web form, plus the channel; the sender may have given only a phone number.
    """

    messages: ClassVar[Mapping[tuple[str, str], str]] = {
        **ComplaintForm.messages,
        ("channel", "missing"): "Pilih saluran: langsung, telepon, WhatsApp/pesan, atau email.",
        ("channel", "literal_error"): "Pilih saluran: langsung, telepon, WhatsApp/pesan, atau email.",
    }

    # Not required here: the link's query may carry it instead; a bad or missing one is 403.
    token: str = Field(default="", title="Token", description=TOKEN_NOTE)
    channel: Annotated[RegisteredChannel, BeforeValidator(_required_line)] = Field(
        title=COMPLAINT_FIELD_LABELS["channel"],
        description=_described({k: v for k, v in COMPLAINT_CHANNELS.items() if k != "web"}),
    )
    email: SingleLine = _complaint_text(
        "email",
        required=False,
        description="Email pengirim bila ada: tanda terima dan jawaban dikirim ke sana. Tanpa email, isi telepon.",
        json_schema_extra={"format": "email"},
    )
    phone: SingleLine = _complaint_text(
        "phone",
        required=False,
        description="Nomor Indonesia (`08…`, `+62…`, `62…`), disimpan `+62…`; wajib bila email kosong.",
        validate_default=True,
    )

    @field_validator("phone")
    @classmethod
    def _some_way_to_answer(cls, phone: str, info: ValidationInfo) -> str:
        if not phone and info.data.get("email") == "":
            raise refuse("Isi email atau nomor telepon pengirim, agar jawaban dapat disampaikan.")
        return phone


class ComplaintAnswerForm(Form):
    """complaint_answer POST: an officer's answer, mailed to the sender; the complaint is then closed."""

    messages: ClassVar[Mapping[tuple[str, str], str]] = {
        ("answer", "missing"): "Tulis jawaban; jawaban dikirim ke pengirim lewat email dan pengaduan ditutup.",
    }

    token: str = Field(default="", title="Token", description=TOKEN_NOTE)
    answer: MultiLine = _complaint_text("answer", description="Dikirim ke pengirim; setelah itu pengaduan ditutup.")


class StaffLinkForm(Form):
    """complaint_register_link POST: an officer asks for a registration link by address."""

    email: SingleLine = _complaint_text(
        "email",
        description="Alamat petugas (OPERATOR_EMAILS atau SUPERVISOR_EMAILS); jawabannya sama untuk alamat lain.",
        json_schema_extra={"format": "email"},
    )

    @field_validator("email")
    @classmethod
    def _staff_mail_address(cls, email: str) -> str:
        if not _is_mail_address(email):
            raise refuse("Alamat email tidak valid.")
        return email


# ---- the staff console (decision 0030) ---------------------------------------------------------------------

if TYPE_CHECKING:
    StatusChoice = str
    StaffAction = str
else:  # the lifecycle's own statuses, the console's own actions
    StatusChoice = Literal[tuple(status.value for status in Status)]
    StaffAction = Literal["approve", "reject", "cancel", "retry", "resend", "livestream", "polls"]

STAFF_ACTIONS: dict[str, str] = {
    "approve": "setujui dan buat meeting Zoom (verifikator; aturan yang sama dengan tautan verifikasi)",
    "reject": "tolak dengan `reason` (verifikator)",
    "cancel": "batalkan atas nama pemohon dengan `reason`",
    "retry": "coba lagi membuat meeting untuk permohonan `provisioning_failed`",
    "resend": "kirim ulang email `mail` (nomor dari riwayat email permohonan)",
    "livestream": "pasang live streaming kustom pada meeting Zoom dengan `stream_url`, `stream_key` dan `page_url` "
    "(petugas atau verifikator; permohonan dengan kebutuhan live streaming yang sudah punya meeting)",
    "polls": "buat lagi polling permohonan di meeting Zoom setelah pembuatannya gagal",
}
# A stream's ingest URL carries the key with it, so only encrypted ones are taken (RTMPS, or HTTPS ingest).
STREAM_URL_SCHEMES = ("rtmps", "https")
_URL_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?$")


def _url_problem(value: str, schemes: Sequence[str], limit: int) -> str | None:
    """Why `value` is not an absolute URL of one of `schemes` within `limit` characters, or None."""
    from urllib.parse import urlsplit

    if not value:
        return "wajib diisi"
    if len(value) > limit:
        return f"paling banyak {limit} karakter"
    if any(char.isspace() for char in value) or not value.isprintable():
        return "tidak boleh berisi spasi"
    parts = urlsplit(value)
    if parts.scheme.lower() not in schemes or not parts.netloc or not _URL_HOST.match(parts.netloc.rsplit("@", 1)[-1]):
        return "harus alamat lengkap yang diawali " + " atau ".join(f"{scheme}://" for scheme in schemes)
    if "@" in parts.netloc:
        return "tidak boleh memuat nama pengguna atau kata sandi"
    return None


QUERY_TEXT_LIMIT = 200


def _blank_as_none(value: Any) -> Any:
    """An empty filter (a form's select left at "Semua", an empty date) filters nothing."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _optional_date(value: Any) -> Any:
    return None if _blank_as_none(value) is None else _iso_date(value)


class StaffLoginForm(Form):
    """staff_login POST: `email` asks for a sign-in link; `token` (the confirmation page's button) signs in."""

    messages: ClassVar[Mapping[tuple[str, str], str]] = {
        ("email", "missing"): "Alamat email wajib diisi.",
    }

    # The token first: the email's rule sees whether one came.
    token: Stripped = Field(
        default="", title="Token", description="Token tautan masuk dari email (tombol halaman konfirmasi)."
    )
    email: SingleLine = Field(
        default="",
        validate_default=True,
        title="Alamat email",
        max_length=TEXT_LIMITS["contact_email"],
        description="Alamat dinas Anda. Bila terdaftar di VERIFIER_EMAILS, OPERATOR_EMAILS atau SUPERVISOR_EMAILS, "
        "tautan masuk sekali pakai (berlaku 15 menit) dikirim ke sana; jawabannya sama untuk alamat lain.",
        json_schema_extra={"format": "email"},
    )

    @field_validator("email")
    @classmethod
    def _mail_address(cls, email: str, info: ValidationInfo) -> str:
        if info.data.get("token"):
            return email  # a sign-in with the link: the address is the link's own
        if not email:
            raise PydanticKnownError("missing")
        if not _is_mail_address(email):
            raise refuse("Alamat email tidak valid.")
        return email


class StaffQueueQuery(Form):
    """staff_requests and staff_console GET: the queue's filters, each optional."""

    model_config = ConfigDict(frozen=True, defer_build=True, populate_by_name=True)
    messages: ClassVar[Mapping[tuple[str, str], str]] = {
        ("status", "literal_error"): "Status tidak dikenal; pilih salah satu dari daftar.",
        ("from", "iso_date"): "Tanggal awal harus berformat TTTT-BB-HH.",
        ("to", "iso_date"): "Tanggal akhir harus berformat TTTT-BB-HH.",
    }

    status: Annotated[StatusChoice | None, BeforeValidator(_blank_as_none)] = Field(
        default=None, title="Status", description="Hanya permohonan berstatus ini; kosong: semua status."
    )
    start_from: Annotated[dt.date | None, BeforeValidator(_optional_date)] = Field(
        default=None,
        alias="from",
        title="Tanggal awal",
        description="`YYYY-MM-DD`: kegiatan yang mulai pada tanggal ini (waktu TIMEZONE) atau sesudahnya.",
        json_schema_extra={"format": "date"},
    )
    start_to: Annotated[dt.date | None, BeforeValidator(_optional_date)] = Field(
        default=None,
        alias="to",
        title="Tanggal akhir",
        description="`YYYY-MM-DD`: kegiatan yang mulai pada tanggal ini (waktu TIMEZONE) atau sebelumnya.",
        json_schema_extra={"format": "date"},
    )
    opd: SingleLine = Field(
        default="",
        title="Perangkat daerah",
        max_length=TEXT_LIMITS["opd"],
        description=f"Nama dari OPD_LIST, atau `{OPD_OTHER}`; kosong: semua.",
    )
    q: SingleLine = Field(
        default="",
        title="Cari",
        max_length=QUERY_TEXT_LIMIT,
        description="Teks yang dicari (tanpa membedakan huruf besar/kecil) pada nomor permohonan, nama kegiatan, "
        "perangkat daerah, nama dan email kontak, nomor surat, dan akun host.",
    )

    @field_validator("start_to")
    @classmethod
    def _not_before_the_start(cls, start_to: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start_from = info.data.get("start_from")
        if start_to is not None and start_from is not None and start_to < start_from:
            raise refuse("Tanggal akhir tidak boleh sebelum tanggal awal.")
        return start_to


# The host calendar's weeks: far enough either way for any event, near enough that date arithmetic never overflows.
CALENDAR_FIRST_WEEK = dt.date(2020, 1, 1)
CALENDAR_LAST_WEEK = dt.date(2099, 12, 31)


class StaffCalendarQuery(Form):
    """staff_calendar GET: which week of the host calendar (decision 0033)."""

    messages: ClassVar[Mapping[tuple[str, str], str]] = {
        ("week", "iso_date"): "Minggu (week) harus berupa tanggal berformat TTTT-BB-HH, misalnya 2026-12-07.",
    }

    week: Annotated[dt.date | None, BeforeValidator(_optional_date)] = Field(
        default=None,
        title="Minggu",
        description="`YYYY-MM-DD`: tanggal mana pun dalam minggu yang ditampilkan (Senin sampai Minggu, waktu "
        "TIMEZONE); kosong: minggu ini.",
        json_schema_extra={"format": "date"},
    )

    @field_validator("week")
    @classmethod
    def _within_range(cls, week: dt.date | None) -> dt.date | None:
        if week is not None and not CALENDAR_FIRST_WEEK <= week <= CALENDAR_LAST_WEEK:
            raise refuse(
                f"Minggu (week) harus antara {CALENDAR_FIRST_WEEK.isoformat()} dan {CALENDAR_LAST_WEEK.isoformat()}."
            )
        return week


class StaffActionForm(Form):
    """staff_request POST: one action on one request, from the buttons of its console page."""

    messages: ClassVar[Mapping[tuple[str, str], str]] = {
        ("action", "missing"): "Pilih salah satu tombol tindakan.",
        ("action", "literal_error"): "Tindakan tidak dikenal; pilih salah satu tombol.",
        ("reason", "string_too_long"): "Alasan paling banyak {max_length} karakter.",
        ("stream_url", "string_too_long"): "URL stream paling banyak {max_length} karakter.",
        ("stream_key", "string_too_long"): "Kunci stream paling banyak {max_length} karakter.",
        ("page_url", "string_too_long"): "URL halaman live stream paling banyak {max_length} karakter.",
    }

    id: Stripped = Field(title="Nomor permohonan", min_length=1, max_length=64, description="Nomor permohonan.")
    action: StaffAction = Field(title="Tindakan", description=_described(STAFF_ACTIONS))
    reason: Stripped = Field(
        default="",
        validate_default=True,
        title="Alasan",
        max_length=MAX_REASON_CHARS,
        description="Wajib untuk `reject` dan `cancel`; dikirim ke pemohon.",
    )
    mail: Stripped = Field(
        default="",
        validate_default=True,
        title="Email",
        max_length=64,
        description="Untuk `resend`: nomor email dari riwayat email permohonan.",
    )

    @field_validator("reason")
    @classmethod
    def _reason_where_one_is_needed(cls, reason: str, info: ValidationInfo) -> str:
        action = info.data.get("action")
        if action == "reject" and not reason:
            raise refuse(REJECTION_NEEDS_A_REASON)
        if action == "cancel" and not reason:
            raise refuse("Alasan pembatalan wajib diisi; pemohon dan tim verifikasi menerimanya lewat email.")
        return reason

    stream_url: Stripped = Field(
        default="",
        validate_default=True,
        title="URL stream",
        max_length=LIVESTREAM_URL_MAX_LENGTH,
        description="Untuk `livestream`: alamat server streaming (`rtmps://…` atau `https://…`), paling banyak "
        f"{LIVESTREAM_URL_MAX_LENGTH} karakter.",
    )
    stream_key: str = Field(
        default="",
        validate_default=True,
        title="Kunci stream",
        max_length=LIVESTREAM_KEY_MAX_LENGTH,
        description=f"Untuk `livestream`: kunci stream, paling banyak {LIVESTREAM_KEY_MAX_LENGTH} karakter. Rahasia: "
        "dikirim ke Zoom saja, tidak disimpan Vicon, tidak ditampilkan atau dikirim lewat email.",
        json_schema_extra={"format": "password", "writeOnly": True},
    )
    page_url: Stripped = Field(
        default="",
        validate_default=True,
        title="URL halaman live stream",
        max_length=LIVESTREAM_URL_MAX_LENGTH,
        description="Untuk `livestream`: halaman tempat penonton menyaksikan siaran (`https://…`), paling banyak "
        f"{LIVESTREAM_URL_MAX_LENGTH} karakter.",
    )

    @field_validator("mail")
    @classmethod
    def _mail_to_resend(cls, mail: str, info: ValidationInfo) -> str:
        if info.data.get("action") == "resend" and not mail:
            raise refuse("Pilih email yang dikirim ulang dari riwayat email.")
        return mail

    @field_validator("stream_url")
    @classmethod
    def _stream_url(cls, url: str, info: ValidationInfo) -> str:
        if info.data.get("action") == "livestream":
            problem = _url_problem(url, STREAM_URL_SCHEMES, LIVESTREAM_URL_MAX_LENGTH)
            if problem:
                raise refuse(f"URL stream {problem}.")
        return url

    @field_validator("stream_key")
    @classmethod
    def _stream_key(cls, key: str, info: ValidationInfo) -> str:
        # Never echoed in a message: the refusal says what is wrong with the key, not what it is.
        if info.data.get("action") == "livestream":
            if not key.strip():
                raise refuse("Kunci stream wajib diisi.")
            if key != key.strip() or _CONTROL.search(key) or _LINE_BREAK.search(key):
                raise refuse("Kunci stream tidak boleh berisi spasi di awal/akhir, baris baru atau karakter kontrol.")
        return key

    @field_validator("page_url")
    @classmethod
    def _page_url(cls, url: str, info: ValidationInfo) -> str:
        if info.data.get("action") == "livestream":
            problem = _url_problem(url, ("https",), LIVESTREAM_URL_MAX_LENGTH)
            if problem:
                raise refuse(f"URL halaman live stream {problem}.")
        return url
