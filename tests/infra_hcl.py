"""infra/ as data: every .tf file of a folder parsed with python-hcl2, for the offline checks of tests/test_infra.py.

Strings come without their quotes; an expression stays a string `${...}`, as Terraform wrote it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2
from hcl2.utils import SerializationOptions

from vicon.settings import REPO_DIR

INFRA = REPO_DIR / "infra"
MAIN = REPO_DIR / "functions" / "main.py"
_OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)


def load_file(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return dict(hcl2.load(handle, serialization_options=_OPTIONS))


@dataclass
class Module:
    """One Terraform module (a folder): its blocks by kind and name."""

    path: Path
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    resources: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    data: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    modules: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    text: str = ""

    def resources_of(self, kind: str) -> dict[str, dict[str, Any]]:
        return {name: body for (type_, name), body in self.resources.items() if type_ == kind}


def load_module(path: Path) -> Module:
    module = Module(path)
    for tf in sorted(path.glob("*.tf")):
        module.text += tf.read_text(encoding="utf-8") + "\n"
        parsed = load_file(tf)
        for block in parsed.get("variable", []):
            module.variables.update(block)
        for block in parsed.get("locals", []):
            duplicated = set(block) & set(module.locals)
            assert not duplicated, f"locals declared twice in {path}: {duplicated}"
            module.locals.update(block)
        for kind, target in (("resource", module.resources), ("data", module.data)):
            for block in parsed.get(kind, []):
                for type_, named in block.items():
                    for name, body in named.items():
                        target[(type_, name)] = body
        for block in parsed.get("module", []):
            module.modules.update(block)
        for block in parsed.get("output", []):
            module.outputs.update(block)
    return module


def root() -> Module:
    return load_module(INFRA)


def child_modules() -> dict[str, Module]:
    return {path.name: load_module(path) for path in sorted((INFRA / "modules").iterdir()) if path.is_dir()}


def main_targets() -> list[str]:
    """Every `@functions_framework.http` target of functions/main.py, in file order."""
    tree = ast.parse(MAIN.read_text(encoding="utf-8"))
    targets = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                if ast.unparse(decorator) == "functions_framework.http":
                    targets.append(node.name)
    return targets


def references(text: str, kind: str) -> set[str]:
    """Names used as `kind.NAME` (var, local, module) in HCL text, comments left out."""
    code = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    return set(re.findall(rf"(?<![\w.]){kind}\.([A-Za-z_][A-Za-z0-9_-]*)", code))
