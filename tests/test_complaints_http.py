"""Complaints, suggestions and input through the Functions Framework (decision 0027): the public form, the
officers' answer link, registration of one received in person or by phone, and the export. The clock is the
harness's: every time in the trail is one the test set."""

from __future__ import annotations

import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.harness import MONDAY_MORNING, Harness, HarnessFactory, valid_fields
from tests.pdfs import one_page_pdf
from tests.stores import STORE_KINDS
from vicon import exports
from vicon.records import ComplaintChannel, ComplaintStatus
from vicon.signing import Signer
from vicon.store.sqlite import SqliteStore

OPERATOR = "petugas.jaringan@diskominfo.example"
SUPERVISOR = "kabid.informatika@diskominfo.example"
SENDER = "budi.santoso@dinkes.example.go.id"
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def complaint_fields(**overrides: str | None) -> dict[str, str]:
    fields: dict[str, str | None] = {
        "category": "pengaduan",
        "message": "Tautan Zoom rapat kemarin tidak bisa dibuka; coba https://zoom.example/j/1 dari ponsel.\n"
        "Mohon diperiksa.",
        "name": "Budi Santoso",
        "email": SENDER,
        "phone": "",
        "opd": "",
        "request_id": "",
        "website": "",
    }
    fields.update(overrides)
    return {name: value for name, value in fields.items() if value is not None}


def errors_of(response: Any) -> dict[str | None, str]:
    return {item["field"]: item["message"] for item in response.get_json()["errors"]}


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def mails_to(harness: Harness, to: str) -> list[EmailMessage]:
    return [m for m in harness.sent_mail() if m["To"] == to]


def link_in(message: EmailMessage, target: str) -> str:
    [url] = [line for line in text_of(message).splitlines() if f"/api/{target}?token=" in line]
    return url


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


@pytest.fixture
def staffed(make_harness: HarnessFactory) -> Harness:
    return make_harness(OPERATOR_EMAILS=OPERATOR, SUPERVISOR_EMAILS=SUPERVISOR)


@pytest.fixture(params=STORE_KINDS)
def staffed_any_store(make_harness: HarnessFactory, request: pytest.FixtureRequest) -> Harness:
    return make_harness(store_kind=request.param, OPERATOR_EMAILS=OPERATOR, SUPERVISOR_EMAILS=SUPERVISOR)


def submit(harness: Harness, fields: dict[str, str] | None = None, **kw: Any) -> Any:
    """POST the form url-encoded, as site/pengaduan.html does."""
    return harness.client("submit_complaint").post("/", data=complaint_fields() if fields is None else fields, **kw)


def submitted(harness: Harness, **overrides: str | None) -> str:
    response = submit(harness, complaint_fields(**overrides))
    assert response.status_code == 201, response.get_data(as_text=True)
    return str(response.get_json()["id"])


def assert_nothing_stored(harness: Harness) -> None:
    assert harness.store.complaints_received_between(*EVERYTHING) == []
    assert harness.store.pending_mail() == []
    assert harness.sink is not None and harness.sink.list_messages() == []


EVERYTHING = (dt.datetime(2000, 1, 1, tzinfo=dt.UTC), dt.datetime(2100, 1, 1, tzinfo=dt.UTC))


# ---- the whole life of one complaint, on both stores --------------------------------------------------------


def test_a_complaint_is_acknowledged_sent_answered_and_closed_with_its_audit(staffed_any_store: Harness) -> None:
    harness = staffed_any_store
    received_at = harness.clock()
    response = submit(harness, complaint_fields(phone="0812 3456 7890", opd="dinas  kesehatan"))
    assert response.status_code == 201
    assert response.get_json() == {"id": "PG-2026-000001"}

    stored = harness.store.get_complaint("PG-2026-000001")
    assert stored is not None
    assert (stored.status, stored.channel, stored.received_at) == (ComplaintStatus.OPEN, "web", received_at)
    assert (stored.phone, stored.opd, stored.request_id, stored.registered_by) == (
        "+6281234567890",
        "Dinas Kesehatan",  # the list's spelling
        None,
        None,
    )

    # The sender: the number, the message quoted with its link made dead, what happens next.
    [receipt] = mails_to(harness, SENDER)
    assert receipt["Subject"] == "[Vicon] Tanda terima pengaduan PG-2026-000001"
    text = text_of(receipt)
    assert "PG-2026-000001" in text and "> Mohon diperiksa." in text
    assert "https[:]//zoom[.]example/j/1" in text and "https://zoom.example" not in text
    assert "jawaban ke alamat email ini" in text
    assert "/api/complaint_answer" not in text and "/api/complaint_register" not in text

    # Each officer and supervisor: the complaint, an answer link and a registration link of their own.
    answer_links = {}
    for person in (OPERATOR, SUPERVISOR):
        [staff_mail] = mails_to(harness, person)
        assert staff_mail["Subject"] == "[Vicon] Pengaduan baru PG-2026-000001"
        assert "+6281234567890" in text_of(staff_mail) and SENDER in text_of(staff_mail)
        answer_links[person] = link_in(staff_mail, "complaint_answer")
        link_in(staff_mail, "complaint_register")
    assert answer_links[OPERATOR] != answer_links[SUPERVISOR]
    assert len(harness.sent_mail()) == 3

    # Opening the answer link (a mail scanner, the officer, twice) changes nothing.
    answer = harness.client("complaint_answer")
    token = token_of(answer_links[OPERATOR])
    for method in (answer.get, answer.get, answer.head):
        page = method("/", query_string={"token": token})
        assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    page_text = answer.get("/", query_string={"token": token}).get_data(as_text=True)
    assert "Menunggu jawaban" in page_text and 'name="answer"' in page_text and "Mohon diperiksa." in page_text
    assert harness.store.get_complaint("PG-2026-000001") == stored
    assert [e.action for e in harness.store.audit_trail("PG-2026-000001")] == ["complaint_submit"]
    assert len(harness.sent_mail()) == 3

    # The answer: mailed to the sender, the complaint closed, the step audited with the officer's address.
    harness.clock.now += dt.timedelta(days=1, hours=2)
    answered_at = harness.clock()
    done = answer.post("/", data={"token": token, "answer": "Akun host sudah kami periksa.\nSilakan coba lagi."})
    assert done.status_code == 200
    assert "Jawaban tercatat" in done.get_data(as_text=True)
    closed = harness.store.get_complaint("PG-2026-000001")
    assert closed is not None and closed.status == ComplaintStatus.ANSWERED
    assert (closed.answer, closed.answered_by, closed.answered_at) == (
        "Akun host sudah kami periksa.\nSilakan coba lagi.",
        OPERATOR,
        answered_at,
    )
    [reply] = [m for m in mails_to(harness, SENDER) if m["Subject"] != receipt["Subject"]]
    assert reply["Subject"] == "[Vicon] Jawaban atas pengaduan PG-2026-000001"
    assert "Akun host sudah kami periksa.\nSilakan coba lagi." in text_of(reply)
    assert "> Mohon diperiksa." in text_of(reply)

    # The supervisor's answer a moment later: 409, nothing sent, nothing changed.
    harness.clock.now += dt.timedelta(minutes=5)
    late = answer.post("/", data={"token": token_of(answer_links[SUPERVISOR]), "answer": "Jawaban kedua."})
    assert late.status_code == 409
    assert f"sudah dijawab oleh {OPERATOR}" in late.get_data(as_text=True)
    assert harness.store.get_complaint("PG-2026-000001") == closed
    assert len(harness.sent_mail()) == 4

    trail = harness.store.audit_trail("PG-2026-000001")
    assert [(e.action, e.actor, e.from_status, e.to_status, e.at) for e in trail] == [
        ("complaint_submit", SENDER, None, "open", received_at),
        ("complaint_answer", OPERATOR, "open", "answered", answered_at),
    ]
    assert trail[0].detail == {"channel": "web", "category": "pengaduan"}
    assert trail[1].detail == {"emailed_to_sender": True, "answer_chars": 48}

    # The link still opens, read-only, with the answer and who gave it.
    again = answer.get("/", query_string={"token": token_of(answer_links[SUPERVISOR])}).get_data(as_text=True)
    assert "Sudah dijawab" in again and OPERATOR in again and 'name="answer"' not in again


def test_two_officers_answering_at_once_send_one_answer(staffed: Harness) -> None:
    submitted(staffed)
    tokens = [token_of(link_in(mails_to(staffed, person)[0], "complaint_answer")) for person in (OPERATOR, SUPERVISOR)]
    answer = staffed.client("complaint_answer")

    def post(token: str) -> int:
        return int(answer.post("/", data={"token": token, "answer": f"Jawaban {token[-6:]}"}).status_code)

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(post, tokens))
    assert statuses == [200, 409]
    assert len(mails_to(staffed, SENDER)) == 2  # the receipt and one answer
    assert [e.action for e in staffed.store.audit_trail("PG-2026-000001")] == ["complaint_submit", "complaint_answer"]


# ---- the public form's rules ---------------------------------------------------------------------------------


def test_every_problem_is_named_at_once_and_nothing_is_stored_or_sent(staffed: Harness) -> None:
    response = submit(staffed, {"category": "keluhan", "email": "budi@", "phone": "12345", "request_id": "VC-1"})
    assert response.status_code == 422
    errors = errors_of(response)
    assert list(errors) == ["category", "message", "name", "email", "phone", "request_id"]
    assert "pengaduan, saran, atau masukan" in errors["category"]
    assert errors["email"] == "Alamat email tidak valid."
    assert "VC-TTTT-NNNNNN" in errors["request_id"]
    assert_nothing_stored(staffed)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("message", "x" * 5_001, "paling banyak 5.000 karakter"),
        ("message", "Tolong \u202eperiksa", "tidak diizinkan"),
        ("message", "bel\x07", "tidak diizinkan"),
        ("name", "Budi\nSantoso", "satu baris"),
        ("name", "x" * 121, "paling banyak 120"),
        ("email", "=?utf-8?q?a?=@dinkes.example.go.id", "tidak valid"),
        ("email", "budi santoso@dinkes.example.go.id", "tidak valid"),
        ("opd", "Dinas\u2028Kesehatan", "satu baris"),
        ("phone", "+1 202 555 0100", "nomor Indonesia"),
    ],
)
def test_a_field_that_breaks_its_rule_is_named(staffed: Harness, field: str, value: str, words: str) -> None:
    response = submit(staffed, complaint_fields(**{field: value}))
    assert response.status_code == 422
    assert words in errors_of(response)[field]
    assert_nothing_stored(staffed)


def test_a_message_of_exactly_5000_characters_with_line_breaks_is_kept_as_typed(staffed: Harness) -> None:
    message = "Baris satu.\r\n" + "é" * 4_988
    assert len(message.replace("\r\n", "\n")) == 5_000
    complaint_id = submitted(staffed, message=message)
    stored = staffed.store.get_complaint(complaint_id)
    assert stored is not None and stored.message == message.replace("\r\n", "\n")


def test_the_request_named_must_exist_and_is_shown_to_officers(staffed: Harness) -> None:
    response = submit(staffed, complaint_fields(request_id="VC-2026-000009", name=""))
    assert response.status_code == 422
    errors = errors_of(response)
    assert set(errors) == {"name", "request_id"}  # the unknown number with the other problems, at once
    assert "VC-2026-000009 tidak ditemukan" in errors["request_id"]
    assert_nothing_stored(staffed)

    request_id = staffed.submit_valid()["id"]
    complaint_id = submitted(staffed, request_id=request_id.lower())
    stored = staffed.store.get_complaint(complaint_id)
    assert stored is not None and stored.request_id == request_id
    [staff_mail] = mails_to(staffed, SUPERVISOR)
    assert staff_mail["Subject"] == f"[Vicon] Pengaduan baru {complaint_id} tentang {request_id}"
    assert "Rapat Koordinasi Percepatan Penurunan Stunting" in text_of(staff_mail)


def test_the_honeypot_answers_like_a_success_and_stores_sends_and_counts_nothing(make_harness: HarnessFactory) -> None:
    harness = make_harness(SUBMIT_RATE_LIMIT="1/hour")
    response = submit(harness, complaint_fields(website="http://spam.example"))
    assert response.status_code == 201
    assert re.fullmatch(r"PG-2026-\d{6}", response.get_json()["id"])
    assert_nothing_stored(harness)
    assert submit(harness).status_code == 201  # the decoy counted nothing against the address
    assert submit(harness).status_code == 429


def test_a_browser_without_javascript_gets_pages(staffed: Harness) -> None:
    ok = submit(staffed, headers=HTML)
    assert ok.status_code == 201 and ok.mimetype == "text/html"
    assert "PG-2026-000001" in ok.get_data(as_text=True) and "Pengaduan terkirim" in ok.get_data(as_text=True)
    bad = submit(staffed, complaint_fields(email="x"), headers=HTML)
    assert bad.status_code == 422 and "Alamat email tidak valid" in bad.get_data(as_text=True)
    assert "Content-Security-Policy" in bad.headers


def test_multipart_bodies_limits_and_broken_bytes_name_their_field(staffed: Harness) -> None:
    client = staffed.client("submit_complaint")
    multipart = client.post("/", data=complaint_fields(category="saran"), content_type="multipart/form-data")
    assert multipart.status_code == 201
    huge = client.post("/", data=complaint_fields(message="x" * 30_000))
    assert huge.status_code == 413 and "message" in errors_of(huge)
    broken = client.post(
        "/", data=b"category=saran&name=Budi&email=b%40x.go.id&message=%FF%FE", content_type=URLENCODED
    )
    assert broken.status_code == 422 and "UTF-8" in errors_of(broken)["message"]
    too_big = client.post("/", data=b"x=" + b"a" * 200_000, content_type=URLENCODED)
    assert too_big.status_code == 413
    assert client.post("/", json=complaint_fields()).status_code == 400
    assert client.get("/").status_code == 405
    assert len(staffed.store.complaints_received_between(*EVERYTHING)) == 1


URLENCODED = "application/x-www-form-urlencoded"


# ---- rate limits: as for requests, counted apart from them ------------------------------------------------------


def test_the_rate_limit_per_address_is_separate_from_the_requests(make_harness: HarnessFactory) -> None:
    harness = make_harness(SUBMIT_RATE_LIMIT="2/hour")
    submitted(harness)
    submitted(harness, email=SENDER.upper(), category="saran")  # the same address, other case
    refused = submit(harness)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert "coba lagi dalam 1 jam" in errors_of(refused)["email"].lower()
    assert len(harness.store.complaints_received_between(*EVERYTHING)) == 2
    # The same address may still submit requests (their own counters), and others may still complain.
    assert harness.submit(valid_fields(contact_email=SENDER), one_page_pdf()).status_code == 201
    assert submit(harness, complaint_fields(email="siti@dinkes.example.go.id")).status_code == 201
    harness.clock.now += dt.timedelta(hours=1)
    assert submit(harness).status_code == 201


def test_the_rate_limit_per_client_trusts_only_our_proxy(make_harness: HarnessFactory) -> None:
    harness = make_harness(SUBMIT_RATE_LIMIT_PER_CLIENT="2/hour", TRUSTED_PROXY_HOPS="1")

    def post(forwarded: str, email: str) -> Any:
        return submit(harness, complaint_fields(email=email), headers={"X-Forwarded-For": forwarded})

    assert post("203.0.113.7", "a@dinkes.example.go.id").status_code == 201
    assert post("198.51.100.1, 203.0.113.7", "b@dinkes.example.go.id").status_code == 201
    refused = post("198.51.100.2, 203.0.113.7", "c@dinkes.example.go.id")
    assert refused.status_code == 429 and None in errors_of(refused)
    assert post("203.0.113.8", "c@dinkes.example.go.id").status_code == 201


# ---- the answer link's checks ----------------------------------------------------------------------------------


def answer_token(harness: Harness, person: str = OPERATOR, complaint_id: str = "PG-2026-000001") -> str:
    [staff_mail] = [m for m in mails_to(harness, person) if m["Subject"].endswith(f"baru {complaint_id}")]
    return token_of(link_in(staff_mail, "complaint_answer"))


def test_an_empty_or_overlong_answer_shows_the_form_again_and_changes_nothing(staffed: Harness) -> None:
    submitted(staffed)
    token = answer_token(staffed)
    answer = staffed.client("complaint_answer")
    empty = answer.post("/", data={"token": token, "answer": "  "})
    assert empty.status_code == 422
    assert "Tulis jawaban" in empty.get_data(as_text=True) and 'name="answer"' in empty.get_data(as_text=True)
    long = answer.post("/", data={"token": token, "answer": "y" * 5_001})
    assert long.status_code == 422 and "y" * 5_001 in long.get_data(as_text=True)  # what was typed is kept
    stored = staffed.store.get_complaint("PG-2026-000001")
    assert stored is not None and stored.status == ComplaintStatus.OPEN
    assert len(staffed.sent_mail()) == 3


def test_answer_links_are_signed_bound_and_still_authorised(make_harness: HarnessFactory) -> None:
    harness = make_harness(OPERATOR_EMAILS=OPERATOR, SUPERVISOR_EMAILS=SUPERVISOR)
    submitted(harness)
    token = answer_token(harness)
    register_token = token_of(link_in(mails_to(harness, OPERATOR)[0], "complaint_register"))
    answer = harness.client("complaint_answer")
    assert answer.get("/", query_string={"token": token + "x"}).status_code == 403
    assert answer.get("/", query_string={"token": register_token}).status_code == 403  # another purpose
    assert answer.get("/").status_code == 403

    # A well-signed link to a complaint that does not exist is a 404; one naming a stranger is refused.
    signer = Signer("test-signing-key")
    expires = MONDAY_MORNING + dt.timedelta(days=30)
    missing = answer.get("/", query_string={"token": signer.sign("complaint", "PG-2026-000404", expires, v=OPERATOR)})
    assert missing.status_code == 404
    stranger = signer.sign("complaint", "PG-2026-000001", expires, v="orang.lain@example.go.id")
    assert answer.get("/", query_string={"token": stranger}).status_code == 403

    # An officer taken off the lists can no longer answer with the link mailed before.
    harness.core.settings = harness.core.settings.__class__.from_env(
        {
            "VICON_DATA_DIR": str(harness.data_dir),
            "SIGNING_KEY": "test-signing-key",
            "PUBLIC_BASE_URL": "https://vicon.example.go.id",
            "OPERATOR_EMAILS": "baru@diskominfo.example",
            "SUPERVISOR_EMAILS": SUPERVISOR,
        }
    )
    removed = answer.post("/", data={"token": token, "answer": "Jawaban."})
    assert removed.status_code == 403 and "tidak lagi terdaftar" in removed.get_data(as_text=True)

    # The link expires 90 days after the complaint came in.
    harness.clock.now += dt.timedelta(days=91)
    expired = answer.get("/", query_string={"token": answer_token(harness, SUPERVISOR)})
    assert expired.status_code == 410 and "sudah tidak berlaku" in expired.get_data(as_text=True)
    stored = harness.store.get_complaint("PG-2026-000001")
    assert stored is not None and stored.status == ComplaintStatus.OPEN


# ---- officers register what came in person, by phone, by message or by mail -------------------------------------


def register_link_of(harness: Harness, person: str = OPERATOR) -> str:
    """The registration link from an officer's mail (the link request's, or a complaint's)."""
    harness.core.deliver_mail()
    return link_in(mails_to(harness, person)[0], "complaint_register")


def test_an_officer_asks_for_a_link_and_anyone_else_gets_the_same_answer_and_no_mail(staffed: Harness) -> None:
    ask = staffed.client("complaint_register_link")
    # (email, links recorded before its answer is closed, after): only the officer's, and only after the answer.
    for email, before, after in ((OPERATOR.upper(), 0, 1), ("orang.lain@example.go.id", 1, 1)):
        response = ask.post("/", data={"email": email})
        assert response.status_code == 202
        assert response.get_json() == {
            "message": "Bila alamat itu terdaftar sebagai petugas, tautan pencatatan dikirim ke sana dalam beberapa "
            "menit."
        }
        # Nothing is signed, rendered or written before the answer is out, so it takes as long for anyone.
        assert len(staffed.store.audit_trail("PG-links")) == before
        response.close()
        assert len(staffed.store.audit_trail("PG-links")) == after
    assert staffed.sent_mail() == []  # queued for the tick, never sent inside the answer
    staffed.core.deliver_mail()
    [mail] = staffed.sent_mail()
    assert mail["To"] == OPERATOR and mail["Subject"] == "[Vicon] Tautan pencatatan pengaduan, saran dan masukan"
    [entry] = staffed.store.audit_trail("PG-links")
    assert (entry.actor, entry.action) == (OPERATOR, "complaint_register_link")
    page = ask.post("/", data={"email": "bukan-email"}, headers=HTML)
    assert page.status_code == 422 and "Alamat email tidak valid" in page.get_data(as_text=True)
    form = staffed.client("complaint_register").get("/")  # no token: the page to ask for one
    assert form.status_code == 200 and "complaint_register_link" in form.get_data(as_text=True)


def test_link_requests_are_rate_limited_whoever_asks(make_harness: HarnessFactory) -> None:
    harness = make_harness(OPERATOR_EMAILS=OPERATOR, SUBMIT_RATE_LIMIT="2/hour")
    ask = harness.client("complaint_register_link")
    for email in (OPERATOR, "orang.lain@example.go.id"):
        assert [ask.post("/", data={"email": email}).status_code for _ in range(3)] == [202, 202, 429]


def test_a_complaint_received_by_phone_is_registered_with_its_channel_and_officer(staffed: Harness) -> None:
    staffed.client("complaint_register_link").post("/", data={"email": OPERATOR}).close()
    url = register_link_of(staffed)
    register = staffed.client("complaint_register")
    form = register.get("/", query_string={"token": token_of(url)})
    assert form.status_code == 200 and OPERATOR in form.get_data(as_text=True)
    assert staffed.store.complaints_received_between(*EVERYTHING) == []  # opening the form changes nothing

    staffed.clock.now += dt.timedelta(hours=3)
    fields = {
        "token": token_of(url),
        "category": "saran",
        "channel": "phone",
        "message": "Penelepon minta jadwal Zoom dikirim juga lewat WhatsApp.",
        "name": "Ibu Rina (Kecamatan Kadipaten)",
        "phone": "0813 2222 3333",
    }
    done = register.post("/", data=fields)
    assert done.status_code == 201
    page = done.get_data(as_text=True)
    assert "PG-2026-000001" in page and "Saran tercatat" in page and "sampaikan nomor ini" in page
    assert "/api/complaint_register?token=" in page  # the link to register the next one

    stored = staffed.store.get_complaint("PG-2026-000001")
    assert stored is not None
    assert (stored.channel, stored.registered_by, stored.email, stored.phone) == (
        ComplaintChannel.PHONE,
        OPERATOR,
        "",
        "+6281322223333",
    )
    [entry] = staffed.store.audit_trail("PG-2026-000001")
    assert (entry.actor, entry.action, entry.detail) == (
        OPERATOR,
        "complaint_register",
        {"channel": "phone", "category": "saran"},
    )
    # No address, no receipt; both officers get it, saying how it came and who registered it.
    [staff_mail] = mails_to(staffed, SUPERVISOR)
    assert f"Melalui: Telepon · dicatat oleh {OPERATOR}" in text_of(staff_mail)
    assert "lewat telepon +6281322223333" in text_of(staff_mail)

    # Answered by the supervisor: recorded and closed; there is no one to mail, the page says to call.
    answer = staffed.client("complaint_answer")
    token = token_of(link_in(staff_mail, "complaint_answer"))
    closed = answer.post("/", data={"token": token, "answer": "Sudah kami kirim lewat WhatsApp."})
    assert closed.status_code == 200 and "lewat telepon +6281322223333" in closed.get_data(as_text=True)
    stored = staffed.store.get_complaint("PG-2026-000001")
    assert stored is not None and (stored.status, stored.answered_by) == (ComplaintStatus.ANSWERED, SUPERVISOR)
    assert staffed.store.audit_trail("PG-2026-000001")[-1].detail == {"emailed_to_sender": False, "answer_chars": 32}
    assert len(staffed.sent_mail()) == 3  # the link and the two officers' mails; no answer mail


def test_registration_needs_a_way_to_answer_and_a_channel(staffed: Harness) -> None:
    submitted(staffed)  # a web complaint's officer mail carries the registration link too
    token = token_of(register_link_of(staffed, SUPERVISOR))
    other_purpose = answer_token(staffed)
    register = staffed.client("complaint_register")
    refused = register.post(
        "/", data={"token": token, "category": "pengaduan", "channel": "web", "message": "x", "name": "Pak Asep"}
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Pilih saluran" in page and "Isi email atau nomor telepon pengirim" in page
    assert 'value="Pak Asep"' in page  # what was typed stays
    with_email = register.post(
        "/",
        data={
            "token": token,
            "category": "masukan",
            "channel": "email",
            "message": "Diteruskan dari email kantor.",
            "name": "Pak Asep",
            "email": "asep@desa.example.id",
        },
    )
    assert with_email.status_code == 201
    stored = staffed.store.get_complaint("PG-2026-000002")
    assert stored is not None and (stored.channel, stored.registered_by) == ("email", SUPERVISOR)
    [receipt] = mails_to(staffed, "asep@desa.example.id")
    assert "dicatat oleh petugas" in text_of(receipt)
    bad = register.post("/", data={"token": token + "x", "category": "saran"})
    assert bad.status_code == 403
    assert register.get("/", query_string={"token": other_purpose}).status_code == 403


# ---- the export -------------------------------------------------------------------------------------------------


def test_the_export_writes_every_complaint_of_the_period_with_safe_cells(staffed: Harness, tmp_path: Path) -> None:
    from tools import complaints_csv

    submitted(staffed, name='=HYPERLINK("http://x.example")', message="+62 berapa?\n-- salam")
    staffed.clock.now += dt.timedelta(days=40)
    submitted(staffed, category="saran", email="siti@dinkes.example.go.id")
    target = tmp_path / "pengaduan.csv"
    assert isinstance(staffed.store, SqliteStore)
    env = {"STORE_URL": f"sqlite:///{staffed.store.path}", "VICON_DATA_DIR": str(staffed.data_dir), "SIGNING_KEY": "k"}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        assert complaints_csv.main(["complaints_csv.py", "2026-11-01", "2026-12-01", str(target)]) == 0
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM, so spreadsheet programs read UTF-8
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0] == ",".join(exports.COMPLAINT_COLUMNS)
    assert lines[1].startswith("PG-2026-000001,open,2026-11-30T09:00:00+07:00,web,pengaduan,")
    assert "'=HYPERLINK" in lines[1] and "\"'+62 berapa?" in lines[1]
    assert "PG-2026-000002" not in raw.decode("utf-8-sig")  # received on 9 January, outside the period
    assert complaints_csv.main(["complaints_csv.py", "2026-11-01"]) == 2


# ---- every answer is one the OpenAPI document allows ---------------------------------------------------------


def test_complaint_answers_conform_to_the_document(make_harness: HarnessFactory) -> None:
    from tests.test_openapi import assert_conforms, served_document

    harness = make_harness(OPERATOR_EMAILS=OPERATOR, SUPERVISOR_EMAILS=SUPERVISOR, SUBMIT_RATE_LIMIT="3/hour")
    doc = served_document(harness)
    complain = harness.client("submit_complaint")
    for answer in (
        submit(harness),
        submit(harness, headers=HTML),
        submit(harness, complaint_fields(website="x")),
        submit(harness, complaint_fields(email="x")),
        submit(harness, complaint_fields(email="x"), headers=HTML),
        complain.post("/", data=complaint_fields(message="x" * 30_000)),
        complain.post("/", data="x", content_type="text/plain"),
        submit(harness, complaint_fields(category="saran")),
        submit(harness),  # 429: the address's fourth
    ):
        assert_conforms(doc, "/submit_complaint", "post", answer)

    token = answer_token(harness)
    answer = harness.client("complaint_answer")
    assert_conforms(doc, "/complaint_answer", "get", answer.get("/", query_string={"token": token}))
    assert_conforms(doc, "/complaint_answer", "get", answer.get("/", query_string={"token": "x"}))
    assert_conforms(doc, "/complaint_answer", "post", answer.post("/", data={"token": token, "answer": ""}))
    assert_conforms(doc, "/complaint_answer", "post", answer.post("/", data={"token": token, "answer": "Sudah."}))
    assert_conforms(doc, "/complaint_answer", "post", answer.post("/", data={"token": token, "answer": "Lagi."}))

    ask = harness.client("complaint_register_link")
    asked = ask.post("/", data={"email": OPERATOR})
    assert_conforms(doc, "/complaint_register_link", "post", asked)
    asked.close()
    assert_conforms(doc, "/complaint_register_link", "post", ask.post("/", data={"email": OPERATOR}, headers=HTML))
    assert_conforms(doc, "/complaint_register_link", "post", ask.post("/", data={"email": "x"}))
    register_token = token_of(register_link_of(harness))
    register = harness.client("complaint_register")
    for page in (register.get("/"), register.get("/", query_string={"token": register_token})):
        assert_conforms(doc, "/complaint_register", "get", page)
    fields = {"token": register_token, "category": "saran", "channel": "phone", "message": "x", "name": "Asep"}
    for done in (
        register.post("/", data=fields),
        register.post("/", data={**fields, "phone": "0813 2222 3333"}),
        register.post("/", data={**fields, "token": "x"}),
        register.post("/", data="x", content_type="text/plain"),
    ):
        assert_conforms(doc, "/complaint_register", "post", done)
