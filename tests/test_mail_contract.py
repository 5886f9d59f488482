"""One contract for every Mailer: SmtpMailer against real aiosmtpd servers (plain, STARTTLS, SSL) and the sink."""

from __future__ import annotations

import datetime as dt
import os
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from vicon.mail import FolderMailSink, SmtpMailer
from vicon.ports import MailDeliveryError, Mailer

if TYPE_CHECKING:
    # Only for annotations: importing the plugin module before pytest registers it defeats assert rewriting.
    from tests.servers_mail_blobs import SilentServer, SmtpServer, SmtpTls


SUBJECT = "Permohonan diterima – nomor VC-2026-000001"
SENDER = "Vicon Diskominfo <vicon@diskominfo.example>"
TO = ("Budi Santoso <budi@pemda-contoh.go.id>", "sekretariat@pemda-contoh.go.id")
CC = ("verifikator@diskominfo.example",)
TEXT = "Yth. Bapak/Ibu,\n\nPermohonan rapat daring Anda telah kami terima – terima kasih.\nSalam hangat.\n"
HTML = "<p>Yth. Bapak/Ibu,</p><p>Permohonan rapat daring Anda telah kami <b>terima</b> – terima kasih.</p>\n"
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 64 + b"\n%%EOF\n"


def make_message() -> EmailMessage:
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = ", ".join(TO)
    message["Cc"] = ", ".join(CC)
    message["Subject"] = SUBJECT
    message.set_content(TEXT)
    message.add_alternative(HTML, subtype="html")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="tanda-terima VC-2026-000001.pdf")
    return message


@dataclass
class Delivery:
    recipients: tuple[str, ...]
    message: EmailMessage


@dataclass
class MailerUnderTest:
    mailer: Mailer
    delivered: Callable[[], list[Delivery]]


def _smtp_under_test(server: SmtpServer, tls: SmtpTls) -> MailerUnderTest:
    mailer = SmtpMailer(
        server.host,
        server.port,
        server.security,
        server.username,
        server.password,
        timeout=5.0,
        ssl_context=tls.client_context,
    )
    return MailerUnderTest(mailer, lambda: [Delivery(r.rcpt_tos, r.message) for r in server.received])


def _sink_under_test(folder: Path) -> MailerUnderTest:
    sink = FolderMailSink(folder)

    def delivered() -> list[Delivery]:
        found = []
        for summary in reversed(sink.list_messages()):
            message = sink.get_message(summary.id)
            assert message is not None
            found.append(Delivery(summary.to, message))
        return found

    return MailerUnderTest(sink, delivered)


@pytest.fixture(params=["smtp-plain", "smtp-starttls", "smtp-ssl", "folder-sink"])
def mail_port(request: pytest.FixtureRequest, tmp_path: Path) -> MailerUnderTest:
    if request.param == "folder-sink":
        return _sink_under_test(tmp_path / "mail")
    server_fixture = {
        "smtp-plain": "smtp_plain_server",
        "smtp-starttls": "smtp_starttls_server",
        "smtp-ssl": "smtp_ssl_server",
    }[request.param]
    return _smtp_under_test(request.getfixturevalue(server_fixture), request.getfixturevalue("smtp_tls"))


def _normalise(text: str) -> str:
    # SMTP carries CRLF line ends; the content is the same either way.
    return text.replace("\r\n", "\n")


# --- contract -------------------------------------------------------------------------------------------


def test_message_arrives_intact(mail_port: MailerUnderTest) -> None:
    mail_port.mailer.send(make_message())

    [delivery] = mail_port.delivered()
    assert sorted(delivery.recipients) == sorted(
        ["budi@pemda-contoh.go.id", "sekretariat@pemda-contoh.go.id", "verifikator@diskominfo.example"]
    )
    got = delivery.message
    assert got["Subject"] == SUBJECT
    assert got["From"] == SENDER
    assert [a.addr_spec for a in got["To"].addresses] == ["budi@pemda-contoh.go.id", "sekretariat@pemda-contoh.go.id"]
    assert got["To"].addresses[0].display_name == "Budi Santoso"

    plain = got.get_body(preferencelist=("plain",))
    html = got.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    assert _normalise(plain.get_content()) == TEXT
    assert _normalise(html.get_content()) == HTML

    [attachment] = list(got.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "tanda-terima VC-2026-000001.pdf"
    assert attachment.get_content() == PDF


def test_several_messages_each_arrive_once(mail_port: MailerUnderTest) -> None:
    for n in range(1, 4):
        message = make_message()
        message.replace_header("Subject", f"Pengingat {n} – VC-2026-00000{n}")
        mail_port.mailer.send(message)

    subjects = sorted(d.message["Subject"] for d in mail_port.delivered())
    assert subjects == [f"Pengingat {n} – VC-2026-00000{n}" for n in range(1, 4)]


# --- SmtpMailer -----------------------------------------------------------------------------------------


def test_smtp_logs_in_over_tls(
    smtp_starttls_server: SmtpServer, smtp_ssl_server: SmtpServer, smtp_tls: SmtpTls
) -> None:
    for server in (smtp_starttls_server, smtp_ssl_server):
        _smtp_under_test(server, smtp_tls).mailer.send(make_message())
        [received] = server.received
        assert received.authenticated
        assert received.tls


def test_smtp_wrong_password_is_a_delivery_error(smtp_starttls_server: SmtpServer, smtp_tls: SmtpTls) -> None:
    mailer = SmtpMailer(
        smtp_starttls_server.host,
        smtp_starttls_server.port,
        "starttls",
        smtp_starttls_server.username,
        "salah",
        timeout=5.0,
        ssl_context=smtp_tls.client_context,
    )
    with pytest.raises(MailDeliveryError, match="login refused") as caught:
        mailer.send(make_message())
    assert "salah" not in str(caught.value)
    assert smtp_starttls_server.received == []


def test_smtp_wrong_password_over_ssl_is_a_delivery_error(smtp_ssl_server: SmtpServer, smtp_tls: SmtpTls) -> None:
    mailer = SmtpMailer(
        smtp_ssl_server.host,
        smtp_ssl_server.port,
        "ssl",
        "orang-lain@diskominfo.example",
        smtp_ssl_server.password,
        timeout=5.0,
        ssl_context=smtp_tls.client_context,
    )
    with pytest.raises(MailDeliveryError, match="login refused"):
        mailer.send(make_message())
    assert smtp_ssl_server.received == []


@pytest.mark.parametrize("security", ["none", "starttls", "ssl"])
def test_smtp_server_down_is_a_delivery_error_naming_the_server(security: str, closed_port: int) -> None:
    mailer = SmtpMailer("127.0.0.1", closed_port, security, "u", "p", timeout=5.0)
    with pytest.raises(MailDeliveryError, match=f"127.0.0.1:{closed_port}.*refused"):
        mailer.send(make_message())


def test_smtp_unresponsive_server_times_out(silent_smtp_server: SilentServer) -> None:
    # Accepts the TCP connection but never sends a greeting.
    mailer = SmtpMailer("127.0.0.1", silent_smtp_server.port, "none", None, None, timeout=0.3)
    with pytest.raises(MailDeliveryError, match="timed out"):
        mailer.send(make_message())
    assert len(silent_smtp_server.connections) == 1


def test_smtp_send_timeout_caps_the_mailers_own(silent_smtp_server: SilentServer) -> None:
    mailer = SmtpMailer("127.0.0.1", silent_smtp_server.port, "none", None, None, timeout=30.0)
    with pytest.raises(MailDeliveryError, match="timed out"):
        mailer.send(make_message(), timeout=0.3)  # without the cap this would wait 30 s


def test_smtp_without_username_never_logs_in(
    smtp_plain_server: SmtpServer, smtp_starttls_server: SmtpServer, smtp_tls: SmtpTls
) -> None:
    # The plain server offers no AUTH at all, so any login attempt would fail the send.
    SmtpMailer(smtp_plain_server.host, smtp_plain_server.port, "none", None, None, timeout=5.0).send(make_message())
    [received] = smtp_plain_server.received
    assert not received.authenticated
    assert not received.tls

    # This server offers AUTH but does not require it; a mailer without a username must not use it.
    mailer = SmtpMailer(
        smtp_starttls_server.host,
        smtp_starttls_server.port,
        "starttls",
        None,
        "diabaikan",
        timeout=5.0,
        ssl_context=smtp_tls.client_context,
    )
    mailer.send(make_message())
    [received] = smtp_starttls_server.received
    assert not received.authenticated


def test_smtp_refuses_untrusted_certificate(smtp_ssl_server: SmtpServer, smtp_starttls_server: SmtpServer) -> None:
    # The default context trusts the system CAs, not the throwaway test CA.
    for server in (smtp_ssl_server, smtp_starttls_server):
        mailer = SmtpMailer(server.host, server.port, server.security, server.username, server.password, timeout=5.0)
        with pytest.raises(MailDeliveryError, match="TLS failed"):
            mailer.send(make_message())
        assert server.received == []


def test_smtp_plain_against_server_requiring_starttls_fails(smtp_starttls_server: SmtpServer) -> None:
    mailer = SmtpMailer(smtp_starttls_server.host, smtp_starttls_server.port, "none", None, None, timeout=5.0)
    with pytest.raises(MailDeliveryError):
        mailer.send(make_message())
    assert smtp_starttls_server.received == []


def test_smtp_rejects_unknown_security_mode() -> None:
    with pytest.raises(ValueError):
        SmtpMailer("127.0.0.1", 25, "tls", None, None)


def test_smtp_default_context_refuses_a_certificate_from_an_unknown_ca_and_accepts_it_with_that_ca(
    smtp_ssl_server: SmtpServer, smtp_tls: SmtpTls
) -> None:
    # Our mailer with no context of its own (production) against a real TLS server whose certificate comes
    # from a CA the system does not know: refused before anything is sent.
    mailer = SmtpMailer(
        smtp_ssl_server.host, smtp_ssl_server.port, "ssl", smtp_ssl_server.username, smtp_ssl_server.password
    )
    with pytest.raises(MailDeliveryError, match=r"TLS failed.*CERTIFICATE_VERIFY_FAILED"):
        mailer.send(make_message())
    assert smtp_ssl_server.received == []

    # The same default verification, trusting that CA: accepted.
    with smtp_tls.ca.cert_pem.tempfile() as ca_file:
        trusting = ssl.create_default_context(cafile=ca_file)
    mailer = SmtpMailer(
        smtp_ssl_server.host,
        smtp_ssl_server.port,
        "ssl",
        smtp_ssl_server.username,
        smtp_ssl_server.password,
        ssl_context=trusting,
    )
    mailer.send(make_message())
    assert len(smtp_ssl_server.received) == 1


def test_smtp_refuses_a_trusted_certificate_for_another_host(smtp_tls: SmtpTls) -> None:
    # Signed by the trusted CA, but issued to another name: hostname checking must refuse it.
    from tests.servers_mail_blobs import PortZeroController, RecordingHandler

    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    smtp_tls.ca.issue_cert("mail.lain.example").configure_cert(server_context)
    handler = RecordingHandler()
    controller = PortZeroController(handler, ssl_context=server_context)
    controller.start()
    try:
        mailer = SmtpMailer("127.0.0.1", controller.port, "ssl", None, None, ssl_context=smtp_tls.client_context)
        with pytest.raises(MailDeliveryError, match="TLS failed"):
            mailer.send(make_message())
    finally:
        controller.stop()
    assert handler.received == []


# --- FolderMailSink -------------------------------------------------------------------------------------


def test_sink_lists_newest_first_with_summary(tmp_path: Path) -> None:
    sink = FolderMailSink(tmp_path / "mail")
    assert sink.list_messages() == []
    before = dt.datetime.now(dt.UTC)
    for n in range(5):
        message = make_message()
        message.replace_header("Subject", f"Surat {n}")
        message["Bcc"] = "arsip@diskominfo.example"
        sink.send(message)

    listed = sink.list_messages()
    assert [m.subject for m in listed] == [f"Surat {n}" for n in reversed(range(5))]
    assert len({m.id for m in listed}) == 5
    first = listed[0]
    assert first.sender == SENDER
    assert first.to == (
        "budi@pemda-contoh.go.id",
        "sekretariat@pemda-contoh.go.id",
        "verifikator@diskominfo.example",
        "arsip@diskominfo.example",
    )
    assert before - dt.timedelta(seconds=1) <= first.date <= dt.datetime.now(dt.UTC)
    assert [m.subject for m in sink.list_messages(limit=2)] == ["Surat 4", "Surat 3"]


def test_sink_writes_eml_files_only(tmp_path: Path) -> None:
    sink = FolderMailSink(tmp_path)
    for _ in range(20):
        sink.send(make_message())
    names = os.listdir(tmp_path)
    assert len(names) == 20
    assert all(name.endswith(".eml") for name in names)
    assert sorted(names) == sorted(f"{m.id}.eml" for m in sink.list_messages())


def test_sink_get_message_refuses_unknown_and_path_like_ids(tmp_path: Path) -> None:
    sink = FolderMailSink(tmp_path / "mail")
    sink.send(make_message())
    (tmp_path / "rahasia.eml").write_bytes(b"Subject: jangan\n\nx\n")
    [summary] = sink.list_messages()
    assert sink.get_message(summary.id) is not None
    assert sink.get_message("20990101T000000000000Z-000000000000") is None
    for bad in ("../rahasia", "", summary.id + "/..", "../mail/" + summary.id, summary.id + ".eml"):
        assert sink.get_message(bad) is None


def test_sink_ignores_foreign_files(tmp_path: Path) -> None:
    sink = FolderMailSink(tmp_path)
    (tmp_path / "catatan.eml").write_bytes(b"Subject: bukan dari sink\n\nx\n")
    (tmp_path / ".20260101T000000000000Z-abcdefabcdef.tmp").write_bytes(b"setengah")
    sink.send(make_message())
    assert [m.subject for m in sink.list_messages()] == [SUBJECT]
