"""The internal server's timer command: POST /api/scheduled_tick to the local gunicorn with the shared secret.

`vicon-tick.service` (deploy/server/) runs `python -m vicon.tick_timer` every minute with /etc/vicon/vicon.env
as its environment: `TICK_TOKEN`, the secret scheduled_tick asks for, and `VICON_BIND`, where gunicorn listens
(127.0.0.1:8000 unless set). The token goes in an `Authorization: Bearer` header taken from the environment,
never on a command line, which every local user can read with ps. The request goes straight to gunicorn, never
through a proxy (`http_proxy` is ignored). Standard library only, so it starts in a few milliseconds.

Exit status 0 when scheduled_tick answered 200 (its report is printed for the journal), 1 when it answered
anything else or could not be reached, 2 when the configuration is wrong.
"""

from __future__ import annotations

import ipaddress
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping

DEFAULT_BIND = "127.0.0.1:8000"
PATH = "/api/scheduled_tick"
# The tick may work for minutes (mail for at most 45 s, 60 s per request retried); the timer waits it out, and
# systemd starts no second run while this one lasts.
TIMEOUT_SECONDS = 600


class BindError(ValueError):
    """VICON_BIND is not host:port on this machine's loopback."""


def loopback_bind(bind: str) -> tuple[str, int]:
    """(host, port) of `127.0.0.1:8000`, `[::1]:8000` or `localhost:8000`; anything else is refused.

    gunicorn must listen on loopback only: behind Caddy, TRUSTED_PROXY_HOPS=1 trusts the last X-Forwarded-For
    entry, which a client reaching gunicorn directly would write itself.
    """
    host, _, port = bind.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    try:
        number = int(port)
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback, number = False, 0
    if not loopback or not 0 < number < 65536:
        raise BindError(f"VICON_BIND must be a loopback host:port such as {DEFAULT_BIND}, got {bind!r}")
    return host, number


def tick_url(bind: str) -> str:
    host, port = loopback_bind(bind)
    return f"http://{f'[{host}]' if ':' in host else host}:{port}{PATH}"


def main(environ: Mapping[str, str] | None = None) -> int:
    env = os.environ if environ is None else environ
    token = env.get("TICK_TOKEN", "").strip()
    if not token:
        print("vicon.tick_timer: TICK_TOKEN is unset (see /etc/vicon/vicon.env)", file=sys.stderr)
        return 2
    try:
        url = tick_url(env.get("VICON_BIND", "").strip() or DEFAULT_BIND)
    except BindError as exc:
        print(f"vicon.tick_timer: {exc}", file=sys.stderr)
        return 2
    # S310: the URL is http://<loopback>/api/scheduled_tick, built above from a checked host and port.
    request = urllib.request.Request(  # noqa: S310
        url, data=b"", method="POST", headers={"Authorization": f"Bearer {token}"}
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as answer:
            report = answer.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        body = exc.read(2000).decode("utf-8", "replace")
        print(f"vicon.tick_timer: {url} answered {exc.code}: {body}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"vicon.tick_timer: {url} could not be reached: {exc}", file=sys.stderr)
        return 1
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
