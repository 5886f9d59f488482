"""`make backup` / `make restore`: the internal server's SQLite store and blob folder in one archive (decision 0023).

    python3 tools/backup.py backup [--env-file /etc/vicon/vicon.env] [--out DIR]
    python3 tools/backup.py restore ARCHIVE [--env-file /etc/vicon/vicon.env] [--force]

STORE_URL and BLOB_URL come from the env file (the server's), else the environment, else the local defaults
(`.data/`, as `make run` uses them). Only `sqlite:///` stores and `file://` blob folders: on Google Cloud,
Firestore and Cloud Storage keep their own backups.

**backup** copies the store with SQLite's online backup API while the service runs (its readers and writers go
on; the copy is one consistent snapshot), then adds every blob, into `vicon-backup-<UTC time>.tar.gz` (mode 0600:
it holds letters and personal data) with a MANIFEST.json of what it holds. The store is copied first: a letter is
written before its request, so every letter a saved request names is in the archive; a blob written after the
snapshot may be there too, unnamed and harmless.

**restore** checks the archive (its members, the store's integrity, every blob's size against the manifest) in
a staging folder beside each target, then moves the store and the blob folder into place. It refuses a target
that holds data (a store with requests, audit entries or mail; a -wal/-shm beside it; any blob) unless `--force`,
and moves whatever was there aside (`<name>.replaced-<time>`) rather than deleting it: a store a fresh service
made at its first start holds no data, so a new machine restores without `--force`. Stop vicon.service and
vicon-tick.timer first. Run as root, restored files take the owner of the folder they land in (the service's
StateDirectory user).

Standard library only, so the system python3 runs it from the checkout, without the virtual environment.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import sys
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

REPO = Path(__file__).resolve().parent.parent
ARCHIVE_PREFIX = "vicon-backup-"
ARCHIVE_SUFFIX = ".tar.gz"
MANIFEST = "MANIFEST.json"
STORE_MEMBER = "vicon.sqlite3"
BLOBS_MEMBER = "blobs"
FORMAT = 1
SIDECARS = ("-wal", "-shm", "-journal")


class BackupError(Exception):
    """Something the operator must fix; said in one line, without a traceback."""


@dataclass(frozen=True)
class Targets:
    store: Path
    blobs: Path


# ---- configuration --------------------------------------------------------------------------------------------


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines as systemd's EnvironmentFile= reads them: blank lines and # or ; comments skipped, one pair
    of surrounding double or single quotes removed."""
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        name, sep, value = line.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name.isidentifier():
            raise BackupError(f"{path}:{number}: expected KEY=value, got {raw!r}")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[name] = value
    return values


def targets_from(env: Mapping[str, str]) -> Targets:
    """The store file and blob folder STORE_URL and BLOB_URL name (unset: the local defaults under .data/)."""
    data_dir = Path(env.get("VICON_DATA_DIR", "").strip() or REPO / ".data")
    store_url = env.get("STORE_URL", "").strip() or f"sqlite:///{data_dir / 'vicon.sqlite3'}"
    blob_url = env.get("BLOB_URL", "").strip() or f"file://{data_dir / 'blobs'}"
    if not store_url.startswith("sqlite:///"):
        raise BackupError(f"STORE_URL {store_url!r}: only a sqlite:/// store is backed up here")
    parts = urlsplit(blob_url)
    folder = unquote(parts.path)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost") or not folder.startswith("/"):
        raise BackupError(f"BLOB_URL {blob_url!r}: only a file:///ABSOLUTE/PATH blob folder is backed up here")
    # As the store opens it: sqlite:///relative from the working folder, sqlite:////absolute as it is.
    return Targets(store=Path(store_url.removeprefix("sqlite:///")).absolute(), blobs=Path(folder))


def _environment(env_file: str | None) -> Mapping[str, str]:
    if env_file is None:
        return os.environ
    try:
        return read_env_file(Path(env_file))
    except OSError as exc:
        raise BackupError(f"cannot read {env_file}: {exc.strerror}") from exc


# ---- backup ---------------------------------------------------------------------------------------------------


def _blob_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(key, file) of every blob; a write in progress (FolderBlobs' `.name.XXXX.tmp` beside it) is no blob yet."""
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and not (path.name.startswith(".") and path.name.endswith(".tmp")):
            yield path.relative_to(root).as_posix(), path


def _snapshot(store: Path, into: Path) -> None:
    """The store as one consistent copy, a single file (journal_mode DELETE: no -wal beside it)."""
    if not store.is_file():
        raise BackupError(f"no store at {store} (STORE_URL)")
    before = {suffix for suffix in SIDECARS if Path(f"{store}{suffix}").exists()}
    source = sqlite3.connect(store, timeout=30)
    try:
        target = sqlite3.connect(into)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
    finally:
        source.close()
    _own_sidecars(store, before)


def _own_sidecars(store: Path, existed: set[str]) -> None:
    """Run as root on a stopped service, opening the store made a -wal/-shm owned by root that the service's user
    could not open at its next start; SQLite removes them at the last close, and any left take the store's owner."""
    if os.geteuid() != 0:
        return
    owner = store.stat()
    for suffix in SIDECARS:
        sidecar = Path(f"{store}{suffix}")
        if suffix not in existed and sidecar.exists():
            os.chown(sidecar, owner.st_uid, owner.st_gid)


def backup(targets: Targets, out: Path, now: dt.datetime | None = None) -> Path:
    """Write one archive of the store and the blobs under `out`; returns its path."""
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    out.mkdir(parents=True, exist_ok=True)
    name = f"{ARCHIVE_PREFIX}{now:%Y%m%dT%H%M%SZ}{ARCHIVE_SUFFIX}"
    archive = out / name
    if archive.exists():
        raise BackupError(f"{archive} exists already")
    with tempfile.TemporaryDirectory(prefix=".vicon-backup-", dir=out) as work:
        snapshot = Path(work) / STORE_MEMBER
        _snapshot(targets.store, snapshot)
        partial = Path(work) / f"{name}.partial"
        files: dict[str, int] = {}
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            tar.add(snapshot, arcname=STORE_MEMBER, recursive=False, filter=_anonymous)
            for key, path in _blob_files(targets.blobs):
                try:
                    handle = path.open("rb")
                except FileNotFoundError:
                    continue  # deleted since it was listed (a retention sweep): its deletion was due anyway
                with handle:
                    # Size from the open file: a blob replaced meanwhile is archived as the version opened.
                    info = _anonymous(tar.gettarinfo(fileobj=handle, arcname=f"{BLOBS_MEMBER}/{key}"))
                    tar.addfile(info, handle)
                files[key] = info.size
            manifest = {
                "format": FORMAT,
                "created": now.isoformat().replace("+00:00", "Z"),
                "store": STORE_MEMBER,
                "store_bytes": snapshot.stat().st_size,
                "blobs": files,
            }
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(now.timestamp()), 0o600
            tar.addfile(info, _Bytes(data))
            raw.flush()
            os.fsync(raw.fileno())
        partial.replace(archive)
    return archive


def _anonymous(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """No owner in the archive: restored files take the owner of the folder they land in."""
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    return info


class _Bytes:
    """A readable file of `data`, for tarfile.addfile."""

    def __init__(self, data: bytes) -> None:
        self._data, self._at = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size < 0 else self._at + size
        chunk, self._at = self._data[self._at : end], min(end, len(self._data))
        return chunk


# ---- restore --------------------------------------------------------------------------------------------------


# What makes a store hold data: a request, its audit trail or its mail. A store a fresh service made at its first
# start (the schema, perhaps a job the tick scheduled) does not, so a new machine restores without --force.
DATA_TABLES = ("requests", "audit", "outbox")


def _store_has_records(store: Path) -> bool:
    # immutable: read without locks and without making a -wal or -shm (checked for before, so nobody writes).
    db = sqlite3.connect(f"file:{store}?immutable=1", uri=True)
    try:
        return any(db.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0] for table in DATA_TABLES)  # noqa: S608
    except sqlite3.DatabaseError:
        return True  # not a store we know: never overwritten unasked
    finally:
        db.close()


def _holds_data(targets: Targets) -> list[str]:
    """What a restore would overwrite: a store with records, a -wal/-shm (the service running?), any blob."""
    found = [f"{p} (is vicon.service running?)" for p in (Path(f"{targets.store}{s}") for s in SIDECARS) if p.exists()]
    if not found and targets.store.exists() and _store_has_records(targets.store):
        found.append(str(targets.store))
    if any(True for _ in _blob_files(targets.blobs)):
        found.append(f"{targets.blobs}/ (blobs)")
    return found


def _members(tar: tarfile.TarFile) -> tuple[dict[str, Any], list[tarfile.TarInfo]]:
    """The manifest and the archive's members, each checked: only our names, regular files and folders."""
    members = tar.getmembers()
    for member in members:
        parts = member.name.split("/")
        ours = member.name in (MANIFEST, STORE_MEMBER) or (parts[0] == BLOBS_MEMBER and len(parts) > 1)
        if not ours or any(part in ("", ".", "..") for part in parts) or not (member.isfile() or member.isdir()):
            raise BackupError(f"not a Vicon backup: unexpected member {member.name!r}")
    manifest_member = tar.extractfile(MANIFEST) if MANIFEST in tar.getnames() else None
    if manifest_member is None:
        raise BackupError(f"not a Vicon backup: no {MANIFEST}")
    manifest = json.loads(manifest_member.read())
    if manifest.get("format") != FORMAT or STORE_MEMBER not in tar.getnames():
        raise BackupError(f"not a Vicon backup of format {FORMAT}")
    return manifest, members


def _check_store(path: Path) -> None:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = db.execute("PRAGMA integrity_check").fetchone()[0]
        db.execute("SELECT count(*) FROM requests").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"the archived store is not a Vicon store: {exc}") from exc
    finally:
        db.close()
    if result != "ok":
        raise BackupError(f"the archived store fails SQLite's integrity check: {result}")


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, into: Path) -> None:
    if hasattr(tarfile, "data_filter"):
        tar.extract(member, into, filter="data")
    else:  # Pythons before the extraction filters; the names were checked in _members
        tar.extract(member, into)


def _chown_like_parent(path: Path) -> None:
    if os.geteuid() != 0:
        return
    owner = path.parent.stat()
    for item in [path, *(path.rglob("*") if path.is_dir() else [])]:
        os.lchown(item, owner.st_uid, owner.st_gid)


def restore(archive: Path, targets: Targets, force: bool = False, now: dt.datetime | None = None) -> dict[str, int]:
    """Put the archive's store and blobs in place; returns {"blobs": count, "store_bytes": size}."""
    held = _holds_data(targets)
    if held and not force:
        raise BackupError(
            "the target holds data (" + ", ".join(held) + "); stop vicon.service and vicon-tick.timer, "
            "and restore with --force (make restore FORCE=1) to move it aside"
        )
    stamp = f"{(now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"
    for folder in (targets.store.parent, targets.blobs.parent):
        folder.mkdir(parents=True, exist_ok=True)
    with (
        tarfile.open(archive, mode="r:gz") as tar,
        tempfile.TemporaryDirectory(prefix=".vicon-restore-", dir=targets.store.parent) as store_stage,
        tempfile.TemporaryDirectory(prefix=".vicon-restore-", dir=targets.blobs.parent) as blob_stage,
    ):
        manifest, members = _members(tar)
        for member in members:
            if member.name == STORE_MEMBER:
                _extract(tar, member, Path(store_stage))
            elif member.name.startswith(f"{BLOBS_MEMBER}/"):
                _extract(tar, member, Path(blob_stage))
        staged_store = Path(store_stage) / STORE_MEMBER
        staged_blobs = Path(blob_stage) / BLOBS_MEMBER
        staged_blobs.mkdir(exist_ok=True)
        _check_store(staged_store)
        expected: dict[str, int] = manifest.get("blobs", {})
        found = {key: path.stat().st_size for key, path in _blob_files(staged_blobs)}
        if found != expected:
            missing = sorted(set(expected) - set(found)) or sorted(k for k in found if found[k] != expected.get(k))
            raise BackupError(f"the archive's blobs do not match its manifest (first: {missing[:3]})")

        for path in (targets.store, *(Path(f"{targets.store}{s}") for s in SIDECARS)):
            if path.exists():  # records only with --force (checked above); kept aside either way
                path.replace(path.with_name(f"{path.name}.replaced-{stamp}"))
        if targets.blobs.exists():
            if any(targets.blobs.iterdir()):  # blobs only with --force (checked above), else empty folders
                targets.blobs.replace(targets.blobs.with_name(f"{targets.blobs.name}.replaced-{stamp}"))
            else:
                targets.blobs.rmdir()
        staged_store.replace(targets.store)
        staged_blobs.replace(targets.blobs)
    _chown_like_parent(targets.store)
    _chown_like_parent(targets.blobs)
    return {"blobs": len(found), "store_bytes": targets.store.stat().st_size}


# ---- command line ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("backup", help="write one archive of the store and the blobs")
    make.add_argument("--out", default=str(REPO / "backups"), help="folder for the archive (default: backups/)")
    undo = commands.add_parser("restore", help="put an archive's store and blobs in place")
    undo.add_argument("archive")
    undo.add_argument("--force", action="store_true", help="move data already there aside (<name>.replaced-<time>)")
    for command in (make, undo):
        command.add_argument("--env-file", help="read STORE_URL and BLOB_URL from this file (/etc/vicon/vicon.env)")
    args = parser.parse_args(argv)
    try:
        targets = targets_from(_environment(args.env_file))
        if args.command == "backup":
            archive = backup(targets, Path(args.out))
            print(f"{archive} ({archive.stat().st_size} bytes): {targets.store} and {targets.blobs}/")
        else:
            counts = restore(Path(args.archive), targets, force=args.force)
            print(f"restored {targets.store} ({counts['store_bytes']} bytes), {counts['blobs']} blobs: {targets.blobs}")
    except (BackupError, tarfile.TarError, OSError) as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
