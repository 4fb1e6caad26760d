"""The dashboard over HTTP without a browser: authentication, download typing and names, the rates the
dashboard adds to its queries against the marts'."""

import base64
import io
from datetime import date

import openpyxl
import pandas as pd
import pytest

from dashboard import components
from dashboard.app import create_app
from pipeline.indicators.formats import NBSP, parse_int, parse_rate_cell, rate_cell


@pytest.fixture
def secured(sample_warehouse):
    return create_app(sample_warehouse.snapshot, sample_warehouse.data_docs_dir, password="s3cret").server


@pytest.mark.parametrize(
    "header",
    [None, "Basic d3Jvbmc6d3Jvbmc=", "Basic ééé", "Bearer \u2603", "Basic " + "x" * 5000, "Basic"],
)
def test_missing_wrong_or_malformed_credentials_get_401(secured, header):
    client = secured.test_client()
    headers = {} if header is None else {"Authorization": header.encode("utf-8").decode("latin-1")}
    response = client.get("/", headers=headers)
    assert response.status_code == 401
    assert "Basic" in response.headers["WWW-Authenticate"]


def test_right_credentials_pass(secured):
    token = base64.b64encode(b"insertion:s3cret").decode()
    assert secured.test_client().get("/", headers={"Authorization": f"Basic {token}"}).status_code == 200


def test_cells_read_back_as_typed_values():
    cell = rate_cell(
        {"insertion_rate_6m": 88, "employed_6m": 29, "denominator_6m": 33}, "insertion_rate_6m", 50
    )
    assert parse_rate_cell(cell) == (88, 29, 33, True)
    assert parse_int("1\u202f234") == 1234 and parse_int("2017") == 2017
    assert parse_int("RNCP34179") is None and parse_rate_cell(f"88{NBSP}%") is None


def test_download_of_a_table_is_typed():
    shown = pd.DataFrame(
        {
            "Année": ["2018", "2017"],
            "Certifiés": ["1\u202f204", "35"],
            "Insertion globale à 6 mois (n/N)": [f"100{NBSP}% (9/9) ⚠", "–"],
            "Intitulé": ['=HYPERLINK("http://x")', "Webmaster"],
        }
    )
    frame = components.typed(shown)
    xlsx = components.export(frame, "voies_par-voie", "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(xlsx["content"]))).active
    header = [c.value for c in sheet[1]]
    assert header == [
        "Année",
        "Certifiés",
        "Insertion globale à 6 mois (%)",
        "Insertion globale à 6 mois : n",
        "Insertion globale à 6 mois : N",
        "Insertion globale à 6 mois : ⚠ petit effectif",
        "Intitulé",
    ]
    assert [c.value for c in sheet[2]][:6] == [2018, 1204, 1, 9, 9, "oui"]
    assert sheet["C2"].number_format == "0%" and sheet["C3"].value is None
    assert sheet["G2"].data_type == "s" and sheet["G2"].value.startswith("'=")  # text, never a formula
    csv = components.export(frame, "voies_par-voie", "csv")["content"]
    assert csv.startswith("\ufeffAnnée;Certifiés;Insertion globale à 6 mois (%);")
    assert "2018;1204;100;9;9;oui;\"'=HYPERLINK" in csv


def test_file_names_say_what_they_hold():
    day = date(2026, 11, 29)
    assert (
        components.file_name("/metiers", "metiers-titles", "#cert=RNCP34179&year=2017,2018&wave=24", day)
        == "metiers_intitules_RNCP34179_2017-2018_24-mois_2026-11-29"
    )
    assert components.file_name("/", "overview-years", "", day) == "vue-d-ensemble_par-annee_2026-11-29"
    assert components.file_name("/voies", "voies-routes", "#site=../../etc", day).count("/") == 0


def test_dashboard_rates_equal_the_marts(sample_warehouse):
    """The dashboard adds rates to its sums with one query of the SQL macros (add_rates): per
    certification and year they must equal the marts' (which compute them in the select list)."""
    import duckdb

    from pipeline.indicators import RATES, add_rates, expand

    con = duckdb.connect(str(sample_warehouse.snapshot), read_only=True)
    sql = expand(
        "with sums as (select certification_code, year, /* @counts */ from mart_outcome_counts group by all) "
        "select *, /* @derived */ from sums order by all"
    )
    mine = add_rates(con, con.execute(sql).df())
    marts = con.execute("select * from certification_statistics order by certification_code, year").df()
    assert len(mine) == len(marts) > 0
    for r in RATES:
        for column in (r.key, f"{r.key}_low", f"{r.key}_high"):
            assert mine[column].astype("Float64").tolist() == marts[column].astype("Float64").tolist(), column
