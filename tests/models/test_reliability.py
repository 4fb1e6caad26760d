"""Nothing silently wrong after a lost key or a killed load; readers read the published snapshot."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys

import pytest

from pipeline.load.gate import Gate
from pipeline.load.ingest import ingest_file
from pipeline.load.pseudonymise import fingerprint, warehouse_key
from pipeline.warehouse import db as warehouse
from pipeline.warehouse import models
from tests.helpers import FIXTURES, killed_at, table_rows


def test_first_load_records_the_key_fingerprint_never_the_key(cli, settings):
    assert cli("ingest", FIXTURES / "cohort_ok.csv")[0] == 0
    key = settings.key_file.read_text().strip()
    rows = dict(table_rows(settings.warehouse, "select key, value from settings"))
    assert rows["key_fingerprint"] == fingerprint(key.encode())
    assert all(key not in str(v) for v in rows.values())


def test_a_lost_key_is_refused_and_no_new_key_is_created(cli, settings, warehouse_after):
    warehouse_after(("ingest", FIXTURES / "cohort_ok.csv"))  # a loaded warehouse (a copy, made once per run)
    saved = settings.key_file.read_bytes()
    settings.key_file.unlink()
    before = table_rows(settings.warehouse, "select count(*) from landing_survey_answers")
    code, out, err = cli("ingest", FIXTURES / "survey_ok.csv")
    assert code == 2
    assert "Clé de pseudonymisation introuvable" in err and str(settings.key_file) in err
    assert "README" in err and fingerprint(saved.strip()) in err
    assert not settings.key_file.exists()  # no new key
    assert table_rows(settings.warehouse, "select count(*) from landing_survey_answers") == before
    code, _, err = cli("validate")
    assert code == 1 and "introuvable" in err
    # the right key restored: the load goes through and links its answers
    settings.key_file.write_bytes(saved)
    assert cli("ingest", FIXTURES / "survey_ok.csv")[0] == 0
    linked = table_rows(settings.warehouse, "select count(*) from fct_survey_responses")[0][0]
    assert linked > 0


def test_another_key_is_refused(cli, settings, warehouse_after):
    warehouse_after(("ingest", FIXTURES / "cohort_ok.csv"))  # a loaded warehouse (a copy, made once per run)
    settings.key_file.write_text("ab" * 32 + "\n")
    code, _, err = cli("ingest", FIXTURES / "survey_ok.csv")
    assert code == 2 and "n'est pas celle de cet entrepôt" in err
    assert table_rows(settings.warehouse, "select count(*) from landing_survey_answers") == [(0,)]
    code, _, err = cli("build")
    assert code == 2 and "n'est pas celle" in err


def test_a_new_warehouse_gets_a_new_key(settings):
    con = warehouse.connect(settings.warehouse)
    models.ensure_schema(con)
    assert not settings.key_file.exists()
    key = warehouse_key(con, settings.key_file)
    assert settings.key_file.exists() and len(key) == 64
    con.close()


def statistics(path) -> list[tuple]:
    return table_rows(path, "select * from certification_statistics order by all")


def test_a_load_killed_before_its_refresh_is_finished_by_the_next_command(
    cli, settings, tmp_path, warehouse_after
):
    """The rows and the load_log line of a file committed, the marts not refreshed (as when `ingest` is
    killed right after its « loaded » line): the next command refreshes first, and the figures are the
    clean run's."""
    clean = tmp_path / "clean"
    warehouse_after(("ingest", FIXTURES / "cohort_ok.csv"))  # a loaded warehouse (a copy, made once per run)
    shutil.copytree(settings.warehouse.parent, clean)
    assert cli("ingest", FIXTURES / "survey_ok.csv")[0] == 0
    expected = statistics(settings.warehouse)

    shutil.rmtree(settings.warehouse.parent)
    shutil.copytree(clean, settings.warehouse.parent)
    con = warehouse.connect(settings.warehouse)
    models.ensure_schema(con)
    report = ingest_file(con, FIXTURES / "survey_ok.csv", settings, gate=Gate(settings))
    assert report.status == "loaded"
    assert models.pending(con)[0]
    con.close()  # killed here: no refresh, no snapshot
    assert statistics(settings.warehouse) != expected

    code, out, err = cli("ingest", FIXTURES / "survey_ok.csv")  # « already loaded », and the refresh
    assert code == 0 and "chargement interrompu" in out
    assert statistics(settings.warehouse) == expected
    assert table_rows(settings.warehouse, "select count(*) from pending_refresh") == [(0,)]


def test_an_unload_killed_before_its_refresh_is_finished_by_the_next_command(cli, settings, warehouse_after):
    """Issue #24: `insertion unload` killed (SIGKILL, a real process) right after committing the removal,
    before recomputing the figures and publishing: the next command finishes both, and the figures are
    those of a warehouse that never had the file."""
    warehouse_after(("ingest", FIXTURES / "cohort_ok.csv"))  # a loaded warehouse (a copy, made once per run)
    expected = statistics(settings.warehouse)
    assert cli("ingest", FIXTURES / "survey_ok.csv")[0] == 0
    with_file = statistics(settings.warehouse)
    assert with_file != expected

    killed_at("unload_committed", "unload", FIXTURES / "survey_ok.csv", "--by", "C. Moreau", "--why", "essai")
    # the removal is committed with its log and its mark; the figures and the snapshot are not refreshed
    assert table_rows(settings.warehouse, "select count(*) from landing_survey_answers") == [(0,)]
    assert table_rows(settings.warehouse, "select unloaded_by, reason from unload_log") == [
        ("C. Moreau", "essai")
    ]
    assert table_rows(settings.warehouse, "select distinct certification_code from pending_refresh") == [
        ("RNCP34179",)
    ]
    assert statistics(settings.warehouse) == with_file
    assert statistics(settings.snapshot) == with_file

    code, out, err = cli("stats", "RNCP34179")  # a reader: refreshes, publishes, then reads
    assert code == 0 and "rafraîchissement" in err
    assert statistics(settings.warehouse) == expected
    assert statistics(settings.snapshot) == expected
    assert table_rows(settings.warehouse, "select count(*) from pending_refresh") == [(0,)]
    assert table_rows(settings.snapshot, "select count(*) from unload_log") == [(1,)]


def test_a_reader_finishes_a_pending_refresh_and_reads_the_snapshot(cli, settings, tmp_path, warehouse_after):
    warehouse_after(("ingest", FIXTURES / "cohort_ok.csv"))  # a loaded warehouse (a copy, made once per run)
    con = warehouse.connect(settings.warehouse)
    ingest_file(con, FIXTURES / "survey_ok.csv", settings, gate=Gate(settings))
    con.close()
    code, out, err = cli("stats", "RNCP34179")
    assert code == 0 and "rafraîchissement" in err and "Données publiées le" in err
    assert table_rows(settings.warehouse, "select count(*) from pending_refresh") == [(0,)]
    assert statistics(settings.snapshot) == statistics(settings.warehouse)


@contextlib.contextmanager
def writer_holding(path):
    """Another process holding the warehouse for writing, as a running build does."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('ok', flush=True); time.sleep(120)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "ok"
        yield
    finally:
        proc.kill()
        proc.wait()


def test_readers_do_not_wait_for_a_writer(cli, settings, warehouse_after):
    warehouse_after(("ingest", FIXTURES / "cohort_ok.csv"))  # a loaded warehouse (a copy, made once per run)
    with writer_holding(settings.warehouse):
        code, out, err = cli("stats", "RNCP34179")
        assert code == 0 and "2018" in out and "Données publiées le" in err
        code, out, _ = cli("sql", "select count(*) as n from fct_certified")
        assert code == 0 and "n" in out


@pytest.mark.parametrize("command", [("titles",), ("quality",), ("certification", "RNCP34179")])
def test_other_readers_read_the_snapshot_too(cli, settings, command, warehouse_after):
    warehouse_after(("ingest", FIXTURES / "cohort_ok.csv"))  # a loaded warehouse (a copy, made once per run)
    with writer_holding(settings.warehouse):
        code, _, err = cli(*command)
        assert code == 0, err
