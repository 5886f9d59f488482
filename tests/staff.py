"""Helpers for the staff console's tests: asking for a sign-in link, reading it from the mail sink, signing in."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask.testing import FlaskClient

from tests.harness import VERIFIERS, Harness, HarnessFactory

ORIGIN = "https://vicon.example.go.id"  # tests.harness.settings_for's PUBLIC_BASE_URL
VERIFIER = VERIFIERS[0]
OPERATOR = "petugas.satu@diskominfo.example"
SUPERVISOR = "kabid.informatika@diskominfo.example"
STRANGER = "orang.lain@dinkes.example.go.id"
SECURE_COOKIE = "__Host-vicon_konsol"


def staff_harness(make_harness: HarnessFactory, **kwargs: Any) -> Harness:
    """Verifiers, an operator and a supervisor on the lists."""
    env = {"OPERATOR_EMAILS": OPERATOR, "SUPERVISOR_EMAILS": SUPERVISOR, **kwargs}
    return make_harness(**env)


def ask_link(harness: Harness, email: str, origin: str | None = ORIGIN) -> Any:
    """POST email to staff_login; the response is closed, so a listed address's mail has gone out."""
    headers = {"Origin": origin} if origin else {}
    response = harness.client("staff_login").post("/", data={"email": email}, headers=headers)
    response.close()
    return response


def login_tokens(harness: Harness, to: str) -> list[str]:
    """Tokens of the sign-in links mailed to `to`, oldest first."""
    found = []
    for mail in reversed(harness.sent_mail()):  # the sink lists the newest first
        if mail["To"] != to or "Tautan masuk konsol" not in mail["Subject"]:
            continue
        url = re.search(r"https?://\S+/api/staff_login\?token=\S+", mail.get_body(("plain",)).get_content())
        assert url is not None
        found.append(parse_qs(urlsplit(url.group(0)).query)["token"][0])
    return found


def set_cookie(response: Any) -> str:
    [header] = response.headers.getlist("Set-Cookie")
    return str(header)


def sign_in(harness: Harness, email: str = VERIFIER) -> str:
    """Sign `email` in through the mailed link; the Cookie header value of its session."""
    assert ask_link(harness, email).status_code == 200
    token = login_tokens(harness, email)[-1]
    response = with_cookie(harness, "staff_login", None).post("/", data={"token": token}, headers={"Origin": ORIGIN})
    assert response.status_code == 303, response.get_data(as_text=True)
    return set_cookie(response).split(";", 1)[0]


def with_cookie(harness: Harness, target: str, cookie: str | None) -> FlaskClient:
    """The target's client holding exactly `cookie` (`name=value`), or no session cookie at all.

    The test client writes the Cookie header from its own jar (and drops one given in `headers`), so the
    session is put there.
    """
    client = harness.client(target)
    for name in (SECURE_COOKIE, "vicon_konsol"):
        client.delete_cookie(name)
    if cookie:
        name, value = cookie.split("=", 1)
        client.set_cookie(name, value)
    return client


def staff_get(harness: Harness, target: str, cookie: str | None, **query: str) -> Any:
    return with_cookie(harness, target, cookie).get("/", query_string=query)


def staff_post(harness: Harness, target: str, cookie: str | None, origin: str | None = ORIGIN, **form: str) -> Any:
    headers = {"Origin": origin} if origin else {}
    return with_cookie(harness, target, cookie).post("/", data=form, headers=headers)
