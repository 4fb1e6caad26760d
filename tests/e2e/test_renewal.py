"""The renewal pack: XLSX read back with openpyxl, alerts on crafted cases (its HTML, parsed and printed in
chromium: tests/browser/test_browser_renewal.py)."""

import os
import re
from pathlib import Path

import openpyxl
import pytest

from tests.helpers import table_rows

SHEETS = [
    "Statistiques",
    "Par voie d'accès",
    "Emplois occupés",
    "Adéquation",
    "Conditions d'emploi",
    "Méthodologie",
    "Qualité",
    "Alertes",
    "Par partenaire",  # issue #16
]


def rows_of(ws, header_row: int = 5) -> list[tuple]:
    return [
        r for r in ws.iter_rows(min_row=header_row + 1, values_only=True) if any(v is not None for v in r)
    ]


@pytest.fixture
def cli(sample_cli):
    """Every test here only reads: the sample built once per run (conftest.py), packs written to tmp_path."""
    return sample_cli


def test_xlsx_has_the_fiche_figures_and_the_jobs(cli, tmp_path):
    out = tmp_path / "renouvellement-RNCP34179.xlsx"
    code, stdout, err = cli("renewal", "RNCP34179", "--out", out)
    assert code == 0, err
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == SHEETS
    stats = book["Statistiques"]
    assert stats["A1"].value == "RNCP34179 — Chef de projet e-commerce"
    assert "FORMAOUEST" in stats["A2"].value and "2017, 2018" in stats["A3"].value
    assert re.search(r"généré le \d{2}/\d{2}/\d{4}", stats["A3"].value)
    assert stats.freeze_panes == "A6"
    header = [c.value for c in stats[5]]
    assert header[:6] == [
        "Année d'obtention de la certification",
        "Nombre de certifiés",
        "Nombre de certifiés à la suite d'un parcours VAE",
        "Taux d'insertion global à 6 mois (en %)",
        "Taux d'insertion dans le métier visé à 6 mois (en %)",
        "Taux d'insertion dans le métier visé à 2 ans (en %)",
    ]
    assert [r[:6] for r in rows_of(stats)] == [(2018, 11, 0, 100, 100, 80), (2017, 35, 0, 88, 70, 78)]
    assert stats.cell(row=6, column=4).number_format == '0" %"'
    jobs = book["Emplois occupés"]
    jobs_rows = rows_of(jobs)
    employed = table_rows(
        Path(os.environ["INSERTION_WAREHOUSE"]),
        "select count(*) from fct_survey_responses where certification_code = 'RNCP34179' and employed",
    )
    assert len(jobs_rows) == employed[0][0] == 29 + 9 + 21 + 9
    columns = [c.value for c in jobs[5]]
    by_title = {r[columns.index("Intitulé du poste")]: r for r in jobs_rows}
    community = by_title["Community manager"]
    assert (
        community[columns.index("Code ROME")] == "E1101"
        and community[columns.index("Dans le métier visé")] == "oui"
    )
    assert len(community[0]) == 12 and "FO-" not in str(jobs_rows)  # pseudonymous references only
    decided = {r[columns.index("Décidé par")] for r in jobs_rows}
    assert "Adéquation saisie dans l'enquête" in decided and "Code ROME de l'enquête" in decided
    alerts = [r[1] for r in rows_of(book["Alertes"])]
    assert any("base de calcul de 9" in a for a in alerts) and any(a.endswith(": échu") for a in alerts)
    method = {r[1]: r[2] for r in rows_of(book["Méthodologie"])}
    assert "RNCP34179_jurys_2017-2018.csv" in method and "sha256" in method["RNCP34179_jurys_2017-2018.csv"]
    assert "Contrat en alternance : 1" in method["Promotion 2017, enquête à 6 mois : neutralisés"]
    # the head-counts add up: certified = respondents + non-respondents
    assert method["Promotion 2017, enquête à 6 mois"].startswith(
        "35 certifiés = 34 répondants + 1 non-répondants"
    )
    for rule in (
        "Une réponse par personne et par vague",
        "Rattachement à une promotion",
        "Code ROME d'un emploi",
        "Taux de réponse",
        "Codes ROME de la fiche",
        "Réponses hors fenêtre",
    ):
        assert rule in method, rule


def test_same_warehouse_same_content(cli, tmp_path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    cli("renewal", "RNCP35809", "--out", a)
    cli("renewal", "RNCP35809", "--out", b)

    def content(path):
        book = openpyxl.load_workbook(path)
        return [
            [row for i, row in enumerate(book[s].iter_rows(values_only=True)) if i != 2]
            for s in book.sheetnames
        ]

    assert content(a) == content(b)


def test_alerts_for_crafted_cases(cli, tmp_path):
    # the alerts are the certification's (as on the Certification page), whatever the promotions chosen
    cli("renewal", "RNCP35809", "--years", "2019", "--out", tmp_path / "one.xlsx")
    one = [r[1] for r in rows_of(openpyxl.load_workbook(tmp_path / "one.xlsx")["Alertes"])]
    cli("renewal", "RNCP35809", "--out", tmp_path / "low.xlsx")
    alerts = [r[1] for r in rows_of(openpyxl.load_workbook(tmp_path / "low.xlsx")["Alertes"])]
    assert one == alerts
    assert any("de réponses" in a and "sous le seuil de 50 %" in a for a in alerts)
    assert any("Métreur aménagement intérieur" in a for a in alerts)
    adequation = openpyxl.load_workbook(tmp_path / "low.xlsx")["Adéquation"]
    assert "Métreur aménagement intérieur" in str(list(adequation.values))


def test_the_dossier_keeps_small_rates_and_flags_them(cli, tmp_path):
    """The France Compétences dossier shows full figures (never suppressed), ⚠ on small bases."""
    cli("renewal", "RNCP34179", "--out", tmp_path / "s.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "s.xlsx")["Statistiques"]
    header = [c.value for c in sheet[5]]
    rows = rows_of(sheet)
    assert rows[0][:6] == (2018, 11, 0, 100, 100, 80)  # denominators 9 and 10 < 20: shown, flagged
    flag = rows[0][header.index("⚠ Taux à 6 mois dont la base est sous le seuil (n/N)")]
    assert flag.startswith("⚠") and "Insertion globale à 6 mois (9/9)" in flag
    assert "Taux de réponse à 6 mois (10/11)" in flag  # its own base: the 11 certified
    assert rows[1][header.index("⚠ Taux à 6 mois dont la base est sous le seuil (n/N)")] in ("", None)


def test_bad_requests_leave_no_file(cli, tmp_path):
    code, _, err = cli("renewal", "RNCP99999", "--out", tmp_path / "x.xlsx")
    assert code == 2 and "certification inconnue" in err
    code, _, err = cli("renewal", "RNCP34179", "--years", "2030", "--out", tmp_path / "x.xlsx")
    assert code == 2 and "aucune donnée pour les promotions 2030" in err
    code, _, err = cli("renewal", "RNCP34179", "--out", tmp_path / "missing" / "x.xlsx")
    assert code == 2 and "écriture impossible" in err
    assert list(tmp_path.glob("**/*.xlsx")) == [] and list(tmp_path.glob("**/.*.tmp")) == []
