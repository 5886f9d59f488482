"""The complaint forms' rules, the quoting of public text in mails, and CSV cells safe for spreadsheets."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest

from vicon.exports import COMPLAINT_COLUMNS, complaints_csv, csv_cell, csv_text
from vicon.fields import ValidationFailed
from vicon.inputs import ComplaintAnswerForm, ComplaintContext, ComplaintForm, ComplaintRegisterForm, StaffLinkForm
from vicon.messages import defanged, quoted_lines
from vicon.records import ComplaintRecord

CONTEXT = ComplaintContext(("Dinas Kesehatan", "Kecamatan Kadipaten"))
VALID = {"category": "saran", "message": "Mohon jadwal dikirim lebih awal.", "name": "Budi", "email": "b@x.go.id"}


def errors(form: type[ComplaintForm] | type[ComplaintAnswerForm] | type[StaffLinkForm], **data: Any) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as failed:
        form.parse(data, CONTEXT)
    return {str(error.field): error.message for error in failed.value.errors}


def test_a_valid_complaint_is_normalised_as_stored() -> None:
    form = ComplaintForm.parse(
        {
            **VALID,
            "message": "  Baris satu\r\nBaris dua\r  ",
            "phone": "0812-3456-7890",
            "opd": "  kecamatan   KADIPATEN ",
            "request_id": " vc-2026-000012 ",
        },
        CONTEXT,
    )
    assert form.message == "Baris satu\nBaris dua"
    assert (form.phone, form.opd, form.request_id) == ("+6281234567890", "Kecamatan Kadipaten", "VC-2026-000012")
    other = ComplaintForm.parse({**VALID, "opd": "Desa  Sukamaju"}, CONTEXT)
    assert (other.opd, other.phone, other.request_id) == ("Desa Sukamaju", "", "")  # not listed: as typed


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("category", "", "Pilih jenis"),
        ("category", "keluhan", "Pilih jenis"),
        ("message", "", "Tulis isi"),
        ("message", "a" * 5_001, "paling banyak 5.000 karakter (saat ini 5.001)"),
        ("message", "awas \u2066terbalik", "karakter yang tidak diizinkan"),
        ("message", "\x1b[31m", "karakter yang tidak diizinkan"),
        ("name", "Budi\u2029Santoso", "satu baris"),
        ("email", "", "Email wajib diisi"),
        ("email", "b@x", "tidak valid"),
        ("email", "=?utf-8?b?QQ==?=@x.go.id", "tidak valid"),
        ("phone", "0812", "nomor Indonesia"),
        ("request_id", "VC-2026-12", "VC-TTTT-NNNNNN"),
        ("request_id", "PG-2026-000001", "VC-TTTT-NNNNNN"),
        ("opd", "x" * 201, "paling banyak 200"),
    ],
)
def test_each_rule_names_its_field_in_bahasa(field: str, value: str, words: str) -> None:
    assert words in errors(ComplaintForm, **{**VALID, field: value})[field]


def test_registration_takes_a_channel_and_an_email_or_a_phone() -> None:
    assert set(errors(ComplaintRegisterForm, **VALID)) == {"channel"}
    assert "Pilih saluran" in errors(ComplaintRegisterForm, **VALID, channel="web")["channel"]
    no_way = {**VALID, "email": "", "channel": "in_person"}
    assert "email atau nomor telepon" in errors(ComplaintRegisterForm, **no_way)["phone"]
    by_phone = ComplaintRegisterForm.parse({**no_way, "phone": "+62 813 2222 3333"}, CONTEXT)
    assert (by_phone.channel, by_phone.email, by_phone.phone) == ("in_person", "", "+6281322223333")
    # A bad address is its own problem, not "no way to answer".
    assert set(errors(ComplaintRegisterForm, **{**no_way, "email": "x@"})) == {"email"}


def test_the_answer_and_the_link_request_forms() -> None:
    assert "Tulis jawaban" in errors(ComplaintAnswerForm, answer="\n \n")["answer"]
    assert "paling banyak 5.000" in errors(ComplaintAnswerForm, answer="y" * 5_001)["answer"]
    assert ComplaintAnswerForm.parse({"answer": " Sudah.\r\nTerima kasih. "}).answer == "Sudah.\nTerima kasih."
    assert errors(StaffLinkForm, email="petugas") == {"email": "Alamat email tidak valid."}


@pytest.mark.parametrize(
    ("typed", "quoted"),
    [
        ("buka https://evil.example/login?x=1", "buka https[:]//evil[.]example/login?x=1"),
        ("lihat www.toko-sebelah.co.id ya", "lihat www[.]toko-sebelah[.]co[.]id ya"),
        ("surel budi@dinkes.example.go.id", "surel budi@dinkes[.]example[.]go[.]id"),
        ("Selesai. Terima kasih. Rp 1.500", "Selesai. Terima kasih. Rp 1.500"),
        ("ftp://x", "ftp[:]//x"),
    ],
)
def test_public_text_is_quoted_without_live_links(typed: str, quoted: str) -> None:
    assert defanged(typed) == quoted


def test_quoted_lines_mark_every_line() -> None:
    assert quoted_lines("satu\n\ndua") == "> satu\n>\n> dua"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("+6281234567890", "'+6281234567890"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=cmd", "'\t=cmd"),
        ("\r=cmd", "'\r=cmd"),
        ("\uff1dHYPERLINK()", "'\uff1dHYPERLINK()"),
        ("Budi = baik", "Budi = baik"),
        (None, ""),
        (12, "12"),
    ],
)
def test_a_cell_a_spreadsheet_would_run_starts_with_a_quote(value: object, cell: str) -> None:
    assert csv_cell(value) == cell


def test_csv_text_quotes_what_needs_it_and_reads_back() -> None:
    text = csv_text(["a", "=b"], [["x, y", 'kata "kutip"\nbaris dua'], [None, "-1"]])
    assert text.endswith("\r\n")
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["a", "'=b"],
        ["x, y", 'kata "kutip"\nbaris dua'],
        ["", "'-1"],
    ]


def test_complaints_csv_has_one_row_per_complaint_in_the_record_columns() -> None:
    from zoneinfo import ZoneInfo

    answered = ComplaintRecord.model_validate(
        {
            "id": "PG-2026-000003",
            "status": "answered",
            "received_at": dt.datetime(2026, 11, 30, 2, tzinfo=dt.UTC),
            "channel": "phone",
            "category": "masukan",
            "message": "=cmd|' /C calc'!A0",
            "name": "Ibu Rina",
            "email": "",
            "phone": "+6281322223333",
            "registered_by": "petugas@diskominfo.example",
            "answer": "Sudah.",
            "answered_by": "kabid@diskominfo.example",
            "answered_at": dt.datetime(2026, 12, 1, 3, tzinfo=dt.UTC),
        }
    )
    rows = list(csv.DictReader(io.StringIO(complaints_csv([answered], ZoneInfo("Asia/Jakarta")), newline="")))
    assert list(rows[0]) == list(COMPLAINT_COLUMNS)
    assert rows[0]["received_at"] == "2026-11-30T09:00:00+07:00"
    assert rows[0]["answered_at"] == "2026-12-01T10:00:00+07:00"
    assert rows[0]["message"] == "'=cmd|' /C calc'!A0" and rows[0]["phone"] == "'+6281322223333"
    assert rows[0]["request_id"] == "" and rows[0]["channel"] == "phone"
