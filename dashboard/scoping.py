"""Row scoping of the dashboard's reads (issue #16): what a partner account may see of the snapshot.

For a restricted :class:`pipeline.core.accounts.Scope` (a partner), :func:`create` builds, once per snapshot
version and scope, a schema of the in-memory database that shadows EVERY table and view of the snapshot
with a view of the same name and columns:

- a relation with a ``partner_siret`` column: ``select * … where partner_siret in (select siret from
  <schema>.scope_sirets)``, the SIRET being inserted into that table with bound parameters;
- a public relation, named in the read model's list (:data:`pipeline.reports.scope.PUBLIC_RELATIONS`: the
  fiche's public facts — title, certifiers, ROME codes, dates, published statistics): a public table
  whole; a public view defined again in the schema from its definition, so that every relation it reads
  is the partner's (``certification_summary``: every fiche of the referential, but of the certifications
  known from people's rows only the partner's). A public relation with a column of people's or partners'
  rows (``partner_siret``, ``candidate_hash``) is refused: the snapshot is not served;
- any other relation: ``select * … where false`` (deny by default: no row until the relation says whose
  it is).

The snapshot's macros are recreated in the schema, and the reader's cursor is pointed at it (``use``):
every query of the dashboard — ``pipeline/reports/sql/dashboard`` queries, the pipeline's query functions, the renewal pack —
then sees only the partner's rows (the read model's functions, given the partner's scope, also filter
on its SIRET themselves and read its figures where the certification's have no partner column); a name missing from the schema is an error, never
a fallback to the unfiltered snapshot. A mart that gains ``partner_siret`` is filtered from the next
snapshot on, with no change here.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from pipeline.core.accounts import Scope
from pipeline.reports.scope import PEOPLE_COLUMNS, PUBLIC_RELATIONS

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
    public_views = []
    for source_schema, name, has_partner, has_people, definition in base.execute(
        _text("relations"), [PARTNER_COLUMN, list(PEOPLE_COLUMNS), alias]
    ).fetchall():
        if source_schema != "main":  # only main is shadowed: refuse rather than leave a way around
            raise RuntimeError(f"scoped reading: {alias}.{source_schema}.{name} is outside schema main")
        view, source = f"{schema}.{_quote(name)}", f"{alias}.main.{_quote(name)}"
        if name in PUBLIC_RELATIONS:
            if has_people:
                raise RuntimeError(f"scoped reading: the public relation {name} holds people's rows")
            if definition is not None:
                public_views.append((view, name, definition))  # once every relation it may read exists
                continue
            base.execute(_text("public_view").format(view=view, source=source))
            continue
        base.execute(template[bool(has_partner)].format(view=view, source=source, sirets=sirets))
    for view, name, definition in public_views:
        base.execute(f"create view {view} as {_view_query(name, definition)}")
    return schema


_CREATE_VIEW = re.compile(r'\A\s*create\s+view\s+("(?:[^"]|"")+"|\w+)\s+as\s+(.*?)[\s;]*\Z', re.I | re.S)


def _view_query(name: str, definition: str) -> str:
    """The query of a view from its ``create view NAME as …`` text (refused when it is not that form)."""
    match = _CREATE_VIEW.match(definition)
    if match is None or match.group(1).strip('"').replace('""', '"').lower() != name.lower():
        raise RuntimeError(f"scoped reading: the definition of the public view {name} is not understood")
    return match.group(2)


def _text(name: str) -> str:
    return (SQL / f"{name}.sql").read_text(encoding="utf-8")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
