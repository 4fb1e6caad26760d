"""Issue #27: CDC fluxes loaded into a warehouse beside the jury results of RNCP34179 (the sample's jury
file, its 2017 and 2018 promotions): each case of the reconciliation, what is set aside, the three links
(idTechnique, a mapping file, the NIR), the flux as a cohort source, hostile and broken fluxes refused with
the warehouse unchanged, and no personal data anywhere."""

from __future__ import annotations

import hashlib
import shutil

import duckdb
import pandas as pd
import pytest

from pipeline.core import nir
from pipeline.load.pseudonymise import load_key, pseudonymise
from tests.helpers import FIXTURES, ROOT, table_rows

CDC = FIXTURES / "cdc"
JURY = ROOT / "data" / "raw" / "cohortes" / "RNCP34179_jurys_2017-2018.csv"
FLUXES = [
    CDC / "flux_RNCP34179_2017-08.xml",
    CDC / "flux_RNCP34179_2018-03.xml",
    CDC / "flux_RNCP34179_2018-07.xml",
]
TODAY = "2026-11-30"
# every NIR, name and birth detail written in the test fluxes
PERSONAL = [
    *(nir.clean(n) for n in (
        "195057505601297", "296064410902326", "197013306304500", "298021305503479", "1940869123",
        "297059305107832", "199127511308969", "198127511308921", "295072A00406789",
    )),
    *(nir.with_key(n) for n in ("1960535238011", "2970444109044", "1990635238022", "2990744109055",
                                "1850144109066", "2980935238077")),
    "MARTINEAU", "DUBOISSIERE", "CAMILLETTE", "LEFEBVRIER", "GARNIERON", "ROUSSELINE", "FONTANELLI",
    "CHEVALLIERE", "BERTRANDIN", "MOREAUDIN", "CASANOVELLI", "LEGRANDIN", "PERRINEAU", "LOUISON",
    "GIRARDIN", "BLANCHARDIN", "FAUCHERON", "RENAUDIERE", "VASSEURIN",
    "1996-06-12", "12/06/1996", "19960612", "1995-11-03", "03/11/1995",
]  # fmt: skip


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setenv("INSERTION_TODAY", TODAY)
    monkeypatch.setenv("INSERTION_WORKERS", "1")


def refs(settings, *references: str) -> list[str]:
    """The pseudonyms of candidate references, as the warehouse prints a uuid."""
    digests = pseudonymise(pd.Series(references, dtype="string"), load_key(settings.key_file))
    return [f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}" for h in digests]


def findings(settings) -> dict[str, dict]:
    """candidate pseudonym -> its line of the reconciliation (RNCP34179)."""
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        frame = con.execute(
            "select candidate_hash::varchar as who, * exclude (candidate_hash) from cdc_reconciliation "
            "where certification_code = 'RNCP34179'"
        ).df()
    return {r["who"]: r for r in frame.to_dict(orient="records")}


def data_hash(settings) -> str:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        parts = [
            f"{t}:{con.execute(f'select count(*), coalesce(sum(hash(x)), 0) from {t} as x').fetchall()}"
            for t in ("landing_cohort_results", "landing_cdc_passages", "quarantine", "fct_certified")
        ]
    return hashlib.sha256(";".join(parts).encode()).hexdigest()


@pytest.fixture
def loaded(warehouse_after):
    """The jury file and the fluxes ingested (once per run; each test has its copy)."""
    return warehouse_after(("ingest", JURY, *FLUXES))


def test_each_case_of_the_reconciliation(loaded):
    f = findings(loaded)

    def of(reference: str) -> dict:
        return f[refs(loaded, reference)[0]]

    on_time = of("FO-2017-0002")  # transmitted twice: first on 01/08/2017, within the 3 months
    assert (on_time["finding"], on_time["late"], on_time["passages"]) == ("transmitted", False, 2)
    assert (
        str(on_time["first_transmitted_on"])[:10] == "2017-08-01" and on_time["link_method"] == "id_technique"
    )
    assert of("FO-2017-0003")["finding"] == "transmitted"  # identified by titulaire: no NIR needed
    late = of("FO-2017-0006")  # jury 28/09/2017, deadline 28/12/2017, sent 15/03/2018
    assert (late["late"], str(late["deadline"])[:10]) == (True, "2017-12-28")
    route = of("FO-2017-0020")  # apprenticeship at the jury, « formation continue » in the flux
    assert (route["route_mismatch"], route["jury_route"], route["cdc_route"]) == (True, "CA", "FC")
    assert of("FO-2018-0011")["route_mismatch"]  # formation continue at the jury, VAE in the flux
    assert of("FO-2017-0022")["date_mismatch"]  # certificate 21/06/2017, jury 20/06/2017
    assert not of("FO-2017-0009")["route_mismatch"]  # its unknown mode was set aside: nothing to compare
    assert not of("FO-2017-0004")["date_mismatch"]  # of its two passages, the later one is kept
    missing = of("FO-2017-0005")  # its only passage had an impossible date: set aside, not transmitted
    assert (missing["finding"], missing["overdue"]) == ("not_transmitted", True)
    assert of("FO-2017-0039")["finding"] == "transmitted_failed"  # ajourné
    assert of("FO-2018-0013")["finding"] == "transmitted_failed"  # validation partielle
    assert of("FO-2017-9999")["finding"] == "transmitted_not_certified"
    assert not any(r["finding"] == "no_jury_file" for r in f.values())


def test_what_is_set_aside_and_why(loaded):
    rows = table_rows(
        loaded.warehouse,
        "select source_row, outcome, reasons from quarantine where file_name = ? order by source_row",
        ["flux_RNCP34179_2017-08.xml"],
    )
    by_row = {(row, outcome): reasons for row, outcome, reasons in rows}
    assert sorted(by_row) == [(4, "field"), (6, "field"), (7, "row"), (9, "row"), (10, "field")]
    assert "another passage further in the flux has this idTechnique" in by_row[(7, "row")][0]
    assert by_row[(9, "row")][0].startswith(
        "passage 9 (line 185), element 'dateDebutValidite' = '2017-13-45'"
    )
    assert "(NIR masqué)" in by_row[(4, "field")][0] and "key" in by_row[(4, "field")][0]
    assert "'modaliteAcces' = 'ALTERNANCE'" in by_row[(10, "field")][0]
    status, read, loaded_rows, message = table_rows(
        loaded.warehouse,
        "select status, rows_read, rows_loaded, message from load_log where file_name = ?",
        ["flux_RNCP34179_2017-08.xml"],
    )[0]
    assert (status, read, loaded_rows) == ("loaded", 10, 8)
    assert "1 passage(s) de certifications RS (répertoire spécifique) écarté(s)" in message
    assert (
        table_rows(
            loaded.warehouse, "select count(*) from landing_cdc_passages where certification_code like 'RS%'"
        )[0][0]
        == 0
    )


def test_no_nir_name_or_birth_date_enters_the_warehouse_the_snapshot_the_quarantine_or_the_data_docs(loaded):
    for path in (loaded.warehouse, loaded.snapshot):
        with duckdb.connect(str(path), read_only=True) as con:
            tables = [
                t
                for (t,) in con.execute(
                    "select table_name from duckdb_tables() where not internal"
                ).fetchall()
            ]
            for table in tables:
                text = con.execute(
                    f"select coalesce(string_agg(x::varchar, '|'), '') from {table} as x"
                ).fetchall()[0][0]
                for personal in PERSONAL:
                    assert personal not in text, (path.name, table, personal)
        raw = path.read_bytes()
        for personal in PERSONAL:
            assert personal.encode() not in raw, (path.name, personal)
    docs = [p for p in loaded.data_docs_dir.rglob("*") if p.is_file()]
    assert any(
        "cdc_flux" in p.name or b"cdc_flux" in p.read_bytes() for p in docs
    )  # the flux's runs are there
    for p in docs:
        content = p.read_bytes()
        for personal in PERSONAL:
            assert personal.encode() not in content, (p, personal)
    with duckdb.connect(str(loaded.snapshot), read_only=True) as con:  # not even as digests
        assert con.execute("select count(nir_hash) from landing_cdc_passages").fetchall()[0][0] == 0
    with duckdb.connect(str(loaded.warehouse), read_only=True) as con:
        assert con.execute("select count(nir_hash) from landing_cdc_passages").fetchall()[0][0] > 0


def test_a_mapping_file_gives_the_references(cli, settings, tmp_path, monkeypatch):
    assert cli("ingest", JURY)[0] == 0
    flux = tmp_path / "flux-cpf.xml"
    text = (CDC / "flux_RNCP34179_2018-07.xml").read_text(encoding="utf-8")
    for i, ref in enumerate(("FO-2018-0001", "FO-2018-0006", "FO-2018-0011", "FO-2018-0013", "FO-2017-0002")):
        text = text.replace(f"<cpf:idTechnique>{ref}<", f"<cpf:idTechnique>CPF-{i:04d}<")
    flux.write_text(text, encoding="utf-8")
    mapping = tmp_path / "correspondance.csv"
    mapping.write_text(
        "idTechnique;Référence candidat\nCPF-0000;FO-2018-0001\nCPF-0001;FO-2018-0006\nCPF-0002;FO-2018-0011\n"
        "CPF-0003;FO-2018-0013\n",
        encoding="utf-8",
    )
    code, out, err = cli("ingest", flux, "--mapping", mapping)
    assert code == 0, out + err
    assert (
        "références candidats lues dans correspondance.csv"
        in table_rows(settings.warehouse, "select message from load_log order by load_id desc limit 1")[0][0]
    )
    f = findings(settings)
    assert f[refs(settings, "FO-2018-0001")[0]]["link_method"] == "mapping"
    assert f[refs(settings, "FO-2018-0013")[0]]["finding"] == "transmitted_failed"
    reasons = table_rows(
        settings.warehouse, "select reasons from quarantine where file_name = 'flux-cpf.xml'"
    )
    assert len(reasons) == 1 and "listed in the flux's mapping file" in reasons[0][0][0]  # CPF-0004: unmapped
    # a corrected mapping is another load of the same flux
    mapping.write_text(mapping.read_text(encoding="utf-8") + "CPF-0004;FO-2017-0002\n", encoding="utf-8")
    assert "déjà chargé" not in cli("ingest", flux, "--mapping", mapping)[1]
    # without --mapping: the certifier's register of the reference folder (build and watch read it too)
    reference = tmp_path / "reference"
    shutil.copytree(ROOT / "data" / "reference", reference)
    shutil.copyfile(mapping, reference / "cdc_correspondance.csv")
    monkeypatch.setenv("INSERTION_REFERENCE_DIR", str(reference))
    other = tmp_path / "flux-cpf-bis.xml"
    other.write_text(text.replace("FLUX-TEST-2018-07", "FLUX-TEST-BIS"), encoding="utf-8")
    assert cli("ingest", other)[0] == 0
    assert table_rows(
        settings.warehouse,
        "select count(*), count(distinct link) from landing_cdc_passages where source_file = ? and link = 'mapping'",
        [other.name],
    ) == [(5, 1)]


def test_a_mapping_file_giving_two_references_to_one_id_rejects_the_flux(cli, settings, tmp_path):
    assert cli("ingest", JURY)[0] == 0
    before = data_hash(settings)
    flux = tmp_path / "flux.xml"
    shutil.copyfile(CDC / "flux_RNCP34179_2018-07.xml", flux)
    mapping = tmp_path / "flux.correspondance.csv"
    mapping.write_text("idTechnique,Référence candidat\nFO-2018-0001,A\nFO-2018-0001,B\n", encoding="utf-8")
    code, out, err = cli("ingest", flux, "--mapping", mapping)
    assert code == 1 and "plusieurs références candidats" in err and "flux.correspondance.csv" in err
    assert data_hash(settings) == before
    mapping.write_text("Identifiant;Nom\nX;Y\n", encoding="utf-8")
    code, out, err = cli("ingest", flux, "--mapping", mapping)
    assert code == 1 and "sans colonne « idTechnique »" in err


def test_a_jury_file_with_nirs_links_the_flux_by_the_nir_and_drops_it(cli, settings, tmp_path):
    jury = tmp_path / "jury-nir.csv"
    first, second = nir.with_key("1880375056001"), nir.with_key("2880375056002")
    jury.write_text(
        "Référence candidat;Code RNCP;Date du jury;Voie d'accès;Résultat;NIR\n"
        f"NR-01;RNCP99001;15/03/2024;Formation continue;Certifié;{first}\n"
        f"NR-02;RNCP99001;15/03/2024;VAE;Certifié;{second[:13]}\n"
        f"NR-03;RNCP99001;32/03/2024;VAE;Certifié;{nir.with_key('1880375056003')}\n"
        "NR-04;RNCP99001;15/03/2024;VAE;Certifié;123\n",
        encoding="utf-8",
    )
    text = (
        (CDC / "flux_RNCP34179_2018-07.xml")
        .read_text(encoding="utf-8")
        .replace("<cpf:code>34179", "<cpf:code>99001")
    )
    text = text.replace(nir.with_key("1990635238022"), first).replace(nir.with_key("2990744109055"), second)
    text = text.replace("2018-06-20", "2024-03-15").replace("2018-07-10", "2024-04-02")
    flux = tmp_path / "flux-99001.xml"
    flux.write_text(text, encoding="utf-8")
    code, out, err = cli("ingest", jury, flux)
    assert code == 0, out + err
    assert "NIR (condensé pour le rapprochement avec le flux CDC)" in out
    rows = table_rows(
        settings.warehouse,
        "select candidate_hash::varchar, link_method, finding from cdc_reconciliation where certification_code = 'RNCP99001' "
        "and link_method = 'nir' order by 1",
    )
    assert sorted(r[0] for r in rows) == sorted(refs(settings, "NR-01", "NR-02"))
    message = table_rows(settings.warehouse, "select message from load_log where file_name = 'jury-nir.csv'")[
        0
    ][0]
    assert "1 NIR invalide(s)" in message
    record = table_rows(
        settings.warehouse, "select original_record::varchar from quarantine where file_name = 'jury-nir.csv'"
    )
    assert record and "(NIR masqué)" in record[0][0]
    for n in (first, second, first[:13], "1880375056003"):
        for table in ("landing_cohort_results", "quarantine", "validation_results", "load_log"):
            text = table_rows(
                settings.warehouse, f"select coalesce(string_agg(x::varchar, '|'), '') from {table} as x"
            )[0][0]
            assert n not in text, (table, n)


def test_a_certification_without_jury_file_can_take_its_certified_from_the_flux(
    cli, settings, tmp_path, monkeypatch
):
    reference = tmp_path / "reference"
    shutil.copytree(ROOT / "data" / "reference", reference)
    certs = reference / "certifications.csv"
    lines = certs.read_text(encoding="utf-8").splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("certification_code"))
    lines[header] += ",cdc_as_cohort"
    lines = [
        *(line + ",0" if i > header else line for i, line in enumerate(lines)),
        "RNCP99002,Fictive,0,,,0,1",
    ]
    certs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("INSERTION_REFERENCE_DIR", str(reference))
    flux = tmp_path / "flux-99002.xml"
    flux.write_text(
        (CDC / "flux_RNCP34179_2018-07.xml")
        .read_text(encoding="utf-8")
        .replace("<cpf:code>34179", "<cpf:code>99002"),
        encoding="utf-8",
    )
    assert cli("ingest", flux)[0] == 0
    code, out, err = cli("stats", "RNCP99002")
    assert code == 0, err
    assert "Certifiés lus dans le flux d'accrochage CDC" in out and "ni les validations partielles" in out
    certified = table_rows(
        settings.warehouse,
        "select year, count(*) from fct_certified where certification_code = 'RNCP99002' group by 1 order by 1",
    )
    assert certified == [(2017, 1), (2018, 4)]
    assert (
        table_rows(
            settings.warehouse,
            "select count(*) from cdc_reconciliation where certification_code = 'RNCP99002'",
        )[0][0]
        == 0
    )
    # a jury file, once loaded, is the source again (whatever the order of the loads)
    jury = tmp_path / "jury-99002.csv"
    jury.write_text(
        "Référence candidat;Code RNCP;Date du jury;Voie d'accès;Résultat\nFO-2018-0001;RNCP99002;20/06/2018;Formation initiale;Certifié\n",
        encoding="utf-8",
    )
    assert cli("ingest", jury)[0] == 0
    assert (
        table_rows(
            settings.warehouse, "select count(*) from fct_certified where certification_code = 'RNCP99002'"
        )[0][0]
        == 1
    )
    assert "flux d'accrochage" not in cli("stats", "RNCP99002")[1]


def test_without_horodatage_the_file_date_is_the_day_of_transmission(cli, settings, tmp_path):
    import os
    from datetime import datetime

    flux = tmp_path / "flux-sans-horodatage.xml"
    text = (CDC / "flux_RNCP34179_2018-03.xml").read_text(encoding="utf-8")
    flux.write_text(
        text.replace("<cpf:horodatage>2018-03-15T09:00:00+01:00</cpf:horodatage>", ""), encoding="utf-8"
    )
    stamp = datetime(2017, 10, 5, 12).timestamp()
    os.utime(flux, (stamp, stamp))
    assert cli("ingest", JURY, flux)[0] == 0
    rows = table_rows(
        settings.warehouse,
        "select distinct transmitted_on::varchar, transmitted_from from landing_cdc_passages",
    )
    assert rows == [("2017-10-05", "file_date")]
    assert (
        "horodatage absent : date du fichier retenue"
        in table_rows(settings.warehouse, "select message from load_log where file_name = ?", [flux.name])[0][
            0
        ]
    )
    assert not findings(settings)[refs(settings, "FO-2017-0006")[0]]["late"]


@pytest.mark.parametrize("case", ["billion_laughs", "external_entity", "empty", "truncated", "rs_only"])
def test_a_flux_that_cannot_be_loaded_leaves_the_warehouse_unchanged(cli, settings, tmp_path, case):
    from tests.unit.test_cdc_flux import HOSTILE

    assert cli("ingest", JURY, FLUXES[0])[0] == 0
    before = data_hash(settings)
    source = (CDC / "flux_RNCP34179_2018-03.xml").read_text(encoding="utf-8")
    path = tmp_path / f"flux-{case}.xml"
    if case in HOSTILE:
        path.write_text(HOSTILE[case], encoding="utf-8")
    elif case == "empty":
        start, end = source.index("<cpf:passageCertification>"), source.rindex("</cpf:passageCertification>")
        path.write_text(source[:start] + source[end + len("</cpf:passageCertification>") :], encoding="utf-8")
    elif case == "truncated":
        path.write_text(source[: len(source) // 2], encoding="utf-8")
    else:
        path.write_text(
            source.replace("<cpf:type>RNCP</cpf:type>", "<cpf:type>RS</cpf:type>").replace(
                "<cpf:code>34179", "<cpf:code>RS5286"
            ),
            encoding="utf-8",
        )
    code, out, err = cli("ingest", path)
    if case == "rs_only":  # nothing to load, said, not an error
        assert code == 0 and "0 passage sur 0" in out, out + err
        assert (
            "3 passage(s) de certifications RS"
            in table_rows(settings.warehouse, "select message from load_log order by load_id desc limit 1")[
                0
            ][0]
        )
        assert data_hash(settings) == before
        return
    assert code == 1, out + err
    assert path.name in err
    expected = {
        "billion_laughs": "flux CDC refusé : déclaration d'entité",
        "external_entity": "flux CDC refusé : déclaration d'entité",
        "empty": "aucun passage de certification",
        "truncated": "XML mal formé",
    }[case]
    assert expected in err
    assert table_rows(settings.warehouse, "select status from load_log order by load_id desc limit 1") == [
        ("rejected",)
    ]
    assert data_hash(settings) == before


def test_a_flux_validated_part_by_part_loads_as_in_one_part(cli, settings, monkeypatch, tmp_path):
    from pipeline.load.sources import cdc, cdc_write

    def state():
        return (
            table_rows(
                settings.warehouse,
                "select * exclude (load_id) from landing_cdc_passages order by source_file, source_row",
            ),
            table_rows(
                settings.warehouse,
                "select source_row, outcome, reasons, original_record::varchar from quarantine where kind = 'cdc_flux' order by all",
            ),
            table_rows(
                settings.warehouse,
                "select expectation_type, column_name, success, element_count, unexpected_count from validation_results "
                "where suite = 'cdc_flux' order by all",
            ),
        )

    assert cli("ingest", FLUXES[0])[0] == 0
    whole = state()
    shutil.rmtree(settings.warehouse.parent)
    monkeypatch.setattr(cdc, "PART_ROWS", 3)
    monkeypatch.setattr(cdc_write, "VALIDATED_PARTS", 1)
    assert cli("ingest", FLUXES[0])[0] == 0
    assert state() == whole
    assert (
        table_rows(settings.warehouse, "select count(*) from validation_runs where suite = 'cdc_flux'")[0][0]
        == 1
    )


def test_the_refresh_of_a_load_equals_a_full_build(loaded, cli):
    def state():
        return (
            table_rows(loaded.warehouse, "select * from fct_cdc_passages order by all"),
            table_rows(loaded.warehouse, "select * from cdc_reconciliation order by all"),
        )

    after_ingest = state()
    assert cli("build")[0] in (0, 1)
    assert state() == after_ingest


def test_a_flux_load_is_undone_like_a_jury_file(loaded, cli):
    code, out, err = cli("loads")  # listed with its certifications (no unload yet: the list still shows)
    assert code == 0, err
    assert "Flux d'accrochage CDC" in out and FLUXES[2].name in out
    code, out, err = cli("unload", FLUXES[2], "--by", "C. Moreau", "--why", "flux envoyé deux fois")
    assert code == 0, out + err
    assert "flux d'accrochage CDC" in out
    assert table_rows(
        loaded.warehouse, "select count(*) from landing_cdc_passages where source_file = ?", [FLUXES[2].name]
    ) == [(0,)]
    f = findings(loaded)
    assert f[refs(loaded, "FO-2018-0001")[0]]["finding"] == "not_transmitted"


def test_insertion_build_loads_the_fluxes_of_the_raw_folder_after_the_jury_files(cli, settings, monkeypatch):
    raw = settings.raw_dir
    (raw / "cohortes").mkdir()
    (raw / "cdc").mkdir()
    shutil.copyfile(JURY, raw / "cohortes" / JURY.name)
    for flux in FLUXES:
        shutil.copyfile(flux, raw / "cdc" / flux.name)
    code, out, err = cli("build")
    assert code == 0, out + err
    order = [line.split("] ", 1)[1].split(" : ")[0] for line in out.splitlines() if line.startswith("[")]
    assert order[0].endswith(JURY.name) and all(p.endswith(".xml") for p in order[1:])
    assert table_rows(
        settings.warehouse,
        "select sum(transmitted), sum(late) from cdc_accrochage_summary where certification_code = 'RNCP34179'",
    ) == [(12, 3)]
