"""Loaded by schemathesis (tests/schemathesis.toml `hooks`): lets it check our HTML answers against the document."""

from __future__ import annotations

import ast
import threading
from typing import Any

import schemathesis

# CPython 3.11 cannot build ASTs in two threads at once ("AST constructor recursion depth mismatch"), and with
# `--workers 2` Hypothesis parses lambda sources (`ast.parse`) in both workers: whether they collide depends on
# the server's timing, so the fuzz run failed on the interpreter's bug rather than ours. One parse at a time.
_AST_LOCK = threading.Lock()
_parse = ast.parse


def _serial_parse(*args: Any, **kwargs: Any) -> Any:
    with _AST_LOCK:
        return _parse(*args, **kwargs)


ast.parse = _serial_parse


@schemathesis.deserializer("text/html")
def html_page(ctx: Any, response: Any) -> str:
    """A page is a string for the document's `Page` schema (which checks that it is one of our pages)."""
    return bytes(response.content).decode("utf-8")


def _lambda_description_without_the_311_ast_bug() -> None:
    """Hypothesis names each filter's lambda by parsing its source file with `ast`; on CPython 3.11.7 that parse
    sometimes raises "SystemError: AST constructor recursion depth mismatch" (an interpreter bug, fixed in later
    releases), which schemathesis then reports as a runtime error of the run. The name is only for display, so
    a failed parse falls back to a plain one; every check of our answers is untouched.
    """
    from hypothesis.internal import lambda_sources

    describe = lambda_sources.lambda_description

    def lambda_description(f: Any) -> str:
        try:
            return str(describe(f))
        except SystemError:
            return "lambda: <source unavailable>"

    lambda_sources.lambda_description = lambda_description


_lambda_description_without_the_311_ast_bug()
