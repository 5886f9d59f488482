"""gunicorn for Vicon's internal server (README "Internal server", decision 0023).

Installed as /opt/vicon/gunicorn.conf.py and started by vicon.service from /opt/vicon/app (the `make package`
source), with /etc/vicon/vicon.env as its environment:

    /opt/vicon/venv/bin/gunicorn --config /opt/vicon/gunicorn.conf.py

Tuned from that environment, not by editing this file: VICON_BIND (loopback host:port, 127.0.0.1:8000),
VICON_WORKERS (processes, 2) and VICON_THREADS (threads per process, 8).
"""

from __future__ import annotations

import ipaddress
import logging
import os


def _loopback(bind: str) -> str:
    """Only loopback: Caddy is the one client, and TRUSTED_PROXY_HOPS=1 trusts the X-Forwarded-For entry it appends,
    which a client reaching gunicorn directly would write itself. (vicon.tick_timer checks the same.)"""
    host, _, port = bind.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        loopback = loopback and 0 < int(port) < 65536
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"VICON_BIND must be a loopback host:port such as 127.0.0.1:8000, got {bind!r}")
    return bind


def _count(name: str, default: int) -> int:
    value = int(os.environ.get(name) or default)
    if not 1 <= value <= 64:
        raise ValueError(f"{name} must be between 1 and 64, got {value}")
    return value


wsgi_app = "vicon.server:create_app()"
bind = [_loopback(os.environ.get("VICON_BIND") or "127.0.0.1:8000")]

# Threads, not processes per request: most of a request's time is spent waiting on SMTP, Zoom or SQLite's lock, and
# the approve POST and scheduled_tick wait for seconds. A gthread worker keeps its heartbeat in its main loop, so a
# long tick in one thread never gets the worker killed; `timeout` only catches a worker that stopped altogether.
worker_class = "gthread"
workers = _count("VICON_WORKERS", 2)
threads = _count("VICON_THREADS", 8)
timeout = 120
# A stop lets running requests (a tick, an approval talking to Zoom) finish before systemd's TimeoutStopSec.
graceful_timeout = 60
# Longer than Caddy's idle upstream connections (deploy/server/Caddyfile: keepalive 30s), so Caddy never sends a
# request on a connection gunicorn is closing.
keepalive = 75

# No preload: each worker imports the app and builds its core (SQLite connections, the Zoom client's token cache)
# after the fork. A connection opened in the master and inherited by the workers would share one SQLite file
# handle and its locks across processes, which SQLite forbids.
preload_app = False

# Requests carry signed tokens in their query strings (status, review, officer and recording links): the access
# log has the method, the path without the query, the status, the size and the time, and nothing else (no
# Referer either, no client address). Caddy keeps no access log unless one is configured (README).
accesslog = "-"
access_log_format = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = "info"
# The app's own log lines (vicon.*, warnings and errors with their tracebacks) go to the journal beside gunicorn's.
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

# Only Caddy on this machine may say https (X-Forwarded-Proto); no header may set SCRIPT_NAME or PATH_INFO, which
# gunicorn would otherwise take from a trusted front end, and Caddy passes clients' headers through.
forwarded_allow_ips = "127.0.0.1,::1"
forwarder_headers = ""
header_map = "drop"
# Signed links are a few hundred characters; 8 KiB of request line leaves room without inviting abuse.
limit_request_line = 8190

# No control socket ($HOME/.gunicorn/gunicorn.ctl): the service has no home, and nothing needs runtime control
# beyond systemctl (reload is SIGHUP).
control_socket_disable = True
proc_name = "vicon"
