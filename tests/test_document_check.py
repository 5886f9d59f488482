"""The document check (vicon.document_check): page count, the form's number and date in the letter's text, and
each PDF electronic signature validated with pyHanko against a throwaway CA made here; bounded on hostile files;
shown in the verifier's mail and on the review page, never as a refusal."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import logging
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.harness import Harness, HarnessFactory, valid_fields
from tests.pdfs import (
    FONT,
    GIB,
    LETTER_LINES,
    build_pdf,
    heavy_text_letter,
    scanned_letter,
    text_letter,
    zero_flate,
)
from tests.signed_letters import SIGNER, flip_signed_byte, make_pki, rewrite_after_signing, shared_pki, sign
from tests.test_review_page import review_page
from tests.test_review_provision_http import review_token
from vicon import document_check
from vicon.document_check import check_letter, contains_date, contains_number
from vicon.letters import letter_problem
from vicon.records import LetterCheck
from vicon.settings import FUNCTIONS_DIR, Settings, SettingsError, is_x509_certificate, load_trust_roots
from vicon.timefmt import format_datetime_id

WIB = ZoneInfo("Asia/Jakarta")
NUMBER = "005/123/Dinkes/2026"  # what tests.harness.valid_fields and tests.pdfs.LETTER_LINES say
DATE = dt.date(2026, 11, 27)
NOW = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)


def check(data: bytes, roots: list[bytes] | None = None, number: str = NUMBER, date: dt.date = DATE) -> LetterCheck:
    return check_letter(data, number, date, roots or [], NOW, WIB)


# ---- pages, number and date -------------------------------------------------------------------------------------


def test_a_letter_with_a_text_layer_names_its_pages_number_and_date() -> None:
    result = check(text_letter(pages=3))
    assert (result.page_count, result.text_readable, result.number_found, result.date_found) == (3, True, True, True)
    assert result.signatures == ()
    assert result.summary == "3 halaman; nomor dan tanggal surat ditemukan di teks; tanpa tanda tangan elektronik."
    assert result.number_label == "Ditemukan di teks surat"
    assert result.pages_label == "3 halaman"
    assert result.notes == ()


def test_a_number_and_date_the_letter_does_not_carry_are_reported_not_found() -> None:
    result = check(text_letter(), number="800/9/Setda/2026", date=dt.date(2026, 11, 28))
    assert result.text_readable and not result.number_found and not result.date_found
    assert "nomor dan tanggal surat tidak ditemukan di teks" in result.summary
    assert result.date_label == "Tidak ditemukan di teks surat"
    only_date = check(text_letter(), number="800/9/Setda/2026")
    assert "tanggal surat ditemukan di teks, nomor surat tidak ditemukan" in only_date.summary


@pytest.mark.parametrize(
    "written",
    [
        "Majalengka, 27 November 2026",
        "27 NOVEMBER 2026",
        "27 Nopember 2026",
        "27 Nov. 2026",
        "27 Nov 2026",
        "27November2026",
        "27-11-2026",
        "27/11/2026",
        "27 / 11 / 2026",
        "27.11.2026",
        "2026-11-27",
        "2026/11/27",
        "tanggal 27\u201311\u20132026",  # en dashes, as word processors set them
    ],
)
def test_the_letter_date_is_found_in_every_usual_spelling(written: str) -> None:
    assert contains_date(f"Surat ini {written} perihal rapat", DATE)


@pytest.mark.parametrize(
    "written", ["7 Januari 2026", "07 Januari 2026", "7 Jan 2026", "07-01-2026", "7/1/2026", "2026-01-07", "2026-1-7"]
)
def test_a_date_before_the_tenth_is_found_with_or_without_leading_zeros(written: str) -> None:
    assert contains_date(written, dt.date(2026, 1, 7))


@pytest.mark.parametrize(
    "written",
    ["17 November 2026", "127 November 2026", "27 Oktober 2026", "27-11-2025", "28/11/2026", "2026-11-277", "272026"],
)
def test_other_dates_are_not_the_letter_date(written: str) -> None:
    assert not contains_date(written, DATE)


def test_the_letter_number_is_found_ignoring_case_spacing_and_dash_kinds() -> None:
    assert contains_number("Nomor : 005 / 123 / DINKES / 2026", NUMBER)
    assert contains_number("No. 005/123/dinkes/2026 Lamp. -", NUMBER)
    assert contains_number("Nomor: 421\u201355\u2013Disdik", "421-55-Disdik")
    assert not contains_number("Nomor : 005/124/Dinkes/2026", NUMBER)
    assert not contains_number("apa saja", "   ")


def test_a_scanned_letter_without_a_text_layer_is_reported_plainly() -> None:
    result = check(scanned_letter())
    assert result.page_count == 1
    assert not result.text_readable and not result.number_found and not result.date_found
    assert "teks tidak dapat dibaca (mungkin hasil pindai)" in result.summary
    assert result.number_label.startswith("Tidak dapat diperiksa: teks surat tidak dapat dibaca")
    assert result.completed  # the check itself did its work


def test_a_file_no_reader_can_open_is_reported_never_raised() -> None:
    result = check(b"%PDF-1.7\nbukan pdf sama sekali")
    assert result.page_count is None and not result.text_readable
    assert result.summary.startswith("Halaman tidak dapat dibaca; teks tidak dapat dibaca")
    assert result.summary.endswith("; tanda tangan elektronik tidak dapat diperiksa.")
    assert result.signatures == ()


def test_a_failing_check_is_an_incomplete_result_not_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(data: bytes) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(document_check, "read_letter", broken)
    result = check(text_letter())
    assert not result.completed
    assert result.summary == document_check.NOT_CHECKED


# ---- bounds -------------------------------------------------------------------------------------------------------


def test_a_content_stream_bomb_is_never_inflated_past_the_text_limit() -> None:
    # A page with a font (so text extraction must read its content) whose content inflates to 4 GiB.
    inflating = zero_flate(4 * GIB)
    bomb = build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Filter /FlateDecode /Length %d >>\nstream\n" % len(inflating) + inflating + b"\nendstream",
            FONT,
        ]
    )
    assert letter_problem(bomb) is None  # the safety check never reads content streams, so it reaches this check
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = check(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 2
    assert peak < 32 * 1024 * 1024, f"{peak / 2**20:.1f} MiB"
    assert result.page_count == 1 and not result.text_readable
    assert result.notes == ("Teks 1 halaman tidak dapat dibaca (isi halaman rusak atau terlalu besar).",)


def test_pages_of_heavy_text_stop_at_the_time_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    # 50 pages of 400 KiB of text operators each: about 1.5 s of pypdf per page without the caps.
    letter = heavy_text_letter(50, 400 * 1024)
    assert letter_problem(letter) is None
    monkeypatch.setattr(document_check, "TEXT_SECONDS", 0.2)
    started = time.perf_counter()
    result = check(letter)
    elapsed = time.perf_counter() - started
    # The deadline is checked before every operator, but pypdf parses a page's stream whole first.
    assert elapsed < 3, f"{elapsed:.1f} s"
    assert result.page_count == 50
    assert any("dihentikan" in note and "terlalu lama" in note for note in result.notes), result.notes
    assert "Teks diperiksa pada 3 halaman pertama dari 50." in result.notes


def test_a_page_beyond_the_text_stream_limit_is_not_parsed() -> None:
    letter = heavy_text_letter(1, document_check.TEXT_STREAM_LIMIT + 64 * 1024)
    started = time.perf_counter()
    result = check(letter)
    assert time.perf_counter() - started < 1
    assert not result.text_readable
    assert "Teks 1 halaman tidak dapat dibaca" in result.notes[0]


def test_only_the_first_pages_are_read_for_text() -> None:
    lines = [*LETTER_LINES[:2], "Nomor : 777/1/Setda/2026"]
    letter = text_letter(lines, pages=5)
    assert check(letter, number="777/1/Setda/2026").number_found
    assert check(letter, number="Lampiran halaman 3").number_found
    assert not check(letter, number="Lampiran halaman 4").number_found  # page 4: past TEXT_PAGES
    assert "Teks diperiksa pada 3 halaman pertama dari 5." in check(letter).notes


def test_neither_pypdf_nor_pyhanko_load_with_the_module_and_pyhanko_only_for_a_signed_letter() -> None:
    code = (
        "import sys, datetime as dt; sys.path[:0] = ['functions', '.']\n"
        "from zoneinfo import ZoneInfo\n"
        "import vicon.wiring\n"  # the core, with the submit use case that imports this module
        "import vicon.document_check as c\n"
        "print('pypdf' in sys.modules, 'pyhanko' in sys.modules)\n"
        "from tests.pdfs import text_letter\n"
        "c.check_letter(text_letter(), 'x', dt.date(2026, 1, 1), [], dt.datetime.now(dt.UTC), ZoneInfo('UTC'))\n"
        "print('pypdf' in sys.modules, 'pyhanko' in sys.modules)\n"
    )
    root = FUNCTIONS_DIR.parent
    lines = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert lines[:2] == ["False False", "True False"]


# ---- signatures -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def signed() -> bytes:
    return sign(text_letter(), shared_pki())


def test_a_signed_letter_is_verified_intact_and_trusted_when_its_root_is_configured(signed: bytes) -> None:
    pki = shared_pki()
    assert letter_problem(signed) is None  # a signed letter is an ordinary letter to the safety check
    before = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(seconds=1)
    result = check(signed, [pki.root_der])
    [signature] = result.signatures
    assert (signature.signer_name, signature.intact, signature.trusted) == (SIGNER, True, True)
    assert signature.issuer_name == "Uji Root CA Indonesia"
    # pyHanko records the signing machine's time; it is shown in the office zone, with the zone's name.
    assert signature.signing_time is not None
    assert before - dt.timedelta(minutes=10) <= signature.signing_time <= dt.datetime.now(dt.UTC)
    shown = format_datetime_id(signature.signing_time, WIB)
    assert shown.endswith(" WIB")
    assert signature.summary == (
        f"Ditandatangani elektronik oleh {SIGNER} pada {shown}, sertifikat dipercaya (Uji Root CA Indonesia), "
        "dokumen utuh."
    )
    assert signature.verdict == "ok" and result.verdict == "ok"
    assert result.summary == (
        f"1 halaman; nomor dan tanggal surat ditemukan di teks; ditandatangani elektronik oleh {SIGNER}, "
        "sertifikat dipercaya, dokumen utuh."
    )


def test_signatures_are_validated_from_a_thread_that_runs_an_event_loop(signed: bytes) -> None:
    async def inside_a_loop() -> LetterCheck:
        return check(signed, [shared_pki().root_der])

    [signature] = asyncio.run(inside_a_loop()).signatures
    assert signature.intact and signature.trusted


def test_pyhankos_tracebacks_for_what_the_check_reports_are_not_logged(
    signed: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        check(signed, [])  # untrusted: pyHanko warns, with a traceback, that it found no path
        check(rewrite_after_signing(signed, ["Nomor : 1"]), [])  # refused change: pyHanko warns about the diff
    assert not [record for record in caplog.records if record.name.startswith("pyhanko")]
    # Outside a validation pyHanko's records pass as ever.
    logging.getLogger("pyhanko.sign.validation.generic_cms").warning("elsewhere")
    assert [record.getMessage() for record in caplog.records if record.name.startswith("pyhanko")] == ["elsewhere"]


def test_trusting_the_issuing_ca_alone_is_enough(signed: bytes) -> None:
    intermediate = shared_pki().intermediate.public_bytes(serialization.Encoding.DER)
    [signature] = check(signed, [intermediate]).signatures
    assert signature.trusted and signature.issuer_name == "Uji BSrE CA"


def test_a_signed_letter_is_intact_but_untrusted_when_its_root_is_not_configured(signed: bytes) -> None:
    [nothing_installed] = check(signed, []).signatures
    assert nothing_installed.intact and not nothing_installed.trusted
    assert "belum ada akar kepercayaan yang dipasang (TRUSTED_SIGNATURE_ROOTS)" in nothing_installed.summary
    [other_root] = check(signed, [make_pki().root_der]).signatures
    assert other_root.intact and not other_root.trusted
    assert other_root.summary.endswith("dokumen utuh, tetapi sertifikat tidak berasal dari penerbit yang dipercaya.")
    assert other_root.issuer_name == "Uji BSrE CA"  # the certificate's own issuer
    result = check(signed, [make_pki().root_der])
    assert result.summary.endswith(
        f"ditandatangani elektronik oleh {SIGNER}, dokumen utuh, tetapi sertifikat tidak dipercaya."
    )
    assert result.verdict == "neutral"


def test_a_byte_changed_in_the_signed_range_is_flagged(signed: bytes) -> None:
    tampered = flip_signed_byte(signed)
    assert letter_problem(tampered) is None
    result = check(tampered, [shared_pki().root_der])
    [signature] = result.signatures
    assert not signature.intact and not signature.trusted
    assert signature.signer_name == SIGNER
    assert signature.summary.startswith(
        "Tanda tangan tidak valid: dokumen berubah setelah ditandatangani (bagian yang ditandatangani tidak lagi sama)"
    )
    assert result.summary.endswith("; tanda tangan tidak valid: dokumen berubah setelah ditandatangani.")
    assert result.verdict == "bad" and signature.verdict == "bad"


def test_content_replaced_in_an_update_after_signing_is_flagged(signed: bytes) -> None:
    tampered = rewrite_after_signing(signed, ["Nomor : 999/9/Palsu/2026", "Majalengka, 27 November 2026"])
    assert letter_problem(tampered) is None
    result = check(tampered, [shared_pki().root_der])
    [signature] = result.signatures
    assert not signature.intact and not signature.trusted
    assert "dokumen berubah setelah ditandatangani (isinya diubah sesudah tanda tangan dibubuhkan)" in signature.summary
    assert "tanda tangan tidak valid: dokumen berubah setelah ditandatangani" in result.summary
    # What a reader shows now is the replaced text: the form's number is no longer in it.
    assert not result.number_found and result.date_found


def test_a_second_signature_is_an_allowed_change_for_the_first(signed: bytes) -> None:
    pki = shared_pki()
    twice = sign(signed, pki, field_name="TTE-2")
    result = check(twice, [pki.root_der])
    assert [(s.intact, s.trusted) for s in result.signatures] == [(True, True), (True, True)]
    assert f"oleh {SIGNER} dan {SIGNER}, sertifikat dipercaya, dokumen utuh" in result.summary
    # One of two tampered: said with the count.
    broken = check(flip_signed_byte(twice), [pki.root_der])
    assert "tanda tangan tidak valid (2 dari 2)" in broken.summary


def test_a_file_with_too_many_revisions_is_not_validated(signed: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document_check, "MAX_REVISIONS", 1)
    [signature] = check(signed, [shared_pki().root_der]).signatures
    assert not signature.intact
    assert "tidak dapat diperiksa (berkas memiliki terlalu banyak revisi (2) untuk diperiksa)" in signature.summary


# ---- TRUSTED_SIGNATURE_ROOTS ------------------------------------------------------------------------------------


def _csr_der() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bukan sertifikat")]))
        .sign(key, hashes.SHA256())
    )
    return request.public_bytes(serialization.Encoding.DER)


def test_trust_roots_are_read_from_pem_and_der_files_at_start_up(tmp_path: Path) -> None:
    pki, other = shared_pki(), make_pki()
    pem = pki.write_root(tmp_path)
    der = tmp_path / "lain.cer"
    der.write_bytes(other.root_der)
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(pki.root_pem + other.root_pem)  # a PEM file may hold several; repeats count once
    settings = Settings.from_env({"VICON_DATA_DIR": str(tmp_path), "TRUSTED_SIGNATURE_ROOTS": f"{pem}, {der},{bundle}"})
    assert [root.der for root in settings.trusted_signature_roots] == [pki.root_der, other.root_der]
    assert settings.trusted_signature_roots[0].path == str(pem)
    assert Settings.from_env({"VICON_DATA_DIR": str(tmp_path)}).trusted_signature_roots == ()


def test_a_relative_trust_root_path_is_read_from_the_function_source() -> None:
    with pytest.raises(SettingsError, match=str(FUNCTIONS_DIR / "vicon" / "data" / "tidak-ada.cer")):
        load_trust_roots("vicon/data/tidak-ada.cer")


@pytest.mark.parametrize("kind", ["missing", "key", "request", "garbage", "bad base64", "empty"])
def test_a_trust_root_that_is_not_a_certificate_stops_start_up(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "akar.pem"
    key = ec.generate_private_key(ec.SECP256R1())
    contents = {
        "key": key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        "request": _csr_der(),
        "garbage": b"\x30\x82\xff\xff bukan DER",
        "bad base64": b"-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n",
        "empty": b"",
    }
    if kind != "missing":
        path.write_bytes(contents[kind])
    with pytest.raises(SettingsError, match="TRUSTED_SIGNATURE_ROOTS") as refused:
        Settings.from_env({"VICON_DATA_DIR": str(tmp_path), "TRUSTED_SIGNATURE_ROOTS": str(path)})
    assert str(path) in str(refused.value)


def test_the_certificate_structure_check_tells_certificates_from_other_der() -> None:
    pki = shared_pki()
    assert is_x509_certificate(pki.root_der)
    assert is_x509_certificate(pki.signer.public_bytes(serialization.Encoding.DER))
    assert not is_x509_certificate(_csr_der())
    assert not is_x509_certificate(pki.root_der + b"\x00")  # trailing data
    assert not is_x509_certificate(pki.root_der[:-1])
    public_key = pki.signer_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert not is_x509_certificate(public_key)


# ---- through the targets ----------------------------------------------------------------------------------------


@pytest.fixture
def trusting_harness(make_harness: HarnessFactory, tmp_path: Path) -> Harness:
    return make_harness(TRUSTED_SIGNATURE_ROOTS=str(shared_pki().write_root(tmp_path)))


def _verifier_mails(harness: Harness, request_id: str) -> list[tuple[str, str]]:
    mails = [m for m in harness.sent_mail() if f"Permohonan baru {request_id}" in m["Subject"]]
    assert mails
    return [(m.get_body(("plain",)).get_content(), m.get_body(("html",)).get_content()) for m in mails]


def test_a_signed_letter_submitted_shows_its_check_in_the_verifiers_mail_and_on_the_review_page(
    trusting_harness: Harness, signed: bytes
) -> None:
    harness = trusting_harness
    response = harness.submit(valid_fields(), signed)
    assert response.status_code == 201, response.get_data(as_text=True)
    request_id = response.get_json()["id"]
    stored = harness.request(request_id).letter_check
    assert stored is not None
    [signature] = stored.signatures
    assert signature.intact and signature.trusted and signature.signer_name == SIGNER
    assert stored.number_found and stored.date_found and stored.page_count == 1

    for text, body in _verifier_mails(harness, request_id):
        for shown in (text, html.unescape(body)):
            assert "Pemeriksaan dokumen" in shown
            assert stored.summary in shown
            assert signature.summary in shown
            assert "Status pencabutan sertifikat tidak diperiksa" in shown
            assert "tidak pernah menolak permohonan" in shown

    page = review_page(harness, review_token(harness, request_id))
    section = page.by_id("document-check")
    assert section.find_all("h2")[0].text == "Pemeriksaan dokumen"
    assert page.by_id("check-summary").text == stored.summary
    assert page.by_id("check-summary").attrs["data-v"] == "ok"
    assert page.by_id("check-pages").text == "1 halaman"
    assert page.by_id("check-number").text == "Ditemukan di teks surat"
    assert page.by_id("check-date").text == "Ditemukan di teks surat"
    assert signature.summary in page.by_id("check-signatures").text
    assert page.by_id("decision-form")  # the verifier still decides


def test_a_tampered_letter_is_accepted_and_flagged_for_the_verifier(trusting_harness: Harness, signed: bytes) -> None:
    harness = trusting_harness
    response = harness.submit(valid_fields(), flip_signed_byte(signed))
    assert response.status_code == 201, response.get_data(as_text=True)  # never refused by the check
    request_id = response.get_json()["id"]
    for text, body in _verifier_mails(harness, request_id):
        assert "tanda tangan tidak valid: dokumen berubah setelah ditandatangani" in text
        assert "Tanda tangan tidak valid: dokumen berubah setelah ditandatangani" in html.unescape(body)
    page = review_page(harness, review_token(harness, request_id))
    assert page.by_id("check-summary").attrs["data-v"] == "bad"
    assert "Tanda tangan tidak valid" in page.by_id("check-signatures").text


def test_an_unsigned_letter_without_a_text_layer_says_so(harness: Harness) -> None:
    request_id = harness.submit_valid()["id"]  # the blank one-page letter: no text, no signature
    [(text, _)] = _verifier_mails(harness, request_id)[:1]
    assert "1 halaman; teks tidak dapat dibaca (mungkin hasil pindai)" in text
    assert "Tanda tangan elektronik: Tidak ada tanda tangan elektronik PDF" in text
    page = review_page(harness, review_token(harness, request_id))
    assert page.by_id("check-signatures").text == "Tidak ada tanda tangan elektronik PDF"
