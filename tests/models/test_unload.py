"""Issue #24: `insertion unload` — a load's rows removed everywhere, the certifications it touched
recomputed (the figures of a warehouse that never had the file), who, when and why kept, the snapshot
republished; `insertion loads` lists the loads with their ids. The sample's version (figures equal to a
full build without the file, declarations): tests/e2e/test_unload.py; a kill between the removal and the
refresh: tests/models/test_reliability.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import FIXTURES, ROOT, content_hash, relation_rows, table_rows

COHORT, SURVEY = FIXTURES / "cohort_ok.csv", FIXTURES / "survey_ok.csv"
# a junk survey file: a malformed ROME code (field set aside), an unknown situation (row quarantined), a
# later answer of C3 that wins over survey_ok.csv's, and a job title no other file holds
JUNK = (
    "Identifiant;Code RNCP;Vague;Date de réponse;Situation actuelle;Intitulé du poste;Code ROME\n"
    "C1;RNCP34179;6 mois;10/01/2019;En emploi;Rédactrice web;E110\n"
    "C2;RNCP34179;6 mois;10/01/2019;Astronaute;;\n"
    "C3;RNCP34179;6 mois;20/01/2019;En emploi;Dompteur de lions;\n"
)
RELATIONS = (
    "certification_statistics",
    "access_route_statistics",
    "mart_outcome_counts",
    "mart_employment_conditions",
    "fct_certified",
    "fct_survey_responses",
    "fct_survey_attachments",
    "quality_issues",
    "titles_to_review",
    "landing_cohort_results",
    "landing_survey_answers",
    "quarantine",
    "job_title_matches",
)
# columns that differ between two warehouses holding the same rows: load ids, clocks
VARYING = {"load_id", "matched_at", "reviewed_at"}


def contents(path: Path) -> dict[str, list[tuple]]:
    """Every row of the relations the figures are made of, load ids and clocks aside."""
    return relation_rows(path, RELATIONS, VARYING)


@pytest.fixture
def junk(tmp_path) -> Path:
    path = tmp_path / "enquete_rebut.csv"
    path.write_text(JUNK, encoding="utf-8")
    return path


def load_id(settings, name: str) -> int:
    return table_rows(settings.warehouse, "select max(load_id) from load_log where file_name = ?", [name])[0][
        0
    ]


def test_unload_leaves_the_warehouse_of_a_load_that_never_came(cli, settings, tmp_path, junk):
    without = tmp_path / "without" / "insertion.duckdb"
    assert cli("ingest", "--warehouse", without, COHORT, SURVEY)[0] == 0
    assert cli("ingest", COHORT, SURVEY, junk)[0] == 0
    with_junk = contents(settings.warehouse)
    assert with_junk != contents(without)
    assert table_rows(settings.warehouse, "select count(*) from quarantine") == [(2,)]  # a row, a field

    code, out, err = cli("unload", junk, "--by", "C. Moreau", "--why", "fichier de rebut")
    assert code == 0, out + err
    assert (
        "Chargement n° 3 retiré (enquete_rebut.csv, réponses d'enquête) : 2 ligne(s) et 2 ligne(s) de " in out
    )
    assert "certifications recalculées : RNCP34179" in out and "Retrait n° 1 enregistré" in out
    assert contents(settings.warehouse) == contents(without)
    assert contents(settings.snapshot) == contents(without)  # republished
    # who, when and why, in the append-only log; the load's line stays, marked
    assert table_rows(
        settings.warehouse,
        "select unload_id, load_id, file_name, kind, rows_removed, quarantine_removed, certifications, "
        "declarations, unloaded_by, reason, unloaded_at is not null from unload_log",
    ) == [
        (
            1,
            3,
            "enquete_rebut.csv",
            "survey_answers",
            2,
            2,
            ["RNCP34179"],
            [],
            "C. Moreau",
            "fichier de rebut",
            True,
        )
    ]
    assert table_rows(settings.snapshot, "select count(*) from unload_log") == [(1,)]
    assert table_rows(settings.warehouse, "select status from load_log where load_id = 3") == [("unloaded",)]
    assert table_rows(settings.warehouse, "select count(*) from pending_refresh") == [(0,)]

    # the same file may come again: not « already loaded », and the figures are back
    code, out, err = cli("ingest", junk)
    assert code == 0 and "2 lignes sur 3" in out, out + err
    assert contents(settings.warehouse) == with_junk
    code, out, _ = cli("loads")
    lines = out.splitlines()
    assert lines[0].split("|")[0].strip() == "N°" and "Statut" in lines[0] and "Certifications" in lines[0]
    assert any("enquete_rebut.csv" in line and "retiré" in line and "C. Moreau" in line for line in lines)
    assert any(line.startswith(" 4 | enquete_rebut.csv") and "chargé" in line for line in lines)
    code, out, _ = cli("loads", "--status", "retiré")
    assert [line.split("|")[0].strip() for line in out.splitlines()[2:]] == ["3"]


def test_a_load_is_named_by_its_id_its_file_or_its_name(cli, settings, tmp_path, junk):
    other = tmp_path / "autre" / "enquete_rebut.csv"  # the same name, another content
    other.parent.mkdir()
    other.write_text(JUNK.replace("20/01/2019", "21/01/2019"), encoding="utf-8")
    assert cli("ingest", COHORT, junk, other)[0] == 0
    code, _, err = cli("unload", "enquete_rebut.csv", "--by", "C. Moreau", "--why", "doublon")
    assert code == 2 and "plusieurs chargements correspondent : n° 2 (enquete_rebut.csv), n° 3" in err
    code, out, err = cli("unload", other, "--by", "C. Moreau", "--why", "doublon")  # by its content
    assert code == 0 and "Chargement n° 3 retiré" in out, out + err
    code, out, err = cli("unload", "enquete_rebut.csv", "--by", "C. Moreau", "--why", "doublon")  # one left
    assert code == 0 and "Chargement n° 2 retiré" in out, out + err
    code, out, err = cli("unload", "1", "--by", "C. Moreau", "--why", "mauvais jury")
    assert code == 0 and "Chargement n° 1 retiré (cohort_ok.csv, résultats de jury)" in out, out + err
    assert table_rows(settings.warehouse, "select count(*) from landing_cohort_results") == [(0,)]
    assert table_rows(settings.warehouse, "select count(*) from fct_certified") == [(0,)]
    assert table_rows(settings.warehouse, "select load_id from unload_log order by unload_id") == [
        (3,),
        (2,),
        (1,),
    ]


def test_what_cannot_be_unloaded_is_refused_and_changes_nothing(cli, settings):
    rome = ROOT / "data" / "raw" / "rome" / "unix_referentiel_code_rome_v460_utf8.csv"
    cli("ingest", rome, COHORT, FIXTURES / "cohort_missing_column.csv")  # the last one is rejected
    assert cli("unload", "2", "--by", "C. Moreau", "--why", "essai")[0] == 0
    before = content_hash(settings.warehouse)
    refused = {
        ("1",): "un référentiel (codes ROME) ne se retire pas",
        ("3",): "fichier rejeté au chargement : aucune ligne n'est entrée",
        ("2",): "déjà retiré",
        ("99",): "aucun chargement ne correspond",
        ("inconnu.csv",): "aucun chargement ne correspond",
    }
    for target, message in refused.items():
        code, _, err = cli("unload", *target, "--by", "C. Moreau", "--why", "essai")
        assert code == 2 and message in err, (target, err)
    for options in (["--by", "C. Moreau"], ["--why", "essai"], ["--by", " ", "--why", "essai"]):
        code, _, err = cli("unload", "2", *options)
        assert code == 2 and "indiquez qui retire le fichier (--by) et pourquoi (--why)" in err
    code, _, err = cli("unload", "--by", "C. Moreau", "--why", "essai")
    assert code == 2 and "indiquez le chargement à retirer" in err
    assert content_hash(settings.warehouse) == before
    assert table_rows(settings.warehouse, "select count(*) from unload_log") == [(1,)]


def test_unload_and_loads_have_french_help_with_examples(capsys):
    from pipeline.cli import main

    for command, example in (
        ("unload", 'insertion unload 12 --by "C. Moreau"'),
        ("loads", "insertion loads"),
    ):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = capsys.readouterr().out
        assert "Exemples :" in out and example in out
