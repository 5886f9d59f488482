"""The store adapters under test: SQLite in a temp folder and Firestore in the emulator."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.firestore_emulator import PROJECT
from vicon.ports import Store
from vicon.store.firestore import FirestoreStore
from vicon.store.sqlite import SqliteStore

STORE_KINDS = ["sqlite", pytest.param("firestore", marks=pytest.mark.firestore)]


@pytest.fixture(scope="session")
def firestore_client(firestore_emulator: str) -> object:
    from google.cloud import firestore

    os.environ["FIRESTORE_EMULATOR_HOST"] = firestore_emulator
    return firestore.Client(project=PROJECT)


def make_store(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Store:
    if kind == "sqlite":
        return SqliteStore(tmp_path / "store.sqlite3")
    client = request.getfixturevalue("firestore_client")
    # A fresh collection prefix per test isolates tests without resetting the emulator.
    return FirestoreStore(project=PROJECT, client=client, collection_prefix=f"t{uuid.uuid4().hex[:10]}_")


@pytest.fixture(params=STORE_KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    yield make_store(request.param, tmp_path, request)
