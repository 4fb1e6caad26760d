"""The dashboard in a real headless Chromium: every page, the filters, the shared link, the certification
page, the SQL page, the downloads (fixtures and the skip switch: tests/browser/conftest.py).

Screenshots of every page go to test-artifacts/.
"""

import re
from pathlib import Path

import pytest

from tests.browser.helpers import NBSP, NNBSP, choose, shot, table_rows


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/", "Vue d'ensemble"),
        ("/certification", "Certification"),
        ("/metiers", "Métiers exercés (codes ROME)"),
        ("/voies", "Voies d'accès"),
        ("/enquetes", "Enquêtes"),
        ("/partenaires", "Partenaires"),
        ("/qualite", "Qualité des données"),
        ("/sql", "Requêtes SQL"),
    ],
)
def test_every_page_opens_in_french(server, page, path, heading):
    page.goto(server + path)
    page.get_by_role("heading", name=heading, exact=True).wait_for(timeout=15000)
    page.wait_for_timeout(1500)
    assert page.locator("html").get_attribute("lang") == "fr"
    shot(page, "page" + (path.replace("/", "-") if path != "/" else "-vue-d-ensemble"))


def test_overview_filter_updates_figures_table_and_link(server, page):
    page.goto(server + "/")
    page.get_by_role("heading", name="Vue d'ensemble").wait_for()
    before = table_rows(page, "overview-years")
    assert {r[0] for r in before} >= {"2017", "2018", "2019", "2024"}
    choose(page, "overview-certification", "RNCP34179")
    page.wait_for_function("document.querySelectorAll('[id*=\"overview-years\"] tr:has(td)').length === 2")
    rows = table_rows(page, "overview-years")
    assert rows[1][:5] == ["2017", "35", "0", f"97{NBSP}% (34/35)", f"88{NBSP}% (29/33)"]
    assert rows[0][4] == f"100{NBSP}% (9/9) ⚠"
    assert page.locator(".kpi-value").first.inner_text() == "46"
    assert "cert=RNCP34179" in page.url
    shot(page, "overview-filtered")
    with page.expect_download() as info:
        page.get_by_role("button", name="Télécharger CSV").click()
    download = info.value
    assert re.fullmatch(
        r"vue-d-ensemble_par-annee_RNCP34179_\d{4}-\d\d-\d\d\.csv", download.suggested_filename
    )
    content = Path(download.path()).read_text(encoding="utf-8-sig")  # BOM for French Excel
    header = content.splitlines()[0].split(";")
    assert header[:7] == [
        "Année",
        "Certifiés",
        "dont VAE",
        "Taux de réponse à 6 mois (%)",
        "Taux de réponse à 6 mois : n",
        "Taux de réponse à 6 mois : N",
        "Taux de réponse à 6 mois : ⚠ petit effectif",
    ]
    # numbers as numbers: the rate, its n and N in their own columns
    assert "2017;35;0;97;34;35;;88;29;33;;70;23;33;;91;21;23;;78;18;23;" in content
    assert "2018;11;0;" in content and ";100;9;9;oui;" in content


def test_shared_link_restores_the_filters(server, page):
    page.goto(server + "/voies#cert=RNCP34179&year=2017")
    page.get_by_role("heading", name="Voies d'accès").wait_for()
    page.wait_for_function(
        "document.querySelectorAll('[id*=\"voies-routes\"] tr:has(td)').length === 5", timeout=15000
    )
    rows = table_rows(page, "voies-routes")
    assert {r[0] for r in rows} == {"2017"}
    assert sum(int(r[2]) for r in rows) == 35


def test_certification_page_shows_the_fiche(server, page):
    page.goto(server + "/certification")
    page.get_by_role("heading", name="Certification").wait_for()
    choose(page, "certification-certification", "RNCP34179")
    page.wait_for_function("document.body.innerText.includes('Chef de projet e-commerce')", timeout=15000)
    rows = table_rows(page, "certification-stats")
    assert [r[:6] for r in rows] == [
        ["2018", "11", "0", f"100{NBSP}% (9/9) ⚠", f"100{NBSP}% (9/9) ⚠", f"80{NBSP}% (8/10) ⚠"],
        ["2017", "35", "0", f"88{NBSP}% (29/33)", f"70{NBSP}% (23/33)", f"78{NBSP}% (18/23)"],
    ]
    shot(page, "certification-rncp34179")


def test_certification_page_shows_conditions_of_employment(server, page):
    """Issue #17: contract and pay, then the other definitions side by side, each defined. Expected values:
    tests/reference/recompute.py conditions() on the sample (2017, 6 months: 10 CDI of 29 contracts,
    median full-time pay 28 800 €; 29 employed of 33 for France Compétences)."""
    page.goto(server + "/certification")
    page.get_by_role("heading", name="Certification").wait_for()
    choose(page, "certification-certification", "RNCP34179")
    page.get_by_role("heading", name="Conditions d'emploi des répondants en emploi").wait_for()
    rows = {(r[0], r[1]): r for r in table_rows(page, "certification-conditions")}
    assert rows[("2017", "6 mois")][2] == f"34{NBSP}% (10/29)"
    assert f"28{NNBSP}800{NBSP}€" in rows[("2017", "6 mois")]
    assert rows[("2017", "2 ans")][-1] == "–"  # no pay answered at 2 years
    alternatives = {(r[0], r[1]): r for r in table_rows(page, "certification-alternatives")}
    assert alternatives[("2017", "6 mois")][2] == f"88{NBSP}% (29/33)"
    definitions = page.locator("#certification-definitions").inner_text()
    assert "InserJeunes" in definitions and "en recherche d'emploi" in definitions
    shot(page, "certification-conditions")


def test_sql_page_runs_a_query_and_refuses_writes(server, page):
    page.goto(server + "/sql")
    page.get_by_role("heading", name="Requêtes SQL").wait_for()
    box = page.locator("#sql-query")
    box.fill(
        "select year, certified from certification_statistics where certification_code = 'RNCP34179' order by year"
    )
    page.get_by_role("button", name="Exécuter").click()
    page.wait_for_function(
        "document.querySelector('#sql-message').innerText.includes('ligne')", timeout=15000
    )
    assert table_rows(page, "sql-result") == [["2017", "35"], ["2018", "11"]]
    with page.expect_download() as info:
        page.get_by_role("button", name="Télécharger CSV").click()
    raw = Path(info.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: French Excel reads the accents right
    assert raw.decode("utf-8-sig").splitlines() == [
        "year;certified",
        "2017;35",
        "2018;11",
    ]
    for forbidden in [
        "copy (select 1) to '/tmp/insertion-forbidden.csv'",
        "attach '/tmp/x.duckdb' as x",
        "install httpfs",
    ]:
        box.fill(forbidden)
        page.get_by_role("button", name="Exécuter").click()
        page.wait_for_function(
            "document.querySelector('#sql-message').innerText.startsWith('Erreur')", timeout=15000
        )
        assert "Traceback" not in page.locator("#sql-message").inner_text()
    assert not Path("/tmp/insertion-forbidden.csv").exists()
    shot(page, "sql-refused")


def test_certification_page_downloads_the_renewal_pack(server, page, tmp_path):
    import openpyxl

    page.goto(server + "/certification")
    page.get_by_role("heading", name="Certification").wait_for()
    choose(page, "certification-certification", "RNCP34179")
    page.wait_for_function("document.body.innerText.includes('Chef de projet e-commerce')", timeout=15000)
    button = page.get_by_role("button", name="Télécharger le dossier de renouvellement (Excel)")
    assert button.is_visible()
    with page.expect_download(timeout=30000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "renouvellement-RNCP34179.xlsx"
    saved = tmp_path / download.suggested_filename  # Playwright keeps downloads without an extension
    download.save_as(saved)
    book = openpyxl.load_workbook(saved)
    assert "Statistiques" in book.sheetnames
    assert book["Statistiques"]["A1"].value.startswith("RNCP34179")
    page.wait_for_function(
        "document.querySelector('#certification-renewal-message').innerText.includes('généré')", timeout=15000
    )
    # beside it, its accessible equivalent (issue #26): the tagged PDF
    with page.expect_download(timeout=60000) as info:
        page.get_by_role("button", name="Télécharger le dossier de renouvellement (PDF accessible)").click()
    assert info.value.suggested_filename == "renouvellement-RNCP34179.pdf"
    assert Path(info.value.path()).read_bytes()[:4] == b"%PDF"
    shot(page, "certification-renewal-pack")


def test_partners_page_filters_by_partner_and_downloads(server, page):
    """Issue #16: the Partenaires page, its partner filter and its download."""
    page.goto(server + "/partenaires#cert=RNCP34179")
    page.get_by_role("heading", name="Partenaires", exact=True).wait_for(timeout=15000)
    page.wait_for_function(
        "document.querySelectorAll('[id*=\"partenaires-partners\"] tr:has(td)').length === 8", timeout=15000
    )
    rows = table_rows(page, "partenaires-partners")
    brest = [r for r in rows if r[1] == "Web Académie Brest"]
    assert [(r[3], r[4], r[5]) for r in brest] == [("2018", "1", "⚠ 1"), ("2017", "3", "⚠ 3")]
    choose(page, "partenaires-partner", "Campus Numérique")
    page.wait_for_function(
        "document.querySelectorAll('[id*=\"partenaires-partners\"] tr:has(td)').length === 2", timeout=15000
    )
    rows = table_rows(page, "partenaires-partners")
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in rows] == [
        ("RNCP34179", "Campus Numérique Atlantique", "84215736900013", "2018", "3"),
        ("RNCP34179", "Campus Numérique Atlantique", "84215736900013", "2017", "14"),
    ]
    page.keyboard.press("Escape")  # a multiple choice stays open after Enter
    shot(page, "partenaires-filtered")
    with page.expect_download() as info:
        page.get_by_role("button", name="Télécharger CSV").first.click()
    download = info.value
    assert re.fullmatch(
        r"partenaires_par-partenaire_RNCP34179_84215736900013_\d{4}-\d\d-\d\d\.csv",
        download.suggested_filename,
    )
    content = Path(download.path()).read_text(encoding="utf-8-sig")
    assert content.splitlines()[0].startswith("Certification;Partenaire;SIRET;Année;Certifiés;")
    assert "RNCP34179;Campus Numérique Atlantique;84215736900013;2017;14;" in content
