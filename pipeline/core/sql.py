"""Small helpers every floor uses to talk to DuckDB: one value, one literal."""

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
