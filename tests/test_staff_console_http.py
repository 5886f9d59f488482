"""The staff console through the Functions Framework: sign-in by emailed link, the session cookie, the Origin check,
the queue as JSON and as a page, a request's page and every action, each audited with its actor (decision 0030)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from tests.harness import Harness, HarnessFactory
from tests.pdfs import one_page_pdf
from tests.staff import (
    OPERATOR,
    ORIGIN,
    SECURE_COOKIE,
    STRANGER,
    SUPERVISOR,
    VERIFIER,
    ask_link,
    login_tokens,
    set_cookie,
    sign_in,
    staff_get,
    staff_harness,
    staff_post,
    with_cookie,
)
from tests.stores import STORE_KINDS
from tests.test_review_provision_http import BIG, SMALL
from vicon.lifecycle import Status
from vicon.usecases.staff_access import LOGIN_RATE_PER_ADDRESS, SESSION_LIFETIME


@pytest.fixture
def staff(make_harness: HarnessFactory) -> Harness:
    return staff_harness(make_harness)


@pytest.fixture(params=STORE_KINDS)
def zoom_staff(make_harness: HarnessFactory, zoom_sandbox: Any, request: pytest.FixtureRequest) -> Harness:
    """SQLite or Firestore, the staff lists, and the real Zoom client against the sandbox."""
    return staff_harness(
        make_harness,
        store_kind=request.param,
        meetings=zoom_sandbox.client(sleep=lambda seconds: None),
        ZOOM_HOSTS=f"{BIG}:300,{SMALL}:100",
    )


# ---- sign-in ---------------------------------------------------------------------------------------------------


def test_a_non_staff_address_gets_the_same_answer_and_no_mail(staff: Harness) -> None:
    listed = ask_link(staff, VERIFIER)
    stranger = ask_link(staff, STRANGER)
    assert listed.status_code == stranger.status_code == 200
    assert listed.get_data(as_text=True).replace(VERIFIER, "@") == stranger.get_data(as_text=True).replace(
        STRANGER, "@"
    )
    assert sorted(listed.headers.keys()) == sorted(stranger.headers.keys())
    assert "Set-Cookie" not in listed.headers
    assert len(login_tokens(staff, VERIFIER)) == 1
    assert [mail["To"] for mail in staff.sent_mail()] == [VERIFIER]


def test_the_link_is_sent_only_after_the_answer(staff: Harness) -> None:
    response = staff.client("staff_login").post("/", data={"email": VERIFIER}, headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert staff.sent_mail() == []  # not while the answer is being written
    response.close()
    assert len(login_tokens(staff, VERIFIER)) == 1


def test_every_role_and_any_spelling_of_a_listed_address_gets_a_link(staff: Harness) -> None:
    for address in (VERIFIER.upper(), OPERATOR, SUPERVISOR):
        ask_link(staff, address)
    assert {mail["To"] for mail in staff.sent_mail()} == {VERIFIER, OPERATOR, SUPERVISOR}


def test_link_requests_are_rate_limited_alike_for_any_address(staff: Harness) -> None:
    for address in (VERIFIER, STRANGER):
        answers = [ask_link(staff, address).status_code for _ in range(LOGIN_RATE_PER_ADDRESS.count + 1)]
        assert answers == [200] * LOGIN_RATE_PER_ADDRESS.count + [429]
    limited = ask_link(staff, STRANGER)
    assert int(limited.headers["Retry-After"]) > 0
    assert "Terlalu banyak permintaan tautan masuk" in limited.get_data(as_text=True)
    assert len(login_tokens(staff, VERIFIER)) == LOGIN_RATE_PER_ADDRESS.count


def test_a_malformed_address_is_refused_naming_it(staff: Harness) -> None:
    response = ask_link(staff, "bukan email")
    assert response.status_code == 422
    assert "Alamat email tidak valid." in response.get_data(as_text=True)
    assert staff.sent_mail() == []


def test_get_on_the_link_changes_nothing_and_the_button_signs_in_once(staff: Harness) -> None:
    ask_link(staff, VERIFIER)
    [token] = login_tokens(staff, VERIFIER)
    login = staff.client("staff_login")
    for _ in range(5):
        for answer in (login.get("/", query_string={"token": token}), login.head("/", query_string={"token": token})):
            assert answer.status_code == 200
            assert "Set-Cookie" not in answer.headers
    page = login.get("/", query_string={"token": token}).get_data(as_text=True)
    assert f'<input type="hidden" name="token" value="{token}">' in page
    assert VERIFIER in page and "Verifikator" in page

    started = login.post("/", data={"token": token}, headers={"Origin": ORIGIN})
    assert started.status_code == 303
    assert started.headers["Location"] == f"{ORIGIN}/api/staff_console"
    again = login.post("/", data={"token": token}, headers={"Origin": ORIGIN})
    assert again.status_code == 409
    assert "sudah dipakai" in again.get_data(as_text=True)
    assert "Set-Cookie" not in again.headers


def test_the_session_cookie_has_the_right_flags(staff: Harness) -> None:
    ask_link(staff, VERIFIER)
    [token] = login_tokens(staff, VERIFIER)
    started = staff.client("staff_login").post("/", data={"token": token}, headers={"Origin": ORIGIN})
    cookie = set_cookie(started)
    name, value = cookie.split(";", 1)[0].split("=", 1)
    attributes = {part.strip().split("=", 1)[0].lower(): part.strip() for part in cookie.split(";")[1:]}
    assert name == SECURE_COOKIE and len(value) >= 40
    assert {"httponly", "secure", "path", "max-age", "samesite"} <= set(attributes)
    assert attributes["samesite"] == "SameSite=Strict"
    assert attributes["path"] == "Path=/"
    assert attributes["max-age"] == f"Max-Age={int(SESSION_LIFETIME.total_seconds())}"
    assert "domain" not in attributes
    # Only a hash of the token is stored.
    import hashlib

    assert staff.store.get_session(value) is None
    stored = staff.store.get_session(hashlib.sha256(value.encode()).hexdigest())
    assert stored is not None and stored.email == VERIFIER


def test_over_plain_http_the_cookie_is_not_secure(make_harness: HarnessFactory) -> None:
    harness = staff_harness(make_harness, PUBLIC_BASE_URL="http://127.0.0.1:8080")
    ask_link(harness, VERIFIER, origin="http://127.0.0.1:8080")
    [token] = login_tokens(harness, VERIFIER)
    started = harness.client("staff_login").post(
        "/", data={"token": token}, headers={"Origin": "http://127.0.0.1:8080"}
    )
    cookie = set_cookie(started)
    assert cookie.startswith("vicon_konsol=")
    assert "Secure" not in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_a_bad_or_expired_link_is_refused(staff: Harness) -> None:
    login = staff.client("staff_login")
    assert login.get("/", query_string={"token": "bukan.token"}).status_code == 403
    ask_link(staff, VERIFIER)
    [token] = login_tokens(staff, VERIFIER)
    staff.clock.now += dt.timedelta(minutes=15)
    assert login.get("/", query_string={"token": token}).status_code == 410
    assert login.post("/", data={"token": token}, headers={"Origin": ORIGIN}).status_code == 410
    review = staff.core.signer.sign("review", "VC-2026-000001", staff.clock() + dt.timedelta(days=1), v=VERIFIER)
    assert login.get("/", query_string={"token": review}).status_code == 403  # another purpose's link


def test_the_sign_in_form_is_a_page(staff: Harness) -> None:
    page = staff.client("staff_login").get("/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert 'name="email"' in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "strict-origin"


# ---- 401 and 403 -----------------------------------------------------------------------------------------------


def test_without_a_session_every_staff_target_answers_401(staff: Harness) -> None:
    request_id = staff.submit_valid()["id"]
    for cookie in (None, f"{SECURE_COOKIE}=bukan-sesi"):
        listed = staff_get(staff, "staff_requests", cookie)
        assert listed.status_code == 401 and listed.mimetype == "application/json"
        assert listed.get_json()["errors"][0]["message"].startswith("Masuk ke konsol")
        for target, query in (("staff_console", {}), ("staff_request", {"id": request_id}), ("staff_letter", {})):
            page = staff_get(staff, target, cookie, **query)
            assert page.status_code == 401 and page.mimetype == "text/html", target
            assert "/api/staff_login" in page.get_data(as_text=True)
        acted = staff_post(staff, "staff_request", cookie, id=request_id, action="reject", reason="x")
        assert acted.status_code == 401
    assert staff.request(request_id).status == Status.SUBMITTED


def test_a_foreign_or_missing_origin_is_refused_on_every_staff_post(staff: Harness) -> None:
    cookie = sign_in(staff)
    request_id = staff.submit_valid()["id"]
    ask_link(staff, VERIFIER)
    token = login_tokens(staff, VERIFIER)[-1]
    for origin in (
        None,
        "https://evil.example",
        "null",
        "http://vicon.example.go.id",
        "https://vicon.example.go.id:444",
    ):
        posts = [
            staff_post(staff, "staff_login", None, origin, email=VERIFIER),
            staff_post(staff, "staff_login", None, origin, token=token),
            staff_post(staff, "staff_request", cookie, origin, id=request_id, action="reject", reason="Tidak."),
            staff_post(staff, "staff_logout", cookie, origin),
        ]
        for response in posts:
            assert response.status_code == 403, (origin, response.get_data(as_text=True))
            assert "Origin" in response.get_data(as_text=True)
            assert "Set-Cookie" not in response.headers
    assert staff.request(request_id).status == Status.SUBMITTED
    assert len(login_tokens(staff, VERIFIER)) == 2  # the refused requests mailed nothing
    assert staff_get(staff, "staff_requests", cookie).status_code == 200  # the session lives on
    # The link was not used by the refused sign-in.
    assert staff_post(staff, "staff_login", None, token=token).status_code == 303
    assert staff_post(staff, "staff_login", None, "HTTPS://VICON.EXAMPLE.GO.ID:443", token=token).status_code == 409


# ---- the session ends ------------------------------------------------------------------------------------------


def test_sign_out_ends_the_session_at_once(staff: Harness) -> None:
    cookie = sign_in(staff)
    assert staff_get(staff, "staff_requests", cookie).status_code == 200
    out = staff_post(staff, "staff_logout", cookie)
    assert out.status_code == 200
    assert "Anda sudah keluar" in out.get_data(as_text=True)
    cleared = set_cookie(out)
    assert cleared.startswith(f"{SECURE_COOKIE}=;") and (
        "Max-Age=0" in cleared or "Expires=Thu, 01 Jan 1970" in cleared
    )
    assert staff_get(staff, "staff_requests", cookie).status_code == 401
    assert staff_get(staff, "staff_console", cookie).status_code == 401


def test_signing_in_again_ends_the_browsers_earlier_session(staff: Harness) -> None:
    earlier = sign_in(staff)
    assert ask_link(staff, VERIFIER).status_code == 200
    token = login_tokens(staff, VERIFIER)[-1]
    again = with_cookie(staff, "staff_login", earlier).post("/", data={"token": token}, headers={"Origin": ORIGIN})
    assert again.status_code == 303
    later = set_cookie(again).split(";", 1)[0]
    assert later != earlier
    assert staff_get(staff, "staff_requests", earlier).status_code == 401
    assert staff_get(staff, "staff_requests", later).status_code == 200


def test_removal_from_the_lists_ends_the_session_at_once(staff: Harness) -> None:
    cookie = sign_in(staff, OPERATOR)
    assert staff_get(staff, "staff_requests", cookie).status_code == 200
    staff.core.settings = dataclasses.replace(staff.core.settings, operator_emails=("lain@diskominfo.example",))
    assert staff_get(staff, "staff_requests", cookie).status_code == 401
    # Back on the list, the ended session stays ended.
    staff.core.settings = dataclasses.replace(staff.core.settings, operator_emails=(OPERATOR,))
    assert staff_get(staff, "staff_requests", cookie).status_code == 401


def test_a_session_lasts_at_most_twelve_hours(staff: Harness) -> None:
    cookie = sign_in(staff)
    staff.clock.now += SESSION_LIFETIME - dt.timedelta(seconds=1)
    assert staff_get(staff, "staff_requests", cookie).status_code == 200
    staff.clock.now += dt.timedelta(seconds=1)
    assert staff_get(staff, "staff_requests", cookie).status_code == 401


def test_roles_follow_the_lists_at_every_request(staff: Harness) -> None:
    cookie = sign_in(staff, OPERATOR)
    request_id = staff.submit_valid()["id"]
    refused = staff_post(staff, "staff_request", cookie, id=request_id, action="reject", reason="Tidak lengkap.")
    assert refused.status_code == 403
    assert "Peran Anda" in refused.get_data(as_text=True)
    assert staff.request(request_id).status == Status.SUBMITTED
    staff.core.settings = dataclasses.replace(
        staff.core.settings, verifier_emails=(*staff.core.settings.verifier_emails, OPERATOR)
    )
    done = staff_post(staff, "staff_request", cookie, id=request_id, action="reject", reason="Tidak lengkap.")
    assert done.status_code == 303
    assert staff.request(request_id).status == Status.REJECTED


# ---- the queue -------------------------------------------------------------------------------------------------


def test_staff_requests_answers_the_list_with_each_clock(staff: Harness) -> None:
    cookie = sign_in(staff, SUPERVISOR)
    first = staff.submit_valid()["id"]
    second = staff.submit_valid(
        opd="Lainnya",
        opd_other="Kecamatan Kadipaten",
        event_name="Sosialisasi pajak",
        start="2026-12-03T09:00",
        end="2026-12-03T10:00",
    )["id"]
    listed = staff_get(staff, "staff_requests", cookie)
    assert listed.status_code == 200
    items = listed.get_json()
    assert [item["id"] for item in items] == [first, second]
    assert set(items[0]) == {
        "id",
        "status",
        "opd",
        "opd_other",
        "event_name",
        "start",
        "end",
        "due",
        "overdue",
        "host",
        "received_via",
    }
    assert items[0]["status"] == "submitted" and items[0]["host"] is None and items[0]["received_via"] == "web"
    # Submitted Monday 30 November 09:00 WIB: verification is due one working day of office time later, Tuesday
    # 1 December 09:00 WIB (vicon.sla, the rule of the mails and the reminders).
    assert items[0]["due"] == "2026-12-01T02:00:00Z" and items[0]["overdue"] is False
    assert items[1]["opd"] == "Lainnya" and items[1]["opd_other"] == "Kecamatan Kadipaten"

    def ids(**query: str) -> list[str]:
        answer = staff_get(staff, "staff_requests", cookie, **query)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return [item["id"] for item in answer.get_json()]

    assert ids(q="PAJAK") == [second]
    assert ids(q=first) == [first]
    assert ids(q="budi.santoso@dinkes") == [first, second]
    assert ids(opd="dinas kesehatan") == [first]
    assert ids(opd="Lainnya") == [second]
    assert ids(**{"from": "2026-12-03"}) == [second]
    assert ids(to="2026-12-02") == [first]
    assert ids(**{"from": "2026-12-02", "to": "2026-12-02"}) == [first]
    assert ids(status="rejected") == []
    staff.clock.now += dt.timedelta(days=3)
    cookie = sign_in(staff, SUPERVISOR)  # the first session ended after 12 hours
    assert ids() == [second]  # without dates the queue starts today (Thursday 3 December)
    assert ids(**{"from": ""}) == [first, second]  # a cleared date bounds nothing
    overdue = staff_get(staff, "staff_requests", cookie, **{"from": ""}).get_json()
    assert [item["overdue"] for item in overdue] == [True, True]


def test_staff_requests_refuses_bad_filters_naming_them(staff: Harness) -> None:
    cookie = sign_in(staff)
    for query, field in (
        ({"status": "arsip"}, "status"),
        ({"from": "2026-13-01"}, "from"),
        ({"to": "kemarin"}, "to"),
        ({"from": "2026-12-05", "to": "2026-12-01"}, "to"),
        ({"q": "x" * 201}, "q"),
    ):
        answer = staff_get(staff, "staff_requests", cookie, **query)
        assert answer.status_code == 422, query
        assert [error["field"] for error in answer.get_json()["errors"]] == [field], query
    page = staff_get(staff, "staff_console", cookie, status="arsip")
    assert page.status_code == 422 and "Status tidak dikenal" in page.get_data(as_text=True)


def test_the_queue_page_lists_requests_with_links_and_filters(staff: Harness) -> None:
    cookie = sign_in(staff)
    request_id = staff.submit_valid()["id"]
    page = staff_get(staff, "staff_console", cookie)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "strict-origin"
    html = page.get_data(as_text=True)
    assert f"/api/staff_request?id={request_id}" in html
    assert VERIFIER in html and "Verifikator" in html
    assert 'value="2026-11-30"' in html  # the applied default, shown in the form


# ---- a request's page and the actions --------------------------------------------------------------------------


def test_the_request_page_shows_the_review_details_audit_and_mail_history(staff: Harness) -> None:
    cookie = sign_in(staff, OPERATOR)
    request_id = staff.submit_valid()["id"]
    page = staff_get(staff, "staff_request", cookie, id=request_id)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    record = staff.request(request_id)
    for shown in (record.letter_number, record.contact_phone, "Kepala Puskesmas Kadipaten", "batas verifikasi"):
        assert shown in html
    assert f"/api/staff_letter?id={request_id}" in html
    assert 'id="audit-trail"' in html and "Diajukan" in html and record.contact_email in html
    assert 'id="mail-history"' in html and "Tanda terima permohonan" in html and "Terkirim" in html
    assert 'name="action" value="approve"' not in html  # an operator does not decide
    assert 'name="action" value="resend"' in html
    letter = staff_get(staff, "staff_letter", cookie, id=request_id)
    assert letter.status_code == 200 and letter.mimetype == "application/pdf"
    assert letter.get_data() == one_page_pdf()
    assert letter.headers["Content-Disposition"] == f'inline; filename="surat-{request_id}.pdf"'
    assert staff_get(staff, "staff_request", cookie, id="VC-2026-999999").status_code == 404


def test_approve_from_the_console_provisions_and_is_audited_with_the_verifier(zoom_staff: Harness) -> None:
    harness = zoom_staff
    cookie = sign_in(harness)
    request_id = harness.submit_valid()["id"]
    approved = staff_post(harness, "staff_request", cookie, id=request_id, action="approve", confirm="yes")
    assert approved.status_code == 303
    assert approved.headers["Location"] == f"{ORIGIN}/api/staff_request?id={request_id}&selesai=approve"
    record = harness.request(request_id)
    assert record.status == Status.PROVISIONED and record.decided_by == VERIFIER
    [decision] = [entry for entry in harness.store.audit_trail(request_id) if entry.action == "approve"]
    assert decision.actor == VERIFIER and decision.detail == {"reason": "", "via": "konsol"}
    assert any("Zoom Meeting siap" in mail["Subject"] for mail in harness.sent_mail())
    page = staff_get(harness, "staff_request", cookie, id=request_id, selesai="approve").get_data(as_text=True)
    assert "Permohonan disetujui." in page and "Meeting Zoom dibuat" in page
    again = staff_post(harness, "staff_request", cookie, id=request_id, action="approve")
    assert again.status_code == 409


def test_reject_needs_a_reason_and_is_audited(staff: Harness) -> None:
    cookie = sign_in(staff)
    request_id = staff.submit_valid()["id"]
    refused = staff_post(staff, "staff_request", cookie, id=request_id, action="reject")
    assert refused.status_code == 422
    assert "Alasan penolakan wajib diisi" in refused.get_data(as_text=True)
    assert staff.request(request_id).status == Status.SUBMITTED
    unknown = staff_post(staff, "staff_request", cookie, id=request_id, action="hapus")
    assert unknown.status_code == 422
    done = staff_post(
        staff, "staff_request", cookie, id=request_id, action="reject", reason="Surat belum ditandatangani."
    )
    assert done.status_code == 303
    record = staff.request(request_id)
    assert record.status == Status.REJECTED and record.decision_reason == "Surat belum ditandatangani."
    [entry] = [entry for entry in staff.store.audit_trail(request_id) if entry.action == "reject"]
    assert (entry.actor, entry.detail["via"]) == (VERIFIER, "konsol")
    assert any("Permohonan ditolak" in mail["Subject"] for mail in staff.sent_mail())


def test_a_decision_after_the_event_started_is_refused(staff: Harness) -> None:
    cookie = sign_in(staff)
    request_id = staff.submit_valid()["id"]
    staff.clock.now = staff.request(request_id).start
    cookie = sign_in(staff)
    late = staff_post(staff, "staff_request", cookie, id=request_id, action="reject", reason="Terlambat.")
    assert late.status_code == 409
    assert staff.request(request_id).status == Status.SUBMITTED


def test_cancel_on_the_requesters_behalf_needs_a_reason_and_tells_everyone(zoom_staff: Harness) -> None:
    harness = zoom_staff
    verifier = sign_in(harness)
    request_id = harness.submit_valid()["id"]
    staff_post(harness, "staff_request", verifier, id=request_id, action="approve")
    assert harness.request(request_id).status == Status.PROVISIONED
    supervisor = sign_in(harness, SUPERVISOR)
    assert staff_post(harness, "staff_request", supervisor, id=request_id, action="cancel").status_code == 422
    operator = sign_in(harness, OPERATOR)
    assert staff_post(harness, "staff_request", operator, id=request_id, action="cancel", reason="x").status_code == 403
    reason = "Pemohon menelepon: kegiatan ditunda."
    done = staff_post(harness, "staff_request", supervisor, id=request_id, action="cancel", reason=reason)
    assert done.status_code == 303
    record = harness.request(request_id)
    assert record.status == Status.CANCELLED
    [entry] = [entry for entry in harness.store.audit_trail(request_id) if entry.action == "cancel"]
    assert entry.actor == SUPERVISOR
    assert entry.detail == {"reason": reason, "via": "konsol", "on_behalf_of": record.contact_email}
    told = [mail for mail in harness.sent_mail() if "Permohonan dibatalkan" in mail["Subject"]]
    assert record.contact_email in {mail["To"] for mail in told}
    assert all(reason in mail.get_body(("plain",)).get_content() for mail in told)
    again = staff_post(harness, "staff_request", supervisor, id=request_id, action="cancel", reason=reason)
    assert again.status_code == 409


def test_retry_of_a_failed_meeting_from_the_console(
    make_harness: HarnessFactory, zoom_sandbox: Any, request: pytest.FixtureRequest
) -> None:
    # Zoom cannot be reached at the approval: the request waits in provisioning_failed.
    harness = staff_harness(make_harness, ZOOM_HOSTS=f"{BIG}:300,{SMALL}:100")
    cookie = sign_in(harness)
    request_id = harness.submit_valid()["id"]
    staff_post(harness, "staff_request", cookie, id=request_id, action="approve")
    assert harness.request(request_id).status == Status.PROVISIONING_FAILED
    # Its clock is now the meeting's: one working day of office time after the approval (Monday 09:00 WIB).
    [listed] = staff_get(harness, "staff_requests", cookie).get_json()
    assert listed["due"] == "2026-12-01T02:00:00Z" and listed["overdue"] is False
    harness.clock.now += dt.timedelta(days=1, minutes=1)
    cookie = sign_in(harness)  # a session lasts 12 hours
    [late] = staff_get(harness, "staff_requests", cookie).get_json()
    assert late["due"] == "2026-12-01T02:00:00Z" and late["overdue"] is True
    wrong = staff_post(harness, "staff_request", cookie, id=request_id, action="retry")
    assert wrong.status_code == 303  # still failing: the page shows why
    assert harness.request(request_id).status == Status.PROVISIONING_FAILED
    harness.core.meetings = zoom_sandbox.client(sleep=lambda seconds: None)
    operator = sign_in(harness, OPERATOR)
    retried = staff_post(harness, "staff_request", operator, id=request_id, action="retry")
    assert retried.status_code == 303
    assert harness.request(request_id).status == Status.PROVISIONED
    retries = [entry for entry in harness.store.audit_trail(request_id) if entry.action == "retry"]
    assert [(entry.actor, entry.detail) for entry in retries] == [
        (VERIFIER, {"via": "konsol"}),
        (OPERATOR, {"via": "konsol"}),
    ]
    assert staff_post(harness, "staff_request", operator, id=request_id, action="retry").status_code == 409
    # The requester's history shows one approval.
    status_query = {
        "id": request_id,
        "token": harness.core.signer.sign("status", request_id, harness.clock() + dt.timedelta(days=1)),
    }
    history = harness.client("request_status").get("/", query_string=status_query).get_json()["history"]
    assert [item["status"] for item in history].count("approved") == 1


def test_resend_queues_a_copy_and_is_audited(any_store_harness: Harness) -> None:
    harness = any_store_harness
    harness.core.settings = dataclasses.replace(harness.core.settings, operator_emails=(OPERATOR,))
    cookie = sign_in(harness, OPERATOR)
    request_id = harness.submit_valid()["id"]
    receipt = next(e for e in harness.store.mail_history(request_id) if "Tanda terima" in e.mail.subject)
    assert receipt.state == "sent" and receipt.sent_at is not None and receipt.queued_at is not None
    before = len(harness.sent_mail())
    done = staff_post(harness, "staff_request", cookie, id=request_id, action="resend", mail=receipt.id)
    assert done.status_code == 303
    history = harness.store.mail_history(request_id)
    copies = [entry for entry in history if entry.mail.subject == receipt.mail.subject]
    assert len(copies) == 2 and {entry.state for entry in copies} == {"sent"}
    assert len(harness.sent_mail()) == before + 1
    [entry] = [entry for entry in harness.store.audit_trail(request_id) if entry.action == "resend_mail"]
    assert entry.actor == OPERATOR and entry.detail["mail"] == receipt.id and entry.detail["via"] == "konsol"
    missing = staff_post(harness, "staff_request", cookie, id=request_id, action="resend", mail="tidak-ada")
    assert missing.status_code == 404
    assert staff_post(harness, "staff_request", cookie, id=request_id, action="resend").status_code == 422


def test_sign_in_and_sessions_work_on_both_stores(any_store_harness: Harness) -> None:
    harness = any_store_harness
    cookie = sign_in(harness)
    assert staff_get(harness, "staff_requests", cookie).status_code == 200
    staff_post(harness, "staff_logout", cookie)
    assert staff_get(harness, "staff_requests", cookie).status_code == 401
