"""Mapping core results and errors to HTTP responses; messages for people in Bahasa Indonesia."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

import flask
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from vicon.forms import MAX_BODY_BYTES
from vicon.intake import FieldError
from vicon.settings import Settings

log = logging.getLogger(__name__)

Handler = Callable[[flask.Request], flask.Response]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> flask.Response:
    response = flask.Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json", headers=headers
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def error_response(status: int, errors: Iterable[FieldError], headers: dict[str, str] | None = None) -> flask.Response:
    return json_response({"errors": [error.as_json() for error in errors]}, status, headers)


def error(status: int, message: str, field: str | None = None, headers: dict[str, str] | None = None) -> flask.Response:
    return error_response(status, [FieldError(field, message)], headers)


def too_large(errors: Iterable[FieldError] = ()) -> flask.Response:
    """413 naming the part at fault when one is known.

    Streamed, so the Functions Framework does not drain (and re-refuse) the rest of an oversized body.
    """
    listed = [error.as_json() for error in errors] or [
        {"field": None, "message": f"Kiriman terlalu besar; batasnya {MAX_BODY_BYTES // 2**20} MB."}
    ]
    response = flask.Response(
        iter([json.dumps({"errors": listed}, ensure_ascii=False)]), 413, mimetype="application/json"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def client_address(request: flask.Request, settings: Settings) -> str | None:
    """The client's IP: the X-Forwarded-For entry our own proxies appended, else the peer address.

    Entries left of those were written by the client itself and are never trusted.
    """
    hops = settings.trusted_proxy_hops
    if hops == 0:
        return request.remote_addr
    forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",") if part.strip()]
    return forwarded[-hops] if len(forwarded) >= hops else request.remote_addr


def html_response(body: str, status: int = 200) -> flask.Response:
    response = flask.Response(body, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    # Pages carry signed tokens in their URL: never leak them to other sites.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def allow(*methods: str) -> Callable[[Handler], Handler]:
    """Answer other methods with 405 and a message, and turn any unexpected error into a logged 503."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        def target(request: flask.Request) -> flask.Response:
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
                # Never "nothing was saved": the failure may have come after a write.
                return error(503, "Layanan sedang mengalami gangguan; silakan coba lagi beberapa saat lagi.")

        return target

    return decorate
