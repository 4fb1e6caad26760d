"""Issue #17: declarations — recorded append-only, proved from their records, drift explained.

The sample's RNCP34179 (2017: 35 certified, 34 respondents at 6 months, base 33, 29 employed, 23 in
the targeted occupation). FO-2017-0005 did not answer the 6-month survey; a late answer saying
« En emploi », Community manager (E1101, one of the fiche's codes), makes it 35 respondents, base 34,
30 employed (88.2 -> 88 %, unchanged) and 24 in target (70.6 -> 71 %: one point more than declared).
"""

import hashlib
import json

import duckdb
import openpyxl
import pytest

from pipeline.core.config import Settings
from pipeline.warehouse import db as warehouse
from pipeline.warehouse import models
from tests.helpers import ROOT, killed_at, table_rows

PARTS = ("declaration", "figures", "files", "people", "answers", "outputs")


@pytest.fixture
def declared(sample_copy, cli, tmp_path):
    out = tmp_path / "declaration"
    code, stdout, err = cli(
        "declare", "RNCP34179", "--years", "2017-2018", "--to", "France Compétences",
        "--note", "dépôt du 12/03/2026", "--out-dir", out,
    )  # fmt: skip
    assert code == 0, stdout + err
    assert "Déclaration n° 1 enregistrée" in stdout
    return out


def sha256_of_manifest(manifest: dict) -> str:
    """The digest as the manifest's algorithm states it, computed here from the JSON file alone."""
    content = {part: manifest[part] for part in PARTS}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def figure(settings: Settings, measure: str, year: int = 2017, route: str = "ALL"):
    return table_rows(
        settings.warehouse,
        "select value, numerator, denominator from declaration_figures "
        "where declaration_id = 1 and measure = ? and year = ? and access_route = ?",
        [measure, year, route],
    )


def test_a_declaration_records_the_pack_and_verifies(declared, sample_copy, cli):
    settings = Settings.load()
    assert sorted(p.name for p in declared.iterdir()) == [
        "manifest.json",
        "renouvellement-RNCP34179.html",
        "renouvellement-RNCP34179.xlsx",
    ]
    manifest = json.loads((declared / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["digest"] == sha256_of_manifest(manifest)
    assert manifest["declaration"]["recipient"] == "France Compétences"
    assert manifest["declaration"]["years"] == [2017, 2018]
    assert manifest["declaration"]["settings"]["small_cohort_threshold"] == 20
    assert manifest["declaration"]["code_version"].startswith("0.1.0")
    # the fiche's figures, with n/N and interval, per year and route
    assert figure(settings, "insertion_rate_6m") == [(88.0, 29, 33)]
    assert figure(settings, "target_job_rate_24m") == [(78.0, 18, 23)]
    assert figure(settings, "target_job_rate_6m", 2018) == [(100.0, 9, 9)]
    routes = table_rows(
        settings.warehouse, "select distinct access_route from declaration_figures order by 1"
    )
    assert ("ALL",) in routes and len(routes) > 1
    # the people and answers counted, pseudonymous; the files with their sha256 and load ids
    assert table_rows(settings.warehouse, "select count(*) from declaration_people") == [(46,)]
    assert table_rows(
        settings.warehouse,
        "select count(*) from declaration_answers where responded and wave = 6 and year = 2017",
    ) == [(34,)]
    files = table_rows(settings.warehouse, "select file_name, sha256, load_id from declaration_files")
    names = {f for f, _, _ in files}
    assert {"RNCP34179_jurys_2017-2018.csv", "RNCP34179_enquete_6_mois.csv"} <= names
    loaded = dict(
        table_rows(settings.warehouse, "select file_name, sha256 from load_log where status = 'loaded'")
    )
    assert all(loaded[f] == sha for f, sha, _ in files)
    assert "FO-2017" not in json.dumps(manifest)  # pseudonymous only
    code, out, err = cli("declare", "--verify", "1")
    assert code == 0, out + err
    assert "vérifiée" in out
    code, out, _ = cli("declare", "--list")
    assert "France Compétences" in out and "dépôt du 12/03/2026" in out


def test_declarations_survive_a_rebuild_and_reach_the_snapshot(declared, sample_copy, cli):
    settings = Settings.load()
    before = table_rows(settings.warehouse, "select * from declaration_figures order by all")
    code, out, err = cli("build")
    assert code == 0, out + err
    with warehouse.connect(settings.warehouse) as con:  # a full rebuild of every mart
        models.build_models(con, settings)
        warehouse.publish_snapshot(con, settings)
    assert table_rows(settings.warehouse, "select * from declaration_figures order by all") == before
    assert table_rows(settings.snapshot, "select count(*) from declarations") == [(1,)]
    code, out, err = cli("declare", "--verify", "1")
    assert code == 0 and "vérifiée" in out, out + err


def test_late_answer_drift(declared, sample_copy, cli, tmp_path):
    late = tmp_path / "enquete_6_mois_relance.csv"
    late.write_text(
        "Identifiant,Code RNCP,Vague,Date de réponse,Situation actuelle,Intitulé du poste,Code ROME,Type de contrat\n"
        "FO-2017-0005,RNCP34179,6 mois,15/02/2018,En emploi,Community manager,E1101,CDI\n",
        encoding="utf-8",
    )
    code, out, err = cli("ingest", late)
    assert code == 0, out + err
    # the declaration still proves its own figures from its records
    code, out, err = cli("declare", "--verify", "1")
    assert code == 0 and "vérifiée" in out, out + err
    # drift: the current figures beside the declared ones, with the cause
    code, out, err = cli("stats", "RNCP34179")
    assert code == 0, err
    lines = out.splitlines()
    assert any(line.startswith("Déclaré le ") and "France Compétences" in line for line in lines)
    insertion = next(line for line in lines if line.strip().startswith("2017 Insertion globale à 6 mois"))
    assert "actuel 88\u00a0% (30/34)" in insertion and "88\u00a0% (29/33)" in insertion
    assert "+1 réponse(s) tardive(s) (enquete_6_mois_relance.csv chargé le" in insertion
    target = next(line for line in lines if line.strip().startswith("2017 Métier visé à 6 mois"))
    assert (
        "actuel 71\u00a0% (24/34)" in target and "70\u00a0% (23/33)" in target and "écart +1 point" in target
    )
    untouched = next(line for line in lines if line.strip().startswith("2018 Métier visé à 6 mois"))
    assert "inchangé" in untouched and "tardive" not in untouched
    # the Certification page shows the same, from the published snapshot
    from dashboard.app import create_app

    settings = Settings.load()
    create_app(settings.snapshot, settings.data_docs_dir)
    from dashboard.pages import certification

    shown = str(certification.update_declared("RNCP34179"))
    assert "Déclaré le " in shown and "(24/34)" in shown and "réponse(s) tardive(s)" in shown
    # validate warns on the rate that moves by a rounding point, not on the one that keeps its value
    code, out, err = cli("validate")
    warned = [line for line in out.splitlines() if line.startswith("avertissement : chiffre déclaré modifié")]
    assert any("RNCP34179 ALL — 2017 Métier visé à 6 mois" in w for w in warned), out
    # the overall global rate keeps its value (88 %): no warning for it (its access route's may move)
    assert not any("RNCP34179 ALL — 2017 Insertion globale à 6 mois" in w for w in warned), out
    # the pack shows the declaration beside the current figures
    pack = tmp_path / "pack.xlsx"
    assert cli("renewal", "RNCP34179", "--out", pack)[0] == 0
    sheet = openpyxl.load_workbook(pack)["Déclarations"]
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    header = rows[0]
    row = next(
        dict(zip(header, r, strict=True))
        for r in rows[1:]
        if r[header.index("Année")] == 2017
        and r[header.index("Voie d'accès")] == "ALL"
        and r[header.index("Indicateur")] == "Métier visé à 6 mois"
    )
    assert (row["Déclaré (valeur)"], row["Actuel (valeur)"], row["Écart (points)"]) == (70, 71, 1)
    assert row["Déclaré le"] and "réponse(s) tardive(s)" in row["Cause"]
    # every rate quoted carries « ⚠ » with its n/N exactly when its own denominator is 1 to 19 (M24)
    flagged = 0
    for values in rows[1:]:
        record = dict(zip(header, values, strict=True))
        flag = record["⚠ Taux dont la base est sous le seuil (n/N)"] or ""
        for side in ("Déclaré", "Actuel"):
            value, n, d = record[f"{side} (valeur)"], record[f"{side} n"], record[f"{side} N"]
            if value is None:
                continue
            small = 0 < d < 20
            assert (f"{side.lower()} ({n}/{d})" in flag) == small, (
                record["Indicateur"],
                record["Année"],
                flag,
            )
            flagged += small
    assert flagged  # 2018: 9 and 10 respondents


def test_the_digest_changes_when_a_recorded_figure_or_answer_is_edited(declared, sample_copy, cli):
    settings = Settings.load()
    manifest = json.loads((declared / "manifest.json").read_text(encoding="utf-8"))
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute(
            "update declaration_figures set value = 90 where declaration_id = 1 and year = 2017 "
            "and access_route = 'ALL' and measure = 'insertion_rate_6m'"
        )
        rows = con.execute("select * exclude (declaration_id) from declaration_figures order by all").df()
    edited = {**manifest, "figures": json.loads(rows.to_json(orient="records"))}
    assert sha256_of_manifest(edited) != manifest["digest"]
    code, out, err = cli("declare", "--verify", "1")
    assert code == 1, out + err
    assert "NON VÉRIFIÉE" in out and "partie(s) modifiée(s) : figures" in out
    assert (
        "2017 ALL insertion_rate_6m : enregistré 90 (29/33), recalculé à partir des enregistrements 88 (29/33)"
        in out
    )
    assert "figures 2017/ALL/insertion_rate_6m : value 88 → 90" in out


def test_an_edited_answer_is_named_with_what_it_changed(declared, sample_copy, cli):
    settings = Settings.load()
    with duckdb.connect(str(settings.warehouse)) as con:
        person = con.execute(
            "select candidate_hash::varchar from declaration_answers where year = 2017 and wave = 6 "
            "and employed and not in_target order by 1 limit 1"
        ).fetchall()[0][0]
        con.execute(
            "update declaration_answers set in_target = true where candidate_hash = ?::uuid and year = 2017 "
            "and wave = 6",
            [person],
        )
    code, out, err = cli("declare", "--verify", "1")
    assert code == 1
    assert "partie(s) modifiée(s) : answers" in out
    assert f"answers {person}/2017/6 : in_target False → True" in out
    assert (
        "2017 ALL target_job_rate_6m : enregistré 70 (23/33), recalculé à partir des enregistrements 73 (24/33)"
        in out
    )


def drift_line(cli, start: str) -> str:
    code, out, err = cli("stats", "RNCP34179")
    assert code == 0, err
    return next(line for line in out.splitlines() if line.strip().startswith(start))


def test_drift_names_a_reviewer_decision(declared, sample_copy, cli):
    settings = Settings.load()
    (title,) = table_rows(
        settings.warehouse,
        "select job_title from fct_survey_responses where certification_code = 'RNCP34179' and year = 2017 "
        "and wave = 6 and employed and not in_target and rome_source = 'title_exact' order by 1 limit 1",
    )[0]
    code, out, err = cli(
        "review", title, "--rome", "E1101", "--in-target", "--by", "C. Moreau", "--why", "site marchand"
    )
    assert code == 0, out + err
    line = drift_line(cli, "2017 Métier visé à 6 mois")
    assert "actuel 73\u00a0% (24/33)" in line and "écart +3 points" in line
    assert "+1 décision(s) d'un relecteur" in line and "tardive" not in line
    assert cli("declare", "--verify", "1")[0] == 0


def test_drift_names_a_corrected_file(declared, sample_copy, cli, tmp_path):
    settings = Settings.load()
    (ref_row,) = table_rows(
        settings.warehouse,
        "select source_row from declaration_answers where year = 2017 and wave = 6 and employed "
        "and source_file = 'RNCP34179_enquete_6_mois.csv' order by source_row limit 1",
    )
    # the same person answered again, later: the corrected file's answer is the one that counts
    source = (ROOT / "data" / "raw" / "enquetes" / "RNCP34179_enquete_6_mois.csv").read_text(encoding="utf-8")
    header, *lines = source.splitlines()
    person = lines[ref_row[0] - 2].split(",")[0]
    corrected = tmp_path / "RNCP34179_enquete_6_mois_corrige.csv"
    corrected.write_text(
        "Identifiant,Code RNCP,Vague,Date de réponse,Situation actuelle\n"
        f"{person},RNCP34179,6 mois,20/06/2018,En recherche d'emploi\n",
        encoding="utf-8",
    )
    code, out, err = cli("ingest", corrected)
    assert code == 0, out + err
    line = drift_line(cli, "2017 Insertion globale à 6 mois")
    assert "actuel 85\u00a0% (28/33)" in line
    assert "+1 réponse(s) remplacée(s) par un fichier corrigé (RNCP34179_enquete_6_mois_corrige.csv" in line


DECLARE = ("declare", "RNCP34179", "--years", "2017-2018", "--to", "France Compétences")


def test_a_declaration_killed_before_its_publication_is_published_by_the_next_command(
    sample_copy, cli, tmp_path
):
    """Issue #24: `declare` killed (SIGKILL, a real process) between its commit and the snapshot's
    publication. The declaration is in the warehouse, not in the snapshot that readers read; the next
    command publishes it first, and every reader then sees it."""
    settings = Settings.load()
    killed_at("declaration_committed", *DECLARE, "--out-dir", tmp_path / "declaration")
    assert table_rows(settings.warehouse, "select count(*) from declarations") == [(1,)]
    assert table_rows(settings.snapshot, "select count(*) from declarations") == [(0,)]  # the bug's state

    code, out, err = cli("declare", "--list")
    assert code == 0, err
    assert "Aucune déclaration" not in out and "France Compétences" in out
    assert "déclaration n° 1 a été enregistrée mais pas publiée" in err
    assert table_rows(settings.snapshot, "select count(*) from declarations") == [(1,)]
    assert table_rows(settings.warehouse, "select count(*) from pending_publication") == [(0,)]
    assert table_rows(settings.snapshot, "select count(*) from pending_publication") == [(0,)]
    code, out, err = cli("stats", "RNCP34179")
    assert code == 0 and any(line.startswith("Déclaré le ") for line in out.splitlines()), out + err
    code, out, err = cli("declare", "--verify", "1")
    assert code == 0 and "vérifiée" in out, out + err


def test_declaring_again_after_a_kill_publishes_the_first_and_records_no_second(sample_copy, cli, tmp_path):
    """Re-running the killed `declare` (its « Déclaration n° 1 enregistrée » never printed) says the
    declaration exists and publishes it, instead of recording a second, undeletable one."""
    settings = Settings.load()
    killed_at("declaration_committed", *DECLARE, "--out-dir", tmp_path / "declaration")
    code, out, err = cli(*DECLARE, "--out-dir", tmp_path / "again")
    assert code == 1, out + err
    assert "La déclaration n° 1 (RNCP34179, promotions 2017, 2018, à France Compétences)" in err
    assert "aucune autre déclaration n'est enregistrée" in err and "insertion declare --verify 1" in err
    assert table_rows(settings.warehouse, "select count(*) from declarations") == [(1,)]
    assert table_rows(settings.snapshot, "select count(*) from declarations") == [(1,)]
    assert not (tmp_path / "again").exists()
    # once published, the same command records a new declaration, as asked
    code, out, err = cli(*DECLARE, "--out-dir", tmp_path / "again")
    assert code == 0 and "Déclaration n° 2 enregistrée" in out, out + err
    assert table_rows(settings.snapshot, "select count(*) from declarations") == [(2,)]


def test_bad_declarations_change_nothing(sample_copy, cli):
    settings = Settings.load()
    before = warehouse_digest(settings)
    code, _, err = cli("declare", "RNCP99999", "--to", "France Compétences")
    assert code == 2 and "RNCP99999" in err
    code, _, err = cli("declare", "RNCP34179", "--years", "2030", "--to", "France Compétences")
    assert code == 2 and "2030" in err
    code, _, err = cli("declare", "RNCP34179")
    assert code == 2 and "--to" in err
    code, out, err = cli("declare", "--verify", "7")
    assert code == 2 and "déclaration 7" in err
    assert warehouse_digest(settings) == before
    assert table_rows(settings.warehouse, "select count(*) from declarations") == [(0,)]


def warehouse_digest(settings: Settings) -> str:
    with warehouse.connect(settings.warehouse, read_only=True) as con:
        return warehouse.content_hash(
            con, ("declarations", "declaration_figures", "declaration_answers", "load_log")
        )
