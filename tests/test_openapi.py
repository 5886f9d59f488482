"""The OpenAPI document (`GET /api/openapi.json`): a valid 3.1 document of every target, built from the code's
own rules, equal to the checked-in `docs/openapi.json`, and true of real answers, happy paths included (which the
fuzzer in tests/test_openapi_fuzz.py cannot reach: it has no signed link and no real PDF)."""

from __future__ import annotations

import inspect
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate

import main
from tests.harness import Harness, HarnessFactory, valid_fields
from tests.pdfs import one_page_pdf
from tests.test_review_page import letter_token
from tests.test_review_provision_http import BIG, OPERATOR, SMALL, decide, links, review_token
from vicon import intake, openapi
from vicon.settings import REPO_DIR
from vicon_dev import devserver

CHECKED_IN = REPO_DIR / "docs" / "openapi.json"


def served_document(harness: Harness) -> dict[str, Any]:
    response = harness.client("openapi_json").get("/")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return dict(response.get_json())


def operation(doc: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    return dict(doc["paths"][path][method])


def assert_conforms(doc: dict[str, Any], path: str, method: str, response: Any) -> None:
    """The answer's status, content type, headers and body are what the document says they can be."""
    answers = operation(doc, path, method.lower())["responses"]
    status = str(response.status_code)
    assert status in answers, f"{method} {path} answered {status}, the document lists {sorted(answers)}"
    answer = answers[status]
    for name, header in answer.get("headers", {}).items():
        spec = doc["components"]["headers"][header["$ref"].rsplit("/", 1)[1]]
        value = response.headers.get(name)
        if value is None:
            assert not spec.get("required"), f"{method} {path} {status}: header {name} missing"
            continue
        typed: Any = int(value) if spec["schema"].get("type") == "integer" else value
        _validator(doc, spec["schema"]).validate(typed)
    content = answer.get("content")
    if not content:
        return
    assert response.mimetype in content, f"{method} {path} {status}: {response.mimetype} not in {sorted(content)}"
    if response.mimetype == "application/json":
        body: Any = response.get_json()
    elif response.mimetype == "text/html":
        body = response.get_data(as_text=True)
    else:
        return
    _validator(doc, content[response.mimetype]["schema"]).validate(body)


def _validator(doc: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    # The document's own components beside the schema, so its "#/components/..." references resolve.
    return Draft202012Validator({**schema, "components": doc["components"]}, format_checker=FormatChecker())


def test_the_document_is_a_valid_openapi_3_1_document(harness: Harness) -> None:
    doc = served_document(harness)
    assert doc["openapi"].startswith("3.1.")
    validate(doc)  # openapi-spec-validator: the 3.1 meta-schema and every reference


def test_the_served_document_is_the_checked_in_copy(harness: Harness) -> None:
    served = openapi.dumps(served_document(harness))
    assert CHECKED_IN.exists(), "docs/openapi.json is missing: run `make openapi` and commit it"
    assert CHECKED_IN.read_text(encoding="utf-8") == served, (
        "docs/openapi.json differs from what GET /api/openapi.json answers: run `make openapi` and commit it"
    )


def test_every_target_is_in_the_document_with_its_methods(harness: Harness) -> None:
    doc = served_document(harness)
    defined = {
        name
        for name, value in inspect.getmembers(main, inspect.isfunction)
        if value.__module__ == main.__name__ and not name.startswith("_")
    }
    assert defined == set(devserver.TARGETS)
    paths = {path.lstrip("/"): methods for path, methods in doc["paths"].items()}
    documented = {devserver.TARGET_PATHS.get(path, path) for path in paths}
    assert documented == defined
    methods = {path: set(ops) for path, ops in paths.items()}
    assert methods["submit_request"] == {"post"}
    assert methods["review_request"] == {"get", "post"}
    assert methods["start_meeting"] == {"get", "post"}
    assert methods["openapi.json"] == {"get"}


def test_every_error_answer_carries_the_errors_schema(harness: Harness) -> None:
    doc = served_document(harness)
    errors = doc["components"]["schemas"]["Errors"]
    assert errors["properties"]["errors"]["items"]["properties"]["field"]["type"] == ["string", "null"]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert "503" in op["responses"], f"{method} {path}"
            for status, answer in op["responses"].items():
                if int(status) >= 400:
                    schema = answer["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Errors"}, f"{method} {path} {status}"
    rate_limited = operation(doc, "/submit_request", "post")["responses"]["429"]
    assert "Retry-After" in rate_limited["headers"]


def test_limits_and_choices_are_the_codes_own(make_harness: HarnessFactory) -> None:
    doc = served_document(make_harness(ZOOM_HOSTS="kecil@vicon.example:50,besar@vicon.example:500"))
    body = operation(doc, "/submit_request", "post")["requestBody"]["content"]
    fields = body["multipart/form-data"]["schema"]["properties"]
    for name, limit in intake.TEXT_LIMITS.items():
        assert fields[name]["maxLength"] == limit, name
    assert fields["event_type"]["enum"] == list(intake.EVENT_TYPES)
    assert fields["needs"]["items"]["enum"] == list(intake.NEEDS)
    assert fields["participant_count"]["minimum"] == intake.MIN_PARTICIPANTS
    assert fields["participant_count"]["maximum"] == 500  # the largest host capacity
    assert fields["letter"]["format"] == "binary"
    assert "letter" not in body["application/x-www-form-urlencoded"]["schema"]["properties"]
    assert str(intake.MAX_LETTER_BYTES) in fields["letter"]["description"]


def test_intake_answers_conform_to_the_document(make_harness: HarnessFactory) -> None:
    harness = make_harness(SUBMIT_RATE_LIMIT="2/hour")
    doc = served_document(harness)
    submit = harness.client("submit_request")
    assert_conforms(doc, "/intake_options", "get", harness.client("intake_options").get("/"))
    assert_conforms(doc, "/openapi.json", "get", harness.client("openapi_json").get("/"))
    assert_conforms(doc, "/scheduled_tick", "post", harness.client("scheduled_tick").post("/"))

    accepted = harness.submit(valid_fields(), one_page_pdf())
    assert accepted.status_code == 201
    assert_conforms(doc, "/submit_request", "post", accepted)
    assert_conforms(doc, "/submit_request", "post", harness.submit(valid_fields(website="x"), one_page_pdf()))
    page = harness.submit(valid_fields(), one_page_pdf(), headers={"Accept": "text/html"})
    assert_conforms(doc, "/submit_request", "post", page)
    invalid = harness.submit(valid_fields(opd=""), one_page_pdf())
    assert invalid.status_code == 422
    assert_conforms(doc, "/submit_request", "post", invalid)
    invalid_page = harness.submit(valid_fields(opd=""), one_page_pdf(), headers={"Accept": "text/html"})
    assert_conforms(doc, "/submit_request", "post", invalid_page)
    limited = harness.submit(valid_fields(), one_page_pdf())
    assert limited.status_code == 429
    assert_conforms(doc, "/submit_request", "post", limited)
    assert_conforms(doc, "/submit_request", "post", submit.post("/", data="x", content_type="text/plain"))
    assert_conforms(doc, "/submit_request", "post", harness.submit(valid_fields(), one_page_pdf(padding=7 << 20)))
    urlencoded = submit.post("/", data=valid_fields(), content_type="application/x-www-form-urlencoded")
    assert urlencoded.status_code == 422
    assert_conforms(doc, "/submit_request", "post", urlencoded)

    status = harness.client("request_status")
    query = {k: v[0] for k, v in parse_qs(urlsplit(accepted.get_json()["status_url"]).query).items()}
    for answer in (
        status.get("/", query_string=query),
        status.get("/"),
        status.get("/", query_string={**query, "token": query["token"] + "x"}),
    ):
        assert_conforms(doc, "/request_status", "get", answer)

    cancel = harness.client("cancel_request")
    for answer in (cancel.post("/", data=query), cancel.post("/", data=query), cancel.post("/", data={"id": "x"})):
        assert_conforms(doc, "/cancel_request", "post", answer)
    assert_conforms(doc, "/request_status", "get", status.get("/", query_string=query))


@pytest.fixture
def zoom_harness(make_harness: HarnessFactory, zoom_sandbox: Any) -> Harness:
    return make_harness(
        meetings=zoom_sandbox.client(sleep=lambda seconds: None),
        ZOOM_HOSTS=f"{BIG}:300,{SMALL}:100",
        OPERATOR_EMAILS=OPERATOR,
    )


def test_review_letter_officer_and_status_answers_conform_to_the_document(zoom_harness: Harness) -> None:
    harness = zoom_harness
    doc = served_document(harness)
    submitted = harness.submit_valid()
    token = review_token(harness, submitted["id"])
    review = harness.client("review_request")
    assert_conforms(doc, "/review_request", "get", review.get("/", query_string={"token": token}))
    assert_conforms(doc, "/review_request", "get", review.get("/", query_string={"token": "x"}))
    letter = harness.client("request_letter")
    pdf = letter.get("/", query_string={"token": letter_token(harness, token)})
    assert pdf.status_code == 200
    assert_conforms(doc, "/request_letter", "get", pdf)
    assert_conforms(doc, "/request_letter", "get", letter.get("/", query_string={"token": token}))
    assert_conforms(doc, "/review_request", "post", decide(harness, token, "reject"))  # 422: no reason
    assert_conforms(doc, "/review_request", "post", decide(harness, token, "approve"))
    assert_conforms(doc, "/review_request", "post", decide(harness, token, "approve"))  # 409

    query = {k: v[0] for k, v in parse_qs(urlsplit(submitted["status_url"]).query).items()}
    provisioned = harness.client("request_status").get("/", query_string=query)
    assert provisioned.get_json()["meeting"] is not None
    assert_conforms(doc, "/request_status", "get", provisioned)

    [officer_link] = links(harness, "/api/start_meeting?token=", to=OPERATOR)
    officer = {"token": parse_qs(urlsplit(officer_link).query)["token"][0]}
    start = harness.client("start_meeting")
    assert_conforms(doc, "/start_meeting", "get", start.get("/", query_string=officer))
    redirect = start.post("/", data=officer)
    assert redirect.status_code == 303
    assert_conforms(doc, "/start_meeting", "post", redirect)
    assert_conforms(doc, "/start_meeting", "post", start.post("/", data={"token": "x"}))
    cancelled = harness.client("cancel_request").post("/", data=query, headers={"Accept": "text/html"})
    assert_conforms(doc, "/cancel_request", "post", cancelled)
    assert_conforms(doc, "/start_meeting", "post", start.post("/", data=officer))  # 409: no meeting any more
    assert_conforms(doc, "/scheduled_tick", "post", harness.client("scheduled_tick").post("/"))


def test_make_openapi_writes_the_document_of_the_embedded_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    assert openapi.main(["openapi"]) == 0  # what `make openapi` writes, whatever the caller's environment says
    assert capsys.readouterr().out == CHECKED_IN.read_text(encoding="utf-8")
