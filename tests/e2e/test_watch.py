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
        assert "chargé en cohort_results, 5 lignes sur 5" in out and "1 fichier(s) chargé(s)" in out
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
    assert "bad.csv" in err and "colonne 'jury_date'" in err
    assert table_rows(settings.warehouse, "select count(*) from landing_cohort_results") == [(5,)]


def test_a_refused_file_never_blocks_the_others(settings):
    """Issue #24: a large file of bad rows is refused after its first rows, as a file, its quarantine left
    empty; while a long file is read and validated (its progress on stderr) the warehouse is free for
    another command, and a small file dropped meanwhile loads before the long one is done."""
    import queue
    import threading

    import duckdb

    from tests.models.test_large_files import HEADER, garbage, survey

    env = {**os.environ, "PYTHONUNBUFFERED": "1", "INSERTION_CHUNK_ROWS": "1000", "INSERTION_WORKERS": "2"}
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "watch", "--interval", "0.2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )
    errors: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [errors.put(line) for line in process.stderr], daemon=True).start()
    raw = settings.raw_dir
    try:
        _wait_for(process, "Surveillance de")
        (raw / "enquete_corrompue.csv").write_text(HEADER + garbage(100_000), encoding="utf-8")
        (raw / "cohort_ok.csv").write_bytes((FIXTURES / "cohort_ok.csv").read_bytes())
        out = "".join(_wait_for(process, "À jour", 120))
        assert "chargé en cohort_results, 5 lignes sur 5" in out
        assert "1 fichier(s) chargé(s), 0 déjà là, 1 rejeté(s)" in out
        (raw / "enquete_longue.csv").write_text(survey(20_000), encoding="utf-8")  # 20 chunks
        seen = [errors.get(timeout=120)]
        while "enquete_longue.csv : " not in seen[-1]:  # a worker is reading it
            seen.append(errors.get(timeout=120))
        assert "lignes lues (" in seen[-1] and "lignes/s, " in seen[-1] and " %)" in seen[-1]
        duckdb.connect(str(settings.warehouse)).close()  # the watcher does not hold the warehouse
        (raw / "survey_ok.csv").write_bytes((FIXTURES / "survey_ok.csv").read_bytes())
        out = "".join(_wait_for(process, "À jour", 300))
        assert out.index("survey_ok.csv : chargé") < out.index(
            "enquete_longue.csv : chargé en survey_answers, 20000 lignes sur 20000"
        )
        assert "2 fichier(s) chargé(s), 0 déjà là, 0 rejeté(s)" in out
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
    finally:
        process.kill()
    rest = "".join(seen) + "".join(iter(lambda: errors.get() if not errors.empty() else "", ""))
    assert "enquete_corrompue.csv, ligne 2, colonne 'Code RNCP' : fichier refusé" in rest
    assert "Traceback" not in rest
    assert table_rows(
        settings.warehouse,
        "select status, rows_read from load_log where file_name = 'enquete_corrompue.csv'",
    ) == [("rejected", 1000)]
    assert table_rows(
        settings.warehouse, "select count(*) from quarantine where file_name = 'enquete_corrompue.csv'"
    ) == [(0,)]
    assert table_rows(settings.warehouse, "select count(*) from landing_survey_answers") == [(20_003,)]
