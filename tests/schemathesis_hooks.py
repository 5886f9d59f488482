"""Loaded by schemathesis (tests/schemathesis.toml `hooks`): lets it check our HTML answers against the document."""

from __future__ import annotations

from typing import Any

import schemathesis


@schemathesis.deserializer("text/html")
def html_page(ctx: Any, response: Any) -> str:
    """A page is a string for the document's `Page` schema (which checks that it is one of our pages)."""
    return bytes(response.content).decode("utf-8")
