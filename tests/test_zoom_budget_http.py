"""Answers that wait on Zoom stay within a function's timeout: cancel and the officer's start link under 429s."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.harness import Harness, HarnessFactory
from tests.test_review_provision_http import BIG, OPERATOR, SMALL, SleepingClock, decide, links, review_token
from vicon.provisioning import INLINE_ZOOM_BUDGET_SECONDS

RATE_LIMITED = {"X-RateLimit-Type": "QPS", "Retry-After": "30"}


def provisioned(make_harness: HarnessFactory, zoom_sandbox: Any) -> tuple[Harness, SleepingClock, dict[str, Any]]:
    zoom_clock = SleepingClock()
    harness = make_harness(
        meetings=zoom_sandbox.client(timeout=1.0, sleep=zoom_clock.sleep, clock=zoom_clock),
        ZOOM_HOSTS=f"{BIG}:300,{SMALL}:100",
        OPERATOR_EMAILS=OPERATOR,
    )
    submitted = harness.submit_valid()
    assert decide(harness, review_token(harness, submitted["id"]), "approve").status_code == 200
    zoom_clock.slept.clear()
    return harness, zoom_clock, submitted


def test_cancel_answers_within_the_budget_when_zoom_keeps_answering_429(
    make_harness: HarnessFactory, zoom_sandbox: Any
) -> None:
    harness, zoom_clock, submitted = provisioned(make_harness, zoom_sandbox)
    zoom_sandbox.state.inject("DELETE", r"/meetings/.+", status=429, headers=RATE_LIMITED, times=3)
    query = {k: v[0] for k, v in parse_qs(urlsplit(submitted["status_url"]).query).items()}

    response = harness.client("cancel_request").post("/", data=query)

    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    assert sum(zoom_clock.slept) <= INLINE_ZOOM_BUDGET_SECONDS  # before the budget: 3 x 30 s in this answer
    assert len(zoom_sandbox.state.meetings) == 1
    zoom_sandbox.state.clear_injections()
    harness.clock.now += dt.timedelta(minutes=1)
    assert harness.client("scheduled_tick").post("/").get_json()["cleanup"] == 1
    assert zoom_sandbox.state.meetings == {}


def test_officer_start_link_answers_within_the_budget_when_zoom_keeps_answering_429(
    make_harness: HarnessFactory, zoom_sandbox: Any
) -> None:
    harness, zoom_clock, _ = provisioned(make_harness, zoom_sandbox)
    [officer_url] = links(harness, "/api/start_meeting?", to=OPERATOR)
    token = parse_qs(urlsplit(officer_url).query)["token"][0]
    zoom_sandbox.state.inject("GET", r"/meetings/\d+$", status=429, headers=RATE_LIMITED, times=3)

    response = harness.client("start_meeting").post("/", data={"token": token})

    assert response.status_code == 503 and "Zoom" in response.get_data(as_text=True)
    assert sum(zoom_clock.slept) <= INLINE_ZOOM_BUDGET_SECONDS
    zoom_sandbox.state.clear_injections()
    assert harness.client("start_meeting").post("/", data={"token": token}).status_code == 303


def test_contact_address_with_an_encoded_word_is_refused(harness: Harness) -> None:
    from tests.harness import valid_fields
    from tests.pdfs import one_page_pdf

    response = harness.submit(valid_fields(contact_email="=?utf-8?q?x?=@dinkes.example.go.id"), one_page_pdf())
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == ["contact_email"]
    harness.assert_nothing_stored_or_sent()
