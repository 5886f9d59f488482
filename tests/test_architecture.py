"""The module layout of decision 0016: no import cycle under functions/, no Google import at a core module's top.

Every import counts: at module level, inside functions, under `if TYPE_CHECKING:`, relative or absolute. Importing
`a.b.c` (`import a.b.c`, `from a.b import c`, `from a.b.c import x`) also runs `a` and `a.b`, so those packages are
edges too; `from package import module` is an edge to that module.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

FUNCTIONS_DIR = Path(__file__).resolve().parent.parent / "functions"
CORE_PACKAGE = "vicon"
# The adapters that talk to Google Cloud; they import the client libraries inside the functions that use them.
GOOGLE_ADAPTERS = frozenset({"vicon.store.firestore", "vicon.blobs"})


@dataclass(frozen=True)
class ModuleSource:
    name: str
    is_package: bool
    source: str


@dataclass(frozen=True)
class Import:
    target: str
    line: int
    # False for an import inside a function body: it runs when the function is called, not at import.
    at_module_level: bool


def module_sources(root: Path) -> list[ModuleSource]:
    """Every .py file under `root` as a dotted module name (`vicon/store/__init__.py` is `vicon.store`)."""
    modules = []
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        modules.append(ModuleSource(".".join(parts), is_package, path.read_text(encoding="utf-8")))
    return modules


def _absolute(module: ModuleSource, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = module.name.split(".") if module.is_package else module.name.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _with_parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def imports_of(module: ModuleSource, known: Iterable[str]) -> list[Import]:
    """Every module `module` imports (those in `known` or not), with the packages importing it runs."""
    known = set(known)
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.extend(Import(t, node.lineno, not in_function) for t in _with_parents(alias.name))
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, node)
            targets = _with_parents(base) if base else []
            targets += [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known]
            found.extend(Import(t, node.lineno, not in_function) for t in targets)
        inside = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for child in ast.iter_child_nodes(node):
            visit(child, inside)

    visit(ast.parse(module.source, filename=module.name), in_function=False)
    return found


def import_graph(modules: Iterable[ModuleSource]) -> dict[str, set[str]]:
    """module → the modules of the same set it imports (itself excluded: a package naming its own submodule)."""
    modules = list(modules)
    known = {m.name for m in modules}
    return {
        m.name: {i.target for i in imports_of(m, known) if i.target in known and i.target != m.name} for m in modules
    }


def tangles(graph: Mapping[str, Iterable[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module: every module of one reaches every other."""
    edges = {name: sorted(targets) for name, targets in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def connect(name: str) -> None:  # Tarjan's algorithm
        index[name] = low[name] = len(index)
        stack.append(name)
        on_stack.add(name)
        for target in edges.get(name, []):
            if target not in index:
                connect(target)
                low[name] = min(low[name], low[target])
            elif target in on_stack:
                low[name] = min(low[name], index[target])
        if low[name] == index[name]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == name:
                    break
            components.append(component)

    for name in sorted(edges):
        if name not in index:
            connect(name)
    return [component for component in components if len(component) > 1]


def find_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """One cycle (first module repeated at the end) per tangle, through its alphabetically first module."""
    edges = {name: sorted(targets) for name, targets in graph.items()}
    cycles = []
    for component in tangles(graph):
        start = min(component)
        # Breadth-first inside the component from `start` back to it: the shortest cycle through it.
        previous: dict[str, str] = {}
        queue = [start]
        while queue and start not in previous:
            current = queue.pop(0)
            for target in edges.get(current, []):
                if target in component and target not in previous:
                    previous[target] = current
                    queue.append(target)
        path = [start]
        while path[-1] != start or len(path) == 1:
            path.append(previous[path[-1]])
        cycles.append(list(reversed(path)))
    return sorted(cycles)


def _spelled(cycles: list[list[str]]) -> str:
    return "\n".join(" → ".join(cycle) for cycle in cycles)


def test_no_import_cycle_under_functions() -> None:
    graph = import_graph(module_sources(FUNCTIONS_DIR))
    assert not find_cycles(graph), (
        "import cycles (counting TYPE_CHECKING and function-level imports):\n"
        + _spelled(find_cycles(graph))
        + "\nmodules caught in them: "
        + "; ".join(", ".join(sorted(component)) for component in tangles(graph))
    )


def test_the_detector_finds_a_cycle_through_every_kind_of_import() -> None:
    def sources(files: dict[str, str]) -> list[ModuleSource]:
        return [
            ModuleSource(name.removesuffix(".__init__"), name.endswith(".__init__"), text)
            for name, text in files.items()
        ]

    kinds_of_import = {
        "top level": "import pkg.b\n",
        "from package import module": "from pkg import b\n",
        "inside a function": "def f():\n    from pkg.b import thing\n",
        "under TYPE_CHECKING": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.b import Thing\n",
        "relative": "from . import b\n",
        "relative from a module": "from .b import thing\n",
    }
    for kind, a_imports_b in kinds_of_import.items():
        modules = sources({"pkg.__init__": "", "pkg.a": a_imports_b, "pkg.b": "from pkg.a import x\n"})
        assert find_cycles(import_graph(modules)) == [["pkg.a", "pkg.b", "pkg.a"]], kind

    # A package whose __init__ imports an adapter that imports the package: the cycle store_from_url made.
    modules = sources(
        {
            "vicon.__init__": "",
            "vicon.store.__init__": "def store_from_url(url):\n    from vicon.store.sqlite import SqliteStore\n",
            "vicon.store.sqlite": "from vicon.store import iso\n",
        }
    )
    assert find_cycles(import_graph(modules)) == [["vicon.store", "vicon.store.sqlite", "vicon.store"]]
    assert "vicon.store" in _spelled(find_cycles(import_graph(modules)))

    # A longer cycle is spelled out in order; modules outside it do not appear.
    modules = sources(
        {
            "a": "import b\nimport os\n",
            "b": "from c import x\n",
            "c": "def f():\n    import a\n",
            "d": "import a\n",
        }
    )
    assert find_cycles(import_graph(modules)) == [["a", "b", "c", "a"]]

    # No cycle: a chain, and a package importing its own submodule's parent.
    modules = sources({"pkg.__init__": "", "pkg.a": "from pkg import b\n", "pkg.b": "import json\n"})
    assert find_cycles(import_graph(modules)) == []


def _google_imports(modules: Iterable[ModuleSource]) -> dict[str, list[Import]]:
    modules = list(modules)
    known = {m.name for m in modules}
    found = {}
    for module in modules:
        imports = [i for i in imports_of(module, known) if i.target == "google" or i.target.startswith("google.")]
        if imports:
            found[module.name] = imports
    return found


def test_no_core_module_imports_google_at_module_level() -> None:
    core = [m for m in module_sources(FUNCTIONS_DIR) if m.name.split(".")[0] == CORE_PACKAGE]
    google = _google_imports(core)
    at_top = {name: [i.line for i in imports if i.at_module_level] for name, imports in google.items()}
    assert not {name: lines for name, lines in at_top.items() if lines}, (
        "Google client libraries are imported lazily, inside the adapter function that needs them"
    )
    assert set(google) <= GOOGLE_ADAPTERS, f"only {sorted(GOOGLE_ADAPTERS)} may import google.*"
    # The check itself sees the Google adapters' lazy imports, and would see a top-level one.
    assert set(google) == GOOGLE_ADAPTERS
    probe_source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import google.cloud\n"
    probe = [ModuleSource("vicon.probe", False, probe_source)]
    assert [i.at_module_level for i in _google_imports(probe)["vicon.probe"]] == [True, True]


# Decision 0017: the use cases take ports, never the core; main.py is a table of contents of thin targets.
USE_CASES_PACKAGE = "vicon.usecases"
CORE_MODULE = "vicon.core"
# The longest targets today (intake, cancel) are 26 and 27 lines, docstring included; a little headroom, no more.
MAX_TARGET_LINES = 30


def _core_importers(modules: Iterable[ModuleSource]) -> dict[str, list[int]]:
    modules = list(modules)
    known = {m.name for m in modules} | {CORE_MODULE}
    return {
        m.name: lines for m in modules if (lines := [i.line for i in imports_of(m, known) if i.target == CORE_MODULE])
    }


def test_no_use_case_module_imports_the_core() -> None:
    use_cases = [
        m
        for m in module_sources(FUNCTIONS_DIR)
        if m.name == USE_CASES_PACKAGE or m.name.startswith(USE_CASES_PACKAGE + ".")
    ]
    assert {m.name for m in use_cases} >= {
        f"{USE_CASES_PACKAGE}.{name}" for name in ("submit", "status", "review", "cancel", "officer", "tick")
    }
    assert not _core_importers(use_cases), "a use case takes the ports it needs, never vicon.core"
    # The check sees every spelling of the import, a lazy or a typing-only one included.
    probes = [
        "from vicon.core import Core\n",
        "from vicon import core\n",
        "def f():\n    import vicon.core\n",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..core import Core\n",
    ]
    for source in probes:
        probe = ModuleSource(f"{USE_CASES_PACKAGE}.probe", False, source)
        assert _core_importers([probe]), source


def _long_functions(source: str) -> dict[str, int]:
    tree = ast.parse(source)
    return {
        node.name: length
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (length := (node.end_lineno or node.lineno) - node.lineno + 1) > MAX_TARGET_LINES
    }


def test_main_stays_a_table_of_contents_of_thin_targets() -> None:
    main = (FUNCTIONS_DIR / "main.py").read_text(encoding="utf-8")
    assert not _long_functions(main), (
        f"functions in main.py longer than {MAX_TARGET_LINES} lines (decorators excluded); "
        "move the work into a use case under vicon/usecases/"
    )
    long_body = "def target():\n" + "    x = 1\n" * MAX_TARGET_LINES
    assert _long_functions(long_body) == {"target": MAX_TARGET_LINES + 1}


# Decision 0019: importing main.py loads the framework and the light helpers only; the core loads at a target's
# first request, pydantic at the first form parsed. Measured in a fresh interpreter, by what it has loaded.
LIGHT_AT_IMPORT = {"vicon", "vicon.fields", "vicon.forms", "vicon.web"}
HEAVY_PACKAGES = (
    "pydantic",
    "pydantic_core",
    "holidays",
    "pypdf",
    "httpx",
    "icalendar",
    "google.cloud.firestore",
    "pyhanko",  # the document check, at the first signed letter (decision 0029)
    "asn1crypto",
)


def _loaded_by(statement: str) -> set[str]:
    """The modules `statement` loads in a fresh interpreter that has already imported the Functions Framework."""
    code = (
        "import sys; sys.path.insert(0, 'functions'); import functions_framework; before = set(sys.modules)\n"
        f"{statement}\nprint('\\n'.join(sorted(set(sys.modules) - before)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=FUNCTIONS_DIR.parent, capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


def _heavy(modules: set[str]) -> set[str]:
    return {m for m in modules if any(m == p or m.startswith(p + ".") for p in HEAVY_PACKAGES)}


def test_importing_main_loads_only_the_light_helpers() -> None:
    loaded = _loaded_by("import main")
    assert "main" in loaded
    assert {m for m in loaded if m.split(".")[0] == CORE_PACKAGE} == LIGHT_AT_IMPORT, (
        "main.py imports the core, the use cases and pydantic inside the targets (decision 0019)"
    )
    assert not _heavy(loaded)


def test_the_core_loads_the_records_and_the_first_form_loads_the_forms() -> None:
    # The records are pydantic models (decision 0020), so the core's first request pays pydantic; the forms'
    # models are built only by the first form a target reads.
    core = _loaded_by("import vicon.wiring")
    assert {"vicon.core", "vicon.intake", "vicon.usecases.submit", "vicon.records", "pydantic"} <= core
    assert "vicon.inputs" not in core
    assert {"pydantic", "vicon.inputs"} <= _loaded_by(
        "from vicon.inputs import CancelForm; CancelForm.parse({'id': 'a', 'token': 'b'})"
    )


# --- what is deployed (decision 0018) ---------------------------------------------------------------------

DEVTOOLS_DIR = FUNCTIONS_DIR.parent / "devtools"
DEV_ONLY = ("vicon_dev", "zoom_sandbox", "devserver")


def _dev_only_imports(modules: Iterable[ModuleSource]) -> dict[str, list[str]]:
    """Imports naming a dev-only module anywhere in their dotted path, `from x import devserver` included."""
    found = {}
    for module in modules:
        names = []
        for node in ast.walk(ast.parse(module.source, filename=module.name)):
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(module, node)
                names += [base, *(f"{base}.{alias.name}" for alias in node.names)]
        hits = sorted({name for name in names if set(name.split(".")) & set(DEV_ONLY)})
        if hits:
            found[module.name] = hits
    return found


def test_nothing_deployed_imports_the_dev_tools() -> None:
    deployed = module_sources(FUNCTIONS_DIR)
    assert not _dev_only_imports(deployed), "functions/ is what is deployed: it must not import devtools/"
    names = {m.name.split(".")[-1] for m in deployed}
    assert not names & set(DEV_ONLY), "the dev server and the Zoom sandbox live in devtools/vicon_dev/"
    # The dev tools are where they are said to be, and the check sees every spelling of such an import.
    assert {m.name for m in module_sources(DEVTOOLS_DIR)} >= {
        "vicon_dev",
        "vicon_dev.devserver",
        "vicon_dev.zoom_sandbox",
    }
    probes = {
        "absolute": "import vicon_dev.devserver\n",
        "from": "from vicon_dev import zoom_sandbox\n",
        "old home": "def f():\n    from vicon.zoom_sandbox import create_sandbox_app\n",
        "under TYPE_CHECKING": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from vicon import devserver\n",
    }
    for kind, source in probes.items():
        assert _dev_only_imports([ModuleSource("vicon.probe", False, source)]), kind


# Where records are read: the use cases, provisioning, the mails and the links. mypy refuses `record["x"]` on a
# typed record; this catches what mypy cannot see (a record turned back into a dict, `getattr` with a string).
RECORD_READERS = (
    "vicon/usecases",
    "vicon/provisioning.py",
    "vicon/messages.py",
    "vicon/links.py",
    "vicon/invitations.py",
)


def string_keyed_record_fields(source: str, fields: frozenset[str]) -> list[tuple[int, str]]:
    """(line, field) of every `x["field"]`, `x.get("field")` and `getattr(x, "field")` naming a record field."""
    found = []
    for node in ast.walk(ast.parse(source)):
        key: ast.expr | None = None
        if isinstance(node, ast.Subscript):
            key = node.slice
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            key = node.args[0] if node.args else None
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr":
            key = node.args[1] if len(node.args) > 1 else None
        if isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value in fields:
            found.append((key.lineno, key.value))
    return sorted(found)


def test_record_readers_use_attributes_never_string_keys() -> None:
    from vicon.records import RequestRecord, StoredMeeting

    fields = frozenset(RequestRecord.model_fields) | frozenset(StoredMeeting.model_fields)
    paths = [
        p for entry in RECORD_READERS for p in sorted((FUNCTIONS_DIR / entry).rglob("*.py")) or [FUNCTIONS_DIR / entry]
    ]
    found = {
        f"{path.relative_to(FUNCTIONS_DIR)}:{line} {field}"
        for path in paths
        for line, field in string_keyed_record_fields(path.read_text(encoding="utf-8"), fields)
    }
    assert found == set()


def test_the_record_key_detector_finds_each_form() -> None:
    source = 'a = r["status"]\nb = r.get("meeting")\nc = getattr(r, "start")\nd = counts["errors"]\n'
    assert string_keyed_record_fields(source, frozenset({"status", "meeting", "start"})) == [
        (1, "status"),
        (2, "meeting"),
        (3, "start"),
    ]
