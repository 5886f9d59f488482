"""submit_request through the Functions Framework: every refusal is a 4xx in Bahasa Indonesia and leaves no trace."""

from __future__ import annotations

import datetime as dt
import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.harness import MONDAY_MORNING, WIB, Harness, HarnessFactory, valid_fields
from tests.pdfs import one_page_pdf, zero_page_pdf
from vicon.store.sqlite import SqliteStore


def errors_of(response: Any) -> dict[str | None, str]:
    body = response.get_json()
    assert set(body) == {"errors"}
    return {item["field"]: item["message"] for item in body["errors"]}


def assert_refused(harness: Harness, response: Any, status: int, field: str | None, *words: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    errors = errors_of(response)
    assert field in errors, errors
    for word in words:
        assert word.lower() in errors[field].lower(), errors[field]
    harness.assert_nothing_stored_or_sent()


def test_submit_valid_request_stores_it_and_mails_verifiers_and_requester(harness: Harness) -> None:
    response = harness.submit(valid_fields(), one_page_pdf())

    assert response.status_code == 201
    body = response.get_json()
    assert body["id"] == "VC-2026-000001"
    assert body["status"] == "submitted"
    assert body["status_url"].startswith("https://vicon.example.go.id/status.html?id=VC-2026-000001&token=")

    record = harness.store.get_request("VC-2026-000001")
    assert record is not None
    assert record.start == dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)  # 09:00 WIB, held as UTC
    assert record.to_stored()["start"] == "2026-12-02T02:00:00Z"  # and stored as such
    assert record.end == dt.datetime(2026, 12, 2, 4, 30, tzinfo=dt.UTC)
    assert record.contact_phone == "+6281234567890"
    assert record.participants == ("Kepala Puskesmas Majalengka", "Kepala Puskesmas Kadipaten", "Bappelitbangda")
    assert record.recording_consent is True
    assert harness.core.blobs.get(record.letter.key) == one_page_pdf()
    assert record.letter.key.startswith("letters/2026/") and "surat" not in record.letter.key

    mails = harness.sent_mail()
    assert sorted(m["To"] for m in mails) == sorted(
        [
            "budi.santoso@dinkes.example.go.id",
            "verifikator.satu@diskominfo.example",
            "verifikator.dua@diskominfo.example",
        ]
    )
    assert harness.store.pending_mail() == []


def test_submit_verifier_mail_has_details_letter_and_review_link(harness: Harness) -> None:
    harness.submit_valid(event_name="Rapat <script>alert(1)</script> & evaluasi")
    verifier_mail = next(m for m in harness.sent_mail() if m["To"] == "verifikator.satu@diskominfo.example")

    text = verifier_mail.get_body(("plain",)).get_content()
    html = verifier_mail.get_body(("html",)).get_content()
    for expected in (
        "VC-2026-000001",
        "Dinas Kesehatan",
        "Rabu, 2 Desember 2026 09.00 WIB",
        "11.30 WIB",
        "Kepala Puskesmas Kadipaten",
        "dr. Siti Rahmawati",
        "+6281234567890",
        "005/123/Dinkes/2026",
        "Breakout room",
        "Mohon disiapkan 3 breakout room.",
    ):
        assert expected in text, expected
        assert expected in html, expected
    assert "https://vicon.example.go.id/api/review_request?token=" in text
    assert "<script>" not in html and "&lt;script&gt;" in html  # autoescaped
    [letter] = list(verifier_mail.iter_attachments())
    assert letter.get_content_type() == "application/pdf"
    assert letter.get_payload(decode=True) == one_page_pdf()


def test_submit_receipt_has_number_and_status_link_but_no_review_link(harness: Harness) -> None:
    body = harness.submit_valid()
    receipt = next(m for m in harness.sent_mail() if m["To"] == "budi.santoso@dinkes.example.go.id")

    text = receipt.get_body(("plain",)).get_content()
    assert "VC-2026-000001" in receipt["Subject"] and "VC-2026-000001" in text
    assert body["status_url"] in text
    assert "review_request" not in text and "review_request" not in receipt.get_body(("html",)).get_content()
    assert list(receipt.iter_attachments()) == []


def test_submit_each_verifier_gets_a_review_link_of_their_own(harness: Harness) -> None:
    harness.submit_valid()
    links = set()
    for mail in harness.sent_mail():
        for line in mail.get_body(("plain",)).get_content().splitlines():
            if "review_request?token=" in line:
                links.add(line.strip())
    assert len(links) == 2


# ---- lead time ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "too_early", "earliest"),
    [
        (MONDAY_MORNING, "2026-12-01", "2026-12-02"),  # Monday → Wednesday
        (dt.datetime(2026, 12, 4, 16, 0, tzinfo=WIB), "2026-12-07", "2026-12-08"),  # Friday → Tuesday
        (dt.datetime(2026, 12, 5, 10, 0, tzinfo=WIB), "2026-12-07", "2026-12-08"),  # Saturday → Tuesday
        # Wednesday before Christmas: 24 Dec (cuti bersama) and 25 Dec do not count.
        (dt.datetime(2026, 12, 23, 8, 0, tzinfo=WIB), "2026-12-28", "2026-12-29"),
        # 23:30 WIB on Monday is still Monday in the office; in UTC it is Monday too, but 00:30 WIB Tuesday is not.
        (dt.datetime(2026, 12, 1, 0, 30, tzinfo=WIB), "2026-12-02", "2026-12-03"),
    ],
)
def test_submit_lead_time_counts_working_days(
    make_harness: HarnessFactory, now: dt.datetime, too_early: str, earliest: str
) -> None:
    harness = make_harness(now=now)
    refused = harness.submit(
        valid_fields(start=f"{too_early}T09:00", end=f"{too_early}T10:00", letter_date=now.date().isoformat()),
        one_page_pdf(),
    )
    assert_refused(harness, refused, 422, "start", "paling cepat", "H-2")

    accepted = harness.submit(
        valid_fields(start=f"{earliest}T08:00", end=f"{earliest}T10:00", letter_date=now.date().isoformat()),
        one_page_pdf(),
    )
    assert accepted.status_code == 201, accepted.get_data(as_text=True)


def test_submit_lead_time_honours_extra_holidays_and_working_days(make_harness: HarnessFactory) -> None:
    harness = make_harness(EXTRA_HOLIDAYS="2026-12-01")
    assert_refused(harness, harness.submit(valid_fields(), one_page_pdf()), 422, "start", "3 Desember")

    harness = make_harness(now=dt.datetime(2026, 12, 4, 9, 0, tzinfo=WIB), EXTRA_WORKING_DAYS="2026-12-05")
    # Friday: Saturday is declared a working day, so Monday is the second working day.
    response = harness.submit(valid_fields(start="2026-12-07T09:00", end="2026-12-07T10:00"), one_page_pdf())
    assert response.status_code == 201, response.get_data(as_text=True)


def test_submit_lead_time_setting_is_configurable(make_harness: HarnessFactory) -> None:
    harness = make_harness(MIN_LEAD_WORKING_DAYS="3")
    assert_refused(harness, harness.submit(valid_fields(), one_page_pdf()), 422, "start", "H-3")


def test_submit_start_in_the_past_is_refused(harness: Harness) -> None:
    response = harness.submit(valid_fields(start="2026-11-30T08:00", end="2026-11-30T10:00"), one_page_pdf())
    assert_refused(harness, response, 422, "start", "sudah lewat")


# ---- letter -------------------------------------------------------------------------------------------------


def test_submit_without_letter_is_refused(harness: Harness) -> None:
    assert_refused(harness, harness.submit(valid_fields()), 422, "letter", "wajib")


def test_submit_empty_file_input_counts_as_no_letter(harness: Harness) -> None:
    assert_refused(harness, harness.submit(valid_fields(), b"", filename=""), 422, "letter", "wajib")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"Ini bukan PDF, hanya teks biasa.", ("PDF",)),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000, ("PDF",)),
        (b"%PDF-1.7\nthis is not really a pdf at all", ("rusak",)),
        (b" " * 1100 + one_page_pdf(), ("PDF",)),  # %PDF- beyond the first 1,024 bytes
        (zero_page_pdf(), ("halaman",)),
    ],
    ids=["text", "png", "broken", "late-header", "no-pages"],
)
def test_submit_letter_that_is_not_a_readable_pdf_is_refused(
    harness: Harness, content: bytes, words: tuple[str]
) -> None:
    # The declared name and type say PDF: they are not trusted.
    assert_refused(harness, harness.submit(valid_fields(), content, filename="surat.pdf"), 422, "letter", *words)


def test_submit_letter_with_header_after_some_junk_within_1024_bytes_is_accepted(harness: Harness) -> None:
    response = harness.submit(valid_fields(), b"\r\n" * 100 + one_page_pdf())
    assert response.status_code == 201, response.get_data(as_text=True)


def test_submit_letter_over_5_mib_is_refused(harness: Harness) -> None:
    big = one_page_pdf(padding=5 * 1024 * 1024)
    assert_refused(harness, harness.submit(valid_fields(), big), 422, "letter", "5 MB")


def test_submit_letter_of_exactly_5_mib_is_accepted(harness: Harness) -> None:
    base = one_page_pdf()
    exact = one_page_pdf(padding=5 * 1024 * 1024 - len(base) - 3)
    assert len(exact) == 5 * 1024 * 1024
    assert harness.submit(valid_fields(), exact).status_code == 201


def test_submit_body_over_the_limit_while_reading_the_letter_names_the_letter(harness: Harness) -> None:
    huge = one_page_pdf(padding=7 * 1024 * 1024)
    assert_refused(harness, harness.submit(valid_fields(), huge), 413, "letter", "5 MB")


def test_submit_letter_over_the_body_limit_without_content_length_names_the_letter(harness: Harness) -> None:
    boundary = "vicon"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="opd"\r\n\r\nDinas\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="letter"; filename="surat.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode() + one_page_pdf(padding=7 * 1024 * 1024)
    response = harness.client("submit_request").post(
        "/",
        input_stream=io.BytesIO(body),
        content_type=f"multipart/form-data; boundary={boundary}",
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert_refused(harness, response, 413, "letter", "5 MB")


def test_submit_huge_text_field_names_that_field(harness: Harness) -> None:
    response = harness.submit(valid_fields(participants="Peserta " * 75_000), one_page_pdf())  # 600,000 characters
    assert_refused(harness, response, 413, "participants", "20.000")


def test_submit_urlencoded_huge_text_field_names_that_field(harness: Harness) -> None:
    response = harness.client("submit_request").post(
        "/", data={"opd": "Dinas", "speakers": "x" * 600_000}, content_type="application/x-www-form-urlencoded"
    )
    assert_refused(harness, response, 413, "speakers", "2.000")


def _multipart(fields: dict[str, bytes], letter: bytes) -> tuple[bytes, str]:
    boundary = "b0undary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value + b"\r\n"
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="letter"; filename="surat.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n".encode()
        + letter
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_submit_bytes_that_are_not_utf8_are_refused_naming_the_field(harness: Harness) -> None:
    fields = {name: str(value).encode() for name, value in valid_fields().items() if isinstance(value, str)}
    fields["event_name"] = "Rapat Koordinasi \xe9\xff".encode("latin-1")
    body, content_type = _multipart(fields, one_page_pdf())
    response = harness.client("submit_request").post("/", data=body, content_type=content_type)
    assert_refused(harness, response, 422, "event_name", "UTF-8")


def test_submit_urlencoded_bytes_that_are_not_utf8_are_refused_naming_the_field(harness: Harness) -> None:
    response = harness.client("submit_request").post(
        "/", data=b"opd=Dinas&speakers=Bapak%FF%FE", content_type="application/x-www-form-urlencoded"
    )
    assert_refused(harness, response, 422, "speakers", "UTF-8")


def test_submit_valid_utf8_from_raw_multipart_is_kept(harness: Harness) -> None:
    fields = {name: str(value).encode() for name, value in valid_fields().items() if isinstance(value, str)}
    fields["event_name"] = "Rapat Koordinasi Penanganan Banjir — Kecamatan Cigasong".encode()
    body, content_type = _multipart(fields, one_page_pdf())
    response = harness.client("submit_request").post("/", data=body, content_type=content_type)
    assert response.status_code == 201, response.get_data(as_text=True)
    stored = harness.store.get_request(response.get_json()["id"])
    assert stored is not None and stored.event_name == "Rapat Koordinasi Penanganan Banjir — Kecamatan Cigasong"


# ---- rate limits -----------------------------------------------------------------------------------------------


def test_submit_rate_limit_per_contact_address(make_harness: HarnessFactory) -> None:
    harness = make_harness(SUBMIT_RATE_LIMIT="2/hour")
    first = harness.submit_valid()["id"]
    harness.submit_valid(contact_email="BUDI.SANTOSO@dinkes.example.go.id")  # the same address, other case
    before = (len(harness.all_requests()), len(harness.store.pending_mail()), len(harness.blob_files()))

    response = harness.submit(valid_fields(), one_page_pdf())
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 3600
    errors = errors_of(response)
    assert "contact_email" in errors and "coba lagi" in errors["contact_email"].lower()
    assert (len(harness.all_requests()), len(harness.store.pending_mail()), len(harness.blob_files())) == before
    assert len(harness.sent_mail()) == 2 * 3  # two verifiers and one receipt per stored request, nothing more

    # Another requester is not held back, and the hour passes.
    assert harness.submit(valid_fields(contact_email="siti@dinkes.example.go.id"), one_page_pdf()).status_code == 201
    harness.clock.now += dt.timedelta(hours=1)
    assert harness.submit(valid_fields(letter_date="2026-11-30"), one_page_pdf()).status_code == 201
    assert first == "VC-2026-000001"


def test_submit_rate_limit_per_client_trusts_only_our_proxy(make_harness: HarnessFactory) -> None:
    harness = make_harness(SUBMIT_RATE_LIMIT_PER_CLIENT="2/hour", TRUSTED_PROXY_HOPS="1")

    def submit(forwarded: str, email: str) -> Any:
        return harness.submit(valid_fields(contact_email=email), one_page_pdf(), headers={"X-Forwarded-For": forwarded})

    assert submit("203.0.113.7", "a@dinkes.example.go.id").status_code == 201
    # A value the client wrote itself sits left of what our proxy appended: it changes nothing.
    assert submit("198.51.100.1, 203.0.113.7", "b@dinkes.example.go.id").status_code == 201
    refused = submit("198.51.100.2, 203.0.113.7", "c@dinkes.example.go.id")
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert None in errors_of(refused)
    assert len(harness.all_requests()) == 2
    assert submit("203.0.113.8", "c@dinkes.example.go.id").status_code == 201


def test_submit_receipt_repeats_no_submitted_text(harness: Harness) -> None:
    # Anyone may type anyone's address: the receipt must not carry a stranger's words to it.
    harness.submit_valid(
        opd="Lainnya",
        opd_other="Beli pulsa murah di toko-sebelah.example",
        event_name="Hadiah menanti Anda, klik toko-sebelah.example",
        contact_name="Pemenang Undian",
        speakers="toko-sebelah.example",
        participants="toko-sebelah.example",
        needs_notes="toko-sebelah.example",
    )
    receipt = next(m for m in harness.sent_mail() if m["To"] == "budi.santoso@dinkes.example.go.id")
    text = receipt.get_body(("plain",)).get_content() + receipt.get_body(("html",)).get_content()
    assert "toko-sebelah" not in text and "Pemenang" not in text and "toko-sebelah" not in receipt["Subject"]
    assert "VC-2026-000001" in text and "2 Desember 2026" in text


# ---- failures around the commit ----------------------------------------------------------------------------------


class OutboxDown:
    """A store whose outbox cannot be read (a Firestore outage right after the request was written)."""

    def __init__(self, store: Any) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def claim_due_mail(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("outbox unavailable")


def test_submit_store_error_after_the_commit_still_answers_201(harness: Harness) -> None:
    harness.core.store = OutboxDown(harness.core.store)
    response = harness.submit(valid_fields(), one_page_pdf())
    assert response.status_code == 201, response.get_data(as_text=True)
    request_id = response.get_json()["id"]
    assert harness.store.get_request(request_id) is not None
    assert len(harness.store.pending_mail(request_id)) == 3  # waiting for the tick, not lost
    assert len(harness.blob_files()) == 1


class BlobsDown:
    def put(self, *args: Any) -> None:
        raise OSError("disk full")


def test_submit_failure_before_the_commit_says_nothing_was_stored(harness: Harness) -> None:
    harness.core.blobs = BlobsDown()  # type: ignore[assignment]
    response = harness.submit(valid_fields(), one_page_pdf())
    assert response.status_code == 503
    assert "tidak ada yang tersimpan" in errors_of(response)[None].lower()
    assert harness.all_requests() == [] and harness.store.pending_mail() == []


class CommitAnswerLost:
    """The request is written, then the store's answer is lost (a timeout after the commit applied)."""

    def __init__(self, store: Any) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def create_request(self, *args: Any) -> None:
        self._store.create_request(*args)
        raise TimeoutError("deadline exceeded")


def test_submit_whose_commit_answer_was_lost_keeps_the_letter_and_answers_201(harness: Harness) -> None:
    harness.core.store = CommitAnswerLost(harness.core.store)
    response = harness.submit(valid_fields(), one_page_pdf())
    assert response.status_code == 201, response.get_data(as_text=True)
    stored = harness.store.get_request(response.get_json()["id"])
    assert stored is not None
    assert harness.core.blobs.get(stored.letter.key) == one_page_pdf()


def test_status_of_a_broken_record_is_a_503_not_a_404(harness: Harness) -> None:
    from urllib.parse import parse_qs, urlsplit

    body = harness.submit_valid()
    store = harness.store
    assert isinstance(store, SqliteStore)
    # Written behind the port's back (no adapter writes such a record): a history item without its status.
    store._connection().execute(
        "UPDATE requests SET data = json_set(data, '$.history', json(?)) WHERE id = ?",
        ('[{"at": "2026-11-30T02:00:00Z"}]', body["id"]),
    )
    query = {k: v[0] for k, v in parse_qs(urlsplit(body["status_url"]).query).items()}
    response = harness.client("request_status").get("/", query_string=query)
    assert response.status_code == 503  # a bug in our data is not "permohonan tidak ditemukan"
    assert "tidak ditemukan" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("letter_date", "words"),
    [
        ("2026-12-01", ("setelah hari ini",)),
        ("2026-08-31", ("90 hari",)),  # 91 days before 30 November
        ("27-11-2026", ("format",)),
        ("2026-02-30", ("format",)),
        ("", ("wajib",)),
    ],
)
def test_submit_letter_date_rules(harness: Harness, letter_date: str, words: tuple[str]) -> None:
    response = harness.submit(valid_fields(letter_date=letter_date), one_page_pdf())
    assert_refused(harness, response, 422, "letter_date", *words)


def test_submit_letter_dated_exactly_90_days_ago_is_accepted(harness: Harness) -> None:
    assert harness.submit(valid_fields(letter_date="2026-09-01"), one_page_pdf()).status_code == 201


def test_submit_letter_number_is_required(harness: Harness) -> None:
    assert_refused(harness, harness.submit(valid_fields(letter_number="  "), one_page_pdf()), 422, "letter_number")


# ---- other fields -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "words"),
    [
        ("1", ("paling sedikit 2",)),
        ("301", ("300",)),
        ("abc", ("bilangan bulat",)),
        ("-5", ("bilangan bulat",)),
        ("2.5", ("bilangan bulat",)),
        ("99999999999999999999", ("bilangan bulat",)),
        ("", ("wajib",)),
    ],
)
def test_submit_participant_count_rules(harness: Harness, count: str, words: tuple[str]) -> None:
    response = harness.submit(valid_fields(participant_count=count), one_page_pdf())
    assert_refused(harness, response, 422, "participant_count", *words)


def test_submit_participant_count_limit_follows_configured_hosts(make_harness: HarnessFactory) -> None:
    harness = make_harness(ZOOM_HOSTS="a@pemda.example:100,b@pemda.example:500")
    assert harness.submit(valid_fields(participant_count="500"), one_page_pdf()).status_code == 201
    response = harness.submit(valid_fields(participant_count="501"), one_page_pdf())
    assert response.status_code == 422 and "500" in errors_of(response)["participant_count"]


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        ("2026-12-02T09:00", "2026-12-02T08:00", ("setelah waktu mulai",)),
        ("2026-12-02T09:00", "2026-12-02T09:00", ("setelah waktu mulai",)),
        ("2026-12-02T09:00", "2026-12-03T09:01", ("24 jam",)),
        ("2026-12-02T09:00", "2026-12-02 11:00", ("format",)),
        ("2026-12-02T09:00", "2026-12-02T25:00", ("format",)),
    ],
)
def test_submit_end_must_follow_start(harness: Harness, start: str, end: str, words: tuple[str]) -> None:
    response = harness.submit(valid_fields(start=start, end=end), one_page_pdf())
    assert_refused(harness, response, 422, "end", *words)


@pytest.mark.parametrize("consent", [None, "", "no", "off", "0"])
def test_submit_recording_needs_consent(harness: Harness, consent: str | None) -> None:
    response = harness.submit(valid_fields(recording_consent=consent), one_page_pdf())  # type: ignore[arg-type]
    assert_refused(harness, response, 422, "recording_consent", "persetujuan")


@pytest.mark.parametrize("consent", ["on", "true", "1", "yes", "YES"])
def test_submit_recording_consent_values(harness: Harness, consent: str) -> None:
    response = harness.submit(valid_fields(recording_consent=consent), one_page_pdf())
    assert response.status_code == 201
    assert harness.request(response.get_json()["id"]).recording_consent is True


def test_submit_consent_without_recording_need_is_not_stored_as_consent(harness: Harness) -> None:
    response = harness.submit(valid_fields(needs=["polling"], recording_consent="on"), one_page_pdf())
    assert harness.request(response.get_json()["id"]).recording_consent is False


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("opd_other", 200),
        ("event_name", 200),
        ("speakers", 2000),
        ("needs_notes", 2000),
        ("participants", 20000),
        ("contact_name", 120),
        ("letter_number", 100),
    ],
)
def test_submit_text_length_limits(harness: Harness, field: str, limit: int) -> None:
    other = {"opd": "Lainnya"} if field == "opd_other" else {}  # free text for the office only after "Lainnya"
    assert harness.submit(valid_fields(**other, **{field: "a" * limit}), one_page_pdf()).status_code == 201
    harness_response = harness.submit(valid_fields(**other, **{field: "a" * (limit + 1)}), one_page_pdf())
    assert harness_response.status_code == 422
    assert str(f"{limit:,}".replace(",", ".")) in errors_of(harness_response)[field]


def test_submit_email_length_limit(harness: Harness) -> None:
    long_email = "a" * 250 + "@x.id"
    assert_refused(
        harness, harness.submit(valid_fields(contact_email=long_email), one_page_pdf()), 422, "contact_email", "254"
    )


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("081234567890", "+6281234567890"),
        ("+62 812-3456-7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("(0233) 281234", "+62233281234"),
        ("0812.3456.789", "+628123456789"),
    ],
)
def test_submit_phone_is_normalised_to_plus_62(harness: Harness, raw: str, normalised: str) -> None:
    response = harness.submit(valid_fields(contact_phone=raw), one_page_pdf())
    assert response.status_code == 201, response.get_data(as_text=True)
    assert harness.request(response.get_json()["id"]).contact_phone == normalised


@pytest.mark.parametrize("raw", ["12345", "+1 202 555 0100", "0812abc4567", "08", "+6208123456789", "0812345678901234"])
def test_submit_phone_that_is_not_indonesian_is_refused(harness: Harness, raw: str) -> None:
    response = harness.submit(valid_fields(contact_phone=raw), one_page_pdf())
    assert_refused(harness, response, 422, "contact_phone", "nomor indonesia")


@pytest.mark.parametrize("email", ["budi", "budi@", "@dinkes.go.id", "budi@dinkes", "budi santoso@dinkes.go.id"])
def test_submit_invalid_email_is_refused(harness: Harness, email: str) -> None:
    assert_refused(harness, harness.submit(valid_fields(contact_email=email), one_page_pdf()), 422, "contact_email")


def test_submit_unknown_event_type_and_need_are_refused(harness: Harness) -> None:
    response = harness.submit(valid_fields(event_type="pesta", needs=["karaoke"]), one_page_pdf())
    assert response.status_code == 422
    assert {"event_type", "needs"} <= set(errors_of(response))
    harness.assert_nothing_stored_or_sent()


def test_submit_control_characters_are_refused(harness: Harness) -> None:
    response = harness.submit(valid_fields(event_name="Rapat\x00koordinasi"), one_page_pdf())
    assert_refused(harness, response, 422, "event_name", "karakter")


def test_submit_missing_fields_are_all_named_at_once(harness: Harness) -> None:
    response = harness.submit({}, None)
    assert response.status_code == 422
    assert set(errors_of(response)) >= {
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
    }
    assert all("wajib" in message for message in errors_of(response).values())
    harness.assert_nothing_stored_or_sent()


# ---- transport ----------------------------------------------------------------------------------------------


def test_submit_json_body_is_400(harness: Harness) -> None:
    response = harness.client("submit_request").post("/", json=valid_fields())
    assert_refused(harness, response, 400, None, "multipart/form-data")


def test_submit_multipart_without_boundary_is_400(harness: Harness) -> None:
    response = harness.client("submit_request").post("/", data=b"garbage", content_type="multipart/form-data")
    assert_refused(harness, response, 400, None, "multipart")


def test_submit_truncated_multipart_is_400(harness: Harness) -> None:
    body = b'--xyz\r\nContent-Disposition: form-data; name="opd"\r\n\r\nDinas'
    response = harness.client("submit_request").post("/", data=body, content_type="multipart/form-data; boundary=xyz")
    assert_refused(harness, response, 400, None, "tidak dapat dibaca")


def test_submit_chunked_body_over_the_limit_is_413(harness: Harness) -> None:
    # No Content-Length (chunked transfer): the limit is enforced while reading.
    big = b'--xyz\r\nContent-Disposition: form-data; name="opd"\r\n\r\n' + b"a" * (7 * 1024 * 1024)
    response = harness.client("submit_request").post(
        "/",
        input_stream=io.BytesIO(big),
        content_type="multipart/form-data; boundary=xyz",
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert_refused(harness, response, 413, "opd", "200 karakter")


def test_submit_chunked_body_over_the_limit_in_an_unknown_part_is_413(harness: Harness) -> None:
    big = b'--xyz\r\nContent-Disposition: form-data; name="lampiran"; filename="x.bin"\r\n\r\n' + b"a" * (7 * 2**20)
    response = harness.client("submit_request").post(
        "/",
        input_stream=io.BytesIO(big),
        content_type="multipart/form-data; boundary=xyz",
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert_refused(harness, response, 413, None, "terlalu besar")


def test_submit_get_is_405(harness: Harness) -> None:
    response = harness.client("submit_request").get("/")
    assert_refused(harness, response, 405, None, "POST")


def test_submit_urlencoded_without_file_names_the_letter(harness: Harness) -> None:
    response = harness.client("submit_request").post("/", data=valid_fields())
    assert_refused(harness, response, 422, "letter", "wajib")


def test_submit_honeypot_answers_201_but_stores_and_sends_nothing(harness: Harness) -> None:
    response = harness.submit(valid_fields(website="http://spam.example"), one_page_pdf())
    assert response.status_code == 201
    assert response.get_json()["status"] == "submitted"
    harness.assert_nothing_stored_or_sent()


def test_submit_browser_without_javascript_gets_html(harness: Harness) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    ok = harness.submit(valid_fields(), one_page_pdf(), headers={"Accept": accept})
    assert ok.status_code == 201 and ok.mimetype == "text/html"
    assert "VC-2026-000001" in ok.get_data(as_text=True)
    bad = harness.submit(valid_fields(contact_email="x"), one_page_pdf(), headers={"Accept": accept})
    assert bad.status_code == 422 and "Alamat email tidak valid" in bad.get_data(as_text=True)


# ---- numbering and outbox -----------------------------------------------------------------------------------


def test_submit_twenty_concurrent_requests_get_twenty_numbers(any_store_harness: Harness) -> None:
    harness = any_store_harness
    letter = one_page_pdf()

    def submit(n: int) -> str:
        response = harness.submit(valid_fields(event_name=f"Rapat {n}", contact_email=f"kontak{n}@x.go.id"), letter)
        assert response.status_code == 201, response.get_data(as_text=True)
        return str(response.get_json()["id"])

    with ThreadPoolExecutor(max_workers=20) as pool:
        ids = list(pool.map(submit, range(20)))

    assert sorted(ids) == [f"VC-2026-{n:06d}" for n in range(1, 21)]
    assert len(harness.all_requests()) == 20
    assert len(harness.sent_mail()) == 60


def test_submit_numbers_restart_each_year(make_harness: HarnessFactory) -> None:
    harness = make_harness(now=dt.datetime(2026, 12, 31, 23, 30, tzinfo=WIB))
    first = harness.submit_valid(start="2027-01-12T09:00", end="2027-01-12T10:00", letter_date="2026-12-30")
    harness.clock.now = dt.datetime(2027, 1, 1, 0, 30, tzinfo=WIB).astimezone(dt.UTC)
    second = harness.submit_valid(start="2027-01-13T09:00", end="2027-01-13T10:00", letter_date="2026-12-30")
    assert (first["id"], second["id"]) == ("VC-2026-000001", "VC-2027-000001")


@pytest.mark.parametrize("field", ["opd", "event_name", "contact_name", "letter_number", "contact_email"])
@pytest.mark.parametrize("breaker", ["\n", "\r", "\u2028", "\u2029"])
def test_submit_single_line_fields_refuse_line_breaks(harness: Harness, field: str, breaker: str) -> None:
    response = harness.submit(valid_fields(**{field: f"Baris satu{breaker}Bcc: evil@x.id"}), one_page_pdf())
    assert_refused(harness, response, 422, field)


@pytest.mark.parametrize("spoof", ["\u202e", "\u2066", "\x85", "\x1b"])
def test_submit_bidi_overrides_and_c1_controls_are_refused(harness: Harness, spoof: str) -> None:
    response = harness.submit(valid_fields(event_name=f"Rapat {spoof}fdp.exe"), one_page_pdf())
    assert_refused(harness, response, 422, "event_name", "karakter")


def test_submit_multiline_fields_keep_their_lines(harness: Harness) -> None:
    body = harness.submit_valid(speakers="Narasumber 1\r\nNarasumber 2", needs_notes="a\nb")
    record = harness.store.get_request(body["id"])
    assert record is not None and record.speakers == "Narasumber 1\nNarasumber 2"


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        ("9999-12-31T23:00", "9999-12-31T23:59", ("paling jauh",)),
        ("2027-12-02T09:00", "2027-12-02T10:00", ("paling jauh",)),
        ("0001-01-01T00:00", "0001-01-01T01:00", ("rentang",)),
    ],
)
def test_submit_dates_far_away_are_refused_without_taking_a_number(
    harness: Harness, start: str, end: str, words: tuple[str]
) -> None:
    response = harness.submit(valid_fields(start=start, end=end), one_page_pdf())
    assert_refused(harness, response, 422, "start", *words)
    assert harness.submit_valid()["id"] == "VC-2026-000001"


def test_submit_honeypot_answer_looks_like_a_real_one(harness: Harness) -> None:
    decoy = harness.submit(valid_fields(website="x"), one_page_pdf()).get_json()
    real = harness.submit_valid()
    assert set(decoy) == set(real)
    assert "token=" in decoy["status_url"]
    query = dict(item.split("=", 1) for item in decoy["status_url"].split("?", 1)[1].split("&"))
    assert harness.client("request_status").get("/", query_string=query).status_code == 403


# ---- perangkat daerah from OPD_LIST (docs/decisions/0013-opd-list.md) ----------------------------------------------


def test_submit_listed_opd_is_stored_as_listed(harness: Harness) -> None:
    body = harness.submit_valid(opd="Dinas Kesehatan")
    record = harness.store.get_request(body["id"])
    assert record is not None and (record.opd, record.opd_other) == ("Dinas Kesehatan", "")


def test_submit_opd_case_and_spacing_variant_is_stored_in_the_lists_spelling(harness: Harness) -> None:
    body = harness.submit_valid(opd="  dinas   KESEHATAN ")
    record = harness.store.get_request(body["id"])
    assert record is not None and record.opd == "Dinas Kesehatan"


def test_submit_opd_not_on_the_list_is_refused_naming_opd(harness: Harness) -> None:
    response = harness.submit(valid_fields(opd="Dinas Kesehatan Hewan Kuningan"), one_page_pdf())
    assert_refused(harness, response, 422, "opd", "Perangkat daerah", "daftar", "Lainnya")


def test_submit_opd_other_without_its_name_is_refused_naming_opd_other(harness: Harness) -> None:
    response = harness.submit(valid_fields(opd="Lainnya", opd_other="   "), one_page_pdf())
    assert_refused(harness, response, 422, "opd_other", "wajib diisi", "Lainnya")


def test_submit_opd_other_with_its_name_is_stored_apart_from_the_list(harness: Harness) -> None:
    body = harness.submit_valid(opd="lainnya", opd_other=" Forum  CSR Kabupaten ")
    record = harness.store.get_request(body["id"])
    assert record is not None and (record.opd, record.opd_other) == ("Lainnya", "Forum CSR Kabupaten")
    verifier_mail = next(m for m in harness.sent_mail() if m["To"] == "verifikator.satu@diskominfo.example")
    assert "Lainnya: Forum CSR Kabupaten" in verifier_mail.get_body(("plain",)).get_content()


def test_submit_opd_other_beside_a_listed_opd_is_not_stored(harness: Harness) -> None:
    # The form hides the field again when the requester picks a listed name; a leftover value means nothing.
    body = harness.submit_valid(opd="Dinas Kesehatan", opd_other="Sisa isian")
    record = harness.store.get_request(body["id"])
    assert record is not None and record.opd_other == ""


def test_submit_opd_list_is_the_configured_one(make_harness: HarnessFactory, tmp_path: Path) -> None:
    path = tmp_path / "opd-kuningan.txt"
    path.write_text("Dinas Kesehatan\nKecamatan Cilimus\n", encoding="utf-8")
    harness = make_harness(OPD_LIST=str(path))
    assert harness.submit(valid_fields(opd="Kecamatan Cilimus"), one_page_pdf()).status_code == 201
    refused = harness.submit(valid_fields(opd="Kecamatan Majalengka"), one_page_pdf())
    assert refused.status_code == 422 and "opd" in errors_of(refused)


def test_intake_options_carry_the_opd_list_and_the_identity(make_harness: HarnessFactory) -> None:
    harness = make_harness(REGENCY_NAME="Kabupaten Kuningan", CONTACT_EMAIL="diskominfo@kuningankab.go.id")
    options = harness.client("intake_options").get("/").get_json()
    assert options["opd_list"] == list(harness.core.settings.opd_list)
    assert "Dinas Kesehatan" in options["opd_list"] and options["opd_other"] == "Lainnya"
    assert options["limits"]["opd_other"] == 200
    assert options["identity"] == {
        "regency_name": "Kabupaten Kuningan",
        "office_name": "Dinas Komunikasi dan Informatika Kabupaten Kuningan",
        "office_short_name": "Diskominfo",
        "contact_email": "diskominfo@kuningankab.go.id",
        "pic_phone": "",
        "pic_whatsapp": "",
        "pic_whatsapp_url": "",
        "logo_url": "assets/logo.svg",
    }


def test_submit_with_too_many_parts_says_so(harness: Harness) -> None:
    fields = valid_fields()
    fields["needs"] = ["polling"] * 1_000  # 1,000 small parts: tens of KiB, far below the body limit
    response = harness.submit(fields, one_page_pdf())
    assert_refused(harness, response, 413, None, "terlalu banyak isian")
