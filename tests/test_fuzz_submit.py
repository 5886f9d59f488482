"""Hypothesis: whatever a client sends to submit_request, the answer is a 201 or a 4xx with errors, never a 5xx."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.harness import Harness, HarnessFactory, valid_fields
from tests.pdfs import one_page_pdf

FIELD_NAMES = [*valid_fields(), "letter", "unknown_field"]
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


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(submission=submissions())
def test_fuzz_submit_never_fails_with_a_5xx(
    make_harness: HarnessFactory, submission: tuple[dict[str, Any], bytes | None]
) -> None:
    harness: Harness = make_harness()
    fields, letter = submission
    before = len(harness.all_requests())

    response = harness.submit(fields, letter)

    assert response.status_code in (201, 400, 413, 422), response.get_data(as_text=True)
    body = response.get_json()
    if response.status_code == 201:
        assert set(body) == {"id", "status", "status_url"}
    else:
        assert body["errors"] and all(isinstance(e["message"], str) and e["message"] for e in body["errors"])
        assert len(harness.all_requests()) == before  # a refusal stores nothing
