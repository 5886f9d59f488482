"""One fresh interpreter of bench_recording_archive (benchmarks/run.py): the scheduled_tick instance that archives.

A file of its own, run in a new interpreter, so the peak RSS it reports (getrusage's ru_maxrss, which only ever
grows) is this archive's and not whatever an earlier bench left in the process. It stands for the deployed
scheduled_tick function: it imports what that function imports and nothing of the bench's. The Zoom sandbox,
the submission and the approval stay in run.py's process: a first try that did all of it here measured 94 MB
before the archive began (the submit and approve paths, the sandbox, pytest through tests.zoom_fixtures), most
of which the tick instance that archives a recording never loads.

argv: the path of a JSON spec written by run.py: {"data" (the folder with the store, blobs and mail), "now"
(the core's fixed clock, ISO), "zoom" (the sandbox's api_url, oauth_url, account_id, client_id, client_secret
and its fixed "now")}. The store already holds the approved request and the recording.completed delivery.
Prints one JSON line: seconds, rss_before and rss_peak (ru_maxrss, bytes), vm_hwm (bytes, or null), and the
tick's report.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "functions"), str(REPO / "devtools"), str(REPO)]
MAIN_PY = str(REPO / "functions" / "main.py")


def rss_peak() -> int:
    """The process's peak resident set size so far, in bytes (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def vm_hwm() -> int | None:
    """The peak RSS of this program's own memory (VmHWM, Linux), bytes; None where /proc has no such line.

    Unlike ru_maxrss it starts afresh at exec: a cross-check that run.py's way of starting this interpreter
    kept the parent's size out of ru_maxrss (see _archive_once).
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def main() -> None:
    spec: dict[str, Any] = json.loads(Path(sys.argv[1]).read_text())
    data, zoom = Path(spec["data"]), spec["zoom"]
    now = dt.datetime.fromisoformat(spec["now"])
    zoom_now = dt.datetime.fromisoformat(zoom["now"])

    from functions_framework import create_app

    from vicon.blobs import FolderBlobs
    from vicon.core import Core
    from vicon.mail import FolderMailSink
    from vicon.settings import Settings
    from vicon.store.sqlite import SqliteStore
    from vicon.wiring import reset_core
    from vicon.zoom import ZoomClient

    settings = Settings.from_env(
        {
            "VICON_DATA_DIR": str(data),
            "SIGNING_KEY": "bench-signing-key",
            "PUBLIC_BASE_URL": "https://vicon.bench.example",
            "ZOOM_HOSTS": "host-besar@vicon.example:300,host-kecil@vicon.example:100",
        }
    )
    reset_core(
        Core(
            settings=settings,
            store=SqliteStore(data / "store.sqlite3"),
            blobs=FolderBlobs(data / "blobs"),
            mailer=FolderMailSink(data / "mail"),
            # The production client (its own timeouts) against the sandbox, on the sandbox's fixed "now".
            meetings=ZoomClient(
                zoom["api_url"],
                zoom["oauth_url"],
                zoom["account_id"],
                zoom["client_id"],
                zoom["client_secret"],
                wall_clock=lambda: zoom_now,
            ),
            clock=lambda: now,  # after the meeting: the recording.completed delivery is due
        )
    )
    # What Cloud Scheduler does: POST to scheduled_tick. The app is built first, as a warm instance's would be.
    tick = create_app("scheduled_tick", MAIN_PY).test_client()

    before = rss_peak()
    start = time.perf_counter()
    # The webhook job, then the recordings job it queues: list, stream the file through sha256 into the blob
    # folder, fsync, trash Zoom's copy, queue the organiser's mail.
    answer = tick.post("/")
    seconds = time.perf_counter() - start
    peak, hwm = rss_peak(), vm_hwm()
    assert answer.status_code == 200, answer.get_data(as_text=True)
    report = {"seconds": seconds, "rss_before": before, "rss_peak": peak, "vm_hwm": hwm, "tick": answer.get_json()}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
