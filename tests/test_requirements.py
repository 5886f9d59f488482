"""functions/requirements.txt is what the deployed code imports: every third-party import under functions/
(lazy ones inside functions included) is a pinned requirement, every requirement is imported, and the pins are
what this environment runs the tests with."""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import re
import sys
from functools import cache
from pathlib import Path

from vicon.settings import REPO_DIR

FUNCTIONS = REPO_DIR / "functions"
REQUIREMENTS = FUNCTIONS / "requirements.txt"
FIRST_PARTY = {"vicon", "main"}
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[a-z0-9,_-]+\])?==(?P<version>[0-9][A-Za-z0-9.+!-]*)$")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements() -> dict[str, str]:
    pins: dict[str, str] = {}
    for number, raw in enumerate(REQUIREMENTS.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = PIN.match(line)
        assert match, f"requirements.txt line {number}: {raw!r} is not pinned as name==version"
        name = normalize(match["name"])
        assert name not in pins, f"requirements.txt line {number}: {match['name']} is listed twice"
        pins[name] = match["version"]
    return pins


def imported_modules() -> dict[str, set[str]]:
    """Absolute imports of every module under functions/ => the files importing them."""
    found: dict[str, set[str]] = {}
    for path in sorted(FUNCTIONS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                # `from google.cloud import storage` imports google.cloud.storage; `from flask import Response`
                # is flask (distribution_of finds the deepest part that is a module).
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            for name in names:
                found.setdefault(name, set()).add(path.relative_to(REPO_DIR).as_posix())
    return found


@cache
def _files_of(distribution: str) -> frozenset[str]:
    """The installed files of one distribution, absolute."""
    dist = importlib.metadata.distribution(distribution)
    return frozenset(str(Path(str(dist.locate_file(file))).resolve()) for file in dist.files or ())


def _spec_origin(module: str) -> str | None:
    try:
        spec = importlib.util.find_spec(module)
    except (ModuleNotFoundError, ValueError):
        return None
    if spec is None or not spec.origin or spec.origin in ("built-in", "frozen"):
        return None  # not a module, or a namespace package (google, google.cloud)
    return str(Path(spec.origin).resolve())


def distribution_of(module: str) -> str:
    """The distribution that installs `module` (the deepest importable part: google.cloud.firestore, not google)."""
    parts = module.split(".")
    candidates = importlib.metadata.packages_distributions().get(parts[0], [])
    for end in range(len(parts), 0, -1):
        origin = _spec_origin(".".join(parts[:end]))
        if origin is None:
            continue
        owners = {normalize(name) for name in candidates if origin in _files_of(name)}
        assert len(owners) == 1, f"{module}: {origin} belongs to {owners or 'no installed distribution'}"
        return owners.pop()
    raise AssertionError(f"{module} cannot be imported here")


def third_party(modules: dict[str, set[str]]) -> dict[str, set[str]]:
    return {
        name: files
        for name, files in modules.items()
        if name.split(".")[0] not in sys.stdlib_module_names and name.split(".")[0] not in FIRST_PARTY
    }


def test_every_requirement_is_pinned_once() -> None:
    assert len(requirements()) >= 8


def test_every_third_party_import_is_a_requirement_and_every_requirement_is_imported() -> None:
    imports = third_party(imported_modules())
    assert {"flask", "functions_framework", "google", "pydantic"} <= {name.split(".")[0] for name in imports}
    by_distribution: dict[str, set[str]] = {}
    for module in imports:
        by_distribution.setdefault(distribution_of(module), set()).add(module)
    pins = requirements()
    missing = {name: sorted(modules) for name, modules in by_distribution.items() if name not in pins}
    assert not missing, f"imported under functions/ but not in functions/requirements.txt: {missing}"
    unused = set(pins) - set(by_distribution)
    assert not unused, f"in functions/requirements.txt but imported nowhere under functions/: {sorted(unused)}"


def test_the_pins_are_what_the_tests_run_with() -> None:
    for name, version in requirements().items():
        assert importlib.metadata.version(name) == version, f"{name}: pinned {version}, installed differs"
