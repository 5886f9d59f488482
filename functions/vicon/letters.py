"""Is an uploaded letter a plain PDF? Verifiers open it from an email, so active content is refused (DESIGN.md).

The check reads dictionaries only. It walks the object graph from the catalog (pages, annotations, name trees,
form fields, outlines: everything reachable) and never inflates a content stream, so a page whose content
stream inflates to gigabytes costs nothing. The one thing a reader must inflate to see dictionaries at all is
an object stream (/ObjStm, PDF 1.5+); their total inflated size is measured in small chunks before pypdf
touches them, and pypdf's own per-stream limits are lowered for the duration of the check.

Readers disagree on files that say one thing twice: pypdf keeps the first of two equal keys in a dictionary (or
two entries for one object in an xref table), PDFium and others the last. A letter could then look clean here
and run a script in the verifier's viewer. So a file that says anything twice is refused, and the dictionaries
outside streams are also scanned for the dangerous names whether or not anything reaches them.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import zlib
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from vicon.fields import MAX_LETTER_BYTES as MAX_LETTER_BYTES

# Where the %PDF- header may start. Only whitespace may come before it: anything else is another file in front
# of the PDF (an HTML page with a script, a ZIP), which a browser or an archive tool would open instead.
HEADER_WINDOW = 1024
_LEADING_WHITESPACE = b" \t\r\n\x0c"

# Caps on the walk. A letter of a few pages has hundreds of dictionary entries; a file built to exhaust the
# check is refused as unreadable rather than accepted unchecked.
MAX_ITEMS = 200_000  # dictionary values and array elements looked at
MAX_DEPTH = 100  # nesting below the catalog; siblings chained by /Next count as one level (outlines, actions)
# Object streams: what pypdf may inflate. Real letters have well under 1 MiB of them.
MAX_OBJECT_STREAMS = 256
OBJECT_STREAM_BUDGET = 16 * 1024 * 1024  # inflated bytes, all object streams together
# Per stream, for everything pypdf decodes while opening the file (xref streams, object streams): pypdf's
# defaults allow 75 MB per stream, which a 4 MiB bomb reaches in a quarter second and 150 MiB of memory.
STREAM_LIMIT = 4 * 1024 * 1024
_CHUNK = 64 * 1024

NOT_PDF = "Berkas surat harus berupa PDF."
NOT_ONLY_PDF = "Berkas surat harus berupa PDF murni: ada data lain (misalnya HTML atau ZIP) sebelum awal PDF."
UNREADABLE = "Berkas PDF rusak atau tidak dapat dibaca."
TOO_COMPLEX = "Berkas PDF rusak atau tidak dapat dibaca: strukturnya terlalu besar atau terlalu rumit untuk diperiksa."
NO_PAGES = "Berkas PDF tidak memiliki halaman."
_ADVICE = " Simpan ulang surat sebagai PDF biasa (Cetak/Print ke PDF atau pindai ulang), lalu unggah lagi."
JAVASCRIPT = "Berkas PDF berisi JavaScript, yang tidak diizinkan." + _ADVICE
ACTION = (
    "Berkas PDF berisi aksi otomatis (menjalankan program, mengirim formulir, atau membuka berkas lain), "
    "yang tidak diizinkan." + _ADVICE
)
EMBEDDED = "Berkas PDF berisi berkas lampiran tertanam, yang tidak diizinkan." + _ADVICE
XFA_FORM = "Berkas PDF berisi formulir XFA, yang tidak diizinkan." + _ADVICE
MEDIA = "Berkas PDF berisi konten multimedia aktif, yang tidak diizinkan." + _ADVICE

# Names as pypdf gives them: escapes such as /J#61vaScript are already decoded.
_KEYS = {
    "/JS": JAVASCRIPT,  # script of a JavaScript or Rendition action
    "/JavaScript": JAVASCRIPT,  # document-level scripts in the /Names dictionary
    "/AA": ACTION,  # additional actions: run on open, close, page view, focus, keystroke…
    "/EmbeddedFiles": EMBEDDED,  # the /Names tree of attachments
    "/EF": EMBEDDED,  # a file specification that carries the file itself
    "/XFA": XFA_FORM,  # XML forms, scripted
    "/RichMediaContent": MEDIA,
}
_ACTIONS = {  # values of /S
    "/JavaScript": JAVASCRIPT,
    "/Launch": ACTION,
    "/SubmitForm": ACTION,
    "/ImportData": ACTION,
    "/GoToR": ACTION,  # opens another (possibly remote) file
    "/GoToE": ACTION,  # opens an embedded file
    "/Rendition": MEDIA,
    "/Movie": MEDIA,
    "/Sound": MEDIA,
    "/RichMediaExecute": MEDIA,
}
_SUBTYPES = {  # values of /Subtype, for annotations
    "/FileAttachment": EMBEDDED,
    "/RichMedia": MEDIA,
    "/Screen": MEDIA,
    "/Movie": MEDIA,
    "/Sound": MEDIA,
    "/3D": MEDIA,
}
_TYPES = {"/EmbeddedFile": EMBEDDED}
# A link may use javascript: in a /URI action where a /JavaScript action would be refused.
_URI_SCHEMES = {"javascript:": JAVASCRIPT, "vbscript:": JAVASCRIPT, "file:": ACTION, "data:": ACTION}
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20]")
_SAFE_LINK_SCHEMES = ("http://", "https://", "mailto:")
_SIBLING_KEYS = frozenset({"/Next"})
AMBIGUOUS = (
    "Berkas PDF memuat definisi ganda yang dibaca berbeda oleh aplikasi PDF yang berbeda, sehingga isinya tidak "
    "dapat diperiksa dengan pasti." + _ADVICE
)
# Names that never belong in a letter, wherever they stand (the walk refuses them where they take effect).
_DANGEROUS_NAMES = {
    **{key: message for key, message in _KEYS.items() if key != "/EF"},  # /EF: too short to tell from data
    "/Launch": ACTION,
    "/SubmitForm": ACTION,
    "/ImportData": ACTION,
    "/GoToE": ACTION,
    "/EmbeddedFile": EMBEDDED,
    "/RichMedia": MEDIA,
}
_NAME_TOKEN = re.compile(rb"/((?:[A-Za-z0-9]|#[0-9A-Fa-f]{2})+)")
_STREAM_DATA = re.compile(rb"(?<![A-Za-z])stream\r?\n.*?endstream", re.S)
_XREF_TABLE = re.compile(rb"(?<![A-Za-z])xref[ \t]*\r?\n")
_XREF_SUBSECTION = re.compile(rb"[ \t\r\n]*(\d{1,10})[ \t]+(\d{1,10})[ \t]*\r?\n")
_XREF_ENTRY = re.compile(rb"[ \t\r\n]*\d{10}[ \t]\d{5}[ \t]([nf])[ \t\r\n]{1,2}")
_DUPLICATE_KEY = "Multiple definitions in dictionary"


class _TooComplex(Exception):
    """The walk hit one of its caps."""


def letter_problem(data: bytes) -> str | None:
    """Why `data` is not an acceptable letter PDF, or None when it is one."""
    if not data:
        return "Berkas surat kosong."
    if len(data) > MAX_LETTER_BYTES:
        return "Berkas surat melebihi 5 MB."
    at = data.find(b"%PDF-", 0, HEADER_WINDOW)
    if at < 0:
        return NOT_PDF
    if data[:at].strip(_LEADING_WHITESPACE):
        return NOT_ONLY_PDF
    if _xref_table_repeats_an_object(data):
        return AMBIGUOUS
    # Imported here: pypdf is only needed when a letter arrives, not on every cold start.
    from pypdf import PdfReader, apply_configuration

    # apply_configuration sets a ContextVar and resets it on exit: the limits hold for this check in this
    # thread only, and nothing else that uses pypdf in the process sees them.
    with apply_configuration(**pypdf_limits()), _DuplicateKeys() as duplicates:
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if not _object_streams_within_budget(reader):
                return TOO_COMPLEX
            pages = len(reader.pages)
            if pages < 1:
                return NO_PAGES
            problem = _active_content(reader.trailer.raw_get("/Root"))
        except _TooComplex:
            return TOO_COMPLEX
        except Exception:  # pypdf raises many exception types for broken files; all mean "not a usable PDF"
            return UNREADABLE
    if duplicates.seen:
        return AMBIGUOUS
    return problem or _dangerous_name_outside_streams(data)


class _DuplicateKeys(logging.Handler):
    """Notices pypdf's warning about a key defined twice in one dictionary, in this thread's check only."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen = False
        self._thread = threading.get_ident()
        self._logger = logging.getLogger("pypdf")

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self._thread and _DUPLICATE_KEY in record.getMessage():
            self.seen = True

    def __enter__(self) -> _DuplicateKeys:
        self._logger.addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self._logger.removeHandler(self)


def _xref_table_repeats_an_object(data: bytes) -> bool:
    """Whether one classic xref table lists an object twice (readers differ on which entry counts).

    Tables of later incremental updates may redefine objects: that is how a signed letter gets its signature.
    """
    for table in _XREF_TABLE.finditer(data):
        seen: set[int] = set()
        at = table.end()
        while subsection := _XREF_SUBSECTION.match(data, at):
            first, count = int(subsection.group(1)), int(subsection.group(2))
            at = subsection.end()
            for number in range(first, first + min(count, len(data) // 20)):
                entry = _XREF_ENTRY.match(data, at)
                if entry is None:
                    break
                at = entry.end()
                if entry.group(1) == b"n":
                    if number in seen:
                        return True
                    seen.add(number)
    return False


def _dangerous_name_outside_streams(data: bytes) -> str | None:
    """The refusal for a dangerous name anywhere in the file's dictionaries, reachable or not.

    Stream data is skipped: images and fonts are binary, and a stray "/JS" in them means nothing.
    """
    for token in _NAME_TOKEN.finditer(_STREAM_DATA.sub(b" ", data)):
        name = "/" + re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), token.group(1)).decode(
            "latin-1"
        )
        message = _DANGEROUS_NAMES.get(name)
        if message is not None:
            return message
    return None


def pypdf_limits(stream_limit: int = STREAM_LIMIT) -> dict[str, Any]:
    """pypdf's limits for reading a letter (`apply_configuration` keywords); the document check (vicon.document_check)
    reads its text under the same ones, with a lower `stream_limit`."""
    return {
        "maximum_declared_stream_length": MAX_LETTER_BYTES,  # a stream cannot be longer than the file
        "zlib_maximum_output_length": stream_limit,
        "lzw_maximum_output_length": stream_limit,
        "run_length_maximum_output_length": stream_limit,
        "brotli_maximum_output_length": stream_limit,
        "array_based_stream_maximum_output_length": stream_limit,
        "stream_decoding_work_maximum_length": stream_limit * 2,
        # pypdf's repair of a damaged zlib stream feeds it one byte at a time in Python: keep that short.
        "zlib_maximum_recovery_input_length": _CHUNK,
        "jbig2dec_binary": None,  # never start a program for a letter
    }


def _object_streams_within_budget(reader: Any) -> bool:
    """Whether all object streams together inflate to at most OBJECT_STREAM_BUDGET bytes.

    pypdf inflates an object stream whole and keeps it, so N streams just under its per-stream limit would
    cost N times that. Measuring first, a chunk at a time, bounds both time and memory by the budget.
    """
    from pypdf.generic import ArrayObject

    numbers = {number for number, _index in reader.xref_objStm.values()}
    if len(numbers) > MAX_OBJECT_STREAMS:
        return False
    remaining = OBJECT_STREAM_BUDGET
    for number in sorted(numbers):
        stream = reader.get_object(number)
        filters = _value(stream, "/Filter") if isinstance(stream, dict) else None
        if filters is None:
            remaining -= len(getattr(stream, "_data", b""))
        else:
            names = list(filters) if isinstance(filters, ArrayObject) else [filters]
            if all(name in ("/FlateDecode", "/Fl") for name in names):
                remaining -= _inflated_size(getattr(stream, "_data", b""), len(names), remaining + 1)
            else:
                # Rare in object streams; pypdf stops each at STREAM_LIMIT, so count them at that.
                remaining -= STREAM_LIMIT
        if remaining < 0:
            return False
    return True


def _inflated_size(raw: bytes, layers: int, limit: int) -> int:
    """How many bytes `layers` nested zlib layers of `raw` inflate to, counting at most `limit`."""
    chunks: Iterable[bytes] = (raw[i : i + _CHUNK] for i in range(0, len(raw), _CHUNK))
    for _ in range(layers):
        chunks = _inflate(chunks)
    total = 0
    try:
        for chunk in chunks:
            total += len(chunk)
            if total >= limit:
                break
    except zlib.error:
        pass  # damaged data: pypdf's own (bounded) repair decides; what inflated so far is counted
    return total


def _inflate(chunks: Iterable[bytes]) -> Iterator[bytes]:
    decompressor = zlib.decompressobj()
    for chunk in chunks:
        pending = chunk
        while pending and not decompressor.eof:
            out = decompressor.decompress(pending, _CHUNK)
            if out:
                yield out
            pending = decompressor.unconsumed_tail
        if decompressor.eof:
            return


def _active_content(catalog: Any) -> str | None:
    """The refusal message for the first active content reachable from the catalog, or None.

    Breadth first, so depth is the distance from the catalog; /Next siblings go to the front of the queue at
    the same depth. Dictionaries (stream dictionaries included) and arrays are read; stream data never is.
    """
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[tuple[int, int]] = set()
    queue: deque[tuple[Any, int]] = deque([(catalog, 0)])
    items = 0
    while queue:
        node, depth = queue.popleft()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
        if depth > MAX_DEPTH:
            raise _TooComplex
        if isinstance(node, DictionaryObject):
            problem = _dictionary_problem(node)
            if problem:
                return problem
            children: Iterable[tuple[Any, Any]] = node.items()
        elif isinstance(node, ArrayObject):
            children = ((None, value) for value in node)
        else:
            continue
        for name, value in children:
            items += 1
            if items > MAX_ITEMS:
                raise _TooComplex
            if isinstance(value, IndirectObject | DictionaryObject | ArrayObject):
                if name in _SIBLING_KEYS:
                    queue.appendleft((value, depth))
                else:
                    queue.append((value, depth + 1))
    return None


def _dictionary_problem(node: Any) -> str | None:
    for key in node:
        if key in _KEYS:
            return _KEYS[key]
    for key, table in (("/S", _ACTIONS), ("/Subtype", _SUBTYPES), ("/Type", _TYPES)):
        value = _value(node, key)
        if isinstance(value, str) and value in table:
            return table[value]
    uri = _value(node, "/URI") if _value(node, "/S") == "/URI" else None
    if isinstance(uri, str | bytes):
        text = uri.decode("latin-1") if isinstance(uri, bytes) else uri
        # Browsers ignore whitespace and control characters inside a scheme ("java\tscript:").
        text = _IGNORED_IN_SCHEME.sub("", text).lower()
        for scheme, message in _URI_SCHEMES.items():
            if text.startswith(scheme):
                return message
        # Only web and mail links: other schemes hand the click to a local program (ms-msdt:, search-ms:),
        # and a UNC path (\\host\share) leaks the verifier's Windows credentials to that host.
        has_scheme = ":" in text.split("/", 1)[0]
        if text.startswith(("\\\\", "//")) or (has_scheme and not text.startswith(_SAFE_LINK_SCHEMES)):
            return ACTION
    return None


def _value(node: Any, key: str) -> Any:
    """node[key] resolved, or None; pypdf's .get() would hand back an unresolved reference."""
    value = dict.get(node, key)
    return None if value is None else value.get_object()
