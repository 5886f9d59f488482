"""Rotating SIGNING_KEY through the Functions Framework: links mailed under the old key keep opening while it is
listed in SIGNING_KEYS_PREVIOUS, stop once it is dropped, and decoys open nothing whatever the keys."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.harness import Harness, HarnessFactory, valid_fields
from tests.pdfs import one_page_pdf
from tests.test_units import legacy_token
from vicon.signing import key_id


def status_params(status_url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(status_url).query).items()}


def review_token(harness: Harness, request_id: str) -> str:
    for mail in harness.sent_mail():
        if request_id in mail["Subject"] and "Permohonan baru" in mail["Subject"]:
            for line in mail.get_body(("plain",)).get_content().splitlines():
                if "/api/review_request?token=" in line:
                    return line.strip().split("token=", 1)[1]
    raise AssertionError(f"no review link mailed for {request_id}")


def status(harness: Harness, params: dict[str, str]) -> Any:
    return harness.client("request_status").get("/", query_string=params)


def test_a_link_signed_with_the_old_key_opens_after_rotation_until_the_old_key_is_dropped(
    make_harness: HarnessFactory,
) -> None:
    before = make_harness(SIGNING_KEY="kunci-2026")
    submitted = before.submit_valid()
    params = status_params(submitted["status_url"])
    review = review_token(before, submitted["id"])
    assert params["token"].startswith(key_id("kunci-2026") + ".")

    rotated = make_harness(SIGNING_KEY="kunci-2027", SIGNING_KEYS_PREVIOUS="kunci-2026")
    assert status(rotated, params).status_code == 200
    assert rotated.client("review_request").get("/", query_string={"token": review}).status_code == 200
    # What is signed from now on carries the new key's id.
    fresh = status_params(rotated.core.status_url(rotated.request(submitted["id"])))
    assert fresh["token"].startswith(key_id("kunci-2027") + ".")

    dropped = make_harness(SIGNING_KEY="kunci-2027")
    refused = status(dropped, params)
    assert refused.status_code == 403 and "tidak valid" in refused.get_json()["errors"][0]["message"]
    assert dropped.client("review_request").get("/", query_string={"token": review}).status_code == 403
    assert status(dropped, fresh).status_code == 200


def test_a_tampered_key_id_is_refused(make_harness: HarnessFactory) -> None:
    before = make_harness(SIGNING_KEY="kunci-2026")
    params = status_params(before.submit_valid()["status_url"])
    rotated = make_harness(SIGNING_KEY="kunci-2027", SIGNING_KEYS_PREVIOUS="kunci-2026")
    _, body, mac = params["token"].split(".")
    # Naming the other accepted key, an unknown one, or none at all: the MAC no longer matches.
    for token in (f"{key_id('kunci-2027')}.{body}.{mac}", f"deadbeef.{body}.{mac}", f"{body}.{mac}"):
        refused = status(rotated, {**params, "token": token})
        assert refused.status_code == 403 and "tidak valid" in refused.get_json()["errors"][0]["message"]
    cancel = rotated.client("cancel_request").post("/", data={**params, "token": f"deadbeef.{body}.{mac}"})
    assert cancel.status_code == 403
    assert rotated.request(params["id"]).status == "submitted"


def test_a_link_mailed_before_key_ids_existed_keeps_opening(make_harness: HarnessFactory) -> None:
    harness = make_harness(SIGNING_KEY="kunci-2026")
    submitted = harness.submit_valid()
    # As the previous release signed status links: no key id, MAC over the body alone.
    expires = dt.datetime(2027, 3, 2, 4, 30, tzinfo=dt.UTC)
    token = legacy_token("kunci-2026", {"p": "status", "r": submitted["id"], "e": int(expires.timestamp())})
    params = {"id": submitted["id"], "token": token}
    assert status(harness, params).status_code == 200
    rotated = make_harness(SIGNING_KEY="kunci-2027", SIGNING_KEYS_PREVIOUS="kunci-2026")
    assert status(rotated, params).status_code == 200
    assert status(make_harness(SIGNING_KEY="kunci-2027"), params).status_code == 403


def test_the_decoy_status_link_looks_like_ours_but_opens_nothing(make_harness: HarnessFactory) -> None:
    harness = make_harness(SIGNING_KEY="kunci-2027", SIGNING_KEYS_PREVIOUS="kunci-2026")
    decoy = status_params(harness.submit(valid_fields(website="x"), one_page_pdf()).get_json()["status_url"])
    real = status_params(harness.submit_valid()["status_url"])
    # A bot comparing links learns nothing from the key id: both name the current key.
    assert decoy["token"].split(".")[0] == real["token"].split(".")[0] == key_id("kunci-2027")
    assert status(harness, decoy).status_code == 403
    # Nor under the decoy's token for a real request's number.
    assert status(harness, {**decoy, "id": real["id"]}).status_code == 403
    assert harness.client("cancel_request").post("/", data=decoy).status_code == 403
    assert status(make_harness(SIGNING_KEY="kunci-2026"), decoy).status_code == 403
