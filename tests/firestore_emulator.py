"""Start and stop the real Firestore emulator of the Google Cloud CLI for the adapter-contract tier."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.ports import START_ATTEMPTS, PortTaken, bind_failed, free_port

MISSING_GCLOUD = (
    "Firestore tier NOT RUN: the Google Cloud CLI (gcloud) with its Firestore emulator and Java is missing. "
    "Install: apt-get install google-cloud-cli google-cloud-cli-firestore-emulator openjdk-17-jre-headless "
    "(Google's apt repository), then run make test again."
)
PROJECT = "vicon-test"


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
    """Start the emulator, yield its host:port, and stop its Java process and the wrapper by PID.

    gcloud takes the port on its command line, so it is picked before the emulator binds it; when the bind
    fails (another process took the port meanwhile) the emulator is started again on a fresh port.
    """
    for attempt in range(1, START_ATTEMPTS + 1):
        attempt_log = log_path.with_name(f"{log_path.stem}-{attempt}{log_path.suffix}")
        try:
            with _started_emulator(attempt_log) as host:
                yield host
                return
        except PortTaken:
            if attempt == START_ATTEMPTS:
                raise


@contextmanager
def _started_emulator(log_path: Path) -> Iterator[str]:
    """One start on a freshly picked port; PortTaken (after stopping it) when its bind failed."""
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
                if bind_failed(log_path):
                    raise PortTaken(f"port {port} was taken before the Firestore emulator could bind it")
                try:
                    with urllib.request.urlopen(f"http://{host}/", timeout=1) as response:
                        # Another server on a port we lost answers too: count it only if no bind failed.
                        if response.status == 200 and not bind_failed(log_path):
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    if bind_failed(log_path):  # it exits on a bind failure, perhaps just after the check above
                        raise PortTaken(f"port {port} was taken before the Firestore emulator could bind it")
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
