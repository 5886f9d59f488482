"""Hypothesis: whatever a client sends to submit_request, the answer is a 201 or a 4xx with well-formed errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.harness import Harness, HarnessFactory, valid_fields
from tests.pdfs import one_page_pdf

FORM_FIELDS = frozenset([*valid_fields(), "letter"])  # what the form sends; an error may name only these
FIELD_NAMES = [*sorted(FORM_FIELDS), "unknown_field"]
LETTER = one_page_pdf()

text_values = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    st.sampled_from(["", " ", "0", "-1", "2026-12-02T09:00", "2026-13-45T99:99", "on", "recording", "\x00", "٣"]),
)


@st.composite
def submissions(draw: st.DrawFn) -> tuple[dict[str, Any], bytes | None]:
    fields: dict[str, Any] = valid_fields()
    for name in draw(st.lists(st.sampled_from(FIELD_NAMES), max_size=5, unique=True)):
        if draw(st.booleans()):
            fields.pop(name, None)
        elif name == "needs":
            fields[name] = draw(st.lists(text_values, max_size=3))
        else:
            fields[name] = draw(text_values)
    letter = draw(st.one_of(st.just(LETTER), st.none(), st.binary(max_size=2048), st.just(b"%PDF-" + LETTER[5:300])))
    return fields, letter


def assert_errors_schema(body: Any) -> None:
    """Exactly {"errors": [{"field": a form field or None, "message": non-empty text}, ...]}, nothing more."""
    assert isinstance(body, dict) and set(body) == {"errors"}, body
    errors = body["errors"]
    assert isinstance(errors, list) and errors, body
    for error in errors:
        assert isinstance(error, dict) and set(error) == {"field", "message"}, error
        assert error["field"] is None or (isinstance(error["field"], str) and error["field"] in FORM_FIELDS), error
        assert isinstance(error["message"], str) and error["message"].strip(), error


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(submission=submissions())
def test_fuzz_submit_answers_201_or_a_4xx_with_well_formed_errors(
    make_harness: HarnessFactory, submission: tuple[dict[str, Any], bytes | None]
) -> None:
    # The examples share one store: a generous limit keeps the rate limiter (tested on its own) out of the way.
    harness: Harness = make_harness(SUBMIT_RATE_LIMIT="1000000/hour")
    fields, letter = submission
    before = len(harness.all_requests())

    response = harness.submit(fields, letter)

    assert response.status_code < 500, response.get_data(as_text=True)
    assert response.status_code in (201, 400, 413, 422), response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = json.loads(response.get_data(as_text=True))
    if response.status_code == 201:
        assert set(body) == {"id", "status", "status_url"}
    else:
        assert_errors_schema(body)
        assert len(harness.all_requests()) == before  # a refusal stores nothing


def test_the_errors_schema_check_refuses_what_it_should() -> None:
    assert_errors_schema({"errors": [{"field": "letter", "message": "Wajib."}, {"field": None, "message": "x"}]})
    bad_bodies: list[Any] = [
        {"errors": []},
        {"errors": [{"field": "letter", "message": ""}]},
        {"errors": [{"field": "unknown_field", "message": "x"}]},
        {"errors": [{"field": 3, "message": "x"}]},
        {"errors": [{"field": None, "message": "x", "detail": "y"}]},
        {"errors": [{"message": "x"}]},
        {"errors": [{"field": None, "message": "x"}], "status": 422},
        [{"field": None, "message": "x"}],
    ]
    for bad in bad_bodies:
        with pytest.raises(AssertionError):
            assert_errors_schema(bad)
