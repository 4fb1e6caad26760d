"""`insertion watch`: files are loaded as they arrive, never half-written; bad files are reported."""

import os
import signal
import subprocess
import sys
import time

from pipeline.load.watch import Arrivals
from tests.helpers import FIXTURES, ROOT, table_rows


def test_a_file_is_ready_only_once_it_stopped_changing(settings, tmp_path):
    raw = settings.raw_dir
    arrivals = Arrivals(raw, settings)
    target = raw / "cohort.csv"
    content = (FIXTURES / "cohort_ok.csv").read_bytes()
    target.write_bytes(content[:40])  # an export still being written
    (raw / "README.md").write_text("not data")
    assert arrivals.ready() == []  # first look: nothing is known to be steady
    target.write_bytes(content)  # grew since
    assert arrivals.ready() == []
    assert arrivals.ready() == [target]  # unchanged between two looks
    arrivals.handled([target])
    assert arrivals.ready() == []  # handled, and README is not data
    target.write_bytes(content + b"\n")  # corrected later: loaded again
    os.utime(target, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert arrivals.ready() == []
    assert arrivals.ready() == [target]


def _wait_for(process, text: str, seconds: float = 60) -> list[str]:
    lines, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if text in line:
            return lines
    raise AssertionError(f"no {text!r} within {seconds} s: {lines}")


def test_watch_loads_arrivals_reports_rejections_and_stops_cleanly(settings):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "watch", "--interval", "0.2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )
    try:
        _wait_for(process, "Surveillance de")
        (settings.raw_dir / "cohort_ok.csv").write_bytes((FIXTURES / "cohort_ok.csv").read_bytes())
        out = "".join(_wait_for(process, "À jour"))
        assert "5 of 5 rows loaded as cohort_results" in out and "1 fichier(s) chargé(s)" in out
        # readers see it: the snapshot was published
        snapshot = settings.warehouse.with_name("insertion.snapshot.duckdb")
        assert table_rows(snapshot, "select count(*) from landing_cohort_results") == [(5,)]
        (settings.raw_dir / "bad.csv").write_bytes((FIXTURES / "cohort_missing_column.csv").read_bytes())
        out = "".join(_wait_for(process, "À jour"))
        assert "0 fichier(s) chargé(s)" in out and "1 rejeté(s)" in out
        process.send_signal(signal.SIGTERM)
        rest, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0 and "Arrêté." in rest
    assert "bad.csv" in err and "column 'jury_date'" in err
    assert table_rows(settings.warehouse, "select count(*) from landing_cohort_results") == [(5,)]
