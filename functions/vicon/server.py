"""The internal server's WSGI app: every target of `main.py` at /api/<target>, and nothing else.

For regencies that keep their data on their own machine ("server internal", SOP item 13): gunicorn serves this
app on 127.0.0.1 behind Caddy, which serves `site/` itself (README "Internal server", decision 0023).

    gunicorn -c deploy/server/gunicorn.conf.py 'vicon.server:create_app()'

It is what the Functions Framework gives each Cloud Function, for all targets in one process: the same handlers,
every method reaching them (a method a target does not take gets its own 405 with `Allow`), and the same header
policy on every answer. Unlike the dev server it has no site, no /_dev mailbox, no /_zoom sandbox and no ticker
(the systemd timer calls scheduled_tick), and it refuses to start unless the settings are production ones
(`VICON_ENV=production`), so it can never fall back to the mail sink or the Zoom sandbox.
"""

from __future__ import annotations

import logging

import flask
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule

from vicon.settings import Settings, SettingsError
from vicon.web import error, security_headers

log = logging.getLogger(__name__)

# The targets of functions/main.py, each served at /api/<name> (tests/test_openapi.py keeps the list complete).
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
    "submit_survey",
    "quarterly_report",
    "submit_complaint",
    "complaint_answer",
    "complaint_register",
    "complaint_register_link",
    "staff_login",
    "staff_logout",
    "staff_requests",
    "staff_console",
    "staff_calendar",
    "staff_request",
    "staff_letter",
    "staff_new_request",
    "staff_new_complaint",
)
# Paths that name a target differently: the document is at /api/openapi.json, as DESIGN.md's contract says.
TARGET_PATHS = {"openapi.json": "openapi_json"}
UNKNOWN_TARGET = "Layanan tidak dikenal."
NOT_SERVED = "Permintaan tidak dapat dilayani."


def answer_target(target: str) -> flask.Response:
    """The current request answered by the target `target` names, or a 404 naming no known target."""
    import main  # functions/main.py: the targets Google Cloud deploys, one function each

    name = TARGET_PATHS.get(target, target)
    if name not in TARGETS:
        return error(404, UNKNOWN_TARGET)
    handler = getattr(main, name)
    response: flask.Response = handler(flask.request)
    return response


def add_api_routes(app: flask.Flask) -> None:
    """/api/<target> for every method, as on Cloud Functions (the Functions Framework routes them all)."""
    app.url_map.add(Rule("/api/<target>", endpoint="api"))
    app.view_functions["api"] = answer_target


def api_error(exc: HTTPException) -> flask.Response:
    """A routing error under /api/ (an unknown path, a path with more segments) as the JSON errors list."""
    code = exc.code or 500
    return error(code, UNKNOWN_TARGET if code == 404 else NOT_SERVED)


def create_app(settings: Settings | None = None) -> flask.Flask:
    """The app gunicorn serves (`vicon.server:create_app()`, once per worker: nothing is preloaded).

    The process-wide core is built here from the same settings, so a configuration error stops start-up
    instead of the first request, and every worker opens its own SQLite connections after the fork.
    """
    settings = Settings.from_env() if settings is None else settings
    if not settings.production:
        raise SettingsError(
            "vicon.server is the internal server's app and runs with production settings only: set "
            "VICON_ENV=production (with PUBLIC_BASE_URL, STORE_URL, BLOB_URL, SMTP_HOST, SIGNING_KEY, TICK_TOKEN and "
            "Zoom's); `make run` is the local server"
        )
    # Production settings never name these (SMTP_HOST and Zoom's credentials are required); a belt to those braces.
    assert not settings.uses_mail_sink and not settings.uses_zoom_sandbox

    from vicon.wiring import build_core, reset_core

    reset_core(build_core(settings))
    app = flask.Flask(__name__, static_folder=None)
    add_api_routes(app)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> flask.Response | HTTPException:
        if (exc.code or 500) < 400:  # routing's own redirects stay redirects
            return exc
        return api_error(exc)

    @app.after_request
    def headers(response: flask.Response) -> flask.Response:
        # The targets set them on their own answers already (idempotent there); this covers the routing's 404s.
        return security_headers(response)

    log.info(
        "Vicon internal server: %s, store %s, blobs %s, mail via %s",
        settings.public_base_url,
        settings.store_url,
        settings.blob_url,
        settings.smtp_host,
    )
    return app
