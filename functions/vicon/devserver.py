"""`make run`: one local server for the site, every target under /api/<target>, the mail sink and a ticker.

Production serves each target as its own Cloud Function; the Functions Framework serves one target per
process, so this small Flask app stands in for the load balancer locally.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from email.message import EmailMessage

import flask

from vicon.mail import FolderMailSink
from vicon.settings import REPO_DIR, Settings
from vicon.wiring import build_core, reset_core

log = logging.getLogger("vicon.devserver")

SITE_DIR = REPO_DIR / "site"
TARGETS = (
    "submit_request",
    "request_status",
    "review_request",
    "scheduled_tick",
    "intake_options",
    "start_meeting",
    "cancel_request",
)
TICK_SECONDS = 60
_LINK = re.compile(r"https?://[^\s\"'<>]+")


def create_app(settings: Settings, tick_seconds: float | None = TICK_SECONDS) -> flask.Flask:
    """The dev server's app; with `tick_seconds` set, scheduled_tick runs by itself in the background."""
    import main  # functions/main.py: the same targets production deploys

    core = build_core(settings)
    reset_core(core)
    app = flask.Flask(__name__, static_folder=None)

    @app.route("/api/<target>", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
    def api(target: str) -> flask.Response:
        if target not in TARGETS:
            return flask.Response(
                '{"errors": [{"field": null, "message": "Layanan tidak dikenal."}]}', 404, mimetype="application/json"
            )
        handler = getattr(main, target)
        return handler(flask.request)

    @app.get("/")
    def index() -> flask.Response:
        return flask.send_from_directory(SITE_DIR, "index.html")

    @app.get("/<path:name>")
    def site_file(name: str) -> flask.Response:
        return flask.send_from_directory(SITE_DIR, name)

    if settings.uses_mail_sink:
        sink = FolderMailSink(settings.mail_sink_dir)

        @app.get("/_dev/mail")
        def mail_list() -> str:
            return core.page("pages/dev_mail_list.html", messages=sink.list_messages(limit=200))

        @app.get("/_dev/mail/<message_id>")
        def mail_view(message_id: str) -> str:
            message = _message_or_404(sink, message_id)
            html_part = message.get_body(("html",))
            text_part = message.get_body(("plain",))
            html = html_part.get_content() if html_part is not None else ""
            text = text_part.get_content() if text_part is not None else ""
            attachments = [
                (part.get_filename() or "lampiran", part.get_content_type()) for part in message.iter_attachments()
            ]
            return core.page(
                "pages/dev_mail_message.html",
                message_id=message_id,
                message=message,
                html=html,
                text=text,
                links=list(dict.fromkeys(_LINK.findall(text))),
                attachments=attachments,
            )

        @app.get("/_dev/mail/<message_id>/attachments/<int:index>")
        def mail_attachment(message_id: str, index: int) -> flask.Response:
            parts = list(_message_or_404(sink, message_id).iter_attachments())
            if not 0 <= index < len(parts):
                flask.abort(404)
            part = parts[index]
            return flask.Response(
                part.get_payload(decode=True),
                mimetype=part.get_content_type(),
                headers={"Content-Disposition": f'inline; filename="{part.get_filename() or "lampiran"}"'},
            )

    if settings.uses_zoom_sandbox:
        from werkzeug.middleware.dispatcher import DispatcherMiddleware

        from vicon.wiring import SANDBOX_PATH
        from vicon.zoom_sandbox import create_sandbox_app

        # The same ZoomClient production uses talks to this sandbox over HTTP.
        app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {SANDBOX_PATH: create_sandbox_app()})  # type: ignore[method-assign]

    if tick_seconds:
        threading.Thread(target=_tick_forever, args=(core, tick_seconds), daemon=True, name="ticker").start()
    return app


def _message_or_404(sink: FolderMailSink, message_id: str) -> EmailMessage:
    message = sink.get_message(message_id)
    if message is None:
        flask.abort(404)
    return message


def _tick_forever(core: object, seconds: float) -> None:
    from vicon.core import Core

    assert isinstance(core, Core)
    while True:
        time.sleep(seconds)
        try:
            core.tick()
        except Exception:
            log.exception("scheduled tick failed")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    app = create_app(settings)
    log.info(
        "Vicon at %s (store %s, mail %s)",
        settings.public_base_url,
        settings.store_url,
        "sink: /_dev/mail" if settings.uses_mail_sink else settings.smtp_host,
    )
    app.run(host="127.0.0.1", port=settings.port, threaded=True)


if __name__ == "__main__":
    main()
