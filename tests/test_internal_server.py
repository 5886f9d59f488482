"""The internal server (deploy/server/, decision 0023): gunicorn with production settings from the sample env file,
a submission and a tick through it with the timer's own command, Caddy in front, and the files that configure them.

The end-to-end test starts what the systemd units start, taken from the units themselves: vicon.service's
ExecStart (gunicorn with deploy/server/gunicorn.conf.py) in the `make package` source, with the environment of
deploy/server/vicon.env.example filled in with test values, and vicon-tick.service's ExecStart (the timer's
command). Installed paths (/opt/vicon/...) are mapped to this checkout's; nothing else is changed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import runpy
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from flask.testing import FlaskClient

from tests.harness import Harness, HarnessFactory, valid_fields
from tests.pdfs import one_page_pdf
from tests.ports import START_ATTEMPTS, PortTaken, bind_failed, free_port
from tests.servers_mail_blobs import SmtpServer
from tests.test_openapi import assert_conforms, served_document
from tools.backup import read_env_file
from tools.package import build
from vicon import server, web
from vicon.settings import REPO_DIR, SERVER_REQUIRED, Settings, SettingsError
from vicon.wiring import reset_core

DEPLOY = REPO_DIR / "deploy" / "server"
SAMPLE_ENV = DEPLOY / "vicon.env.example"
CADDYFILE = DEPLOY / "Caddyfile"
VENV_BIN = Path(sys.executable).parent
TICK_TOKEN = "uji-tick-token-0123456789abcdefghijklmnop"
CLIENT_LIMIT = "1/day"  # fixed windows on the epoch: a day makes crossing one mid-test unlikely


def unit(path: Path) -> dict[str, list[str]]:
    """A systemd unit's settings, each key with every value it is given (in order)."""
    values: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def one(path: Path, key: str) -> str:
    given = unit(path)[key]
    assert len(given) == 1, f"{path.name}: {key} given {len(given)} times"
    return given[0]


@dataclass(frozen=True)
class Layout:
    """Where the installed files are in this checkout (deploy/server/install.sh puts them in /opt/vicon)."""

    app: Path  # /opt/vicon/app: the `make package` source

    def local(self, installed: str) -> str:
        for prefix, here in (
            ("/opt/vicon/venv/bin/", f"{VENV_BIN}/"),
            ("/opt/vicon/gunicorn.conf.py", str(DEPLOY / "gunicorn.conf.py")),
            ("/opt/vicon/app", str(self.app)),
            ("/opt/vicon/site", str(REPO_DIR / "site")),
        ):
            if installed.startswith(prefix):
                return here + installed[len(prefix) :]
        return installed

    def command(self, unit_file: Path) -> tuple[list[str], Path]:
        """The unit's ExecStart as argv, and its WorkingDirectory, both here."""
        argv = [self.local(part) for part in shlex.split(one(unit_file, "ExecStart"))]
        return argv, Path(self.local(one(unit_file, "WorkingDirectory")))


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    source, _ = build(tmp_path_factory.mktemp("dist"))
    return Layout(app=source)


def service_env(unit_file: Path, env_file: Path) -> dict[str, str]:
    """The environment systemd gives the unit's process: its Environment= lines, then its EnvironmentFile."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    for line in unit(unit_file).get("Environment", []):
        env.update(dict(part.split("=", 1) for part in shlex.split(line)))
    assert one(unit_file, "EnvironmentFile") == "/etc/vicon/vicon.env"
    env.update(read_env_file(env_file))
    return env


def filled_sample(data: Path, smtp: SmtpServer, bind: str) -> dict[str, str]:
    """The sample env file with test values for what it leaves to the regency, the data under `data`."""
    sample = read_env_file(SAMPLE_ENV)
    state = "/var/lib/" + one(DEPLOY / "vicon.service", "StateDirectory")
    return {
        **sample,
        "PUBLIC_BASE_URL": "https://vicon.uji.example.go.id",
        "VICON_BIND": bind,
        "STORE_URL": sample["STORE_URL"].replace(state, str(data)),
        "BLOB_URL": sample["BLOB_URL"].replace(state, str(data)),
        "SIGNING_KEY": "uji-signing-key-internal-server",
        "TICK_TOKEN": TICK_TOKEN,
        "SMTP_HOST": smtp.host,
        "SMTP_PORT": str(smtp.port),
        "SMTP_SECURITY": "none",
        # Nothing here calls Zoom: an address nobody answers.
        "ZOOM_ACCOUNT_ID": "uji",
        "ZOOM_CLIENT_ID": "uji",
        "ZOOM_CLIENT_SECRET": "uji",
        "ZOOM_API_URL": "http://127.0.0.1:9/v2",
        "ZOOM_OAUTH_URL": "http://127.0.0.1:9/oauth/token",
        "ZOOM_HOSTS": "zoom1@uji.example.go.id:300",
        # One submission per client address and day: the one through Caddy shows whose address counts.
        "SUBMIT_RATE_LIMIT_PER_CLIENT": CLIENT_LIMIT,
    }


def write_env_file(path: Path, values: dict[str, str]) -> None:
    path.write_text("".join(f'{name}="{value}"\n' for name, value in values.items()), encoding="utf-8")


def _wait_until_answering(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            if re.search(r"Connection in use|address already in use", log.read_text(errors="replace")):
                raise PortTaken(url)
            raise RuntimeError(f"exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        if bind_failed(log) or "Connection in use" in log.read_text(errors="replace"):
            raise PortTaken(url)
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} not answering after {timeout} s:\n{log.read_text(errors='replace')}")
        time.sleep(0.1)


def _stop(process: subprocess.Popen[bytes]) -> int:
    """SIGTERM to the process's own PID (gunicorn stops its workers gracefully), its exit code."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        return process.wait(timeout=10)


@dataclass
class Running:
    base: str
    env_file: Path
    env: dict[str, str]
    log: Path


@contextmanager
def internal_server(layout: Layout, tmp: Path, smtp: SmtpServer) -> Iterator[Running]:
    """vicon.service's command on a free loopback port, with the filled sample as its EnvironmentFile."""
    service = DEPLOY / "vicon.service"
    argv, cwd = layout.command(service)
    for attempt in range(1, START_ATTEMPTS + 1):
        bind = f"127.0.0.1:{free_port()}"
        env_file = tmp / "vicon.env"
        write_env_file(env_file, filled_sample(tmp / "state", smtp, bind))
        env = service_env(service, env_file)
        log = tmp / f"gunicorn-{attempt}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            try:
                _wait_until_answering(f"http://{bind}/api/intake_options", process, log)
            except PortTaken:
                if attempt == START_ATTEMPTS:
                    raise
                continue
            yield Running(base=f"http://{bind}", env_file=env_file, env=env, log=log)
            assert _stop(process) == 0, log.read_text(errors="replace")
            return
        finally:
            _stop(process)


def submission(base: str, **headers: str) -> httpx.Response:
    """A valid submission for the real clock: the server's own earliest date, a letter dated its today."""
    options = httpx.get(f"{base}/api/intake_options", timeout=10).json()
    start = dt.date.fromisoformat(options["earliest_event_date"]) + dt.timedelta(days=7)
    fields = valid_fields(
        start=f"{start}T09:00",
        end=f"{start}T11:00",
        letter_date=options["today"],
        contact_email="uji.internal@dinkes.example.go.id",
    )
    files = {"letter": ("surat.pdf", one_page_pdf(), "application/pdf")}
    return httpx.post(f"{base}/api/submit_request", data=fields, files=files, headers=headers, timeout=30)


def _mailed_to(smtp: SmtpServer, address: str) -> list[Any]:
    return [mail for mail in smtp.received if address in mail.rcpt_tos]


# ---- the end-to-end test --------------------------------------------------------------------------------------


def test_internal_server_serves_a_submission_and_the_timers_tick_from_the_sample_configuration(
    layout: Layout, tmp_path: Path, smtp_plain_server: SmtpServer
) -> None:
    started = time.monotonic()
    with internal_server(layout, tmp_path, smtp_plain_server) as running:
        base, env = running.base, running.env
        accepted = submission(base)
        assert accepted.status_code == 201, accepted.text
        body = accepted.json()
        assert body["status"] == "submitted" and re.fullmatch(r"VC-\d{4}-\d{6}", body["id"])
        assert body["status_url"].startswith(f"{env['PUBLIC_BASE_URL']}/status.html?id=")
        query = {key: values[0] for key, values in parse_qs(urlsplit(body["status_url"]).query).items()}
        status = httpx.get(f"{base}/api/request_status", params=query, timeout=10)
        assert status.status_code == 200 and status.json()["status"] == "submitted"

        # The store and the blob folder are where the env file says, under the (stand-in) StateDirectory.
        state = tmp_path / "state"
        assert (state / "vicon.sqlite3").is_file()
        assert [p for p in (state / "blobs").rglob("*") if p.is_file()]

        # scheduled_tick refuses anyone without the timer's token, in Bahasa Indonesia, and documents it.
        for headers in ({}, {"Authorization": "Bearer salah-" + TICK_TOKEN}, {"Authorization": f"Basic {TICK_TOKEN}"}):
            refused = httpx.post(f"{base}/api/scheduled_tick", headers=headers, timeout=10)
            assert refused.status_code == 401, refused.text
            assert refused.headers["WWW-Authenticate"].startswith("Bearer ")
            assert "Authorization" in refused.json()["errors"][0]["message"]
            assert refused.headers["Cache-Control"] == "no-store"

        # The timer's own command (vicon-tick.service), with the same environment file.
        tick_unit = DEPLOY / "vicon-tick.service"
        argv, cwd = layout.command(tick_unit)
        tick = subprocess.run(
            argv, cwd=cwd, env=service_env(tick_unit, running.env_file), capture_output=True, text=True, timeout=120
        )
        assert tick.returncode == 0, tick.stderr
        report = json.loads(tick.stdout)
        assert {"provisioning", "cleanup", "mail"} <= set(report)
        assert report["mail"] == {"sent": report["mail"]["sent"], "failed": 0}

        # The submission's mails went out over SMTP (inline, or by that tick).
        assert _mailed_to(smtp_plain_server, "uji.internal@dinkes.example.go.id")
        for verifier in env["VERIFIER_EMAILS"].split(","):
            assert _mailed_to(smtp_plain_server, verifier.strip())

        # Nothing of the dev server: no site, no mailbox, no Zoom sandbox; unknown paths answer the JSON 404.
        for path in ("/", "/index.html", "/_dev/mail", "/_zoom/v2/users/me", "/api/", "/api/tidak_ada", "/api/a/b"):
            missing = httpx.get(f"{base}{path}", timeout=10)
            assert missing.status_code == 404, path
            assert missing.json()["errors"][0]["message"] == server.UNKNOWN_TARGET
            assert missing.headers["X-Content-Type-Options"] == "nosniff"

        if shutil.which("caddy"):
            _through_caddy(tmp_path, base)
    # Stopped by its PID with SIGTERM (inside internal_server), exit code 0: a graceful stop.

    access_log = running.log.read_text(errors="replace")
    assert '"POST /api/submit_request" 201' in access_log
    assert '"POST /api/scheduled_tick" 200' in access_log
    assert query["token"] not in access_log, "the access log must not carry query strings (signed tokens)"
    print(f"internal server test took {time.monotonic() - started:.1f} s")


def _through_caddy(tmp: Path, gunicorn_base: str) -> None:
    """deploy/server/Caddyfile on a loopback port (plain http, no admin API) in front of that gunicorn."""
    text = CADDYFILE.read_text(encoding="utf-8")
    upstream = urlsplit(gunicorn_base).netloc
    for attempt in range(1, START_ATTEMPTS + 1):
        port = free_port()
        config = tmp / f"Caddyfile-{attempt}"
        config.write_text("{\n\tadmin off\n}\n" + derived_caddyfile(text, port, upstream), encoding="utf-8")
        log = tmp / f"caddy-{attempt}.log"
        home = tmp / "caddy-home"
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home)}
        env |= {"XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "config")}
        with log.open("wb") as out:
            process = subprocess.Popen(
                ["caddy", "run", "--config", str(config), "--adapter", "caddyfile"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        base = f"http://127.0.0.1:{port}"
        try:
            try:
                _wait_until_answering(f"{base}/", process, log)
            except PortTaken:
                if attempt == START_ATTEMPTS:
                    raise
                continue
            _check_caddy(base)
            return
        finally:
            _stop(process)


def derived_caddyfile(text: str, port: int, upstream: str) -> str:
    """The shipped Caddyfile with its three installed names replaced, each found exactly once."""
    for literal, replacement in (
        ("vicon.example.go.id {", f"http://127.0.0.1:{port} {{"),
        ("root * /opt/vicon/site", f"root * {REPO_DIR / 'site'}"),
        ("reverse_proxy 127.0.0.1:8000 {", f"reverse_proxy {upstream} {{"),
    ):
        assert text.count(literal) == 1, literal
        text = text.replace(literal, replacement)
    return text


def _check_caddy(base: str) -> None:
    # The static site with the headers the dev server gives it.
    for path in ("/", "/index.html", "/api.html"):
        page = httpx.get(f"{base}{path}", timeout=10)
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html"), path
        assert page.headers["Content-Security-Policy"] == web.page_csp()
        assert "Cache-Control" not in page.headers
        _common_headers(page)
    status_page = httpx.get(f"{base}/status.html?id=VC-2026-000001&token=abc", timeout=10)
    assert status_page.status_code == 200 and status_page.headers["Cache-Control"] == "no-store"
    assert status_page.headers["Content-Security-Policy"] == web.page_csp()
    for path in ("/assets/vicon.css", "/assets/common.js", "/favicon.svg"):
        asset = httpx.get(f"{base}{path}", timeout=10)
        assert asset.status_code == 200, path
        assert asset.headers["Content-Security-Policy"] == web.NON_PAGE_CSP
        _common_headers(asset)

    # /api/* reaches gunicorn with its prefix; the app's own headers come through.
    options = httpx.get(f"{base}/api/intake_options", timeout=10)
    assert options.status_code == 200 and options.json()["timezone"]
    assert options.headers["Cache-Control"] == "no-store"
    _common_headers(options)
    assert httpx.post(f"{base}/api/scheduled_tick", timeout=10).status_code == 401
    assert httpx.get(f"{base}/api/tidak_ada", timeout=10).json()["errors"][0]["message"] == server.UNKNOWN_TARGET

    # Caddy replaces an X-Forwarded-For the client wrote with the client's own address (TRUSTED_PROXY_HOPS=1):
    # a forged one does not dodge the per-client limit that this machine's address already used up.
    forged = submission(base, **{"X-Forwarded-For": "203.0.113.9"})
    assert forged.status_code == 429, forged.text
    assert int(forged.headers["Retry-After"]) >= 1


def _common_headers(response: httpx.Response) -> None:
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_sample_configuration_refuses_to_start_until_the_regencys_values_are_filled_in(
    layout: Layout, tmp_path: Path
) -> None:
    sample = read_env_file(SAMPLE_ENV)
    assert sample["VICON_ENV"] == "production"
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(sample)
    unset = [name for name in SERVER_REQUIRED if not sample.get(name)]
    assert set(unset) == {
        "PUBLIC_BASE_URL",
        "SMTP_HOST",
        "SIGNING_KEY",
        "TICK_TOKEN",
        "ZOOM_ACCOUNT_ID",
        "ZOOM_CLIENT_ID",
        "ZOOM_CLIENT_SECRET",
        "ZOOM_HOSTS",
    }
    assert str(caught.value).endswith("unset: " + ", ".join(unset))

    # gunicorn started with it stops at once and says why (journalctl -u vicon shows the same).
    service = DEPLOY / "vicon.service"
    argv, cwd = layout.command(service)
    env_file = tmp_path / "vicon.env"
    write_env_file(env_file, {**sample, "VICON_BIND": f"127.0.0.1:{free_port()}"})
    run = subprocess.run(argv, cwd=cwd, env=service_env(service, env_file), capture_output=True, text=True, timeout=60)
    assert run.returncode != 0
    assert "unset: " + ", ".join(unset) in run.stdout + run.stderr


def test_the_sample_env_file_explains_every_setting() -> None:
    text = SAMPLE_ENV.read_text(encoding="utf-8")
    sample = read_env_file(SAMPLE_ENV)
    source = (REPO_DIR / "functions" / "vicon" / "settings.py").read_text(encoding="utf-8")
    read = set(re.findall(r'get\("([A-Z_]+)"\)', source))
    # Not the internal server's: the dev server's port and data folder, Google Cloud's markers, and the Zoom URLs
    # (their defaults are Zoom's own once the credentials are set).
    elsewhere = {"PORT", "VICON_DATA_DIR", "K_SERVICE", "FUNCTION_TARGET", "GOOGLE_CLOUD_PROJECT"}
    elsewhere |= {"ZOOM_API_URL", "ZOOM_OAUTH_URL"}
    assert read - elsewhere - set(sample) == set()
    assert {"VICON_BIND", "VICON_WORKERS", "VICON_THREADS"} <= set(sample)
    # Every value is explained by a comment in the block above it.
    blocks = re.split(r"\n\s*\n", text)
    for block in blocks:
        lines = block.strip().splitlines()
        if any(not line.startswith("#") for line in lines):
            assert lines[0].startswith("#"), f"no comment above {lines[0]!r}"
    # Secrets are never given a value the service would accept.
    for name in ("SIGNING_KEY", "TICK_TOKEN", "ZOOM_CLIENT_SECRET", "SMTP_PASSWORD"):
        assert sample[name] == "", name


# ---- the app gunicorn serves ----------------------------------------------------------------------------------


@pytest.fixture
def production_app(tmp_path: Path) -> Iterator[FlaskClient]:
    settings = Settings.from_env(
        {
            "VICON_ENV": "production",
            "PUBLIC_BASE_URL": "https://vicon.uji.example.go.id",
            "STORE_URL": f"sqlite:///{tmp_path / 'vicon.sqlite3'}",
            "BLOB_URL": f"file://{tmp_path / 'blobs'}",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": "9",
            "SIGNING_KEY": "uji",
            "TICK_TOKEN": TICK_TOKEN,
            "ZOOM_ACCOUNT_ID": "a",
            "ZOOM_CLIENT_ID": "b",
            "ZOOM_CLIENT_SECRET": "c",
            "ZOOM_API_URL": "http://127.0.0.1:9/v2",
            "ZOOM_HOSTS": "z@uji.example:300",
        }
    )
    yield server.create_app(settings).test_client()
    reset_core(None)


def test_the_production_app_routes_every_target_and_nothing_else(production_app: FlaskClient) -> None:
    options = production_app.get("/api/intake_options")
    assert options.status_code == 200 and options.headers["Cache-Control"] == "no-store"
    document = production_app.get("/api/openapi.json")
    assert document.status_code == 200 and document.get_json()["openapi"].startswith("3.1")
    # Every method reaches its target, which answers 405 with Allow for the ones it does not take.
    for method in ("PUT", "DELETE", "PATCH", "TRACE"):
        refused = production_app.open("/api/intake_options", method=method)
        assert refused.status_code == 405 and refused.headers["Allow"] == "GET, HEAD", method
        assert refused.get_json()["errors"][0]["message"].startswith(f"Metode {method}")
    assert production_app.head("/api/intake_options").status_code == 200
    for path in ("/", "/index.html", "/assets/vicon.css", "/_dev/mail", "/_zoom/oauth/token", "/api/", "/api/x/y"):
        for method in ("GET", "POST"):
            missing = production_app.open(path, method=method)
            assert missing.status_code == 404, (method, path)
            assert missing.get_json() == {"errors": [{"field": None, "message": server.UNKNOWN_TARGET}]}
            assert missing.headers["Content-Security-Policy"] == web.NON_PAGE_CSP
            assert missing.headers["Cache-Control"] == "no-store"
    assert production_app.post("/api/scheduled_tick").status_code == 401
    tick = production_app.post("/api/scheduled_tick", headers={"Authorization": f"Bearer {TICK_TOKEN}"})
    assert tick.status_code == 200 and "mail" in tick.get_json()


def test_the_production_app_refuses_settings_that_are_not_production(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="VICON_ENV=production"):
        server.create_app(Settings.from_env({"VICON_DATA_DIR": str(tmp_path), "SIGNING_KEY": "x"}))


def test_the_dev_server_routes_the_same_targets() -> None:
    from vicon_dev import devserver

    assert devserver.TARGETS is server.TARGETS and devserver.TARGET_PATHS is server.TARGET_PATHS


# ---- scheduled_tick's token on any deployment -----------------------------------------------------------------


def test_scheduled_tick_with_a_token_serves_only_its_bearer(make_harness: HarnessFactory) -> None:
    harness = make_harness(TICK_TOKEN=TICK_TOKEN)
    doc = served_document(harness)
    tick = harness.client("scheduled_tick")
    for headers in (
        {},
        {"Authorization": TICK_TOKEN},
        {"Authorization": f"Basic {TICK_TOKEN}"},
        {"Authorization": f"Bearer {TICK_TOKEN[:-1]}"},
        {"Authorization": f"Bearer {TICK_TOKEN}x"},
        {"Authorization": "Bearer ü"},
    ):
        refused = tick.post("/", headers=headers)
        assert refused.status_code == 401, headers
        assert_conforms(doc, "/scheduled_tick", "post", refused)
        assert refused.get_json()["errors"][0]["message"].startswith("Hanya penjadwal layanan")
    for scheme in ("Bearer", "bearer"):
        served = tick.post("/", headers={"Authorization": f"{scheme} {TICK_TOKEN}"})
        assert served.status_code == 200, served.get_data(as_text=True)
        assert_conforms(doc, "/scheduled_tick", "post", served)


def test_scheduled_tick_without_a_token_serves_any_caller(harness: Harness) -> None:
    # On Google Cloud the function is private (IAM) and TICK_TOKEN may stay unset.
    assert harness.core.settings.tick_token is None
    assert harness.client("scheduled_tick").post("/").status_code == 200


def test_the_document_declares_the_tick_token() -> None:
    from vicon import openapi

    doc = openapi.document(Settings.from_env({"SIGNING_KEY": "x"}))
    tick = doc["paths"]["/scheduled_tick"]["post"]
    assert "401" in tick["responses"] and "WWW-Authenticate" in tick["responses"]["401"]["headers"]
    assert tick["security"] == [{}, {"tickToken": []}]
    assert doc["components"]["securitySchemes"]["tickToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": doc["components"]["securitySchemes"]["tickToken"]["description"],
    }


# ---- the files in deploy/server -------------------------------------------------------------------------------


def test_gunicorn_configuration_threads_no_preload_loopback_and_no_query_strings_in_the_log(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("VICON_BIND", "VICON_WORKERS", "VICON_THREADS"):
        monkeypatch.delenv(name, raising=False)
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert config["worker_class"] == "gthread" and config["threads"] > 1 and config["workers"] >= 1
    assert config["preload_app"] is False
    assert config["bind"] == ["127.0.0.1:8000"]
    assert config["wsgi_app"] == "vicon.server:create_app()"
    # The request line (%(r)s), the query (%(q)s) and the Referer (%(f)s) would carry signed tokens.
    for atom in ("%(r)s", "%(q)s", "%(f)s", "%({"):
        assert atom not in config["access_log_format"]
    assert "%(U)s" in config["access_log_format"]
    assert config["forwarder_headers"] == "" and config["control_socket_disable"] is True
    for bind in ("[::1]:8001", "localhost:8002"):
        monkeypatch.setenv("VICON_BIND", bind)
        assert runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))["bind"] == [bind]
    for bind in ("0.0.0.0:8000", "192.0.2.1:8000", ":8000", "127.0.0.1", "127.0.0.1:99999"):
        monkeypatch.setenv("VICON_BIND", bind)
        with pytest.raises(ValueError, match="VICON_BIND"):
            runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))


def test_the_tick_timer_refuses_a_bind_off_loopback_and_a_missing_token() -> None:
    from vicon import tick_timer

    assert tick_timer.tick_url("127.0.0.1:8000") == "http://127.0.0.1:8000/api/scheduled_tick"
    assert tick_timer.tick_url("[::1]:8000") == "http://[::1]:8000/api/scheduled_tick"
    with pytest.raises(tick_timer.BindError):
        tick_timer.tick_url("0.0.0.0:8000")
    assert tick_timer.main({"VICON_BIND": "127.0.0.1:8000"}) == 2
    assert tick_timer.main({"TICK_TOKEN": TICK_TOKEN, "VICON_BIND": "vicon.example:80"}) == 2
    # Nothing listens on the discard port: the run fails, and says so.
    assert tick_timer.main({"TICK_TOKEN": TICK_TOKEN, "VICON_BIND": "127.0.0.1:9"}) == 1


HARDENING = {
    "DynamicUser": "yes",
    "StateDirectory": "vicon",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "NoNewPrivileges": "yes",
    "CapabilityBoundingSet": "",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
    "RestrictNamespaces": "yes",
    "LockPersonality": "yes",
    "SystemCallArchitectures": "native",
}


def test_the_units_are_hardened_and_the_timer_runs_the_tick_every_minute() -> None:
    service, tick, timer = (unit(DEPLOY / name) for name in ("vicon.service", "vicon-tick.service", "vicon-tick.timer"))
    for name, settings in (("vicon.service", service), ("vicon-tick.service", tick)):
        for key, value in HARDENING.items():
            if key == "StateDirectory" and name == "vicon-tick.service":
                continue  # the timer's command keeps no data
            assert settings.get(key) == [value], f"{name}: {key}"
        assert "@system-service" in settings["SystemCallFilter"], name
        assert settings["EnvironmentFile"] == ["/etc/vicon/vicon.env"], name
    assert tick["Type"] == ["oneshot"] and tick["IPAddressDeny"] == ["any"]
    assert timer["OnCalendar"] == ["*-*-* *:*:00"] and timer["Unit"] == ["vicon-tick.service"]
    # The data the service keeps is where the sample env file puts it.
    sample = read_env_file(SAMPLE_ENV)
    assert sample["STORE_URL"].startswith("sqlite:////var/lib/vicon/")
    assert sample["BLOB_URL"].startswith("file:///var/lib/vicon/")
    # The token comes from the environment: the command line (visible to every local user) names no secret.
    assert "TICK_TOKEN" not in one(DEPLOY / "vicon-tick.service", "ExecStart")


def test_systemd_accepts_the_units(tmp_path: Path, layout: Layout) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is missing (Debian's systemd package)")
    names = ("vicon.service", "vicon-tick.service", "vicon-tick.timer")
    for name in names:
        # The installed executables are this checkout's, so verify finds them.
        (tmp_path / name).write_text(
            (DEPLOY / name).read_text(encoding="utf-8").replace("/opt/vicon/venv/bin/", f"{VENV_BIN}/"),
            encoding="utf-8",
        )
    verify = subprocess.run(
        [analyze, "verify", *(str(tmp_path / name) for name in names)], capture_output=True, text=True, timeout=60
    )
    assert verify.returncode == 0 and verify.stdout + verify.stderr == "", verify.stdout + verify.stderr
    for name in ("vicon.service", "vicon-tick.service"):
        exposure = subprocess.run(
            [analyze, "security", "--offline=yes", "--threshold=20", str(tmp_path / name)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert exposure.returncode == 0, exposure.stdout[-3000:]


def test_caddy_validates_the_caddyfile(tmp_path: Path) -> None:
    caddy = shutil.which("caddy")
    if caddy is None:
        pytest.skip("caddy is missing: `make test` installs Debian's caddy package")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    run = subprocess.run(
        [caddy, "validate", "--config", str(CADDYFILE)], capture_output=True, text=True, env=env, timeout=60
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Valid configuration" in run.stdout + run.stderr
    formatted = subprocess.run([caddy, "fmt", str(CADDYFILE)], capture_output=True, text=True, env=env, timeout=60)
    assert formatted.stdout == CADDYFILE.read_text(encoding="utf-8"), "run `caddy fmt --overwrite` on the Caddyfile"


def test_the_caddyfile_sends_the_site_the_headers_of_security_headers() -> None:
    text = CADDYFILE.read_text(encoding="utf-8")
    policies = dict(re.findall(r'header (@\w+) Content-Security-Policy "([^"]+)"', text))
    assert policies == {"@pages": web.page_csp(), "@assets": web.NON_PAGE_CSP}
    assert re.search(r"@pages path / \*\.html\n", text) and re.search(r"@assets not path / \*\.html\n", text)
    token_pages = re.findall(r"@token_pages path (.+)\n", text)
    assert token_pages == [" ".join(f"/{name}" for name in sorted(web.TOKEN_PAGES))]
    for header in ("X-Content-Type-Options nosniff", "Referrer-Policy no-referrer", "X-Frame-Options DENY"):
        assert header in text
    # /api/* keeps its prefix (no handle_path, no strip_prefix, no rewrite).
    assert "handle /api/* {" in text and not re.search(r"handle_path|strip_prefix|uri strip|rewrite", text)


def test_the_install_script_is_valid_bash_and_installs_where_the_units_look() -> None:
    script = DEPLOY / "install.sh"
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True, timeout=30).returncode == 0
    text = script.read_text(encoding="utf-8")
    for installed in ("/opt/vicon", "/etc/vicon/vicon.env", "/etc/caddy/Caddyfile", "/etc/systemd/system"):
        assert installed in text, installed
    for name in ("gunicorn.conf.py", "vicon.service", "vicon-tick.service", "vicon-tick.timer", "requirements.txt"):
        assert name in text, name
