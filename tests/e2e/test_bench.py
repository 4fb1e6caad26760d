"""Keep the generator and the bench working (the figures come from `make bench`, not tests): the bench runs
every step of `make bench QUICK=1` at the smallest sizes (`scripts/bench.py --smoke`)."""

import re
import subprocess
import sys

from tests.helpers import ROOT, table_rows

GENERATE = (
    "generate",
    "--certifications",
    "6",
    "--years",
    "2019-2022",
    "--target-certified",
    "3000",
    "--defects",
    "0.002",
    "--seed",
    "5",
    "--out",
)


def test_generator_small_scale_builds(cli, tmp_path, monkeypatch):
    out = tmp_path / "national"
    code, stdout, err = cli(*GENERATE, out)
    assert code == 0, err
    assert "Calage (" in stdout and "certifiés" in stdout
    files = sorted(p.name for p in out.glob("*/*"))
    fluxes = [name for name in files if name.startswith("national_0001_flux_")]  # issue #27: one per session
    assert [name for name in files if name not in fluxes] == [
        "national_0001_enquetes.csv",
        "national_0001_jurys.csv",
    ]
    assert len(fluxes) == 8 and "passages de flux CDC" in stdout  # 4 years, 2 jury days each
    first = (out / "cohortes" / "national_0001_jurys.csv").read_bytes()
    cli(*GENERATE, tmp_path / "again")
    assert (
        tmp_path / "again" / "cohortes" / "national_0001_jurys.csv"
    ).read_bytes() == first  # same seed, same files
    monkeypatch.setenv("INSERTION_REFERENCE_DIR", str(tmp_path / "national-reference"))
    # one process: the parallel build equals it (tests/e2e/test_end_to_end.py), and spares two GX imports
    monkeypatch.setenv("INSERTION_WORKERS", "1")
    code, stdout, err = cli("build", "--raw-dir", out)
    assert code == 0, err
    assert "en quarantaine" in stdout  # the defects were caught
    # the wrong NIR key
    assert re.search(
        r"chargé en cdc_flux, \d+ passages sur \d+ ; 1 champ\(s\) mal formé\(s\) écarté\(s\)", stdout
    )
    certified = table_rows(
        tmp_path / "warehouse" / "insertion.duckdb",
        "select sum(certified), count(distinct certification_code) from certification_statistics",
    )
    assert certified[0][1] == 6 and 2800 <= certified[0][0] <= 3200
    late, route, missing = table_rows(
        tmp_path / "warehouse" / "insertion.duckdb",
        "select sum(late), sum(route_mismatch), sum(not_transmitted) from cdc_accrochage_summary",
    )[0]
    assert late > 0 and route == 1 and missing >= 1  # the defects of the generated fluxes
    rs = table_rows(
        tmp_path / "warehouse" / "insertion.duckdb",
        "select count(*) from load_log where message like '%1 passage(s) de certifications RS%'",
    )
    assert rs == [(1,)]


def test_bench_quick_runs(tmp_path):
    out = tmp_path / "performance.md"
    done = subprocess.run(
        [sys.executable, "scripts/bench.py", "--smoke", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    text = out.read_text(encoding="utf-8")
    for section in (
        "## Pipeline at national scale",
        "## Dashboard callbacks",
        "## Great Expectations",
        "ingest / DuckDB `read_csv` floor",
        "RNCP XML export",
        "users at once",
        "While two analysts' queries run",
        "## Large files (issue #24)",
        "refused after its first 1,000 rows",
    ):
        assert section in text
