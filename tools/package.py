"""`make package`: the deployed Cloud Functions source, built from a checkout (decision 0018).

Writes `<out>/functions-source/` and `<out>/vicon-functions-<sha256>.zip` with the same files:

    main.py  requirements.txt  vicon/**  (the OPD list in vicon/data included)  templates/**

and nothing else: no `__pycache__`, no tests, no dev tools (they live in devtools/, outside functions/), not the
dev mailbox's pages (`templates/pages/dev_*`). The zip is reproducible (sorted entries, fixed timestamps and
modes), so its name, which carries the SHA-256 of its bytes, changes exactly when the deployed source does;
Terraform can use it as the object name.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FUNCTIONS = REPO / "functions"
TEMPLATES = REPO / "templates"
SOURCE_DIR_NAME = "functions-source"
ZIP_PREFIX = "vicon-functions-"
_SKIPPED_DIRS = frozenset({"__pycache__"})
_SKIPPED_SUFFIXES = (".pyc", ".pyo")
# The dev server's own pages (its mailbox) stay behind with it.
DEV_TEMPLATES = "pages/dev_*"
# 1980-01-01, the earliest time a zip entry can carry: the same bytes whenever and wherever it is built.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _tree(root: Path, into: str, skip: str | None = None) -> Iterator[tuple[str, Path]]:
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part in _SKIPPED_DIRS for part in relative.parts) or path.suffix in _SKIPPED_SUFFIXES:
            continue
        if skip is not None and relative.match(skip):
            continue
        if path.is_file():
            yield f"{into}/{relative.as_posix()}", path


def package_files(functions: Path = FUNCTIONS, templates: Path = TEMPLATES) -> list[tuple[str, Path]]:
    """(name inside the package, file in the checkout), sorted by name."""
    files = [("main.py", functions / "main.py"), ("requirements.txt", functions / "requirements.txt")]
    files += _tree(functions / "vicon", "vicon")
    files += _tree(templates, "templates", skip=DEV_TEMPLATES)
    return sorted(files)


def build(out: Path) -> tuple[Path, Path]:
    """Write the source folder and the zip under `out` (replacing earlier builds); return both paths."""
    out.mkdir(parents=True, exist_ok=True)
    files = package_files()
    source = out / SOURCE_DIR_NAME
    if source.exists():
        shutil.rmtree(source)
    for name, path in files:
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)

    for old in out.glob(f"{ZIP_PREFIX}*.zip"):
        old.unlink()
    staging = out / f".{ZIP_PREFIX}building.zip"
    with zipfile.ZipFile(staging, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, _ in files:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, (source / name).read_bytes())
    digest = hashlib.sha256(staging.read_bytes()).hexdigest()
    bundle = out / f"{ZIP_PREFIX}{digest}.zip"
    staging.replace(bundle)
    return source, bundle


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default=str(REPO / "dist"), help="output folder (default: dist/)")
    args = parser.parse_args(argv)
    source, bundle = build(Path(args.out))
    print(f"{source}\n{bundle}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
