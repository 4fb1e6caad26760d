"""Disclosure sweep: for each audience, every output that shows a rate (dashboard cards, tables, charts and
downloads; `insertion stats`; the renewal pack in XLSX and HTML; the public publication) applies the one
policy of ``pipeline/indicators/disclosure.py``. Expected cells come from the warehouse's counts, not from
the code under test: a rate is small when its denominator is 1 to 19 (threshold 20)."""

from __future__ import annotations

import csv
import io

import openpyxl
import plotly.graph_objects as go
import pytest

from dashboard import components
from dashboard.app import create_app
from pipeline.cli import main
from pipeline.warehouse import db as warehouse
from tests.helpers import ROOT

THRESHOLD = 20
CERTS = ["RNCP34179", "RNCP35809", "RNCP40344"]
# rate -> (numerator, denominator), as docs/methodology.md M13-M15 defines them
RATES = {
    "insertion_rate_6m": ("employed_6m", "respondents_6m - neutralised_6m"),
    "target_job_rate_6m": ("in_target_6m", "respondents_6m - neutralised_6m"),
    "insertion_rate_24m": ("employed_24m", "respondents_24m - neutralised_24m"),
    "target_job_rate_24m": ("in_target_24m", "respondents_24m - neutralised_24m"),
    "response_rate_6m": ("respondents_6m", "certified"),
}
FICHE_RATES = ["insertion_rate_6m", "target_job_rate_6m", "target_job_rate_24m"]


@pytest.fixture(scope="module")
def cells(sample_warehouse):
    """(certification, year, route or 'ALL', rate) -> (rate, n, d, small)."""
    out = {}
    with warehouse.connect(sample_warehouse.warehouse, read_only=True) as con:
        for rate, (n, d) in RATES.items():
            rows = con.execute(
                f"select certification_code, year, access_route, {rate}, {n}, {d} from statistics_by_route"
            ).fetchall()
            for code, year, route, value, num, den in rows:
                out[(code, year, route, rate)] = (value, num, den, 0 < den < THRESHOLD)
    assert any(v[3] for v in out.values()) and any(not v[3] and v[2] for v in out.values())
    return out


def pct(value) -> str:
    return f"{value}\u00a0%"


def expect_flagged(text: str, value, n, d, small: bool) -> None:
    """The internal / dossier rule: the rate with n/N, « ⚠ » exactly when the base is small."""
    if not d:
        return
    assert pct(value) in text and f"{n}/{d}" in text, text
    assert ("⚠" in text) == small, text


@pytest.fixture(scope="module")
def pages(sample_warehouse):
    create_app(sample_warehouse.snapshot, sample_warehouse.data_docs_dir)
    from dashboard.pages import certification, metiers, overview, voies

    return {"overview": overview, "certification": certification, "voies": voies, "metiers": metiers}


@pytest.mark.parametrize("code", CERTS)
def test_dashboard_overview_flags_every_small_rate_in_cards_tables_charts_and_downloads(pages, cells, code):
    cards, trend, rows = pages["overview"].update([code], [], [], [])
    columns = {
        "response_6m": "response_rate_6m",
        "insertion_6m": "insertion_rate_6m",
        "target_6m": "target_job_rate_6m",
        "insertion_24m": "insertion_rate_24m",
        "target_24m": "target_job_rate_24m",
    }
    for row in rows:
        for column, rate in columns.items():
            expect_flagged(row[column], *cells[(code, row["year"], "ALL", rate)])
    # the download of that table carries the same cells
    table = [{"id": k, "name": k} for k in rows[0]]
    download = components.export(__import__("pandas").DataFrame(rows)[[c["id"] for c in table]], "t", "csv")
    assert download["content"].count("⚠") == sum(r[c].count("⚠") for r in rows for c in columns)
    # the trend's hover marks the small points
    for trace in go.Figure(trend).data:
        rate = next(k for k in FICHE_RATES if pages["overview"].figures.RATE[k].short == trace.name)
        for year, custom in zip(trace.x, trace.customdata, strict=True):
            value, n, d, small = cells[(code, int(year), "ALL", rate)]
            assert ("⚠" in custom[2]) == small
    # a card is marked small exactly when its base over the selected years is small
    shorts = {pages["overview"].figures.RATE[k].short: k for k in RATES}
    checked = 0
    for card in cards:
        title = card.children[0].children
        if title not in shorts:
            continue
        n = sum(
            v[1]
            for (c, _, route, r), v in cells.items()
            if c == code and route == "ALL" and r == shorts[title]
        )
        d = sum(
            v[2]
            for (c, _, route, r), v in cells.items()
            if c == code and route == "ALL" and r == shorts[title]
        )
        assert f"{n}/{d}" in str(card)
        assert ("kpi-small" in card.className) == (0 < d < THRESHOLD), (title, n, d)
        checked += 1
    assert checked == len(RATES)


@pytest.mark.parametrize("code", CERTS)
def test_dashboard_routes_and_certification_pages_flag_small_rates(pages, cells, code):
    _, rows = pages["voies"].update([code], [], [], [], "insertion_rate_6m")
    assert rows
    for row in rows:
        route = row["route"].split(" – ")[0]
        expect_flagged(row["insertion_6m"], *cells[(code, row["year"], route, "insertion_rate_6m")])
    outputs = pages["certification"].update(code)
    stats_rows = outputs[1]
    for row in stats_rows:
        for rate in FICHE_RATES:
            expect_flagged(row[rate], *cells[(code, row["year"], "ALL", rate)])


def run_cli(capsys, *args) -> str:
    assert main([str(a) for a in args]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("code", CERTS)
def test_stats_command_flags_every_small_rate(sample_warehouse, cells, capsys, code):
    text = run_cli(capsys, "stats", code, "--warehouse", sample_warehouse.warehouse)
    lines = [ln for ln in text.splitlines() if ln[:4].strip().isdigit() or ln.strip()[:4].isdigit()]
    assert lines
    for line in lines:
        parts = [p.strip() for p in line.split("|")]
        year = int(parts[0])
        for rate, cell in zip(FICHE_RATES, parts[3:6], strict=True):
            expect_flagged(cell, *cells[(code, year, "ALL", rate)])


@pytest.mark.parametrize("code", CERTS)
def test_renewal_pack_flags_every_small_rate_in_xlsx_and_html(
    sample_warehouse, cells, capsys, tmp_path, code
):
    xlsx, page = tmp_path / "pack.xlsx", tmp_path / "pack.html"
    run_cli(capsys, "renewal", code, "--warehouse", sample_warehouse.warehouse, "--out", xlsx, "--html", page)
    wb = openpyxl.load_workbook(xlsx)
    for sheet, route_column in (("Statistiques", None), ("Par voie d'accès", "Voie d'accès")):
        rows = list(wb[sheet].iter_rows(values_only=True))
        header_at = next(
            i
            for i, r in enumerate(rows)
            if r and r[0] in ("Année d'obtention de la certification", "Voie d'accès")
        )
        header = rows[header_at]
        flags = [i for i, h in enumerate(header) if h and str(h).startswith("⚠")]
        for row in rows[header_at + 1 :]:
            record = dict(zip(header, row, strict=True))
            route = record[route_column] if route_column else "ALL"
            year = record["Année d'obtention de la certification"]
            flagged = " ".join(str(row[i] or "") for i in flags)
            for rate in (
                "insertion_rate_6m",
                "target_job_rate_6m",
                "insertion_rate_24m",
                "target_job_rate_24m",
            ):
                value, n, d, small = cells[(code, year, route, rate)]
                short = {
                    "insertion_rate_6m": "Insertion globale à 6 mois",
                    "target_job_rate_6m": "Métier visé à 6 mois",
                    "insertion_rate_24m": "Insertion globale à 2 ans",
                    "target_job_rate_24m": "Métier visé à 2 ans",
                }[rate]
                assert (f"{short} ({n}/{d})" in flagged) == small, (sheet, year, route, rate, flagged)
    assert page.read_text(encoding="utf-8").count("⚠") >= sum(
        1
        for (c, _, route, rate), v in cells.items()
        if c == code and route == "ALL" and v[3] and rate in FICHE_RATES
    )


@pytest.mark.parametrize("code", CERTS)
def test_public_publication_suppresses_small_cells_and_what_recomputes_them(
    sample_warehouse, cells, capsys, tmp_path, code
):
    page, table = tmp_path / "public.html", tmp_path / "public.csv"
    run_cli(capsys, "publish", code, "--warehouse", sample_warehouse.warehouse, "--out", page)
    run_cli(capsys, "publish", code, "--warehouse", sample_warehouse.warehouse, "--out", table)
    raw = table.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM for French Excel
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    html_rows = page.read_text(encoding="utf-8").split("<tr>")[2:]
    assert len(body) == len(html_rows) and body
    for record, html_row in zip((dict(zip(header, r, strict=True)) for r in body), html_rows, strict=True):
        year = int(record["Année d'obtention de la certification"])
        assert html_row.startswith(f"<td>{year}</td>")
        for rate in FICHE_RATES:
            value, n, d, small = cells[(code, year, "ALL", rate)]
            row_cells = {
                k: v
                for k, v in record.items()
                if k.startswith(("Taux", "Insertion", "Métier")) and rate_match(k, rate)
            }
            if small:
                # no rate, no base, no interval, no numerator: nothing to recompute it from; the label
                # says which base is under the threshold
                secret = {k: v for k, v in row_cells.items() if k.endswith(": secret statistique")}
                assert [v.startswith("secret statistique (base de calcul") for v in secret.values()] == [True]
                assert all(v == "" for k, v in row_cells.items() if k not in secret), (year, rate, row_cells)
                assert f"{n}/{d}" not in html_row and f"base {d} " not in html_row
            elif d:
                assert str(value) in row_cells.values(), (year, rate, row_cells)
        if any(cells[(code, year, "ALL", r)][3] for r in FICHE_RATES):
            assert "secret statistique" in html_row
    text = page.read_text(encoding="utf-8") + raw.decode("utf-8-sig")
    assert "Référence" not in text and "pseudonyme" not in text  # no per-person list


def rate_match(header: str, rate: str) -> bool:
    words = {
        "insertion_rate_6m": ("Taux d'insertion global à 6 mois", "Insertion globale à 6 mois"),
        "target_job_rate_6m": ("Taux d'insertion dans le métier visé à 6 mois", "Métier visé à 6 mois"),
        "target_job_rate_24m": ("Taux d'insertion dans le métier visé à 2 ans", "Métier visé à 2 ans"),
    }[rate]
    return header.startswith(words)


def test_the_public_policy_is_the_only_one_that_suppresses():
    from pipeline.indicators.disclosure import AUDIENCES

    assert AUDIENCES == {"internal": "flag", "dossier": "flag", "public": "suppress", "analyst": "raw"}
    assert (ROOT / "dashboard" / "pages" / "sql.py").read_text(encoding="utf-8").count("brutes") >= 1


@pytest.mark.parametrize("code", CERTS)
def test_dashboard_jobs_share_card_flags_a_small_base(pages, sample_warehouse, code):
    with warehouse.connect(sample_warehouse.warehouse, read_only=True) as con:
        years = [
            y
            for (y,) in con.execute(
                "select distinct year from fct_certified where certification_code = ? order by 1", [code]
            ).fetchall()
        ]
        for year in years:
            for wave in (6, 24):
                employed, in_target = con.execute(
                    "select count(*) filter (where employed), count(*) filter (where in_target) "
                    "from fct_survey_responses where certification_code = ? and year = ? and wave = ?",
                    [code, year, wave],
                ).fetchall()[0]
                [card] = pages["metiers"].update([code], [year], [], [], wave)[0]
                assert f"{in_target}/{employed}" in str(card)
                assert ("kpi-small" in card.className) == (0 < employed < THRESHOLD), (year, wave, employed)


def test_public_suppression_hides_a_wave_whose_respondents_were_all_neutralised():
    """Its rates (base 0) are suppressed with the base and the neutralised; the response rate, on its own
    base of 40 certified, stays: the 3 respondents it gives do not tell how many were neutralised."""
    import pandas as pd

    from pipeline.indicators.disclosure import PRIMARY, disclose

    row = {
        "certified": 40, "certified_vae": 0, "surveyed_6m": 3, "respondents_6m": 3, "neutralised_6m": 3,
        "denominator_6m": 0, "employed_6m": 0, "in_target_6m": 0, "non_respondents_6m": 37,
        "insertion_rate_6m": None, "response_rate_6m": 8, "response_rate_6m_low": 2.6,
        "response_rate_6m_high": 21.5,
    }  # fmt: skip
    public = disclose(pd.DataFrame([row]), "public", THRESHOLD).iloc[0]
    assert public["insertion_rate_6m_secret"] == PRIMARY and public["insertion_rate_6m"] is None
    assert public["denominator_6m"] is None and public["neutralised_6m"] is None
    assert public["response_rate_6m"] == 8 and not public["response_rate_6m_suppressed"]
    internal = disclose(pd.DataFrame([row]), "internal", THRESHOLD).iloc[0]
    assert internal["respondents_6m"] == 3 and not internal["insertion_rate_6m_small"]  # no rate to flag
