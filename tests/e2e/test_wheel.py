"""The wheel is complete and works on its own: built from the tracked files, installed in a fresh venv,
run from a folder outside the checkout.

`make` installs the project in editable mode, which reads everything from the checkout and so hides a
packaging mistake (a subpackage or a data file missing from the wheel). Here the wheel is built from a
copy of the tracked files only (no build/ leftovers, no untracked files), with the venv's setuptools and
no index; its build prints no warning and it holds exactly the tracked files of the three packages. It is
installed, without dependencies, into a fresh venv that reaches the dependencies through a .pth line
naming this venv's site-packages (a plain path line: the project's own editable-install hook there is
never run), and `insertion build` + `insertion stats` run from a temporary folder.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("pipeline", "dashboard", "expectations")


IMPORT_ALL = f"""
import importlib, pkgutil, sys
from pathlib import Path

from dashboard.app import create_app

client = create_app(Path(sys.argv[1])).server.test_client()
for asset in ("style.css", "filters.js"):
    response = client.get("/assets/" + asset)
    assert response.status_code == 200 and response.data, asset
for top in {PACKAGES!r}:
    package = importlib.import_module(top)
    for module in pkgutil.walk_packages(package.__path__, top + "."):
        importlib.import_module(module.name)
for name, module in sorted(sys.modules.items()):
    if name.split(".")[0] in {PACKAGES!r}:
        print(module.__file__)
"""


def _tracked() -> list[str]:
    """Tracked files of the checkout that exist in the working tree (a pending deletion is left out)."""
    out = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, text=True, check=True
    ).stdout
    return [name for name in out.split("\0") if name and (ROOT / name).is_file()]


def _run(args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)


def _warnings(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in (result.stdout + result.stderr).splitlines() if "warning" in line.lower()]


def _rate(cell: str) -> int:
    """The rate of a stats cell such as ``100 % (9/9) ⚠`` (a no-break space before the %)."""
    return int(re.match(r"\d+", cell).group())


def _clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without anything that would point at the checkout or its settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("INSERTION_") and k not in {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP"}
    }
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.update(extra)
    return env


def test_wheel_installs_and_runs_outside_the_checkout(tmp_path):
    tracked = _tracked()

    # 1. the wheel, from a clean copy of the tracked files
    src = tmp_path / "src"
    for name in tracked:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, src / name)
    dist = tmp_path / "dist"
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index"]
        + ["-w", str(dist), "."],
        cwd=src,
        env=_clean_env(),
    )
    assert built.returncode == 0, built.stdout + built.stderr
    assert not _warnings(built), "\n".join(_warnings(built))
    (wheel,) = dist.glob("insertion-*.whl")

    # 2. exactly the tracked files of the packages: every module, every .sql/.json/.css/.js, nothing else
    with zipfile.ZipFile(wheel) as archive:
        shipped = {n for n in archive.namelist() if not n.split("/")[0].endswith(".dist-info")}
    expected = {
        name for name in tracked if name.split("/")[0] in PACKAGES and not Path(name).name.startswith(".")
    }
    assert {n.rsplit(".", 1)[-1] for n in expected} >= {"py", "sql", "json", "css", "js"}
    assert not expected - shipped, f"tracked but missing from the wheel: {sorted(expected - shipped)}"
    assert not shipped - expected, f"in the wheel but not tracked: {sorted(shipped - expected)}"

    # 3. a fresh venv holding the wheel; the dependencies come from this venv
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt").create(env_dir)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / ("python.exe" if os.name == "nt" else "python")
    installed = _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index"]
        + [str(wheel)],
        env=_clean_env(),
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert not _warnings(installed), "\n".join(_warnings(installed))
    site_packages = Path(
        _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip()
    )
    dependencies = dict.fromkeys(sysconfig.get_path(key) for key in ("purelib", "platlib"))
    (site_packages / "insertion_test_dependencies.pth").write_text("\n".join(dependencies) + "\n")

    work = tmp_path / "work"  # outside the checkout: nothing is read relative to the cwd by accident
    work.mkdir()
    env = _clean_env(
        INSERTION_WAREHOUSE=str(work / "warehouse" / "insertion.duckdb"),
        INSERTION_RAW_DIR=str(ROOT / "data" / "raw"),
        INSERTION_REFERENCE_DIR=str(ROOT / "data" / "reference"),
        INSERTION_KEY_FILE=str(work / "secret" / "pseudonymisation.key"),
        INSERTION_ACCOUNTS=str(work / "accounts.json"),
    )

    # 4. while the command of the new venv builds the sample warehouse and prints the fiche's statistics,
    # another process of the new venv creates the dashboard and fetches its assets, then imports every
    # module of the three packages (the pages once the app exists, as Dash wants) and lists their files
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    importer = subprocess.Popen(
        [str(python), "-c", IMPORT_ALL, str(elsewhere / "no-warehouse-yet.duckdb")],
        cwd=elsewhere,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        insertion = str(bin_dir / "insertion")
        build = _run([insertion, "build"], cwd=work, env=env)
        assert build.returncode == 0, build.stdout + build.stderr
        assert "un fichier à la fois (moins de 16 Mio" in build.stdout  # by default, no worker for a sample
        assert (work / "warehouse" / "insertion.duckdb").is_file()
        stats = _run([insertion, "stats", "RNCP34179"], cwd=work, env=env)
        assert stats.returncode == 0, stats.stdout + stats.stderr
        out, err = importer.communicate(timeout=300)
    finally:
        if importer.poll() is None:
            importer.kill()
            importer.communicate()

    rows = {
        cells[0]: cells[1:]
        for line in stats.stdout.splitlines()
        if (cells := [c.strip() for c in line.split("|")])[0] in {"2017", "2018"}
    }
    assert rows["2018"][0] == "11"
    assert [_rate(c) for c in rows["2018"][2:5]] == [100, 100, 80]
    assert rows["2017"][0] == "35"
    assert [_rate(c) for c in rows["2017"][2:5]] == [88, 70, 78]
    assert sorted(p.name for p in work.iterdir()) == ["secret", "warehouse"]  # nothing else written here

    assert importer.returncode == 0, out + err
    files = [Path(line) for line in out.splitlines()]
    assert any(f.parts[-2:] == ("sources", "__init__.py") for f in files)
    assert any(f.parts[-2:] == ("indicators", "__init__.py") for f in files)
    outside = [str(f) for f in files if not f.is_relative_to(site_packages)]
    assert not outside, f"imported from outside the new venv: {outside}"
