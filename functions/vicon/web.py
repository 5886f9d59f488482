"""Mapping core results and errors to HTTP responses; messages for people in Bahasa Indonesia."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable, Iterable
from functools import wraps
from typing import TYPE_CHECKING, Any

import flask
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from vicon.fields import FieldError
from vicon.forms import MAX_BODY_BYTES

if TYPE_CHECKING:
    from vicon.settings import Settings

log = logging.getLogger(__name__)

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
TOKEN_PAGES = frozenset({"status.html", "survei.html"})


def page_csp(**widen: str) -> str:
    """The page policy, with directives (`form_action="'self' https:"`) replaced for one page.

    Pages show the configured logo: an https LOGO_URL adds its origin (and only that) to img-src.
    """
    directives = (
        PAGE_CSP | {"img-src": _image_sources()} | {name.replace("_", "-"): value for name, value in widen.items()}
    )
    unknown = set(directives) - set(PAGE_CSP)
    if unknown:
        raise ValueError(f"unknown CSP directives {sorted(unknown)}")
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def _image_sources() -> str:
    # The process-wide settings once the core is built (every target builds it before it renders a page).
    from vicon import wiring

    origin = wiring.current_settings_logo_origin()
    return f"{PAGE_CSP['img-src']} {origin}" if origin else PAGE_CSP["img-src"]


def security_headers(response: flask.Response, *, no_store: bool = True) -> flask.Response:
    """Add the policy's headers; a response that set its own CSP (and framing rule, referrer policy) keeps them.

    `no_store=False` only for the public static site's pages and assets, which may be cached.
    """
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    # No page of ours has a reason to tell another site where the visitor came from, and several carry tokens.
    # The staff console's answers say `strict-origin` themselves (vicon.staff_http.REFERRER_POLICY) and keep it.
    headers.setdefault("Referrer-Policy", "no-referrer")
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


def error(status: int, message: str, field: str | None = None, headers: dict[str, str] | None = None) -> flask.Response:
    return error_response(status, [FieldError(field, message)], headers)


def unread_body_error(status: int, errors: Iterable[FieldError]) -> flask.Response:
    """An error answer to a request whose body was not (or could not be) read to its end.

    Streamed: the Functions Framework reads the rest of the body before any other answer, and that read would
    re-refuse an oversized body or crash on a broken one.
    """
    listed = [error.as_json() for error in errors]
    response = flask.Response(
        iter([json.dumps({"errors": listed}, ensure_ascii=False)]), status, mimetype="application/json"
    )
    response.headers["Cache-Control"] = "no-store"
    return security_headers(response)


def too_large(errors: Iterable[FieldError] = ()) -> flask.Response:
    """413 naming the part at fault when one is known."""
    listed = list(errors) or [FieldError(None, f"Kiriman terlalu besar; batasnya {MAX_BODY_BYTES // 2**20} MB.")]
    return unread_body_error(413, listed)


def client_address(request: flask.Request, settings: Settings) -> str | None:
    """The client's IP: the X-Forwarded-For entry our own proxies appended, else the peer address.

    Entries left of those were written by the client itself and are never trusted.
    """
    hops = settings.trusted_proxy_hops
    if hops == 0:
        return request.remote_addr
    forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",") if part.strip()]
    return forwarded[-hops] if len(forwarded) >= hops else request.remote_addr


def bearer_token_matches(request: flask.Request, expected: str | None) -> bool:
    """Whether the request's `Authorization: Bearer <token>` names `expected`; any request when it is None.

    Compared in constant time, so the answer's timing tells nothing about how much of a guess was right.
    """
    if expected is None:
        return True
    scheme, _, given = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode("utf-8", "surrogateescape"), expected.encode("utf-8"))


def html_response(body: str, status: int = 200, csp: str | None = None) -> flask.Response:
    """A server-rendered page; its URL usually carries a token, so it is never stored (see security_headers)."""
    response = flask.Response(body, status=status, mimetype="text/html")
    if csp is not None:
        response.headers["Content-Security-Policy"] = csp
    return security_headers(response)


SMALL_FORM_BYTES = 64 * 1024
FORM_MIMETYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
UNREADABLE_BODY = "Permintaan tidak dapat dibaca (kiriman terpotong atau rusak); kirim ulang."


def allow(*methods: str, reads_body: bool = False) -> Callable[[Handler], Handler]:
    """Answer other methods with 405 and a message, turn any unexpected error into a logged 503, and give every
    answer the header policy (`security_headers`), whichever way the handler built it.

    A small form (a decision, a cancel, an officer's button) is read here, up front, so a body that cannot be
    read (a broken chunked transfer, a truncated multipart) is a 400 and never surfaces later as a 503; a
    handler that reads its own body (`reads_body`) gets the stream untouched.
    """
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
            if not reads_body and request.method == "POST" and request.mimetype in FORM_MIMETYPES:
                request.max_content_length = SMALL_FORM_BYTES
                try:
                    request.form  # noqa: B018 — parsed and cached now, where a broken body can be told apart
                except RequestEntityTooLarge:
                    return too_large()
                except (OSError, ValueError, HTTPException):
                    return unread_body_error(400, [FieldError(None, UNREADABLE_BODY)])
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
                # Never "nothing was saved": the failure may have come after a write.
                return error(503, "Layanan sedang mengalami gangguan; silakan coba lagi beberapa saat lagi.")

        return target

    return decorate
