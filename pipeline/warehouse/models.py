"""The warehouse's SQL models: schema, staging views, job-title matches and marts, and the settings
recorded with them.

Functions take the connection as a parameter. SQL lives in ``sql/``: ``schema/`` (tables that keep
history), ``staging/`` (views that rename, cast and de-duplicate) and ``marts/`` (indicators), run in
file-name order.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import re
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.core.config import RECORDED, Settings, setting_text
from pipeline.core.sql import scalar, sql_literal
from pipeline.warehouse import matching
from pipeline.warehouse.db import content_hash

SQL_DIR = Path(__file__).parent / "sql"
LAYERS = ("schema", "staging", "marts")


def sql_files(layer: str) -> list[Path]:
    return sorted((SQL_DIR / layer).glob("*.sql"))


SCOPED = "-- scope: certification_code"
_TABLE = re.compile(r"^create or replace table (\w+) as\s+(.*?)[;\s]*\Z", re.S | re.M)


# What the per-certification tables read; fct_* are read by later marts after being refreshed.
SCOPED_SOURCES = (
    "landing_cohort_results",
    "landing_survey_answers",
    "landing_cdc_passages",  # issue #27
    "fct_certified",
    "fct_survey_attachments",
    "fct_survey_responses",
)


def scoped_tables() -> tuple[str, ...]:
    """The per-certification tables of the marts (marked ``-- scope: certification_code``)."""
    found = []
    for path in sql_files("marts"):
        sql = path.read_text(encoding="utf-8")
        match = _TABLE.search(sql) if SCOPED in sql else None
        if match:
            found.append(match.group(1))
    return tuple(found)


@functools.cache
def mart_query(table: str) -> str:
    """The query a mart file writes into ``table`` (markers expanded), to compute the same figures over
    fewer rows: a partner's conditions of employment (issue #16, ``pipeline/reports/conditions.py``)."""
    from pipeline.indicators import expand

    for path in sql_files("marts"):
        match = _TABLE.search(expand(path.read_text(encoding="utf-8")))
        if match and match.group(1) == table:
            return match.group(2)
    raise KeyError(f"no mart writes the table {table}")


def run_layer(con: duckdb.DuckDBPyConnection, layer: str, scope: list[str] | None = None) -> None:
    """Run the SQL files of a layer. With ``scope`` (certification codes), the tables marked
    ``-- scope: certification_code`` are only refreshed for those certifications: their rows are deleted,
    then the same query runs with its sources shadowed, for this connection only, by temporary views of
    the scope's rows (so every scan, join and ranking works on those rows alone)."""
    from pipeline.indicators import expand

    if scope is None:
        for path in sql_files(layer):
            con.execute(expand(path.read_text(encoding="utf-8")))
        return
    db = scalar(con, "select current_database()")
    codes = ", ".join(map(sql_literal, scope)) or "null"
    try:
        for source in SCOPED_SOURCES:
            con.execute(
                f'create or replace temp view {source} as select * from "{db}".main.{source} '
                f"where certification_code in ({codes})"
            )
        for path in sql_files(layer):
            sql = expand(path.read_text(encoding="utf-8"))
            match = _TABLE.search(sql) if SCOPED in sql else None
            if match is None:
                con.execute(sql)
                continue
            table, query = match.groups()
            con.execute(f'delete from "{db}".main.{table} where certification_code in ({codes})')
            con.execute(
                f'insert into "{db}".main.{table} by name '
                f"select * from ({query}) where certification_code in ({codes})"
            )
    finally:
        for source in SCOPED_SOURCES:
            con.execute(f"drop view if exists temp.main.{source}")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the history tables, landing tables and macros when missing (never drops anything), and
    upgrade a warehouse written by an earlier version."""
    run_layer(con, "schema")
    _upgrade_candidate_hash(con)
    _upgrade_views_to_tables(con)


# Marts that were views in earlier versions and are tables now (the next build creates them).
NOW_TABLES = ("statistics_by_route", "titles_to_review")


def _upgrade_views_to_tables(con: duckdb.DuckDBPyConnection) -> None:
    for name in NOW_TABLES:
        if scalar(
            con,
            "select count(*) from information_schema.tables where table_name = ? and table_type = 'VIEW' "
            "and table_schema = 'main' and table_catalog = current_database()",
            [name],
        ):
            con.execute(f"drop view {name}")


def _upgrade_candidate_hash(con: duckdb.DuckDBPyConnection) -> None:
    """Warehouses written before November 2026 hold ``candidate_hash`` as 64 hex characters: keep their
    first 128 bits as ``uuid``, the value new loads compute, so people still link across old and new
    files (in one transaction: all tables or none)."""
    tables = [
        name
        for (name,) in con.execute(
            "select c.table_name from information_schema.columns as c "
            "join information_schema.tables as t using (table_catalog, table_schema, table_name) "
            "where c.column_name = 'candidate_hash' and c.data_type = 'VARCHAR' "
            "and t.table_type = 'BASE TABLE' and c.table_schema = 'main' "
            "and c.table_catalog = current_database()"
        ).fetchall()
    ]
    if not tables:
        return
    con.execute("begin transaction")
    try:
        for table in tables:
            con.execute(
                f"alter table {table} alter candidate_hash type uuid using left(candidate_hash, 32)::uuid"
            )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


# What the per-certification tables read besides their certification's rows: when one of these changes,
# an incremental refresh would leave the other certifications stale, so everything is rebuilt.
GLOBAL_INPUTS = ("ref_certifications", "ref_target_jobs", "ref_partners")  # ref_partners: issue #16


def _settings_rows(settings: Settings) -> list[tuple[str, str]]:
    return [(key, setting_text(getattr(settings, key))) for key in RECORDED]


def write_settings(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    for key, text in _settings_rows(settings):
        con.execute("insert or replace into settings values (?, ?)", [key, text])


def inputs_digest(con: duckdb.DuckDBPyConnection, settings: Settings) -> str:
    """A digest of the settings and interim reference rows the marts read for every certification."""
    return hashlib.sha256(
        (repr(_settings_rows(settings)) + content_hash(con, GLOBAL_INPUTS)).encode()
    ).hexdigest()


def pending(con: duckdb.DuckDBPyConnection) -> tuple[bool, list[str] | None]:
    """(anything pending, scope): the certifications of loads committed without their refresh (a load
    killed before it; table ``pending_refresh``); scope None when a referential is among them."""
    rows = con.execute("select distinct certification_code from pending_refresh").fetchall()
    if not rows:
        return False, []
    codes = [code for (code,) in rows]
    return True, (None if None in codes else sorted(codes))


def with_pending(con: duckdb.DuckDBPyConnection, scope: list[str] | None) -> list[str] | None:
    """``scope`` widened to the certifications of every pending load."""
    waiting, codes = pending(con)
    if not waiting:
        return scope
    if scope is None or codes is None:
        return None
    return sorted(set(scope) | set(codes))


def build_models(con: duckdb.DuckDBPyConnection, settings: Settings, scope: list[str] | None = None) -> None:
    """Rebuild staging views, job-title matches and marts from the landing tables, in one transaction.

    ``scope``: the certifications whose cohort or survey rows changed (an incremental load); only their
    rows of the per-certification tables are rebuilt. None rebuilds everything (``insertion build``,
    referential loads, reviews), and so does a change of the settings or interim reference rows since
    the last build (:func:`inputs_digest`)."""
    if scope is not None:
        scope = with_pending(con, scope)
    digest = inputs_digest(con, settings)
    if scope is not None and (
        scalar(
            con,
            "select count(*) from information_schema.tables where list_contains(?, table_name) "
            "and table_type = 'BASE TABLE'",
            [list(scoped_tables())],
        )
        < len(scoped_tables())
        or scalar(con, "select max(value) from settings where key = 'marts_inputs'") != digest
    ):
        scope = None  # first build, or global inputs changed: nothing to refresh in place
    con.execute("begin transaction")
    try:
        write_settings(con, settings)
        run_layer(con, "staging")
        matching.refresh(con, scope)
        run_layer(con, "marts", scope)
        con.execute("insert or replace into settings values ('marts_inputs', ?)", [digest])
        con.execute("delete from pending_refresh")  # the scope covers every pending load (see pending())
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


# the partner is part of the marts' grain (issue #16) but not of declared figures (summed over partners)
PARTNER_COLUMNS = ("partner_siret", "partner_name")


@contextlib.contextmanager
def marts_of(people: pd.DataFrame, answers: pd.DataFrame):
    """A private in-memory database where the warehouse's own SQL models (the macros, ``marts/04``, ``05``
    and ``40``) ran on recorded people (``fct_certified`` rows) and answers (``fct_survey_responses``
    rows) alone: how a declaration's figures are proven months later."""
    from pipeline.indicators import expand

    mem = duckdb.connect()
    try:
        mem.execute("create table settings (key varchar primary key, value varchar)")  # read by macros
        mem.execute((SQL_DIR / "schema" / "20_macros.sql").read_text(encoding="utf-8"))
        # the identities are not needed to count (and uuid objects do not round-trip through pandas)
        mem.register("people_rows", people.drop(columns=["candidate_hash"]))
        mem.register("answer_rows", answers.drop(columns=["candidate_hash"]))
        # recorded rows without a partner count as one partner
        for table, rows, frame in (
            ("fct_certified", "people_rows", people),
            ("fct_survey_responses", "answer_rows", answers),
        ):
            missing = [c for c in PARTNER_COLUMNS if c not in frame.columns]
            extra = "".join(f", null::varchar as {c}" for c in missing)
            mem.execute(f"create table {table} as select *{extra} from {rows}")
        for name in ("04_mart_outcome_counts", "05_statistics_by_route", "40_mart_employment_conditions"):
            mem.execute(expand((SQL_DIR / "marts" / f"{name}.sql").read_text(encoding="utf-8")))
        yield mem
    finally:
        mem.close()
