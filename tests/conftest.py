"""Shared fixtures: every test gets its own warehouse, key and header-mapping file under tmp_path.

The tests are laid out by layer, and run in this order: tests/unit (pure functions, no warehouse),
tests/models (SQL models and the warehouse: tiny inputs, a temporary warehouse), tests/e2e (the CLI end to
end, the shipped sample, the dashboard over HTTP, the independent recomputation, the metamorphic tests) and
tests/browser (a real headless Chromium; INSERTION_SKIP_BROWSER_TESTS=1 skips them: tests/browser/conftest.py).
Paths and small readers shared by all are in tests/helpers.py.

The shipped sample (data/raw/) is built once per test run (``sample_warehouse``) and shared:
tests that only read it use ``sample_settings`` / ``sample_cli`` (environment pointing at the shared
warehouse, opened read-only by the commands); tests that write on top of it use ``sample_copy``, a
private copy of the warehouse and its key in tmp_path. The shared files are checked unchanged at the
end of the run.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.core.config import Settings
from pipeline.load.sources.reference import load_reference
from pipeline.warehouse import db as warehouse
from pipeline.warehouse import models
from tests.helpers import DEMO_KEY, FIXTURES, ROOT

# issue #16: the tests' dashboards (in-process or served) never read the accounts file of the person
# running them; a test that wants accounts points INSERTION_ACCOUNTS at its own file.
os.environ["INSERTION_ACCOUNTS"] = str(Path(tempfile.mkdtemp(prefix="insertion-accounts-")) / "accounts.json")
# The tests' loads are tiny: a worker process would cost more (each imports Great Expectations and builds
# its suites) than it saves. One process, unless a test is about the workers: the shared sample is built
# with two (tests/e2e/test_end_to_end.py compares it with a build one file at a time), and the tests of
# workers set them.
os.environ["INSERTION_WORKERS"] = "1"

LAYERS = ("unit", "models", "e2e", "browser")


def pytest_collection_modifyitems(config, items):
    """Cheapest layer first (a broken unit fails in seconds), the browser last; the order of the files
    within a layer is kept, so module fixtures still live for one file."""
    here = Path(__file__).resolve().parent

    def layer(item) -> int:
        parts = Path(item.path).resolve().relative_to(here).parts
        return LAYERS.index(parts[0]) if parts and parts[0] in LAYERS else len(LAYERS)

    items.sort(key=layer)


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    monkeypatch.setenv("INSERTION_KEY_FILE", str(tmp_path / "secret" / "key"))
    monkeypatch.setenv("INSERTION_WAREHOUSE", str(tmp_path / "warehouse" / "insertion.duckdb"))
    monkeypatch.setenv("INSERTION_REFERENCE_DIR", str(ROOT / "data" / "reference"))
    monkeypatch.setenv("INSERTION_RAW_DIR", str(tmp_path / "raw"))
    monkeypatch.setenv("INSERTION_HEADER_MAPPING", str(tmp_path / "header_mapping.csv"))
    (tmp_path / "raw").mkdir()
    return Settings.load()


def _runner(capsys):
    def run(*args: str):
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def cli(settings, capsys):
    """Run the CLI in-process: returns (exit code, stdout, stderr)."""
    return _runner(capsys)


@pytest.fixture(scope="session")
def _empty_warehouse(tmp_path_factory) -> Path:
    """A warehouse with its schema and the interim referential, made once per run (copied by ``con``)."""
    path = tmp_path_factory.mktemp("empty") / "insertion.duckdb"
    with warehouse.connect(path) as c:
        models.ensure_schema(c)
        load_reference(c, ROOT / "data" / "reference")
    return path


@pytest.fixture
def con(settings, _empty_warehouse):
    """A fresh warehouse with its schema and the interim referential (a copy of one made once per run)."""
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_empty_warehouse, settings.warehouse)
    c = warehouse.connect(settings.warehouse)
    yield c
    c.close()


# the settings a warehouse prepared by ``warehouse_after`` depends on besides its commands (its own paths
# excepted): a test run under other values gets a warehouse of its own
_PATHS = {"INSERTION_WAREHOUSE", "INSERTION_KEY_FILE", "INSERTION_RAW_DIR", "INSERTION_HEADER_MAPPING"}


@pytest.fixture(scope="session")
def _prepared() -> dict[str, Path]:
    return {}


@pytest.fixture
def warehouse_after(settings, _prepared, tmp_path_factory) -> callable:
    """``warehouse_after(("ingest", FILE, ...), ...)``: this test's warehouse as those commands leave a new
    one, at the paths of ``settings`` (warehouse, snapshot, Data Docs and key), for a test to go on from.

    Each list of commands runs once per run, in-process on a warehouse of its own (no header mapping),
    every command checked to exit 0; each test gets a private copy. Returns ``settings``."""

    def after(*commands) -> Settings:
        environment = sorted(
            (k, v) for k, v in os.environ.items() if k.startswith("INSERTION_") and k not in _PATHS
        )
        name = repr(([[str(a) for a in c] for c in commands], environment))
        if name not in _prepared:
            folder = tmp_path_factory.mktemp("prepared")
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("INSERTION_KEY_FILE", str(folder / "secret" / "key"))
                mp.setenv("INSERTION_WAREHOUSE", str(folder / "warehouse" / "insertion.duckdb"))
                mp.setenv("INSERTION_RAW_DIR", str(folder / "raw"))
                mp.setenv("INSERTION_HEADER_MAPPING", str(folder / "header_mapping.csv"))
                for command in commands:
                    out, err = io.StringIO(), io.StringIO()
                    with redirect_stdout(out), redirect_stderr(err):
                        code = main([str(a) for a in command])
                    assert code == 0, (
                        f"insertion {' '.join(map(str, command))}:\n{out.getvalue()}{err.getvalue()}"
                    )
            _prepared[name] = folder
        folder = _prepared[name]
        shutil.copytree(folder / "warehouse", settings.warehouse.parent)  # warehouse, snapshot, Data Docs
        settings.key_file.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / "secret" / "key", settings.key_file)
        settings.key_file.chmod(0o600)
        return settings

    return after


@pytest.fixture
def fixture_file(tmp_path):
    """Copy a fixture into tmp_path (optionally under another name) and return its path."""

    def copy(name: str, as_name: str | None = None) -> Path:
        target = tmp_path / (as_name or name)
        shutil.copyfile(FIXTURES / name, target)
        return target

    return copy


def _fingerprint(paths: list[Path]) -> dict[str, str]:
    import hashlib

    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.is_file()}


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory) -> Settings:
    """The shipped sample built once into a temporary warehouse (read-only use only).

    Built with the demonstration key of the LimeSurvey sample (``data/exemples/limesurvey``). Its stdout
    is kept in ``build-stdout.txt`` beside it (see ``sample_build_output``). At the end of
    the run the warehouse, its snapshot and its key must be byte for byte unchanged: a test that
    writes must use ``sample_copy`` instead.
    """
    import os
    import subprocess
    import sys

    folder = tmp_path_factory.mktemp("sample")
    # the LimeSurvey sample's demonstration key, so that its responses export links to the sample's people
    # on a copy (tests/e2e/test_campaigns.py); any key builds the same figures
    shutil.copyfile(DEMO_KEY, folder / "key")
    (folder / "key").chmod(0o600)
    env = {
        **os.environ,
        "INSERTION_KEY_FILE": str(folder / "key"),
        "INSERTION_WAREHOUSE": str(folder / "warehouse" / "insertion.duckdb"),
        "INSERTION_REFERENCE_DIR": str(ROOT / "data" / "reference"),
        "INSERTION_RAW_DIR": str(ROOT / "data" / "raw"),
        "INSERTION_HEADER_MAPPING": str(folder / "header_mapping.csv"),
        # the day of the validation suites, fixed: the shared sample's content is the fingerprinted
        # baseline's (tests/fingerprints.py), whatever the day the tests run
        "INSERTION_TODAY": "2026-11-30",
        # the parallel build (tests/e2e/test_end_to_end.py), whatever the files' size
        "INSERTION_WORKERS": "2",
        "INSERTION_WORKERS_FROM_MIB": "0",
    }
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "build"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.fail(f"building the shared sample failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    (folder / "build-stdout.txt").write_text(done.stdout, encoding="utf-8")
    sample = Settings.load(warehouse=folder / "warehouse" / "insertion.duckdb", key_file=folder / "key")
    guarded = [sample.warehouse, sample.snapshot, sample.key_file]
    before = _fingerprint(guarded)
    yield sample
    assert _fingerprint(guarded) == before, "a test wrote to the shared sample warehouse (use sample_copy)"


@pytest.fixture(scope="session")
def sample_build_output(sample_warehouse) -> str:
    """What `insertion build` printed when it built the shared sample."""
    return (sample_warehouse.warehouse.parent.parent / "build-stdout.txt").read_text(encoding="utf-8")


@pytest.fixture
def sample_settings(sample_warehouse, tmp_path, monkeypatch) -> Settings:
    """The environment of the shared sample, for READ-ONLY commands (stats, sql, quality, renewal
    --out tmp, certification, titles...). Not to be combined with ``settings`` / ``cli``."""
    monkeypatch.setenv("INSERTION_KEY_FILE", str(sample_warehouse.key_file))
    monkeypatch.setenv("INSERTION_WAREHOUSE", str(sample_warehouse.warehouse))
    monkeypatch.setenv("INSERTION_REFERENCE_DIR", str(ROOT / "data" / "reference"))
    monkeypatch.setenv("INSERTION_RAW_DIR", str(ROOT / "data" / "raw"))
    monkeypatch.setenv("INSERTION_HEADER_MAPPING", str(tmp_path / "header_mapping.csv"))
    return Settings.load()


@pytest.fixture
def sample_cli(sample_settings, capsys):
    """Run read-only CLI commands in-process on the shared sample: returns (exit code, stdout, stderr)."""
    return _runner(capsys)


@pytest.fixture
def sample_copy(settings, sample_warehouse, monkeypatch) -> Settings:
    """A private copy of the built sample (warehouse, snapshot, Data Docs, key) at the paths of
    ``settings``, with INSERTION_RAW_DIR on data/raw: as if this test had run `insertion build`.
    For tests that write on top of the sample; use with ``settings`` / ``cli``."""
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sample_warehouse.warehouse, settings.warehouse)
    shutil.copyfile(sample_warehouse.snapshot, settings.snapshot)
    if sample_warehouse.data_docs_dir.is_dir():
        shutil.copytree(sample_warehouse.data_docs_dir, settings.data_docs_dir)
    settings.key_file.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sample_warehouse.key_file, settings.key_file)
    settings.key_file.chmod(0o600)
    monkeypatch.setenv("INSERTION_RAW_DIR", str(ROOT / "data" / "raw"))
    return Settings.load()


@pytest.fixture(scope="module")
def accounts_file(tmp_path_factory) -> Path:
    """The test accounts (tests/servers.py) in a file of this module's own (sign-in counters beside it)."""
    from tests.servers import write_accounts

    return write_accounts(tmp_path_factory.mktemp("accounts") / "accounts.json")


@pytest.fixture(scope="module")
def partner_snapshot(sample_warehouse, tmp_path_factory) -> Path:
    """A copy of the sample's snapshot whose outcome counts say which partner each row belongs to."""
    from tests.servers import partner_copy

    return partner_copy(sample_warehouse.snapshot, tmp_path_factory.mktemp("partners") / "warehouse")
