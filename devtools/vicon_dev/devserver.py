"""`make run`: one local server for the site, every target under /api/<target>, the mail sink and a ticker.

Production serves each target as its own Cloud Function; the Functions Framework serves one target per
process, so this small Flask app stands in for the load balancer locally.
"""

from __future__ import annotations

import logging
import re
import threading
from email.message import EmailMessage

import flask
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule
from werkzeug.utils import secure_filename

from vicon.mail import FolderMailSink
from vicon.settings import REPO_DIR, Settings
from vicon.web import MAIL_BODY_CSP, TOKEN_PAGES, error, html_response, page_csp, security_headers
from vicon.wiring import build_core, reset_core

log = logging.getLogger("vicon_dev.devserver")

SITE_DIR = REPO_DIR / "site"
TARGETS = (
    "submit_request",
    "request_status",
    "review_request",
    "request_letter",
    "scheduled_tick",
    "intake_options",
    "start_meeting",
    "cancel_request",
    "openapi_json",
    "zoom_webhook",
    "recording_decision",
    "recordings",
    "recording_file",
    "staff_login",
    "staff_logout",
    "staff_requests",
    "staff_console",
    "staff_request",
    "staff_letter",
)
# Paths that name a target differently: the document is at /api/openapi.json, as DESIGN.md's contract says.
TARGET_PATHS = {"openapi.json": "openapi_json"}
TICK_SECONDS = 60
_LINK = re.compile(r"https?://[^\s\"'<>]+")


def create_app(settings: Settings, tick_seconds: float | None = TICK_SECONDS) -> flask.Flask:
    """The dev server's app; with `tick_seconds` set, scheduled_tick runs by itself in the background."""
    import main  # functions/main.py: the same targets production deploys

    core = build_core(settings)
    reset_core(core)
    app = flask.Flask(__name__, static_folder=None)

    @app.after_request
    def headers(response: flask.Response) -> flask.Response:
        # The same policy the functions apply to their own answers (idempotent for those); here it also covers
        # the static site, this server's own errors and the dev mailbox. The site's pages without a token and
        # its assets may be cached, as on the static hosting.
        path = flask.request.path
        cacheable = not path.startswith(("/api/", "/_dev/")) and path.lstrip("/") not in TOKEN_PAGES
        return security_headers(response, no_store=not cacheable)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> flask.Response | HTTPException:
        code = exc.code or 500
        if code < 400:  # routing's own redirects (a missing trailing slash) stay redirects
            return exc
        if flask.request.path.startswith("/api/"):
            return error(code, "Layanan tidak dikenal." if code == 404 else "Permintaan tidak dapat dilayani.")
        heading = "Halaman tidak ditemukan" if code == 404 else "Permintaan tidak dapat dilayani"
        return html_response(core.page("pages/message.html", heading=heading, message=f"Kode {code}."), code)

    def api(target: str) -> flask.Response:
        target = TARGET_PATHS.get(target, target)
        if target not in TARGETS:
            return error(404, "Layanan tidak dikenal.")
        handler = getattr(main, target)
        return handler(flask.request)

    # Every method reaches the target, as on Cloud Functions (the Functions Framework routes them all): a method
    # a target does not take (TRACE included) gets the target's own 405 with its Allow header.
    app.url_map.add(Rule("/api/<target>", endpoint="api"))
    app.view_functions["api"] = api

    @app.get("/")
    def index() -> flask.Response:
        return flask.send_from_directory(SITE_DIR, "index.html")

    @app.get("/<path:name>")
    def site_file(name: str) -> flask.Response:
        return flask.send_from_directory(SITE_DIR, name)

    if settings.uses_mail_sink:
        sink = FolderMailSink(settings.mail_sink_dir)

        @app.get("/_dev/mail")
        def mail_list() -> flask.Response:
            return html_response(core.page("pages/dev_mail_list.html", messages=sink.list_messages(limit=200)))

        @app.get("/_dev/mail/<message_id>")
        def mail_view(message_id: str) -> flask.Response:
            message = _message_or_404(sink, message_id)
            text_part = message.get_body(("plain",))
            text = text_part.get_content() if text_part is not None else ""
            attachments = [
                (part.get_filename() or "lampiran", part.get_content_type()) for part in message.iter_attachments()
            ]
            page = core.page(
                "pages/dev_mail_message.html",
                message_id=message_id,
                message=message,
                has_html=message.get_body(("html",)) is not None,
                text=text,
                links=list(dict.fromkeys(_LINK.findall(text))),
                attachments=attachments,
            )
            # Its one frame shows the mail's HTML from mail_body below.
            return html_response(page, csp=page_csp(frame_src="'self'"))

        @app.get("/_dev/mail/<message_id>/body.html")
        def mail_body(message_id: str) -> flask.Response:
            # Its own URL, not srcdoc: a srcdoc frame inherits the page's policy, which (rightly) refuses the
            # inline styles every mail has; this answer's own policy sandboxes it instead.
            html_part = _message_or_404(sink, message_id).get_body(("html",))
            if html_part is None:
                flask.abort(404)
            response = flask.Response(html_part.get_content(), mimetype="text/html")
            response.headers["Content-Security-Policy"] = MAIL_BODY_CSP
            response.headers["X-Frame-Options"] = "SAMEORIGIN"
            return response

        @app.get("/_dev/mail/<message_id>/attachments/<int:index>")
        def mail_attachment(message_id: str, index: int) -> flask.Response:
            parts = list(_message_or_404(sink, message_id).iter_attachments())
            if not 0 <= index < len(parts):
                flask.abort(404)
            part = parts[index]
            # Always a download, never rendered in our origin (an attachment could be HTML); the name is reduced
            # to safe ASCII so it can neither break the header nor name a path.
            name = secure_filename(part.get_filename() or "") or "lampiran"
            return flask.Response(
                part.get_payload(decode=True),
                mimetype=part.get_content_type(),
                headers={"Content-Disposition": f'attachment; filename="{name}"'},
            )

    if settings.uses_zoom_sandbox:
        from werkzeug.middleware.dispatcher import DispatcherMiddleware

        from vicon.wiring import SANDBOX_PATH
        from vicon_dev.zoom_sandbox import create_sandbox_app

        # The same ZoomClient production uses talks to this sandbox over HTTP.
        app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {SANDBOX_PATH: create_sandbox_app()})  # type: ignore[method-assign]

    if tick_seconds:
        wake = threading.Event()
        # A webhook (or a staff decision) queues a job: the ticker runs it at once, as DESIGN.md asks of the
        # local server, instead of at the next minute.
        core.on_jobs_queued = wake.set
        threading.Thread(target=_tick_forever, args=(core, tick_seconds, wake), daemon=True, name="ticker").start()
    return app


def _message_or_404(sink: FolderMailSink, message_id: str) -> EmailMessage:
    message = sink.get_message(message_id)
    if message is None:
        flask.abort(404)
    return message


def _tick_forever(core: object, seconds: float, wake: threading.Event) -> None:
    from vicon.core import Core

    assert isinstance(core, Core)
    while True:
        woken = wake.wait(seconds)
        wake.clear()
        try:
            if woken:
                core.run_jobs()
                core.deliver_mail()
            else:
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
