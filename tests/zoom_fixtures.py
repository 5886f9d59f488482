"""The Zoom sandbox served over real HTTP for client tests.

Registered as a plugin by tests/conftest.py (or `pytest_plugins = ["tests.zoom_fixtures"]` in a test module).
The sandbox is mounted at /_zoom, as the dev server mounts it, so every test also exercises the prefix.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from vicon.zoom import USER_AGENT, ZoomClient
from vicon_dev.zoom_sandbox import SandboxApp, SandboxState, create_sandbox_app

SANDBOX_ACCOUNT_ID = "sandbox-account"
SANDBOX_CLIENT_ID = "sandbox-client"
SANDBOX_CLIENT_SECRET = "sandbox-secret"  # test-only credential of the local sandbox
MOUNT = "/_zoom"
# The sandbox's own "now" (Monday 30 November 2026, 09:00 WIB, as the harness): "upcoming" and the daily counts
# follow it, so no test depends on the date the suite runs on. Tests that need time to pass set their own clock.
SANDBOX_NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


_MAX_READ = 64 * 1024


class _CappedReads:
    """A request handler's input stream that never reads more than 64 KiB in one call.

    After each answer werkzeug's dev server drains the connection with `rfile.read(10_000_000)`, and Python
    allocates those 10 MB before it knows how much will come. That is no part of Zoom's behaviour, yet in a
    test that measures the memory of a download in the same process it would be most of what is measured.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def read(self, size: int | None = -1) -> bytes:
        if size is not None and size > _MAX_READ:
            data: bytes = self._stream.read1(_MAX_READ)
            return data
        data = self._stream.read(size)
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _QuietHandler(WSGIRequestHandler):
    """No per-request access log lines in test output, and no 10 MB reads (see _CappedReads)."""

    def setup(self) -> None:
        super().setup()
        self.rfile = _CappedReads(self.rfile)  # type: ignore[assignment]

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@dataclass
class ZoomSandboxServer:
    """A running sandbox: its state, its URLs, and a factory for clients pointed at it."""

    state: SandboxState
    base_url: str
    api_url: str
    oauth_url: str
    app: SandboxApp
    _clients: list[ZoomClient] = field(default_factory=list)

    def client(self, **kwargs: Any) -> ZoomClient:
        """A ZoomClient with the sandbox's URLs and credentials; keyword arguments override any of them."""
        options: dict[str, Any] = {
            "api_url": self.api_url,
            "oauth_url": self.oauth_url,
            "account_id": SANDBOX_ACCOUNT_ID,
            "client_id": SANDBOX_CLIENT_ID,
            "client_secret": SANDBOX_CLIENT_SECRET,
            "timeout": 5.0,
            "wall_clock": self.state.now,
        }
        options.update(kwargs)
        client = ZoomClient(**options)
        self._clients.append(client)
        return client

    def close_clients(self) -> None:
        """Close every client made by `client()`."""
        for client in self._clients:
            client.close()
        self._clients.clear()


@contextmanager
def serve_app(app: Any) -> Iterator[str]:
    """Serve a WSGI app mounted at /_zoom on 127.0.0.1 at a free port; yields its base URL (…/_zoom)."""
    mounted = DispatcherMiddleware(NotFound(), {MOUNT: app})
    # Port 0: the kernel picks a free port, so parallel runs never collide.
    server: BaseWSGIServer = make_server("127.0.0.1", 0, mounted, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{MOUNT}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@contextmanager
def serve_sandbox() -> Iterator[ZoomSandboxServer]:
    """A fresh sandbox (default hosts) served on 127.0.0.1 at a free port under /_zoom, until the block ends."""
    state = SandboxState(clock=SANDBOX_NOW.timestamp)
    app = create_sandbox_app(
        state, account_id=SANDBOX_ACCOUNT_ID, client_id=SANDBOX_CLIENT_ID, client_secret=SANDBOX_CLIENT_SECRET
    )
    with serve_app(app) as base:
        state.base_url = base
        sandbox = ZoomSandboxServer(
            state=state, base_url=base, api_url=f"{base}/v2", oauth_url=f"{base}/oauth/token", app=app
        )
        try:
            yield sandbox
        finally:
            state.release_delays()  # a handler still sleeping in an injected delay answers now, not after it
            sandbox.close_clients()


@pytest.fixture
def zoom_sandbox(request: pytest.FixtureRequest) -> Iterator[ZoomSandboxServer]:
    """A fresh sandbox (default hosts) served on 127.0.0.1 at a free port under /_zoom.

    After the test, every answer the sandbox gave and every request the Zoom client sent are held to Zoom's
    OpenAPI document (tests/zoom_schema.py); a test that makes the client send an undocumented request on
    purpose is marked `zoom_off_document`.
    """
    from tests.zoom_schema import exchange_problems

    with serve_sandbox() as sandbox:
        yield sandbox
    off_document = request.node.get_closest_marker("zoom_off_document") is not None
    problems = exchange_problems(sandbox.state.exchanges, client_agent=None if off_document else USER_AGENT)
    assert not problems, "Zoom's OpenAPI document disagrees:\n" + "\n".join(problems)
