"""Dashboard callbacks, called directly on the sample warehouse's snapshot; pure figures; read-only SQL."""

import io
import shutil
from pathlib import Path

import openpyxl
import plotly.graph_objects as go
import pytest

from dashboard import components, data, figures
from dashboard.app import create_app
from tests.helpers import ENGLISH


@pytest.fixture(scope="module")
def app(sample_warehouse):
    return create_app(sample_warehouse.snapshot, sample_warehouse.data_docs_dir)


@pytest.fixture(scope="module")
def pages(app):
    from dashboard.pages import certification, metiers, overview, qualite, sql, voies

    return {
        "overview": overview,
        "certification": certification,
        "metiers": metiers,
        "voies": voies,
        "qualite": qualite,
        "sql": sql,
    }


def test_french_formats():
    assert figures.fr_int(1234567) == "1\u202f234\u202f567"
    assert figures.fr_pct(88) == "88\u00a0%"
    assert figures.fr_pct(None) == "–"
    assert figures.fr_date("2022-09-10") == "10/09/2022"

    def cell(rate, n, d):
        row = {"insertion_rate_6m": rate, "employed_6m": n, "denominator_6m": d}
        return figures.rate_cell(row, "insertion_rate_6m", 20)

    assert cell(88, 29, 33) == "88\u00a0% (29/33)"
    assert cell(100, 9, 9) == "100\u00a0% (9/9) ⚠"
    assert cell(None, 0, 0) == "–"


def test_overview_kpis_table_and_trend_follow_the_filters(pages):
    overview = pages["overview"]
    cards, trend, rows = overview.update(["RNCP34179"], [], [], [])
    assert [
        (r["year"], r["certified"], r["insertion_6m"], r["target_6m"], r["target_24m"]) for r in rows
    ] == [
        (2018, "11", "100\u00a0% (9/9) ⚠", "100\u00a0% (9/9) ⚠", "80\u00a0% (8/10) ⚠"),
        (2017, "35", "88\u00a0% (29/33)", "70\u00a0% (23/33)", "78\u00a0% (18/23)"),
    ]
    texts = str(cards)
    assert "46" in texts and "38/42" in texts  # certified, insertion numerator/denominator over both years
    assert [t.name for t in go.Figure(trend).data] == [
        "Insertion globale à 6 mois",
        "Métier visé à 6 mois",
        "Métier visé à 2 ans",
    ]
    assert "Insertion globale à 2 ans" in texts and "Taux de réponse à 6 mois" in texts
    _, _, rows_2017 = overview.update(["RNCP34179"], [2017], [], [])
    assert [r["year"] for r in rows_2017] == [2017]
    _, _, apprentices = overview.update(["RNCP34179"], [2017], ["CA"], [])
    assert apprentices[0]["certified"] == "15"
    cards, _, rows = overview.update(["RNCP99999"], [], [], [])
    assert rows == [] and "Aucun certifié" in str(cards)


def test_overview_funnel(pages):
    funnel = go.Figure(pages["overview"].update_funnel(["RNCP34179"], [2017], [], [], 6))
    assert list(funnel.data[0].x) == [35, 35, 34, 33, 29, 23]


def test_certification_page_matches_the_fiche_and_published(pages):
    summary, rows, compared, readiness, lineage = pages["certification"].update("RNCP34179")
    assert [
        (r["year"], r["certified"], r["insertion_rate_6m"], r["target_job_rate_6m"], r["target_job_rate_24m"])
        for r in rows
    ] == [
        (2018, "11", "100\u00a0% (9/9) ⚠", "100\u00a0% (9/9) ⚠", "80\u00a0% (8/10) ⚠"),
        (2017, "35", "88\u00a0% (29/33)", "70\u00a0% (23/33)", "78\u00a0% (18/23)"),
    ]
    assert rows[1]["insertion_rate_24m"] == "91\u00a0% (21/23)"  # the 2-year global rate too
    assert {r["difference"] for r in compared} == {0}
    assert "Chef de projet e-commerce" in str(summary)
    assert "2 promotion(s) avec une enquête à 6 mois" in str(readiness) and "échu" in str(readiness)
    assert "RNCP28129" in str(lineage) and "RNCP36743" in str(lineage)


def test_metiers_and_voies(pages):
    share, jobs, titles, unmatched = pages["metiers"].update(["RNCP34179"], [2017], [], [], 6)
    assert "23/29" in str(share)  # in target / employed, 2017 at 6 months
    assert any(t["job_title"] == "Community manager" and t["in_target"] == "oui" for t in titles)
    assert go.Figure(jobs).data[0].orientation == "h"
    # « Webmaster e-business » has no ROME code but its fit was answered in the survey: nothing to review
    assert unmatched == []
    *_, unmatched = pages["metiers"].update(["RNCP35809"], [], [], [], 6)
    everywhere = {u["job_title"] for u in unmatched}
    assert {"Chargé d'affaires second œuvre", "Métreur aménagement intérieur"} <= everywhere
    *_, unmatched_2 = pages["metiers"].update(["RNCP35809"], [2020], [], [], 6)
    assert {u["job_title"] for u in unmatched_2} < everywhere  # the year filter applies
    graph, rows = pages["voies"].update(["RNCP34179"], [2017], [], [], "insertion_rate_6m")
    graph = go.Figure(graph)
    assert {r["route"].split(" –")[0] for r in rows} == {"FI", "CA", "CQ", "FC", "CL"}
    assert sum(int(r["certified"]) for r in rows) == 35
    assert len(graph.data) == 5
    pale = {t.name: list(t.marker.opacity) for t in graph.data}
    # 1 and 15 < 20: paler (and « ⚠ » on the bar: colour never alone, issue #26)
    assert pale["Candidature individuelle"] == [0.55] and pale["Apprentissage"] == [0.55]


def test_quality_page(pages, sample_warehouse):
    results, quarantine, empty = pages["qualite"].update(1)
    assert results and all(r["result"] in {"réussite", "échec"} for r in results)
    assert quarantine == [] and "Aucune ligne en quarantaine" in str(empty)
    layout = pages["qualite"].layout()
    assert "RNCP34179_jurys_2017-2018.csv" in str(layout)


def test_sql_page_runs_reads_and_refuses_the_rest(pages, tmp_path):
    rows, columns, message, css = pages["sql"].run(
        1, "select certification_code, count(*) as n from fct_certified group by 1 order by 1"
    )
    assert [c["id"] for c in columns] == ["certification_code", "n"] and rows[0][
        "certification_code"
    ] == "RNCP34179"
    assert css == "sql-message ok"
    for forbidden in [
        f"copy (select 1) to '{tmp_path / 'x.csv'}'",
        f"attach '{tmp_path / 'x.duckdb'}' as x",
        "install httpfs",
        "create table memory.main.t as select 1",
        "delete from load_log",
        "select * from read_csv('/etc/passwd')",
        "select 1; select 2",
    ]:
        rows, _, message, css = pages["sql"].run(1, forbidden)
        assert rows == [] and css == "sql-message error" and message.startswith("Erreur"), forbidden
    assert not (tmp_path / "x.csv").exists()
    _, _, message, _ = pages["sql"].run(1, "select * from no_such_table")
    assert "no_such_table" in message and "Traceback" not in message


def test_sql_row_cap_and_time_limit(pages, monkeypatch):
    sql = pages["sql"]
    monkeypatch.setattr(sql, "ROW_CAP", 100)
    rows, _, message, css = sql.run(1, "select * from range(5000)")
    assert len(rows) == 100 and css == "sql-message ok" and "100 premières lignes" in message
    monkeypatch.setattr(sql, "SECONDS", 0.5)
    rows, _, message, css = sql.run(1, "select count(*) from range(100000000000)")
    assert rows == [] and message == "Erreur : Requête interrompue : plus de 0.5 secondes."
    rows, _, message, _ = sql.run(1, "explain analyze create table memory.main.t as select 1")
    assert rows == [] and "reçu : EXPLAIN ANALYZE CREATE" in message


def test_downloads_csv_and_xlsx():
    import pandas as pd

    frame = pd.DataFrame({"Année": [2018], "Taux": ["100\u00a0%"]})
    csv = components.export(frame, "stats", "csv")
    assert csv["filename"] == "stats.csv" and csv["content"].splitlines()[0] == "\ufeffAnnée;Taux"  # BOM
    xlsx = components.export(frame, "stats", "xlsx")
    import base64

    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(xlsx["content"])))
    assert [c.value for c in book.active[1]] == ["Année", "Taux"]


def test_filters_in_the_url():
    assert (
        components.filters_search(cert=["RNCP34179", "RNCP35809"], year=[2017], route=[])
        == "?cert=RNCP34179,RNCP35809&year=2017"
    )
    assert components.selection("#cert=RNCP34179,RNCP35809&year=2017")["certification"] == [
        "RNCP34179",
        "RNCP35809",
    ]


def test_a_new_snapshot_is_picked_up_without_restart(sample_warehouse, tmp_path):
    import os

    import duckdb

    snapshot = tmp_path / "snap.duckdb"
    shutil.copyfile(sample_warehouse.snapshot, snapshot)
    wh = data.Warehouse(snapshot)
    before = wh.query("select count(*) as n from fct_certified")["n"].iloc[0]
    newer = tmp_path / "new.duckdb"  # as `insertion build` publishes: write a new file, then rename
    shutil.copyfile(sample_warehouse.snapshot, newer)
    with duckdb.connect(str(newer)) as con:
        con.execute("delete from fct_certified where certification_code = 'RNCP34179'")
    os.replace(newer, snapshot)
    after = wh.query("select count(*) as n from fct_certified")["n"].iloc[0]
    assert after == before - 46


def test_missing_snapshot_is_explained(tmp_path):
    previous = data._warehouse
    data.configure(tmp_path / "absent.duckdb")
    from dashboard.pages import overview

    try:
        assert "insertion build" in str(overview.layout())
    finally:
        data._warehouse = previous


def test_renewal_button_builds_the_pack(pages):
    import base64

    download, message = pages["certification"].renewal_pack(1, "RNCP34179")
    assert download["filename"] == "renouvellement-RNCP34179.xlsx" and "généré" in message
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(download["content"])))
    assert book.sheetnames[:3] == ["Statistiques", "Par voie d'accès", "Emplois occupés"]
    assert [c.value for c in book["Statistiques"][6]][:6] == [2018, 11, 0, 100, 100, 80]


def test_data_docs_are_served_from_a_relative_folder(sample_warehouse, app, tmp_path, monkeypatch):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.html").write_text("<html>Data Docs</html>", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    from dashboard.app import create_app as make

    client = make(sample_warehouse.snapshot, Path("docs")).server.test_client()
    assert client.get("/data-docs/index.html").data == b"<html>Data Docs</html>"
    assert client.get("/data-docs/../../etc/passwd").status_code == 404


def test_every_figure_passes_plotly_validation(pages):
    """The figures are plain dicts (fast); Plotly's own validation must accept each of them, with data
    and without (go.Figure raises on any unknown or ill-typed property)."""
    overview, metiers, voies = pages["overview"], pages["metiers"], pages["voies"]
    made = [
        overview.update(["RNCP34179"], [], [], [])[1],
        overview.update(["RNCP00000"], [], [], [])[1],
        overview.update_funnel(["RNCP34179"], [], [], [], 24),
        metiers.update([], [], [], [], 6)[1],
        voies.update([], [], [], [], "target_job_rate_6m")[0],
        figures.empty_figure("vide"),
    ]
    for fig in made:
        go.Figure(fig)
    years = go.Figure(voies.update([], [], [], [], "insertion_rate_6m")[0]).layout.xaxis
    assert years.categoryorder == "category ascending"  # 2020, 2021, … whatever the first route holds


def test_job_label_of_a_job_without_code():
    import math

    assert figures.job_label(None, None, False) == "Sans code ROME"
    assert figures.job_label(math.nan, math.nan, False) == "Sans code ROME"  # not « nan – nan »
    assert figures.job_label("M1607", "Secrétariat", True) == "M1607 – Secrétariat"


def test_every_output_applies_the_settings_in_force(pages, sample_cli, monkeypatch, tmp_path):
    """The sample was built with the defaults (threshold 20, response rate 50 %, windows 4–9 / 20–30).
    Exported under another environment, the pack, `stats` and `publish` apply the recorded settings,
    print them, and say the environment was ignored: the pack's Alertes are the Certification page's."""
    import re

    monkeypatch.setenv("INSERTION_SMALL_COHORT", "40")
    monkeypatch.setenv("INSERTION_MIN_RESPONSE_RATE", "95")
    monkeypatch.setenv("INSERTION_WINDOW_6M", "3,10")
    for code in ("RNCP34179", "RNCP35809", "RNCP40344"):
        *_, readiness, _ = pages["certification"].update(code)
        shown = sorted(li.children.split(" — ", 1)[1] for li in readiness.children if li.className == "alert")
        status, _, err = sample_cli("renewal", code, "--out", tmp_path / f"{code}.xlsx")
        assert status == 0
        assert "INSERTION_SMALL_COHORT=40 (en vigueur : 20)" in err and "ignoré" in err
        book = openpyxl.load_workbook(tmp_path / f"{code}.xlsx")
        rows = [r for r in book["Alertes"].iter_rows(min_row=6, values_only=True) if any(r)]
        alerts = sorted(r[1] for r in rows if r[0] != "Aucune")
        assert alerts == shown, code
        method = " ".join(str(c) for row in book["Méthodologie"].values for c in row if c)
        assert "seuil : 20" in method and "seuil : 40" not in method
        assert re.search(r"4 à 9 mois", method) and not re.search(r"3 à 10 mois", method)
    status, out, err = sample_cli("stats", "RNCP34179", "--detail", "--format", "csv")
    assert status == 0 and "INSERTION_MIN_RESPONSE_RATE=95 (en vigueur : 50)" in err
    # ⚠ under the threshold in force (20): 2017's 33 respondents are not flagged, 2018's 9 are
    lines = {line.split(";")[0]: line for line in out.splitlines()[1:]}
    assert "⚠" in lines["2018"] or "True" in lines["2018"] or "oui" in lines["2018"].lower()
    status, _, err = sample_cli("publish", "RNCP34179", "--out", tmp_path / "public.html")
    assert status == 0 and "ignoré" in err
    page = (tmp_path / "public.html").read_text(encoding="utf-8")
    assert "20" in page and "moins de 40" not in page


def test_quality_page_shows_no_english_expectation_name(sample_warehouse):
    """The Qualité page in French (the wording itself: tests/unit/test_quality_fr.py)."""
    from pipeline.core.quality_labels import EXPECTATION_LABELS
    from pipeline.reports import quality

    create_app(sample_warehouse.snapshot, sample_warehouse.data_docs_dir)
    from dashboard.pages import qualite

    layout = str(qualite.layout())
    assert "RNCP34179_jurys_2017-2018.csv" in layout
    assert not ENGLISH.search(layout), ENGLISH.search(layout)
    assert "cohort_results —" not in layout and "Résultats de jury" in layout
    runs = data.get().call(quality.history, 500)
    assert len(runs) >= 15
    for run_id in runs["run_id"]:
        results, quarantine, _empty = qualite.update(int(run_id))
        assert results
        for row in results:
            assert row["expectation"] in EXPECTATION_LABELS.values(), row["expectation"]
            assert not ENGLISH.search(row["expectation"] + " " + row["description"]), row


def test_quality_page_quarantine_reads_as_the_command_line(sample_copy, cli):
    """The Qualité page's quarantine names each row's kind, outcome and reasons in French, with the labels
    `insertion quality --quarantine` prints (reports/quality.labelled: one owner per code)."""
    from pipeline.core.quality_labels import OUTCOME_LABELS, SUITE_LABELS
    from tests.helpers import FIXTURES

    assert cli("ingest", FIXTURES / "cohort_bad_rows.csv")[0] == 0
    create_app(sample_copy.snapshot, sample_copy.data_docs_dir)
    from dashboard.pages import qualite

    _results, quarantine, empty = qualite.update(1)
    assert quarantine and empty == ""
    for row in quarantine:
        assert row["kind"] in SUITE_LABELS.values(), row
        assert row["outcome"] in OUTCOME_LABELS.values(), row
        assert not ENGLISH.search(row["reasons"]), row
