"""Shared fixtures: every test gets its own warehouse, key and header-mapping file under tmp_path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline import warehouse
from pipeline.cli import main
from pipeline.config import Settings
from pipeline.sources.reference import load_reference

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    monkeypatch.setenv("INSERTION_KEY_FILE", str(tmp_path / "secret" / "key"))
    monkeypatch.setenv("INSERTION_WAREHOUSE", str(tmp_path / "warehouse" / "insertion.duckdb"))
    monkeypatch.setenv("INSERTION_REFERENCE_DIR", str(ROOT / "data" / "reference"))
    monkeypatch.setenv("INSERTION_RAW_DIR", str(tmp_path / "raw"))
    monkeypatch.setenv("INSERTION_HEADER_MAPPING", str(tmp_path / "header_mapping.csv"))
    (tmp_path / "raw").mkdir()
    return Settings.load()


@pytest.fixture
def cli(settings, capsys):
    """Run the CLI in-process: returns (exit code, stdout, stderr)."""

    def run(*args: str):
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def con(settings):
    """A fresh warehouse with its schema and the interim referential."""
    c = warehouse.connect(settings.warehouse)
    warehouse.ensure_schema(c)
    load_reference(c, settings.reference_dir)
    yield c
    c.close()


@pytest.fixture
def fixture_file(tmp_path):
    """Copy a fixture into tmp_path (optionally under another name) and return its path."""

    def copy(name: str, as_name: str | None = None) -> Path:
        target = tmp_path / (as_name or name)
        shutil.copyfile(FIXTURES / name, target)
        return target

    return copy


def table_rows(path: Path, sql: str, params=None) -> list[tuple]:
    with warehouse.connect(path, read_only=True) as c:
        return c.execute(sql, params or []).fetchall()


def content_hash(path: Path) -> str:
    with warehouse.connect(path, read_only=True) as c:
        return warehouse.content_hash(c)


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory) -> Settings:
    """The shipped sample built once into a temporary warehouse (read-only use only)."""
    import os
    import subprocess
    import sys

    folder = tmp_path_factory.mktemp("sample")
    env = {
        **os.environ,
        "INSERTION_KEY_FILE": str(folder / "key"),
        "INSERTION_WAREHOUSE": str(folder / "warehouse" / "insertion.duckdb"),
        "INSERTION_REFERENCE_DIR": str(ROOT / "data" / "reference"),
        "INSERTION_RAW_DIR": str(ROOT / "data" / "raw"),
        "INSERTION_HEADER_MAPPING": str(folder / "header_mapping.csv"),
    }
    subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "build"], env=env, cwd=ROOT, check=True, capture_output=True
    )
    return Settings.load(warehouse=folder / "warehouse" / "insertion.duckdb", key_file=folder / "key")
