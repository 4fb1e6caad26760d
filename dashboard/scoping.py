"""Row scoping of the dashboard's reads (issue #16): what a partner account may see of the snapshot.

For a restricted :class:`pipeline.core.accounts.Scope` (a partner), :func:`create` builds, once per snapshot
version and scope, a schema of the in-memory database that shadows EVERY table and view of the snapshot
with a view of the same name and columns:

- a relation with a ``partner_siret`` column: ``select * … where partner_siret in (select siret from
  <schema>.scope_sirets)``, the SIRET being inserted into that table with bound parameters;
- any other relation: ``select * … where false`` (deny by default: no row until the relation says whose
  it is).

The snapshot's macros are recreated in the schema, and the reader's cursor is pointed at it (``use``):
every query of the dashboard — ``dashboard/sql`` files, the pipeline's query functions, the renewal pack —
then runs unchanged and sees only the partner's rows; a name missing from the schema is an error, never
a fallback to the unfiltered snapshot. A mart that gains ``partner_siret`` is filtered from the next
snapshot on, with no change here.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline.core.accounts import Scope

PARTNER_COLUMN = "partner_siret"
SQL = Path(__file__).parent / "sql" / "scope"


def schema_name(scope: Scope) -> str:
    return f"scope_{scope.key}"


def create(base: duckdb.DuckDBPyConnection, alias: str, scope: Scope) -> str:
    """Create the scoped schema of ``scope`` over the snapshot attached as ``alias``; its qualified name."""
    schema = f"memory.{schema_name(scope)}"
    base.execute(f"create schema {schema}")
    sirets = f"{schema}.scope_sirets"
    base.execute(f"create table {sirets} (siret varchar)")
    base.execute(f"insert into {sirets} select unnest(?::varchar[])", [sorted(scope.sirets)])
    for name, kind, parameters, definition in base.execute(_text("macros"), [alias]).fetchall():
        table = "table " if kind == "table_macro" else ""
        params = ", ".join(_quote(p) for p in parameters)
        base.execute(f"create macro {schema}.{_quote(name)}({params}) as {table}{definition}")
    template = {True: _text("partner_view"), False: _text("denied_view")}
    for source_schema, name, has_partner in base.execute(
        _text("relations"), [PARTNER_COLUMN, alias]
    ).fetchall():
        if source_schema != "main":  # only main is shadowed: refuse rather than leave a way around
            raise RuntimeError(f"scoped reading: {alias}.{source_schema}.{name} is outside schema main")
        base.execute(
            template[bool(has_partner)].format(
                view=f"{schema}.{_quote(name)}",
                source=f"{alias}.main.{_quote(name)}",
                sirets=sirets,
            )
        )
    return schema


def _text(name: str) -> str:
    return (SQL / f"{name}.sql").read_text(encoding="utf-8")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
