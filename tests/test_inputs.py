"""The input models (vicon.inputs): rules as validators, every problem at once, and one translation of pydantic's
errors into Bahasa Indonesia (the HTTP tiers check the messages people see: tests/test_submit_http.py)."""

from __future__ import annotations

import datetime as dt
import typing
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic_core.core_schema import ErrorType

from tests.harness import valid_fields
from vicon import inputs, openapi
from vicon.fields import FIELD_LABELS, IntakeRules, ValidationFailed
from vicon.inputs import (
    CancelForm,
    ComplaintAnswerForm,
    ComplaintForm,
    ComplaintRegisterForm,
    DecisionForm,
    IntakeContext,
    StaffLinkForm,
    SubmitForm,
    field_errors,
)
from vicon.workdays import WorkingCalendar

NOW = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)
RULES = IntakeRules(ZoneInfo("Asia/Jakarta"), WorkingCalendar(), 2, 300, ("Dinas Kesehatan",))
FORMS = (
    SubmitForm,
    DecisionForm,
    CancelForm,
    ComplaintForm,
    ComplaintRegisterForm,
    ComplaintAnswerForm,
    StaffLinkForm,
)


def submit_errors(letter: bytes | None = b"%PDF-", **overrides: Any) -> list[tuple[str | None, str]]:
    fields = {name: value if isinstance(value, list) else [value] for name, value in valid_fields(**overrides).items()}
    with pytest.raises(ValidationFailed) as failed:
        SubmitForm.read(fields, letter, IntakeContext(RULES, NOW, lambda letter: None))
    return [(error.field, error.message) for error in failed.value.errors]


@pytest.mark.parametrize("kind", typing.get_args(ErrorType))
def test_every_pydantic_error_type_is_said_in_bahasa_naming_its_field(kind: str) -> None:
    english = "Input should be something else entirely"
    error = {"type": kind, "loc": ("event_name",), "msg": english, "input": "x" * 300, "ctx": {"max_length": 200}}
    [problem] = field_errors(SubmitForm, [error])
    assert problem.field == "event_name"
    assert problem.message.startswith(FIELD_LABELS["event_name"]) and english not in problem.message


def test_a_context_the_message_does_not_expect_still_gives_a_bahasa_message() -> None:
    [problem] = field_errors(SubmitForm, [{"type": "greater_than_equal", "loc": ("opd",), "msg": "x", "input": 1}])
    assert problem.message == inputs.UNKNOWN.format(label=FIELD_LABELS["opd"])
    [whole_form] = field_errors(SubmitForm, [{"type": "model_type", "loc": (), "msg": "Input should be a dict"}])
    assert whole_form.field is None and whole_form.message.startswith(inputs.FORM_LABEL)


def test_our_own_rules_keep_their_words_and_numbers_print_the_indonesian_way() -> None:
    rule = {"type": inputs.RULE, "loc": ("start",), "msg": "Waktu mulai sudah lewat.", "input": "x"}
    too_long: dict[str, Any] = {"type": "string_too_long", "loc": ("participants",), "msg": "x", "input": "a" * 20_345}
    too_long["ctx"] = {"max_length": 20_000}
    assert [e.message for e in field_errors(SubmitForm, [rule, too_long])] == [
        "Waktu mulai sudah lewat.",
        "Daftar peserta paling banyak 20.000 karakter (saat ini 20.345).",
    ]


def test_every_problem_is_named_at_once_in_the_forms_order() -> None:
    errors = submit_errors(
        letter=None, opd="Dinas Tidak Ada", end="2026-12-02T08:00", participant_count="1", contact_email="budi@"
    )
    assert [field for field, _ in errors] == ["opd", "end", "participant_count", "contact_email", "letter"]
    assert ("letter", "Surat permohonan resmi (PDF) wajib dilampirkan.") in errors
    assert ("participant_count", "Jumlah peserta paling sedikit 2 orang.") in errors


def test_a_start_that_breaks_its_own_rule_is_still_checked_against_the_end() -> None:
    assert submit_errors(start="2026-11-29T09:00", end="2026-11-29T08:00") == [
        ("start", "Waktu mulai sudah lewat."),
        ("end", "Waktu selesai harus setelah waktu mulai."),
    ]
    # A start that cannot be read has no end to be compared with.
    assert [field for field, _ in submit_errors(start="besok", end="2026-11-29T08:00")] == ["start"]


def test_recording_asks_for_consent_even_beside_an_unknown_need() -> None:
    assert [field for field, _ in submit_errors(needs=["karaoke", "recording"], recording_consent=None)] == [
        "needs",
        "recording_consent",
    ]


def test_unknown_needs_are_one_problem() -> None:
    errors = submit_errors(needs=["karaoke", "sulap", "polling"])
    assert errors == [("needs", "Kebutuhan khusus tidak dikenal; pilih dari daftar atau tulis di kebutuhan lain.")]


def test_the_submit_form_normalises_what_it_takes() -> None:
    fields = {name: value if isinstance(value, list) else [value] for name, value in valid_fields().items()}
    fields |= {"opd": ["  dinas   KESEHATAN "], "needs": [" polling", "", "polling"], "speakers": ["a\r\nb  "]}
    form = SubmitForm.read(fields, b"%PDF-", IntakeContext(RULES, NOW, lambda letter: None))
    assert (form.opd, form.needs, form.speakers) == ("Dinas Kesehatan", ["polling"], "a\nb")
    assert form.start == dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC) and form.contact_phone == "+6281234567890"


def test_the_decision_form() -> None:
    assert DecisionForm.parse({"token": "t", "decision": "reject", "reason": "  Bentrok. "}).reason == "Bentrok."
    cases: list[tuple[dict[str, str], tuple[str, str]]] = [
        ({}, ("decision", "Pilih tombol Setujui atau Tolak.")),
        ({"decision": "maybe"}, ("decision", "Pilih tombol Setujui atau Tolak.")),
        (
            {"decision": "reject", "reason": "  "},
            ("reason", "Alasan penolakan wajib diisi; pemohon akan menerimanya lewat email."),
        ),
        ({"decision": "approve", "reason": "x" * 2_001}, ("reason", "Alasan paling banyak 2000 karakter.")),
    ]
    for data, expected in cases:
        with pytest.raises(ValidationFailed) as failed:
            DecisionForm.parse(data)
        assert [(e.field, e.message) for e in failed.value.errors] == [expected], data


def test_the_cancel_form_needs_both_values() -> None:
    assert CancelForm.parse({"id": " VC-2026-000001 ", "token": "t"}).id == "VC-2026-000001"
    with pytest.raises(ValidationFailed) as failed:
        CancelForm.parse({"id": "  "})
    assert {e.field for e in failed.value.errors} == {"id", "token"}


@pytest.mark.parametrize("form", FORMS)
def test_the_document_describes_each_form_from_its_model(form: type[inputs.Form]) -> None:
    schema = openapi.form_schema(form)
    assert list(schema["properties"]) == list(form.model_fields)
    for name, field in schema["properties"].items():
        assert field["title"] == form.model_fields[name].title and "default" not in field, name
        assert field.get("description"), name
    assert schema["required"] == [name for name, field in form.model_fields.items() if field.is_required()]
