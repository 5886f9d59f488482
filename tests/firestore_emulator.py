"""Start and stop the real Firestore emulator of the Google Cloud CLI for the adapter-contract tier."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

MISSING_GCLOUD = (
    "Firestore tier NOT RUN: the Google Cloud CLI (gcloud) with its Firestore emulator and Java is missing. "
    "Install: apt-get install google-cloud-cli google-cloud-cli-firestore-emulator openjdk-17-jre-headless "
    "(Google's apt repository), then run make test again."
)
PROJECT = "vicon-test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _descendants(pid: int) -> list[int]:
    """Child processes of `pid`, found through /proc (the emulator wrapper does not forward signals)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, pending = [], [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def missing_firestore_tools() -> str | None:
    if shutil.which("gcloud") is None or shutil.which("java") is None:
        return MISSING_GCLOUD
    return None


@contextmanager
def running_firestore_emulator(log_path: Path) -> Iterator[str]:
    """Start the emulator, yield its host:port, and stop its Java process and the wrapper by PID."""
    port = free_port()
    host = f"127.0.0.1:{port}"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["gcloud", "emulators", "firestore", "start", f"--host-port={host}", "--quiet"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, CLOUDSDK_CORE_DISABLE_PROMPTS="1"),
        )
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(f"http://{host}/", timeout=1) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"Firestore emulator did not start: {log_path.read_text()[-2000:]}")
                time.sleep(0.3)
            yield host
        finally:
            for pid in [*reversed(_descendants(process.pid)), process.pid]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def firestore_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """host:port of a running Firestore emulator; the test session owns the process and stops it."""
    missing = missing_firestore_tools()
    if missing:
        pytest.skip(missing)
    with running_firestore_emulator(tmp_path_factory.mktemp("firestore") / "emulator.log") as host:
        yield host
