"""Blob storage adapters: a local folder for development, Cloud Storage in production."""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from vicon.ports import BlobNotFound, Blobs, ReadableBlob

# What opening a key that names no file raises: nothing there, a folder (a key prefix), or a file on the way.
_MISSING = (FileNotFoundError, IsADirectoryError, NotADirectoryError)


def _fsync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX); where folders cannot be opened (Windows) there is nothing to do."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FolderBlobs:
    """Blobs as plain files under a root folder; keys become relative paths."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).absolute()

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        # Refusing empty and dot segments keeps one key per file and no way out of the root.
        if not key or key.startswith("/") or "\\" in key or "\0" in key or any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"invalid blob key {key!r}")
        return self.root.joinpath(*parts)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` under `key`, replacing any previous blob atomically."""
        self.put_stream(key, (data,), content_type)

    def put_stream(self, key: str, chunks: Iterable[bytes], content_type: str) -> int:
        """Write `chunks` to a temp file beside the blob, then swap it in; returns the byte count.

        The content type is not kept: files have no place for it, and nothing reads it back.
        """
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # A temp file in the same folder lets os.replace swap it in, so readers never see half a blob and a
        # failed write leaves the previous blob as it was.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        written = 0
        try:
            with os.fdopen(fd, "wb") as f:
                for chunk in chunks:
                    f.write(chunk)
                    written += len(chunk)
                f.flush()
                # On disk before the rename, so a crash cannot leave the key naming an empty or short file.
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_folder(path.parent)
        return written

    def get(self, key: str) -> bytes:
        """Return the blob's bytes or raise BlobNotFound."""
        try:
            return self._path(key).read_bytes()
        except _MISSING as exc:
            raise BlobNotFound(key) from exc

    @contextlib.contextmanager
    def open(self, key: str) -> Iterator[ReadableBlob]:
        """The blob's file, opened for reading; BlobNotFound if there is none.

        An open file keeps reading the version it opened even when put replaces the blob meanwhile.
        """
        try:
            f = self._path(key).open("rb")
        except _MISSING as exc:
            raise BlobNotFound(key) from exc
        with f:
            yield f

    def exists(self, key: str) -> bool:
        """Whether a blob is stored under `key`."""
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        """Remove the blob; a missing one is fine."""
        path = self._path(key)
        if path.is_file():
            path.unlink(missing_ok=True)


# Resumable uploads send whole multiples of 256 KiB per request. 8 MiB keeps a gigabyte recording to about 130
# requests while the writer and the reader each buffer at most a couple of chunks.
GCS_CHUNK_SIZE = 8 * 1024 * 1024
_GCS_CHUNK_MULTIPLE = 256 * 1024


class GcsBlobs:
    """Blobs as objects in one Cloud Storage bucket; the client is built on first use.

    `chunk_size` is the size of each streamed upload request and of each ranged download while reading.
    """

    def __init__(
        self, bucket_name: str, client_factory: Callable[[], Any] | None = None, chunk_size: int = GCS_CHUNK_SIZE
    ) -> None:
        if chunk_size <= 0 or chunk_size % _GCS_CHUNK_MULTIPLE:
            raise ValueError(f"chunk_size {chunk_size} is not a positive multiple of {_GCS_CHUNK_MULTIPLE}")
        self.bucket_name = bucket_name
        self.chunk_size = chunk_size
        self._client_factory = client_factory
        self._bucket: Any = None
        self._lock = threading.Lock()

    def _get_bucket(self) -> Any:
        if self._bucket is None:
            with self._lock:
                if self._bucket is None:
                    if self._client_factory is not None:
                        client = self._client_factory()
                    else:
                        # Imported here, not at module level: the library is slow to import and
                        # most cold starts never touch storage.
                        from google.cloud import storage  # type: ignore[attr-defined]

                        client = storage.Client()
                    self._bucket = client.bucket(self.bucket_name)
        return self._bucket

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Upload `data` as the object `key`.

        Not through put_stream: one request instead of a resumable upload's two, and just as all-or-nothing.
        """
        self._get_bucket().blob(key).upload_from_string(data, content_type=content_type)

    def put_stream(self, key: str, chunks: Iterable[bytes], content_type: str) -> int:
        """Upload `chunks` as the object `key` in one resumable upload; returns the byte count.

        Cloud Storage creates (or replaces) the object only when the upload's last request, sent by close,
        completes; an upload never finished creates nothing, and the previous object stays as it was.
        """
        writer = self._get_bucket().blob(key).open("wb", chunk_size=self.chunk_size, content_type=content_type)
        written = 0
        try:
            for chunk in chunks:
                writer.write(chunk)
                written += len(chunk)
            writer.close()
        except BaseException:
            # Cancelling frees the upload session now instead of when it expires; no object exists either
            # way, so a failed cancel must not replace the error that stopped the upload.
            with contextlib.suppress(Exception):
                writer.terminate()
            raise
        return written

    def get(self, key: str) -> bytes:
        """Download the object's bytes or raise BlobNotFound."""
        from google.api_core.exceptions import NotFound

        try:
            data: bytes = self._get_bucket().blob(key).download_as_bytes()
        except NotFound as exc:
            raise BlobNotFound(key) from exc
        return data

    @contextlib.contextmanager
    def open(self, key: str) -> Iterator[ReadableBlob]:
        """A reader that downloads the object in ranged requests of `chunk_size`; BlobNotFound if it is missing.

        The object's metadata is fetched first: a missing object fails here rather than on the first read (the
        reader itself only finds out then), and the reader is pinned to that generation, so a replacement
        uploaded meanwhile is never mixed into the bytes read (reading fails instead).
        """
        blob = self._get_bucket().get_blob(key)
        if blob is None:
            raise BlobNotFound(key)
        with blob.open("rb", chunk_size=self.chunk_size) as reader:
            yield reader

    def exists(self, key: str) -> bool:
        """Whether the object exists."""
        return bool(self._get_bucket().blob(key).exists())

    def delete(self, key: str) -> None:
        """Delete the object; a missing one is fine."""
        from google.api_core.exceptions import NotFound

        with contextlib.suppress(NotFound):
            self._get_bucket().blob(key).delete()


def blobs_from_url(url: str) -> Blobs:
    """Build the adapter named by BLOB_URL: `file:///abs/path` or `gs://bucket`."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        path = unquote(parts.path)
        if parts.netloc not in ("", "localhost") or not path.startswith("/"):
            raise ValueError(f"BLOB_URL {url!r} must name an absolute folder, like file:///srv/blobs")
        return FolderBlobs(Path(path))
    if parts.scheme == "gs":
        if not parts.netloc or parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError(f"BLOB_URL {url!r} must name a bucket only, like gs://my-bucket")
        return GcsBlobs(parts.netloc)
    raise ValueError(f"BLOB_URL {url!r} must start with file:// or gs://")
