"""`make bench`: cold import, first request (SQLite and the Firestore emulator), intake page weight, submit and
approve latency (also while Zoom answers 429), letter bombs, a 300 MB recording archived from the Zoom sandbox
(peak RSS against 100 MB, MB/s) and zoom_webhook acknowledgements under 50 concurrent deliveries (median and
p99 against Zoom's 3 s), the quarterly report over 10,000 synthetic requests (SQLite and the Firestore emulator,
against 2 s), and the staff console's queue over 10,000 requests on both stores. Medians of several fresh runs.

`benchmarks/run.py letter_bomb` (or any other names of bench_* functions) runs only those.

Each figure comes with a baseline measured in the same run, so a ratio still means something on a
slower or busier machine.
"""

from __future__ import annotations

import gzip
import io
import json
import os
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


FIRST_REQUEST_CHILD = REPO / "benchmarks" / "first_request_child.py"
FIRST_REQUEST_TARGETS = (("intake_options", "GET "), ("submit_request", "POST"))
# Passed on to the fresh interpreters; everything else they see is the deployed function's configuration.
INHERITED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")


def _deployed_env(data: Path, smtp_port: int, project: str) -> dict[str, str]:
    """The environment of a deployed function (K_SERVICE set, so Settings checks it as production), pointing at
    local stand-ins: `data` for blobs, a local SMTP server, and a Zoom address nobody answers (neither target
    calls Zoom). STORE_URL (and FIRESTORE_EMULATOR_HOST) are the caller's."""
    env = {name: os.environ[name] for name in INHERITED_ENV if name in os.environ}
    env.update(
        K_SERVICE="vicon-bench",
        GOOGLE_CLOUD_PROJECT=project,
        VICON_DATA_DIR=str(data),
        PUBLIC_BASE_URL="https://vicon.bench.example",
        BLOB_URL=f"file://{data / 'blobs'}",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_port),
        SIGNING_KEY="bench-signing-key",
        ZOOM_ACCOUNT_ID="bench",
        ZOOM_CLIENT_ID="bench",
        ZOOM_CLIENT_SECRET="bench",
        ZOOM_API_URL="http://127.0.0.1:9/v2",
        ZOOM_OAUTH_URL="http://127.0.0.1:9/oauth/token",
        ZOOM_HOSTS="host-besar@vicon.example:300,host-kecil@vicon.example:100",
        SUBMIT_RATE_LIMIT=BENCH_RATE_LIMIT,
        SUBMIT_RATE_LIMIT_PER_CLIENT=BENCH_RATE_LIMIT,
    )
    return env


def _first_request_specs(data: Path, env: dict[str, str]) -> dict[str, Path]:
    """Per target, the request spec file for first_request_child.py: a GET, or one valid multipart submission.

    The submission is for the real clock (the fresh interpreters use it): its event lies two working days past
    the earliest date the lead-time rule allows, so a run that crosses midnight still submits a valid request.
    """
    import datetime as dt

    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    from tests.harness import valid_fields
    from tests.pdfs import one_page_pdf
    from vicon.settings import Settings
    from vicon.workdays import WorkingCalendar

    settings = Settings.from_env(env)
    today = dt.datetime.now(settings.tz).date()
    calendar = WorkingCalendar(settings.extra_holidays, settings.extra_working_days)
    day = calendar.add_working_days(today, settings.min_lead_working_days + 2)
    fields: dict[str, Any] = valid_fields(
        event_name="Rapat Bench Permintaan Pertama",
        start=f"{day}T09:00",
        end=f"{day}T10:00",
        letter_date=today.isoformat(),
    )
    fields["letter"] = FileStorage(io.BytesIO(one_page_pdf()), "surat.pdf", content_type="application/pdf")
    boundary, body = encode_multipart(fields)
    (data / "submit.body").write_bytes(body)
    specs = {
        "intake_options": {"method": "GET", "content_type": None, "body": None, "expect": 200},
        "submit_request": {
            "method": "POST",
            "content_type": f"multipart/form-data; boundary={boundary}",
            "body": str(data / "submit.body"),
            "expect": 201,
        },
    }
    paths = {}
    for target, spec in specs.items():
        paths[target] = data / f"{target}.json"
        paths[target].write_text(json.dumps(spec))
    return paths


def _first_request_in_fresh_interpreter(target: str, spec: Path, env: dict[str, str]) -> dict[str, float]:
    """create_app, first and second (warm) request seconds of `target` in a brand-new interpreter."""
    done = subprocess.run(
        [sys.executable, str(FIRST_REQUEST_CHILD), target, str(spec)],
        cwd=REPO / "functions",  # a deployed function runs in its source folder
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{target} in a fresh interpreter failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return {k: float(v) for k, v in json.loads(done.stdout.strip().splitlines()[-1]).items()}


def _first_request_rows(label: str, data: Path, env: dict[str, str]) -> None:
    """Measure both targets on one store and print a row each."""
    specs = _first_request_specs(data, env)
    for target, _ in FIRST_REQUEST_TARGETS:
        # Discarded: it creates the SQLite schema and warms up the emulator's JVM (Firestore itself has none to
        # warm), so every measured interpreter finds the store as a new instance of a running service would.
        _first_request_in_fresh_interpreter(target, specs[target], env)
    runs: dict[str, list[dict[str, float]]] = {target: [] for target, _ in FIRST_REQUEST_TARGETS}
    for _ in range(RUNS):  # interleaved, so drift affects both targets alike
        for target, _ in FIRST_REQUEST_TARGETS:
            runs[target].append(_first_request_in_fresh_interpreter(target, specs[target], env))
    for target, method in FIRST_REQUEST_TARGETS:
        app, first, warm = (
            statistics.median(run[key] for run in runs[target]) for key in ("create_app", "first", "warm")
        )
        print(
            f"  {label:<18} {method} {target:<15} {app * 1000:8.1f}   {first * 1000:8.1f}   {warm * 1000:8.1f}"
            f"   {(first - warm) * 1000:8.1f}   {first / warm:6.1f}x"
        )


def bench_first_request() -> None:
    """The first request a fresh instance answers, after create_app (import main.py and the Flask app), on SQLite
    and on the Firestore emulator; the same request again in the same interpreter is the in-run baseline, so
    first minus warm is what the first request pays for everything deferred past import (adapters, lazy imports,
    templates, the first SMTP and store connections)."""
    from tests.firestore_emulator import PROJECT, missing_firestore_tools, running_firestore_emulator
    from tests.servers_mail_blobs import PortZeroController, RecordingHandler

    print(f"first request in a fresh interpreter (deployed settings, mail to a local SMTP server; median of {RUNS})")
    print(f"  {'store':<18} {'request':<20} create_app ms  first ms   warm ms  first-warm ms  first/warm")
    # Mail goes to an in-process aiosmtpd server: the deployed SMTP path, delivering nowhere real.
    mailbox = RecordingHandler()
    smtp = PortZeroController(mailbox)
    smtp.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            data = Path(folder)
            sqlite_dir = data / "sqlite"
            sqlite_dir.mkdir()
            sqlite_env = _deployed_env(sqlite_dir, smtp.port, PROJECT)
            sqlite_env["STORE_URL"] = f"sqlite:///{sqlite_dir / 'vicon.sqlite3'}"
            _first_request_rows("SQLite", sqlite_dir, sqlite_env)

            missing = missing_firestore_tools()
            if missing:
                print(f"  NOTE: Firestore emulator NOT MEASURED: {missing}")
            else:
                firestore_dir = data / "firestore"
                firestore_dir.mkdir()
                # One emulator for the whole bench, stopped by its PID when the block ends.
                with running_firestore_emulator(data / "emulator.log") as host:
                    firestore_env = _deployed_env(firestore_dir, smtp.port, PROJECT)
                    firestore_env.update(STORE_URL="firestore", FIRESTORE_EMULATOR_HOST=host)
                    _first_request_rows("Firestore emulator", firestore_dir, firestore_env)
    finally:
        smtp.stop()
    # Every submission sends its receipt and the verifiers' notices: a run that sent nothing measured something else.
    assert mailbox.received, "no mail reached the local SMTP server"
    print(f"  ({len(mailbox.received)} mails delivered to the local SMTP server)")


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
                    stored = core.store.get_request(request_id)
                    outcomes.add(str(stored.status if stored else None))
            results[retry_after] = (statistics.median(times), outcomes)
    baseline = results["0"][0]
    print(f"  baseline: approve without 429s, median of {RATE_LIMITED_RUNS['0']}   {baseline * 1000:8.1f} ms")
    for retry_after in ("1", "30"):
        median, outcomes = results[retry_after]
        print(
            f"  Retry-After {retry_after:>2} s x3, median of {RATE_LIMITED_RUNS[retry_after]}"
            f"   {median * 1000:8.1f} ms   ratio {median / baseline:6.1f}x   -> {', '.join(sorted(outcomes))}"
        )


MB = 1_000_000  # the MB: 10^6 bytes, for the file, the memory limit and the throughput alike
ARCHIVE_BYTES = 300 * MB
ARCHIVE_RSS_LIMIT = 100 * MB
ARCHIVE_RUNS = 3
ARCHIVE_SMALL_BYTES = 1 * MB
ARCHIVE_CHILD = REPO / "benchmarks" / "recording_archive_child.py"
WEBHOOK_SECRET = "rahasia-webhook-bench"  # bench-only secret of a server that lives for the bench


def _provision_recording(data: Path, sandbox: Any, size: int) -> tuple[str, str, dict[str, Any]]:
    """In this process: a request submitted and approved through the targets (its meeting made in the sandbox
    over HTTP), an MP4 recording of it of `size` bytes, and Zoom's signed recording.completed delivery, acknowledged.

    Returns the request id, the recording's file id and the spec for recording_archive_child.py.
    """
    import datetime as dt

    from functions_framework import create_app

    from tests.harness import Clock, settings_for, valid_fields
    from tests.pdfs import one_page_pdf
    from tests.zoom_fixtures import SANDBOX_ACCOUNT_ID, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SANDBOX_NOW
    from vicon.blobs import FolderBlobs
    from vicon.core import Core
    from vicon.lifecycle import Status
    from vicon.mail import FolderMailSink
    from vicon.store.sqlite import SqliteStore
    from vicon.wiring import reset_core
    from vicon_dev.zoom_webhooks import event_bytes, signed_webhook_headers

    main_py = str(REPO / "functions" / "main.py")
    clock = Clock(SANDBOX_NOW)  # Monday 30 November 2026, 09:00 WIB: valid_fields' dates are valid then
    core = Core(
        settings=settings_for(
            data,
            VERIFIER_EMAILS="v@bench.example",
            ZOOM_HOSTS="host-besar@vicon.example:300,host-kecil@vicon.example:100",
            ZOOM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        ),
        store=SqliteStore(data / "store.sqlite3"),
        blobs=FolderBlobs(data / "blobs"),
        mailer=FolderMailSink(data / "mail"),
        meetings=sandbox.client(),
        clock=clock,
    )
    reset_core(core)
    fields = dict(valid_fields())
    fields["letter"] = (io.BytesIO(one_page_pdf()), "surat.pdf", "application/pdf")
    submitted = create_app("submit_request", main_py).test_client().post("/", data=fields)
    assert submitted.status_code == 201, submitted.get_data(as_text=True)
    request_id = submitted.get_json()["id"]
    token = core.signer.sign("review", request_id, clock() + dt.timedelta(days=1), v="v@bench.example")
    review = create_app("review_request", main_py).test_client()
    approved = review.post("/", data={"token": token, "decision": "approve"})
    assert approved.status_code == 200, approved.get_data(as_text=True)
    record = core.store.get_request(request_id)
    assert record is not None and record.status == Status.PROVISIONED, record
    meeting = record.held_meeting()

    recording = sandbox.state.add_recording(meeting.id, files=[{"file_type": "MP4", "size": size, "seed": 7}])
    [file_id] = [item["id"] for item in recording["recording_files"]]
    clock.now = record.end + dt.timedelta(minutes=15)  # Zoom posts recording.completed after the meeting
    body = event_bytes(sandbox.state.recording_completed_event(meeting.uuid))
    headers = signed_webhook_headers(WEBHOOK_SECRET, body, clock())
    posted = create_app("zoom_webhook", main_py).test_client().post("/", data=body, headers=headers)
    assert posted.status_code == 200, posted.get_data(as_text=True)
    core.deliver_mail()  # the approval's mails, so the measured tick delivers only what the archive queues
    reset_core(None)
    spec = {
        "data": str(data),
        "now": clock().isoformat(),
        "zoom": {
            "api_url": sandbox.api_url,
            "oauth_url": sandbox.oauth_url,
            "account_id": SANDBOX_ACCOUNT_ID,
            "client_id": SANDBOX_CLIENT_ID,
            "client_secret": SANDBOX_CLIENT_SECRET,
            "now": SANDBOX_NOW.isoformat(),
        },
    }
    return request_id, file_id, spec


def _archive_once(folder: Path, size: int) -> dict[str, Any]:
    """Provision here, archive in a brand-new interpreter (recording_archive_child.py), check the blob here."""
    import hashlib

    from tests.zoom_fixtures import serve_sandbox
    from vicon.blobs import FolderBlobs
    from vicon.store.sqlite import SqliteStore

    data = folder / "data"
    data.mkdir()
    with serve_sandbox() as sandbox:
        request_id, file_id, spec = _provision_recording(data, sandbox, size)
        (folder / "spec.json").write_text(json.dumps(spec))
        # Through a shell that forks it (the `; exit` keeps sh from exec-ing it in its own place): Linux carries
        # ru_maxrss across exec, so an interpreter this process started directly would report at least this
        # process's RSS (the sandbox, pytest, Firestore's client: about 100 MB) as its own peak.
        done = subprocess.run(
            ["/bin/sh", "-c", '"$0" "$@"; exit $?', sys.executable, str(ARCHIVE_CHILD), str(folder / "spec.json")],
            cwd=REPO / "functions",  # a deployed function runs in its source folder
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0:
            raise RuntimeError(f"the archive in a fresh interpreter failed ({done.returncode}):\n{done.stderr[-4000:]}")
        report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        # The in-run baseline: the sandbox's own content, generated and hashed in this process (no HTTP, no disk).
        start = time.perf_counter()
        expected = sandbox.state.file_sha256(file_id)
        report["source_seconds"] = time.perf_counter() - start
        record = SqliteStore(data / "store.sqlite3").get_request(request_id)
        assert record is not None and record.meeting is not None
        report["trashed"] = sandbox.state.trashed(record.meeting.uuid) is not None
    archived = [a for a in record.recordings if a.file_id == file_id]
    assert len(archived) == 1, (report, record.recordings)
    # The stored blob itself, read back in 1 MiB blocks, against the sandbox's bytes and the request's record.
    digest, stored = hashlib.sha256(), 0
    with FolderBlobs(data / "blobs").open(archived[0].blob_key) as blob:
        while chunk := blob.read(1 << 20):
            digest.update(chunk)
            stored += len(chunk)
    report["intact"] = archived[0].size == stored == size and archived[0].sha256 == digest.hexdigest() == expected
    return report


def bench_recording_archive() -> None:
    """A 300 MB MP4 from the Zoom sandbox over HTTP into the blob folder. This process serves the sandbox,
    submits and approves a request and posts the signed recording.completed webhook; a fresh interpreter then
    POSTs scheduled_tick, whose jobs list the recording, stream it through sha256 into FolderBlobs.put_stream
    (fsync), and trash Zoom's copy. A fresh interpreter per run, so ru_maxrss is that archive's peak.

    Baselines from the same run: that interpreter's RSS just before the tick (imports, the app, the core); the
    same tick archiving a 1 MB recording (what the path costs whatever the size: its lazy imports, the client,
    the mail); and the 300 MB generated and hashed in this process without HTTP or disk, as fast as the sandbox
    can hand the bytes over."""
    print(
        f"recording archive: a {ARCHIVE_BYTES / MB:.0f} MB MP4 from the Zoom sandbox over HTTP into the blob folder"
        f" by scheduled_tick (SQLite; a fresh interpreter per run, median of {ARCHIVE_RUNS}; MB = 10^6 bytes)"
    )
    runs, small_runs = [], []
    for _ in range(ARCHIVE_RUNS):  # interleaved, so drift affects both alike
        # A folder per run, gone before the next: each holds a 300 MB blob.
        with tempfile.TemporaryDirectory() as folder:
            runs.append(_archive_once(Path(folder), ARCHIVE_BYTES))
        with tempfile.TemporaryDirectory() as folder:
            small_runs.append(_archive_once(Path(folder), ARCHIVE_SMALL_BYTES))
    everything = runs + small_runs
    # ru_maxrss is never below VmHWM; far above it, it would be the parent's size carried across exec.
    assert all(run["rss_peak"] < run["vm_hwm"] + 2 * MB for run in everything if run["vm_hwm"] is not None), runs
    assert all(run["intact"] and run["trashed"] for run in everything), everything

    def median(key: str, of: list[dict[str, Any]] = runs) -> float:
        return statistics.median(run[key] for run in of)

    seconds, source = median("seconds"), median("source_seconds")
    before, peak, worst = median("rss_before"), median("rss_peak"), max(run["rss_peak"] for run in runs)
    growth = statistics.median(run["rss_peak"] - run["rss_before"] for run in runs)
    small_peak = median("rss_peak", small_runs)
    hwm = [run["vm_hwm"] for run in runs if run["vm_hwm"] is not None]
    verdict = "PASS" if worst < ARCHIVE_RSS_LIMIT else "FAIL"
    print(f"  file size              {ARCHIVE_BYTES / MB:8.1f} MB ({ARCHIVE_BYTES:,} bytes)")
    print(f"  archive (tick POST)    {seconds:8.2f} s    {ARCHIVE_BYTES / MB / seconds:7.1f} MB/s")
    print(
        f"  baseline: the sandbox's bytes generated + hashed in-process {source:6.2f} s"
        f"    {ARCHIVE_BYTES / MB / source:7.1f} MB/s   archive/baseline {seconds / source:.1f}x"
    )
    print(f"  RSS before the tick    {before / MB:8.1f} MB   (baseline: imports, the app, the core)")
    print(
        f"  peak RSS               {peak / MB:8.1f} MB   (+{growth / MB:.1f} MB during the archive; worst run"
        f" {worst / MB:.1f} MB)   limit {ARCHIVE_RSS_LIMIT / MB:.0f} MB: {verdict}"
    )
    print(
        f"  baseline: peak RSS archiving a {ARCHIVE_SMALL_BYTES / MB:.0f} MB recording {small_peak / MB:6.1f} MB"
        f"   (300 MB costs {(peak - small_peak) / MB:+.1f} MB more)"
    )
    if hwm:
        print(f"  cross-check: VmHWM     {statistics.median(hwm) / MB:8.1f} MB   (/proc/self/status, 300 MB runs)")
    print(
        f"  blob size and SHA-256 equal the sandbox's in {sum(r['intact'] for r in everything)}/{len(everything)}"
        f" runs; Zoom's copy trashed in {sum(r['trashed'] for r in everything)}/{len(everything)}"
    )


WEBHOOK_CONCURRENCY = 50
WEBHOOK_ROUNDS = 10
WEBHOOK_SEQUENTIAL = 100
ZOOM_ACK_LIMIT_SECONDS = 3.0  # Zoom counts a delivery not answered within 3 s as failed, and retries it
WEBHOOK_SERVER_CHILD = REPO / "benchmarks" / "webhook_server_child.py"


class _Deliveries:
    """Signed meeting.started deliveries, each for a meeting id of its own, so every body is a distinct job."""

    def __init__(self, base_url: str) -> None:
        import threading

        self.url = f"{base_url}/"
        self.made = 0
        self._lock = threading.Lock()

    def post(self, client: Any) -> tuple[float, int]:
        """Post one delivery; (seconds to the acknowledgement, status code)."""
        import datetime as dt

        from vicon_dev.zoom_webhooks import event_bytes, meeting_started_event, signed_webhook_headers

        with self._lock:
            self.made += 1
            meeting_id = 80_000_000_000 + self.made
        body = event_bytes(
            meeting_started_event(
                account_id="bench-account",
                meeting_id=meeting_id,
                uuid=f"bench-{meeting_id}==",
                host_id="bench-host",
                host_email="host-besar@vicon.example",
                topic="Rapat Bench",
                start_time=dt.datetime.now(dt.UTC),
                duration=60,
            )
        )
        # Signed on the real clock the server checks (five minutes either way), just before it is sent.
        headers = signed_webhook_headers(WEBHOOK_SECRET, body, time.time())
        start = time.perf_counter()
        response = client.post(self.url, content=body, headers=headers)
        response.read()
        return time.perf_counter() - start, response.status_code


def _p99(times: list[float]) -> float:
    return statistics.quantiles(times, n=100)[98]


def bench_webhook_ack() -> None:
    """zoom_webhook acknowledgement time (verify the signature, queue the job, answer 200) over real HTTP, 50
    deliveries at once, against one delivery at a time on the same server as the in-run baseline.

    The server is a subprocess (webhook_server_child.py: the Functions Framework app on werkzeug's threaded
    server, SQLite, no ticker) stopped by its PID; the deliveries are posted with httpx from a thread pool, a
    barrier releasing each round's 50 at once, over kept-alive connections (a warm-up round opens them, so
    what is measured is the answer, not the TCP handshake)."""
    import concurrent.futures
    import threading

    import httpx

    print(
        f"zoom_webhook acknowledgement over HTTP ({WEBHOOK_CONCURRENCY} concurrent deliveries x {WEBHOOK_ROUNDS}"
        f" rounds; SQLite, werkzeug threaded server in a subprocess, {os.cpu_count()} CPUs)"
    )
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        log = data / "server.log"
        # Its errors go to a file: a pipe nobody reads while the bench runs could fill up and stall the server.
        with log.open("w") as errors:
            server = subprocess.Popen(
                [sys.executable, str(WEBHOOK_SERVER_CHILD), str(data), WEBHOOK_SECRET],
                cwd=REPO / "functions",  # a deployed function runs in its source folder
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
            )
        try:
            assert server.stdout is not None
            port = server.stdout.readline().strip()
            if not port.isdigit():
                raise RuntimeError(f"the webhook server did not start:\n{log.read_text()[-4000:]}")
            deliveries = _Deliveries(f"http://127.0.0.1:{port}")
            limits = httpx.Limits(max_connections=WEBHOOK_CONCURRENCY, max_keepalive_connections=WEBHOOK_CONCURRENCY)
            with (
                httpx.Client(limits=limits, timeout=30.0) as client,
                concurrent.futures.ThreadPoolExecutor(WEBHOOK_CONCURRENCY) as pool,
            ):

                def burst() -> tuple[list[tuple[float, int]], float]:
                    """One round: every delivery released at once; their results and the round's wall time."""
                    barrier = threading.Barrier(WEBHOOK_CONCURRENCY)

                    def one() -> tuple[float, int]:
                        barrier.wait()
                        return deliveries.post(client)

                    start = time.perf_counter()
                    results = list(pool.map(lambda _: one(), range(WEBHOOK_CONCURRENCY)))
                    return results, time.perf_counter() - start

                for _ in range(5):  # warm-up: the target's first request (imports, the store's schema)
                    deliveries.post(client)
                burst()  # warm-up: opens the 50 connections (and the server's 50 threads)
                sequential = [deliveries.post(client) for _ in range(WEBHOOK_SEQUENTIAL)]
                concurrent_results: list[tuple[float, int]] = []
                walls = []
                for _ in range(WEBHOOK_ROUNDS):
                    results, wall = burst()
                    concurrent_results += results
                    walls.append(wall)
        finally:
            server.terminate()  # by its PID, through the Popen that started it
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        queued = _webhook_jobs(data)
        server_errors = log.read_text()
    total = deliveries.made

    def row(label: str, results: list[tuple[float, int]]) -> float:
        times = [seconds for seconds, _ in results]
        ok = sum(status == 200 for _, status in results)
        m, p = statistics.median(times), _p99(times)
        print(
            f"  {label:<34} median {m * 1000:7.1f} ms   p99 {p * 1000:7.1f} ms   max {max(times) * 1000:7.1f} ms"
            f"   200s {ok}/{len(results)}"
        )
        return m

    base = row(f"baseline: one at a time (x{WEBHOOK_SEQUENTIAL})", sequential)
    m = row(f"{WEBHOOK_CONCURRENCY} at once (x{WEBHOOK_ROUNDS} rounds)", concurrent_results)
    everything = sequential + concurrent_results
    every_200 = all(status == 200 for _, status in everything)
    verdict = "PASS" if every_200 and max(t for t, _ in everything) < ZOOM_ACK_LIMIT_SECONDS else "FAIL"
    print(
        f"  concurrent/baseline median {m / base:.1f}x; a round of {WEBHOOK_CONCURRENCY} fully acknowledged in"
        f" {statistics.median(walls) * 1000:.0f} ms (median)"
    )
    print(f"  every delivery 200 and answered within Zoom's {ZOOM_ACK_LIMIT_SECONDS:.0f} s: {verdict}")
    print(f"  {queued} webhook jobs queued for {total} distinct deliveries")
    assert queued == total, (queued, total, server_errors[-4000:])


def _webhook_jobs(data: Path) -> int:
    """How many webhook jobs the server queued (read after it stopped, by claiming them all once)."""
    import datetime as dt

    from vicon.store.sqlite import SqliteStore
    from vicon.usecases.webhook import WEBHOOK

    store = SqliteStore(data / "store.sqlite3")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    return len(store.claim_due_jobs(later, dt.timedelta(minutes=1), 1_000_000, [WEBHOOK]))


REPORT_REQUESTS = 10_000
REPORT_PREVIOUS = 2_500
REPORT_RUNS = 5
REPORT_TARGET_SECONDS = 2.0


def _report_once(store: Any, quarter: Any) -> dict[str, float]:
    """One quarterly report from the store as `quarterly_report` builds it: gather (both quarters), compute, the
    page and every CSV; seconds per stage, and the store's read of the quarter's whole records as the baseline."""
    from tests.test_report_compute import CALENDAR
    from vicon.rendering import render
    from vicon.reporting.compute import compute
    from vicon.reporting.facts import gather
    from vicon.reporting.render import render_csv, render_html
    from vicon.settings import Settings
    from vicon.usecases.sla import service_level

    settings = Settings()
    tz, level = settings.tz, service_level(settings, CALENDAR)
    start = time.perf_counter()
    store.requests_starting_between(*quarter.bounds(tz))
    read = time.perf_counter() - start

    start, cpu = time.perf_counter(), time.process_time()
    current, previous = gather(store, quarter, tz), gather(store, quarter.previous(), tz)
    gathered = time.perf_counter()
    report = compute(current, previous, level, dt_now())
    computed = time.perf_counter()
    html = render_html(report, lambda name, **c: render("Asia/Jakarta", name, **c), tz, lambda slug: slug)
    csvs = [render_csv(table, tz) for table in report.tables]
    rendered = time.perf_counter()
    assert report.summary.requests == REPORT_REQUESTS and "Indeks Kepuasan Masyarakat" in html and len(csvs) == 16
    return {
        "cpu": time.process_time() - cpu,
        "total": rendered - start,
        "gather": gathered - start,
        "compute": computed - gathered,
        "render": rendered - computed,
        "read": read,
    }


def dt_now() -> Any:
    import datetime as dt

    return dt.datetime(2026, 10, 1, 2, 0, tzinfo=dt.UTC)


def _report_rows(label: str, store: Any, runs: int) -> None:
    from vicon.quarters import Quarter

    quarter = Quarter(2026, 3)
    _report_once(store, quarter)  # warms the templates, the holiday table and the store's caches
    results = [_report_once(store, quarter) for _ in range(runs)]

    def median(key: str) -> float:
        return statistics.median(result[key] for result in results)

    total, read = median("total"), median("read")
    verdict = "PASS" if total < REPORT_TARGET_SECONDS else "FAIL"
    print(
        f"  {label:<18} total {total * 1000:6.0f} ms (CPU {median('cpu') * 1000:5.0f} ms; gather"
        f" {median('gather') * 1000:5.0f}, compute {median('compute') * 1000:4.0f}, render"
        f" {median('render') * 1000:3.0f})  baseline, whole records of the quarter: {read * 1000:5.0f} ms"
        f" ({total / read:3.1f}x)  under {REPORT_TARGET_SECONDS:.0f} s: {verdict}"
    )


def bench_report() -> None:
    """The quarterly report over 10,000 synthetic requests of one quarter (and 2,500 of the quarter before, which
    it compares with), on the embedded store and on the Firestore emulator: gather, compute, the HTML page and
    every CSV, against the store's read of the quarter's whole records (`requests_starting_between`) in the same
    run. CPU time is printed beside wall time: on a machine shared with other work it is the steadier figure."""
    from tests.firestore_emulator import PROJECT, missing_firestore_tools, running_firestore_emulator
    from tests.report_data import store_records, synthetic
    from vicon.quarters import Quarter
    from vicon.store.firestore import FirestoreStore
    from vicon.store.sqlite import SqliteStore

    quarter = Quarter(2026, 3)
    records = synthetic(REPORT_REQUESTS, quarter) + synthetic(
        REPORT_PREVIOUS, quarter.previous(), seed=5, first_number=REPORT_REQUESTS + 1
    )
    print(
        f"quarterly report, {REPORT_REQUESTS:,} requests in 2026Q3 + {REPORT_PREVIOUS:,} in 2026Q2"
        f" (median of {REPORT_RUNS} runs after one warm-up)"
    )
    with tempfile.TemporaryDirectory() as folder:
        sqlite = SqliteStore(Path(folder) / "store.sqlite3")
        store_records(sqlite, records)
        _report_rows("SQLite", sqlite, REPORT_RUNS)
        missing = missing_firestore_tools()
        if missing:
            print(f"  Firestore emulator NOT MEASURED: {missing}")
            return
        with running_firestore_emulator(Path(folder) / "emulator.log") as host:
            os.environ["FIRESTORE_EMULATOR_HOST"] = host
            from google.cloud import firestore

            store = FirestoreStore(project=PROJECT, client=firestore.Client(project=PROJECT), collection_prefix="b_")
            store_records(store, records)
            _report_rows("Firestore emulator", store, 3)


QUEUE_REQUESTS = 10_000
QUEUE_BASELINE_REQUESTS = 100
QUEUE_TIMED = 7


def _queue_records(count: int) -> list[Any]:
    """`count` requests as the store holds them: events from half a year back to half a year ahead, mostly done."""
    import datetime as dt

    from tests.test_store_contract import record
    from vicon.lifecycle import Status
    from vicon.settings import Settings

    offices = Settings.from_env({"SIGNING_KEY": "bench"}).opd_list
    statuses = [Status.COMPLETED] * 6 + [Status.SUBMITTED, Status.PROVISIONED, Status.REJECTED, Status.CANCELLED]
    first = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)
    return [
        record(
            f"VC-2026-{n:06d}",
            first + dt.timedelta(minutes=53 * n),
            status=statuses[n % len(statuses)],
            opd=offices[n % len(offices)],
            event_name=f"Rapat koordinasi {n}",
        )
        for n in range(count)
    ]


def _seed_queue(store: Any, count: int) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from tests.test_store_contract import audit

    def create(one: Any) -> None:
        store.create_request(one, audit(one.id, one.status), [])

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(create, _queue_records(count)))


QUEUE_QUERIES = {
    "default (from today)": {},
    "status=submitted, all dates": {"status": "submitted", "from": ""},
    "one OPD, one month": {"opd": "Dinas Kesehatan", "from": "2026-12-01", "to": "2026-12-31"},
    "q= matching nothing, all dates": {"q": "tidak-ada-yang-cocok", "from": ""},
}


def _queue_times(store: Any, data: Path) -> dict[str, float]:
    """Median seconds of staff_requests per query through the target, signed in, against `store`."""
    import datetime as dt
    import secrets

    from functions_framework import create_app

    from tests.harness import Clock, settings_for, unreachable_zoom
    from vicon.blobs import FolderBlobs
    from vicon.core import Core
    from vicon.mail import FolderMailSink
    from vicon.usecases.staff_access import SESSION_LIFETIME, token_hash
    from vicon.wiring import reset_core

    now = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)
    settings = settings_for(data, VERIFIER_EMAILS="v@bench.example")
    reset_core(
        Core(
            settings, store, FolderBlobs(data / "blobs"), FolderMailSink(data / "mail"), unreachable_zoom(), Clock(now)
        )
    )
    session = secrets.token_urlsafe(32)
    store.create_session(token_hash(session), "v@bench.example", now, now + SESSION_LIFETIME)
    client = create_app("staff_requests", str(REPO / "functions" / "main.py")).test_client()
    client.set_cookie("__Host-vicon_konsol", session)
    medians = {}
    for label, query in QUEUE_QUERIES.items():
        times = []
        for n in range(QUEUE_TIMED + 1):
            start = time.perf_counter()
            response = client.get("/", query_string=query)
            elapsed = time.perf_counter() - start
            assert response.status_code == 200, response.get_data(as_text=True)
            if n:  # the first pays for imports and caches
                times.append(elapsed)
        medians[label] = statistics.median(times)
    client.delete_cookie("__Host-vicon_konsol")
    refused = []
    for _ in range(QUEUE_TIMED):
        start = time.perf_counter()
        assert client.get("/").status_code == 401
        refused.append(time.perf_counter() - start)
    medians["401 without a session"] = statistics.median(refused)
    return medians


def bench_staff_queue() -> None:
    """staff_requests answer time over 10,000 requests, on SQLite and on the Firestore emulator, against the same
    queries over 100 requests in the same run (and the 401 answer, which reads no request)."""
    import os
    import uuid

    from tests.firestore_emulator import PROJECT, missing_firestore_tools, running_firestore_emulator
    from vicon.store.firestore import FirestoreStore
    from vicon.store.sqlite import SqliteStore

    print(f"staff_requests (the console's queue as JSON, at most 500 answered; median of {QUEUE_TIMED})")

    def report(label: str, make_store: Any, data: Path) -> None:
        small, big = make_store("small"), make_store("big")
        _seed_queue(small, QUEUE_BASELINE_REQUESTS)
        _seed_queue(big, QUEUE_REQUESTS)
        base, ours = _queue_times(small, data), _queue_times(big, data)
        print(f"  {label}: {QUEUE_REQUESTS:,} requests vs baseline {QUEUE_BASELINE_REQUESTS}")
        for query, seconds in ours.items():
            print(
                f"    {query:<34} {seconds * 1000:8.1f} ms   baseline {base[query] * 1000:7.1f} ms"
                f"   {seconds / base[query]:5.1f}x"
            )

    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        report("SQLite", lambda name: SqliteStore(data / f"queue-{name}.sqlite3"), data)
        missing = missing_firestore_tools()
        if missing:
            print(f"  Firestore emulator NOT MEASURED: {missing}")
            return
        with running_firestore_emulator(data / "emulator.log") as host:
            os.environ["FIRESTORE_EMULATOR_HOST"] = host
            from google.cloud import firestore

            client = firestore.Client(project=PROJECT)

            def firestore_store(name: str) -> FirestoreStore:
                return FirestoreStore(project=PROJECT, client=client, collection_prefix=f"q{uuid.uuid4().hex[:8]}_")

            report("Firestore emulator", firestore_store, data)


BENCHES = {
    "cold_import": bench_cold_import,
    "first_request": bench_first_request,
    "page_weight": bench_page_weight,
    "submit_latency": bench_submit_latency,
    "submit_with_silent_mail_server": bench_submit_with_silent_mail_server,
    "approve_latency": bench_approve_latency,
    "letter_bomb": bench_letter_bomb,
    "approve_with_zoom_429": bench_approve_with_zoom_429,
    "recording_archive": bench_recording_archive,
    "webhook_ack": bench_webhook_ack,
    "report": bench_report,
    "staff_queue": bench_staff_queue,
}

if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.ERROR)
    for name in sys.argv[1:] or BENCHES:
        BENCHES[name]()
