"""The Firebase Hosting configuration: site/ with the functions behind /api/<target> (decision 0025).

`make deploy` runs this after Terraform with `terraform output -json hosting`, and the Firebase CLI uploads what
it writes:

    <out>/firebase.json   rewrites /api/<target> (and the aliases the dev server knows) to each gen-2 function's
                          Cloud Run service, and the security headers of every site file
    <out>/public/         a copy of site/

The headers are not written by hand: each site file gets exactly what the dev server sends for it, computed by
the same `vicon.web.security_headers` (nosniff, no-referrer, DENY, the page policy on pages and the non-page one
on everything else, no-store on pages with tokens in their URL). One rule per file, with its exact path, so rules
never overlap (Firebase does not document how overlapping header rules merge) and none matches /api/…, whose
answers carry the functions' own headers.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import flask

from vicon.settings import REPO_DIR, Identity
from vicon.web import PAGE_CSP, TOKEN_PAGES, page_csp, security_headers
from vicon_dev.devserver import TARGET_PATHS

SITE_DIR = REPO_DIR / "site"
# What Firebase Hosting must never serve from the public folder.
IGNORED = ["firebase.json", "**/.*"]


def site_files(site: Path = SITE_DIR) -> list[str]:
    """Every file of the site, as URL paths without the leading slash, sorted."""
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file() and not p.name.startswith("."))


def headers_for(name: str, logo_url: str = "") -> dict[str, str]:
    """The headers the dev server sends with the site file `name` (vicon_dev.devserver's after_request)."""
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = flask.Response(b"", mimetype=mimetype)
    if mimetype == "text/html":
        # The functions' page_csp() widens img-src by an https LOGO_URL's origin from the process's settings; here
        # the origin comes from the deployed LOGO_URL itself, and img-src is always given, never read from a core.
        origin = Identity(logo_url=logo_url).logo_origin if logo_url else None
        images = f"{PAGE_CSP['img-src']} {origin}" if origin else PAGE_CSP["img-src"]
        response.headers["Content-Security-Policy"] = page_csp(img_src=images)
    security_headers(response, no_store=name in TOKEN_PAGES)
    # Content-Type and Content-Length are Hosting's own business.
    return {key: value for key, value in response.headers.items() if key not in ("Content-Type", "Content-Length")}


def rewrites(services: Mapping[str, str], region: str) -> list[dict[str, Any]]:
    """/api/<target> for every target, plus the paths that name a target differently (/api/openapi.json)."""
    paths = [(f"/api/{target}", target) for target in sorted(services)]
    paths += [(f"/api/{path}", target) for path, target in sorted(TARGET_PATHS.items())]
    unknown = {target for _, target in paths} - set(services)
    if unknown:
        raise ValueError(f"no function for {sorted(unknown)}")
    return [{"source": path, "run": {"serviceId": services[target], "region": region}} for path, target in paths]


def firebase_config(hosting: Mapping[str, Any], site: Path = SITE_DIR) -> dict[str, Any]:
    """firebase.json for `terraform output -json hosting` ({site_id, region, logo_url, services})."""
    logo_url = hosting.get("logo_url") or ""
    headers = []
    for name in site_files(site):
        paths = [f"/{name}"] + (["/"] if name == "index.html" else [])
        for path in paths:
            values = headers_for(name, logo_url)
            headers.append({"source": path, "headers": [{"key": k, "value": v} for k, v in values.items()]})
    return {
        "hosting": {
            "site": hosting["site_id"],
            "public": "public",
            "ignore": IGNORED,
            "cleanUrls": False,
            "trailingSlash": False,
            "rewrites": rewrites(hosting["services"], hosting["region"]),
            "headers": headers,
        }
    }


def write(out: Path, hosting: Mapping[str, Any], site: Path = SITE_DIR) -> Path:
    """Write <out>/firebase.json and <out>/public/ (a fresh copy of site/); return the config's path."""
    config = firebase_config(hosting, site)
    out.mkdir(parents=True, exist_ok=True)
    public = out / "public"
    if public.exists():
        shutil.rmtree(public)
    shutil.copytree(site, public, ignore=shutil.ignore_patterns(".*"))
    path = out / "firebase.json"
    path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("hosting_json", help="file with `terraform output -json hosting` ('-': standard input)")
    parser.add_argument("out", nargs="?", default=str(REPO_DIR / "dist" / "hosting"), help="default: dist/hosting")
    args = parser.parse_args(argv)
    text = sys.stdin.read() if args.hosting_json == "-" else Path(args.hosting_json).read_text(encoding="utf-8")
    print(write(Path(args.out), json.loads(text)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
