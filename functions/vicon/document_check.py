"""The document check for the verifier (SOP 3.2, "Verifikasi Dokumen"): what the letter itself says.

Made once at submission, after the letter passed `vicon.letters.letter_problem`, and stored with the request
(`RequestRecord.letter_check`), so the verifier's mail and the review page show the same (decision 0029):

- its page count;
- whether the text of its first pages contains the letter number and the letter date given in the form;
- each PDF electronic signature, validated with pyHanko: integrity (the signed bytes unchanged and nothing
  disallowed changed after signing), the signer's name, the signing time, and whether the certificate chains to
  one of TRUSTED_SIGNATURE_ROOTS. Nothing is fetched (no OCSP, CRL or certificate download), so revocation is
  not checked; the page and the mail say so.

It never refuses anything and never raises: whatever cannot be read is reported as such ("teks tidak dapat
dibaca"), and the verifier decides. Every step is bounded: text from the first TEXT_PAGES pages only, each stream
inflated to at most TEXT_STREAM_LIMIT under pypdf's limits (letters.pypdf_limits), TEXT_SECONDS in all and
MAX_TEXT_CHARS kept; at most MAX_SIGNATURES signatures in a file of at most MAX_REVISIONS revisions, read under
pyHanko's decode limits. pypdf and pyHanko are imported here, at the first letter, never with the module; pyHanko
(about a second to import) only for a letter that carries a signature (or that pypdf cannot open).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import io
import logging
import re
import threading
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vicon.letters import MAX_LETTER_BYTES, pypdf_limits
from vicon.records import LetterCheck, SignatureCheck
from vicon.timefmt import MONTH_NAMES, format_datetime_id

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

# Text: the number and date stand on a letter's first page; later pages are attachments (lists, agendas).
TEXT_PAGES = 3
# pypdf parses a content stream whole before extracting (about 1.4 s per MiB here); a letter's page is tens of KiB.
TEXT_STREAM_LIMIT = 512 * 1024
TEXT_SECONDS = 1.0  # checked before every content operator (pypdf's visitor), so one page cannot run past it
MAX_TEXT_CHARS = 50_000
# Signatures: a letter carries one or two (the head of office, perhaps a second signer), each adding a revision.
MAX_SIGNATURES = 5
MAX_REVISIONS = 32
# pyHanko's own reader: every stream at most this inflated, all of them together at most DOCUMENT_DECODE_BUDGET.
SIGNATURE_STREAM_LIMIT = 4 * 1024 * 1024
DOCUMENT_DECODE_BUDGET = 32 * 1024 * 1024
# Either suffices for a document signature (pyHanko's default asks for non-repudiation alone).
SIGNATURE_KEY_USAGES = frozenset({"digital_signature", "non_repudiation"})

UNREADABLE_TEXT = "teks tidak dapat dibaca (mungkin hasil pindai): periksa nomor dan tanggal surat secara manual"
UNSIGNED = "tanpa tanda tangan elektronik"
NOT_CHECKED = "Pemeriksaan dokumen tidak dapat diselesaikan; periksa surat secara manual."
# Why a certificate is not trusted, by pyHanko's AdES sub-indication (names, so no pyHanko import is needed).
_TRUST_PROBLEMS = {
    "NO_CERTIFICATE_CHAIN_FOUND": "sertifikat tidak berasal dari penerbit yang dipercaya",
    "EXPIRED": "sertifikat sudah kedaluwarsa",
    "OUT_OF_BOUNDS_NO_POE": "sertifikat sudah kedaluwarsa",
    "OUT_OF_BOUNDS_NOT_REVOKED": "sertifikat sudah kedaluwarsa",
    "NOT_YET_VALID": "sertifikat belum berlaku",
    "SIG_CONSTRAINTS_FAILURE": "sertifikat tidak diterbitkan untuk tanda tangan dokumen",
    "CHAIN_CONSTRAINTS_FAILURE": "rantai sertifikat tidak memenuhi batasannya",
    "REVOKED": "sertifikat sudah dicabut",
    "REVOKED_NO_POE": "sertifikat sudah dicabut",
    "REVOKED_CA_NO_POE": "sertifikat penerbit sudah dicabut",
    "CRYPTO_CONSTRAINTS_FAILURE": "algoritma kriptografinya sudah tidak diizinkan",
    "CRYPTO_CONSTRAINTS_FAILURE_NO_POE": "algoritma kriptografinya sudah tidak diizinkan",
}
_UNTRUSTED = "sertifikat tidak dapat dipastikan"
_NO_ROOTS = "sertifikat tidak dapat dipastikan: belum ada akar kepercayaan yang dipasang (TRUSTED_SIGNATURE_ROOTS)"
# Indonesian month names with their usual abbreviations and old spellings, and the English ones.
_MONTH_SPELLINGS: tuple[tuple[str, ...], ...] = (
    ("januari", "jan", "january"),
    ("februari", "pebruari", "feb", "peb", "february"),
    ("maret", "mar", "march"),
    ("april", "apr"),
    ("mei", "may"),
    ("juni", "jun", "june"),
    ("juli", "jul", "july"),
    ("agustus", "agu", "agt", "ags", "agst", "aug", "august"),
    ("september", "sep", "sept"),
    ("oktober", "okt", "oct", "october"),
    ("november", "nopember", "nov", "nop"),
    ("desember", "des", "dec", "december"),
)
assert [spellings[0] for spellings in _MONTH_SPELLINGS] == [name.lower() for name in MONTH_NAMES]
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"), "-")
_INVISIBLE = re.compile(r"[\s\u00ad\u200b-\u200d\u2060\ufeff]+")


class _OutOfTime(Exception):
    """Text extraction passed its deadline."""


def check_letter(
    data: bytes,
    letter_number: str,
    letter_date: dt.date,
    trust_roots: Sequence[bytes],
    now: dt.datetime,
    tz: ZoneInfo,
) -> LetterCheck:
    """The document check of `data` (a letter letter_problem accepted) against the form's number and date.

    `trust_roots`: DER certificates (settings.trusted_signature_roots); `now`: the moment certificates are
    validated at; `tz`: the office zone signing times are shown in. Never raises.
    """
    try:
        return _check(data, letter_number, letter_date, trust_roots, now, tz)
    except Exception:
        log.exception("the document check failed")
        return LetterCheck(
            page_count=None,
            text_readable=False,
            number_found=False,
            date_found=False,
            summary=NOT_CHECKED,
            completed=False,
        )


def _check(
    data: bytes,
    letter_number: str,
    letter_date: dt.date,
    trust_roots: Sequence[bytes],
    now: dt.datetime,
    tz: ZoneInfo,
) -> LetterCheck:
    if len(data) > MAX_LETTER_BYTES:  # never for an accepted letter; bounds everything below all the same
        return LetterCheck(
            page_count=None,
            text_readable=False,
            number_found=False,
            date_found=False,
            summary=NOT_CHECKED,
            completed=False,
        )
    page_count, text, maybe_signed, notes = read_letter(data)
    readable = bool(text) and any(char.isalnum() for char in text)
    number_found = readable and contains_number(text, letter_number)
    date_found = readable and contains_date(text, letter_date)
    verdicts: list[Verdict] = []
    if maybe_signed:
        # Signed fields pypdf saw must be accounted for; a file pypdf could not open only may hold some.
        expected = page_count is not None
        verdicts = check_signatures(data, trust_roots, now, tz, expected=expected)
        if not verdicts and expected:  # pypdf saw a signed field that pyHanko does not list
            verdicts = [_unverifiable("", "tanda tangannya tidak dapat dibaca")]
    return LetterCheck(
        page_count=page_count,
        text_readable=readable,
        number_found=number_found,
        date_found=date_found,
        signatures=tuple(verdict.check for verdict in verdicts),
        summary=_summary(page_count, readable, number_found, date_found, verdicts),
        notes=tuple(notes),
    )


# ---- pages and text ---------------------------------------------------------------------------------------------


def read_letter(data: bytes) -> tuple[int | None, str, bool, list[str]]:
    """(page count or None, text of the first pages, whether it may carry signatures, notes), all bounded.

    Opened under the letter check's own limits (the ones it passed); text is extracted under tighter ones. A file
    pypdf cannot open may still be one pyHanko reads, so it counts as possibly signed.
    """
    from pypdf import PdfReader, apply_configuration

    notes: list[str] = []
    with apply_configuration(**pypdf_limits()):
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            page_count = len(reader.pages)
        except Exception:
            log.info("the letter's page tree could not be read", exc_info=True)
            return None, "", True, [f"Halaman surat tidak dapat dibaca; {UNREADABLE_TEXT}."]
        signed = _signed_signature_fields(reader) > 0
        with apply_configuration(**pypdf_limits(TEXT_STREAM_LIMIT)):
            text = _first_pages_text(reader, page_count, time.monotonic() + TEXT_SECONDS, notes)
    return page_count, text, signed, notes


def _first_pages_text(reader: Any, page_count: int, deadline: float, notes: list[str]) -> str:
    def visitor(*_: Any) -> None:
        # Before every operator, XObjects' included: an XObject swallows the exception (pypdf logs it), the next
        # operator of the page raises it again, so the page stops there.
        if time.monotonic() > deadline:
            raise _OutOfTime

    texts: list[str] = []
    unreadable = 0
    length = 0
    for number in range(min(page_count, TEXT_PAGES)):
        if time.monotonic() > deadline:
            notes.append(f"Pembacaan teks dihentikan setelah {number} halaman: terlalu lama.")
            break
        try:
            text = reader.pages[number].extract_text(visitor_operand_before=visitor)
        except _OutOfTime:
            notes.append(f"Pembacaan teks dihentikan di halaman {number + 1}: terlalu lama.")
            break
        except Exception:  # pypdf's many errors for broken or over-limit content: that page gives no text
            log.info("no text from page %d of the letter", number + 1, exc_info=True)
            unreadable += 1
            continue
        texts.append(text[: MAX_TEXT_CHARS - length])
        length += len(texts[-1])
        if length >= MAX_TEXT_CHARS:
            notes.append(f"Hanya {MAX_TEXT_CHARS} karakter pertama teks surat yang diperiksa.")
            break
    if unreadable:
        notes.append(f"Teks {unreadable} halaman tidak dapat dibaca (isi halaman rusak atau terlalu besar).")
    if page_count > TEXT_PAGES:
        notes.append(f"Teks diperiksa pada {TEXT_PAGES} halaman pertama dari {page_count}.")
    return "\n".join(texts)


def _squash(text: str) -> str:
    """Compatibility-normalised, case-folded, one kind of dash, and no whitespace at all."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text).translate(_DASHES).casefold())


def contains_number(text: str, letter_number: str) -> bool:
    """Whether `letter_number` occurs in `text`, ignoring case and whitespace ("005 / 123 / Dinkes")."""
    number = _squash(letter_number)
    return bool(number) and number in _squash(text)


def _date_patterns(day: dt.date) -> list[re.Pattern[str]]:
    d = rf"0?{day.day}" if day.day < 10 else str(day.day)
    m = rf"0?{day.month}" if day.month < 10 else str(day.month)
    y = str(day.year)
    sep = r"\s*[-/.]\s*"
    months = "|".join(re.escape(name) for name in _MONTH_SPELLINGS[day.month - 1])
    return [
        re.compile(rf"(?<!\d){d}{sep}{m}{sep}{y}(?!\d)"),  # 27-11-2026, 27/11/2026, 27.11.2026, 7/1/2026
        re.compile(rf"(?<!\d){y}{sep}{m}{sep}{d}(?!\d)"),  # 2026-11-27
        re.compile(rf"(?<!\d){d}\s*(?:{months})(?![a-z])\.?\s*,?\s*{y}(?!\d)"),  # 27 November 2026, 27 Nop. 2026
    ]


def contains_date(text: str, letter_date: dt.date) -> bool:
    """Whether `text` names `letter_date` as letters write it: "27 November 2026", "27-11-2026", "27/11/2026",
    "2026-11-27", leading zeros or not, Indonesian or English month names and their abbreviations."""
    normal = " ".join(unicodedata.normalize("NFKC", text).translate(_DASHES).casefold().split())
    return any(pattern.search(normal) for pattern in _date_patterns(letter_date))


def _signed_signature_fields(reader: Any) -> int:
    """How many signature fields of the form carry a value, walking /Fields and /Kids (bounded)."""
    from pypdf.generic import ArrayObject, DictionaryObject

    try:
        form = reader.trailer["/Root"].get("/AcroForm")
        form = form.get_object() if form is not None else None
        fields = form.get("/Fields") if isinstance(form, DictionaryObject) else None
        fields = fields.get_object() if fields is not None else None
    except Exception:
        return 0
    if not isinstance(fields, ArrayObject):
        return 0
    count, seen, stack = 0, 0, [(field, 0) for field in fields]
    while stack and seen < 10_000:
        node, depth = stack.pop()
        seen += 1
        try:
            node = node.get_object()
        except Exception:  # a reference to nothing: no field there
            log.debug("a form field of the letter cannot be read", exc_info=True)
            continue
        if not isinstance(node, DictionaryObject):
            continue
        if node.get("/FT") == "/Sig" and node.get("/V") is not None:
            count += 1
        kids = node.get("/Kids")
        kids = kids.get_object() if kids is not None else None
        if isinstance(kids, ArrayObject) and depth < 20:
            stack.extend((kid, depth + 1) for kid in kids)
    return count


# ---- signatures -------------------------------------------------------------------------------------------------

CHANGED = "dokumen berubah setelah ditandatangani"
FORGED = "tanda tangannya tidak cocok dengan sertifikat penanda tangan"
UNVERIFIABLE = "tanda tangan tidak dapat diperiksa"


@dataclass(frozen=True)
class Verdict:
    """A signature's check, and for one that is not intact the short reason the summary line names."""

    check: SignatureCheck
    problem: str = ""


def check_signatures(
    data: bytes, trust_roots: Sequence[bytes], now: dt.datetime, tz: ZoneInfo, expected: bool = True
) -> list[Verdict]:
    """Every signature of the letter validated with pyHanko against `trust_roots`, nothing fetched.

    A file pyHanko cannot read is one unverifiable signature when signatures were `expected`, else none.
    """
    # pyHanko's validation runs its own event loop (asyncio.run), which a thread that already runs one (an
    # async server, a test driving a browser) cannot start: there it runs in a thread of its own.
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _check_signatures(data, trust_roots, now, tz, expected)
    with concurrent.futures.ThreadPoolExecutor(1) as worker:
        return worker.submit(_check_signatures, data, trust_roots, now, tz, expected).result()


class _QuietValidation(logging.Filter):
    """pyHanko logs a warning with a traceback for every certificate it cannot trust and every change after
    signing it refuses: findings this check reports itself, and tracebacks cost tens of milliseconds to format.
    They are dropped in a thread while it validates a letter; errors, and every other thread's records, pass."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: set[int] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR or record.thread not in self.threads

    def __enter__(self) -> None:
        for name, logger in list(logging.root.manager.loggerDict.items()):
            # "pyhanko" covers pyhanko_certvalidator's loggers too; loggers made since the last check are added.
            if name.startswith("pyhanko") and isinstance(logger, logging.Logger) and self not in logger.filters:
                logger.addFilter(self)
        self.threads.add(threading.get_ident())

    def __exit__(self, *exc: object) -> None:
        self.threads.discard(threading.get_ident())


_QUIET = _QuietValidation()


def _check_signatures(
    data: bytes, trust_roots: Sequence[bytes], now: dt.datetime, tz: ZoneInfo, expected: bool
) -> list[Verdict]:
    # Here, not at the top: pyHanko takes about a second to import, and only signed letters need it.
    from pyhanko.pdf_utils.decode_limits import DecodeLimits, DocumentDecodeBudget, StreamDecodeLimits
    from pyhanko.pdf_utils.reader import PdfFileReader

    limits = DecodeLimits(
        per_stream=StreamDecodeLimits(max_output_size=SIGNATURE_STREAM_LIMIT),
        document_budget=DocumentDecodeBudget(base_allowance=DOCUMENT_DECODE_BUDGET, max_ratio=8),
    )
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False, decode_limits=limits)
        revisions = reader.total_revisions
        embedded = list(reader.embedded_regular_signatures)
    except Exception:
        log.info("pyHanko cannot read the letter", exc_info=True)
        return [_unverifiable("", "berkasnya tidak dapat dibaca pemeriksa tanda tangan")] if expected else []
    if revisions > MAX_REVISIONS:
        why = f"berkas memiliki terlalu banyak revisi ({revisions}) untuk diperiksa"
        return [_unverifiable(_signer_name(signature), why) for signature in embedded[:MAX_SIGNATURES]]
    roots = _trust_root_certificates(tuple(trust_roots))
    with _QUIET:
        verdicts = [_check_signature(signature, roots, now, tz) for signature in embedded[:MAX_SIGNATURES]]
    verdicts += [
        _unverifiable(_signer_name(signature), f"lebih dari {MAX_SIGNATURES} tanda tangan")
        for signature in embedded[MAX_SIGNATURES:]
    ]
    return verdicts


def _trust_root_certificates(ders: tuple[bytes, ...]) -> list[Any]:
    from asn1crypto import x509

    roots = []
    for der in ders:
        try:
            roots.append(x509.Certificate.load(der))
        except Exception:  # settings checked the structure; a certificate asn1crypto refuses is left out
            log.error("a TRUSTED_SIGNATURE_ROOTS certificate cannot be read; it is not used", exc_info=True)
    return roots


def _check_signature(signature: Any, roots: list[Any], now: dt.datetime, tz: ZoneInfo) -> Verdict:
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko_certvalidator import ValidationContext

    name = _signer_name(signature)
    # An explicit, possibly empty, list: pyHanko falls back to the system's TLS roots only when given None.
    # Nothing fetched, so revocation cannot be checked: soft-fail, and the pages say so.
    context = ValidationContext(trust_roots=list(roots), moment=now, allow_fetching=False, revocation_mode="soft-fail")
    try:
        status = validate_pdf_signature(
            signature, context, key_usage_settings=KeyUsageConstraints(key_usage=set(SIGNATURE_KEY_USAGES))
        )
    except Exception as exc:
        log.info("a signature of the letter cannot be validated: %s", exc)
        return _unverifiable(name, "strukturnya tidak dikenali")
    signing_time = _signing_time(status)
    by = _by(name, signing_time, tz)
    if not status.intact:
        return _invalid(name, signing_time, CHANGED, "bagian yang ditandatangani tidak lagi sama", by)
    if not status.valid:
        return _invalid(name, signing_time, FORGED, "", by)
    coverage = status.coverage
    if coverage is None or coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        return _invalid(name, signing_time, CHANGED, "tanda tangan tidak mencakup seluruh dokumen", by)
    allowed = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES, ModificationLevel.FORM_FILLING)
    if status.modification_level not in allowed or status.docmdp_ok is False:
        return _invalid(name, signing_time, CHANGED, "isinya diubah sesudah tanda tangan dibubuhkan", by)
    if status.trusted:
        anchor = status.validation_path[0] if status.validation_path is not None else None
        issuer = _common_name(anchor.subject) if anchor is not None else ""
        trust = f"sertifikat dipercaya ({issuer})" if issuer else "sertifikat dipercaya"
        summary = f"Ditandatangani elektronik {by}, {trust}, dokumen utuh."
    else:
        issuer = _common_name(status.signing_cert.issuer)
        problem = getattr(status.trust_problem_indic, "name", "")
        trust = _NO_ROOTS if not roots else _TRUST_PROBLEMS.get(problem, _UNTRUSTED)
        summary = f"Ditandatangani elektronik {by}, dokumen utuh, tetapi {trust}."
    check = SignatureCheck(
        signer_name=name,
        signing_time=signing_time,
        intact=True,
        trusted=status.trusted,
        issuer_name=issuer,
        summary=summary,
    )
    return Verdict(check)


def _signing_time(status: Any) -> dt.datetime | None:
    """A valid timestamp token's time, else the time the signer's software recorded."""
    stamp = getattr(status, "timestamp_validity", None)
    if stamp is not None and stamp.intact and stamp.valid:
        moment: dt.datetime | None = stamp.timestamp
    else:
        moment = status.signer_reported_dt
    return moment if moment is not None and moment.tzinfo is not None else None


def _signer_name(signature: Any) -> str:
    try:
        return _common_name(signature.signer_cert.subject)
    except Exception:
        return ""


def _common_name(name: Any) -> str:
    """A certificate name's common name, else its readable form; printable and at most 200 characters."""
    native = name.native
    text = native.get("common_name") if isinstance(native, dict) else None
    if isinstance(text, list | tuple):
        text = " ".join(str(part) for part in text)
    text = str(text or name.human_friendly)
    return " ".join("".join(char for char in text if unicodedata.category(char)[0] != "C").split())[:200]


def _by(name: str, signing_time: dt.datetime | None, tz: ZoneInfo) -> str:
    who = f"oleh {name}" if name else "oleh penanda tangan yang namanya tidak terbaca"
    return f"{who} pada {format_datetime_id(signing_time, tz)}" if signing_time else who


def _invalid(name: str, signing_time: dt.datetime | None, problem: str, detail: str, by: str) -> Verdict:
    because = f" ({detail})" if detail else ""
    summary = f"Tanda tangan tidak valid: {problem}{because}; tanda tangan {by}."
    check = SignatureCheck(signer_name=name, signing_time=signing_time, intact=False, trusted=False, summary=summary)
    return Verdict(check, problem)


def _unverifiable(name: str, why: str) -> Verdict:
    who = f" oleh {name}" if name else ""
    summary = f"Tanda tangan tidak valid: tanda tangan elektronik{who} tidak dapat diperiksa ({why})."
    return Verdict(SignatureCheck(signer_name=name, intact=False, trusted=False, summary=summary), UNVERIFIABLE)


# ---- the summary line -------------------------------------------------------------------------------------------


def _summary(
    page_count: int | None, readable: bool, number_found: bool, date_found: bool, verdicts: list[Verdict]
) -> str:
    parts = ["halaman tidak dapat dibaca" if page_count is None else f"{page_count} halaman"]
    if not readable:
        parts.append(UNREADABLE_TEXT)
    elif number_found and date_found:
        parts.append("nomor dan tanggal surat ditemukan di teks")
    elif number_found or date_found:
        found, missing = ("nomor", "tanggal") if number_found else ("tanggal", "nomor")
        parts.append(f"{found} surat ditemukan di teks, {missing} surat tidak ditemukan")
    else:
        parts.append("nomor dan tanggal surat tidak ditemukan di teks")
    if page_count is None and not verdicts:
        parts.append("tanda tangan elektronik tidak dapat diperiksa")
    else:
        parts.append(_signatures_phrase(verdicts))
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def _signatures_phrase(verdicts: list[Verdict]) -> str:
    if not verdicts:
        return UNSIGNED
    invalid = [verdict for verdict in verdicts if verdict.problem]
    if invalid:
        of = f" ({len(invalid)} dari {len(verdicts)})" if len(verdicts) > 1 else ""
        return f"tanda tangan tidak valid{of}: {invalid[0].problem}"
    checks = [verdict.check for verdict in verdicts]
    names = _join([check.signer_name or "penanda tangan yang namanya tidak terbaca" for check in checks])
    if all(check.trusted for check in checks):
        return f"ditandatangani elektronik oleh {names}, sertifikat dipercaya, dokumen utuh"
    return f"ditandatangani elektronik oleh {names}, dokumen utuh, tetapi sertifikat tidak dipercaya"


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " dan " + names[-1]
