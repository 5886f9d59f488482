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


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> flask.Response:
    response = flask.Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json", headers=headers
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def error_response(status: int, errors: Iterable[FieldError], headers: dict[str, str] | None = None) -> flask.Response:
    return json_response({"errors": [error.as_json() for error in errors]}, status, headers)


def error(status: int, message: str, field: str | None = None) -> flask.Response:
    return error_response(status, [FieldError(field, message)])


def too_large() -> flask.Response:
    """413; streamed, so the Functions Framework does not drain (and re-refuse) the oversized body."""
    body = json.dumps(
        {"errors": [{"field": None, "message": f"Kiriman terlalu besar; batasnya {MAX_BODY_BYTES // 2**20} MB."}]}
    )
    return flask.Response(iter([body]), status=413, mimetype="application/json")


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
                return error(503, "Layanan sedang mengalami gangguan. Tidak ada yang tersimpan; silakan coba lagi.")

        return target

    return decorate
