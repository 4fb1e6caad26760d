"""Analysts' SQL (pipeline/reports/usersql.py): what is refused, what the connection cannot do, the limits, the
worker processes of the dashboard and `insertion sql`."""

from __future__ import annotations

import io
import shutil
import sys
import threading
import time

import duckdb
import pytest

from pipeline.core.exports import BOM
from pipeline.reports import usersql

CROSS_JOIN = "select count(*) from range(100000) a, range(1000000) b"  # minutes of work on one thread


@pytest.fixture(scope="module")
def snapshot(sample_warehouse):
    return sample_warehouse.snapshot


def run(snapshot, sql, seconds=10.0, max_rows=1000, max_bytes=2_000_000, **kw):
    return usersql.execute(snapshot, sql, seconds, max_rows, max_bytes, **kw)


# ------------------------------------------------------------------------------------------ the check


@pytest.mark.parametrize(
    "sql, kind",
    [
        ("select certification_code from fct_certified", "SELECT"),
        ("from certification_statistics", "SELECT"),
        ("with x as (select 1 as a) select * from x", "SELECT"),
        ("describe fct_certified", "SELECT"),
        ("summarize fct_certified", "SELECT"),
        ("select * from duckdb_tables()", "SELECT"),
        ("explain select 1", "EXPLAIN"),
        ("/* plan */ EXPLAIN ANALYZE select count(*) from fct_certified;", "EXPLAIN ANALYZE"),
    ],
)
def test_reads_are_accepted(sql, kind):
    assert usersql.check(sql).kind == kind


@pytest.mark.parametrize(
    "sql, received",
    [
        (
            "explain analyze create table memory.main.big as select * from range(100)",
            "EXPLAIN ANALYZE CREATE",
        ),
        ("explain analyze copy (select 1) to 'x.csv'", "EXPLAIN ANALYZE COPY"),
        ("explain insert into load_log select * from load_log", "EXPLAIN INSERT"),
        ("explain analyse delete from load_log", "EXPLAIN ANALYZE DELETE"),
        ("create table memory.main.t as select 1", "CREATE"),
        ("copy (select 1) to 'x.csv'", "COPY"),
        ("attach ':memory:' as m", "ATTACH"),
        ("install httpfs", "LOAD"),
        ("load httpfs", "LOAD"),
        ("set threads = 8", "SET"),
        ("pragma database_list", "PRAGMA"),
        ("call duckdb_settings()", "CALL"),
        ("select 1; select 2", "SELECT, SELECT"),
        ("select 1; drop table load_log", "SELECT, DROP"),
    ],
)
def test_anything_but_a_read_is_refused_naming_what_was_received(sql, received):
    with pytest.raises(usersql.QueryRefused, match=f"reçu : {received}"):
        usersql.check(sql)


@pytest.mark.parametrize(
    "sql, name",
    [
        ("select current_setting('temp_directory')", "current_setting"),
        ("select * from duckdb_settings()", "duckdb_settings"),
        ("select * from duckdb_databases()", "duckdb_databases"),
        ("select path from duckdb_databases", "duckdb_databases"),
        ("select * from pragma_database_list", "pragma_database_list"),
        ("select * from pg_catalog.pg_settings", "pg_settings"),
        ("select * from duckdb_temporary_files()", "duckdb_temporary_files"),
        ("select * from duckdb_extensions()", "duckdb_extensions"),
        ("select * from duckdb_secrets()", "duckdb_secrets"),
        ("select * from duckdb_memory()", "duckdb_memory"),
        ("select getenv('HOME')", "getenv"),
        ("select * from query('select current_setting(''threads'')')", "query"),
        ("select * from read_csv('/etc/passwd')", "read_csv"),
        # hidden in a CTE, a subquery, a lambda, a DESCRIBE/SUMMARIZE, an EXPLAIN ANALYZE
        ("with s as (select current_setting('threads') v) select * from s", "current_setting"),
        ("select (select max(path) from duckdb_databases())", "duckdb_databases"),
        ("select list_transform([1], x -> current_setting('threads'))", "current_setting"),
        ("describe duckdb_databases", "duckdb_databases"),
        ("summarize select * from duckdb_settings()", "duckdb_settings"),
        ("explain analyze select * from duckdb_settings()", "duckdb_settings"),
    ],
)
def test_settings_and_paths_are_refused(sql, name):
    with pytest.raises(usersql.QueryRefused, match=name):
        usersql.check(sql)


def test_every_function_and_view_of_this_duckdb_that_shows_a_path_is_refused(snapshot, tmp_path):
    """Scan the installed DuckDB: attach the snapshot under a recognisable path with a recognisable
    temporary folder, call every table function without arguments and read every system view; each
    one whose output or error shows the path must be refused by the check."""
    folder = tmp_path / "MARKER_folder"
    folder.mkdir()
    shutil.copyfile(snapshot, folder / "snap.duckdb")
    con = duckdb.connect()
    con.execute(f"attach '{folder / 'snap.duckdb'}' as snap (read_only)")
    con.execute(f"set temp_directory = '{tmp_path / 'MARKER_tmp'}'")
    con.execute("set enable_external_access = false")
    candidates = [
        f"select * from {name}() limit 10000"
        for (name,) in con.execute(
            "select distinct function_name from duckdb_functions() "
            "where function_type = 'table' and (parameters = [] or parameters is null)"
        ).fetchall()
    ] + [
        f"select * from {schema}.{name}"
        for schema, name in con.execute(
            "select schema_name, view_name from duckdb_views() where internal"
        ).fetchall()
    ]
    revealing = []
    for sql in candidates:
        try:
            shown = str(con.execute(sql).fetchall())
        except duckdb.Error as exc:
            shown = str(exc)
        if "MARKER" in shown or str(tmp_path) in shown or "/root" in shown or "/home" in shown:
            revealing.append(sql)
    con.close()
    assert "select * from duckdb_databases() limit 10000" in revealing  # the scan does find them
    accepted = []
    for sql in revealing:
        try:
            usersql.check(sql)
            accepted.append(sql)
        except usersql.QueryRefused:
            pass
    assert accepted == []
    assert not (tmp_path / "MARKER_tmp").exists()


# ------------------------------------------------------------------------------------- the connection


def test_the_connection_writes_nothing_anywhere(snapshot, tmp_path, monkeypatch):
    """Past the check (a raw connection): no table in the snapshot or a `memory` database, no COPY,
    no spill, no setting changed."""
    monkeypatch.chdir(tmp_path)  # DuckDB's default temporary folder is .tmp in the working directory
    con = usersql.connect(snapshot, memory_limit="100MB")
    out = tmp_path / "x.csv"
    for sql in [
        "create table t as select 1",
        "create table memory.main.t as select 1",
        "explain analyze create table memory.main.t as select 1",
        f"copy (select 1) to '{out}'",
        f"explain analyze copy (select 1) to '{out}'",
        f"attach '{tmp_path / 'other.duckdb'}' as other",
        "set temp_directory = '/tmp'",
        "set enable_external_access = true",
        "set memory_limit = '10GB'",
        "install httpfs",
    ]:
        with pytest.raises(duckdb.Error):
            con.execute(sql)
    # a sort over the memory limit fails instead of spilling to disk
    with pytest.raises(duckdb.OutOfMemoryException):
        con.execute("select * from range(5000000) t(i) order by i::varchar || repeat('x', 50)").fetchall()
    settings = dict(con.execute("select name, value from duckdb_settings()").fetchall())
    con.close()
    assert settings["threads"] == "1" and settings["enable_external_access"] == "false"
    assert settings["lock_configuration"] == "true" and settings["temp_directory"] == ""
    assert list(tmp_path.iterdir()) == []


def test_out_of_memory_is_said_in_french(snapshot, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(usersql.QueryRefused, match=r"^Mémoire insuffisante \(limite 100MB\) : Out of Memory"):
        run(
            snapshot,
            "select * from range(5000000) t(i) order by i::varchar || repeat('x', 50)",
            memory_limit="100MB",
        )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "sql, start",
    [
        ("selec 1", "Erreur de syntaxe : erreur de syntaxe près de « selec »"),
        (
            "select * from no_such_table",
            "Table ou colonne inconnue : la table « no_such_table » n'existe pas",
        ),
        (
            "select no_such_column from fct_certified",
            "Table ou colonne inconnue : la colonne « no_such_column »",
        ),
        (
            "select 'abc'::integer",
            "Conversion impossible : impossible de convertir le texte « abc » en INT32",
        ),
        ("select * from '/etc/passwd'", "Table ou colonne inconnue"),
    ],
)
def test_errors_are_french_and_keep_duckdbs_text(snapshot, sql, start):
    with pytest.raises(usersql.QueryRefused) as caught:
        run(snapshot, sql)
    assert str(caught.value).startswith(start)


# ------------------------------------------------------------------------------------------ the limits


def test_row_and_byte_caps(snapshot):
    result = run(snapshot, "select * from range(5000)", max_rows=100)
    assert len(result.rows) == 100 and "100 premières lignes" in result.truncated
    result = run(snapshot, "select * from range(50)", max_rows=100)
    assert len(result.rows) == 50 and result.truncated is None
    # 100 rows of 1 MB: the fetch stops at the byte cap and says so
    result = run(snapshot, "select repeat('x', 1000000) as big from range(100)", max_bytes=2_000_000)
    assert len(result.rows) <= 2 and "Mo de texte" in result.truncated
    result = run(snapshot, "select repeat('é', 3000000) as big", max_bytes=2_000_000)
    assert result.rows == [] and "0 ligne" in result.truncated


def test_time_limit_in_process(snapshot):
    started = time.monotonic()
    with pytest.raises(usersql.QueryRefused, match="^Requête interrompue : plus de 1 secondes"):
        run(snapshot, CROSS_JOIN, seconds=1)
    assert time.monotonic() - started < 3


# -------------------------------------------------------------------------------------- the workers


def test_worker_runs_a_query_and_keeps_nothing(snapshot, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = usersql.run_isolated(
        snapshot,
        "select certification_code, count(*) as n from fct_certified group by 1 order by 1",
        10,
        1000,
        2_000_000,
    )
    assert result.columns == ["certification_code", "n"] and result.rows[0][0] == "RNCP34179"
    assert result.frame().shape == (len(result.rows), 2)
    with pytest.raises(usersql.QueryRefused, match="reçu : EXPLAIN ANALYZE CREATE"):
        usersql.run_isolated(
            snapshot, "explain analyze create table memory.main.big as select 1", 10, 1000, 2_000_000
        )
    with pytest.raises(usersql.QueryRefused, match="^Table ou colonne inconnue"):
        usersql.run_isolated(snapshot, "select * from big", 10, 1000, 2_000_000)
    assert list(tmp_path.iterdir()) == []
    assert usersql.running() == 0


def test_worker_time_limit_and_hard_kill(snapshot):
    started = time.monotonic()
    with pytest.raises(usersql.QueryRefused, match="^Requête interrompue : plus de 1 secondes"):
        usersql.run_isolated(snapshot, CROSS_JOIN, 1, 1000, 2_000_000)
    assert time.monotonic() - started < 1 + usersql.KILL_MARGIN
    # a worker that does not answer in time (here: no margin for its start-up) is killed
    started = time.monotonic()
    with pytest.raises(usersql.QueryRefused, match="processus de la requête arrêté"):
        usersql.run_isolated(snapshot, CROSS_JOIN, 0.2, 1000, 2_000_000, margin=0.0)
    assert time.monotonic() - started < 2
    assert usersql.running() == 0


def test_page_queries_stay_fast_while_two_user_queries_run_and_a_third_is_refused(snapshot):
    from dashboard import data

    wh = data.configure(snapshot)
    wh.query("select 1")  # the page's connection is open, as on a running server
    errors: list[str] = []

    def slow():
        try:
            usersql.run_isolated(snapshot, CROSS_JOIN, 6, 1000, 2_000_000)
        except usersql.QueryRefused as exc:
            errors.append(str(exc))

    workers = [threading.Thread(target=slow) for _ in range(2)]
    for w in workers:
        w.start()
    deadline = time.monotonic() + 5
    while usersql.running() < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.5)  # both workers started and are computing
    assert usersql.running() == 2
    started = time.monotonic()
    with pytest.raises(usersql.ServerBusy, match="réessayez"):
        usersql.run_isolated(snapshot, "select 1", 10, 1000, 2_000_000)
    assert time.monotonic() - started < 0.5  # refused at once, not queued
    latencies = []
    for i in range(5):
        started = time.monotonic()
        frame = wh.query(
            "select certification_code, count(*) as n from fct_certified where ? >= 0 group by 1",
            [i],  # a new parameter each time: not served from the cache
        )
        latencies.append(time.monotonic() - started)
        assert not frame.empty
    assert usersql.running() == 2, "the page queries were measured while both user queries ran"
    assert max(latencies) < 1.0, latencies
    for w in workers:
        w.join()
    assert errors == ["Requête interrompue : plus de 6 secondes."] * 2
    assert usersql.running() == 0


# ------------------------------------------------------------------------------------------- the CLI


def test_cli_csv_goes_through_the_product_csv_writer(sample_cli):
    code, out, err = sample_cli(
        "sql", "--format", "csv", "select '=HYPERLINK(\"http://x\")' as f, 88 as n, 'Chef; projet' as t"
    )
    assert code == 0, err
    assert out.startswith(BOM)  # not a terminal: for French Excel
    lines = out[1:].splitlines()
    assert lines[0] == "f;n;t"
    assert lines[1].startswith("\"'=HYPERLINK") and lines[1].endswith(';88;"Chef; projet"')


def test_cli_refusals_are_french_on_stderr_with_status_2(sample_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for sql, says in [
        ("explain analyze create table memory.main.t as select 1", "reçu : EXPLAIN ANALYZE CREATE"),
        (f"explain analyze copy (select 1) to '{tmp_path / 'x.csv'}'", "reçu : EXPLAIN ANALYZE COPY"),
        ("select current_setting('temp_directory')", "current_setting"),
        ("select * from duckdb_databases()", "duckdb_databases"),
        ("selec 1", "Erreur de syntaxe"),
    ]:
        code, out, err = sample_cli("sql", sql)
        assert code == 2 and out == "" and says in err, (sql, err)
    assert list(tmp_path.iterdir()) == []


def test_cli_time_limit_and_row_cap(sample_cli):
    started = time.monotonic()
    code, _, err = sample_cli("sql", "--timeout", "1", CROSS_JOIN)
    assert code == 2 and "Requête interrompue : plus de 1 secondes" in err
    assert time.monotonic() - started < 3
    code, out, err = sample_cli("sql", "--max-rows", "10", "--format", "json", "select * from range(100)")
    assert code == 0 and out.count("range") == 10 and "10 premières lignes" in err


def test_cli_reads_the_query_from_a_file_or_stdin(sample_cli, tmp_path, monkeypatch):
    query = "-- le nombre de certifiés\nselect count(*) as n\nfrom fct_certified\nwhere certification_code = 'RNCP34179'\n"
    path = tmp_path / "requete.sql"
    path.write_text(query, encoding="utf-8")
    code, out, err = sample_cli("sql", "--file", path, "--format", "json")
    assert code == 0 and out.strip() == '[{"n":46}]', err
    monkeypatch.setattr(sys, "stdin", io.StringIO(query))
    code, out, _ = sample_cli("sql", "-", "--format", "json")
    assert code == 0 and out.strip() == '[{"n":46}]'
    monkeypatch.setattr(sys, "stdin", io.StringIO(query))
    code, out, _ = sample_cli("sql", "--file", "-", "--format", "json")
    assert code == 0 and out.strip() == '[{"n":46}]'
    code, _, err = sample_cli("sql", "--file", tmp_path / "absent.sql")
    assert code == 2 and "Lecture impossible" in err
    code, _, err = sample_cli("sql", "select 1", "--file", path)
    assert code == 2 and "pas les deux" in err


def test_cli_help_has_examples(capsys):
    from pipeline.cli import main

    with pytest.raises(SystemExit):
        main(["sql", "--help"])
    text = capsys.readouterr().out
    assert "--timeout" in text and "--max-rows" in text and "--file" in text and "insertion sql -" in text


def test_a_query_past_the_memory_cap_fails_in_its_own_process(snapshot):
    """Issue #25: DuckDB's memory_limit is a target (a string_agg of 30 million values reached 1.9 GB of
    resident memory under 1 GB); the worker's address space is capped, so such a query fails instead."""
    started = time.monotonic()
    with pytest.raises(usersql.QueryRefused, match="Mémoire insuffisante"):
        usersql.run_isolated(
            snapshot, "select string_agg(i::varchar, ',') from range(30000000) t(i)", 60, 10, 2_000_000
        )
    assert time.monotonic() - started < 60
    assert usersql.running() == 0


def test_one_query_per_person_and_two_per_server_whatever_the_process(snapshot, tmp_path):
    """The slots are files locked by the kernel: a query held by another process counts."""
    import subprocess
    import sys

    from tests.helpers import ROOT

    hold = (
        "import sys, time\nfrom pathlib import Path\nfrom pipeline.core import slots\n"
        "from pipeline.reports import usersql\n"
        "folder = usersql.slots_folder(Path(sys.argv[1]))\n"
        "fd = slots.take(folder, slots.group_name('ana'), usersql.MAX_PER_USER)\n"
        "server = slots.take(folder, 'server', usersql.MAX_RUNNING)\n"
        "print('held', flush=True)\ntime.sleep(30)\n"
    )
    other = subprocess.Popen(
        [sys.executable, "-c", hold, str(snapshot)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert other.stdout.readline().strip() == "held"
        assert usersql.running_on_server(snapshot) == 1
        with pytest.raises(usersql.ServerBusy, match="Vous avez déjà une requête SQL en cours"):
            usersql.run_isolated(snapshot, "select 1", 10, 10, 1000, user="ana")
        assert usersql.run_isolated(snapshot, "select 1", 10, 10, 1000, user="chef").rows == [(1,)]
    finally:
        other.kill()
        other.wait()
    assert usersql.running_on_server(snapshot) == 0
    assert usersql.run_isolated(snapshot, "select 1", 10, 10, 1000, user="ana").rows == [(1,)]
