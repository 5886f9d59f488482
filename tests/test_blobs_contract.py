"""One contract for every Blobs adapter: the folder store and Cloud Storage (against its emulator)."""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import sys
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from vicon.blobs import GCS_CHUNK_SIZE, FolderBlobs, GcsBlobs, blobs_from_url
from vicon.ports import BlobNotFound, Blobs

REPO = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024


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


# --- contract: streaming --------------------------------------------------------------------------------


class StreamBroke(Exception):
    """What a producer raises mid-stream (a recording download that dropped)."""


def generated_chunks(total: int, chunk_size: int, seed: int = 2026) -> Iterator[bytes]:
    """`total` pseudo-random bytes in chunks of `chunk_size` (the last one shorter), made one at a time."""
    rng = random.Random(seed)
    left = total
    while left > 0:
        size = min(chunk_size, left)
        yield rng.randbytes(size)
        left -= size


def sha256_of_chunks(chunks: Iterator[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def test_put_stream_roundtrip_larger_than_a_chunk_read_back_in_pieces(blobs: Blobs) -> None:
    # 20 MiB in chunks that do not line up with Cloud Storage's 256 KiB multiples: several upload requests,
    # each cutting a producer chunk in two, and several ranged downloads.
    total, chunk = 20 * MiB + 5, MiB + 13
    written = blobs.put_stream("rekaman/rapat.mp4", generated_chunks(total, chunk), "video/mp4")
    assert written == total
    digest = hashlib.sha256()
    read = 0
    with blobs.open("rekaman/rapat.mp4") as f:
        while piece := f.read(3 * MiB + 1):
            assert len(piece) <= 3 * MiB + 1
            digest.update(piece)
            read += len(piece)
        assert f.read(1) == b""
    assert read == total
    assert digest.hexdigest() == sha256_of_chunks(generated_chunks(total, chunk))


def test_put_stream_joins_small_and_empty_chunks(blobs: Blobs) -> None:
    assert blobs.put_stream("a", iter([b"", b"ab", b"", b"cde", b"f"]), "text/plain") == 6
    assert blobs.get("a") == b"abcdef"
    with blobs.open("a") as f:
        assert f.read(2) == b"ab"
        assert f.read(10) == b"cdef"
        assert f.read(1) == b""
    with blobs.open("a") as f:
        assert f.read() == b"abcdef"


def test_put_stream_of_nothing_gives_an_empty_blob(blobs: Blobs) -> None:
    assert blobs.put_stream("kosong", iter(()), "application/octet-stream") == 0
    assert blobs.exists("kosong")
    assert blobs.get("kosong") == b""
    with blobs.open("kosong") as f:
        assert f.read(10) == b""


def test_put_stream_and_put_replace_each_other(blobs: Blobs) -> None:
    blobs.put("surat/a.pdf", b"versi pertama yang lebih panjang", "application/pdf")
    blobs.put_stream("surat/a.pdf", iter([b"versi ", b"kedua"]), "application/pdf")
    assert blobs.get("surat/a.pdf") == b"versi kedua"
    blobs.put("surat/a.pdf", b"ketiga", "application/pdf")
    with blobs.open("surat/a.pdf") as f:
        assert f.read() == b"ketiga"


def test_put_stream_failure_leaves_no_blob_and_keeps_the_old_one(blobs: Blobs) -> None:
    blobs.put("rekaman/lama.mp4", b"rekaman lama", "video/mp4")

    def dropping_download() -> Iterator[bytes]:
        # More than one Cloud Storage chunk first, so the upload has really started when the producer fails.
        yield from generated_chunks(GCS_CHUNK_SIZE + MiB, MiB)
        raise StreamBroke("connection reset by Zoom")

    for key in ("rekaman/lama.mp4", "rekaman/baru.mp4"):
        with pytest.raises(StreamBroke, match="connection reset"):
            blobs.put_stream(key, dropping_download(), "video/mp4")
    assert blobs.get("rekaman/lama.mp4") == b"rekaman lama"
    assert not blobs.exists("rekaman/baru.mp4")
    with pytest.raises(BlobNotFound):
        blobs.get("rekaman/baru.mp4")


def test_open_missing_raises_blob_not_found_on_entering(blobs: Blobs) -> None:
    blobs.put("surat/ada.pdf", b"x", "application/pdf")
    for key in ("tidak/ada.pdf", "surat"):  # nothing there, and a key prefix
        with pytest.raises(BlobNotFound), blobs.open(key):
            pytest.fail("open of a missing blob entered its block")


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


def test_folder_put_stream_failure_leaves_no_temp_file(tmp_path: Path) -> None:
    blobs = FolderBlobs(tmp_path)
    blobs.put("a.mp4", b"lama", "video/mp4")

    def dropping_download() -> Iterator[bytes]:
        yield b"separuh rekaman"
        raise StreamBroke("connection reset")

    with pytest.raises(StreamBroke):
        blobs.put_stream("a.mp4", dropping_download(), "video/mp4")
    with pytest.raises(StreamBroke):
        blobs.put_stream("baru/b.mp4", dropping_download(), "video/mp4")
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()) == ["a.mp4"]
    assert blobs.get("a.mp4") == b"lama"


def test_folder_open_refuses_bad_keys_before_touching_files(tmp_path: Path) -> None:
    blobs = FolderBlobs(tmp_path / "root")
    for key in ("../luar", "a//b"):
        with pytest.raises(ValueError), blobs.open(key):
            pytest.fail("entered")
        with pytest.raises(ValueError):
            blobs.put_stream(key, iter([b"x"]), "text/plain")
    assert list(tmp_path.rglob("*")) == []


def test_folder_streaming_memory_stays_flat(tmp_path: Path) -> None:
    blobs = FolderBlobs(tmp_path)
    chunk = os.urandom(MiB)  # made before tracing: the same chunk again and again, so only the adapter allocates
    tracemalloc.start()
    try:
        written = blobs.put_stream("rekaman/besar.mp4", (chunk for _ in range(64)), "video/mp4")
        _, write_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        read = 0
        with blobs.open("rekaman/besar.mp4") as f:
            while piece := f.read(MiB):
                read += len(piece)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written == read == 64 * MiB
    assert write_peak < 2 * MiB, write_peak
    assert read_peak < 3 * MiB, read_peak


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


def test_gcs_streaming_memory_stays_within_a_few_chunks(gcs_bucket: str, gcs_client_factory: Callable[[], Any]) -> None:
    # A small chunk size keeps the test quick; the bound is in chunks, whatever their size.
    chunk_size = MiB
    blobs = GcsBlobs(gcs_bucket, client_factory=gcs_client_factory, chunk_size=chunk_size)
    blobs.put_stream("pemanasan", iter([b"x"]), "text/plain")  # the client and lazy imports, before tracing
    piece = os.urandom(256 * 1024 + 3)
    tracemalloc.start()
    try:
        written = blobs.put_stream("rekaman/besar.mp4", (piece for _ in range(64)), "video/mp4")
        _, write_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        read = 0
        with blobs.open("rekaman/besar.mp4") as f:
            while data := f.read(256 * 1024):
                read += len(data)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written == read == 64 * len(piece)  # 16 MiB: sixteen chunks each way
    # Writing holds the writer's buffer and the chunk copied out of it for the request. Reading holds a ranged
    # download as the library assembles it, its copy, and the part of it kept for the following reads.
    assert write_peak < 3 * chunk_size, write_peak
    assert read_peak < 3 * chunk_size, read_peak


def test_gcs_put_stream_keeps_content_type(gcs_bucket: str, gcs_client_factory: Callable[[], Any]) -> None:
    blobs = GcsBlobs(gcs_bucket, client_factory=gcs_client_factory)
    blobs.put_stream("rekaman/a.mp4", iter([b"\x00\x00\x00\x18ftypmp42"]), "video/mp4")
    stored = gcs_client_factory().bucket(gcs_bucket).get_blob("rekaman/a.mp4")
    assert stored.content_type == "video/mp4"


def test_gcs_failed_stream_leaves_no_object_in_the_bucket(
    gcs_bucket: str, gcs_client_factory: Callable[[], Any]
) -> None:
    blobs = GcsBlobs(gcs_bucket, client_factory=gcs_client_factory, chunk_size=256 * 1024)

    def dropping_download() -> Iterator[bytes]:
        yield os.urandom(3 * 256 * 1024 + 1)  # three upload requests sent before the failure
        raise StreamBroke("connection reset")

    with pytest.raises(StreamBroke):
        blobs.put_stream("rekaman/a.mp4", dropping_download(), "video/mp4")
    assert [b.name for b in gcs_client_factory().list_blobs(gcs_bucket)] == []


@pytest.mark.parametrize("chunk_size", [0, -256 * 1024, 1000, 256 * 1024 + 1])
def test_gcs_refuses_chunk_sizes_resumable_uploads_cannot_use(chunk_size: int) -> None:
    with pytest.raises(ValueError, match="multiple of 262144"):
        GcsBlobs("ember", chunk_size=chunk_size)


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


def test_open_seeks_to_a_byte_offset(blobs: Blobs) -> None:
    data = bytes(range(256)) * 4096  # 1 MiB, every offset's byte known
    blobs.put("rekaman/seek.bin", data, "application/octet-stream")
    with blobs.open("rekaman/seek.bin") as reader:
        reader.seek(700_001)
        assert reader.read(10) == data[700_001:700_011]
        reader.seek(5)
        assert reader.read(3) == data[5:8]
        reader.seek(len(data) - 2)
        assert reader.read() == data[-2:]
