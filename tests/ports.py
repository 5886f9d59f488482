"""Ports for the test servers that run as subprocesses and must be told their port on the command line.

An in-process server binds port 0 and reads its port back (see tests/zoom_fixtures.py). A subprocess cannot:
its port is picked here, closed again, and bound by the subprocess a moment later, by which time another
process may have taken it. So the fixtures that start one retry on a bind failure, with a fresh port each time.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path

START_ATTEMPTS = 4  # a bind race lost this many times in a row is not a race
_BIND_FAILED = re.compile(r"address already in use|BindException", re.IGNORECASE)


class PortTaken(Exception):
    """The subprocess could not bind the port it was given: something took it after `free_port`."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (it may be taken before the caller binds it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bind_failed(log_path: Path) -> bool:
    """Whether the subprocess logging to `log_path` said its port was in use."""
    try:
        return _BIND_FAILED.search(log_path.read_text(errors="replace")) is not None
    except FileNotFoundError:
        return False
