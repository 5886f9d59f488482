"""Shared fixtures: an isolated environment per test and the store adapters of the contract suite."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

pytest_plugins = [
    "tests.firestore_emulator",
    "tests.stores",
    "tests.servers_mail_blobs",
    "tests.zoom_fixtures",
    "tests.harness",
    "tests.browser_fixtures",
]


@pytest.fixture(autouse=True)
def isolated_environ() -> Iterator[None]:
    """Each test sees the environment as it was; settings are read from it."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
