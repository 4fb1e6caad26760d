"""Issue #16: the Partenaires page and the habilitation section of the quality page, called as the
dashboard calls them, on the shared sample; figures against the independent recomputation."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import components
from dashboard.app import create_app
from tests.reference.recompute import rate, recompute_partners

ROOT = Path(__file__).resolve().parents[2]
NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.fixture(scope="module")
def pages(sample_warehouse):
    create_app(sample_warehouse.snapshot, sample_warehouse.data_docs_dir)
    from dashboard.pages import partenaires, qualite

    return partenaires, qualite


@pytest.fixture(scope="module")
def expected():
    by_year, by_route = recompute_partners(ROOT / "data" / "raw", ROOT / "data" / "reference")
    return by_year.set_index(["certification_code", "partner", "year"])


def cell(n: int, d: int, threshold: int = 20) -> str:
    """« 88 % (29/33) », « ⚠ » under the threshold (written here from the design, not the pipeline)."""
    if not d:
        return "–"
    return f"{rate(n, d)}{NBSP}% ({n}/{d})" + (" ⚠" if d < threshold else "")


def test_partner_rows_equal_the_recomputation(pages, expected):
    partenaires, _ = pages
    by_year, by_route, empty = partenaires.update(["RNCP34179"], [], [], [], [])
    assert empty == ""
    seen = set()
    for row in by_year:
        key = ("RNCP34179", f"siret:{row['siret']}" if row["siret"] else "none", row["year"])
        want = expected.loc[key]
        seen.add(key)
        n = {
            k: int(want[k])
            for k in ("certified", "employed_6m", "denominator_6m", "in_target_24m", "denominator_24m")
        }
        assert row["certified"] == str(n["certified"])
        assert row["insertion_6m"] == cell(n["employed_6m"], n["denominator_6m"])
        assert row["target_24m"] == cell(n["in_target_24m"], n["denominator_24m"])
    assert seen == {k for k in expected.index if k[0] == "RNCP34179"}
    brest = [r for r in by_year if r["partner"] == "Web Académie Brest"]
    assert [(r["year"], r["not_habilitated"]) for r in brest] == [
        (2018, "⚠ 1"),
        (2017, "⚠ 3"),
    ]  # newest first
    campus = [r for r in by_year if r["partner"] == "Campus Numérique Atlantique"]
    assert all(r["not_habilitated"] == "" for r in campus)
    none = [r for r in by_year if r["siret"] == ""]
    assert {r["partner"] for r in none} == {"Sans partenaire (certificateur)"}
    # by access route: the certified of each partner add up to the same totals
    assert sum(int(r["certified"]) for r in by_route) == sum(int(r["certified"]) for r in by_year) == 46


def test_partner_filter_keeps_only_that_partner(pages):
    partenaires, _ = pages
    values = [o["value"] for o in components.filter_options()["partner"]]
    assert "19331424200010" in values and "aucun" in values
    by_year, by_route, _ = partenaires.update([], [], [], [], ["19331424200010"])
    assert {(r["certification"], r["partner"], r["siret"]) for r in by_year + by_route} == {
        ("RNCP40344", "LEGTPA DE BLANQUEFORT", "19331424200010")
    }
    assert [(r["year"], r["certified"], r["not_habilitated"]) for r in by_year] == [(2024, "2", "⚠ 2")]
    nothing, _, empty = partenaires.update(["RNCP34179"], [], [], [], ["19331424200010"])
    assert nothing == [] and "Aucun certifié" in str(empty)


def test_quality_page_lists_the_partners_not_habilitated(pages):
    _, qualite = pages
    section = qualite.habilitation_section()
    text = str(section)
    assert "Partenaires non habilités à la date du jury" in text
    heading, _hint, counts, listing = section
    table, detail = counts.children[1], listing.children[1]
    assert table.id == {"type": "table", "table": "qualite-partners"}
    assert [(r["Partenaire"], r["Constat"], r["Certifiés concernés"]) for r in table.data] == [
        (
            "Web Académie Brest (86104835200012)",
            "Habilité à former seulement, mais a organisé l'évaluation",
            4,
        ),
        (
            "Formation Express Ouest (87302951400015)",
            "SIRET absent des partenaires habilités de la certification",
            1,
        ),
        (
            "Alpes Bâtiment Compétences (89563024700016)",
            "Habilitation retirée (ou fiche inactive) avant le jury",
            4,
        ),
        ("LEGTPA DE BLANQUEFORT (19331424200010)", "Habilitation active seulement après le jury", 2),
    ]
    assert len(detail.data) == 11
    assert {
        (r["Date du jury"], r["Fichier"], r["Ligne"]) for r in detail.data if "BLANQUEFORT" in r["Partenaire"]
    } == {("20/06/2024", "RNCP40344_jurys.csv", 90), ("20/06/2024", "RNCP40344_jurys.csv", 91)}


def test_partner_downloads_keep_the_siret_as_text():
    import pandas as pd

    frame = components.typed(pd.DataFrame({"SIRET": ["84215736900013"], "Certifiés": ["14"]}))
    assert frame["SIRET"].tolist() == ["84215736900013"] and frame["Certifiés"].tolist() == [14]
    assert components.file_name("/partenaires", "partenaires-partners", "#cert=RNCP34179").startswith(
        "partenaires_par-partenaire_RNCP34179_"
    )


def test_the_partner_filter_applies_on_every_filtered_page(pages):
    """Issue #16: the partner filter of the filter bar narrows the overview, the routes and the jobs."""
    from dashboard.pages import metiers, overview, voies

    everyone = overview.update(["RNCP40344"], [2024], [], [])
    blanquefort = overview.update(["RNCP40344"], [2024], [], [], ["19331424200010"])
    assert everyone[2][0]["certified"] == "12" and blanquefort[2][0]["certified"] == "2"
    _, routes = voies.update(["RNCP40344"], [2024], [], [], "insertion_rate_6m", ["19331424200010"])
    assert [(r["route"], r["certified"]) for r in routes] == [("CQ – Contrat de professionnalisation", "2")]
    share, _, titles, _ = metiers.update(["RNCP40344"], [2024], [], [], 6, ["aucun"])  # no partner
    share_all, _, titles_all, _ = metiers.update(["RNCP40344"], [2024], [], [], 6)
    assert 0 < sum(int(t["employed"]) for t in titles) < sum(int(t["employed"]) for t in titles_all)
    labels = {o["value"]: o["label"] for o in components.filter_options()["partner"]}
    assert labels["19331424200010"] == "LEGTPA DE BLANQUEFORT (19331424200010)"
    assert labels["aucun"] == "Sans partenaire (certificateur)"
