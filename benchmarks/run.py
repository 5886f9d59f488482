"""`make bench`: cold import, intake page weight, submit and approve latency (also while Zoom answers 429),
letter bombs. Medians of several fresh runs.

`benchmarks/run.py letter_bomb` (or any other names of bench_* functions) runs only those.

Each figure comes with a baseline measured in the same run, so a ratio still means something on a
slower or busier machine.
"""

from __future__ import annotations

import gzip
import io
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "functions"), str(REPO / "devtools"), str(REPO)]

RUNS = 7
SUBMITS_PER_RUN = 20
# Every bench submits from one contact address, far more often than a requester may: the limiter has its own tests.
BENCH_RATE_LIMIT = "1000000/hour"

IMPORT_SNIPPET = (
    "import sys, time; sys.path.insert(0, 'functions'); "
    "t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
)


def cold_import_seconds(module: str) -> float:
    """Import time of `module` in a brand-new interpreter (what a cold start pays)."""
    output = subprocess.run(
        [sys.executable, "-c", IMPORT_SNIPPET.format(module=module)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(output.strip().splitlines()[-1])


def bench_cold_import() -> None:
    baseline, ours = [], []
    for _ in range(RUNS):  # interleaved, so drift affects both alike
        baseline.append(cold_import_seconds("functions_framework"))
        ours.append(cold_import_seconds("main"))
    b, o = statistics.median(baseline), statistics.median(ours)
    print(f"cold import (median of {RUNS} fresh interpreters)")
    print(f"  import functions_framework   {b * 1000:8.1f} ms")
    print(f"  import functions/main.py     {o * 1000:8.1f} ms   ratio {o / b:.2f}x")


# A fresh interpreter imports main and serves its first requests through a plain Flask app (the Functions
# Framework's own wrapper would import main again). Each figure is what that step costs in a cold instance.
FIRST_REQUEST_SNIPPET = r"""
import json, sys, time
sys.path.insert(0, "functions")
fields, letter_path = json.loads(sys.argv[1]), sys.argv[2]
t = time.perf_counter(); import main; imported = time.perf_counter() - t
import io, flask
app = flask.Flask("bench")
app.add_url_rule("/options", "options", lambda: main.intake_options(flask.request))
app.add_url_rule("/submit", "submit", lambda: main.submit_request(flask.request), methods=["POST"])
client = app.test_client()
def submit(n):
    data = dict(fields, event_name=f"Rapat {n}")
    data["letter"] = (io.BytesIO(open(letter_path, "rb").read()), "surat.pdf", "application/pdf")
    t = time.perf_counter(); response = client.post("/submit", data=data, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    return time.perf_counter() - t
t = time.perf_counter(); assert client.get("/options").status_code == 200; options = time.perf_counter() - t
first = submit(1)
t = time.perf_counter(); client.get("/options"); options_again = time.perf_counter() - t
again = submit(2)
print(json.dumps([imported, options, first, options_again, again]))
"""


def bench_first_request() -> None:
    """A cold instance: import main, then its first intake_options and first submission (embedded defaults)."""
    import datetime as dt
    import json
    import os
    from zoneinfo import ZoneInfo

    from tests.harness import VERIFIERS, valid_fields
    from tests.pdfs import one_page_pdf

    today = dt.datetime.now(ZoneInfo("Asia/Jakarta")).date()
    day = today + dt.timedelta(days=21)  # well past the lead time, whatever the holidays
    fields = valid_fields(start=f"{day}T09:00", end=f"{day}T10:00", letter_date=today.isoformat())
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        letter = Path(folder) / "surat.pdf"
        letter.write_bytes(one_page_pdf())
        for run in range(RUNS):
            data = Path(folder) / f"run-{run}"
            env = os.environ | {
                "VICON_DATA_DIR": str(data),
                "SIGNING_KEY": "bench-signing-key",
                "PUBLIC_BASE_URL": "https://vicon.example.go.id",
                "VERIFIER_EMAILS": ",".join(VERIFIERS),
                "MAIL_FROM": "Vicon <vicon@diskominfo.example>",
            }
            output = subprocess.run(
                [sys.executable, "-c", FIRST_REQUEST_SNIPPET, json.dumps(fields), str(letter)],
                cwd=REPO,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            rows.append(json.loads(output.strip().splitlines()[-1]))
    imported, options, first, options_again, again = (statistics.median(column) for column in zip(*rows, strict=True))
    print(f"first requests of a fresh interpreter (SQLite, blob folder, mail sink; median of {RUNS})")
    print(f"  import main                  {imported * 1000:8.1f} ms")
    print(f"  first GET intake_options     {options * 1000:8.1f} ms   (then {options_again * 1000:.1f} ms)")
    print(f"  first POST submit_request    {first * 1000:8.1f} ms   (then {again * 1000:.1f} ms)")
    total = imported + options + first
    print(f"  import + both first requests {total * 1000:8.1f} ms")


def bench_page_weight() -> None:
    site = REPO / "site"
    html = (site / "index.html").read_bytes()
    assets = re.findall(rb'(?:href|src)="(/?assets/[^"]+)"', html)
    files = [html] + [(site / a.decode().lstrip("/")).read_bytes() for a in dict.fromkeys(assets)]
    raw = sum(len(f) for f in files)
    gz = sum(len(gzip.compress(f, 9)) for f in files)
    print("intake page (index.html with all its assets)")
    print(f"  requests {len(files)} static + 1 API (intake_options)")
    print(f"  bytes    {raw:,} raw, {gz:,} gzipped")


def _embedded_core(data: Path, mailer: Any) -> None:
    """Install, as the process-wide core, one on SQLite and a blob folder under `data`, with `mailer`."""
    import datetime as dt

    from tests.harness import Clock, settings_for, unreachable_zoom
    from vicon.blobs import FolderBlobs
    from vicon.core import Core
    from vicon.store.sqlite import SqliteStore
    from vicon.wiring import reset_core

    reset_core(
        Core(
            settings=settings_for(data, SUBMIT_RATE_LIMIT=BENCH_RATE_LIMIT),
            store=SqliteStore(data / "store.sqlite3"),
            blobs=FolderBlobs(data / "blobs"),
            mailer=mailer,
            meetings=unreachable_zoom(),
            clock=Clock(dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)),
        )
    )


def _timed_submit(client: Any, n: int, letter: bytes) -> float:
    """Seconds one valid submission (event name numbered `n`) takes through the submit_request app."""
    from tests.harness import valid_fields

    fields = dict(valid_fields(event_name=f"Rapat {n}"))
    fields["letter"] = (io.BytesIO(letter), "surat.pdf", "application/pdf")
    start = time.perf_counter()
    response = client.post("/", data=fields, content_type="multipart/form-data")
    elapsed = time.perf_counter() - start
    assert response.status_code == 201, response.get_data(as_text=True)
    return elapsed


def bench_submit_latency() -> None:
    from functions_framework import create_app

    from tests.pdfs import one_page_pdf
    from vicon.mail import FolderMailSink

    letter = one_page_pdf()
    medians, p95s, baselines = [], [], []
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory() as folder:
            data = Path(folder)
            _embedded_core(data, FolderMailSink(data / "mail"))
            submit = create_app("submit_request", str(REPO / "functions" / "main.py")).test_client()
            options = create_app("intake_options", str(REPO / "functions" / "main.py")).test_client()
            times, base = [], []
            for n in range(SUBMITS_PER_RUN + 1):
                elapsed = _timed_submit(submit, n, letter)
                start = time.perf_counter()
                options.get("/")
                base_elapsed = time.perf_counter() - start
                if n:  # the first request warms caches (holidays table, templates)
                    times.append(elapsed)
                    base.append(base_elapsed)
            medians.append(statistics.median(times))
            p95s.append(statistics.quantiles(times, n=20)[-1])
            baselines.append(statistics.median(base))
    m, p, b = statistics.median(medians), statistics.median(p95s), statistics.median(baselines)
    print(f"submit_request, embedded store (SQLite, blob folder, mail sink; {SUBMITS_PER_RUN} submits x {RUNS} runs)")
    print(f"  median {m * 1000:7.1f} ms   p95 {p * 1000:7.1f} ms   (medians of per-run figures)")
    print(f"  baseline GET intake_options median {b * 1000:.2f} ms; submit/baseline {m / b:.1f}x")


SILENT_RUNS = 5
SILENT_SUBMITS_PER_RUN = 2


def bench_submit_with_silent_mail_server() -> None:
    """A mail server that accepts connections and never answers: the submission waits at most the inline budget."""
    import socket

    from functions_framework import create_app

    from tests.pdfs import one_page_pdf
    from vicon.mail import FolderMailSink, SmtpMailer
    from vicon.mailing import INLINE_BUDGET_SECONDS
    from vicon.ports import Mailer

    letter = one_page_pdf()

    def run(mailer_for: Any) -> float:
        with tempfile.TemporaryDirectory() as folder:
            data = Path(folder)
            mailer: Mailer = mailer_for(data)
            _embedded_core(data, mailer)
            submit = create_app("submit_request", str(REPO / "functions" / "main.py")).test_client()
            times = []
            for n in range(SILENT_SUBMITS_PER_RUN + 1):
                elapsed = _timed_submit(submit, n, letter)
                if n:
                    times.append(elapsed)
            return statistics.median(times)

    # Accepts (the kernel completes the handshake from the backlog) and never says a word.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        port = silent.getsockname()[1]
        baseline, ours = [], []
        for _ in range(SILENT_RUNS):  # interleaved, so drift affects both alike
            baseline.append(run(lambda data: FolderMailSink(data / "mail")))
            ours.append(run(lambda data: SmtpMailer("127.0.0.1", port, "none", None, None, timeout=10.0)))
    b, o = statistics.median(baseline), statistics.median(ours)
    print(f"submit_request, mail server that never answers ({SILENT_SUBMITS_PER_RUN} submits x {SILENT_RUNS} runs)")
    print(f"  baseline (working mail sink) median {b * 1000:8.1f} ms")
    print(
        f"  silent SMTP server (10 s timeout) median {o * 1000:8.1f} ms   ratio {o / b:.1f}x"
        f"   (inline budget {INLINE_BUDGET_SECONDS:.0f} s)"
    )


APPROVALS_PER_RUN = 10


def _approve_latencies(core_factory: Any) -> tuple[list[float], list[float]]:
    """Per run: median and p95 of verifier approve POST → invitation present in the mail sink."""
    import datetime as dt

    from functions_framework import create_app

    from tests.harness import valid_fields
    from tests.pdfs import one_page_pdf
    from vicon.wiring import reset_core

    main_py = str(REPO / "functions" / "main.py")
    medians, p95s = [], []
    for run in range(RUNS):
        core, sink = core_factory(run)
        reset_core(core)
        submit = create_app("submit_request", main_py).test_client()
        review = create_app("review_request", main_py).test_client()
        times = []
        for n in range(APPROVALS_PER_RUN + 1):
            day = dt.date(2026, 12, 2) + dt.timedelta(days=n)  # one event a day: hosts never run out
            fields = dict(valid_fields(event_name=f"Rapat {n}", start=f"{day}T09:00", end=f"{day}T10:00"))
            fields["letter"] = (io.BytesIO(one_page_pdf()), "surat.pdf", "application/pdf")
            request_id = submit.post("/", data=fields, content_type="multipart/form-data").get_json()["id"]
            token = core.signer.sign("review", request_id, core.clock() + dt.timedelta(days=1), v="v@bench.example")
            start = time.perf_counter()
            response = review.post("/", data={"token": token, "decision": "approve"})
            invited = any(f"({request_id})" in m.subject for m in sink.list_messages())
            elapsed = time.perf_counter() - start
            assert response.status_code == 200 and invited, response.get_data(as_text=True)
            if n:  # the first one pays for OAuth and imports
                times.append(elapsed)
        medians.append(statistics.median(times))
        p95s.append(statistics.quantiles(times, n=20)[-1])
    return medians, p95s


def bench_approve_latency() -> None:
    import datetime as dt
    import os
    import uuid

    from tests.firestore_emulator import PROJECT, missing_firestore_tools, running_firestore_emulator
    from tests.harness import Clock, settings_for
    from tests.zoom_fixtures import serve_sandbox
    from vicon.blobs import FolderBlobs
    from vicon.core import Core
    from vicon.mail import FolderMailSink
    from vicon.store.firestore import FirestoreStore
    from vicon.store.sqlite import SqliteStore

    print(f"approve POST -> invitation in the mail sink (Zoom sandbox over HTTP; {APPROVALS_PER_RUN} x {RUNS} runs)")
    with tempfile.TemporaryDirectory() as folder, serve_sandbox() as sandbox:
        data = Path(folder)

        def make(store_factory: Any) -> Any:
            def factory(run: int) -> tuple[Core, FolderMailSink]:
                sink = FolderMailSink(data / f"mail-{store_factory.__name__}-{run}")
                settings = settings_for(
                    data,
                    VERIFIER_EMAILS="v@bench.example",
                    ZOOM_HOSTS="host-besar@vicon.example:300,host-kecil@vicon.example:100",
                    SUBMIT_RATE_LIMIT=BENCH_RATE_LIMIT,
                )
                core = Core(
                    settings=settings,
                    store=store_factory(run),
                    blobs=FolderBlobs(data / "blobs"),
                    mailer=sink,
                    meetings=sandbox.client(),
                    clock=Clock(dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)),
                )
                return core, sink

            return factory

        def sqlite(run: int) -> SqliteStore:
            return SqliteStore(data / f"store-{run}.sqlite3")

        # Benchmarks create more meetings than Zoom's 100-a-day per host; that limit has its own tests.
        sandbox.state.daily_limit = 1_000_000
        probe = sandbox.client()
        listed = []
        for _ in range(20):
            start = time.perf_counter()
            probe.list_meetings("host-besar@vicon.example")
            listed.append(time.perf_counter() - start)
        baseline = statistics.median(listed[1:])
        print(f"  baseline: one Zoom sandbox API round trip (list meetings) median {baseline * 1000:.1f} ms")

        def report(label: str, medians: list[float], p95s: list[float]) -> None:
            m, p = statistics.median(medians), statistics.median(p95s)
            print(f"  {label:<18} median {m * 1000:7.1f} ms   p95 {p * 1000:7.1f} ms   vs baseline {m / baseline:.1f}x")

        report("SQLite", *_approve_latencies(make(sqlite)))

        missing = missing_firestore_tools()
        if missing:
            print(f"  Firestore emulator NOT MEASURED: {missing}")
            return
        with running_firestore_emulator(data / "emulator.log") as host:
            os.environ["FIRESTORE_EMULATOR_HOST"] = host
            from google.cloud import firestore

            client = firestore.Client(project=PROJECT)

            def firestore_store(run: int) -> FirestoreStore:
                return FirestoreStore(project=PROJECT, client=client, collection_prefix=f"b{uuid.uuid4().hex[:8]}_")

            report("Firestore emulator", *_approve_latencies(make(firestore_store)))


def _letter_check_cost(data: bytes, runs: int = RUNS) -> tuple[float, int, str | None]:
    """Median seconds of the letter check, its tracemalloc peak (a separate run: tracing slows it) and answer."""
    import tracemalloc

    from vicon.letters import letter_problem

    times = []
    for _ in range(runs):
        start = time.perf_counter()
        letter_problem(data)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    try:
        answer = letter_problem(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return statistics.median(times), peak, answer


def bench_letter_bomb() -> None:
    from tests.pdfs import GIB, bomb_pdf, one_page_pdf

    print(f"letter check of a 4 GiB FlateDecode bomb (median of {RUNS} runs; peak from tracemalloc)")
    base_time, base_peak, _ = _letter_check_cost(one_page_pdf(), runs=RUNS * 5)
    print(f"  baseline: one-page letter        {base_time * 1000:7.2f} ms   peak {base_peak / 2**20:6.2f} MiB")
    for where, label in (("content", "content stream"), ("object_stream", "object stream")):
        bomb = bomb_pdf(4 * GIB, where=where)
        seconds, peak, answer = _letter_check_cost(bomb)
        outcome = "accepted, never inflated" if answer is None else "refused"
        print(
            f"  bomb as {label:<24} {seconds * 1000:7.2f} ms   peak {peak / 2**20:6.2f} MiB   "
            f"ratio {seconds / base_time:.0f}x   ({len(bomb) / 2**20:.1f} MiB file, {outcome})"
        )


RATE_LIMITED_RUNS = {"0": RUNS, "1": 3, "30": RUNS}  # Retry-After seconds -> runs; 1 s waits really sleep


def bench_approve_with_zoom_429() -> None:
    """Approve POST latency while Zoom answers the create with 429 three times (Zoom sandbox over HTTP, SQLite).

    With `Retry-After: 1` the waits (about 3 x 1.25 s, real sleeps) fit the approve path's 8 s Zoom budget and
    the meeting is made inline. With `Retry-After: 30` the first wait does not fit, so the approve gives up at once
    and answers with the request in provisioning_failed (the tick retries it); before the budget that POST slept
    about 90 s. The baseline is the same approve without 429s, measured in the same process.
    """
    import datetime as dt

    from functions_framework import create_app

    from tests.harness import Clock, settings_for, valid_fields
    from tests.pdfs import one_page_pdf
    from tests.zoom_fixtures import serve_sandbox
    from vicon.blobs import FolderBlobs
    from vicon.core import Core
    from vicon.mail import FolderMailSink
    from vicon.provisioning import INLINE_ZOOM_BUDGET_SECONDS
    from vicon.store.sqlite import SqliteStore
    from vicon.wiring import reset_core

    main_py = str(REPO / "functions" / "main.py")
    budget = f"Zoom budget {INLINE_ZOOM_BUDGET_SECONDS:g} s"
    print(f"approve POST while Zoom answers the create with 429 three times (sandbox over HTTP, SQLite; {budget})")
    with tempfile.TemporaryDirectory() as folder, serve_sandbox() as sandbox:
        data = Path(folder)
        sandbox.state.daily_limit = 1_000_000
        results: dict[str, tuple[float, set[str]]] = {}
        for retry_after, runs in RATE_LIMITED_RUNS.items():
            core = Core(
                settings=settings_for(data, VERIFIER_EMAILS="v@bench.example", SUBMIT_RATE_LIMIT=BENCH_RATE_LIMIT),
                store=SqliteStore(data / f"store-{retry_after}.sqlite3"),
                blobs=FolderBlobs(data / "blobs"),
                mailer=FolderMailSink(data / f"mail-{retry_after}"),
                meetings=sandbox.client(),  # real sleep, real clock
                clock=Clock(dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)),
            )
            reset_core(core)
            submit = create_app("submit_request", main_py).test_client()
            review = create_app("review_request", main_py).test_client()
            times, outcomes = [], set()
            for n in range(runs + 1):
                day = dt.date(2026, 12, 2) + dt.timedelta(days=n)
                fields = dict(valid_fields(event_name=f"Rapat {n}", start=f"{day}T09:00", end=f"{day}T10:00"))
                fields["letter"] = (io.BytesIO(one_page_pdf()), "surat.pdf", "application/pdf")
                request_id = submit.post("/", data=fields, content_type="multipart/form-data").get_json()["id"]
                token = core.signer.sign("review", request_id, core.clock() + dt.timedelta(days=1), v="v@bench.example")
                if n and retry_after != "0":  # the first approve pays for OAuth and imports, unhindered
                    headers = {"X-RateLimit-Type": "QPS", "Retry-After": retry_after}
                    sandbox.state.inject("POST", r"/users/.+/meetings", status=429, headers=headers, times=3)
                start = time.perf_counter()
                response = review.post("/", data={"token": token, "decision": "approve"})
                elapsed = time.perf_counter() - start
                sandbox.state.clear_injections()
                assert response.status_code == 200, response.get_data(as_text=True)
                if n:
                    times.append(elapsed)
                    outcomes.add(str((core.store.get_request(request_id) or {}).get("status")))
            results[retry_after] = (statistics.median(times), outcomes)
    baseline = results["0"][0]
    print(f"  baseline: approve without 429s, median of {RATE_LIMITED_RUNS['0']}   {baseline * 1000:8.1f} ms")
    for retry_after in ("1", "30"):
        median, outcomes = results[retry_after]
        print(
            f"  Retry-After {retry_after:>2} s x3, median of {RATE_LIMITED_RUNS[retry_after]}"
            f"   {median * 1000:8.1f} ms   ratio {median / baseline:6.1f}x   -> {', '.join(sorted(outcomes))}"
        )


BENCHES = {
    "cold_import": bench_cold_import,
    "first_request": bench_first_request,
    "page_weight": bench_page_weight,
    "submit_latency": bench_submit_latency,
    "submit_with_silent_mail_server": bench_submit_with_silent_mail_server,
    "approve_latency": bench_approve_latency,
    "letter_bomb": bench_letter_bomb,
    "approve_with_zoom_429": bench_approve_with_zoom_429,
}

if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.ERROR)
    for name in sys.argv[1:] or BENCHES:
        BENCHES[name]()
