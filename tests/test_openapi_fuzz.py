"""schemathesis against the real dev server with the document it serves: every operation, every check (but the
two tests/schemathesis.toml explains), no 5xx, no status code, content type, header or body the document does not
allow. The server runs with its own data folder and generous rate limits, on loopback only; the run is bounded
(`--max-examples`, a request timeout, the test's own timeout), about 15-30 s.

VICON_FUZZ_SEED picks another seed, VICON_FUZZ_EXAMPLES more examples (the defaults keep `make test` short).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.browser_fixtures import serve_dev
from vicon.settings import REPO_DIR

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CONFIG = REPO_DIR / "tests" / "schemathesis.toml"
GENEROUS = "100000/hour"


def test_schemathesis_finds_no_answer_outside_the_document(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    seed = os.environ.get("VICON_FUZZ_SEED", "20261201")
    examples = os.environ.get("VICON_FUZZ_EXAMPLES", "60")
    with serve_dev(
        tmp_path_factory, SUBMIT_RATE_LIMIT=GENEROUS, SUBMIT_RATE_LIMIT_PER_CLIENT=GENEROUS, SMTP_HOST=""
    ) as base:
        assert base.startswith("http://127.0.0.1:")
        # The served document from a file: schemathesis skips the operation a schema URL names, and GET
        # /api/openapi.json is one of ours.
        served = tmp_path / "openapi.json"
        with urllib.request.urlopen(f"{base}/api/openapi.json", timeout=10) as answer:
            served.write_bytes(answer.read())
        run = subprocess.run(
            [
                str(SCHEMATHESIS),
                "--config-file",
                str(CONFIG),
                "--no-color",
                "run",
                str(served),
                "--url",
                f"{base}/api",
                "--max-examples",
                examples,
                "--seed",
                seed,
                "--workers",
                "2",
                "--request-timeout",
                "20",
                "--generation-database",
                "none",
                "--phases",
                "examples,coverage,fuzzing",
            ],
            cwd=tmp_path,
            env=dict(os.environ, PYTHONPATH=str(REPO_DIR)),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert run.returncode == 0, f"schemathesis (seed {seed}) failed:\n{run.stdout[-30000:]}\n{run.stderr[-5000:]}"
    operations = sum(len(methods) for methods in json.loads(served.read_text())["paths"].values())
    assert f"Operations:       {operations} selected / {operations} total" in run.stdout, run.stdout[:3000]
