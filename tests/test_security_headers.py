"""The header policy (vicon.web.security_headers) on every kind of answer: each target through the Functions
Framework, and the dev server's site, errors and mailbox through its Flask app."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from tests.harness import Harness, HarnessFactory, settings_for, valid_fields
from tests.pdfs import one_page_pdf
from vicon.mail import FolderMailSink
from vicon.settings import REPO_DIR
from vicon.wiring import reset_core

OPERATOR = "petugas.satu@diskominfo.example"


# ---- what each kind of answer must carry ----------------------------------------------------------------------


def csp(response: Any) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = [d.split() for d in policy.split(";") if d.strip()]
    return {d[0].lower(): d[1:] for d in directives}


def assert_nosniff(response: Any) -> None:
    assert response.headers.get("X-Content-Type-Options") == "nosniff", dict(response.headers)


def assert_private(response: Any) -> None:
    """A token may be in the URL: nothing keeps a copy, nothing tells the next site where we were."""
    assert_nosniff(response)
    assert response.headers.get("Referrer-Policy") == "no-referrer", dict(response.headers)
    assert "no-store" in response.headers.get("Cache-Control", ""), dict(response.headers)


def assert_page(response: Any) -> None:
    """An HTML page: no inline script or style, no plugins, no <base>, never framed."""
    assert response.mimetype == "text/html"
    assert_nosniff(response)
    policy = csp(response)
    assert policy, "no Content-Security-Policy"
    assert policy.get("default-src") in (["'none'"], ["'self'"])
    for name in ("script-src", "style-src"):
        sources = policy.get(name, policy["default-src"])
        assert set(sources) <= {"'self'", "'none'"}, (name, sources)
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert response.headers.get("X-Frame-Options") == "DENY"


def assert_private_page(response: Any) -> None:
    assert_page(response)
    assert_private(response)


def assert_json(response: Any, status: int) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert_private(response)
    assert csp(response).get("frame-ancestors") == ["'none'"]


# ---- the targets through the Functions Framework --------------------------------------------------------------


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def mailed_token(harness: Harness, marker: str, to: str | None = None) -> str:
    for mail in harness.sent_mail():
        if to is not None and mail["To"] != to:
            continue
        found = re.search(r"https?://\S+" + re.escape(marker) + r"\S*", mail.get_body(("plain",)).get_content())
        if found:
            return query_of(found.group(0))["token"]
    raise AssertionError(f"no {marker} link mailed")


def test_json_answers_and_json_errors_of_every_target_carry_the_headers(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_json(harness.client("intake_options").get("/"), 200)
    assert_json(harness.client("intake_options").head("/"), 200)
    assert_json(harness.client("intake_options").post("/"), 405)
    assert_json(harness.client("scheduled_tick").post("/"), 200)
    assert_json(harness.client("scheduled_tick").get("/"), 405)

    submitted = harness.submit(valid_fields(), one_page_pdf())
    assert_json(submitted, 201)
    assert_json(harness.submit(valid_fields(opd=""), one_page_pdf()), 422)
    assert_json(harness.client("submit_request").post("/", data="x", content_type="text/plain"), 400)
    assert_json(harness.submit(valid_fields(), one_page_pdf(padding=7 * 1024 * 1024)), 413)

    status = harness.client("request_status")
    query = query_of(submitted.get_json()["status_url"])
    assert_json(status.get("/", query_string=query), 200)
    assert_json(status.get("/"), 400)
    assert_json(status.get("/", query_string={**query, "token": query["token"] + "x"}), 403)
    unknown = harness.core.signer.sign("status", "VC-2026-999999", harness.clock() + dt.timedelta(days=1))
    assert_json(status.get("/", query_string={"id": "VC-2026-999999", "token": unknown}), 404)
    assert_json(status.delete("/"), 405)

    cancel = harness.client("cancel_request")
    assert_json(cancel.post("/", data={"id": query["id"]}), 400)
    assert_json(cancel.post("/", data=query), 200)
    assert_json(cancel.post("/", data=query), 409)

    def broken() -> None:
        raise RuntimeError("store down")

    monkeypatch.setattr(harness.core, "intake_options", broken)
    assert_json(harness.client("intake_options").get("/"), 503)


def test_json_answers_carry_the_zone_of_the_service(make_harness: HarnessFactory) -> None:
    harness = make_harness(TIMEZONE="Asia/Makassar")
    options = harness.client("intake_options").get("/").get_json()
    assert (options["timezone"], options["timezone_label"]) == ("Asia/Makassar", "WITA")
    query = query_of(harness.submit_valid()["status_url"])
    status = harness.client("request_status").get("/", query_string=query).get_json()
    assert (status["timezone"], status["timezone_label"]) == ("Asia/Makassar", "WITA")


def test_server_rendered_pages_and_their_error_pages_carry_the_headers(harness: Harness) -> None:
    accept_html = {"Accept": "text/html"}
    assert_private_page(harness.submit(valid_fields(), one_page_pdf(), headers=accept_html))
    failed = harness.submit(valid_fields(opd=""), one_page_pdf(), headers=accept_html)
    assert failed.status_code == 422
    assert_private_page(failed)

    submitted = harness.submit_valid()
    token = mailed_token(harness, "/api/review_request?token=", to="verifikator.satu@diskominfo.example")
    review = harness.client("review_request")
    assert_private_page(review.get("/", query_string={"token": token}))
    assert_private_page(review.head("/", query_string={"token": token}))
    refused = review.get("/", query_string={"token": token + "x"})
    assert refused.status_code == 403
    assert_private_page(refused)
    no_reason = review.post("/", data={"token": token, "decision": "reject"})
    assert no_reason.status_code == 422
    assert_private_page(no_reason)
    decided = review.post("/", data={"token": token, "decision": "reject", "reason": "Jadwal bentrok."})
    assert decided.status_code == 200
    assert_private_page(decided)
    again = review.post("/", data={"token": token, "decision": "reject", "reason": "Lagi."})
    assert again.status_code == 409
    assert_private_page(again)

    officer = harness.client("start_meeting")
    bad_officer = officer.get("/", query_string={"token": "x.y"})
    assert bad_officer.status_code == 403
    assert_private_page(bad_officer)

    cancel = harness.client("cancel_request")
    other = query_of(harness.submit_valid()["status_url"])
    cancelled = cancel.post("/", data=other, headers=accept_html)
    assert cancelled.status_code == 200
    assert_private_page(cancelled)
    assert submitted["status"] == "submitted"


def test_officer_page_and_its_redirect_to_zoom_carry_the_headers(
    make_harness: HarnessFactory, zoom_sandbox: Any
) -> None:
    harness = make_harness(
        meetings=zoom_sandbox.client(timeout=1.0, sleep=lambda seconds: None), OPERATOR_EMAILS=OPERATOR
    )
    harness.submit_valid()
    review_token = mailed_token(harness, "/api/review_request?token=", to="verifikator.satu@diskominfo.example")
    approved = harness.client("review_request").post("/", data={"token": review_token, "decision": "approve"})
    assert approved.status_code == 200, approved.get_data(as_text=True)
    token = mailed_token(harness, "/api/start_meeting?token=", to=OPERATOR)
    officer = harness.client("start_meeting")

    page = officer.get("/", query_string={"token": token})
    assert page.status_code == 200
    assert_private_page(page)
    # Its form answers with a redirect to Zoom, which browsers check against form-action.
    assert csp(page)["form-action"] == ["'self'", "https:"]

    redirect = officer.post("/", data={"token": token})
    assert redirect.status_code == 303 and redirect.headers["Location"].startswith("https://")
    assert_private(redirect)


# ---- the dev server: site, its own errors, the mailbox ---------------------------------------------------------


@pytest.fixture
def dev(tmp_path: Path) -> Iterator[tuple[FlaskClient, FolderMailSink]]:
    from vicon_dev.devserver import create_app

    settings = settings_for(tmp_path)
    assert settings.uses_mail_sink
    app = create_app(settings, tick_seconds=None)
    yield app.test_client(), FolderMailSink(settings.mail_sink_dir)
    reset_core(None)


def test_dev_server_site_pages_assets_and_errors_carry_the_headers(dev: tuple[FlaskClient, FolderMailSink]) -> None:
    client, _ = dev
    for path in ("/", "/index.html"):
        page = client.get(path)
        assert page.status_code == 200
        assert_page(page)
        assert page.headers.get("Referrer-Policy") == "no-referrer"
    status_page = client.get("/status.html?id=VC-2026-000001&token=abc")
    assert status_page.status_code == 200
    assert_private_page(status_page)
    for asset, mimetype in (
        ("/assets/common.js", "text/javascript"),
        ("/assets/status.js", "text/javascript"),
        ("/assets/vicon.css", "text/css"),
    ):
        answer = client.get(asset)
        assert answer.status_code == 200 and answer.mimetype == mimetype
        assert_nosniff(answer)

    missing = client.get("/tidak-ada.html")
    assert missing.status_code == 404
    assert_page(missing)
    assert_json(client.get("/api/tidak_ada"), 404)
    assert_json(client.get("/api/intake_options"), 200)
    assert_json(client.put("/api/intake_options"), 405)
    assert_json(client.post("/api/submit_request", data=b"x" * (7 * 1024 * 1024), content_type="text/plain"), 413)


def _mail_with_attachments() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Vicon <vicon@diskominfo.example>"
    message["To"] = "verifikator@diskominfo.example"
    message["Subject"] = "Uji lampiran"
    message["Date"] = "Mon, 30 Nov 2026 02:00:00 +0000"
    message.set_content("Teks biasa.")
    message.add_alternative('<p style="color:red">HTML <script>alert(1)</script></p>', subtype="html")
    message.add_attachment(b"<script>alert(1)</script>", maintype="text", subtype="html", filename='../"x" ;.html')
    message.add_attachment(b"BEGIN:VCALENDAR", maintype="text", subtype="calendar", filename="undangan-VC-1.ics")
    return message


def test_dev_mailbox_pages_body_and_attachments_carry_the_headers(dev: tuple[FlaskClient, FolderMailSink]) -> None:
    client, sink = dev
    sink.send(_mail_with_attachments())
    [summary] = sink.list_messages()

    listing = client.get("/_dev/mail")
    assert listing.status_code == 200
    assert_private_page(listing)

    view = client.get(f"/_dev/mail/{summary.id}")
    assert view.status_code == 200
    assert_private_page(view)
    html = view.get_data(as_text=True)
    assert "<script>" not in html and "srcdoc" not in html  # the mail's HTML is not in our page at all
    frame = re.search(r"<iframe [^>]*>", html)
    assert frame and 'sandbox=""' in frame.group(0) and f"/_dev/mail/{summary.id}/body.html" in frame.group(0)
    assert csp(view)["frame-src"] == ["'self'"]

    body = client.get(f"/_dev/mail/{summary.id}/body.html")
    assert body.status_code == 200
    assert_private(body)
    policy = csp(body)
    assert "sandbox" in policy and policy["sandbox"] == []  # no allow-scripts, no allow-same-origin
    assert policy["default-src"] == ["'none'"] and "script-src" not in policy
    assert policy["frame-ancestors"] == ["'self'"]

    evil = client.get(f"/_dev/mail/{summary.id}/attachments/0")
    assert evil.status_code == 200
    assert_private(evil)
    assert evil.headers["Content-Disposition"] == 'attachment; filename="x_.html"'
    assert "sandbox" in csp(evil)
    ics = client.get(f"/_dev/mail/{summary.id}/attachments/1")
    assert ics.mimetype == "text/calendar"
    assert ics.headers["Content-Disposition"] == 'attachment; filename="undangan-VC-1.ics"'
    assert_nosniff(ics)

    for missing in (f"/_dev/mail/{summary.id}/attachments/9", "/_dev/mail/tidak-ada"):
        answer = client.get(missing)
        assert answer.status_code == 404
        assert_private_page(answer)


# ---- nothing in the pages needs more than the policy allows -----------------------------------------------------

PAGES = sorted((REPO_DIR / "site").glob("*.html")) + sorted((REPO_DIR / "templates" / "pages").glob("*.html"))
INLINE = re.compile(
    r"<script(?![^>]*\ssrc=)[^>]*>"  # inline script block
    r"|<style[\s>]"  # style block
    r"|\son[a-z]+\s*="  # event handler attribute
    r"|\sstyle\s*="  # style attribute
    r"|javascript:",
    re.IGNORECASE,
)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(REPO_DIR)))
def test_pages_have_no_inline_script_style_or_javascript_urls(path: Path) -> None:
    assert not INLINE.findall(path.read_text(encoding="utf-8"))


def test_readme_lists_the_page_policy_that_is_sent() -> None:
    from vicon.web import NON_PAGE_CSP, page_csp

    readme = (REPO_DIR / "README.md").read_text(encoding="utf-8")
    assert f"`{page_csp()}`" in readme and f"`{NON_PAGE_CSP}`" in readme


def test_an_https_logo_widens_img_src_by_its_origin_only(make_harness: HarnessFactory) -> None:
    harness = make_harness(LOGO_URL="https://cdn.kuningankab.go.id/logo.svg")
    failed = harness.submit(valid_fields(opd=""), one_page_pdf(), headers={"Accept": "text/html"})
    csp = failed.headers["Content-Security-Policy"]
    assert "img-src 'self' https://cdn.kuningankab.go.id;" in csp and "default-src 'none'" in csp
    assert 'src="https://cdn.kuningankab.go.id/logo.svg"' in failed.get_data(as_text=True)
