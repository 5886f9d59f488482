"""Reading a submitted form from the raw body, part by part, so that every refusal names the field it is about.

werkzeug's own form parsing replaces bytes that are not UTF-8 with U+FFFD and reports a body over its limits
without saying which part was too big. Here each part is read with its own bound: the letter up to the body
limit, each text field up to what its character limit can take in UTF-8. What goes wrong names its field.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO
from urllib.parse import unquote_to_bytes

from vicon.fields import (
    COMPLAINT_FIELD_LABELS,
    COMPLAINT_TEXT_LIMITS,
    FIELD_LABELS,
    MAX_COMPLAINT_BODY_BYTES,
    MAX_LETTER_BYTES,
    TEXT_LIMITS,
)

MIB = 1024 * 1024
# The letter may be 5 MiB; the text fields add at most a few hundred KiB.
MAX_BODY_BYTES = 6 * MIB
FILE_FIELDS = frozenset({"letter"})
# A field without a character limit of its own (a choice, a date, a number, the honeypot) is short.
DEFAULT_FIELD_BYTES = 4 * 1024
MAX_PARTS = 200
CHUNK_BYTES = 64 * 1024


@dataclass
class SubmittedForm:
    """Text fields (every value of each name, in order) and the first file of each file field."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class FormShape:
    """What one form's reader bounds: its fields' character limits and labels, its file fields, its body limit.

    The request form (`REQUEST_FORM`, the default) carries the letter; the complaint forms (`COMPLAINT_FORM`) are
    text only and small.
    """

    limits: Mapping[str, int]
    labels: Mapping[str, str]
    file_fields: frozenset[str]
    max_body: int


REQUEST_FORM = FormShape(TEXT_LIMITS, FIELD_LABELS, FILE_FIELDS, MAX_BODY_BYTES)
COMPLAINT_FORM = FormShape(COMPLAINT_TEXT_LIMITS, COMPLAINT_FIELD_LABELS, frozenset(), MAX_COMPLAINT_BODY_BYTES)


class FormRefused(Exception):
    """The body cannot be accepted as a form; `field` names the part at fault when one is."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def field_byte_limit(name: str, shape: FormShape = REQUEST_FORM) -> int:
    """The most bytes a text field may take: its character limit in 4-byte UTF-8, plus line-break slack."""
    limit = shape.limits.get(name)
    return DEFAULT_FIELD_BYTES if limit is None else limit * 4 + 1024


def _too_large(name: str | None, shape: FormShape = REQUEST_FORM) -> FormRefused:
    labels, limits = shape.labels, shape.limits
    if name in shape.file_fields:
        return FormRefused(
            413,
            f"{labels.get(name, name)} paling besar {MAX_LETTER_BYTES // MIB} MB; berkas ini lebih besar. "
            "Perkecil berkas PDF (misalnya dipindai ulang dengan resolusi lebih rendah) lalu kirim lagi.",
            name,
        )
    if name is not None and name in limits:
        limit = f"{limits[name]:,}".replace(",", ".")
        return FormRefused(413, f"{labels.get(name, name)} paling banyak {limit} karakter.", name)
    if name is not None and name in labels:
        return FormRefused(413, f"Isian {labels[name]} terlalu panjang.", name)
    return FormRefused(413, f"Kiriman terlalu besar; batasnya {_size_text(shape.max_body)}.")


def _size_text(size: int) -> str:
    return f"{size // MIB} MB" if size >= MIB else f"{size // 1024} KB"


def _decode(name: str, data: bytes, shape: FormShape = REQUEST_FORM) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        label = shape.labels.get(name, name)
        raise FormRefused(
            422, f"{label} berisi byte yang bukan teks UTF-8; ketik ulang isian ini lalu kirim lagi.", name
        ) from None


def _chunks(stream: IO[bytes], declared: int | None, max_body: int = MAX_BODY_BYTES) -> Iterator[bytes]:
    """The body in chunks, never more than one byte past the limit (which is how a too-large body shows)."""
    remaining = max_body + 1
    if declared is not None:
        remaining = min(remaining, declared)
    while remaining > 0:
        try:
            chunk = stream.read(min(CHUNK_BYTES, remaining))
        except OSError as exc:  # werkzeug's reading of a broken chunked transfer ("Invalid chunk header")
            raise FormRefused(400, "Formulir tidak dapat dibaca (kiriman terpotong atau rusak); kirim ulang.") from exc
        if not chunk:
            return
        remaining -= len(chunk)
        yield chunk


def read_form(
    stream: IO[bytes],
    mimetype: str,
    params: Mapping[str, str],
    content_length: int | None,
    shape: FormShape = REQUEST_FORM,
) -> SubmittedForm:
    """Parse a multipart/form-data or application/x-www-form-urlencoded body; FormRefused when it cannot be."""
    if mimetype == "multipart/form-data":
        boundary = params.get("boundary", "")
        if not boundary or len(boundary) > 200 or not boundary.isascii():
            with_letter = " (dengan berkas surat PDF)" if shape.file_fields else ""
            raise FormRefused(400, f"Kirim formulir sebagai multipart/form-data{with_letter}.")
        return _read_multipart(stream, boundary.encode("ascii"), content_length, shape)
    return _read_urlencoded(stream, content_length, shape)


def _read_multipart(
    stream: IO[bytes], boundary: bytes, content_length: int | None, shape: FormShape = REQUEST_FORM
) -> SubmittedForm:
    from werkzeug.exceptions import RequestEntityTooLarge
    from werkzeug.sansio.multipart import NEED_DATA, Data, Epilogue, Field, File, MultipartDecoder

    form = SubmittedForm()
    # The decoder's own buffer holds at most one chunk plus a part's headers.
    decoder = MultipartDecoder(boundary, max_form_memory_size=CHUNK_BYTES * 4)
    parts = 0
    received = 0
    current: str | None = None
    is_file = False
    part = bytearray()
    chunks = _chunks(stream, content_length, shape.max_body)
    try:
        while True:
            event = decoder.next_event()
            if event is NEED_DATA:
                chunk = next(chunks, None)
                if chunk is not None:
                    received += len(chunk)
                    if received > shape.max_body:
                        # The part being read when the limit tripped is the one that made the body too large.
                        raise _too_large(current, shape)
                decoder.receive_data(chunk)
            elif isinstance(event, File | Field):
                parts += 1
                if parts > MAX_PARTS:
                    raise FormRefused(413, f"Formulir memuat terlalu banyak isian (lebih dari {MAX_PARTS} bagian).")
                current, is_file, part = event.name, isinstance(event, File), bytearray()
                if not current:
                    raise FormRefused(400, "Formulir tidak dapat dibaca (bagian tanpa nama); kirim ulang.")
            elif isinstance(event, Data):
                if current is not None:
                    part.extend(event.data)
                    limit = shape.max_body if is_file else field_byte_limit(current, shape)
                    if len(part) > limit:
                        raise _too_large(current, shape)
                if not event.more_data and current is not None:
                    _keep(form, current, is_file, bytes(part), shape)
                    current, part = None, bytearray()
            elif isinstance(event, Epilogue):
                return form
    except RequestEntityTooLarge:
        raise _too_large(current, shape) from None
    except ValueError as exc:  # truncated or malformed multipart
        raise FormRefused(400, "Formulir tidak dapat dibaca (kiriman terpotong atau rusak); kirim ulang.") from exc


def _keep(form: SubmittedForm, name: str, is_file: bool, data: bytes, shape: FormShape = REQUEST_FORM) -> None:
    if is_file:
        # A form whose file input was left empty still sends a part with no bytes: that is no file.
        if name in shape.file_fields and data and name not in form.files:
            form.files[name] = data
        return
    form.fields.setdefault(name, []).append(_decode(name, data, shape))


def _read_urlencoded(stream: IO[bytes], content_length: int | None, shape: FormShape = REQUEST_FORM) -> SubmittedForm:
    body = b"".join(_chunks(stream, content_length, shape.max_body))
    over = len(body) > shape.max_body
    form = SubmittedForm()
    pairs = body.split(b"&")
    for index, pair in enumerate(pairs):
        if not pair:
            continue
        raw_name, _, raw_value = pair.partition(b"=")
        try:
            name = unquote_to_bytes(raw_name.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise FormRefused(400, "Formulir tidak dapat dibaca (nama isian bukan UTF-8); kirim ulang.") from None
        if over and index == len(pairs) - 1:
            raise _too_large(name, shape)  # cut off by the body limit while this field was being read
        value = unquote_to_bytes(raw_value.replace(b"+", b" "))
        if name in shape.file_fields:
            continue  # a file cannot come url-encoded; validation then says the letter is missing
        if len(value) > field_byte_limit(name, shape):
            raise _too_large(name, shape)
        form.fields.setdefault(name, []).append(_decode(name, value, shape))
    if over:
        raise _too_large(None, shape)
    return form
