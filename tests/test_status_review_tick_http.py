"""request_status, review_request (read-only) and scheduled_tick through the Functions Framework."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from tests.harness import Harness, HarnessFactory, valid_fields
from tests.pdfs import one_page_pdf
from vicon.mail import FolderMailSink, SmtpMailer

if TYPE_CHECKING:
    from tests.servers_mail_blobs import SmtpServer


def status_params(status_url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(status_url).query).items()}


def review_token(harness: Harness) -> str:
    for mail in harness.sent_mail():
        for line in mail.get_body(("plain",)).get_content().splitlines():
            if "/api/review_request?token=" in line:
                return line.strip().split("token=", 1)[1]
    raise AssertionError("no review link mailed")


def test_status_answers_the_contract_json(harness: Harness) -> None:
    body = harness.submit_valid()
    response = harness.client("request_status").get("/", query_string=status_params(body["status_url"]))

    assert response.status_code == 200
    status = response.get_json()
    assert status["id"] == body["id"]
    assert status["status"] == "submitted"
    assert status["meeting"] is None
    assert status["history"] == [{"status": "submitted", "at": "2026-11-30T02:00:00Z", "label": "Diajukan"}]
    assert status["start"] == "2026-12-02T02:00:00Z"
    assert "start_url" not in response.get_data(as_text=True)


def test_status_refuses_missing_tampered_foreign_and_expired_tokens(harness: Harness) -> None:
    first = status_params(harness.submit_valid()["status_url"])
    second = status_params(harness.submit_valid()["status_url"])
    client = harness.client("request_status")

    missing = client.get("/", query_string={"id": first["id"]})
    assert missing.status_code == 400 and "token" in missing.get_json()["errors"][0]["message"]
    tampered = client.get("/", query_string={"id": first["id"], "token": first["token"][:-2] + "xx"})
    assert tampered.status_code == 403 and "tidak valid" in tampered.get_json()["errors"][0]["message"]
    foreign = client.get("/", query_string={"id": first["id"], "token": second["token"]})
    assert foreign.status_code == 403
    garbage = client.get("/", query_string={"id": first["id"], "token": "ü.ü"})
    assert garbage.status_code == 403

    # The link works until 90 days after the event (2 December 2026, 11:30 WIB).
    harness.clock.now = dt.datetime(2027, 3, 2, 4, 29, tzinfo=dt.UTC)
    assert client.get("/", query_string=first).status_code == 200
    harness.clock.now = dt.datetime(2027, 3, 2, 4, 31, tzinfo=dt.UTC)
    expired = client.get("/", query_string=first)
    assert expired.status_code == 410 and "kedaluwarsa" in expired.get_json()["errors"][0]["message"]


def test_status_post_is_405(harness: Harness) -> None:
    assert harness.client("request_status").post("/").status_code == 405


def test_review_bad_tokens_get_a_4xx_page(harness: Harness) -> None:
    body = harness.submit_valid()
    token = review_token(harness)
    client = harness.client("review_request")

    assert client.get("/").status_code == 403
    tampered = client.get("/", query_string={"token": token.replace(".", ".x", 1)})
    assert tampered.status_code == 403 and "tidak valid" in tampered.get_data(as_text=True)
    status_token = status_params(body["status_url"])["token"]  # signed, but for another purpose
    assert client.get("/", query_string={"token": status_token}).status_code == 403
    harness.clock.now = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)  # the event has started
    expired = client.get("/", query_string={"token": token})
    assert expired.status_code == 410 and "kedaluwarsa" in expired.get_data(as_text=True)


def test_tick_delivers_mail_held_while_the_mail_server_was_down(
    make_harness: HarnessFactory, closed_port: int, smtp_plain_server: SmtpServer
) -> None:
    # The mail server is down (nothing listens on its port) during the submission and the first tick.
    harness = make_harness(mailer=SmtpMailer("127.0.0.1", closed_port, "none", None, None, timeout=3))

    response = harness.submit(valid_fields(), one_page_pdf())

    assert response.status_code == 201
    request_id = response.get_json()["id"]
    assert harness.store.get_request(request_id) is not None
    assert len(harness.store.pending_mail(request_id)) == 3

    tick = harness.client("scheduled_tick")
    harness.clock.now += dt.timedelta(minutes=1)  # the scheduler's interval
    assert tick.post("/").get_json()["mail"] == {"sent": 0, "failed": 3}  # still down: nothing lost

    harness.core.mailer = SmtpMailer(smtp_plain_server.host, smtp_plain_server.port, "none", None, None, timeout=3)
    harness.clock.now += dt.timedelta(minutes=1)
    assert tick.post("/").get_json()["mail"] == {"sent": 3, "failed": 0}
    assert tick.post("/").get_json()["mail"] == {"sent": 0, "failed": 0}  # delivered twice? never
    assert len(smtp_plain_server.received) == 3
    assert harness.store.pending_mail() == []


def test_tick_only_accepts_post(harness: Harness) -> None:
    assert harness.client("scheduled_tick").get("/").status_code == 405


def test_intake_options_tell_the_form_the_rules(harness: Harness) -> None:
    options = harness.client("intake_options").get("/").get_json()
    assert options["today"] == "2026-11-30"
    assert options["earliest_event_date"] == "2026-12-02"
    assert options["timezone_label"] == "WIB"
    assert options["max_participants"] == 300
    assert options["max_letter_bytes"] == 5 * 1024 * 1024


class MailerThatChokesOn:
    """A sink that fails, with an unexpected exception, on one subject: a message that cannot be built or sent."""

    def __init__(self, sink: FolderMailSink, subject_part: str) -> None:
        self.sink = sink
        self.subject_part = subject_part

    def send(self, message: EmailMessage, timeout: float | None = None) -> None:
        if self.subject_part in str(message["Subject"]):
            raise ValueError("cannot encode this message")
        self.sink.send(message)


def test_one_mail_that_cannot_be_sent_never_blocks_the_others(make_harness: HarnessFactory, tmp_path: Path) -> None:
    sink = FolderMailSink(tmp_path / "sink")
    harness = make_harness(mailer=MailerThatChokesOn(sink, "Tanda terima"))

    response = harness.submit(valid_fields(), one_page_pdf())

    assert response.status_code == 201  # stored, so it is answered as stored
    assert len(sink.list_messages()) == 2  # both verifiers
    [stuck] = harness.store.pending_mail()
    assert stuck.attempts == 1 and "ValueError" in (stuck.last_error or "")
    second = harness.submit(valid_fields(event_name="Rapat kedua"), one_page_pdf())
    assert second.status_code == 201
    tick = harness.client("scheduled_tick").post("/")
    assert tick.status_code == 200
    assert len(sink.list_messages()) == 4
    assert len(harness.store.pending_mail()) == 2  # the two receipts wait, with their error, and back off
