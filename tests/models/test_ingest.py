"""Loading files through the CLI: good files, row-level problems (quarantine) and file-level rejections."""

import json
import os
import stat
import uuid

from tests.helpers import ENGLISH, FIXTURES, content_hash, table_rows


def test_good_files_load_with_lineage_and_pseudonymised_references(cli, settings, fixture_file):
    cohort, survey = fixture_file("cohort_ok.csv"), fixture_file("survey_ok.csv")
    code, out, err = cli("ingest", cohort, survey)
    assert code == 0, err
    assert "chargé en cohort_results, 5 lignes sur 5" in out
    assert "chargé en survey_answers, 3 lignes sur 3" in out
    rows = table_rows(
        settings.warehouse,
        "select load_id, source_file, source_row, candidate_hash, access_route, "
        "outcome from landing_cohort_results order by source_row",
    )
    assert [r[2] for r in rows] == [2, 3, 4, 5, 6]
    assert [r[4] for r in rows] == ["CA", "CA", "FC", "VAE", "VAE"]
    assert [r[5] for r in rows] == ["certified", "certified", "certified", "failed", "partial"]
    assert all(isinstance(r[3], uuid.UUID) for r in rows)  # HMAC-SHA256-128, not the reference "C1"
    assert {r[1] for r in rows} == {"cohort_ok.csv"}
    # the same reference links cohort and survey
    linked = table_rows(settings.warehouse, "select count(*) from fct_survey_responses")
    assert linked == [(3,)]
    # the key is outside the warehouse, private
    assert stat.S_IMODE(os.stat(settings.key_file).st_mode) == 0o600
    log = table_rows(
        settings.warehouse,
        "select kind, status, rows_read, rows_loaded, rows_quarantined, sha256 "
        "from load_log order by load_id",
    )
    assert [r[:5] for r in log] == [
        ("cohort_results", "loaded", 5, 5, 0),
        ("survey_answers", "loaded", 3, 3, 0),
    ]
    assert all(len(r[5]) == 64 for r in log)


def test_same_file_twice_adds_nothing(cli, settings, fixture_file):
    path = fixture_file("cohort_ok.csv")
    assert cli("ingest", path)[0] == 0
    before = content_hash(settings.warehouse)
    code, out, _ = cli("ingest", path)
    assert code == 0 and "déjà chargé" in out
    assert content_hash(settings.warehouse) == before
    assert table_rows(settings.warehouse, "select count(*) from load_log") == [(1,)]


def test_row_problems_go_to_quarantine_and_the_rest_loads(cli, settings, fixture_file):
    code, out, _ = cli("ingest", fixture_file("cohort_bad_rows.csv"))
    assert code == 0
    assert (
        "4 lignes sur 8" in out and "4 en quarantaine" in out and "1 champ(s) mal formé(s) écarté(s)" in out
    )
    # B1 twice in one file: both rows load (a warning); staging keeps one decision.
    # B4's unknown access route is set aside: B4 stays certified, route « NR »
    assert table_rows(
        settings.warehouse, "select source_row, access_route from landing_cohort_results order by 1"
    ) == [(2, "FI"), (5, None), (7, "FI"), (9, "FI")]
    reasons = dict(
        table_rows(settings.warehouse, "select source_row, reasons from quarantine order by source_row")
    )
    assert "'Code RNCP' = 'RNC34007'" in reasons[3][0] and "RNCP followed by 3 to 6 digits" in reasons[3][0]
    assert "'Date du jury' = '2024-13-45'" in reasons[4][0] and "jj/mm/aaaa" in reasons[4][0]
    assert "'Voie d'accès' = 'Téléportation'" in reasons[5][0]
    assert table_rows(settings.warehouse, "select outcome from quarantine where source_row = 5") == [
        ("field",)
    ]
    assert "'Résultat' = 'Peut-être'" in reasons[6][0]
    assert 2 not in reasons and 7 not in reasons
    assert "candidate reference" in reasons[8][0]
    record = json.loads(
        table_rows(settings.warehouse, "select original_record from quarantine where source_row = 5")[0][0]
    )
    assert record["Voie d'accès"] == "Téléportation" and len(record["Référence candidat"]) == 32


def test_survey_row_problems(cli, settings, fixture_file, warehouse_after):
    warehouse_after(("ingest", FIXTURES / "cohort_ok.csv"))  # a loaded warehouse (a copy, made once per run)
    code, out, _ = cli("ingest", fixture_file("survey_bad_rows.csv"))
    assert code == 0
    assert (
        "3 lignes sur 5" in out and "2 en quarantaine" in out and "1 champ(s) mal formé(s) écarté(s)" in out
    )
    quarantined = {
        row: (outcome, reasons)
        for row, outcome, reasons in table_rows(
            settings.warehouse, "select source_row, outcome, reasons from quarantine order by source_row"
        )
    }
    # the malformed ROME code is set aside, the answer kept (employed, no code)
    assert quarantined[2][0] == "field" and "'Code ROME' = 'E110'" in quarantined[2][1][0]
    assert table_rows(
        settings.warehouse, "select situation, rome_code from landing_survey_answers where source_row = 2"
    ) == [("employed", None)]
    assert quarantined[3][0] == "row" and "'Situation actuelle' = 'Astronaute'" in quarantined[3][1][0]
    assert quarantined[4][0] == "row" and "'Vague' = '3 semaines'" in quarantined[4][1][0]
    # C3 answered twice: both load, one counts (the latest answer date), the other is reported
    assert 5 not in quarantined and 6 not in quarantined
    assert table_rows(
        settings.warehouse, "select issue, source_row from quality_issues where issue = 'answer_superseded'"
    ) == [("answer_superseded", 5)]


def test_missing_column_rejects_the_file_and_changes_nothing(cli, settings, fixture_file, warehouse_after):
    warehouse_after(("ingest", FIXTURES / "cohort_ok.csv"))  # a loaded warehouse (a copy, made once per run)
    before = content_hash(settings.warehouse)
    code, _, err = cli("ingest", fixture_file("cohort_missing_column.csv"))
    assert code == 1
    assert "cohort_missing_column.csv" in err and "colonne 'jury_date'" in err and "ligne 1" in err
    assert content_hash(settings.warehouse) == before
    assert table_rows(settings.warehouse, "select status from load_log order by load_id") == [
        ("loaded",),
        ("rejected",),
    ]


def test_unreadable_and_undetectable_files_are_rejected(
    cli, settings, fixture_file, tmp_path, warehouse_after
):
    warehouse_after(("ingest", FIXTURES / "cohort_ok.csv"))  # a loaded warehouse (a copy, made once per run)
    before = content_hash(settings.warehouse)
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"not a workbook at all")
    code, _, err = cli("ingest", garbage)
    assert code == 1 and "garbage.xlsx" in err and "illisible comme classeur" in err
    code, _, err = cli("ingest", fixture_file("unknown_kind.csv"))
    assert code == 1 and "impossible de dire si c'est un fichier de résultats de jury ou d'enquête" in err
    code, _, err = cli("ingest", tmp_path / "absent.csv")
    assert code == 1 and "fichier introuvable" in err
    assert content_hash(settings.warehouse) == before


def test_kind_can_be_forced_and_a_wrong_kind_is_rejected(cli, settings, fixture_file):
    code, _, err = cli("ingest", "--kind", "survey_answers", fixture_file("cohort_ok.csv"))
    assert code == 1 and "colonne 'wave'" in err
    assert table_rows(settings.warehouse, "select count(*) from landing_survey_answers") == [(0,)]


def test_personal_columns_are_dropped_and_logged(cli, settings, tmp_path):
    path = tmp_path / "with_names.csv"
    path.write_text(
        "N° candidat;Nom;Prénom;Téléphone;Contact;Code RNCP;Date du jury;Voie;Résultat\n"
        "X1;Martin;Léa;0612345678;lea@example.org;RNCP34179;01/07/2020;FI;Certifié\n",
        encoding="utf-8",
    )
    code, out, _ = cli("ingest", path)
    assert (
        code == 0 and "colonnes de données personnelles supprimées : Nom, Prénom, Téléphone, Contact" in out
    )
    dropped = table_rows(settings.warehouse, "select dropped_columns from load_log")[0][0]
    assert dropped == ["Nom", "Prénom", "Téléphone", "Contact"]
    dump = str(table_rows(settings.warehouse, "select * from landing_cohort_results"))
    assert "Martin" not in dump and "0612345678" not in dump and "X1" not in dump


def test_header_mapping_file_maps_user_columns(cli, settings, tmp_path):
    settings.header_mapping.write_text(
        "kind,source_header,column\ncohort_results,Numéro interne,candidate_ref\n"
        "cohort_results,Jour J,jury_date\n",
        encoding="utf-8",
    )
    path = tmp_path / "custom.csv"
    path.write_text(
        "Numéro interne;Code RNCP;Jour J;Voie d'accès;Résultat\nQ1;RNCP34179;01/07/2020;FI;Admis\n",
        encoding="utf-8",
    )
    code, out, err = cli("ingest", path)
    assert code == 0, err
    assert table_rows(settings.warehouse, "select jury_date::varchar from landing_cohort_results") == [
        ("2020-07-01",)
    ]


def test_bad_header_mapping_names_its_row(cli, settings, fixture_file):
    settings.header_mapping.write_text(
        "kind,source_header,column\ncohort_results,X,shoe_size\n", encoding="utf-8"
    )
    code, _, err = cli("ingest", fixture_file("cohort_ok.csv"))
    assert code == 2 and "header_mapping.csv, row 2" in err and "shoe_size" in err


def test_a_warehouse_with_hex_references_is_upgraded_and_people_still_link(
    cli, settings, fixture_file, warehouse_after
):
    import duckdb

    warehouse_after(("ingest", FIXTURES / "cohort_ok.csv"))  # a loaded warehouse (a copy, made once per run)
    before = table_rows(settings.warehouse, "select candidate_hash from landing_cohort_results order by 1")
    # as written before November 2026: the 64 hex characters of the full HMAC-SHA256
    con = duckdb.connect(str(settings.warehouse))
    for table in ("landing_cohort_results", "fct_certified"):
        con.execute(
            f"alter table {table} alter candidate_hash type varchar "
            "using replace(candidate_hash::varchar, '-', '') || repeat('f', 32)"
        )
    con.close()
    code, _, err = cli("ingest", fixture_file("survey_ok.csv"))
    assert code == 0, err
    types = table_rows(
        settings.warehouse,
        "select distinct data_type from information_schema.columns where column_name = 'candidate_hash' "
        "and table_name in ('landing_cohort_results', 'fct_certified')",
    )
    assert types == [("UUID",)]
    assert (
        table_rows(settings.warehouse, "select candidate_hash from landing_cohort_results order by 1")
        == before
    )
    assert table_rows(settings.warehouse, "select count(*) from fct_survey_responses") == [(3,)]


def test_the_command_exits_with_its_code_its_output_and_a_closed_warehouse(settings, fixture_file):
    """`insertion` ends with os._exit after the command returns (no slow teardown): nothing may be lost."""
    import subprocess
    import sys

    from tests.helpers import ROOT

    def run(path):
        return subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "ingest", str(path)],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )

    good = run(fixture_file("cohort_ok.csv"))
    assert good.returncode == 0 and "chargé en cohort_results, 5 lignes sur 5" in good.stdout
    assert not list(settings.warehouse.parent.glob("*.wal"))  # checkpointed and closed
    bad = run(fixture_file("cohort_missing_column.csv"))
    assert bad.returncode == 1 and "colonne 'jury_date'" in bad.stderr
    assert table_rows(settings.warehouse, "select count(*) from landing_cohort_results") == [(5,)]


def test_real_quarantine_reasons_and_load_messages_translate(cli, settings, fixture_file):
    """Files with bad rows: every stored reason (English, unchanged) has a French rendering
    (pipeline/core/quality_labels.py; the wording itself: tests/unit/test_quality_fr.py)."""
    from pipeline.core.quality_labels import reason_fr, reasons_fr

    for name in ("cohort_bad_rows.csv", "survey_bad_rows.csv"):
        code, out, err = cli("ingest", fixture_file(name))
        assert code == 0, out + err
    reasons = [r for (rs,) in table_rows(settings.warehouse, "select reasons from quarantine") for r in rs]
    assert reasons and all(r.startswith("row ") for r in reasons)  # stored as written
    for r in reasons:
        french = reason_fr(r)
        assert french.startswith("ligne ") and not ENGLISH.search(french), (r, french)
    messages = [m for (m,) in table_rows(settings.warehouse, "select message from load_log") if m]
    for m in messages:
        assert not ENGLISH.search(reasons_fr(m, "; ")), m
