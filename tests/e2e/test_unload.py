"""Issue #24 on the shipped sample: after `insertion unload`, every table the figures are made of equals a
full `insertion build` of data/raw/ without that file; a declaration that counted the file still verifies
from its own records, and the drift says the answers left with their file; the Qualité page shows the
log. (Small inputs, refusals and `insertion loads`: tests/models/test_unload.py.)"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.core.config import Settings
from tests.helpers import ROOT, relation_rows, table_rows

RAW = ROOT / "data" / "raw"
RELATIONS = (
    "certification_statistics",
    "access_route_statistics",
    "statistics_by_route",
    "statistics_by_partner",
    "mart_outcome_counts",
    "mart_employment_conditions",
    "mart_jobs",
    "mart_survey_waves",
    "fct_certified",
    "fct_survey_attachments",
    "fct_survey_responses",
    "habilitation_issues",
    "quality_issues",
    "titles_to_review",
    "landing_cohort_results",
    "landing_survey_answers",
    "quarantine",
    "job_title_matches",
)
VARYING = {"load_id", "matched_at", "reviewed_at"}  # load ids and clocks differ between two warehouses


def contents(path: Path) -> dict[str, list[tuple]]:
    """Every row of the relations the figures are made of, load ids and clocks aside."""
    return relation_rows(path, RELATIONS, VARYING)


@pytest.mark.parametrize(
    "name",
    [
        "cohortes/RNCP35809_resultats_jurys.xlsx",  # its certified go: RNCP35809's answers attach nowhere
        "enquetes/RNCP34179_enquete_6_mois.csv",  # the 6-month answers of the declared fiche
    ],
)
def test_figures_after_unload_equal_a_build_without_that_file(sample_copy, cli, tmp_path, monkeypatch, name):
    monkeypatch.setenv("INSERTION_TODAY", "2026-11-30")  # the day the shared sample was built on
    settings = Settings.load()
    raw = tmp_path / "raw-without"
    shutil.copytree(RAW, raw)
    (raw / name).unlink()
    without = tmp_path / "without" / "insertion.duckdb"
    code, out, err = cli("build", "--warehouse", without, "--raw-dir", raw)  # same key as the sample copy
    assert code == 0, out + err
    before = contents(settings.warehouse)
    assert before != contents(without)

    code, out, err = cli("unload", RAW / name, "--by", "C. Moreau", "--why", "fichier d'une autre fiche")
    assert code == 0, out + err
    # one row of the audit journal: who, why (issue #25)
    code, journal, err = cli("audit", "--action", "dechargement", "--format", "csv")
    assert code == 0, err
    rows = [
        line for line in journal.splitlines()[1:] if str(RAW / name) in line
    ]  # the run's journal is shared
    assert len(rows) == 1 and ";C. Moreau;" in rows[0] and "motif : fichier d'une autre fiche" in rows[0], (
        journal
    )
    expected = contents(without)
    assert contents(settings.warehouse) == expected
    assert contents(settings.snapshot) == contents(Settings.load(warehouse=without).snapshot)  # republished
    # and loading it again gives back the sample
    code, out, err = cli("ingest", RAW / name)
    assert code == 0 and "déjà chargé" not in out, out + err
    assert contents(settings.warehouse) == before


def test_a_declaration_still_verifies_after_its_file_is_unloaded(sample_copy, cli, tmp_path):
    settings = Settings.load()
    code, out, err = cli(
        "declare",
        "RNCP34179",
        "--years",
        "2017-2018",
        "--to",
        "France Compétences",
        "--out-dir",
        tmp_path / "d",
    )
    assert code == 0, out + err
    code, out, err = cli(
        "unload",
        "RNCP34179_enquete_6_mois.csv",
        "--by",
        "C. Moreau",
        "--why",
        "enquête d'une autre promotion",
    )
    assert code == 0, out + err
    assert "attention : la déclaration n° 1 comptait ce fichier ; elle reste vérifiable" in out
    assert table_rows(settings.warehouse, "select declarations from unload_log") == [([1],)]
    # the declaration proves its figures from its own recorded rows
    code, out, err = cli("declare", "--verify", "1")
    assert code == 0 and "vérifiée" in out, out + err
    code, out, err = cli("declare", "--list")
    assert "France Compétences" in out
    # the current figures have no 6-month answers any more; the drift says why
    code, out, err = cli("stats", "RNCP34179")
    assert code == 0, err
    line = next(x for x in out.splitlines() if x.strip().startswith("2017 Insertion globale à 6 mois"))
    assert "déclaré le" in line and "(29/33)" in line
    assert "réponse(s) retirée(s) avec leur fichier (insertion unload) (RNCP34179_enquete_6_mois.csv)" in line
    # the Qualité page shows the log, from the republished snapshot
    from dashboard.app import create_app

    create_app(settings.snapshot, settings.data_docs_dir)
    from dashboard.pages import qualite

    layout = str(qualite.layout())
    assert "Fichiers retirés" in layout and "enquête d'une autre promotion" in layout
    assert "C. Moreau" in layout and "retiré" in layout
