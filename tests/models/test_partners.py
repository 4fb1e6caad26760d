"""Issue #16, data side: partners in cohort files, the RNCP export's partners, SIRET checks, the
habilitation check and the indicators per partner."""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import fromstring

import pandas as pd
import pytest

from pipeline.core import siret
from pipeline.load.sources import rncp
from tests.helpers import FIXTURES, table_rows
from tests.reference.recompute import recompute_partners, siret_ok

ROOT = Path(__file__).resolve().parents[2]
PARTNERS = FIXTURES / "partners"


# ------------------------------------------------------------------------------------------ SIRET


@pytest.mark.parametrize(
    "value",
    [
        "19530081900016",  # real partners of RNCP40344 (export)
        "41387086600063",
        "48819452300053",  # FORMAOUEST, certifier of RNCP34179
        "\t11004401300040",  # as the CSV parts write it
        "193 112 620 00037",  # as people write it
        "195.300.819.00016",
        "35600000000048",  # La Poste's head office (passes the Luhn key too)
        "35600000049837",  # a La Poste establishment: digit sum 50, Luhn key wrong
    ],
)
def test_valid_sirets(value):
    assert siret.is_valid(value)
    assert siret_ok(value.replace("\t", "")) is not None  # the independent oracle agrees


@pytest.mark.parametrize(
    "value",
    [
        "19530081900017",  # check key off by one
        "1953008190001",  # 13 digits (a leading zero lost in a spreadsheet)
        "195300819000160",  # 15 digits
        "1953008190001A",
        "35600000000002",  # La Poste: digit sum 16, not a multiple of 5, Luhn key wrong
        "",
        None,
        "１９５３００８１９０００１６",  # full-width digits are not digits of a SIRET
    ],
)
def test_invalid_sirets(value):
    assert not siret.is_valid(value)


@pytest.mark.parametrize(
    ("value", "scientific"),
    [
        ("8,42157E+13", True),  # French Excel
        ("8.42157E+13", True),
        ("8.42157e13", True),
        (" 8,42157E+13 ", True),
        ("84215736900013", False),
        ("8421573690001E", False),
        ("", False),
        (None, False),
    ],
)
def test_a_siret_in_scientific_form_is_told_as_such(value, scientific):
    """Issue #24: a SIRET a spreadsheet turned into a number in scientific form gets its own hint."""
    assert siret.scientific(value) is scientific
    assert ("formatez la colonne en texte" in siret.hint(value)) is scientific
    assert not (scientific and siret.is_valid(value))


def test_a_scientific_siret_is_explained_wherever_it_is_refused(cli, settings, tmp_path, monkeypatch):
    """In a cohort file (the field set aside: the load's note and the quarantine's reason), in the partners
    register of the reference folder (the file refused), in a partner account."""
    from pipeline.core.accounts import AccountError, normalise_siret
    from pipeline.core.errors import InputError
    from pipeline.core.quality_labels import reason_fr
    from pipeline.load.sources.reference import read_partners

    cohort = tmp_path / "jurys_excel.csv"
    cohort.write_text(
        HEADER + "\n" + "SCI-1;RNCP34179;15/06/2018;Formation continue;Certifié;OF;8,42157E+13;\n",
        encoding="utf-8",
    )
    code, out, err = cli("ingest", cohort)
    assert code == 0, out + err
    assert "« SIRET » : 1 SIRET en notation scientifique (par exemple 8,42157E+13) mis de côté" in out
    assert "le tableur a changé ce SIRET en nombre" in out and "formatez la colonne en texte" in out
    ((reasons,),) = table_rows(settings.warehouse, "select reasons from quarantine")
    assert "le tableur a changé ce SIRET en nombre" in reason_fr(reasons[0])
    code, out, err = cli("quality", "--quarantine")
    assert "formatez la colonne en texte et exportez de nouveau le fichier" in out

    register = tmp_path / "partners.csv"
    register.write_text(
        "certification_code,siret,name,habilitation,state,active_date,state_date\n"
        'RNCP34179,"8,42157E+13",OF,HABILITATION_FORMER,Actif,01/01/2019,\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as refused:
        read_partners(register)
    assert refused.value.row == 2 and "lu '8,42157E+13'" in refused.value.message
    assert "le tableur a changé ce SIRET en nombre" in refused.value.message
    register.write_text(register.read_text().replace('"8,42157E+13"', "8421573690001"), encoding="utf-8")
    with pytest.raises(InputError) as refused:
        read_partners(register)
    assert "tableur" not in refused.value.message  # a SIRET short of a digit: no such hint
    with pytest.raises(AccountError, match="notation scientifique"):
        normalise_siret("8,42157E+13")


def test_every_real_partner_siret_of_the_export_excerpt_passes():
    """The 495 partner SIRETs of the real XML sample all have a valid key (none is La Poste's)."""
    xml = Path("/work/shared/data/rncp-xml-v4.1-sample/export_fiches_RNCP_V4_1_sample.xml")
    source = xml if xml.exists() else PARTNERS / "export_fiches_RNCP_V4_1_partenaires.xml"
    values = [el.text for el in fromstring(source.read_bytes()).iter("SIRET_PARTENAIRE")]
    assert values and all(siret.is_valid(v) for v in values)


# ---------------------------------------------------------------------------------- RNCP partners


def _partners(rows: dict) -> pd.DataFrame:
    return pd.DataFrame(rows["rncp_partners"], columns=rncp.TABLES["rncp_partners"])


def test_xml_partners_with_state_dates_and_habilitation_type():
    path = PARTNERS / "export_fiches_RNCP_V4_1_partenaires.xml"
    rows = {t: [] for t in rncp.TABLES}
    for _, batch in rncp.iter_export(path):
        for table, trows in batch.items():
            rows[table] += trows
    frame = _partners(rows)
    assert len(frame) == 5
    first = frame.iloc[0].to_dict()
    assert first == {
        "certification_code": "RNCP40344",
        "siret": "19530081900016",
        "name": "AGRICAMPUS LAVAL",
        "habilitation": "HABILITATION_ORGA_FORM",
        "habilitation_type": "both",
        "state": "active",
        "active_date": pd.Timestamp("2025-03-28").date(),
        "state_date": pd.Timestamp("2025-03-28").date(),
    }
    former = frame[frame["habilitation"] == "HABILITATION_FORMER"]
    assert list(former["siret"]) == ["82409268800012", "82409268800053"]
    assert set(former["habilitation_type"]) == {"train"}
    assert former["active_date"].isna().all()  # RNCP37674's partners have no DATE_ACTIF
    assert list(former["state_date"].astype(str)) == ["2026-08-14", "2026-08-14"]


def test_xml_states_inactive_and_withdrawn():
    """Inactif and Supprimé (no real example in the copies: a crafted partner element)."""
    fiche = fromstring(
        "<FICHE><NUMERO_FICHE>RNCP99001</NUMERO_FICHE><PARTENAIRES>"
        "<PARTENAIRE><NOM_PARTENAIRE>A</NOM_PARTENAIRE><SIRET_PARTENAIRE>90100000000017</SIRET_PARTENAIRE>"
        "<HABILITATION_PARTENAIRE>HABILITATION_ORGANISER</HABILITATION_PARTENAIRE>"
        "<ETAT_HABILITATION>Supprimé</ETAT_HABILITATION>"
        "<DATE_DERNIERE_MODIFICATION_ETAT>01/03/2021</DATE_DERNIERE_MODIFICATION_ETAT></PARTENAIRE>"
        "<PARTENAIRE><SIRET_PARTENAIRE>90200000000015</SIRET_PARTENAIRE>"
        "<ETAT_HABILITATION>Inactif</ETAT_HABILITATION></PARTENAIRE>"
        "</PARTENAIRES></FICHE>"
    )
    frame = _partners(rncp.parse_fiche(fiche))
    assert list(frame["state"]) == ["withdrawn", "inactive"]
    assert frame["habilitation_type"].iloc[0] == "assess" and pd.isna(frame["habilitation_type"].iloc[1])
    assert str(frame["state_date"].iloc[0]) == "2021-03-01"


def test_csv_part_partners():
    """The CSV part: the four columns, the TAB before the SIRET removed, no state nor dates."""
    path = PARTNERS / "export_fiches_CSV_Partenaires_2026_02_01.csv"
    (label, rows), *_ = list(rncp.iter_export(path))
    frame = _partners(rows)
    assert frame[["certification_code", "siret", "name", "habilitation_type"]].values.tolist() == [
        ["RNCP40344", "19530081900016", "AGRICAMPUS LAVAL", "both"],
        ["RNCP40344", "41387086600063", "ASS REGIONAL INTERPRO APPRENTI AQUITAINE", "both"],
        ["RNCP37674", "88055223700047", "10MENTIONWEB FORMATION", "both"],
        ["RNCP37674", "82409268800012", "AFPA ENTREPRISES", "train"],
        ["RNCP37674", "82409268800053", "AFPA ENTREPRISES", "train"],
    ]
    assert frame[["state", "active_date", "state_date"]].isna().all().all()


def test_partners_load_into_the_warehouse_from_both_parts(cli, settings):
    for name in ("export_fiches_RNCP_V4_1_partenaires.xml",):
        code, out, err = cli("ingest", PARTNERS / name)
        assert code == 0, out + err
    rows = table_rows(
        settings.warehouse,
        "select certification_code, siret, habilitation_type, state, active_date::varchar from rncp_partners "
        "order by all",
    )
    assert ("RNCP40344", "19530081900016", "both", "active", "2025-03-28") in rows
    assert ("RNCP37674", "82409268800012", "train", "active", None) in rows


def test_a_malformed_partner_siret_of_the_export_is_a_warning(cli, settings, tmp_path):
    export = tmp_path / "export_fiches_RNCP_V4_1_siret.xml"
    export.write_text(
        "<FICHES><FICHE><NUMERO_FICHE>RNCP99002</NUMERO_FICHE><INTITULE>Fiche fictive</INTITULE>"
        "<PARTENAIRES><PARTENAIRE><SIRET_PARTENAIRE>90100000000018</SIRET_PARTENAIRE></PARTENAIRE>"
        "<PARTENAIRE><SIRET_PARTENAIRE>90100000000017</SIRET_PARTENAIRE></PARTENAIRE></PARTENAIRES>"
        "</FICHE></FICHES>",
        encoding="utf-8",
    )
    code, out, err = cli("ingest", export)
    assert code == 0, out + err
    ((message,),) = table_rows(settings.warehouse, "select message from load_log")
    assert "partner SIRETs of 14 digits with a valid check key" in message and "1 row(s)" in message
    assert table_rows(settings.warehouse, "select count(*) from rncp_partners")[0][0] == 2  # loaded


def test_the_malformed_partner_siret_warning_names_its_fiches(cli, settings, tmp_path):
    """Issue #24: the warning counted fiches and named none; it names the first ones, « et N autre(s) »."""
    fiches = "".join(
        f"<FICHE><NUMERO_FICHE>RNCP9901{i}</NUMERO_FICHE><INTITULE>Fiche fictive {i}</INTITULE><PARTENAIRES>"
        "<PARTENAIRE><SIRET_PARTENAIRE>90100000000018</SIRET_PARTENAIRE></PARTENAIRE>"
        f"<PARTENAIRE><SIRET_PARTENAIRE>{'90200000000016' if i == 3 else '90100000000017'}</SIRET_PARTENAIRE>"
        "</PARTENAIRE></PARTENAIRES></FICHE>"
        for i in range(7)
    )
    export = tmp_path / "export_fiches_RNCP_V4_1_siret.xml"
    export.write_text(f"<FICHES>{fiches}</FICHES>", encoding="utf-8")
    code, out, err = cli("ingest", export)
    assert code == 0, out + err
    named = "RNCP99010 (1 SIRET), RNCP99011 (1 SIRET), RNCP99012 (1 SIRET), RNCP99013 (2 SIRET), RNCP99014 (1 SIRET)"
    assert "SIRET de partenaires mal formés" in out and f"dans 7 fiche(s) : {named} et 2 autre(s)" in out
    ((message,),) = table_rows(settings.warehouse, "select message from load_log")
    assert named in message
    samples = table_rows(
        settings.warehouse,
        "select sample_values::varchar from validation_results where expectation_type = 'expect_column_values_to_be_between' "
        "and column_name = 'malformed_partner_sirets'",
    )
    assert "RNCP99010" in samples[0][0]


# -------------------------------------------------------------------------------- habilitation check

CRAFTED_EXPORT = """<?xml version="1.0" encoding="UTF-8"?>
<FICHES><FICHE><NUMERO_FICHE>RNCP99001</NUMERO_FICHE><INTITULE>Fiche fictive (test)</INTITULE>
<CERTIFICATEURS><CERTIFICATEUR><SIRET_CERTIFICATEUR>90600000000016</SIRET_CERTIFICATEUR>
<NOM_CERTIFICATEUR>CERTIFICATEUR FICTIF</NOM_CERTIFICATEUR></CERTIFICATEUR></CERTIFICATEURS>
<PARTENAIRES>
<PARTENAIRE><NOM_PARTENAIRE>TOUJOURS HABILITE</NOM_PARTENAIRE><SIRET_PARTENAIRE>90100000000017</SIRET_PARTENAIRE>
<HABILITATION_PARTENAIRE>HABILITATION_ORGA_FORM</HABILITATION_PARTENAIRE><ETAT_HABILITATION>Actif</ETAT_HABILITATION>
<DATE_ACTIF>01/01/2019</DATE_ACTIF></PARTENAIRE>
<PARTENAIRE><NOM_PARTENAIRE>RETIRE</NOM_PARTENAIRE><SIRET_PARTENAIRE>90200000000015</SIRET_PARTENAIRE>
<HABILITATION_PARTENAIRE>HABILITATION_ORGA_FORM</HABILITATION_PARTENAIRE><ETAT_HABILITATION>Supprimé</ETAT_HABILITATION>
<DATE_ACTIF>01/01/2019</DATE_ACTIF><DATE_DERNIERE_MODIFICATION_ETAT>01/03/2021</DATE_DERNIERE_MODIFICATION_ETAT></PARTENAIRE>
<PARTENAIRE><NOM_PARTENAIRE>TROP TOT</NOM_PARTENAIRE><SIRET_PARTENAIRE>90300000000013</SIRET_PARTENAIRE>
<HABILITATION_PARTENAIRE>HABILITATION_ORGA_FORM</HABILITATION_PARTENAIRE><ETAT_HABILITATION>Actif</ETAT_HABILITATION>
<DATE_ACTIF>01/01/2022</DATE_ACTIF></PARTENAIRE>
<PARTENAIRE><NOM_PARTENAIRE>FORME SEULEMENT</NOM_PARTENAIRE><SIRET_PARTENAIRE>90400000000011</SIRET_PARTENAIRE>
<HABILITATION_PARTENAIRE>HABILITATION_FORMER</HABILITATION_PARTENAIRE><ETAT_HABILITATION>Actif</ETAT_HABILITATION>
</PARTENAIRE>
</PARTENAIRES></FICHE></FICHES>
"""
HEADER = "Référence candidat;Code RNCP;Date du jury;Voie d'accès;Résultat;Organisme de formation;SIRET;Évaluation organisée par"
CRAFTED_COHORT = [
    # reference, jury date, outcome, partner, SIRET, assessed by      -> expected finding (None: fine)
    ("OK-1", "15/06/2021", "Certifié", "TOUJOURS HABILITE", "901 000 000 00017", "", None),
    ("RET-1", "15/06/2021", "Certifié", "RETIRE", "90200000000015", "", "withdrawn"),  # after withdrawal
    ("RET-2", "20/06/2020", "Certifié", "RETIRE", "90200000000015", "", None),  # before: fine
    ("RET-3", "01/03/2021", "Certifié", "RETIRE", "90200000000015", "", "withdrawn"),  # on the day
    ("TOT-1", "15/06/2021", "Certifié", "TROP TOT", "90300000000013", "", "not_yet_active"),
    ("TOT-2", "15/06/2022", "Certifié", "TROP TOT", "90300000000013", "", None),
    ("FOR-1", "15/06/2021", "Certifié", "FORME SEULEMENT", "90400000000011", "", "train_only_assessing"),
    (
        "FOR-2",
        "15/06/2021",
        "Certifié",
        "FORME SEULEMENT",
        "90400000000011",
        "Partenaire",
        "train_only_assessing",
    ),
    ("FOR-3", "15/06/2021", "Certifié", "FORME SEULEMENT", "90400000000011", "Certificateur", None),
    ("UNK-1", "15/06/2021", "Certifié", "INCONNU", "90500000000018", "", "unknown_siret"),
    ("CER-1", "15/06/2021", "Certifié", "CERTIFICATEUR FICTIF", "90600000000016", "", None),
    ("BAD-1", "15/06/2021", "Certifié", "SIRET FAUX", "90500000000019", "", "no_siret"),
    ("AJO-1", "15/06/2021", "Ajourné", "INCONNU", "90500000000018", "", None),  # not certified
    ("NON-1", "15/06/2021", "Certifié", "", "", "", None),  # no partner: the certifier
]


@pytest.fixture(scope="module")
def crafted_files(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("crafted")
    export = folder / "export_fiches_RNCP_V4_1_test.xml"
    export.write_text(CRAFTED_EXPORT, encoding="utf-8")
    cohort = folder / "jurys_partenaires.csv"
    lines = [HEADER] + [
        ";".join([ref, "RNCP99001", day, "Formation continue", outcome, name, number, assessed])
        for ref, day, outcome, name, number, assessed, _ in CRAFTED_COHORT
    ]
    cohort.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return export, cohort


@pytest.fixture
def crafted(cli, crafted_files, warehouse_after):
    """The crafted export, then the crafted cohort, each ingested (a copy of a warehouse made once per run)."""
    export, cohort = crafted_files
    return warehouse_after(("ingest", export), ("ingest", cohort))


def test_habilitation_check_on_crafted_cases(crafted):
    found = table_rows(
        crafted.warehouse,
        "select source_row, partner_name, issue from habilitation_issues order by source_row",
    )
    expected = [
        (row, name, issue)
        for row, (_, _, _, name, _, _, issue) in enumerate(CRAFTED_COHORT, start=2)  # line 1: header
        if issue is not None
    ]
    assert found == expected


def test_malformed_siret_is_a_field_set_aside_with_file_row_and_column(crafted):
    (reasons, outcome), *others = table_rows(
        crafted.warehouse, "select reasons, outcome from quarantine where file_name = 'jurys_partenaires.csv'"
    )
    assert not others and outcome == "field"
    assert reasons == [
        "row 13, column 'SIRET' = '90500000000019': expected " + siret.MESSAGE,
    ]
    # the row still counts: the 13 certified rows are all certified people
    assert table_rows(crafted.warehouse, "select count(*) from fct_certified")[0][0] == 13


def test_validate_lists_the_partners_not_habilitated(crafted, cli):
    code, out, err = cli("validate")
    assert "Partenaires habilités à la date du jury" in out  # the check, by its French label
    assert "Partenaires non habilités à la date du jury" in out
    for name, n in (("RETIRE", 2), ("FORME SEULEMENT", 2), ("TROP TOT", 1), ("INCONNU", 1)):
        assert any(name in line and f" {n} " in f" {line} " for line in out.splitlines()), (name, out)


# ---------------------------------------------------------------------------- indicators per partner

KEYS = ["certification_code", "year", "partner"]
COMPARED = [
    "certified",
    "certified_vae",
    *(f"{m}_{w}" for w in ("6m", "24m") for m in ("respondents", "neutralised", "employed", "in_target")),
    *(f"{r}_{w}" for w in ("6m", "24m") for r in ("insertion_rate", "target_job_rate", "response_rate")),
]


def _warehouse_partners(path: Path, route: bool) -> pd.DataFrame:
    where = "access_route <> 'ALL'" if route else "access_route = 'ALL'"
    frame = pd.DataFrame(
        table_rows(
            path,
            "select certification_code, year, access_route, "
            "case when partner_siret is not null then 'siret:' || partner_siret "
            "when partner_name is not null then 'name:' || partner_name else 'none' end as partner, "
            f"{', '.join(COMPARED)} from statistics_by_partner where {where}",
        ),
        columns=["certification_code", "year", "access_route", "partner", *COMPARED],
    )
    return frame if route else frame.drop(columns="access_route")


@pytest.mark.parametrize("route", [False, True], ids=["partner", "partner-and-route"])
def test_indicators_per_partner_equal_the_independent_recomputation(sample_warehouse, route):
    expected = recompute_partners(ROOT / "data" / "raw", ROOT / "data" / "reference")[int(route)]
    keys = KEYS + (["access_route"] if route else [])
    got = _warehouse_partners(sample_warehouse.warehouse, route).set_index(keys).sort_index()
    want = expected[[*keys, *COMPARED]].set_index(keys).sort_index()
    assert list(got.index) == list(want.index)
    for column in COMPARED:
        pairs = list(zip(got[column].astype("Int64"), want[column].astype("Int64"), strict=True))
        wrong = [(i, g, w) for i, (g, w) in zip(got.index, pairs, strict=True) if not (g is w or g == w)]
        assert not wrong, (column, wrong[:5])


def test_sample_partners_and_their_findings(sample_warehouse):
    """The sample's partners: most rows habilitated, and one deliberate case of each finding."""
    found = table_rows(
        sample_warehouse.warehouse,
        "select partner_name, issue, count(*) from habilitation_issues group by all order by all",
    )
    assert found == [
        ("Alpes Bâtiment Compétences", "withdrawn", 4),
        ("Formation Express Ouest", "unknown_siret", 1),
        ("LEGTPA DE BLANQUEFORT", "not_yet_active", 2),
        ("Web Académie Brest", "train_only_assessing", 4),
    ]
    certified = table_rows(sample_warehouse.warehouse, "select count(*) from fct_certified")[0][0]
    assert sum(n for *_, n in found) < certified / 10


def test_renewal_pack_has_a_partner_sheet_and_partner_alerts(sample_cli, tmp_path):
    import openpyxl

    out = tmp_path / "pack.xlsx"
    code, _, err = sample_cli("renewal", "RNCP34179", "--out", out)
    assert code == 0, err
    book = openpyxl.load_workbook(out)
    sheet = book["Par partenaire"]
    header = [c.value for c in sheet[5]]
    assert header[:4] == [
        "Partenaire (organisme habilité)",
        "SIRET",
        "Année d'obtention de la certification",
        "Nombre de certifiés",
    ]
    rows = [r[:4] for r in sheet.iter_rows(min_row=6, values_only=True) if any(v is not None for v in r)]
    assert rows == [
        ("Campus Numérique Atlantique", "84215736900013", 2018, 3),
        ("Campus Numérique Atlantique", "84215736900013", 2017, 14),
        ("Formation Express Ouest", "87302951400015", 2018, 1),
        ("Rennes Digital Formation", "85319462700016", 2018, 6),
        ("Rennes Digital Formation", "85319462700016", 2017, 17),
        ("Web Académie Brest", "86104835200012", 2018, 1),
        ("Web Académie Brest", "86104835200012", 2017, 3),
        ("Sans partenaire (certificateur)", None, 2017, 1),
    ]
    assert sum(r[3] for r in rows) == 46  # every certified person once
    alerts = [r for r in book["Alertes"].iter_rows(min_row=6, values_only=True) if r[0] == "Partenaires"]
    assert alerts == [
        (
            "Partenaires",
            "Web Académie Brest (86104835200012) : 4 certifié(s) — Habilité à former seulement, mais a "
            "organisé l'évaluation (jurys du 20/06/2017 au 20/06/2018)",
        ),
        (
            "Partenaires",
            "Formation Express Ouest (87302951400015) : 1 certifié(s) — SIRET absent des partenaires "
            "habilités de la certification (jurys du 28/09/2018 au 28/09/2018)",
        ),
    ]


def test_incremental_refresh_of_the_partner_tables_equals_a_full_rebuild(
    sample_copy, cli, settings, tmp_path
):
    """`insertion ingest` refreshes only RNCP34179's rows of the partner tables; a full rebuild agrees."""
    from pipeline.warehouse import db as warehouse
    from pipeline.warehouse import models

    extra = tmp_path / "RNCP34179_jurys_complement.csv"
    extra.write_text(
        HEADER
        + "\n"
        + "\n".join(
            f"FO-2018-9{i:03d};RNCP34179;20/06/2018;Formation initiale;Certifié;Nouvel Organisme;90500000000018;"
            for i in range(3)
        )
        + "\n",
        encoding="utf-8",
    )
    tables = ("partner_names", "statistics_by_partner", "habilitation_issues")
    others = {
        t: table_rows(
            settings.warehouse, f"select * from {t} where certification_code <> 'RNCP34179' order by all"
        )
        for t in tables
    }
    code, out, err = cli("ingest", extra)
    assert code == 0, out + err
    incremental = {t: table_rows(settings.warehouse, f"select * from {t} order by all") for t in tables}
    assert ("Nouvel Organisme", "unknown_siret", 3) in table_rows(
        settings.warehouse, "select partner_name, issue, count(*) from habilitation_issues group by all"
    )
    for t in tables:
        kept = table_rows(
            settings.warehouse, f"select * from {t} where certification_code <> 'RNCP34179' order by all"
        )
        assert kept == others[t], t
    with warehouse.connect(settings.warehouse) as con:
        models.build_models(con, settings)
    for t in tables:
        assert table_rows(settings.warehouse, f"select * from {t} order by all") == incremental[t], t
