"""One fresh interpreter of bench_first_request (benchmarks/run.py): build one target's app, time two requests.

A file of its own, not a mode of run.py, so this interpreter imports nothing the deployed function would not:
whatever main.py leaves to its first request (the store adapter, the letter check, templates, SMTP) is paid
inside the first timed request, and the second one shows the same request warm.

argv: the target, then the path of a JSON spec written by run.py: {"method", "content_type", "body" (a file
of the encoded request body, or null), "expect" (the status code)}. The environment carries the settings.
Prints one JSON line: {"create_app", "first", "warm"} in seconds.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

MAIN_PY = Path(__file__).resolve().parent.parent / "functions" / "main.py"
# As Google's front end would add it (production trusts one proxy hop); the site's fetch() asks for JSON.
HEADERS = {"X-Forwarded-For": "203.0.113.7", "Accept": "application/json"}


def main() -> None:
    target, spec_path = sys.argv[1], Path(sys.argv[2])
    spec: dict[str, Any] = json.loads(spec_path.read_text())
    body = Path(spec["body"]).read_bytes() if spec["body"] else None  # encoded by run.py: no encoder imported here

    from functions_framework import create_app

    start = time.perf_counter()
    # What the Functions Framework does on a cold start: import main.py and wrap the target in a Flask app.
    client = create_app(target, str(MAIN_PY)).test_client()
    create_app_seconds = time.perf_counter() - start

    def timed() -> float:
        start = time.perf_counter()
        response = client.open(
            "/", method=spec["method"], data=body, content_type=spec["content_type"], headers=HEADERS
        )
        response.get_data()  # the whole answer, as a caller receives it
        elapsed = time.perf_counter() - start
        if response.status_code != spec["expect"]:
            sys.exit(f"{target} answered {response.status_code}: {response.get_data(as_text=True)[:2000]}")
        return elapsed

    first = timed()
    warm = timed()
    print(json.dumps({"create_app": create_app_seconds, "first": first, "warm": warm}))


if __name__ == "__main__":
    main()
