"""The lifecycle is declared once (functions/vicon/lifecycle.py) and the code, the site and the README follow it."""

from __future__ import annotations

import ast
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.harness import Harness
from vicon.lifecycle import (
    CANCELLABLE,
    INITIAL,
    MAX_PROVISIONING_ATTEMPTS,
    NOT_YET_MADE,
    PUBLIC_HISTORY_LABELS,
    STATUS_LABELS,
    TRANSITIONS,
    Actor,
    CleanupState,
    NotAllowed,
    ProvisioningState,
    Status,
    allowed_from,
    check,
    gave_up,
    is_terminal,
    provisioning_state,
    status_label,
)
from vicon.settings import REPO_DIR

FUNCTIONS = REPO_DIR / "functions"
# The code that moves requests: the core, its adapters, the targets and the dev server (not the Zoom sandbox in
# devtools/, which speaks Zoom's words).
SOURCES = sorted(
    path
    for path in [*FUNCTIONS.glob("vicon/**/*.py"), FUNCTIONS / "main.py", REPO_DIR / "devtools/vicon_dev/devserver.py"]
    # meetings.py holds Zoom's own vocabulary (a recording file "completed"), which only sounds like a status.
    if path.name not in ("lifecycle.py", "meetings.py")
)


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _call_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        func = node.func
        return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    return None


def _members(node: ast.AST, enum: str) -> set[str]:
    """The `enum.NAME` values written anywhere inside `node`."""
    return {
        getattr(Status if enum == "Status" else Actor, sub.attr).value
        for sub in ast.walk(node)
        if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == enum
    }


def _transition_calls() -> list[tuple[Path, ast.FunctionDef | ast.AsyncFunctionDef, ast.Call]]:
    found = []
    for path in SOURCES:
        for function in ast.walk(_parse(path)):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "transition"
                ):
                    found.append((path, function, node))
    # Nested functions would be walked twice; one entry per call.
    unique = {id(call): (path, function, call) for path, function, call in found}
    return list(unique.values())


def _resolved_targets(function: ast.FunctionDef | ast.AsyncFunctionDef, expr: ast.expr) -> set[str]:
    """The statuses an expression can be: `Status.X` itself, or a local name assigned from Status members."""
    if isinstance(expr, ast.Name):
        values: set[str] = set()
        for node in ast.walk(function):
            if isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id == expr.id for target in node.targets
            ):
                values |= _members(node.value, "Status")
        return values
    return _members(expr, "Status")


def test_every_store_transition_takes_its_from_statuses_from_the_lifecycle() -> None:
    calls = _transition_calls()
    assert len(calls) >= 5, "the transition calls were not found: has the store API changed?"
    used: set[tuple[str, str]] = set()
    problems = []
    for path, function, call in calls:
        where = f"{path.relative_to(REPO_DIR)}:{call.lineno}"
        args = {index: arg for index, arg in enumerate(call.args)}
        keywords = {keyword.arg: keyword.value for keyword in call.keywords}
        source = args.get(1, keywords.get("from_statuses"))
        target = args.get(2, keywords.get("to_status"))
        if source is None or target is None:
            problems.append(f"{where}: from_statuses and to_status not found")
            continue
        if _call_name(source) == "allowed_from":
            lifecycle_call = source
        elif (
            isinstance(source, ast.List | ast.Tuple) and len(source.elts) == 1 and _call_name(source.elts[0]) == "check"
        ):
            lifecycle_call = source.elts[0]
        else:
            problems.append(f"{where}: from_statuses is {ast.unparse(source)}, not allowed_from(...) or [check(...)]")
            continue
        assert isinstance(lifecycle_call, ast.Call)
        to_arg = lifecycle_call.args[0] if _call_name(source) == "allowed_from" else lifecycle_call.args[1]
        if ast.dump(to_arg) != ast.dump(target):
            problems.append(
                f"{where}: moves to {ast.unparse(target)} but asked the lifecycle about {ast.unparse(to_arg)}"
            )
        actors = _members(lifecycle_call, "Actor")
        statuses = _resolved_targets(function, target)
        if len(actors) != 1 or not statuses:
            problems.append(f"{where}: cannot tell the actor or the status from {ast.unparse(lifecycle_call)}")
        used |= {(status, actor) for status in statuses for actor in actors}
    assert problems == []
    declared = {
        (dst.value, actor.value)
        for (src, dst), actors in TRANSITIONS.items()
        for actor in actors
        if (src, dst) not in NOT_YET_MADE
    }
    # Every (to, actor) the code asks for is declared, and every declared one is made somewhere.
    assert used == declared


def test_no_status_or_cleanup_literals_outside_the_lifecycle() -> None:
    statuses = {status.value for status in Status}
    found = []
    for path in SOURCES:
        tree = _parse(path)
        skip: set[int] = set()
        for node in ast.walk(tree):
            # The mail composer's template names (email/rejected.html ...) happen to share the statuses' words.
            if _call_name(node) == "_mail" and isinstance(node, ast.Call) and len(node.args) >= 3:
                skip.add(id(node.args[2]))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in statuses and id(node) not in skip:
                found.append(f"{path.relative_to(REPO_DIR)}:{node.lineno} {node.value!r}")
            # meeting_cleanup set or compared with a bare string
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "meeting_cleanup":
                        found += [
                            f"{path.relative_to(REPO_DIR)}:{sub.lineno} meeting_cleanup {sub.value!r}"
                            for sub in ast.walk(value)
                            if isinstance(sub, ast.Constant) and isinstance(sub.value, str)
                        ]
            if isinstance(node, ast.Compare) and "meeting_cleanup" in ast.unparse(node):
                found += [
                    f"{path.relative_to(REPO_DIR)}:{node.lineno} {ast.unparse(node)}"
                    for sub in node.comparators
                    if isinstance(sub, ast.Constant) and isinstance(sub.value, str)
                ]
    assert found == []


def test_the_scanners_see_a_literal_from_list() -> None:
    # The checks above would pass on code they cannot read; this is what they must catch.
    bad = ast.parse('def f(store):\n    store.transition("VC-1", ["submitted"], Status.APPROVED, audit)\n')
    call = next(node for node in ast.walk(bad) if isinstance(node, ast.Call) and _call_name(node) == "transition")
    assert _call_name(call.args[1]) is None
    assert any(isinstance(node, ast.Constant) and node.value == "submitted" for node in ast.walk(bad))


def test_values_are_the_stored_strings() -> None:
    assert [status.value for status in Status] == [
        "submitted",
        "approved",
        "provisioned",
        "completed",
        "rejected",
        "cancelled",
        "provisioning_failed",
    ]
    assert Status.APPROVED == "approved" and "approved" in (Status.APPROVED,)
    assert {"approved": 1}[Status.APPROVED] == 1 and dict[str, int]({Status.APPROVED: 1})["approved"] == 1
    assert (CleanupState.PENDING.value, CleanupState.DONE.value) == ("pending", "done")
    assert INITIAL is Status.SUBMITTED


def test_allowed_from_and_check_follow_the_table() -> None:
    assert allowed_from(Status.APPROVED, Actor.VERIFIER) == (Status.SUBMITTED,)
    assert allowed_from(Status.REJECTED, Actor.VERIFIER) == (Status.SUBMITTED,)
    assert allowed_from(Status.APPROVED, Actor.SYSTEM) == (Status.PROVISIONING_FAILED,)
    assert allowed_from(Status.PROVISIONED, Actor.SYSTEM) == (Status.APPROVED,)
    assert allowed_from(Status.PROVISIONING_FAILED, Actor.SYSTEM) == (Status.APPROVED,)
    assert allowed_from(Status.COMPLETED, Actor.SYSTEM) == (Status.PROVISIONED,)
    with pytest.raises(NotAllowed):
        allowed_from(Status.APPROVED, Actor.REQUESTER)
    with pytest.raises(NotAllowed):
        allowed_from(Status.SUBMITTED, Actor.SYSTEM)  # a request is created submitted, never moved back there
    assert check("provisioned", Status.CANCELLED, Actor.REQUESTER) is Status.PROVISIONED
    for status in (Status.COMPLETED, Status.REJECTED, Status.CANCELLED):
        with pytest.raises(NotAllowed):
            check(status, Status.CANCELLED, Actor.REQUESTER)
        assert is_terminal(status)
    assert not any(is_terminal(status) for status in CANCELLABLE)
    # Every status is reachable from the initial one.
    reached, frontier = {INITIAL}, [INITIAL]
    while frontier:
        current = frontier.pop()
        for src, dst in TRANSITIONS:
            if src == current and dst not in reached:
                reached.add(dst)
                frontier.append(dst)
    assert reached == set(Status)
    assert all(actors for actors in TRANSITIONS.values())


def test_cancellable_is_derived_from_the_table() -> None:
    assert CANCELLABLE == (Status.SUBMITTED, Status.APPROVED, Status.PROVISIONED, Status.PROVISIONING_FAILED)
    assert set(CANCELLABLE) == {src for (src, dst), actors in TRANSITIONS.items() if dst == Status.CANCELLED}


def test_every_status_has_both_labels() -> None:
    assert set(STATUS_LABELS) == set(Status) == set(PUBLIC_HISTORY_LABELS)
    assert all(label.strip() for label in [*STATUS_LABELS.values(), *PUBLIC_HISTORY_LABELS.values()])
    assert status_label("approved") == "Disetujui, meeting sedang dibuat"
    assert status_label("archived") == "archived"  # a status from a newer release shows as itself


def test_intake_options_answer_every_status_with_its_label(harness: Harness) -> None:
    options = harness.client("intake_options").get("/").get_json()
    assert options["statuses"] == [{"value": status.value, "label": STATUS_LABELS[status]} for status in Status]


def test_the_site_has_no_status_labels_of_its_own() -> None:
    labels = {*STATUS_LABELS.values(), *PUBLIC_HISTORY_LABELS.values()}
    scripts = sorted((REPO_DIR / "site" / "assets").glob("*.js"))
    assert scripts
    found = [
        f"{script.name}: {label}"
        for script in scripts
        for label in labels
        if re.search(r"""(['"`])""" + re.escape(label) + r"\1", script.read_text(encoding="utf-8"))
    ]
    assert found == []


@dataclass(frozen=True)
class _Fields:
    """The fields the sub-states read (lifecycle.ProvisioningFields)."""

    status: str = "provisioning_failed"
    provisioning_attempts: int = 0
    next_provisioning_at: dt.datetime | None = None


LATER = dt.datetime(2026, 12, 1, 1, tzinfo=dt.UTC)


def _failed(provisioning_attempts: int = 0, next_provisioning_at: dt.datetime | None = None) -> _Fields:
    return _Fields("provisioning_failed", provisioning_attempts, next_provisioning_at)


def test_gave_up_only_when_every_attempt_is_used_and_none_is_scheduled() -> None:
    spent = MAX_PROVISIONING_ATTEMPTS
    assert gave_up(_failed(provisioning_attempts=spent, next_provisioning_at=None))
    assert gave_up(_failed(provisioning_attempts=spent + 1, next_provisioning_at=None))
    # Still scheduled: the tick gives it up when it comes due.
    assert not gave_up(_failed(provisioning_attempts=spent, next_provisioning_at=LATER))
    assert not gave_up(_failed(provisioning_attempts=spent - 1, next_provisioning_at=LATER))
    # The event started first: retries stopped, but not for want of attempts.
    assert not gave_up(_failed(provisioning_attempts=2, next_provisioning_at=None))
    assert not gave_up(_Fields("approved", spent, None))
    assert not gave_up(_failed())  # a record without the fields (from before they existed) is too late, not given up

    assert (
        provisioning_state(_failed(provisioning_attempts=1, next_provisioning_at=LATER)) is ProvisioningState.RETRYING
    )
    assert provisioning_state(_failed(provisioning_attempts=spent, next_provisioning_at=None)) is (
        ProvisioningState.GAVE_UP
    )
    assert provisioning_state(_failed(provisioning_attempts=3, next_provisioning_at=None)) is ProvisioningState.TOO_LATE
    assert provisioning_state(_Fields("provisioned")) is None


def test_the_readme_diagram_and_table_are_the_declared_transitions() -> None:
    readme = (REPO_DIR / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Request lifecycle", 1)[1].split("\n## ", 1)[0]
    diagram = section.split("```mermaid", 1)[1].split("```", 1)[0]
    assert "stateDiagram-v2" in diagram
    arrows = set(re.findall(r"^\s*(\w+) --> (\w+)", diagram, flags=re.M))
    assert ("[*]", "submitted") not in arrows  # written `[*] --> submitted`, which \w does not match
    assert re.search(r"^\s*\[\*\] --> submitted", diagram, flags=re.M)
    assert arrows == {(src.value, dst.value) for src, dst in TRANSITIONS}
    rows = set(re.findall(r"^\| `(\w+)` \| `(\w+)` \| ([^|]+) \|", section, flags=re.M))
    assert {(src, dst) for src, dst, _ in rows} == {(src.value, dst.value) for src, dst in TRANSITIONS}
    for src, dst, who in rows:
        actors = TRANSITIONS[(Status(src), Status(dst))]
        assert {actor.value for actor in actors} == set(re.findall(r"`(\w+)`", who)), (src, dst)


def test_templates_compare_statuses_with_the_enum() -> None:
    statuses = "|".join(status.value for status in Status)
    literal = re.compile(r"""\{%[^%]*status[^%]*(['"])(""" + statuses + r""")\1[^%]*%\}""")
    found = [
        f"{path.relative_to(REPO_DIR)}: {match.group(0)}"
        for path in sorted((REPO_DIR / "templates").rglob("*"))
        if path.is_file()
        for match in literal.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
    assert re.search(r"Status\.PROVISIONED", (REPO_DIR / "templates/pages/_decision_outcome.html").read_text())


def test_a_misspelt_status_in_a_template_is_an_error() -> None:
    import jinja2

    from vicon.rendering import environment

    env = environment("Asia/Jakarta")
    assert env.from_string("{{ s == Status.CANCELLED }}").render(s="cancelled") == "True"
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ s == Status.CANCELED }}").render(s="cancelled")
