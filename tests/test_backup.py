"""`make backup` / `make restore` (tools/backup.py, decision 0023): a submission made through the app survives a
backup taken while the store is open, a wipe and a restore, with its letter and its audit trail; a restore never
overwrites data unless forced, and refuses an archive that is not a Vicon backup."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.harness import Harness, HarnessFactory
from tests.pdfs import one_page_pdf
from tools.backup import BackupError, Targets, backup, restore
from vicon.blobs import FolderBlobs
from vicon.settings import REPO_DIR
from vicon.store.sqlite import SCHEMA, SqliteStore


def make(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "-s", *args], cwd=REPO_DIR, capture_output=True, text=True, timeout=120
    )


def env_file(harness: Harness) -> Path:
    """The server's configuration, as /etc/vicon/vicon.env names the data: here the harness's store and blobs."""
    path = harness.data_dir / "vicon.env"
    path.write_text(
        "# what make backup reads\n"
        f"STORE_URL=sqlite:///{harness.data_dir / 'store.sqlite3'}\n"
        f'BLOB_URL="file://{harness.data_dir / "blobs"}"\n'
        "SIGNING_KEY=not-read-by-the-backup\n",
        encoding="utf-8",
    )
    return path


def wipe(data_dir: Path) -> None:
    for path in data_dir.glob("store.sqlite3*"):
        path.unlink()
    for path in sorted((data_dir / "blobs").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    (data_dir / "blobs").rmdir()


def test_a_submission_survives_backup_wipe_and_restore(make_harness: HarnessFactory, tmp_path: Path) -> None:
    harness = make_harness()
    letter = one_page_pdf()
    submitted = harness.submit(None, letter)
    assert submitted.status_code == 201
    request_id = submitted.get_json()["id"]
    record = harness.request(request_id)
    trail = harness.store.audit_trail(request_id)
    assert record.letter is not None and trail
    config = env_file(harness)
    backups = tmp_path / "backups"

    # Online: the harness's store still has its connections open (as the running service would).
    made = make("backup", f"ENV_FILE={config}", f"BACKUP_DIR={backups}")
    assert made.returncode == 0, made.stderr
    [archive] = backups.glob("vicon-backup-*.tar.gz")
    assert archive.name in made.stdout
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # letters and personal data
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest = json.loads(tar.extractfile("MANIFEST.json").read())  # type: ignore[union-attr]
    assert {"MANIFEST.json", "vicon.sqlite3", f"blobs/{record.letter.key}"} <= names
    assert manifest["blobs"] == {record.letter.key: len(letter)}
    assert not list(backups.glob(".vicon-backup-*")), "no work folder left behind"

    wipe(harness.data_dir)
    usage = make("restore", f"ENV_FILE={config}")
    assert usage.returncode == 2 and "usage: make restore ARCHIVE=" in usage.stderr
    restored = make("restore", f"ARCHIVE={archive}", f"ENV_FILE={config}")
    assert restored.returncode == 0, restored.stderr

    store = SqliteStore(harness.data_dir / "store.sqlite3")
    again = store.get_request(request_id)
    assert again == record
    assert store.audit_trail(request_id) == trail
    blob = FolderBlobs(harness.data_dir / "blobs").get(record.letter.key)
    assert blob == letter and hashlib.sha256(blob).hexdigest() == record.letter.sha256
    # The restored store takes new requests after the old ones (its counters came back too).
    assert store.next_request_number(2026) == int(request_id.rsplit("-", 1)[1]) + 1

    # Data is there now: a second restore refuses, unless forced, and then moves the old data aside.
    refused = make("restore", f"ARCHIVE={archive}", f"ENV_FILE={config}")
    assert refused.returncode != 0 and "--force" in refused.stderr and "store.sqlite3" in refused.stderr
    forced = make("restore", f"ARCHIVE={archive}", f"ENV_FILE={config}", "FORCE=1")
    assert forced.returncode == 0, forced.stderr
    assert list(harness.data_dir.glob("store.sqlite3.replaced-*"))
    assert list(harness.data_dir.glob("blobs.replaced-*"))
    assert SqliteStore(harness.data_dir / "store.sqlite3").get_request(request_id) == record


def _targets(root: Path) -> Targets:
    return Targets(store=root / "vicon.sqlite3", blobs=root / "blobs")


def test_a_backup_of_an_empty_service_restores_into_a_fresh_machine(tmp_path: Path) -> None:
    source = _targets(tmp_path / "old")
    SqliteStore(source.store)  # the schema, no request, no blob yet
    archive = backup(source, tmp_path / "backups")
    fresh = _targets(tmp_path / "new" / "var-lib-vicon")
    assert restore(archive, fresh) == {"blobs": 0, "store_bytes": fresh.store.stat().st_size}
    assert fresh.blobs.is_dir() and SqliteStore(fresh.store).get_request("VC-2026-000001") is None


def test_a_store_the_fresh_service_made_holds_no_data_and_is_replaced_without_force(
    make_harness: HarnessFactory, tmp_path: Path
) -> None:
    harness = make_harness()
    request_id = harness.submit_valid()["id"]
    archive = backup(Targets(harness.data_dir / "store.sqlite3", harness.data_dir / "blobs"), tmp_path / "b")
    # A new machine: the service's first start made the schema, in WAL mode, and it was stopped again.
    new = _targets(tmp_path / "new")
    new.store.parent.mkdir()
    db = sqlite3.connect(new.store)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(SCHEMA)
    db.close()
    restore(archive, new)
    assert SqliteStore(new.store).get_request(request_id) is not None
    assert list(new.store.parent.glob("vicon.sqlite3.replaced-*"))
    # A store that is not SQLite at all is never overwritten unasked.
    other = _targets(tmp_path / "other")
    other.store.parent.mkdir()
    other.store.write_bytes(b"bukan basis data")
    with pytest.raises(BackupError, match="--force"):
        restore(archive, other)
    assert other.store.read_bytes() == b"bukan basis data"


def test_a_blob_folder_of_empty_folders_is_no_data(tmp_path: Path) -> None:
    source = _targets(tmp_path / "old")
    SqliteStore(source.store)
    FolderBlobs(source.blobs).put("letters/2026/a.pdf", b"%PDF-1.7 a", "application/pdf")
    archive = backup(source, tmp_path / "backups")
    target = _targets(tmp_path / "new")
    (target.blobs / "letters" / "2026").mkdir(parents=True)
    restore(archive, target)
    assert FolderBlobs(target.blobs).get("letters/2026/a.pdf") == b"%PDF-1.7 a"


def _tar(tmp_path: Path, members: dict[str, bytes]) -> Path:
    path = tmp_path / "crafted.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


STORE = None  # stands for a real (empty) Vicon store in the cases below
MANIFEST = b'{"format": 1, "blobs": {}}'


@pytest.mark.parametrize(
    "members",
    [
        {"MANIFEST.json": MANIFEST, "vicon.sqlite3": STORE, "../escape": b"x"},
        {"MANIFEST.json": MANIFEST, "vicon.sqlite3": STORE, "blobs/../../escape": b"x"},
        {"MANIFEST.json": MANIFEST, "vicon.sqlite3": STORE, "/etc/passwd": b"x"},
        {"MANIFEST.json": MANIFEST, "vicon.sqlite3": STORE, "notes.txt": b"x"},
        {"vicon.sqlite3": STORE},
        {"MANIFEST.json": b'{"format": 2, "blobs": {}}', "vicon.sqlite3": STORE},
        {"MANIFEST.json": MANIFEST, "vicon.sqlite3": b"not a database at all"},
        {"MANIFEST.json": MANIFEST, "vicon.sqlite3": b""},
        {"MANIFEST.json": b'{"format": 1, "blobs": {"a.pdf": 3}}', "vicon.sqlite3": STORE, "blobs/b.pdf": b"abc"},
        {"MANIFEST.json": b'{"format": 1, "blobs": {"a.pdf": 3}}', "vicon.sqlite3": STORE, "blobs/a.pdf": b"ab"},
    ],
)
def test_restore_refuses_what_is_not_a_vicon_backup_and_changes_nothing(
    tmp_path: Path, members: dict[str, bytes | None]
) -> None:
    empty = _targets(tmp_path / "schema")
    SqliteStore(empty.store)
    crafted = {name: _plain_copy(empty.store) if data is STORE else data for name, data in members.items()}
    target = _targets(tmp_path / "target")
    with pytest.raises(BackupError):
        restore(_tar(tmp_path, crafted), target)
    assert not target.store.exists() and not target.blobs.exists()
    assert not (tmp_path / "escape").exists() and not list(tmp_path.glob("target/.vicon-restore-*"))


def _plain_copy(store: Path) -> bytes:
    """A store as one self-contained file (journal_mode DELETE), as backup archives it."""
    copy = store.with_name("copy.sqlite3")
    source, target = sqlite3.connect(store), sqlite3.connect(copy)
    source.backup(target)
    target.execute("PRAGMA journal_mode=DELETE")
    source.close()
    target.close()
    return copy.read_bytes()
