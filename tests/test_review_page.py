"""The verifier's review page as a work surface, and the letter link it carries (`request_letter`), through the
Functions Framework."""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.harness import VERIFIERS, Harness, HarnessFactory
from tests.pdfs import one_page_pdf
from tests.test_review_provision_http import BIG, OPERATOR, SMALL, decide, review_token
from vicon.intake import format_datetime_id

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None]
    children: list[Node | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(
            " ".join((child if isinstance(child, str) else child.text).split()) for child in self.children
        ).strip()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if (tag is None or child.tag == tag) and all(child.attrs.get(k) == v for k, v in attrs.items()):
                    found.append(child)
                found += child.find_all(tag, **attrs)
        return found

    def by_id(self, element_id: str) -> Node:
        [node] = self.find_all(id=element_id)
        return node


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(page: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(page)
    return builder.root


@pytest.fixture
def zoom_harness(make_harness: HarnessFactory, zoom_sandbox: Any) -> Harness:
    return make_harness(
        meetings=zoom_sandbox.client(sleep=lambda seconds: None),
        ZOOM_HOSTS=f"{BIG}:300,{SMALL}:100",
        OPERATOR_EMAILS=OPERATOR,
    )


def review_page(harness: Harness, token: str) -> Node:
    response = harness.client("review_request").get("/", query_string={"token": token})
    assert response.status_code == 200, response.get_data(as_text=True)
    return parse(response.get_data(as_text=True))


def letter_token(harness: Harness, review: str) -> str:
    href = review_page(harness, review).by_id("letter-link").attrs["href"] or ""
    assert "/api/request_letter?token=" in href
    return parse_qs(urlsplit(html.unescape(href)).query)["token"][0]


def get_letter(harness: Harness, token: str) -> Any:
    return harness.client("request_letter").get("/", query_string={"token": token})


# ---- the letter link ----------------------------------------------------------------------------------------


def test_letter_link_answers_the_stored_pdf_inline_read_only_and_never_cached(harness: Harness) -> None:
    request_id = harness.submit_valid()["id"]
    token = letter_token(harness, review_token(harness, request_id))

    response = get_letter(harness, token)
    assert response.status_code == 200
    assert response.get_data() == one_page_pdf()
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'inline; filename="surat-{request_id}.pdf"'
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "sandbox" in response.headers["Content-Security-Policy"].split("; ")  # a PDF's scripts run nowhere

    head = harness.client("request_letter").head("/", query_string={"token": token})
    assert head.status_code == 200 and head.mimetype == "application/pdf" and head.get_data() == b""


def test_letter_link_changes_nothing_and_takes_no_post(harness: Harness) -> None:
    request_id = harness.submit_valid()["id"]
    token = letter_token(harness, review_token(harness, request_id))
    record, trail, mail = (
        harness.store.get_request(request_id),
        harness.store.audit_trail(request_id),
        harness.sent_mail(),
    )
    client = harness.client("request_letter")
    for _ in range(5):
        assert client.get("/", query_string={"token": token}).status_code == 200
        assert client.head("/", query_string={"token": token}).status_code == 200
    assert client.post("/", data={"token": token}).status_code == 405
    assert harness.store.get_request(request_id) == record
    assert harness.store.audit_trail(request_id) == trail
    assert len(harness.sent_mail()) == len(mail)


def test_letter_and_review_tokens_open_only_their_own_target(harness: Harness) -> None:
    request_id = harness.submit_valid()["id"]
    review = review_token(harness, request_id)
    letter = letter_token(harness, review)
    status = parse_qs(urlsplit(harness.core.status_url(harness.request(request_id))).query)

    for foreign in (review, status["token"][0]):
        refused = get_letter(harness, foreign)
        assert refused.status_code == 403 and refused.mimetype == "text/html"
        assert "%PDF" not in refused.get_data(as_text=True)
    page = harness.client("review_request").get("/", query_string={"token": letter})
    assert page.status_code == 403 and "decision-form" not in page.get_data(as_text=True)


def test_tampered_missing_and_expired_letter_tokens_are_refused_with_a_next_step(harness: Harness) -> None:
    request_id = harness.submit_valid()["id"]
    token = letter_token(harness, review_token(harness, request_id))
    kid, body, mac = token.split(".")
    tampered = f"{kid}.{body}.{mac[:-2]}{'AA' if mac[-2:] != 'AA' else 'BB'}"
    for bad in (tampered, "", "bukan-token"):
        refused = get_letter(harness, bad)
        assert refused.status_code == 403, bad
        assert "Selanjutnya:" in refused.get_data(as_text=True)

    record = harness.store.get_request(request_id)
    assert record is not None
    # It expires when the event starts, like the review link.
    harness.clock.now = record.start
    expired = get_letter(harness, token)
    assert expired.status_code == 410 and "kedaluwarsa" in expired.get_data(as_text=True)


def test_a_letter_missing_from_the_blob_store_is_a_404_page(harness: Harness) -> None:
    request_id = harness.submit_valid()["id"]
    token = letter_token(harness, review_token(harness, request_id))
    record = harness.store.get_request(request_id)
    assert record is not None
    harness.core.blobs.delete(record.letter.key)
    missing = get_letter(harness, token)
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert "Surat permohonan tidak ditemukan" in missing.get_data(as_text=True)


def test_letter_link_of_one_verifier_names_that_verifier(harness: Harness) -> None:
    request_id = harness.submit_valid()["id"]
    record = harness.store.get_request(request_id)
    assert record is not None
    second = letter_token(harness, review_token(harness, request_id, VERIFIERS[1]))
    assert harness.core.signer.verify(second, "letter", harness.clock())["v"] == VERIFIERS[1]
    assert get_letter(harness, second).status_code == 200


# ---- the review page ----------------------------------------------------------------------------------------


def test_review_page_groups_the_request_the_way_a_verifier_checks_it(harness: Harness) -> None:
    request_id = harness.submit_valid(
        participants="Kepala Puskesmas Majalengka\nKepala Puskesmas Kadipaten\nBappelitbangda",
        speakers="dr. Siti Rahmawati (Kepala Dinas Kesehatan)\nIr. Asep Sunandar (Bappelitbangda)",
    )["id"]
    doc = review_page(harness, review_token(harness, request_id))

    headings = [h.text for h in doc.by_id("request-details").find_all("h2")]
    assert headings == [
        "Surat permohonan",
        "Pemeriksaan dokumen",  # right after the letter it checks (tests/test_document_check.py)
        "Kegiatan",
        "Peserta dan narasumber",
        "Kontak pemohon",
        "Kebutuhan dan perekaman",
    ]
    # One participant and one speaker per list item, as typed one per line.
    assert [li.text for li in doc.by_id("participants").find_all("li")] == [
        "Kepala Puskesmas Majalengka",
        "Kepala Puskesmas Kadipaten",
        "Bappelitbangda",
    ]
    assert [li.text for li in doc.by_id("speakers").find_all("li")] == [
        "dr. Siti Rahmawati (Kepala Dinas Kesehatan)",
        "Ir. Asep Sunandar (Bappelitbangda)",
    ]
    assert doc.by_id("letter-number").text == "005/123/Dinkes/2026"
    assert "Buka surat (PDF" in doc.by_id("letter-link").text
    assert doc.by_id("event-start").text == "Rabu, 2 Desember 2026 09.00 WIB"
    assert doc.by_id("event-lead").text.startswith("2 hari kerja")


def test_review_page_names_the_submission_and_the_verification_due_time_the_mails_name(harness: Harness) -> None:
    # The verify-by day became a due time (decision 0031): 1 working day of office time, so Monday 09:00 is due
    # Tuesday 09:00, and the page and both mails name that same time with its zone.
    request_id = harness.submit_valid()["id"]  # Monday 30 November 2026, 09:00 WIB
    doc = review_page(harness, review_token(harness, request_id))
    line = doc.by_id("sla-line").text
    assert line == "Diajukan Senin, 30 November 2026 09.00 WIB · batas verifikasi Selasa, 1 Desember 2026 09.00 WIB"
    due = harness.core.verification_due(harness.clock())
    assert format_datetime_id(due, harness.core.settings.tz) == "Selasa, 1 Desember 2026 09.00 WIB"
    [mail] = [m for m in harness.sent_mail() if m["To"] == VERIFIERS[0]]
    assert "paling lambat Selasa, 1 Desember 2026 09.00 WIB" in mail.get_body(("plain",)).get_content()
    [receipt] = [m for m in harness.sent_mail() if "Tanda terima" in m["Subject"]]
    assert "paling lambat Selasa, 1 Desember 2026 09.00 WIB" in receipt.get_body(("plain",)).get_content()
    assert not doc.find_all(id="sla-overdue")
    assert not doc.find_all(id="sla-provisioning")  # no meeting clock before an approval

    harness.clock.now += dt.timedelta(hours=23, minutes=59)  # Tuesday 08:59: not yet
    assert not review_page(harness, review_token(harness, request_id)).find_all(id="sla-overdue")
    harness.clock.now += dt.timedelta(minutes=2)  # Tuesday 09:01: past the due time
    [overdue] = review_page(harness, review_token(harness, request_id)).find_all(id="sla-overdue")
    assert overdue.text.startswith("Terlambat:")


def test_review_page_decision_needs_a_deliberate_confirmation_and_keeps_the_form_contract(harness: Harness) -> None:
    request_id = harness.submit_valid()["id"]
    doc = review_page(harness, review_token(harness, request_id))
    [form] = doc.find_all("form")
    assert form.attrs["method"] == "post" and form.attrs["id"] == "decision-form"
    hidden = form.find_all("input", type="hidden")
    assert [(i.attrs["name"]) for i in hidden] == ["token"]
    assert form.find_all("textarea", name="reason")
    confirm = form.by_id("confirm")
    assert confirm.attrs["type"] == "checkbox" and "required" in confirm.attrs
    assert [label.text for label in form.find_all("label") if label.attrs.get("for") == "confirm"] == [
        "Saya sudah memeriksa surat, jadwal dan peserta; buat meeting Zoom sekarang"
    ]
    approve, reject = form.by_id("approve-button"), form.by_id("reject-button")
    assert (approve.attrs["name"], approve.attrs["value"], approve.attrs["type"]) == ("decision", "approve", "submit")
    assert (reject.attrs["name"], reject.attrs["value"], reject.attrs["type"]) == ("decision", "reject", "submit")
    assert "formnovalidate" in reject.attrs and "formnovalidate" not in approve.attrs
    assert "centang konfirmasi" in doc.by_id("review-hint").text
    # The page's own script (the CSP allows no other) checks a rejection's reason in the browser.
    assert [s.attrs["src"] for s in doc.find_all("script")] == [
        f"{harness.core.settings.public_base_url}/assets/review.js"
    ]


def test_a_post_without_the_confirmation_field_still_approves(zoom_harness: Harness) -> None:
    # Other systems post token + decision=approve: the checkbox is the browser's step, never the server's.
    harness = zoom_harness
    request_id = harness.submit_valid()["id"]
    response = decide(harness, review_token(harness, request_id), "approve")
    assert response.status_code == 200
    assert harness.request(request_id).status == "provisioned"
    doc = parse(response.get_data(as_text=True))
    assert doc.by_id("decision-status").text == "Meeting siap"
    assert "Undangan sudah dikirim ke pemohon; petugas menerima tautan host" in doc.by_id("next-step").text

    readonly = review_page(harness, review_token(harness, request_id))
    assert not readonly.find_all("form")
    assert "Undangan sudah dikirim ke pemohon" in readonly.by_id("next-step").text
    join = readonly.by_id("meeting-details").find_all("dd", **{"class": "url"})
    assert join and join[0].text.startswith("http")


def test_rejection_page_says_the_reason_was_mailed(harness: Harness) -> None:
    request_id = harness.submit_valid()["id"]
    token = review_token(harness, request_id)
    refused = decide(harness, token, "reject")
    assert refused.status_code == 422
    assert parse(refused.get_data(as_text=True)).by_id("error-summary").text.startswith("Keputusan belum tercatat")
    response = decide(harness, token, "reject", "Surat belum ditandatangani kepala dinas.")
    assert response.status_code == 200
    assert "Alasan penolakan sudah dikirim ke pemohon" in parse(response.get_data(as_text=True)).by_id("next-step").text


def test_refused_review_links_say_what_to_do_next(harness: Harness) -> None:
    request_id = harness.submit_valid()["id"]
    token = review_token(harness, request_id)
    bad = harness.client("review_request").get("/", query_string={"token": token[:-3]})
    assert bad.status_code == 403
    doc = parse(bad.get_data(as_text=True))
    assert doc.by_id("next-step").text.startswith("Selanjutnya: Buka tautan dari email Vicon terbaru")
    assert re.search(r"<h1>Tautan verifikasi tidak dapat dipakai</h1>", bad.get_data(as_text=True))
