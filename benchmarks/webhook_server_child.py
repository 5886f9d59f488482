"""The server of bench_webhook_ack (benchmarks/run.py): the zoom_webhook target over real HTTP on 127.0.0.1.

A process of its own, so the 50 client threads that post the deliveries do not share its GIL: the times measured
are the server's answers, not the client's own work queued behind them. The target is the Functions Framework's
app for zoom_webhook (what a deployed function serves) on werkzeug's threaded WSGI server, one thread per
connection; the core is the embedded one (SQLite, a blob folder, the mail sink), on the real clock (a delivery
is checked against it) and with no ticker, so nothing but the acknowledgements runs.

argv: the data folder, then the webhook secret. Prints the port it listens on as its first line, then serves
until the bench stops it by its PID.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "functions"), str(REPO / "devtools"), str(REPO)]


def main() -> None:
    data, secret = Path(sys.argv[1]), sys.argv[2]

    from functions_framework import create_app
    from werkzeug.serving import WSGIRequestHandler, make_server

    from vicon.blobs import FolderBlobs
    from vicon.core import Core
    from vicon.mail import FolderMailSink
    from vicon.settings import Settings
    from vicon.store.sqlite import SqliteStore
    from vicon.wiring import reset_core
    from vicon.zoom import ZoomClient

    class QuietHandler(WSGIRequestHandler):
        # An access log line per delivery would be most of what this process does.
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            pass

    settings = Settings.from_env(
        {
            "VICON_DATA_DIR": str(data),
            "SIGNING_KEY": "bench-signing-key",
            "PUBLIC_BASE_URL": "https://vicon.bench.example",
            "ZOOM_WEBHOOK_SECRET": secret,
        }
    )
    reset_core(
        Core(
            settings=settings,
            store=SqliteStore(data / "store.sqlite3"),
            blobs=FolderBlobs(data / "blobs"),
            mailer=FolderMailSink(data / "mail"),
            # Acknowledging never calls Zoom: nothing listens on the discard port, so a call would fail loudly.
            meetings=ZoomClient("http://127.0.0.1:9/v2", "http://127.0.0.1:9/oauth/token", "a", "b", "c", timeout=1),
        )
    )
    app = create_app("zoom_webhook", str(REPO / "functions" / "main.py"))
    # Port 0: the kernel picks a free one, reported to the bench on stdout.
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
