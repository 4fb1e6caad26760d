"""Row scoping where the dashboard reads (issue #16): dashboard/data.py's cursor for a partner reads
views of the snapshot filtered on partner_siret, the public relations of the read model whole, and no row
of any other relation without that column."""

from __future__ import annotations

import os
import shutil

import duckdb
import pytest

from dashboard import data
from pipeline.core.accounts import EVERYTHING, NOTHING, Scope
from pipeline.reports.scope import PEOPLE_COLUMNS, PUBLIC_RELATIONS

A, B = "12345678900015", "98765432100023"


def scope(*sirets: str) -> Scope:
    return Scope(restricted=True, sirets=frozenset(sirets))


@pytest.fixture
def snapshot(sample_warehouse, tmp_path):
    """A copy of the sample's snapshot: RNCP34179's outcome rows belong to A, the others to B."""
    path = tmp_path / "snap.duckdb"
    shutil.copyfile(sample_warehouse.snapshot, path)
    with duckdb.connect(str(path)) as con:
        con.execute("alter table mart_outcome_counts add column if not exists partner_siret varchar")
        con.execute(
            "update mart_outcome_counts set partner_siret = "
            "case when certification_code = 'RNCP34179' then ? else ? end",
            [A, B],
        )
    return path


def counts(wh, sql, s):
    return wh.query(sql, (), s)


def test_a_partner_reads_only_its_rows(snapshot):
    wh = data.Warehouse(snapshot)
    sql = "select partner_siret, sum(certified)::int as n from mart_outcome_counts group by 1 order by 1"
    everything = counts(wh, sql, EVERYTHING)
    assert everything["partner_siret"].tolist() == [A, B]
    with duckdb.connect(str(snapshot), read_only=True) as con:
        total_a = con.execute(
            "select sum(certified) from mart_outcome_counts where certification_code = 'RNCP34179'"
        ).fetchone()[0]
    assert counts(wh, sql, scope(A)).values.tolist() == [[A, total_a]]
    assert counts(wh, sql, scope(B))["partner_siret"].tolist() == [B]
    assert counts(wh, sql, scope(A, B))["partner_siret"].tolist() == [A, B]
    assert counts(wh, sql, NOTHING).empty  # a restricted scope without SIRET sees nothing
    assert counts(wh, sql, scope("x' or 1=1 --")).empty  # bound, never formatted into SQL
    # the cache is per scope: the same query and parameters, a different person, different rows
    assert counts(wh, sql, scope(A)).values.tolist() == [[A, total_a]]
    assert len(counts(wh, sql, EVERYTHING)) == 2


def test_every_relation_without_the_column_returns_nothing_with_its_columns(snapshot):
    """… but the public ones (the fiche's facts), which a partner reads whole."""
    wh = data.Warehouse(snapshot)
    with duckdb.connect(str(snapshot), read_only=True) as con:
        relations = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() union all "
                "select view_name from duckdb_views() where not internal"
            ).fetchall()
        ]
    assert len(relations) > 30
    partner = scope(A)
    for name in relations:
        everything = wh.query(f'select * from "{name}" limit 5')
        mine = wh.query(f'select * from "{name}" limit 5', (), partner)
        assert list(mine.columns) == list(everything.columns), name
        if name == "mart_outcome_counts":
            assert not mine.empty and set(mine["partner_siret"]) == {A}
        elif name in PUBLIC_RELATIONS:
            assert not set(PEOPLE_COLUMNS) & set(mine.columns), name
            whole = f'select * from "{name}" order by all'
            assert wh.query(whole, (), partner).equals(wh.query(whole)), name
        else:
            assert mine.empty, name
    assert set(PUBLIC_RELATIONS) <= set(relations)  # the list names relations that exist


def test_a_public_view_reads_the_partners_relations_and_people_are_never_public(snapshot, monkeypatch):
    """certification_summary is defined again in the partner's schema: the codes it takes from people's
    rows are the partner's; a relation with people's rows in the public list stops the scoped reading."""
    with duckdb.connect(str(snapshot)) as con:
        con.execute(
            "insert into mart_outcome_counts (certification_code, year, access_route, site, certified, "
            "partner_siret) values ('RNCP99999', 2020, 'FI', 'Lyon', 3, ?)",
            [B],
        )
    wh = data.Warehouse(snapshot)
    sql = "select certification_code from certification_summary order by 1"
    assert "RNCP99999" in wh.query(sql)["certification_code"].tolist()
    assert "RNCP99999" in wh.query(sql, (), scope(B))["certification_code"].tolist()
    mine = wh.query(sql, (), scope(A))["certification_code"].tolist()
    assert "RNCP99999" not in mine and "RNCP34179" in mine
    from dashboard import scoping

    monkeypatch.setitem(scoping.PUBLIC_RELATIONS, "fct_survey_responses", "not public")
    with pytest.raises(RuntimeError, match="fct_survey_responses holds people's rows"):
        data.Warehouse(snapshot).query("select 1", (), scope(A))


def test_dashboard_queries_run_unchanged_in_a_scope(snapshot):
    """The dashboard's SQL files (macros in_filter, pct, wilson_*) and the pipeline's query functions."""
    from pipeline.reports import statistics as stats

    wh = data.Warehouse(snapshot)
    params = [[], [], [], [], []]  # certifications, years, routes, sites, partners
    full = wh.sql_file("outcomes", params)
    mine = wh.sql_file("outcomes", params, scope(A))
    assert (
        0
        < int(mine[mine["grain"] == 3]["certified"].iloc[0])
        < int(full[full["grain"] == 3]["certified"].iloc[0])
    )
    assert set(wh.sql_file("filters", (), scope(A)).query("filter == 'certification'")["value"]) == {
        "RNCP34179"
    }
    assert wh.call(stats.statistics, "RNCP34179", scope=scope(A)).empty  # certification_statistics: no column
    assert not wh.call(stats.statistics, "RNCP34179").empty
    with pytest.raises(duckdb.CatalogException):  # a name the snapshot lacks: an error, never a way around
        wh.query("select * from no_such_table", (), scope(A))


def test_a_mart_that_gains_the_column_is_filtered_from_the_next_snapshot(snapshot, tmp_path):
    wh = data.Warehouse(snapshot)
    assert wh.query("select * from mart_jobs", (), scope(A)).empty
    newer = tmp_path / "newer.duckdb"
    shutil.copyfile(snapshot, newer)
    with duckdb.connect(str(newer)) as con:
        con.execute("alter table mart_jobs add column if not exists partner_siret varchar")
        con.execute("update mart_jobs set partner_siret = ? where certification_code = 'RNCP34179'", [A])
        expected = con.execute(
            "select count(*) from mart_jobs where certification_code = 'RNCP34179'"
        ).fetchone()[0]
    os.replace(newer, snapshot)  # as `insertion build` publishes
    mine = wh.query("select * from mart_jobs", (), scope(A))
    assert len(mine) == expected > 0 and set(mine["certification_code"]) == {"RNCP34179"}


def test_the_reader_of_a_request_carries_the_scope_of_its_account(snapshot, tmp_path):
    """dashboard.data.get() binds the scope of the signed-in account (dashboard.access.current_scope)."""
    from flask import Flask, g

    from pipeline.core.accounts import AccountStore

    store = AccountStore(tmp_path / "accounts.json")
    store.add("of-a", "partenaire", "motdepasse-de-test", [A])
    store.add("chef", "direction", "motdepasse-de-test")
    app = Flask(__name__)
    app.config.update(INSERTION_ACCOUNTS=store, INSERTION_LOGIN_REQUIRED=False)
    previous = data._warehouse
    data.configure(snapshot)
    try:
        assert data.get().scope == EVERYTHING  # outside a request: the command line, the tests
        with app.test_request_context("/"):
            assert data.get().scope == NOTHING  # accounts exist and nobody is signed in: nothing
            g.insertion_account = store.get("of-a")
            reader = data.get()
            assert reader.scope == scope(A)
            assert set(reader.query("select partner_siret from mart_outcome_counts")["partner_siret"]) == {A}
            g.insertion_account = store.get("chef")
            assert data.get().scope == EVERYTHING
        store.remove("of-a")
        store.remove("chef")
        with app.test_request_context("/"):
            assert data.get().scope == EVERYTHING  # no account left, on the loopback: single user
    finally:
        data._warehouse = previous
