"""The staff console's answers are what /api/openapi.json says they can be (status, content type, headers, body),
happy paths included, which the fuzzer cannot reach without a mailed link (decision 0030)."""

from __future__ import annotations

from tests.harness import HarnessFactory
from tests.staff import (
    OPERATOR,
    STRANGER,
    ask_link,
    login_tokens,
    sign_in,
    staff_get,
    staff_harness,
    staff_post,
    with_cookie,
)
from tests.test_openapi import assert_conforms, served_document
from vicon.usecases.staff_access import LOGIN_RATE_PER_ADDRESS


def test_staff_answers_conform_to_the_document(make_harness: HarnessFactory) -> None:
    harness = staff_harness(make_harness)
    doc = served_document(harness)
    login = with_cookie(harness, "staff_login", None)
    assert_conforms(doc, "/staff_login", "get", login.get("/"))
    assert_conforms(doc, "/staff_login", "get", login.get("/", query_string={"token": "x"}))
    for _ in range(LOGIN_RATE_PER_ADDRESS.count):
        assert_conforms(doc, "/staff_login", "post", ask_link(harness, STRANGER))
    assert_conforms(doc, "/staff_login", "post", ask_link(harness, STRANGER))  # 429
    assert_conforms(doc, "/staff_login", "post", ask_link(harness, "bukan email"))  # 422
    assert_conforms(doc, "/staff_login", "post", ask_link(harness, OPERATOR, origin=None))  # 403
    ask_link(harness, OPERATOR)
    [token] = login_tokens(harness, OPERATOR)
    assert_conforms(doc, "/staff_login", "get", login.get("/", query_string={"token": token}))
    started = staff_post(harness, "staff_login", None, token=token)
    assert started.status_code == 303
    assert_conforms(doc, "/staff_login", "post", started)
    assert_conforms(doc, "/staff_login", "post", staff_post(harness, "staff_login", None, token=token))  # 409

    cookie = sign_in(harness)
    request_id = harness.submit_valid()["id"]
    for query in ({}, {"status": "submitted", "q": "rapat"}, {"from": "bukan"}):
        assert_conforms(doc, "/staff_requests", "get", staff_get(harness, "staff_requests", cookie, **query))
        assert_conforms(doc, "/staff_console", "get", staff_get(harness, "staff_console", cookie, **query))
    assert_conforms(doc, "/staff_requests", "get", staff_get(harness, "staff_requests", None))
    assert_conforms(doc, "/staff_console", "get", staff_get(harness, "staff_console", None))
    for query in ({"id": request_id}, {"id": "VC-2026-999999"}):
        assert_conforms(doc, "/staff_request", "get", staff_get(harness, "staff_request", cookie, **query))
        assert_conforms(doc, "/staff_letter", "get", staff_get(harness, "staff_letter", cookie, **query))
    assert_conforms(doc, "/staff_request", "get", staff_get(harness, "staff_request", None, id=request_id))
    assert_conforms(doc, "/staff_letter", "get", staff_get(harness, "staff_letter", None, id=request_id))

    act = "/staff_request"
    assert_conforms(doc, act, "post", staff_post(harness, "staff_request", cookie, id=request_id, action="reject"))
    assert_conforms(doc, act, "post", staff_post(harness, "staff_request", cookie, None, id=request_id))
    assert_conforms(doc, act, "post", staff_post(harness, "staff_request", None, id=request_id, action="retry"))
    done = staff_post(harness, "staff_request", cookie, id=request_id, action="reject", reason="Tidak lengkap.")
    assert done.status_code == 303
    assert_conforms(doc, act, "post", done)
    assert_conforms(
        doc, act, "post", staff_post(harness, "staff_request", cookie, id=request_id, action="reject", reason="x")
    )  # 409
    operator = sign_in(harness, OPERATOR)
    assert_conforms(
        doc, act, "post", staff_post(harness, "staff_request", operator, id=request_id, action="approve")
    )  # 403

    assert_conforms(doc, "/staff_logout", "post", staff_post(harness, "staff_logout", cookie, None))
    assert_conforms(doc, "/staff_logout", "post", staff_post(harness, "staff_logout", cookie))
