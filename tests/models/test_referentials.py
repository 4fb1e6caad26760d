"""RNCP export (XML V4.1, CSV parts, zip) and ROME 4.0 on real excerpts; target jobs; reviewers' decisions on
job titles (the forms of a title: tests/unit/test_matching_forms.py, tests/models/test_title_forms.py);
lineage; published vs computed."""

import zipfile

import pytest

from pipeline.load.sources.rncp import is_job_code
from tests.helpers import FIXTURES, ROOT, content_hash, table_rows

RNCP = FIXTURES / "rncp"
XML = RNCP / "export_fiches_RNCP_V4_1_2026_02_01.xml"
ROME_DIR = ROOT / "data" / "raw" / "rome"


def test_xml_flow_loads_every_part_of_the_fiches(cli, settings):
    code, out, err = cli("ingest", XML)
    assert code == 0, err
    assert "chargé en rncp, 4 fiches sur 4" in out
    fiche = table_rows(
        settings.warehouse,
        "select title, level, active, registration_end_date::varchar "
        "from rncp_fiches where certification_code = 'RNCP40344'",
    )
    assert fiche == [("Auxiliaire spécialisé vétérinaire", "NIV4", True, "2028-03-28")]
    certifiers = table_rows(
        settings.warehouse,
        "select siret, name from rncp_certifiers where certification_code = 'RNCP40344' order by name",
    )
    assert ("52875765100013", "ANIMAL PRO FORMATION") in certifiers
    routes = table_rows(
        settings.warehouse,
        "select access_route from rncp_access_routes "
        "where certification_code = 'RNCP40344' and open order by 1",
    )
    assert routes == [("CA",), ("CQ",), ("VAE",)]
    assert (
        table_rows(
            settings.warehouse, "select count(*) from rncp_blocks where certification_code = 'RNCP40344'"
        )[0][0]
        > 0
    )
    assert table_rows(settings.warehouse, "select count(*) from rncp_nsf")[0][0] > 0


def test_published_statistics_keep_what_the_export_leaves_out(cli, settings):
    cli("ingest", XML)
    rows = table_rows(
        settings.warehouse,
        "select certification_code, year, certified, certified_vae, "
        "insertion_rate_6m, target_job_rate_24m from published_statistics "
        "where source = 'rncp export' order by 1, 2",
    )
    by_code = {}
    for r in rows:
        by_code.setdefault(r[0], []).append(r[1:])
    assert "RNCP35809" not in by_code  # a fiche without statistics
    assert by_code["RNCP35625"] == [(2017, 5, None, 100, 100), (2018, 6, None, 100, 100)]  # no VAE count
    assert by_code["RNCP37674"] == [(2021, 3899, 0, 60, 83)]  # 2-year rate above the 6-month rate
    assert (2023, 908, 228, 95, None) in by_code["RNCP40344"]  # latest year: no 2-year rate


def test_domain_level_codes_are_kept_apart(cli, settings):
    assert [is_job_code(c) for c in ["A1504", "A1500", "A12", "M18", "K00", "E1101"]] == [
        True,
        False,
        False,
        False,
        False,
        True,
    ]
    cli("ingest", XML, RNCP / "export_fiches_CSV_Rome_2026_02_01.csv")
    domain = table_rows(
        settings.warehouse,
        "select certification_code, rome_code from rncp_rome where not is_job_code order by 1",
    )
    assert ("RNCP39951", "A12") in domain and ("RNCP40344", "A1500") in domain
    targets = table_rows(
        settings.warehouse,
        "select rome_code from certification_target_jobs where certification_code = 'RNCP40344' order by 1",
    )
    assert targets == [("A1504",), ("D1210",), ("M1601",)]


def test_csv_parts_quirks(cli, settings):
    code, _, err = cli("ingest", *sorted(RNCP.glob("export_fiches_CSV_*.csv")))
    assert code == 0, err
    assert table_rows(
        settings.warehouse, "select siret from rncp_certifiers where certification_code = 'RNCP34179'"
    ) == [("48819452300053",)]  # the TAB before the SIRET is gone
    assert table_rows(
        settings.warehouse, "select rome_label from rncp_rome where certification_code = 'RNCP183'"
    ) == [("Installation et maintenance en froid, conditionnement d'air",)]  # doubled apostrophe
    assert table_rows(
        settings.warehouse, "select nsf_label from rncp_nsf where certification_code = 'RNCP181'"
    ) == [("Etablissement des documents comptables et de gestion",)]  # label without its code prefix
    assert table_rows(settings.warehouse, "select ccn_number, ccn_label from rncp_ccn") == [
        ("3246", "Animation socioculturelle")
    ]


def test_lineage_chain_is_queryable(cli, settings):
    cli("ingest", RNCP / "export_fiches_CSV_Ancienne_Nouvelle_Certification_2026_02_01.csv")
    chain = table_rows(
        settings.warehouse,
        "select related_code, distance from certification_lineage "
        "where certification_code = 'RNCP34179' order by distance",
    )
    assert chain == [("RNCP19357", -2), ("RNCP28129", -1), ("RNCP36743", 1), ("RNCP40851", 2)]


def test_zip_is_read_directly_and_a_reload_replaces_its_fiches(cli, settings, tmp_path):
    archive = tmp_path / "export-fiches-rncp-v4-1-2026-02-01.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(XML, XML.name)
    code, out, err = cli("ingest", archive)
    assert code == 0 and "4 fiches sur 4" in out, err
    before = table_rows(settings.warehouse, "select count(*) from rncp_rome")[0][0]
    second = tmp_path / "export-fiches-rncp-v4-1-2026-03-01.zip"
    with zipfile.ZipFile(second, "w") as z:
        z.writestr(
            XML.name,
            XML.read_text(encoding="utf-8").replace(
                "<LIBELLE>Santé animale</LIBELLE>", "<LIBELLE>Santé animale (v2)</LIBELLE>"
            ),
        )
    assert cli("ingest", second)[0] == 0
    assert table_rows(settings.warehouse, "select count(*) from rncp_rome")[0][0] == before
    assert table_rows(settings.warehouse, "select rome_label from rncp_rome where rome_code = 'A1504'") == [
        ("Santé animale (v2)",)
    ]


def test_rs_export_is_refused_whole(cli, settings, tmp_path, warehouse_after):
    warehouse_after(("ingest", FIXTURES / "cohort_ok.csv"))  # a loaded warehouse (a copy, made once per run)
    before = content_hash(settings.warehouse)
    rs = tmp_path / "export_fiches_RS_V4_1_2026_02_01.xml"
    rs.write_text("<FICHES><FICHE><NUMERO_FICHE>RS5012</NUMERO_FICHE></FICHE></FICHES>", encoding="utf-8")
    code, _, err = cli("ingest", rs)
    assert code == 1 and "répertoire spécifique (RS)" in err and "pas de statistiques d'insertion" in err
    disguised = tmp_path / "fiches.xml"
    disguised.write_text(
        "<FICHES><FICHE><NUMERO_FICHE>RNCP1</NUMERO_FICHE></FICHE><FICHE><NUMERO_FICHE>RS5012"
        "</NUMERO_FICHE></FICHE></FICHES>",
        encoding="utf-8",
    )
    code, _, err = cli("ingest", disguised)
    assert code == 1 and "RS5012" in err
    assert content_hash(settings.warehouse) == before
    assert table_rows(settings.warehouse, "select count(*) from rncp_fiches") == [(0,)]  # not half-loaded


def test_truncated_xml_is_rejected(cli, settings, tmp_path):
    cut = tmp_path / "export_fiches_RNCP_V4_1_cut.xml"
    cut.write_bytes(XML.read_bytes()[:5000])
    code, _, err = cli("ingest", cut)
    assert code == 1 and "XML mal formé" in err
    assert table_rows(settings.warehouse, "select count(*) from rncp_fiches") == [(0,)]


def test_rome_loads_and_a_later_version_replaces_it(cli, settings, tmp_path):
    code, out, err = cli("ingest", *sorted(ROME_DIR.glob("*.csv")))
    assert code == 0, err
    assert table_rows(settings.warehouse, "select count(*), min(version) from rome_codes") == [(1584, "v460")]
    newer = tmp_path / "unix_referentiel_code_rome_v461_utf8.csv"
    lines = (ROME_DIR / "unix_referentiel_code_rome_v460_utf8.csv").read_text(encoding="utf-8").splitlines()
    newer.write_text("\n".join(lines[:11]) + "\n", encoding="utf-8")
    assert cli("ingest", newer)[0] == 0
    assert table_rows(settings.warehouse, "select count(*), min(version), max(version) from rome_codes") == [
        (10, "v461", "v461")
    ]


def test_reviewer_decision_wins_at_the_next_build(sample_copy, cli, settings):
    """`review` writes: on a private copy of the sample built once per run (conftest.py)."""
    code, out, _ = cli("titles", "--unmatched")
    assert "Métreur aménagement intérieur" in out
    rate = "select sum(in_target_6m + in_target_24m) from certification_statistics where certification_code = 'RNCP35809'"
    before = table_rows(settings.warehouse, rate)[0][0]
    gained = table_rows(
        settings.warehouse,
        "select count(*) from fct_survey_responses where job_title = "
        "'Métreur aménagement intérieur' and employed and target_decision is null",
    )[0][0]
    assert gained > 0
    code, out, err = cli(
        "review",
        "Métreur aménagement intérieur",
        "--rome",
        "F1201",
        "--by",
        "C. Moreau",
        "--why",
        "métré et conduite de travaux de second œuvre",
    )
    assert code == 0, err
    row = table_rows(
        settings.warehouse,
        "select rome_code, rome_source, target_method, reviewer from fct_survey_responses "
        "where job_title = 'Métreur aménagement intérieur' and target_decision is null limit 1",
    )[0]
    assert row == ("F1201", "reviewer", "reviewer", "C. Moreau")
    assert table_rows(settings.warehouse, rate)[0][0] == before + gained  # F1201 is a target of RNCP35809
    code, out, _ = cli("titles", "--unmatched")
    assert "Métreur aménagement intérieur" not in out
    code, _, err = cli(
        "review",
        "Métreur aménagement intérieur",
        "--out-of-target",
        "--certification",
        "RNCP35809",
        "--by",
        "C. Moreau",
        "--why",
        "second avis : poste de bureau d'études",
    )
    assert code == 0
    assert table_rows(settings.warehouse, rate)[0][0] == before
    assert cli("review", "X", "--rome", "E110", "--by", "a", "--why", "b")[0] == 2


def test_compare_and_certification_summary(sample_cli):
    """Read-only commands on the sample built once per run (conftest.py)."""
    cli = sample_cli
    code, out, _ = cli("stats", "RNCP34179", "--compare", "--format", "csv")
    lines = out.removeprefix("\ufeff").splitlines()
    assert lines[0] == "Année;Indicateur;Calculé;Publié;Écart;Source publiée"
    assert "2017;Taux d'insertion global à 6 mois (en %);88;88;0;fiche page" in lines
    code, out, _ = cli("stats", "RNCP40344", "--compare", "--format", "csv")
    years = {line.split(";")[0] for line in out.splitlines()[1:]}
    assert {"2020", "2024", "2021", "2023"} <= years  # computed-only and both
    assert "2021;Nombre de certifiés;" in out and ";760;" in out
    code, out, _ = cli("certification", "RNCP40344")
    assert "Auxiliaire spécialisé vétérinaire" in out and "28/03/2028" in out and "jours)" in out
    assert "A1504 Santé animale" in out and "Codes de domaine (pas des métiers) : A1500" in out
    assert "Voies d'accès :          CA, CQ, VAE" in out
    code, out, _ = cli("certification", "RNCP34179")
    assert "RNCP19357 → RNCP28129 → RNCP34179* → RNCP36743 → RNCP40851" in out
    assert "FORMAOUEST (SIRET 48819452300053)" in out
    code, out, _ = cli("stats", "RNCP36743", "--lineage")
    assert code == 0 and "RNCP34179" in out
    assert cli("certification", "RNCP99999")[0] == 1


@pytest.mark.parametrize("kind", ["rncp_referential", "rome_codes", "rome_appellations"])
def test_referential_suites_are_tagged(kind, tmp_path):
    from pipeline.core.config import Settings
    from pipeline.load.gate import Gate

    suite = Gate(Settings.load(warehouse=tmp_path / "w.duckdb")).suite(kind)
    assert all(e.meta["severity"] in {"error", "warning"} for e in suite.expectations)
