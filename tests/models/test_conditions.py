"""Issue #17: contract, working time, cadre status and pay from the survey; the other systems' rates.

The crafted promotion (tests/fixtures/conditions/) is computed by hand below, answer by answer:

6 months, 17 certified (P1-P17), 16 respondents (P14 silent):
  P1 CDI full cadre 30 000/yr · P2 CDI full non-cadre 2 600/month (31 200) · P3 CDD full 24 000
  P4 fonctionnaire full cadre 3 000/month (36 000) · P5 indépendant full (cadre ?) 42 000
  P6 CDI part-time 9 000 (part-time: under the floor is allowed; not in the full-time quartiles)
  P7 intérim full 800/month = 9 600 < floor -> pay set aside · P8 abroad (neutralised) CDI cadre 50 000
  P9, P10 job seeking · P11 further study · P12 inactive · P13 apprenticeship contract (neutralised)
  P15 CDI full « trente mille » -> pay set aside · P16 CDI full cadre 900 000 > ceiling -> set aside
  P17 CDI full (cadre ?) 27 000
France Compétences: employed P1-P7, P15-P17 = 10; base 16 - 3 neutralised = 13 -> 76.9 -> 77 %.
InserJeunes-style: salaried in France = 10 - P5 (self-employed) = 9; base 16 - 2 continuing (P11, P13)
  = 14 -> 64.3 -> 64 %.
Ministry: employed anywhere but work-study = 10 + P8 = 11; base 11 + 2 job seekers = 13 -> 84.6 -> 85 %.
Contracts among the 10 employed: CDI P1 P2 P6 P15 P16 P17 = 6 -> 60 %; + fonctionnaire P4 = 7 -> 70 %.
Full time: 9/10 -> 90 %. Cadre known for 8 (not P5, P17): P1 P4 P16 = 3/8 = 37.5 -> 38 % (half up).
Pay of full-time jobs: 24 000, 27 000, 30 000, 31 200, 36 000, 42 000 (n = 6); quantile_cont positions
  (n-1)p: q1 at 1.25 -> 27 000 + 0.25 × 3 000 = 27 750; median at 2.5 -> 30 600; q3 at 3.75 -> 34 800.
2 years: P1-P4, all CDI or fonctionnaire, full time, cadre: 4 pay answers < 5 -> no quartiles.
"""

from pathlib import Path

import openpyxl
import pytest

from pipeline.load.sources.surveys import parse_amount
from tests.helpers import FIXTURES, ROOT, table_rows
from tests.reference.recompute import conditions as oracle

FOLDER = FIXTURES / "conditions"

COMPARED = [
    "cdi_share",
    "stable_share",
    "full_time_share",
    "executive_share",
    "contract_known",
    "pay_answers",
    "pay_q1",
    "pay_median",
    "pay_q3",
    "fc_rate",
    "ij_rate",
    "ij_denominator",
    "mesr_rate",
    "mesr_denominator",
]


def same_as_oracle(warehouse_path: Path, raw_dir: Path) -> None:
    """Every row of mart_employment_conditions equals the independent recomputation (tests/reference)."""
    import duckdb

    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        got = con.execute("select * from mart_employment_conditions order by all").df()
    expected = oracle(raw_dir, ROOT / "data" / "reference")
    key = ["certification_code", "year", "wave"]
    got = {tuple(r[k] for k in key): r for r in got.to_dict(orient="records")}
    expected = {tuple(r[k] for k in key): r for r in expected.to_dict(orient="records")}
    assert set(got) == set(expected)
    clean = lambda v: None if v is None or v != v else float(v)  # noqa: E731
    for k, row in expected.items():
        assert {c: clean(row[c]) for c in COMPARED} == {c: clean(got[k][c]) for c in COMPARED}, k


@pytest.fixture
def loaded(cli, warehouse_after):
    """The crafted promotion ingested (a copy of a warehouse made once per run)."""
    return warehouse_after(("ingest", FOLDER / "cohort_2020.csv", FOLDER / "survey_2020.csv"))


def mart(settings, wave):
    rows = table_rows(
        settings.warehouse,
        "select * exclude (certification_code, year, wave) from mart_employment_conditions "
        "where certification_code = 'RNCP34179' and year = 2020 and wave = ?",
        [wave],
    )
    columns = [
        r[0]
        for r in table_rows(
            settings.warehouse,
            "select column_name from information_schema.columns where table_name = 'mart_employment_conditions' "
            "and column_name not in ('certification_code', 'year', 'wave') order by ordinal_position",
        )
    ]
    assert len(rows) == 1
    return dict(zip(columns, rows[0], strict=True))


def test_parse_amount():
    assert parse_amount("32 000") == 32000
    assert parse_amount("32\u202f000 €") == 32000
    assert parse_amount("2 450,50") == 2450.5
    assert parse_amount("32.000") == 32000
    assert parse_amount("1800,5 euros") == 1800.5
    assert parse_amount("trente mille") is None
    assert parse_amount("12-14k") is None


def test_conditions_against_hand_computed_figures(loaded):
    six = mart(loaded, 6)
    assert (six["employed"], six["contract_known"], six["permanent_contract"], six["stable_job"]) == (
        10,
        10,
        6,
        7,
    )
    assert (six["cdi_share"], six["stable_share"], six["full_time_share"], six["executive_share"]) == (
        60,
        70,
        90,
        38,
    )
    assert (six["full_time"], six["working_time_known"], six["executive"], six["executive_known"]) == (
        9,
        10,
        3,
        8,
    )
    assert six["pay_answers"] == 6
    assert (six["pay_q1"], six["pay_median"], six["pay_q3"]) == (27800, 30600, 34800)
    two = mart(loaded, 24)
    assert two["pay_answers"] == 4 and (two["pay_q1"], two["pay_median"], two["pay_q3"]) == (None, None, None)
    assert (two["cdi_share"], two["stable_share"]) == (75, 100)


def test_three_definitions_differ_on_the_same_answers(loaded):
    six = mart(loaded, 6)
    assert (six["employed"], six["fc_denominator"], six["fc_rate"]) == (10, 13, 77)
    assert (six["salaried_france"], six["ij_denominator"], six["ij_rate"]) == (9, 14, 64)
    assert (six["employed_any"], six["mesr_denominator"], six["mesr_rate"]) == (11, 13, 85)
    # France Compétences' rate here is the registry's own global rate, from the same answers
    fc = table_rows(
        loaded.warehouse,
        "select insertion_rate_6m, employed_6m, denominator_6m from certification_statistics "
        "where certification_code = 'RNCP34179' and year = 2020",
    )
    assert fc == [(77, 10, 13)]


def test_impossible_pay_values_are_set_aside_with_file_row_and_column(loaded):
    reasons = table_rows(
        loaded.warehouse,
        "select source_row, outcome, reasons from quarantine where file_name = 'survey_2020.csv' order by 1",
    )
    assert [(r, o) for r, o, _ in reasons] == [(8, "field"), (16, "field"), (17, "field")]
    text = {r: " ".join(x) for r, _, x in reasons}
    # the pay shows as its band (issue #23, docs/methodology.md M26), never as typed
    nb = "\u202f"
    assert (
        "'Salaire brut annuel / Salaire brut mensuel (brut annuel)' = "
        f"'0 à 999 € (Salaire brut mensuel) × 12 = 9{nb}000 à 9{nb}999 €'" in text[8]
    )
    assert "at least 10 800 €" in text[8]
    assert "'(montant masqué) (Salaire brut annuel)'" in text[16] and "a gross pay in euros" in text[16]
    assert "trente mille" not in text[16]
    assert (
        f"'900{nb}000 à 900{nb}999 € (Salaire brut annuel)'" in text[17] and "at most 500 000 €" in text[17]
    )
    # the answers still count: their pay only is set aside
    kept = table_rows(
        loaded.warehouse,
        "select source_row, gross_annual_pay, employed from fct_survey_responses "
        "where source_row in (7, 8, 16, 17) and wave = 6 order by 1",
    )
    assert kept == [(7, 9000.0, True), (8, None, True), (16, None, True), (17, None, True)]


def test_validate_rechecks_the_pay_in_the_warehouse(loaded, cli, monkeypatch):
    """`insertion validate` runs the survey suite over the warehouse (pipeline/load/sql/checks/survey_answers.sql): the
    loaded pays pass; with a ceiling of 35 000 € (recorded by a build: validate applies the settings in
    force, not its environment), four fail: P4 (36 000), P5 (42 000), P8 (50 000) at 6 months and P4
    (36 000) at 2 years."""

    def pay_checks():
        return table_rows(
            loaded.warehouse,
            "select r.description, r.success, r.unexpected_count from validation_results as r "
            "join validation_runs as v using (run_id) where v.scope = 'warehouse' "
            "and r.column_name = 'gross_annual_pay' and v.run_id = (select max(run_id) from validation_runs "
            "where scope = 'warehouse' and suite = 'survey_answers') order by 1",
        )

    code, out, err = cli("validate")
    assert code == 0, out + err
    assert [ok for _, ok, _ in pay_checks()] == [True, True]
    monkeypatch.setenv("INSERTION_PAY_CEILING", "35000")
    cli("validate")
    assert [ok for _, ok, _ in pay_checks()] == [True, True]  # the environment alone changes nothing
    assert cli("build")[0] == 0
    cli("validate")
    ceiling = [(ok, n) for text, ok, n in pay_checks() if "at most" in text]
    assert ceiling == [(False, 4)]


def test_pack_sheet_and_methodology(loaded, cli, tmp_path):
    out = tmp_path / "pack.xlsx"
    code, stdout, err = cli("renewal", "RNCP34179", "--years", "2020", "--out", out)
    assert code == 0, err
    book = openpyxl.load_workbook(out)
    ws = book["Conditions d'emploi"]
    cells = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    flat = [c for row in cells for c in row if c is not None]
    assert "Salaire brut annuel des emplois à temps plein" in flat
    header = next(
        r
        for r in cells
        if r[0] == "Année d'obtention de la certification" and "Part des emplois en CDI (en %)" in r
    )
    six = cells[cells.index(header) + 1]
    assert six[:3] == (2020, "6 mois", 60)[:3] or list(six[:3]) == [2020, "6 mois", 60]
    pay_header = next(
        r
        for r in cells
        if r[0] == "Année d'obtention de la certification"
        and "Salaire brut annuel, temps plein : Médiane (€)" in r
    )
    pay_rows = cells[cells.index(pay_header) + 1 : cells.index(pay_header) + 3]
    median = pay_header.index("Salaire brut annuel, temps plein : Médiane (€)")
    assert [r[median] for r in pay_rows] == [30600, None]
    assert "non publié : moins de 5 salaires" in pay_rows[1]
    alt_header = next(
        r
        for r in cells
        if r[0] == "Année d'obtention de la certification"
        and any(str(c).startswith("Taux d'emploi salarié en France") for c in r if c)
    )
    alt = cells[cells.index(alt_header) + 1]
    assert [alt[alt_header.index(k)] for k in alt_header if k and k.endswith("(en %)")] == [77, 64, 85]
    method = {r[1]: r[2] for r in book["Méthodologie"].iter_rows(min_row=6, values_only=True) if r[1]}
    assert "multiplié par 12 (et non 13)" in method["Salaire : conversion en annuel"]
    assert "5 salaires" in method["Salaire : seuil de publication"]


def test_dashboard_tables(loaded):
    from dashboard.app import create_app

    create_app(loaded.snapshot, loaded.data_docs_dir)
    from dashboard.pages import certification

    conditions, alternatives = certification.update_conditions("RNCP34179")
    six = conditions[0]
    assert (six["year"], six["wave"]) == (2020, "6 mois")
    assert six["cdi_share"] == "60\u00a0% (6/10) ⚠" and six["executive_share"] == "38\u00a0% (3/8) ⚠"
    assert six["pay_median"] == "30\u202f600\u00a0€" and conditions[1]["pay_median"] == "–"
    assert six["pay_answers"] == "6 ⚠"  # its base is under the small-cohort threshold (20), flagged
    assert [alternatives[0][k] for k in ("fc_rate", "ij_rate", "mesr_rate")] == [
        "77\u00a0% (10/13) ⚠",
        "64\u00a0% (9/14) ⚠",
        "85\u00a0% (11/13) ⚠",
    ]


def test_crafted_promotion_equals_the_independent_recomputation(loaded):
    same_as_oracle(loaded.warehouse, FOLDER)


def test_sample_equals_the_independent_recomputation(sample_warehouse):
    same_as_oracle(sample_warehouse.warehouse, ROOT / "data" / "raw")
