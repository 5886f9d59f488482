"""One contract for every Blobs adapter: the folder store and Cloud Storage (against its emulator)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from vicon.blobs import FolderBlobs, GcsBlobs, blobs_from_url
from vicon.ports import BlobNotFound, Blobs

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(params=["folder", "gcs"])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> Blobs:
    if request.param == "folder":
        return FolderBlobs(tmp_path / "blobs")
    # Only the GCS variant starts the emulator.
    bucket: str = request.getfixturevalue("gcs_bucket")
    return GcsBlobs(bucket, client_factory=request.getfixturevalue("gcs_client_factory"))


# --- contract -------------------------------------------------------------------------------------------


def test_roundtrip_small(blobs: Blobs) -> None:
    blobs.put("surat/VC-2026-000001.pdf", b"%PDF-1.4 surat permohonan", "application/pdf")
    assert blobs.get("surat/VC-2026-000001.pdf") == b"%PDF-1.4 surat permohonan"


def test_roundtrip_large_binary_byte_for_byte(blobs: Blobs) -> None:
    data = os.urandom(5 * 1024 * 1024 + 17)
    blobs.put("rekaman/besar.bin", data, "application/octet-stream")
    assert blobs.get("rekaman/besar.bin") == data


def test_roundtrip_empty_and_every_byte_value(blobs: Blobs) -> None:
    blobs.put("kosong", b"", "application/octet-stream")
    blobs.put("semua-byte", bytes(range(256)) * 3, "application/octet-stream")
    assert blobs.get("kosong") == b""
    assert blobs.get("semua-byte") == bytes(range(256)) * 3


def test_overwrite_replaces_content(blobs: Blobs) -> None:
    blobs.put("surat/a.pdf", b"versi pertama yang lebih panjang", "application/pdf")
    blobs.put("surat/a.pdf", b"versi kedua", "application/pdf")
    assert blobs.get("surat/a.pdf") == b"versi kedua"


def test_exists(blobs: Blobs) -> None:
    assert not blobs.exists("surat/a.pdf")
    blobs.put("surat/a.pdf", b"x", "application/pdf")
    assert blobs.exists("surat/a.pdf")
    assert not blobs.exists("surat/b.pdf")
    # A key prefix is not a blob.
    assert not blobs.exists("surat")


def test_get_missing_raises_blob_not_found(blobs: Blobs) -> None:
    with pytest.raises(BlobNotFound):
        blobs.get("tidak/ada.pdf")
    blobs.put("surat/ada.pdf", b"x", "application/pdf")
    with pytest.raises(BlobNotFound):
        blobs.get("surat")


def test_blob_not_found_is_a_lookup_error(blobs: Blobs) -> None:
    with pytest.raises(LookupError):
        blobs.get("tidak-ada")


def test_delete_is_idempotent(blobs: Blobs) -> None:
    blobs.put("surat/a.pdf", b"x", "application/pdf")
    blobs.put("surat/b.pdf", b"y", "application/pdf")
    blobs.delete("surat/a.pdf")
    assert not blobs.exists("surat/a.pdf")
    with pytest.raises(BlobNotFound):
        blobs.get("surat/a.pdf")
    blobs.delete("surat/a.pdf")
    blobs.delete("tidak/pernah/ada")
    assert blobs.get("surat/b.pdf") == b"y"


def test_keys_with_slashes_are_independent(blobs: Blobs) -> None:
    keys = ["a/b/c", "a/b/d", "a/bc", "2026/11/VC-2026-000001/surat.pdf"]
    for key in keys:
        blobs.put(key, key.encode(), "text/plain")
    for key in keys:
        assert blobs.get(key) == key.encode()
    blobs.delete("a/b/c")
    assert [blobs.exists(k) for k in keys] == [False, True, True, True]


# --- FolderBlobs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["", "../luar", "a/../../luar", "/etc/passwd", "a//b", "./a", "a/.", "a/", "..", "a\\..\\b", "nul\0byte"],
)
def test_folder_refuses_keys_that_escape_or_alias(tmp_path: Path, key: str) -> None:
    blobs = FolderBlobs(tmp_path / "root")
    for call in (
        lambda: blobs.put(key, b"x", "text/plain"),
        lambda: blobs.get(key),
        lambda: blobs.exists(key),
        lambda: blobs.delete(key),
    ):
        with pytest.raises(ValueError):
            call()
    assert list(tmp_path.rglob("*")) == []


def test_folder_stores_files_under_root_without_leftovers(tmp_path: Path) -> None:
    blobs = FolderBlobs(tmp_path)
    blobs.put("surat/2026/a.pdf", b"isi", "application/pdf")
    blobs.put("surat/2026/a.pdf", b"isi baru", "application/pdf")
    assert (tmp_path / "surat" / "2026" / "a.pdf").read_bytes() == b"isi baru"
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["a.pdf"]


def test_folder_failed_write_keeps_old_blob_and_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blobs = FolderBlobs(tmp_path)
    blobs.put("a.pdf", b"lama", "application/pdf")

    def broken_replace(src: Any, dst: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        blobs.put("a.pdf", b"baru", "application/pdf")
    monkeypatch.undo()
    assert blobs.get("a.pdf") == b"lama"
    assert [p.name for p in tmp_path.iterdir()] == ["a.pdf"]


def test_folder_creates_root_lazily(tmp_path: Path) -> None:
    blobs = FolderBlobs(tmp_path / "belum" / "ada")
    assert not blobs.exists("a")
    blobs.delete("a")
    assert not (tmp_path / "belum").exists()
    blobs.put("a", b"x", "text/plain")
    assert (tmp_path / "belum" / "ada" / "a").is_file()


# --- GcsBlobs -------------------------------------------------------------------------------------------


def test_gcs_keeps_content_type_and_builds_client_once(gcs_bucket: str, gcs_client_factory: Callable[[], Any]) -> None:
    calls: list[Any] = []

    def counting_factory() -> Any:
        client = gcs_client_factory()
        calls.append(client)
        return client

    blobs = GcsBlobs(gcs_bucket, client_factory=counting_factory)
    assert calls == []
    blobs.put("surat/a.pdf", b"%PDF-", "application/pdf")
    blobs.get("surat/a.pdf")
    blobs.exists("surat/a.pdf")
    blobs.delete("surat/b.pdf")
    assert len(calls) == 1
    stored = gcs_client_factory().bucket(gcs_bucket).get_blob("surat/a.pdf")
    assert stored.content_type == "application/pdf"


def test_importing_blobs_does_not_import_google_libraries() -> None:
    # The bare `google` namespace packages are preloaded by a .pth file, so compare against start-up.
    code = (
        "import sys; before = set(sys.modules); import vicon.blobs; "
        "loaded = sorted(m for m in set(sys.modules) - before if m.startswith('google')); "
        "assert not loaded, loaded; "
        "vicon.blobs.blobs_from_url('gs://ember'); "
        "assert 'google.cloud.storage' not in sys.modules"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO / "functions")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# --- blobs_from_url -------------------------------------------------------------------------------------


def test_url_file_gives_folder_blobs(tmp_path: Path) -> None:
    blobs = blobs_from_url(f"file://{tmp_path}/blob dir")
    assert isinstance(blobs, FolderBlobs)
    blobs.put("a/b", b"x", "text/plain")
    assert (tmp_path / "blob dir" / "a" / "b").read_bytes() == b"x"
    assert isinstance(blobs_from_url(f"file://localhost{tmp_path}"), FolderBlobs)
    encoded = blobs_from_url(f"file://{tmp_path}/blob%20dir")
    assert encoded.get("a/b") == b"x"


def test_url_gs_gives_gcs_blobs() -> None:
    blobs = blobs_from_url("gs://vicon-letters")
    assert isinstance(blobs, GcsBlobs)
    assert blobs.bucket_name == "vicon-letters"
    assert isinstance(blobs_from_url("gs://vicon-letters/"), GcsBlobs)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "/srv/blobs",
        "relative/blobs",
        "file://relative/blobs",
        "file:relative",
        "gs://",
        "gs://bucket/prefix",
        "s3://bucket",
        "https://storage.googleapis.com/bucket",
    ],
)
def test_url_refuses_anything_else(url: str) -> None:
    with pytest.raises(ValueError):
        blobs_from_url(url)
