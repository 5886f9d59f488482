"""Paper requests and phone complaints registered from the staff console (decision 0034), through the Functions
Framework: the session, the Origin check, the roles, the public form's rules, the lifecycle and the mails. The clock
is the harness's."""

from __future__ import annotations

import io
import re
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.harness import Harness, HarnessFactory, valid_fields
from tests.pdfs import one_page_pdf, zero_page_pdf
from tests.staff import (
    OPERATOR,
    ORIGIN,
    SECURE_COOKIE,
    SUPERVISOR,
    VERIFIER,
    sign_in,
    staff_get,
    staff_harness,
    with_cookie,
)
from tests.staff import staff_post as staff_form_post
from tests.stores import STORE_KINDS
from tests.test_review_provision_http import BIG, SMALL
from vicon.lifecycle import Status
from vicon.records import ComplaintChannel, RequestChannel

REQUESTER = "budi.santoso@dinkes.example.go.id"


@pytest.fixture
def staff(make_harness: HarnessFactory) -> Harness:
    return staff_harness(make_harness)


@pytest.fixture(params=STORE_KINDS)
def zoom_staff(make_harness: HarnessFactory, zoom_sandbox: Any, request: pytest.FixtureRequest) -> Harness:
    """SQLite or the Firestore emulator, the staff lists, and the real Zoom client against the sandbox."""
    return staff_harness(
        make_harness,
        store_kind=request.param,
        meetings=zoom_sandbox.client(sleep=lambda seconds: None),
        ZOOM_HOSTS=f"{BIG}:300,{SMALL}:100",
    )


def paper_fields(**overrides: Any) -> dict[str, Any]:
    """The public form's valid fields, without the honeypot (the staff form has none)."""
    fields = valid_fields(**overrides)
    fields.pop("website", None)
    return fields


def register(
    harness: Harness,
    cookie: str | None,
    fields: dict[str, Any] | None = None,
    letter: bytes | None = None,
    origin: str | None = ORIGIN,
) -> Any:
    """POST multipart/form-data to staff_new_request, as the console's page does."""
    data: dict[str, Any] = dict(paper_fields() if fields is None else fields)
    if letter is not None:
        data["letter"] = (io.BytesIO(letter), "pindaian.pdf", "application/pdf")
    headers = {"Origin": origin} if origin else {}
    client = with_cookie(harness, "staff_new_request", cookie)
    return client.post("/", data=data, content_type="multipart/form-data", headers=headers)


def registered_id(response: Any) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)
    found = re.search(r"/api/staff_request\?id=(VC-\d{4}-\d{6})&selesai=register$", response.headers["Location"])
    assert found is not None, response.headers["Location"]
    return found.group(1)


def mails_to(harness: Harness, to: str) -> list[EmailMessage]:
    return [mail for mail in harness.sent_mail() if mail["To"] == to]


def text_of(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


# ---- a paper request through its whole life ----------------------------------------------------------------------


def test_a_paper_request_is_registered_mailed_approved_and_provisioned(zoom_staff: Harness) -> None:
    harness = zoom_staff
    officer = sign_in(harness, OPERATOR)
    form = staff_get(harness, "staff_new_request", officer)
    assert form.status_code == 200 and form.headers["Referrer-Policy"] == "strict-origin"
    html = form.get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html and 'name="website"' not in html
    assert OPERATOR in html and harness.all_requests() == []  # the form changes nothing

    request_id = registered_id(register(harness, officer, letter=one_page_pdf()))
    record = harness.request(request_id)
    assert record.status == Status.SUBMITTED
    assert (record.received_via, record.registered_by) == (RequestChannel.SURAT, OPERATOR)
    assert record.contact_email == REQUESTER and record.contact_phone == "+6281234567890"
    assert record.letter_check is not None  # the same document check as the public form
    [entry] = harness.store.audit_trail(request_id)
    assert (entry.actor, entry.action, entry.to_status) == (OPERATOR, "submit", Status.SUBMITTED)
    assert entry.detail == {"via": "konsol", "received_via": "surat", "on_behalf_of": REQUESTER}

    # The normal mails: the requester's receipt with the status link, each verifier's review mail.
    [receipt] = mails_to(harness, REQUESTER)
    assert receipt["Subject"].endswith(f"Tanda terima permohonan {request_id}")
    assert "/api/request_status?" in text_of(receipt) or "status.html?" in text_of(receipt)
    assert "surat fisik" in text_of(receipt)
    [review_mail] = mails_to(harness, VERIFIER)
    assert f"Permohonan baru {request_id}" in review_mail["Subject"]
    assert f"surat fisik, dicatat oleh {OPERATOR}" in text_of(review_mail)
    assert "/api/review_request?token=" in text_of(review_mail)

    # The request page says how it came and who registered it; the queue JSON too.
    page = staff_get(harness, "staff_request", officer, id=request_id, selesai="register").get_data(as_text=True)
    assert f"surat fisik (dicatat oleh {OPERATOR})" in page
    assert "Permohonan dari surat fisik tercatat" in page
    # The audit trail reads the stored value as people say it.
    assert "<dt>Diterima lewat</dt><dd>surat fisik</dd>" in page and "<dd>surat</dd>" not in page
    [row] = staff_get(harness, "staff_requests", officer, **{"from": ""}).get_json()
    assert row["id"] == request_id and row["received_via"] == "surat"

    # A verifier approves from the console: the meeting is made in the Zoom sandbox.
    verifier = sign_in(harness, VERIFIER)
    approved = staff_form_post(harness, "staff_request", verifier, id=request_id, action="approve", confirm="yes")
    assert approved.status_code == 303
    record = harness.request(request_id)
    assert record.status == Status.PROVISIONED and record.meeting is not None and record.decided_by == VERIFIER
    assert any("Zoom Meeting siap" in mail["Subject"] for mail in mails_to(harness, REQUESTER))
    review_page = staff_get(harness, "staff_request", verifier, id=request_id).get_data(as_text=True)
    assert f"surat fisik (dicatat oleh {OPERATOR})" in review_page


def test_a_paper_request_carries_breakout_rooms_and_polls_as_the_public_form_does(staff: Harness) -> None:
    officer = sign_in(staff, OPERATOR)
    html = staff_get(staff, "staff_new_request", officer).get_data(as_text=True)
    assert 'name="breakout_rooms"' in html and 'name="polls"' in html
    fields = paper_fields(
        needs=["breakout_room", "polling"], breakout_rooms="4", polls="Materi paling berguna?\nPerencanaan\nAnggaran"
    )
    record = staff.request(registered_id(register(staff, officer, fields, one_page_pdf())))
    assert record.breakout_rooms == 4
    assert [(poll.name, poll.kind, poll.answers) for poll in record.polls] == [
        ("Materi paling berguna?", "single", ("Perencanaan", "Anggaran"))
    ]
    # The same rule as the public form: polls without the need ticked are refused, naming the field.
    refused = register(staff, officer, paper_fields(polls="Pertanyaan?\nYa\nTidak"), one_page_pdf())
    assert refused.status_code == 422 and 'id="polls-error">Centang kebutuhan polling' in refused.get_data(as_text=True)


def test_the_review_link_page_shows_the_channel(staff: Harness) -> None:
    officer = sign_in(staff, OPERATOR)
    request_id = registered_id(register(staff, officer, letter=one_page_pdf()))
    [review_mail] = mails_to(staff, VERIFIER)
    url = re.search(r"https?://\S+/api/review_request\?token=(\S+)", text_of(review_mail))
    assert url is not None
    page = staff.client("review_request").get("/", query_string={"token": url.group(1)})
    assert page.status_code == 200 and f"surat fisik (dicatat oleh {OPERATOR})" in page.get_data(as_text=True)
    web_id = staff.submit_valid()["id"]
    assert staff.request(web_id).received_via == RequestChannel.WEB
    web_page = staff_get(staff, "staff_request", officer, id=web_id).get_data(as_text=True)
    assert "formulir web" in web_page and "dicatat oleh" not in web_page
    assert request_id != web_id


def test_a_supervisor_registers_too_and_the_per_contact_limit_does_not_apply(make_harness: HarnessFactory) -> None:
    harness = staff_harness(make_harness, SUBMIT_RATE_LIMIT="1/day")
    supervisor = sign_in(harness, SUPERVISOR)
    first = registered_id(register(harness, supervisor, letter=one_page_pdf()))
    second = registered_id(register(harness, supervisor, letter=one_page_pdf()))
    assert first != second and harness.request(second).registered_by == SUPERVISOR
    # The public form still counts that address (the staff's registrations were not counted against it).
    assert harness.submit(valid_fields(), one_page_pdf()).status_code == 201
    assert harness.submit(valid_fields(), one_page_pdf()).status_code == 429


# ---- refusals ------------------------------------------------------------------------------------------------------


def test_bad_input_names_every_field_in_bahasa_and_stores_nothing(staff: Harness) -> None:
    officer = sign_in(staff, OPERATOR)
    sign_in_mails = len(staff.sent_mail())
    fields = paper_fields(
        opd="",
        event_name="",
        event_type="webinar",
        start="2026-11-30T09:00",
        end="2026-11-30T08:00",
        participant_count="1",
        participants="",
        speakers="",
        contact_name="",
        contact_phone="12345",
        contact_email="bukan-alamat",
        letter_number="",
        letter_date="2025-01-01",
        needs=["recording", "teleport"],
        recording_consent="",
    )
    refused = register(staff, officer, fields, zero_page_pdf())
    assert refused.status_code == 422 and refused.mimetype == "text/html"
    html = refused.get_data(as_text=True)
    named = dict(re.findall(r'<p class="field-error" id="([a-z_]+)-error">([^<]+)</p>', html))
    expected = {
        "opd",
        "event_name",
        "event_type",
        "start",
        "end",
        "participant_count",
        "participants",
        "speakers",
        "contact_name",
        "contact_phone",
        "contact_email",
        "letter_number",
        "letter_date",
        "letter",
        "needs",
    }
    assert expected <= set(named), sorted(named)
    assert all(re.search(r"[a-z]", message) and "Field required" not in message for message in named.values())
    assert 'id="error-summary"' in html and "Tidak ada yang tersimpan" in html
    assert 'value="bukan-alamat"' in html  # what was typed is kept
    assert staff.all_requests() == [] and staff.blob_files() == []
    assert len(staff.sent_mail()) == sign_in_mails and staff.store.pending_mail() == []

    missing = register(staff, officer, paper_fields())  # no letter at all
    assert missing.status_code == 422 and "Surat permohonan resmi (PDF) wajib dilampirkan." in missing.get_data(
        as_text=True
    )
    html_letter = register(staff, officer, paper_fields(), b"<html>%PDF-1.7</html>")
    assert html_letter.status_code == 422 and 'id="letter-error">' in html_letter.get_data(as_text=True)
    assert staff.all_requests() == []


def test_without_a_session_401_from_a_foreign_origin_403_and_a_verifier_403(staff: Harness) -> None:
    for target in ("staff_new_request", "staff_new_complaint"):
        for cookie in (None, f"{SECURE_COOKIE}=bukan-sesi"):
            page = staff_get(staff, target, cookie)
            assert page.status_code == 401 and "/api/staff_login" in page.get_data(as_text=True)
    assert register(staff, None, letter=one_page_pdf()).status_code == 401
    assert staff_form_post(staff, "staff_new_complaint", None, category="saran").status_code == 401

    officer = sign_in(staff, OPERATOR)
    for origin in (None, "https://evil.example", "null", "http://vicon.example.go.id"):
        refused = register(staff, officer, letter=one_page_pdf(), origin=origin)
        assert refused.status_code == 403 and "Origin" in refused.get_data(as_text=True)
        complaint = staff_form_post(staff, "staff_new_complaint", officer, origin, **phone_complaint())
        assert complaint.status_code == 403
    verifier = sign_in(staff, VERIFIER)  # only a verifier: does not register
    for target in ("staff_new_request", "staff_new_complaint"):
        page = staff_get(staff, target, verifier)
        assert page.status_code == 403 and "OPERATOR_EMAILS" in page.get_data(as_text=True)
    assert register(staff, verifier, letter=one_page_pdf()).status_code == 403
    assert staff_form_post(staff, "staff_new_complaint", verifier, **phone_complaint()).status_code == 403
    queue = staff_get(staff, "staff_console", verifier).get_data(as_text=True)
    assert "/api/staff_new_request" not in queue  # the bar offers the forms only to those who may use them
    assert "/api/staff_new_request" in staff_get(staff, "staff_console", officer).get_data(as_text=True)
    assert staff.all_requests() == [] and staff.store.pending_mail() == []


# ---- a complaint taken by phone -----------------------------------------------------------------------------------


def phone_complaint(**overrides: str) -> dict[str, str]:
    fields = {
        "category": "pengaduan",
        "channel": "phone",
        "message": "Penelepon: tautan Zoom rapat kemarin tidak bisa dibuka dari ponsel.",
        "name": "Ibu Rina (Kecamatan Kadipaten)",
        "email": "",
        "phone": "0813 2222 3333",
        "opd": "",
        "request_id": "",
    }
    fields.update(overrides)
    return fields


@pytest.mark.parametrize("store_kind", STORE_KINDS)
def test_a_phone_complaint_is_registered_from_the_console(make_harness: HarnessFactory, store_kind: str) -> None:
    harness = staff_harness(make_harness, store_kind=store_kind)
    officer = sign_in(harness, OPERATOR)
    form = staff_get(harness, "staff_new_complaint", officer)
    assert form.status_code == 200 and 'name="token"' not in form.get_data(as_text=True)

    done = staff_form_post(harness, "staff_new_complaint", officer, **phone_complaint())
    year = harness.clock().astimezone(harness.core.settings.tz).year
    number = f"PG-{year}-000001"
    # Redirected back to the form with its number, so reloading the page registers nothing twice.
    assert done.status_code == 303
    location = urlsplit(done.headers["Location"])
    assert location.path == "/api/staff_new_complaint" and parse_qs(location.query) == {"tercatat": [number]}
    page = staff_get(harness, "staff_new_complaint", officer, tercatat=number).get_data(as_text=True)
    assert number in page and "Pengaduan tercatat" in page and "sampaikan nomor ini" in page
    # Only its own officer sees that receipt; an unknown or malformed number shows the empty form.
    supervisor = sign_in(harness, SUPERVISOR)
    for who, asked in ((supervisor, number), (officer, f"PG-{year}-000099"), (officer, "<b>x</b>")):
        other = staff_get(harness, "staff_new_complaint", who, tercatat=asked)
        assert other.status_code == 200 and "Pengaduan tercatat" not in other.get_data(as_text=True)
    stored = harness.store.get_complaint(number)
    assert stored is not None
    assert (stored.channel, stored.registered_by, stored.phone) == (ComplaintChannel.PHONE, OPERATOR, "+6281322223333")
    [entry] = harness.store.audit_trail(number)
    assert (entry.actor, entry.action, entry.detail) == (
        OPERATOR,
        "complaint_register",
        {"channel": "phone", "category": "pengaduan", "via": "konsol"},
    )
    # The officers and the supervisor get it as from complaint_register; no address, no receipt.
    for person in (OPERATOR, SUPERVISOR):
        [mail] = [m for m in mails_to(harness, person) if number in m["Subject"]]
        assert f"Melalui: Telepon · dicatat oleh {OPERATOR}" in text_of(mail)

    with_mail = staff_form_post(
        harness, "staff_new_complaint", officer, **phone_complaint(channel="in_person", email=REQUESTER, phone="")
    )
    assert with_mail.status_code == 303
    second = f"PG-{year}-000002"
    assert harness.store.get_complaint(second) is not None
    assert any(second in mail["Subject"] for mail in mails_to(harness, REQUESTER))


def test_a_complaint_with_bad_input_names_its_fields_and_stores_nothing(staff: Harness) -> None:
    officer = sign_in(staff, SUPERVISOR)
    refused = staff_form_post(
        staff, "staff_new_complaint", officer, **phone_complaint(category="", channel="web", message="", phone="")
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    named = dict(re.findall(r'<p class="field-error" id="([a-z_]+)-error">([^<]+)</p>', html))
    assert {"category", "channel", "message", "phone"} <= set(named), named
    assert "Pilih saluran" in named["channel"] and "Isi email atau nomor telepon" in named["phone"]
    unknown = staff_form_post(staff, "staff_new_complaint", officer, **phone_complaint(request_id="VC-2026-999999"))
    assert unknown.status_code == 422 and "VC-2026-999999 tidak ditemukan" in unknown.get_data(as_text=True)
    assert staff.store.get_complaint("PG-2026-000001") is None


def test_registration_answers_conform_to_the_document(staff: Harness) -> None:
    from tests.test_openapi import assert_conforms, served_document

    doc = served_document(staff)
    officer, verifier = sign_in(staff, OPERATOR), sign_in(staff, VERIFIER)
    for path, target in (("/staff_new_request", "staff_new_request"), ("/staff_new_complaint", "staff_new_complaint")):
        for cookie in (officer, verifier, None):  # 200, 403, 401
            assert_conforms(doc, path, "get", staff_get(staff, target, cookie))
    request = "/staff_new_request"
    assert_conforms(doc, request, "post", register(staff, officer, letter=one_page_pdf()))  # 303
    assert_conforms(doc, request, "post", register(staff, officer, paper_fields(event_name="")))  # 422
    assert_conforms(doc, request, "post", register(staff, officer, letter=one_page_pdf(), origin=None))  # 403
    assert_conforms(doc, request, "post", register(staff, verifier, letter=one_page_pdf()))  # 403
    assert_conforms(doc, request, "post", register(staff, None, letter=one_page_pdf()))  # 401
    complaint = "/staff_new_complaint"
    assert_conforms(doc, complaint, "post", staff_form_post(staff, "staff_new_complaint", officer, **phone_complaint()))
    assert_conforms(doc, complaint, "post", staff_form_post(staff, "staff_new_complaint", officer, category="x"))
    assert_conforms(doc, complaint, "post", staff_form_post(staff, "staff_new_complaint", None, category="x"))
