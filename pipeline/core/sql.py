"""Small helpers every floor uses to talk to DuckDB: one value, one literal, and the one clock given to SQL."""

from __future__ import annotations

import duckdb


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """The single value of a query. (DuckDB 2.0: ``fetchone`` leaves the result open and blocks the
    connection, so fetch everything.)"""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def sql_literal(value: object) -> str:
    """A SQL string literal for ``value`` (quotes doubled), for the few places where DuckDB takes no
    parameter: file paths in COPY/ATTACH/read_parquet, constant lists the planner can push down."""
    return "'" + str(value).replace("'", "''") + "'"


def set_today(con: duckdb.DuckDBPyConnection) -> None:
    """Give SQL the one clock (:func:`pipeline.core.clock.today`): the macro ``insertion_today()``
    (pipeline/warehouse/sql/schema/20_macros.sql) reads this connection's variable when ``INSERTION_TODAY`` is set, else
    ``current_date``. Each connection and cursor has its own variables: call it on each."""
    from pipeline.core import clock

    day = clock.fixed()
    if day is not None:
        con.execute("set variable insertion_today = ?::date", [day.isoformat()])
