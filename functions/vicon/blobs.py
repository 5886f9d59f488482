"""Blob storage adapters: a local folder for development, Cloud Storage in production."""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from vicon.ports import BlobNotFound, Blobs


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
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # A temp file in the same folder lets os.replace swap it in, so readers never see half a blob.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        """Return the blob's bytes or raise BlobNotFound."""
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise BlobNotFound(key) from exc

    def exists(self, key: str) -> bool:
        """Whether a blob is stored under `key`."""
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        """Remove the blob; a missing one is fine."""
        path = self._path(key)
        if path.is_file():
            path.unlink(missing_ok=True)


class GcsBlobs:
    """Blobs as objects in one Cloud Storage bucket; the client is built on first use."""

    def __init__(self, bucket_name: str, client_factory: Callable[[], Any] | None = None) -> None:
        self.bucket_name = bucket_name
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
        """Upload `data` as the object `key`."""
        self._get_bucket().blob(key).upload_from_string(data, content_type=content_type)

    def get(self, key: str) -> bytes:
        """Download the object's bytes or raise BlobNotFound."""
        from google.api_core.exceptions import NotFound

        try:
            data: bytes = self._get_bucket().blob(key).download_as_bytes()
        except NotFound as exc:
            raise BlobNotFound(key) from exc
        return data

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
