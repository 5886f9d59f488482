"""What the staff targets share over HTTP: the session cookie, the Origin check, the console pages' answers.

Light (Flask and `vicon.web` only); main.py imports it inside the staff targets (decision 0019). Decision 0030.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import flask

from vicon.web import error, html_response

# `__Host-` (https only): the browser takes the cookie only from this host, Secure, Path=/, no Domain, so no
# sibling subdomain can plant or shadow it. Plain http (the dev server) cannot carry the prefix.
SECURE_COOKIE = "__Host-vicon_konsol"
COOKIE = "vicon_konsol"
# A form POST from a page sent with `Referrer-Policy: no-referrer` carries `Origin: null` (Fetch: "append a
# request Origin header"), which the Origin check must refuse. The console's pages say `strict-origin` instead: a
# same-origin https POST carries the real Origin, and a Referer, to us or anyone, is only our origin, never a path
# or query (the sign-in confirmation page has its token in its URL; `same-origin` would send that URL to our own
# logs). Fetch nulls Origin only for `no-referrer` and for an https page posting to http, which we never do.
REFERRER_POLICY = "strict-origin"
FOREIGN_ORIGIN = "Permintaan ditolak: kirim dari halaman konsol Vicon sendiri (header Origin tidak ada atau asing)."
NOT_SIGNED_IN = "Masuk ke konsol Vicon dulu: sesi tidak ada atau sudah berakhir."


def is_https(public_base_url: str) -> bool:
    return urlsplit(public_base_url).scheme == "https"


def cookie_name(public_base_url: str) -> str:
    return SECURE_COOKIE if is_https(public_base_url) else COOKIE


def origin_of(url: str) -> str:
    """`scheme://host[:port]` as a browser sends it in `Origin` (lowercase, the default port left out)."""
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(scheme)
    try:
        port = parts.port
    except ValueError:
        return ""
    return f"{scheme}://{host}" + (f":{port}" if port and port != default else "")


def foreign_origin(request: flask.Request, public_base_url: str) -> bool:
    """True unless the request's `Origin` is PUBLIC_BASE_URL's origin (a missing one and `null` are foreign)."""
    sent = request.headers.get("Origin", "")
    return not sent or sent == "null" or origin_of(sent) != origin_of(public_base_url)


def wants_json(request: flask.Request) -> bool:
    """A caller (a script, another system) that asks for JSON gets the errors list instead of the page."""
    return request.accept_mimetypes.best == "application/json"


def session_token(request: flask.Request, public_base_url: str) -> str:
    return request.cookies.get(cookie_name(public_base_url), "")


def page(body: str, status: int = 200) -> flask.Response:
    """A console page: the site's page policy, with the console's referrer policy."""
    response = html_response(body, status)
    response.headers["Referrer-Policy"] = REFERRER_POLICY
    return response


def see_other(location: str) -> flask.Response:
    response = flask.Response(status=303, headers={"Location": location})
    response.headers["Referrer-Policy"] = REFERRER_POLICY
    return response


def not_signed_in() -> flask.Response:
    return error(401, NOT_SIGNED_IN)


def set_session(response: flask.Response, public_base_url: str, token: str, max_age: int) -> flask.Response:
    """HttpOnly, SameSite=Strict, Secure on https, Path=/, for at most the session's life."""
    response.set_cookie(
        cookie_name(public_base_url),
        token,
        max_age=max_age,
        path="/",
        secure=is_https(public_base_url),
        httponly=True,
        samesite="Strict",
    )
    return response


def clear_session(response: flask.Response, public_base_url: str) -> flask.Response:
    response.delete_cookie(
        cookie_name(public_base_url), path="/", secure=is_https(public_base_url), httponly=True, samesite="Strict"
    )
    return response
