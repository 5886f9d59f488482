"""Bodies no client library would send, over a real socket: a broken chunked transfer is a 400, never a 503."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from functions_framework import create_app
from werkzeug.serving import make_server

from tests.harness import MAIN, Harness

BROKEN_CHUNKS = {
    "bad-chunk-header": b"zz\r\nabc\r\n0\r\n\r\n",
    "truncated-chunk": b"5\r\nabc",
}


@contextmanager
def served(target: str) -> Iterator[int]:
    """The target's Functions Framework app on a real HTTP server (port 0: the kernel picks it)."""
    server = make_server("127.0.0.1", 0, create_app(target, MAIN), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def raw_post(port: int, content_type: str, chunked_body: bytes) -> bytes:
    head = (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(head + chunked_body)
        connection.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize("body", BROKEN_CHUNKS.values(), ids=BROKEN_CHUNKS.keys())
@pytest.mark.parametrize(
    ("target", "content_type"),
    [
        ("submit_request", "multipart/form-data; boundary=x"),
        ("review_request", "application/x-www-form-urlencoded"),
        ("cancel_request", "application/x-www-form-urlencoded"),
        ("start_meeting", "multipart/form-data; boundary=x"),
    ],
)
def test_broken_chunked_body_is_a_400_with_the_errors_list(
    harness: Harness, target: str, content_type: str, body: bytes
) -> None:
    with served(target) as port:
        answer = raw_post(port, content_type, body)
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.split()[1] == b"400", answer[:300]
    assert b'"errors"' in rest and b"nosniff" in rest
    harness.assert_nothing_stored_or_sent()
