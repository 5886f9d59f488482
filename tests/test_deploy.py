"""`make deploy` (tools/deploy.py): refuses without a project, and runs package, Terraform and the Firebase CLI in
that order. Nothing here reaches Google Cloud: the dry run prints the commands instead of running them."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.infra_hcl import root
from tools.deploy import FIREBASE_TOOLS, SECRET_IDS, main, required_secrets
from vicon.settings import REPO_DIR

EXAMPLE = REPO_DIR / "infra" / "terraform.tfvars.example"


def test_make_deploy_refuses_to_run_without_a_project_id(tmp_path: Path) -> None:
    result = subprocess.run(
        ["make", "--no-print-directory", "deploy", "PROJECT_ID="],
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "PROJECT_ID is required" in result.stderr
    assert "terraform" not in result.stdout and "firebase" not in result.stdout


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "PROJECT_ID is required"),
        (["--project", "Bad_Project"], "is not a Google Cloud project ID"),
        (["--project", "vicon-majalengka", "--tfvars", "/nonexistent/terraform.tfvars"], "is missing"),
    ],
)
def test_the_tool_refuses_before_doing_anything(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv, "--dist", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.iterdir()), "nothing was built"


def test_a_tfvars_file_for_another_project_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tfvars = tmp_path / "other.tfvars"
    tfvars.write_text('project_id = "someone-else"\n' + EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["--project", "vicon-majalengka", "--tfvars", str(tfvars), "--dist", str(tmp_path / "d")]) == 2
    assert "not 'vicon-majalengka'" in capsys.readouterr().err


def test_the_dry_run_packages_then_runs_terraform_then_uploads_the_site(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["--project", "vicon-majalengka", "--tfvars", str(EXAMPLE), "--dry-run", "--dist", str(tmp_path)])
    assert status == 0
    commands = [line[2:] for line in capsys.readouterr().out.splitlines() if line.startswith("+ ")]
    [bundle] = tmp_path.glob("vicon-functions-*.zip")
    assert re.fullmatch(r"vicon-functions-[0-9a-f]{64}\.zip", bundle.name)

    def index(pattern: str) -> int:
        matches = [number for number, command in enumerate(commands) if re.search(pattern, command)]
        assert matches, f"no command matches {pattern!r} in:\n" + "\n".join(commands)
        return matches[0]

    steps = [
        index(r"^make package$"),
        index(r"^gcloud storage buckets describe gs://vicon-majalengka-tfstate "),
        index(r"^terraform -chdir=\S+/infra init .*-backend-config=bucket=vicon-majalengka-tfstate"),
        index(r"^terraform -chdir=\S+/infra apply .*-target=module\.secrets .*-var=project_id=vicon-majalengka"),
        index(r"^gcloud secrets versions describe latest --secret=vicon-signing-key "),
        index(r"^terraform -chdir=\S+/infra apply -input=false -var=project_id"),
        index(r"^terraform -chdir=\S+/infra output -json hosting$"),
        index(rf"^npx --yes {re.escape(FIREBASE_TOOLS)} deploy --only hosting --project=vicon-majalengka"),
    ]
    assert steps == sorted(steps), commands
    applies = [command for command in commands if " apply " in command]
    assert all(f"-var=source_zip={bundle}" in command for command in applies)
    assert all("-auto-approve" not in command for command in applies), "asks before applying unless told"
    checked = {match[1] for command in commands if (match := re.search(r"--secret=(\S+)", command))}
    assert checked == {SECRET_IDS[name] for name in required_secrets({"smtp_username": "vicon@x.go.id"})}


def test_the_secrets_deploy_checks_are_the_ones_terraform_requires() -> None:
    rule = root().locals["required_secrets"]
    assert '["SIGNING_KEY", "ZOOM_CLIENT_SECRET", "ZOOM_WEBHOOK_SECRET"]' in rule
    assert 'var.smtp_username != "" ? ["SMTP_PASSWORD"]' in rule
    assert 'var.use_previous_signing_keys ? ["SIGNING_KEYS_PREVIOUS"]' in rule
    assert required_secrets({}) == ["SIGNING_KEY", "ZOOM_CLIENT_SECRET", "ZOOM_WEBHOOK_SECRET"]
    assert required_secrets({"smtp_username": "u", "use_previous_signing_keys": True})[-2:] == [
        "SMTP_PASSWORD",
        "SIGNING_KEYS_PREVIOUS",
    ]
