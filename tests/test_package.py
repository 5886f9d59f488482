"""`make package` (tools/package.py): the deployed source carries the templates and nothing dev-only."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tools.package import SOURCE_DIR_NAME, ZIP_PREFIX, build
from vicon.settings import REPO_DIR

DEV_ONLY_NAMES = {"vicon_dev", "devserver.py", "zoom_sandbox.py", "tests", "devtools", "conftest.py"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return build(tmp_path_factory.mktemp("dist"))


def _names(source: Path) -> set[str]:
    return {p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file()}


def test_the_package_holds_the_function_source_templates_and_data(built: tuple[Path, Path]) -> None:
    source, _ = built
    names = _names(source)
    assert source.name == SOURCE_DIR_NAME
    assert {"main.py", "requirements.txt", "vicon/__init__.py", "vicon/wiring.py", "vicon/store/__init__.py"} <= names
    assert "vicon/data/opd-majalengka.txt" in names
    templates = {p.relative_to(REPO_DIR).as_posix() for p in (REPO_DIR / "templates").rglob("*") if p.is_file()}
    dev_pages = {name for name in templates if name.startswith("templates/pages/dev_")}
    assert dev_pages, "the dev mailbox's pages are in templates/ in a checkout"
    assert {name for name in names if name.startswith("templates/")} == templates - dev_pages
    tops = {name.split("/")[0] for name in names}
    assert tops == {"main.py", "requirements.txt", "vicon", "templates"}


def test_the_package_holds_nothing_dev_only(built: tuple[Path, Path]) -> None:
    source, bundle = built
    for names in (_names(source), set(zipfile.ZipFile(bundle).namelist())):
        parts = {part for name in names for part in name.split("/")}
        assert not parts & DEV_ONLY_NAMES
        assert not any(name.startswith("templates/pages/dev_") for name in names)
        assert not any("__pycache__" in name or name.endswith((".pyc", ".pyo")) for name in names)


def test_the_zip_is_named_by_its_hash_holds_the_same_files_and_is_reproducible(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    source, bundle = built
    digest = hashlib.sha256(bundle.read_bytes()).hexdigest()
    assert bundle.name == f"{ZIP_PREFIX}{digest}.zip"
    with zipfile.ZipFile(bundle) as archive:
        assert set(archive.namelist()) == _names(source)
        assert archive.read("templates/pages/message.html") == (REPO_DIR / "templates/pages/message.html").read_bytes()
        assert archive.read("main.py") == (REPO_DIR / "functions" / "main.py").read_bytes()
    _, again = build(tmp_path)
    assert again.name == bundle.name
    # A rebuild into the same folder replaces the old zip rather than piling up.
    build(tmp_path)
    assert [p.name for p in tmp_path.glob(f"{ZIP_PREFIX}*.zip")] == [bundle.name]


def test_the_packaged_source_imports_and_renders_from_its_own_templates(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    source, _ = built
    code = (
        "import main; from vicon.rendering import templates_dir, render; "
        "print(templates_dir()); "
        "import vicon.settings as s; print(s.DEFAULT_OPD_LIST); "
        "html = render('Asia/Jakarta', 'pages/message.html', heading='Uji', message='Pesan uji', "
        "base_url='https://vicon.example'); "
        "assert 'Pesan uji' in html, html[:500]; print('rendered')"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VICON_", "OPD_"))}
    env["PYTHONPATH"] = str(source)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    templates, opd_list, rendered = result.stdout.splitlines()[-3:]
    assert Path(templates) == source / "templates"
    assert Path(opd_list) == source / "vicon" / "data" / "opd-majalengka.txt"
    assert rendered == "rendered"


def test_make_package_writes_dist(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(REPO_DIR / "tools" / "package.py"), str(tmp_path / "out")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    source, bundle = (Path(line) for line in result.stdout.splitlines())
    assert source == tmp_path / "out" / SOURCE_DIR_NAME and (source / "templates").is_dir()
    assert bundle.parent == tmp_path / "out" and bundle.is_file()
    assert (
        "package:" in (REPO_DIR / "Makefile").read_text() and "tools/package.py" in (REPO_DIR / "Makefile").read_text()
    )
