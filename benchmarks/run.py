"""`make bench`: cold import, intake page weight, submit latency. Medians of several fresh runs.

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

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "functions"), str(REPO)]

RUNS = 7
SUBMITS_PER_RUN = 20

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


def bench_submit_latency() -> None:
    import datetime as dt

    from functions_framework import create_app

    from tests.harness import Clock, settings_for, unreachable_zoom, valid_fields
    from tests.pdfs import one_page_pdf
    from vicon.blobs import FolderBlobs
    from vicon.core import Core
    from vicon.mail import FolderMailSink
    from vicon.store.sqlite import SqliteStore
    from vicon.wiring import reset_core

    letter = one_page_pdf()
    medians, p95s, baselines = [], [], []
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory() as folder:
            data = Path(folder)
            core = Core(
                settings=settings_for(data),
                store=SqliteStore(data / "store.sqlite3"),
                blobs=FolderBlobs(data / "blobs"),
                mailer=FolderMailSink(data / "mail"),
                meetings=unreachable_zoom(),
                clock=Clock(dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)),
            )
            reset_core(core)
            submit = create_app("submit_request", str(REPO / "functions" / "main.py")).test_client()
            options = create_app("intake_options", str(REPO / "functions" / "main.py")).test_client()
            times, base = [], []
            for n in range(SUBMITS_PER_RUN + 1):
                fields = dict(valid_fields(event_name=f"Rapat {n}"))
                fields["letter"] = (io.BytesIO(letter), "surat.pdf", "application/pdf")
                start = time.perf_counter()
                response = submit.post("/", data=fields, content_type="multipart/form-data")
                elapsed = time.perf_counter() - start
                assert response.status_code == 201, response.get_data(as_text=True)
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


if __name__ == "__main__":
    bench_cold_import()
    bench_page_weight()
    bench_submit_latency()
