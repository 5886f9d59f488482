"""`make deploy`: package the source, run Terraform, upload the site (README "Deploy"; decision 0025).

    make deploy PROJECT_ID=my-project [TFVARS=infra/terraform.tfvars] [AUTO_APPROVE=1]

1. `make package`'s archive, dist/vicon-functions-<sha256>.zip (tools/package.py);
2. the Terraform state bucket gs://<PROJECT_ID>-tfstate (created, versioned, on the first run) and `terraform init`;
3. `terraform apply -target=module.secrets`: the secrets exist (without values) before anything reads them;
4. every secret the functions read has an enabled version, else this stops and prints the `gcloud` commands;
5. `terraform apply`: functions, Firestore, bucket, scheduler, Hosting site;
6. dist/hosting/ (tools/hosting.py) and the Firebase CLI's `deploy --only hosting`.

`--dry-run` prints the commands instead of running them (and assumes every secret has a version).
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
INFRA = REPO / "infra"
DIST = REPO / "dist"
FIREBASE_TOOLS = "firebase-tools@15.34.2"
PROJECT_ID = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
DEFAULT_REGION = "asia-southeast2"
# Setting => Secret Manager secret ID, as infra/main.tf's local.secret_ids (tests/test_infra.py keeps them equal).
SECRET_IDS = {
    "SIGNING_KEY": "vicon-signing-key",
    "ZOOM_CLIENT_SECRET": "vicon-zoom-client-secret",
    "ZOOM_WEBHOOK_SECRET": "vicon-zoom-webhook-secret",
    "SMTP_PASSWORD": "vicon-smtp-password",
    "SIGNING_KEYS_PREVIOUS": "vicon-signing-keys-previous",
}
# How to make each value (README "Deploy" step by step).
SECRET_HINTS = {
    "SIGNING_KEY": "python3 -c 'import secrets; print(secrets.token_urlsafe(32), end=\"\")'",
    "ZOOM_CLIENT_SECRET": "printf %s 'CLIENT SECRET of the Zoom Server-to-Server OAuth app'",
    "ZOOM_WEBHOOK_SECRET": "printf %s 'SECRET TOKEN of the Zoom app (Feature > Event subscriptions)'",
    "SMTP_PASSWORD": "printf %s 'password of SMTP_USERNAME'",
    "SIGNING_KEYS_PREVIOUS": "printf %s 'OLDKEY1,OLDKEY2'",
}


class DeployError(Exception):
    """Stop with this message (and exit status)."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def required_secrets(tfvars: dict[str, Any]) -> list[str]:
    """The settings the functions read from Secret Manager, as infra/main.tf's local.required_secrets."""
    names = ["SIGNING_KEY", "ZOOM_CLIENT_SECRET", "ZOOM_WEBHOOK_SECRET"]
    if tfvars.get("smtp_username"):
        names.append("SMTP_PASSWORD")
    if tfvars.get("use_previous_signing_keys") is True:
        names.append("SIGNING_KEYS_PREVIOUS")
    return names


def read_tfvars(path: Path) -> dict[str, Any]:
    """The variables file's plain values (strings without quotes), through python-hcl2."""
    import hcl2
    from hcl2.utils import SerializationOptions

    options = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)
    with path.open(encoding="utf-8") as handle:
        return dict(hcl2.load(handle, serialization_options=options))


class Runner:
    def __init__(self, dry_run: bool) -> None:
        self.dry_run = dry_run

    def run(self, command: Sequence[str], *, capture: bool = False, check: bool = True) -> str:
        print("+ " + shlex.join(command), flush=True)
        if self.dry_run:
            return ""
        # The commands are this file's own, with validated arguments.
        result = subprocess.run(list(command), check=False, text=True, stdout=subprocess.PIPE if capture else None)  # noqa: S603
        if check and result.returncode != 0:
            raise DeployError(f"{command[0]} failed (exit {result.returncode}); nothing after it was run")
        return result.stdout if capture else ""

    def succeeds(self, command: Sequence[str], *, prints: str | None = None) -> bool:
        """Whether `command` exits 0 (and, with `prints`, writes exactly that); a dry run assumes so."""
        if self.dry_run:
            print("+ " + shlex.join(command), flush=True)
            return True
        result = subprocess.run(list(command), check=False, capture_output=True, text=True)  # noqa: S603
        return result.returncode == 0 and (prints is None or result.stdout.strip() == prints)


def deploy(
    project: str,
    tfvars_path: Path,
    *,
    state_bucket: str = "",
    auto_approve: bool = False,
    dry_run: bool = False,
    dist: Path = DIST,
) -> int:
    if not project:
        raise DeployError(
            "PROJECT_ID is required: make deploy PROJECT_ID=<your Google Cloud project> (README, Deploy)", 2
        )
    if not PROJECT_ID.match(project):
        raise DeployError(f"PROJECT_ID {project!r} is not a Google Cloud project ID (6-30 a-z, 0-9, -)", 2)
    if not tfvars_path.is_file():
        raise DeployError(
            f"{tfvars_path} is missing: copy infra/terraform.tfvars.example to it and fill it in (README, Deploy)", 2
        )
    tfvars = read_tfvars(tfvars_path)
    if tfvars.get("project_id") not in (None, project):
        raise DeployError(f"{tfvars_path} says project_id = {tfvars['project_id']!r}, not {project!r}", 2)
    if not dry_run:
        missing = [tool for tool in ("terraform", "gcloud", "npx") if shutil.which(tool) is None]
        if missing:
            raise DeployError(f"missing on PATH: {', '.join(missing)} (README, Deploy: what you need)", 2)
    runner = Runner(dry_run)
    region = str(tfvars.get("region") or DEFAULT_REGION)
    bucket = state_bucket or f"{project}-tfstate"

    # 1. The archive: named by its hash, so a changed source is a new object and a new build.
    from tools.package import build

    print("+ make package", flush=True)
    _, bundle = build(dist)

    # 2. State: a versioned private bucket in the project, made once.
    if not runner.succeeds(["gcloud", "storage", "buckets", "describe", f"gs://{bucket}", f"--project={project}"]):
        runner.run(
            [
                "gcloud",
                "storage",
                "buckets",
                "create",
                f"gs://{bucket}",
                f"--project={project}",
                f"--location={region}",
                "--uniform-bucket-level-access",
                "--public-access-prevention",
            ]
        )
        runner.run(["gcloud", "storage", "buckets", "update", f"gs://{bucket}", "--versioning"])
    terraform = ["terraform", f"-chdir={INFRA}"]
    runner.run(
        [
            *terraform,
            "init",
            "-input=false",
            "-reconfigure",
            f"-backend-config=bucket={bucket}",
            "-backend-config=prefix=vicon",
        ]
    )
    variables = [f"-var=project_id={project}", f"-var=source_zip={bundle}", f"-var-file={tfvars_path.resolve()}"]
    approve = ["-auto-approve"] if auto_approve else []

    # 3-4. The secrets first, then their values must be there before any function starts.
    runner.run([*terraform, "apply", "-input=false", "-target=module.secrets", *variables, *approve])
    absent = [
        name
        for name in required_secrets(tfvars)
        if not runner.succeeds(
            [
                "gcloud",
                "secrets",
                "versions",
                "describe",
                "latest",
                f"--secret={SECRET_IDS[name]}",
                f"--project={project}",
                "--format=value(state)",
            ],
            prints="ENABLED",
        )
    ]
    if absent:
        lines = [
            f"  {SECRET_HINTS[name]} | gcloud secrets versions add {SECRET_IDS[name]} --project={project} --data-file=-"
            for name in absent
        ]
        raise DeployError(
            "these secrets have no version yet; add each (the value never goes through Terraform), then run make "
            "deploy again:\n" + "\n".join(lines),
            3,
        )

    # 5. Everything else.
    runner.run([*terraform, "apply", "-input=false", *variables, *approve])

    # 6. The site, with the rewrites and headers of tools/hosting.py.
    from tools.hosting import write

    hosting_json = runner.run([*terraform, "output", "-json", "hosting"], capture=True)
    hosting = (
        json.loads(hosting_json)
        if hosting_json
        else {"site_id": "SITE_ID", "region": region, "logo_url": "", "services": {}}
    )
    if hosting["services"]:
        config = write(dist / "hosting", hosting)
    else:  # dry run: nothing to read from Terraform
        config = dist / "hosting" / "firebase.json"
        print(f"+ python tools/hosting.py <terraform output -json hosting> {config.parent}", flush=True)
    runner.run(
        [
            "npx",
            "--yes",
            FIREBASE_TOOLS,
            "deploy",
            "--only",
            "hosting",
            f"--project={project}",
            f"--config={config}",
            "--non-interactive",
        ]
    )
    for name in ("site_url", "webhook_url"):
        runner.run([*terraform, "output", "-raw", name])
        print(flush=True)
    print("Deployed. Next: the smoke test in README, Deploy.", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", default="", help="the Google Cloud project ID (make deploy PROJECT_ID=...)")
    parser.add_argument("--tfvars", default=str(INFRA / "terraform.tfvars"), help="the regency's variables file")
    parser.add_argument("--state-bucket", default="", help="Terraform state bucket (default: PROJECT_ID-tfstate)")
    parser.add_argument("--auto-approve", action="store_true", help="apply without asking")
    parser.add_argument("--dry-run", action="store_true", help="print the commands, run none (package only)")
    parser.add_argument("--dist", default=str(DIST), help="where the archive and dist/hosting go (default: dist/)")
    args = parser.parse_args(argv)
    try:
        return deploy(
            args.project,
            Path(args.tfvars),
            state_bucket=args.state_bucket,
            auto_approve=args.auto_approve,
            dry_run=args.dry_run,
            dist=Path(args.dist),
        )
    except DeployError as exc:
        print(f"make deploy: {exc}", file=sys.stderr)
        return exc.status


if __name__ == "__main__":
    sys.exit(main())
