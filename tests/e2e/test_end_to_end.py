"""The shipped sample, built from data/raw/ into a temporary warehouse, reproduces the public fiche."""

import json
import re
import shutil

import openpyxl

from tests.helpers import ROOT, content_hash, table_rows

FICHE_RNCP34179 = [  # the public fiche's "Statistiques" table (data/reference/published_statistics.csv)
    (2018, 11, 0, 100, 100, 80),
    (2017, 35, 0, 88, 70, 78),
]


# Read-only checks use the sample built once per run (``sample_settings`` / ``sample_cli``, see
# conftest.py); tests that write work on a private copy (``sample_copy``) or build their own.


def test_sample_reproduces_the_fiche_of_rncp34179(sample_settings):
    rows = table_rows(
        sample_settings.warehouse,
        """
        select year, certified, certified_vae, insertion_rate_6m, target_job_rate_6m, target_job_rate_24m
        from certification_statistics where certification_code = 'RNCP34179' order by year desc""",
    )
    assert rows == FICHE_RNCP34179


def test_stats_command_prints_the_fiche_table(sample_cli):
    cli = sample_cli
    code, out, _ = cli("stats", "RNCP34179")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].startswith("Année d'obtention de la certification | Nombre de certifiés")
    cells = [[c.strip() for c in line.split("|")] for line in lines[2:4]]
    # every rate with its head-count; « ⚠ » where the base is under 20 (2018: 9 and 10)
    assert cells == [
        ["2018", "11", "0", "100\u00a0% (9/9) ⚠", "100\u00a0% (9/9) ⚠", "80\u00a0% (8/10) ⚠"],
        ["2017", "35", "0", "88\u00a0% (29/33)", "70\u00a0% (23/33)", "78\u00a0% (18/23)"],
    ]
    assert lines[4] == "⚠ dénominateur du taux (N de n/N) inférieur à 20 : taux fragile."
    code, out, _ = cli("stats", "rncp34179", "--format", "json")
    data = json.loads(out)
    assert [(d["year"], d["insertion_rate_6m"], d["target_job_rate_24m"]) for d in data] == [
        (2018, 100, 80),
        (2017, 88, 78),
    ]
    code, out, _ = cli("stats", "RNCP34179", "--format", "csv", "--detail")
    assert out.startswith("\ufeff")  # printed to a file or a pipe: the BOM French Excel needs
    header, first = out.removeprefix("\ufeff").splitlines()[:2]
    assert header.split(";")[:2] == ["Année d'obtention de la certification", "Nombre de certifiés"]
    assert "Base de calcul à 6 mois (répondants − neutralisés)" in header
    assert "Taux d'insertion global à 2 ans (en %)" in header  # --detail: the 2-year global rate too
    assert first.startswith("2018;11;0;100;100;80;")


def test_sample_covers_the_other_certifications(sample_settings):
    settings = sample_settings
    years = dict(
        table_rows(
            settings.warehouse,
            "select certification_code, count(distinct year) from certification_statistics group by 1",
        )
    )
    assert years["RNCP35809"] >= 4 and years["RNCP40344"] >= 4
    routes = {r[0] for r in table_rows(settings.warehouse, "select distinct access_route from fct_certified")}
    assert routes == {"FI", "CA", "FC", "CQ", "CL", "VAE"}
    situations = {
        r[0] for r in table_rows(settings.warehouse, "select distinct situation from fct_survey_responses")
    }
    assert situations >= {
        "employed",
        "employed_abroad",
        "job_seeking",
        "inactive",
        "further_study",
        "work_study",
        "unable_to_work",
        "no_response",
    }
    outcomes = {
        r[0] for r in table_rows(settings.warehouse, "select distinct outcome from stg_cohort_results")
    }
    assert outcomes == {"certified", "partial", "failed"}
    untitled = table_rows(
        settings.warehouse,
        "select count(*) from fct_survey_responses where job_title is not null and rome_code is null",
    )
    assert untitled[0][0] > 0


def test_build_twice_changes_nothing(sample_copy, cli, settings):
    before = content_hash(settings.warehouse)
    marts = table_rows(settings.warehouse, "select * from certification_statistics order by all")
    code, out, _ = cli("build")
    assert code == 0 and out.count("déjà chargé") == 15
    assert content_hash(settings.warehouse) == before
    assert table_rows(settings.warehouse, "select * from certification_statistics order by all") == marts


def test_snapshot_is_published_for_readers(sample_settings):
    settings = sample_settings
    assert settings.snapshot.exists()
    assert table_rows(settings.snapshot, "select count(*) from certification_statistics")[0][0] > 0


def test_sql_is_read_only(sample_cli, tmp_path):
    cli = sample_cli
    code, out, _ = cli(
        "sql",
        "select certification_code, count(*) as n from fct_certified group by 1 order by 1",
        "--format",
        "csv",
    )
    assert code == 0 and out.splitlines()[0] == "\ufeffcertification_code;n" and "RNCP34179;46" in out
    for forbidden in [
        "delete from load_log",
        "create table x as select 1",
        f"copy (select 1) to '{tmp_path / 'out.csv'}'",
        f"attach '{tmp_path / 'other.duckdb'}' as o",
        "install httpfs",
        "select * from read_csv('/etc/passwd')",
    ]:
        code, _, err = cli("sql", forbidden)
        assert code == 2 and ("reçu :" in err or "non permise" in err), forbidden
    assert not (tmp_path / "out.csv").exists()


def test_unknown_certification_and_missing_warehouse(cli, settings):
    code, _, err = cli("stats", "RNCP34179")
    assert code == 2 and "pas encore d'entrepôt" in err


def test_default_relative_paths_work(cli, settings, monkeypatch, tmp_path):
    """As `make demo` runs it: the warehouse path relative to the working directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INSERTION_WAREHOUSE", "data/warehouse/insertion.duckdb")
    monkeypatch.setenv("INSERTION_RAW_DIR", str(ROOT / "data" / "raw" / "cohortes"))
    code, out, err = cli("build")
    assert code == 0, err
    assert (tmp_path / "data" / "warehouse" / "data_docs" / "index.html").exists()
    assert cli("stats", "RNCP34179")[0] == 0


MART_TABLES = ("fct_certified", "fct_survey_responses", "mart_outcome_counts", "mart_jobs")


def test_build_with_workers_equals_one_file_at_a_time(
    sample_warehouse, sample_build_output, cli, monkeypatch, tmp_path
):
    """Worker processes check files in parallel; the warehouse is the same as loading one by one.
    The parallel build is the shared sample (two workers whatever the size, only read here); the serial
    one is built here under a copy of the sample's key, so that pseudonymised references agree: two
    workers asked, but the files weigh less than INSERTION_WORKERS_FROM_MIB (16 by default), so none."""
    assert re.search(r"\(\d+,\d Mio\) : 2 processus\.", sample_build_output), sample_build_output
    parallel = sample_warehouse.warehouse
    key = tmp_path / "serial" / "key"
    key.parent.mkdir()
    shutil.copyfile(sample_warehouse.key_file, key)
    monkeypatch.setenv("INSERTION_KEY_FILE", str(key))
    monkeypatch.setenv("INSERTION_RAW_DIR", str(ROOT / "data" / "raw"))
    monkeypatch.setenv("INSERTION_WORKERS", "2")
    monkeypatch.setenv("INSERTION_WAREHOUSE", str(tmp_path / "serial" / "insertion.duckdb"))
    code, out, err = cli("build")
    assert code == 0, err
    assert re.search(
        r"\(0,\d Mio\) : un fichier à la fois \(moins de 16 Mio : INSERTION_WORKERS_FROM_MIB\)\.", out
    ), out
    serial = tmp_path / "serial" / "insertion.duckdb"
    assert content_hash(serial) == content_hash(parallel)
    for table in (*MART_TABLES, "quarantine"):
        query = f"select * from {table} order by all"
        assert table_rows(serial, query) == table_rows(parallel, query), table


def test_ingest_refreshes_the_marts_of_the_certifications_it_touches(sample_copy, cli, settings, tmp_path):
    """`insertion ingest` rebuilds only the touched certifications' rows, with the same result as a full
    rebuild: here a relaunch of the 6-month survey of RNCP34179 where 5 employed people now seek a job."""
    from pipeline.warehouse import db as warehouse
    from pipeline.warehouse import models

    lines = (
        (ROOT / "data" / "raw" / "enquetes" / "RNCP34179_enquete_6_mois.csv")
        .read_text(encoding="utf-8")
        .splitlines()
    )
    changed = 0
    for i, line in enumerate(lines):
        counted = ",En emploi," in line and ",France," in line and "Contrat de" not in line
        if counted and changed < 5:  # employed, not neutralised (no work-study contract, not abroad)
            lines[i], changed = line.replace(",En emploi,", ",En recherche d'emploi,"), changed + 1
    relaunch = tmp_path / "RNCP34179_relance.csv"
    relaunch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    others = "select * from mart_outcome_counts where certification_code <> 'RNCP34179' order by all"
    before = table_rows(settings.warehouse, others)
    employed = "select sum(employed_6m) from mart_outcome_counts where certification_code = 'RNCP34179'"
    employed_before = table_rows(settings.warehouse, employed)[0][0]

    code, out, err = cli("ingest", relaunch)
    assert code == 0, err
    assert table_rows(settings.warehouse, employed)[0][0] == employed_before - 5
    assert table_rows(settings.warehouse, others) == before
    incremental = {t: table_rows(settings.warehouse, f"select * from {t} order by all") for t in MART_TABLES}
    with warehouse.connect(settings.warehouse) as con:
        models.build_models(con, settings)  # everything, from scratch
    for table in MART_TABLES:
        assert table_rows(settings.warehouse, f"select * from {table} order by all") == incremental[table], (
            table
        )


def test_build_with_workers_rejects_a_bad_file_and_changes_nothing(
    sample_copy, cli, settings, monkeypatch, tmp_path
):
    """A file checked by a worker and rejected: named with its row and column, exit 1, nothing written."""
    raw = tmp_path / "raw-with-bad"
    shutil.copytree(ROOT / "data" / "raw", raw)
    shutil.copyfile(ROOT / "tests" / "fixtures" / "bad" / "missing_column.csv", raw / "cohortes" / "zz.csv")
    shutil.copyfile(
        ROOT / "tests" / "fixtures" / "bad" / "duplicated_headers.csv", raw / "cohortes" / "zy.csv"
    )
    monkeypatch.setenv("INSERTION_RAW_DIR", str(raw))
    monkeypatch.setenv("INSERTION_WORKERS", "2")
    monkeypatch.setenv("INSERTION_WORKERS_FROM_MIB", "0")  # small files: workers all the same
    before = content_hash(settings.warehouse)
    code, out, err = cli("build")
    assert code == 1
    assert re.search(r"Lecture des fichiers de jury et d'enquête \(\d+,\d Mio\) : 2 processus\.", out), out
    assert "REFUSÉ" in err and "zz.csv, ligne 1, colonne 'access_route'" in err
    assert "zy.csv" in err and "en-tête(s) en double" in err
    assert content_hash(settings.warehouse) == before


HOSTILE = '=HYPERLINK("http://example.invalid","clic")'  # as in tests/unit/test_exports.py


def test_renewal_pack_keeps_a_hostile_job_title_as_text(sample_copy, cli, tmp_path):
    survey = tmp_path / "enquete_piegee.csv"
    survey.write_text(
        "Identifiant,Code RNCP,Vague,Date de réponse,Situation actuelle,Intitulé du poste,Code ROME\n"
        f'FO-2017-0002,RNCP34179,6 mois,19/03/2018,En emploi,"{HOSTILE.replace(chr(34), chr(34) * 2)}",D1211\n',
        encoding="utf-8",
    )
    assert cli("ingest", survey)[0] == 0
    assert cli("renewal", "RNCP34179", "--out", tmp_path / "pack.xlsx")[0] == 0
    ws = openpyxl.load_workbook(tmp_path / "pack.xlsx")["Emplois occupés"]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.value == f"'{HOSTILE}" and c.data_type == "s" for c in cells)
    code, out, _ = cli("titles", "--format", "csv")  # a CLI export too
    assert code == 0 and "'=HYPERLINK" in out and "\n=HYPERLINK" not in out
