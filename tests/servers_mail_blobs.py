"""Real local servers for adapter tests: a Cloud Storage emulator and aiosmtpd SMTP servers.

Registered as a plugin in tests/conftest.py.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any, cast

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from tests.ports import START_ATTEMPTS, PortTaken, bind_failed, free_port

SMTP_USERNAME = "vicon@diskominfo.example"
SMTP_PASSWORD = "rahasia-uji-123"  # test-only credential of the local aiosmtpd server


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port with no listener, for "server down" tests: bound (so no one else takes it), never listening."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield int(s.getsockname()[1])


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never answers: a mail server that hangs.

    Counts connections; accepted sockets are held open (and closed on stop), so a client waits for its timeout.
    """

    def __init__(self) -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.settimeout(0.1)  # so the accept loop notices stop() promptly
        self.port = int(self._listener.getsockname()[1])
        self.connections: list[socket.socket] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections.append(conn)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
        self._listener.close()
        for conn in self.connections:
            conn.close()


@pytest.fixture
def silent_smtp_server() -> Iterator[SilentServer]:
    server = SilentServer()
    try:
        yield server
    finally:
        server.stop()


# --- Cloud Storage emulator ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def storage_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start gcp-storage-emulator (in memory) for the session; yields its base URL.

    A subprocess that takes its port on the command line, so the port is picked before it binds it: on a
    bind failure (another process took the port meanwhile) it is started again on a fresh port.
    """
    executable = Path(sys.executable).with_name("gcp-storage-emulator")
    for attempt in range(1, START_ATTEMPTS + 1):
        port = free_port()
        log_path = tmp_path_factory.mktemp("storage-emulator") / "emulator.log"
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                [str(executable), "start", "--host=127.0.0.1", f"--port={port}", "--in-memory", "--quiet"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            try:
                _wait_for_http_ok("127.0.0.1", port, proc, timeout=20.0, log_path=log_path)
            except PortTaken:
                if attempt == START_ATTEMPTS:
                    raise
                continue  # the finally below stops this one; the next attempt picks a fresh port
            yield f"http://127.0.0.1:{port}"
            return
        finally:
            _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def _wait_for_http_ok(host: str, port: int, proc: subprocess.Popen[bytes], timeout: float, log_path: Path) -> None:
    """Until the emulator answers its health check; PortTaken when it could not bind the port.

    The emulator does not exit when its bind fails (the server thread dies, the process waits), so its log is
    read for that, and an answer counts only when it is the emulator's own "OK" and no bind failure is logged.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if bind_failed(log_path):
            raise PortTaken(f"port {port} was taken before the storage emulator could bind it")
        if proc.poll() is not None:
            raise RuntimeError(f"storage emulator exited early:\n{log_path.read_text(errors='replace')}")
        conn = http.client.HTTPConnection(host, port, timeout=1.0)
        try:
            conn.request("GET", "/")
            response = conn.getresponse()
            if response.status == 200 and response.read() == b"OK" and not bind_failed(log_path):
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.05)
    raise RuntimeError(f"storage emulator not ready after {timeout}s:\n{log_path.read_text(errors='replace')}")


@pytest.fixture
def gcs_client_factory(storage_emulator: str, monkeypatch: pytest.MonkeyPatch) -> Callable[[], Any]:
    """Builds anonymous storage clients talking to the emulator (STORAGE_EMULATOR_HOST set for the test)."""
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", storage_emulator)

    def factory() -> Any:
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import storage  # type: ignore[attr-defined]

        return storage.Client(project="test", credentials=AnonymousCredentials())

    return factory


@pytest.fixture
def gcs_bucket(gcs_client_factory: Callable[[], Any]) -> str:
    """A fresh, empty bucket in the emulator, so tests never see each other's objects."""
    name = f"vicon-test-{uuid.uuid4().hex[:16]}"
    gcs_client_factory().create_bucket(name)
    return name


# --- SMTP servers ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedMail:
    """One message as the SMTP server got it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    authenticated: bool
    tls: bool


class RecordingHandler:
    """aiosmtpd handler that keeps every accepted message in memory."""

    def __init__(self) -> None:
        self.received: list[ReceivedMail] = []

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else str(envelope.content).encode()
        self.received.append(
            ReceivedMail(
                mail_from=str(envelope.mail_from),
                rcpt_tos=tuple(envelope.rcpt_tos),
                message=cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(content)),
                authenticated=bool(session.authenticated),
                # session.ssl is only set after STARTTLS; the transport knows about implicit TLS too.
                tls=server.transport.get_extra_info("ssl_object") is not None,
            )
        )
        return "250 Message accepted for delivery"


def _check_password(server: Any, session: Session, envelope: Envelope, mechanism: str, auth_data: Any) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == SMTP_USERNAME.encode()
        and auth_data.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@dataclass
class SmtpServer:
    """A running aiosmtpd server; `security`, `username` and `password` are what a client should use."""

    host: str
    port: int
    security: str
    username: str | None
    password: str | None
    handler: RecordingHandler = field(repr=False)

    @property
    def received(self) -> list[ReceivedMail]:
        return self.handler.received


@dataclass(frozen=True)
class SmtpTls:
    """A throwaway CA with a server certificate for 127.0.0.1/localhost, and contexts for both ends."""

    ca: trustme.CA
    server_context: ssl.SSLContext
    client_context: ssl.SSLContext


@pytest.fixture(scope="session")
def smtp_tls() -> SmtpTls:
    """Certificates from trustme; `client_context` trusts only the throwaway CA."""
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_context)
    client_context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    ca.configure_trust(client_context)
    return SmtpTls(ca=ca, server_context=server_context, client_context=client_context)


class PortZeroController(Controller):
    """A Controller on a port the kernel picks (port 0), read back from the listening socket.

    Picking a free port first and binding it later races with anything else on the machine.
    """

    def __init__(self, handler: Any, **kwargs: Any) -> None:
        super().__init__(handler, hostname="127.0.0.1", port=0, ready_timeout=10.0, **kwargs)

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = int(self.server.sockets[0].getsockname()[1])
        super()._trigger_server()


def _run_smtp(security: str, **smtp_kwargs: Any) -> Iterator[SmtpServer]:
    handler = RecordingHandler()
    controller = PortZeroController(handler, **smtp_kwargs)
    controller.start()
    try:
        with_auth = "authenticator" in smtp_kwargs
        yield SmtpServer(
            host="127.0.0.1",
            port=controller.port,
            security=security,
            username=SMTP_USERNAME if with_auth else None,
            password=SMTP_PASSWORD if with_auth else None,
            handler=handler,
        )
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def _smtp_plain_session() -> Iterator[SmtpServer]:
    yield from _run_smtp("none")


@pytest.fixture(scope="session")
def _smtp_starttls_session(smtp_tls: SmtpTls) -> Iterator[SmtpServer]:
    yield from _run_smtp(
        "starttls",
        tls_context=smtp_tls.server_context,
        require_starttls=True,
        authenticator=_check_password,
        auth_require_tls=True,
    )


@pytest.fixture(scope="session")
def _smtp_ssl_session(smtp_tls: SmtpTls) -> Iterator[SmtpServer]:
    yield from _run_smtp(
        "ssl",
        ssl_context=smtp_tls.server_context,
        authenticator=_check_password,
        # aiosmtpd 1.4 only counts STARTTLS as TLS for this check; the whole connection is TLS here.
        auth_require_tls=False,
    )


@pytest.fixture
def smtp_plain_server(_smtp_plain_session: SmtpServer) -> SmtpServer:
    """Plain SMTP, no TLS and no AUTH offered; its mailbox starts empty for each test."""
    _smtp_plain_session.received.clear()
    return _smtp_plain_session


@pytest.fixture
def smtp_starttls_server(_smtp_starttls_session: SmtpServer) -> SmtpServer:
    """SMTP that requires STARTTLS and then AUTH LOGIN/PLAIN with SMTP_USERNAME/SMTP_PASSWORD."""
    _smtp_starttls_session.received.clear()
    return _smtp_starttls_session


@pytest.fixture
def smtp_ssl_server(_smtp_ssl_session: SmtpServer) -> SmtpServer:
    """SMTP over implicit TLS (SMTPS) with AUTH LOGIN/PLAIN with SMTP_USERNAME/SMTP_PASSWORD."""
    _smtp_ssl_session.received.clear()
    return _smtp_ssl_session
