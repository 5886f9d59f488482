"""What leaves the service as mail: headers no user text can change, stable ids, calendar parts, the outbox rules.

Mail goes over real SMTP (aiosmtpd) where the message on the wire matters.
"""

from __future__ import annotations

import datetime as dt
import logging
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

import pytest
from icalendar import Calendar

from tests.harness import VERIFIERS, Harness, HarnessFactory, valid_fields
from tests.pdfs import one_page_pdf
from vicon import mailing
from vicon.mail import SmtpMailer
from vicon.mailing import MAX_ATTEMPTS, deliver_due_mail, encoded_words, header_text
from vicon.ports import AuditEntry, OutgoingMail
from vicon.records import RequestChanges, RequestRecord, StoredMeeting

if TYPE_CHECKING:
    from tests.servers_mail_blobs import SilentServer, SmtpServer

# CVE-2024-6923: Python 3.11.7's header refolding decodes this and writes the CRLFs back raw.
EVIL = "=?utf-8?q?Rapat=0D=0ABcc:_evil=40attacker.example=0D=0AReply-To:_evil=40attacker.example?="
NEUTRAL = header_text(EVIL)
SUPERVISOR = "kabid@diskominfo.example"
OPERATOR = "operator@diskominfo.example"
ALLOWED_HEADERS = {
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "auto-submitted",
    "mime-version",
    "content-type",
    # added by aiosmtpd on receipt, not by us
    "x-peer",
    "x-mailfrom",
    "x-rcptto",
}
MEETING_ID = 81234567890


def scheduled(record: RequestRecord) -> RequestRecord:
    """`record` with a meeting at its own times, as provisioning records it."""
    meeting = StoredMeeting(
        id=MEETING_ID,
        uuid="aDYlohsHRtCd4ii1uC2+hA==",
        host="host@vicon.example",
        join_url=f"https://zoom.us/j/{MEETING_ID}?pwd=abc",
        passcode="123456",
        start=record.start,
        end=record.end,
    )
    return RequestChanges(meeting=meeting).applied_to(record)


def smtp_harness(make_harness: HarnessFactory, server: SmtpServer, **env: str) -> Harness:
    mailer = SmtpMailer(server.host, server.port, "none", None, None, timeout=5)
    return make_harness(mailer=mailer, SUPERVISOR_EMAILS=SUPERVISOR, OPERATOR_EMAILS=OPERATOR, **env)


def queue(harness: Harness, request_id: str, mails: list[OutgoingMail]) -> None:
    """Store mails as the core does (with an audit entry) and let the inline delivery send them."""
    harness.store.record_audit(AuditEntry(request_id, harness.clock(), "sistem", "test", None, None, {}), mails)
    harness.core.deliver_mail(request_id)


def test_user_text_cannot_add_headers_recipients_or_parts_to_any_mail(
    make_harness: HarnessFactory, smtp_plain_server: SmtpServer
) -> None:
    harness = smtp_harness(make_harness, smtp_plain_server)
    request_id = harness.submit_valid(event_name=EVIL)["id"]
    record = harness.store.get_request(request_id)
    assert record is not None and record.event_name == EVIL  # stored as typed; only headers neutralise it
    with_meeting = scheduled(record)
    mails = harness.core.mails
    queue(harness, request_id, mails.provisioned(with_meeting))
    failed = RequestChanges(provisioning_error=EVIL, provisioning_attempts=5).applied_to(record)
    queue(harness, request_id, mails.provisioning_failed(failed))
    queue(harness, request_id, mails.provisioning_failed(failed, final=True))
    queue(harness, request_id, mails.rejected(RequestChanges(decision_reason=EVIL).applied_to(record)))
    queue(harness, request_id, mails.cancelled(with_meeting))

    received = smtp_plain_server.received
    kinds = {
        "Permohonan baru": 2,  # the verifiers, with the letter
        "Tanda terima": 1,
        "Zoom Meeting siap": 1,  # with the invitation
        "Meeting dijadwalkan": 1,
        "Pembuatan meeting tertunda": 3,
        "Meeting gagal dibuat": 4,  # verifiers, the supervisor and the requester
        "Permohonan ditolak": 1,
        "Permohonan dibatalkan": 4,  # verifiers, the operator, the requester (with the cancellation)
    }
    assert len(received) == sum(kinds.values())
    assert harness.store.pending_mail() == []
    for kind, count in kinds.items():
        assert sum(kind in str(r.message["Subject"]) for r in received) == count, kind
    for mail in received:
        message = mail.message
        names = {name.lower() for name in message}
        assert names <= ALLOWED_HEADERS, sorted(names - ALLOWED_HEADERS)
        assert all(len(message.get_all(name, [])) == 1 for name in names)
        assert "evil@attacker.example" not in mail.rcpt_tos
        assert list(mail.rcpt_tos) == [a.addr_spec for a in message["To"].addresses]
        assert len(mail.rcpt_tos) == 1
        subject = str(message["Subject"])
        assert "\n" not in subject and "\r" not in subject and "=?" not in subject
        if "Tanda terima" not in subject:
            assert NEUTRAL in subject
        assert message.get_body(("plain",)) is not None and message.get_body(("html",)) is not None
        attachments = [part.get_filename() for part in message.iter_attachments()]
        if "Permohonan baru" in subject:
            assert attachments == [f"surat-permohonan-{request_id}.pdf"]
        elif "Zoom Meeting siap" in subject:
            assert attachments == [f"undangan-{request_id}.ics"]
        elif "dibatalkan" in subject and mail.rcpt_tos == ("budi.santoso@dinkes.example.go.id",):
            assert attachments == [f"batal-{request_id}.ics"]
        else:
            assert attachments == []
        for part in message.walk():
            assert {name.lower() for name in part} <= ALLOWED_HEADERS | {
                "content-transfer-encoding",
                "content-disposition",
            }


def test_subject_is_sent_as_encoded_words_that_the_policy_never_refolds() -> None:
    text = "[Vicon] Permohonan baru VC-2026-000001: " + "Rapat Koordinasi Ünsur Daerah – " * 4
    folded = encoded_words(text)
    lines = folded.split("\n")
    assert all(line.lstrip().startswith("=?utf-8?b?") and line.endswith("?=") for line in lines)
    assert len("Subject: ") + len(lines[0]) <= 78 and all(len(line) <= 78 for line in lines)
    message = EmailMessage()
    message.set_raw("Subject", folded)
    assert str(message["Subject"]) == text


def test_every_mail_is_auto_submitted_with_one_message_id_per_entry_on_the_sender_domain(
    make_harness: HarnessFactory, closed_port: int, smtp_plain_server: SmtpServer
) -> None:
    harness = make_harness(mailer=SmtpMailer("127.0.0.1", closed_port, "none", None, None, timeout=3))
    harness.submit_valid()
    entries = harness.store.pending_mail()
    assert len(entries) == 3
    tick = harness.client("scheduled_tick")
    harness.clock.now += dt.timedelta(minutes=1)
    tick.post("/")  # fails again: each entry is tried at least twice
    harness.core.mailer = SmtpMailer(smtp_plain_server.host, smtp_plain_server.port, "none", None, None, timeout=3)
    harness.clock.now += dt.timedelta(minutes=1)
    assert tick.post("/").get_json()["mail"] == {"sent": 3, "failed": 0}

    received = smtp_plain_server.received
    ids = sorted(str(r.message["Message-ID"]) for r in received)
    assert ids == sorted(f"<{entry.id}@diskominfo.example>" for entry in entries)
    assert all(r.message["Auto-Submitted"] == "auto-generated" for r in received)


def test_the_invitation_is_a_calendar_request_to_the_requester_and_the_cancellation_removes_it(
    make_harness: HarnessFactory, smtp_plain_server: SmtpServer
) -> None:
    harness = smtp_harness(make_harness, smtp_plain_server)
    request_id = harness.submit_valid()["id"]
    record = harness.store.get_request(request_id)
    assert record is not None
    with_meeting = scheduled(record)
    queue(harness, request_id, harness.core.mails.provisioned(with_meeting))
    queue(harness, request_id, harness.core.mails.cancelled(with_meeting))

    def calendar_part(subject_part: str) -> Any:
        [mail] = [
            r.message
            for r in smtp_plain_server.received
            if subject_part in str(r.message["Subject"]) and r.rcpt_tos == ("budi.santoso@dinkes.example.go.id",)
        ]
        [part] = [p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar"]
        return part

    invitation, cancellation = calendar_part("Zoom Meeting siap"), calendar_part("dibatalkan")
    for part, method in ((invitation, "REQUEST"), (cancellation, "CANCEL")):
        assert part.get_param("method") == method
        assert part.get_param("charset").upper() == "UTF-8"
    request = Calendar.from_ical(invitation.get_payload(decode=True))
    cancel = Calendar.from_ical(cancellation.get_payload(decode=True))
    assert str(request["method"]) == "REQUEST" and str(cancel["method"]) == "CANCEL"
    [event] = request.walk("VEVENT")
    [cancelled] = cancel.walk("VEVENT")
    for ev in (event, cancelled):
        attendee = ev["attendee"]
        assert str(attendee) == "mailto:budi.santoso@dinkes.example.go.id"
        assert attendee.params["CN"] == "Budi Santoso"
        assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
        assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
        assert str(ev["organizer"]) == "mailto:vicon@diskominfo.example"
    assert str(cancelled["uid"]) == str(event["uid"])
    assert cancelled.decoded("sequence") > event.decoded("sequence")
    assert str(cancelled["status"]) == "CANCELLED"


def test_a_message_that_does_not_read_back_as_intended_is_never_sent_and_staff_are_told(
    make_harness: HarnessFactory, smtp_plain_server: SmtpServer
) -> None:
    harness = smtp_harness(make_harness, smtp_plain_server)
    request_id = harness.submit_valid()["id"]
    smtp_plain_server.received.clear()
    # An address that slipped past validation (an old row, a bug elsewhere) must not reach a header.
    bad = OutgoingMail(to=("budi@example.go.id\nBcc: evil@attacker.example",), subject="x", text="x", html="<p>x</p>")
    queue(harness, request_id, [bad])

    [dead] = harness.store.dead_mail(request_id)
    assert "UnsafeMessage" in (dead.last_error or "")
    rcpts = sorted(rcpt for r in smtp_plain_server.received for rcpt in r.rcpt_tos)
    assert rcpts == []  # inline stops at the failure; the notices wait for the tick
    harness.clock.now += dt.timedelta(minutes=1)
    harness.client("scheduled_tick").post("/")
    rcpts = sorted(rcpt for r in smtp_plain_server.received for rcpt in r.rcpt_tos)
    assert rcpts == sorted([SUPERVISOR, *VERIFIERS])
    assert "evil@attacker.example" not in rcpts
    notice = smtp_plain_server.received[0].message
    assert request_id in str(notice["Subject"]) and "tidak terkirim" in str(notice["Subject"])
    body = notice.get_body(("plain",))
    assert body is not None and "budi@example.go.id" in body.get_content()


def test_after_max_attempts_a_mail_is_dead_staff_get_one_notice_and_a_dead_notice_tells_no_one(
    make_harness: HarnessFactory, closed_port: int
) -> None:
    harness = make_harness(
        mailer=SmtpMailer("127.0.0.1", closed_port, "none", None, None, timeout=3),
        SUPERVISOR_EMAILS=SUPERVISOR,
        VERIFIER_EMAILS=VERIFIERS[0],
    )
    request_id = harness.submit_valid()["id"]
    # Thirty hours pass: the request's SLA reminder and escalation (vicon.usecases.sla) would add mails of their
    # own; this test is about the two it submitted, so those jobs are finished unrun.
    later = harness.clock() + dt.timedelta(days=400)
    for claimed in harness.store.claim_due_jobs(later, dt.timedelta(minutes=5), 50, ["sla"]):
        harness.store.finish_job(claimed.job.key, claimed.lease, harness.clock())
    tick = harness.client("scheduled_tick")
    for _ in range(MAX_ATTEMPTS):  # the backoff never exceeds an hour
        harness.clock.now += dt.timedelta(hours=1, seconds=1)
        tick.post("/")
    dead = harness.store.dead_mail(request_id)
    assert len(dead) == 2  # the verifier's mail and the receipt
    assert all(entry.attempts == MAX_ATTEMPTS and "refused" in (entry.last_error or "") for entry in dead)
    notices = harness.store.pending_mail(request_id)
    # One notice per dead mail to each of the supervisor and the verifier; they fail too while the server is down.
    assert len(notices) == 4 and all(n.mail.kind == mailing.UNDELIVERABLE_NOTICE for n in notices)
    assert sorted(n.mail.to[0] for n in notices) == sorted([SUPERVISOR, SUPERVISOR, VERIFIERS[0], VERIFIERS[0]])

    for _ in range(MAX_ATTEMPTS):
        harness.clock.now += dt.timedelta(hours=1, seconds=1)
        tick.post("/")
    assert len(harness.store.dead_mail(request_id)) == 6  # the notices died too …
    assert harness.store.pending_mail() == []  # … and told no one: no notice about a notice


def test_a_run_that_lost_its_lease_does_not_mark_the_mail(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    request_id = harness.submit_valid()["id"]
    harness.store.record_audit(
        AuditEntry(request_id, harness.clock(), "sistem", "test", None, None, {}),
        [OutgoingMail(to=("a@example.go.id",), subject="lambat", text="x", html="<p>x</p>")],
    )
    store = harness.store

    class SlowMailer:
        """While it sends, the lease runs out and another tick claims the entry."""

        def __init__(self) -> None:
            self.stolen: list[Any] = []

        def send(self, message: EmailMessage, timeout: float | None = None) -> None:
            later = harness.clock() + mailing.MAIL_LEASE + dt.timedelta(seconds=1)
            self.stolen += store.claim_due_mail(later, mailing.MAIL_LEASE, 1, request_id)

    slow = SlowMailer()
    with caplog.at_level(logging.WARNING, logger="vicon.mailing"):
        report = deliver_due_mail(store, harness.core.blobs, slow, "v@x.example", harness.clock(), 1, request_id)
    assert report.sent == 1
    [stolen] = slow.stolen
    [still] = store.pending_mail(request_id)
    assert still.id == stolen.id and still.lease == stolen.lease  # the other run holds it, unmarked
    assert "lease was lost" in caplog.text
    assert store.mail_sent(stolen.id, stolen.lease or "")


def test_a_tick_takes_no_new_mail_once_its_budget_is_spent(harness: Harness) -> None:
    request_id = harness.submit_valid()["id"]
    assert harness.store.pending_mail() == []  # its three mails went inline to the sink
    mails = [OutgoingMail(to=("a@example.go.id",), subject=f"m{n}", text="x", html="<p>x</p>") for n in range(5)]
    harness.store.record_audit(AuditEntry(request_id, harness.clock(), "sistem", "test", None, None, {}), mails)
    ticks = iter([0.0, 1.0, 2.0, 3.0, 100.0])  # the run starts, then checks its budget before each claim

    report = deliver_due_mail(
        harness.store,
        harness.core.blobs,
        harness.core.mailer,
        "v@diskominfo.example",
        harness.clock(),
        budget_seconds=45.0,
        monotonic=lambda: next(ticks),
    )

    assert report.sent == 3
    assert sorted(e.mail.subject for e in harness.store.pending_mail()) == ["m3", "m4"]
    assert all(e.lease is None for e in harness.store.pending_mail())  # the rest was never leased


class RecordingSmtpMailer(SmtpMailer):
    """The real SMTP client, noting the timeout each send was given."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timeouts: list[float | None] = []

    def send(self, message: EmailMessage, timeout: float | None = None) -> None:
        self.timeouts.append(timeout)
        super().send(message, timeout)


def test_a_mail_server_that_never_answers_holds_a_submission_up_once_within_the_budget(
    make_harness: HarnessFactory, silent_smtp_server: SilentServer
) -> None:
    mailer = RecordingSmtpMailer("127.0.0.1", silent_smtp_server.port, "none", None, None, timeout=10)
    harness = make_harness(mailer=mailer)

    response = harness.submit(valid_fields(), one_page_pdf())

    assert response.status_code == 201
    request_id = response.get_json()["id"]
    pending = harness.store.pending_mail(request_id)
    assert len(pending) == 3  # all three wait for the tick
    assert sorted(e.attempts for e in pending) == [0, 0, 1]
    assert "timed out" in next(e.last_error or "" for e in pending if e.attempts)
    # One send, given at most the inline budget (not the mailer's 10 s), then the rest was left to the tick.
    [timeout] = mailer.timeouts
    assert timeout is not None and timeout <= mailing.INLINE_BUDGET_SECONDS
    assert len(silent_smtp_server.connections) == 1

    # The tick uses the mailer's own timeout and keeps going past a failure.
    mailer.timeouts.clear()
    mailer.timeout = 0.2  # keep the test short: three sends against the silent server
    harness.clock.now += dt.timedelta(minutes=1)
    assert harness.client("scheduled_tick").post("/").get_json()["mail"] == {"sent": 0, "failed": 3}
    assert mailer.timeouts == [None, None, None]
