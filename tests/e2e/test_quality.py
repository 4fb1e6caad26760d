"""insertion validate / insertion quality, and the Data Docs."""

from pipeline.warehouse import db as warehouse
from tests.helpers import ROOT


def test_validate_passes_on_the_sample_and_records_runs(
    sample_warehouse, sample_build_output, sample_copy, cli, settings
):
    """`validate` records runs: on a private copy of the sample built once per run (conftest.py)."""
    out = sample_build_output
    assert "Data Docs :" in out and (sample_warehouse.data_docs_dir / "index.html").exists()
    code, out, _ = cli("validate")
    assert code == 0, out
    assert "Aucun échec de niveau erreur." in out
    for suite in ("Résultats de jury", "Réponses aux enquêtes", "Contrôles croisés"):  # the suites, in French
        assert suite in out
    code, out, _ = cli("quality")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["passage", "|", "le"]
    assert "RNCP34179_jurys_2017-2018.csv" in out and "(entrepôt)" in out
    html = list((settings.data_docs_dir / "validations").rglob("*.html"))
    assert any("RNCP34179_enquete_6_mois.csv" in p.name for p in html)


def test_validate_fails_on_an_error_and_names_it(sample_copy, cli, settings):
    with warehouse.connect(settings.warehouse) as con:
        # a row that bypassed the gate, and a certification the referential does not know
        con.execute(
            "insert into landing_cohort_results (load_id, source_file, source_row, candidate_hash, "
            "certification_code, jury_date, access_route, outcome) values (99, 'x.csv', 2, md5('h')::uuid, "
            "'RNCP99', date '2019-06-01', 'FI', 'certified')"
        )
        con.execute(
            "insert into landing_survey_answers (load_id, source_file, source_row, candidate_hash, "
            "certification_code, promotion, wave, answer_date, situation, job_title, rome_code, contract_type, "
            "working_time, employer_sector, work_location, target_decision) "
            "values (99, 'y.csv', 2, md5('nobody')::uuid, 'RNCP34179', null, 6, "
            "null, 'job_seeking', null, null, null, null, null, null, null)"
        )
    code, out, _ = cli("validate", "--failed-only")
    assert code == 1
    assert "Format de la valeur" in out and "RNCP99" in out  # expect_column_values_to_match_regex
    assert "Certifications présentes dans le référentiel" in out
    assert "Répondants certifiés" in out and "avertissement" in out
    assert "contrôle(s) de niveau erreur en échec" in out
    run_id = int(cli("quality")[1].splitlines()[2].split("|")[0])
    code, out, _ = cli("quality", "--run", run_id)
    assert "Certifications présentes dans le référentiel" in out and "échec" in out


def test_quality_lists_the_quarantine(cli, settings, fixture_file):
    cli("ingest", fixture_file("cohort_bad_rows.csv"))
    code, out, _ = cli("quality", "--quarantine")
    assert code == 0
    assert "cohort_bad_rows.csv" in out and "'Code RNCP' = 'RNC34007'" in out


def test_commands_that_do_not_validate_do_not_import_great_expectations(sample_settings):
    """`stats` in a subprocess, on the shared sample (read only) named by the environment."""
    import subprocess
    import sys

    code = (
        "import sys; from pipeline.cli import main; main(['stats', 'RNCP34179']); "
        "print('GX LOADED' if 'great_expectations' in sys.modules else 'GX NOT LOADED')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert "GX NOT LOADED" in out


def test_great_expectations_loads_without_scipy_stats_until_it_is_used():
    import subprocess
    import sys

    code = (
        "import sys; from pipeline.load import gate; gate._gx(); "
        "print(type(sys.modules['scipy.stats']).__name__); "
        "from scipy import stats; print(round(float(stats.entropy([1, 1])), 4))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    assert out == ["_LazyModule", "0.6931"]  # deferred at import, complete on first use


def test_every_rule_applied_to_the_figures_is_a_validate_check():
    import re

    from pipeline.load.checks import ISSUE_CHECKS
    from pipeline.warehouse.models import SQL_DIR

    sql = (SQL_DIR / "marts" / "10_quality_issues.sql").read_text(encoding="utf-8")
    issues = set(re.findall(r"^select\s+'(\w+)'", sql, re.M)) | set(
        re.findall(r"^\s+'(\w+)' as issue", sql, re.M)
    )
    assert issues == set(ISSUE_CHECKS) and len(issues) == 11
