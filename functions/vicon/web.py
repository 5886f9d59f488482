"""Mapping core results and errors to HTTP responses; messages for people in Bahasa Indonesia."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

import flask
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.formparser import FormDataParser

from vicon.intake import FieldError

log = logging.getLogger(__name__)

# The letter may be 5 MiB; the text fields add at most a few hundred KiB.
MAX_BODY_BYTES = 6 * 1024 * 1024
# All text fields together: the longest allowed (participants, 20,000 characters) in multi-byte UTF-8, with room.
MAX_FORM_FIELDS_BYTES = 512 * 1024

Handler = Callable[[flask.Request], flask.Response]


# ---- the one header policy -------------------------------------------------------------------------------
# Every answer of every target (through `allow`) and of the dev server (through its after_request) passes
# through `security_headers`, so production and `make run` send the same headers. README "Security headers"
# lists them; keep the two in step.

# What our pages need and nothing more: scripts, styles and fetches from the site itself, no inline script or
# style (site/assets/ holds them), forms posting to ourselves, never framed. A page may widen one directive by
# name (see `page_csp`), never the whole policy.
PAGE_CSP: dict[str, str] = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-src": "'none'",
    "base-uri": "'none'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
}
# JSON, assets, attachments: nothing in them may run, load or be framed, should a browser ever render one.
NON_PAGE_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
# The dev mailbox shows a mail's own HTML in a sandboxed frame of its message page: no script, no fetches, the
# mail's inline styles (mail clients need them), framed only by our own page. `sandbox` holds even when the URL is
# opened directly rather than in the frame.
MAIL_BODY_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
# Pages, not assets, carry signed tokens in their URL; a static page with one is listed here (the dev server
# and the static hosting must not let a browser or proxy keep a copy of it).
TOKEN_PAGES = frozenset({"status.html"})


def page_csp(**widen: str) -> str:
    """The page policy, with directives (`form_action="'self' https:"`) replaced for one page."""
    directives = PAGE_CSP | {name.replace("_", "-"): value for name, value in widen.items()}
    unknown = set(directives) - set(PAGE_CSP)
    if unknown:
        raise ValueError(f"unknown CSP directives {sorted(unknown)}")
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def security_headers(response: flask.Response, *, no_store: bool = True) -> flask.Response:
    """Add the policy's headers; a response that set its own CSP (and framing rule) keeps them.

    `no_store=False` only for the public static site's pages and assets, which may be cached.
    """
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    # No page of ours has a reason to tell another site where the visitor came from, and several carry tokens.
    headers["Referrer-Policy"] = "no-referrer"
    if "Content-Security-Policy" not in headers:
        # A download is never a page of ours, even when it is HTML (a mail's attachment).
        download = headers.get("Content-Disposition", "").startswith("attachment")
        is_page = response.mimetype == "text/html" and not download
        headers["Content-Security-Policy"] = page_csp() if is_page else NON_PAGE_CSP
    # For browsers that predate frame-ancestors; the one page that may be framed by us says SAMEORIGIN itself.
    headers.setdefault("X-Frame-Options", "DENY")
    if no_store:
        headers["Cache-Control"] = "no-store"
    return response


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> flask.Response:
    response = flask.Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json", headers=headers
    )
    return security_headers(response)


def error_response(status: int, errors: Iterable[FieldError], headers: dict[str, str] | None = None) -> flask.Response:
    return json_response({"errors": [error.as_json() for error in errors]}, status, headers)


def error(status: int, message: str, field: str | None = None) -> flask.Response:
    return error_response(status, [FieldError(field, message)])


def too_large() -> flask.Response:
    """413; streamed, so the Functions Framework does not drain (and re-refuse) the oversized body."""
    body = json.dumps(
        {"errors": [{"field": None, "message": f"Kiriman terlalu besar; batasnya {MAX_BODY_BYTES // 2**20} MB."}]}
    )
    return security_headers(flask.Response(iter([body]), status=413, mimetype="application/json"))


def limit_body(request: flask.Request) -> flask.Response | None:
    """413 for a declared length over the limit; a chunked body is cut off at the limit while it is parsed."""
    if request.content_length is not None:
        return too_large() if request.content_length > MAX_BODY_BYTES else None
    request.max_content_length = MAX_BODY_BYTES
    return None


class UnreadableForm(ValueError):
    """The body claims to be a form but cannot be parsed (truncated or malformed multipart)."""


def parse_form(request: flask.Request) -> tuple[MultiDict[str, str], MultiDict[str, FileStorage]]:
    """Fields and files of a form body; werkzeug's own parsing would turn a broken body into an empty form."""
    parser = FormDataParser(max_content_length=MAX_BODY_BYTES, max_form_memory_size=MAX_FORM_FIELDS_BYTES, silent=False)
    try:
        _, form, files = parser.parse(request.stream, request.mimetype, request.content_length, request.mimetype_params)
    except ValueError as exc:  # RequestEntityTooLarge is not one: it reaches allow() and becomes a 413
        raise UnreadableForm(str(exc)) from exc
    return form, files


def html_response(body: str, status: int = 200, csp: str | None = None) -> flask.Response:
    """A server-rendered page; its URL usually carries a token, so it is never stored (see security_headers)."""
    response = flask.Response(body, status=status, mimetype="text/html")
    if csp is not None:
        response.headers["Content-Security-Policy"] = csp
    return security_headers(response)


def allow(*methods: str) -> Callable[[Handler], Handler]:
    """Answer other methods with 405 and a message, turn any unexpected error into a logged 503, and give every
    answer the header policy (`security_headers`), whichever way the handler built it."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        def target(request: flask.Request) -> flask.Response:
            return security_headers(answer(request))

        def answer(request: flask.Request) -> flask.Response:
            if request.method not in allowed:
                return error_response(
                    405,
                    [FieldError(None, f"Metode {request.method} tidak didukung; gunakan {' atau '.join(methods)}.")],
                    headers={"Allow": ", ".join(sorted(allowed))},
                )
            try:
                return handler(request)
            except RequestEntityTooLarge:
                return too_large()
            except HTTPException as exc:
                code = exc.code or 400
                if code >= 500:
                    raise
                return error(code, "Permintaan tidak dapat dibaca.")
            except Exception:
                log.exception("unexpected error in %s", handler.__name__)
                return error(503, "Layanan sedang mengalami gangguan. Tidak ada yang tersimpan; silakan coba lagi.")

        return target

    return decorate
