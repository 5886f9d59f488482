"""The Firebase Hosting configuration (tools/hosting.py): every target behind /api/<target>, and every site file
with exactly the security headers the dev server sends for it (decision 0025)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.harness import settings_for
from tests.infra_hcl import main_targets
from tools.hosting import SITE_DIR, firebase_config, site_files, write
from vicon.wiring import reset_core

POLICY_HEADERS = ("X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options", "Content-Security-Policy")
SERVICES = {target: target.replace("_", "-") for target in main_targets()}


def hosting(logo_url: str = "") -> dict[str, Any]:
    return {"site_id": "vicon-majalengka", "region": "asia-southeast2", "logo_url": logo_url, "services": SERVICES}


def rules(config: dict[str, Any]) -> dict[str, dict[str, str]]:
    by_path: dict[str, dict[str, str]] = {}
    for rule in config["hosting"]["headers"]:
        assert rule["source"] not in by_path, f"two header rules for {rule['source']}"
        by_path[rule["source"]] = {header["key"]: header["value"] for header in rule["headers"]}
    return by_path


@pytest.fixture
def dev_server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[FlaskClient]:
    from vicon_dev.devserver import create_app

    env = getattr(request, "param", {})
    app = create_app(settings_for(tmp_path, **env), tick_seconds=None)
    yield app.test_client()
    reset_core(None)


def test_every_target_is_rewritten_to_its_function_and_nothing_else_is() -> None:
    config = firebase_config(hosting())
    rewrites = config["hosting"]["rewrites"]
    by_source = {rewrite["source"]: rewrite["run"] for rewrite in rewrites}
    assert len(by_source) == len(rewrites)
    for target in main_targets():
        assert by_source[f"/api/{target}"] == {"serviceId": target.replace("_", "-"), "region": "asia-southeast2"}
    assert by_source["/api/openapi.json"]["serviceId"] == "openapi-json"
    assert all(source.startswith("/api/") for source in by_source)
    with pytest.raises(ValueError, match="no function"):
        firebase_config({**hosting(), "services": {"submit_request": "submit-request"}})


@pytest.mark.parametrize(
    ("dev_server", "logo_url"),
    [({}, ""), ({"LOGO_URL": "https://cdn.majalengkakab.go.id/logo.png"}, "https://cdn.majalengkakab.go.id/logo.png")],
    indirect=["dev_server"],
)
def test_each_site_file_gets_the_headers_the_dev_server_sends(dev_server: FlaskClient, logo_url: str) -> None:
    by_path = rules(firebase_config(hosting(logo_url)))
    files = site_files()
    assert {"index.html", "status.html", "assets/common.js"} <= set(files)
    assert set(by_path) == {f"/{name}" for name in files} | {"/"}, "one rule per file, none for /api/"
    for name in files:
        answer = dev_server.get(f"/{name}")
        assert answer.status_code == 200, name
        expected = {key: answer.headers[key] for key in POLICY_HEADERS}
        configured = by_path[f"/{name}"]
        assert {key: configured.get(key) for key in POLICY_HEADERS} == expected, name
        token_page = "no-store" in answer.headers.get("Cache-Control", "")
        assert configured.get("Cache-Control") == ("no-store" if token_page else None), name
    assert by_path["/"] == by_path["/index.html"]
    assert by_path["/status.html"]["Cache-Control"] == "no-store"
    page = by_path["/index.html"]["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in page and "'unsafe-inline'" not in page and "script-src 'self'" in page
    if logo_url:
        assert "img-src 'self' https://cdn.majalengkakab.go.id;" in page
    assert by_path["/assets/common.js"]["Content-Security-Policy"].endswith("sandbox")


def test_the_written_folder_holds_the_site_and_its_configuration(tmp_path: Path) -> None:
    config_path = write(tmp_path / "hosting", hosting())
    config = json.loads(config_path.read_text(encoding="utf-8"))
    assert config["hosting"]["site"] == "vicon-majalengka"
    public = tmp_path / "hosting" / config["hosting"]["public"]
    copied = sorted(p.relative_to(public).as_posix() for p in public.rglob("*") if p.is_file())
    assert copied == site_files()
    assert (public / "index.html").read_bytes() == (SITE_DIR / "index.html").read_bytes()
    # Written again, the folder is replaced rather than merged.
    (public / "stale.html").write_text("x", encoding="utf-8")
    write(tmp_path / "hosting", hosting())
    assert not (public / "stale.html").exists()
