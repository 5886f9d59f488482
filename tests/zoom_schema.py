"""Zoom's own API documents (tests/zoom_openapi/) and the checks that hold the Zoom client and the sandbox to them.

Requests: every call to /v2 is an operation of Zoom's Meetings OpenAPI document, with only the query parameters
it documents (values of their type and range) and a JSON body of only the keys its schema names, recursively:
Zoom ignores an unknown key silently, so a misspelt setting would never take effect.

Answers: a 2xx answer of the sandbox has a status the operation documents and a body its schema describes, with
no key the schema does not name (the sandbox must not promise what Zoom does not send); an error answer is
Zoom's `{"code", "message"}`, and a 404's code is one the operation lists. Planned faults are not checked.

The document's schemas leave `additionalProperties` open and split objects into `allOf` parts; `strict` merges
the parts and closes every object, which is what "no unknown keys" means.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator, FormatChecker
from openapi_schema_validator import OAS30Validator, oas30_format_checker

if TYPE_CHECKING:
    from vicon_dev.zoom_sandbox import Exchange

DOCS_DIR = Path(__file__).resolve().parent / "zoom_openapi"
API_DOCUMENT = DOCS_DIR / "zoom-meetings-api.openapi.json"
WEBHOOK_SCHEMAS = DOCS_DIR / "webhook-event-schemas.json"
API_PREFIX = "/v2"  # the document's server is https://api.zoom.us/v2
_ALWAYS_POSSIBLE = {401, 429}  # every operation can answer these, documented or not
_ERROR_CODE_RE = re.compile(r"\*\*Error Code:\*\* `(\d+)`")


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    literals: int
    spec: Mapping[str, Any]

    @property
    def name(self) -> str:
        return f"{self.method.upper()} {self.template} ({self.spec.get('operationId')})"

    def parameters(self, where: str) -> dict[str, Mapping[str, Any]]:
        return {p["name"]: p for p in self.spec.get("parameters", []) if p.get("in") == where}


@functools.cache
def api_document() -> dict[str, Any]:
    """Zoom's Meetings API document (OpenAPI 3.0), as Zoom publishes it."""
    document: dict[str, Any] = json.loads(API_DOCUMENT.read_text(encoding="utf-8"))
    return document


@functools.cache
def webhook_schemas() -> dict[str, Any]:
    """The JSON schemas of the webhook bodies by event name (recording.completed, meeting.*, url_validation)."""
    events: dict[str, Any] = json.loads(WEBHOOK_SCHEMAS.read_text(encoding="utf-8"))["events"]
    return events


@functools.cache
def operations() -> tuple[Operation, ...]:
    found = []
    for template, item in api_document()["paths"].items():
        segments = template.strip("/").split("/")
        regex = "/".join(f"(?P<{s[1:-1]}>[^/]+)" if s.startswith("{") else re.escape(s) for s in segments)
        literals = sum(1 for s in segments if not s.startswith("{"))
        for method, spec in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                found.append(Operation(method, template, re.compile("/" + regex), literals, spec))
    return tuple(found)


def find_operation(method: str, path: str) -> Operation | None:
    """The documented operation for `method` and a path below /v2 (the most specific template that fits)."""
    matches = [op for op in operations() if op.method == method.lower() and op.pattern.fullmatch(path)]
    if not matches:
        # A UUID with a single "/" may be sent encoded once, so after the gateway's decoding a path parameter
        # can span segments; only then let parameters match slashes.
        for op in operations():
            loose = re.compile(op.pattern.pattern.replace("[^/]+", ".+"))
            if op.method == method.lower() and loose.fullmatch(path):
                matches.append(op)
    return max(matches, key=lambda op: op.literals) if matches else None


def strict(schema: Any) -> Any:
    """`schema` with its allOf parts merged and every object closed to keys it does not name."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: _strict_child(key, value) for key, value in schema.items()}
    parts = result.pop("allOf", None)
    if parts is not None:
        merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        for part in parts:
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
            if part.get("type", "object") != "object":
                raise ValueError(f"allOf of a non-object: {part!r:.200}")
        if not merged["required"]:
            del merged["required"]
        result = {**merged, **{k: v for k, v in result.items() if k not in ("properties", "required", "type")}}
    if "properties" in result and "additionalProperties" not in result:
        result["additionalProperties"] = False
    return result


def _strict_child(key: str, value: Any) -> Any:
    if key == "properties" and isinstance(value, dict):
        return {name: strict(sub) for name, sub in value.items()}
    if key in ("items", "additionalProperties", "not", "allOf", "oneOf", "anyOf"):
        return strict(value)
    return value


def schema_problems(schema: Mapping[str, Any], instance: Any, where: str) -> list[str]:
    """What about `instance` the OpenAPI 3.0 `schema` (made strict) does not allow, one line each."""
    validator = OAS30Validator(strict(schema), format_checker=oas30_format_checker)
    return [
        f"{where}: {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in validator.iter_errors(instance)
    ]


def webhook_problems(event: str, body: Any) -> list[str]:
    """What about a webhook `body` the schema of `event` (JSON Schema 2020-12) does not allow."""
    validator = Draft202012Validator(webhook_schemas()[event], format_checker=FormatChecker())
    return [
        f"{event}: {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in validator.iter_errors(body)
    ]


def _coerce(value: str, schema: Mapping[str, Any]) -> Any:
    kind = schema.get("type")
    if kind == "integer":
        return int(value) if re.fullmatch(r"-?\d+", value) else value
    if kind == "number":
        try:
            return float(value)
        except ValueError:
            return value
    if kind == "boolean":
        return {"true": True, "false": False}.get(value, value)
    return value


def request_problems(exchange: Exchange) -> list[str]:
    """What about a request to /v2 Zoom's document does not allow (operation, path and query parameters, body)."""
    if not exchange.path.startswith(API_PREFIX + "/"):
        return []
    path = exchange.path[len(API_PREFIX) :]
    what = f"{exchange.method} {exchange.path}"
    op = find_operation(exchange.method, path)
    if op is None:
        return [f"{what}: not an operation of Zoom's document"]
    problems: list[str] = []
    match = op.pattern.fullmatch(path) or re.compile(op.pattern.pattern.replace("[^/]+", ".+")).fullmatch(path)
    assert match is not None
    for name, value in match.groupdict().items():
        param = op.parameters("path").get(name)
        if param is not None:
            problems += schema_problems(param["schema"], _coerce(value, param["schema"]), f"{what} path {name}")
    documented = op.parameters("query")
    for name, values in exchange.query.items():
        param = documented.get(name)
        if param is None:
            problems.append(f"{what}: query parameter {name!r} is not in {op.name}")
            continue
        if len(values) != 1:
            problems.append(f"{what}: query parameter {name!r} sent {len(values)} times")
        for value in values:
            problems += schema_problems(param["schema"], _coerce(value, param["schema"]), f"{what} query {name}")
    for name, param in documented.items():
        if param.get("required") and name not in exchange.query:
            problems.append(f"{what}: required query parameter {name!r} missing")
    body_spec = op.spec.get("requestBody", {}).get("content", {}).get("application/json")
    if body_spec is None:
        if exchange.body is not None:
            problems.append(f"{what}: a JSON body where {op.name} takes none")
    elif exchange.body is not None:
        problems += schema_problems(body_spec["schema"], exchange.body, f"{what} body")
    elif op.spec["requestBody"].get("required"):
        problems.append(f"{what}: no JSON body where {op.name} requires one")
    return problems


def answer_problems(exchange: Exchange) -> list[str]:
    """What about the sandbox's answer to a /v2 request Zoom's document does not allow (planned faults skipped)."""
    if exchange.injected or exchange.status == 0 or not exchange.path.startswith(API_PREFIX + "/"):
        return []
    op = find_operation(exchange.method, exchange.path[len(API_PREFIX) :])
    if op is None:
        return []
    what = f"{exchange.method} {exchange.path} -> {exchange.status}"
    responses = op.spec.get("responses", {})
    documented = responses.get(str(exchange.status))
    if 200 <= exchange.status < 300:
        if documented is None:
            return [f"{what}: {op.name} documents {sorted(responses)} as answers"]
        content = documented.get("content", {}).get("application/json")
        if content is None:
            return [] if exchange.answer is None else [f"{what}: a JSON body where {op.name} documents none"]
        return schema_problems(content["schema"], exchange.answer, what)
    if exchange.status >= 500:
        return []
    problems = []
    if documented is None and exchange.status not in _ALWAYS_POSSIBLE:
        problems.append(f"{what}: {op.name} does not document {exchange.status}")
    body = exchange.answer
    if not (isinstance(body, dict) and isinstance(body.get("code"), int) and isinstance(body.get("message"), str)):
        problems.append(f"{what}: not Zoom's error body {{code, message}}: {body!r:.200}")
    elif exchange.status == 404 and documented is not None:
        listed = {int(code) for code in _ERROR_CODE_RE.findall(documented.get("description", ""))}
        if listed and body["code"] not in listed:
            problems.append(f"{what}: code {body['code']} is not among {sorted(listed)} listed for 404")
    return problems


def exchange_problems(exchanges: Iterable[Exchange], *, client_agent: str | None) -> list[str]:
    """Every problem with the sandbox's answers, and with the requests whose User-Agent is `client_agent`."""
    problems: list[str] = []
    for exchange in exchanges:
        if client_agent is not None and exchange.headers.get("user-agent") == client_agent:
            problems += request_problems(exchange)
        problems += answer_problems(exchange)
    return problems
