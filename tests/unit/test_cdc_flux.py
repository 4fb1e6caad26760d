"""Issue #27, the pure parts: the NIR's shape and key, the flux's streamed reading (namespace, xsi:nil, RS
passages counted, personal elements never collected, hostile XML refused), its typing and its suite."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.core import nir
from pipeline.core.errors import InputError
from pipeline.core.quality_labels import reason_fr
from pipeline.load.sources import cdc, cdc_xml
from pipeline.load.sources.cdc_xml import NAMESPACE
from tests.helpers import FIXTURES

FLUX = FIXTURES / "cdc" / "flux_RNCP34179_2017-08.xml"
KEY = b"0" * 64


# --- the NIR ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("1850775123456", nir.VALID),  # 13 characters: no key to check
        (nir.with_key("1850775123456"), nir.VALID),
        ("1 85 07 75 123 456 08", nir.VALID),  # written with spaces
        (nir.with_key("175052A123456"), nir.VALID),  # Corsica: 2A read 19
        (nir.with_key("175052B123456"), nir.VALID),  # 2B read 18
        ("185077512345694", nir.BAD_KEY),
        ("175052A12345600", nir.BAD_KEY),
        ("3850775123456", nir.MALFORMED),  # sex 1 or 2
        ("1940869123", nir.MALFORMED),  # too short
        ("18507751234560X", nir.MALFORMED),
        ("", None),
        (None, None),
    ],
)
def test_the_nir_shape_and_key(text, verdict):
    assert nir.check(text) == verdict


def test_the_key_is_97_minus_the_number_modulo_97():
    assert nir.key("1850775123456") == 97 - 1850775123456 % 97
    assert nir.key("175052A123456") == 97 - 1750519123456 % 97
    assert nir.key("175052B123456") == 97 - 1750518123456 % 97


def test_a_nir_links_by_its_13_characters_only_when_valid():
    assert (
        nir.link_text(nir.with_key("1850775123456")) == nir.link_text("1850775123456") == "NIR:1850775123456"
    )
    assert nir.link_text("185077512345694") is None and nir.link_text("ABC") is None


# --- reading the flux ------------------------------------------------------------------------------------


def read(path: Path, part_size: int = 1000):
    header = cdc_xml.Header()
    rows = [row for part in cdc_xml.passages(path, header, part_size) for row in part]
    return header, [dict(zip(cdc_xml.ROW_FIELDS, row, strict=True)) for row in rows]


def test_a_flux_is_read_passage_by_passage_with_its_header():
    header, rows = read(FLUX)
    assert (header.flux_id, header.timestamp, header.issuer) == (
        "FLUX-TEST-2017-08",
        "2017-08-01T10:15:00+02:00",
        "99XYZ001",
    )
    assert header.passages == 11 and header.rs_passages == 1  # the RS passage is counted, not returned
    assert len(rows) == 10 and {r["certification_type"] for r in rows} == {"RNCP"}
    first = rows[0]
    assert first["idTechnique"] == "FO-2017-0002" and first["dateDebutValidite"] == "2017-06-20"
    assert first["dateFinValidite"] is None  # xsi:nil
    assert first["modaliteAcces"] == "FORMATION_INITIALE_HORS_APPRENTISSAGE"
    assert (first["identification"], first["certifier_id"], first["contract_id"]) == (
        "nir",
        "99XYZ001",
        "MCFCER999001",
    )
    assert first["source_row"] == 19  # the line of its <passageCertification>
    assert rows[1]["identification"] == "titulaire" and rows[1]["nir"] is None


def test_names_birth_dates_sex_and_birthplace_are_never_collected():
    _, rows = read(FLUX)
    seen = repr(rows)
    for personal in ("MARTINEAU", "DUBOISSIERE", "CAMILLETTE", "1996", "'F'"):
        assert personal not in seen
    holder = rows[1]  # identified by titulaire: name, first name, birth date, sex, birthplace
    assert holder["identification"] == "titulaire" and "44109" not in repr(holder)


def test_the_certificateurs_may_sit_beside_the_emetteur_and_a_code_without_prefix():
    header, rows = read(FIXTURES / "cdc" / "flux_RNCP34179_2018-03.xml")
    assert header.issuer == "99XYZ001" and len(rows) == 3
    typed = cdc.type_part([tuple(r.values()) for r in rows], 1, 0, KEY)
    assert set(typed["certification_code"]) == {"RNCP34179"}  # « 34179 » with its type


def test_the_flux_is_told_by_its_namespace(tmp_path):
    assert cdc.is_flux(FLUX, FLUX.read_bytes()[:65536])
    rncp = FIXTURES / "rncp" / "export_fiches_RNCP_V4_1_2026_02_01.xml"
    assert not cdc.is_flux(rncp, rncp.read_bytes()[:65536])
    # the namespace declared after a prolog longer than the head
    long = tmp_path / "flux-long.xml"
    text = FLUX.read_text(encoding="utf-8")
    long.write_text(
        text.replace("<cpf:flux ", "<!-- " + "x" * 70000 + " -->\n<cpf:flux ", 1), encoding="utf-8"
    )
    assert cdc.is_flux(long, long.read_bytes()[:65536])
    other = tmp_path / "other.xml"
    other.write_text('<?xml version="1.0"?><cpf:flux xmlns:cpf="urn:autre"/>', encoding="utf-8")
    assert not cdc.is_flux(other, other.read_bytes())


HOSTILE = {
    "billion_laughs": (
        '<?xml version="1.0"?>\n<!DOCTYPE flux [\n<!ENTITY lol "lol">\n'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n]>\n'
        f'<cpf:flux xmlns:cpf="{NAMESPACE}"><cpf:idFlux>&lol3;</cpf:idFlux></cpf:flux>\n'
    ),
    "external_entity": (
        '<?xml version="1.0"?>\n<!DOCTYPE flux [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        f'<cpf:flux xmlns:cpf="{NAMESPACE}"><cpf:idFlux>&xxe;</cpf:idFlux></cpf:flux>\n'
    ),
    "parameter_entity": (
        '<?xml version="1.0"?>\n<!DOCTYPE flux [<!ENTITY % dtd SYSTEM "http://example.invalid/x.dtd"> %dtd;]>\n'
        f'<cpf:flux xmlns:cpf="{NAMESPACE}"><cpf:idFlux>x</cpf:idFlux></cpf:flux>\n'
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_xml_is_refused_before_anything_is_expanded(tmp_path, case):
    path = tmp_path / f"{case}.xml"
    path.write_text(HOSTILE[case], encoding="utf-8")
    assert cdc.is_flux(path, path.read_bytes())  # told by its namespace: its own source refuses it
    from pipeline.load import sources

    assert sources.find(path).kind == "cdc_flux"  # not the RNCP export's, which takes other .xml files
    with pytest.raises(InputError) as refused:
        read(path)
    assert "flux CDC refusé" in str(refused.value) and "entité" in str(refused.value)


def test_a_truncated_flux_says_where(tmp_path):
    path = tmp_path / "cut.xml"
    path.write_bytes(FLUX.read_bytes()[:3000])
    with pytest.raises(InputError) as cut:
        read(path)
    assert "XML mal formé" in str(cut.value) and "tronqué" in str(cut.value) and cut.value.row


def test_a_document_of_another_root_is_no_flux(tmp_path):
    path = tmp_path / "x.xml"
    path.write_text(f'<?xml version="1.0"?><cpf:autre xmlns:cpf="{NAMESPACE}"/>', encoding="utf-8")
    with pytest.raises(InputError, match="n'est pas un flux d'accrochage CDC"):
        read(path)


# --- typing and the suite ----------------------------------------------------------------------------------


def test_the_nir_leaves_the_typed_part_as_a_verdict_and_a_digest():
    _, rows = read(FLUX)
    typed = cdc.type_part([tuple(r.values()) for r in rows], 1, 0, KEY)
    assert "nir" not in typed.columns
    text = typed.astype(str).to_string()
    assert "195057505601297" not in text and "1950575056012" not in text
    by_ref = dict(zip([r["idTechnique"] for r in rows], typed.index, strict=True))
    assert typed.at[by_ref["FO-2017-0022"], "nir_bad_key"] == nir.MASKED
    assert typed.at[by_ref["FO-2017-9999"], "nir_malformed"] == nir.MASKED
    assert pd.isna(typed.at[by_ref["FO-2017-0003"], "nir_hash"])  # identified by titulaire
    assert typed.at[by_ref["FO-2017-0020"], "access_route"] == "FC"
    assert pd.isna(typed.at[by_ref["FO-2017-0009"], "access_route"])  # « ALTERNANCE »: no route


def test_every_mode_of_access_has_its_route_or_none_said():
    from expectations.cdc_flux import ACCESS_MODES

    assert sorted(cdc.ROUTES) == sorted(ACCESS_MODES)
    assert cdc.ROUTES["EQUIVALENCE_DIPLOME_ETRANGER"] is None and cdc.ROUTES["CANDIDAT_LIBRE"] == "CL"


def test_the_suite_sorts_the_defects_by_what_they_remove(tmp_path):
    from pipeline.core.config import Settings
    from pipeline.load.gate import Gate

    gate = Gate(Settings.load(warehouse=tmp_path / "w.duckdb"))
    frame = pd.DataFrame(
        {
            "source_row": [1, 2, 3],
            "certification_type": ["RNCP", "RNCP", "RNCQ"],
            "certification_code": ["RNCP34179", "RNC34", "RNCP34179"],
            "passage_hash": ["a" * 32, "b" * 32, None],
            "id_repeated": [None, None, None],
            "reference_missing": [None, None, None],
            "obtention": ["PAR_ADMISSION", "PAR_HASARD", "PAR_SCORING"],
            "certified_data": ["true", "true", "peut-être"],
            "language_level": ["false", "false", "false"],
            "digital_level": ["false", "false", "false"],
            "certificate_date": pd.to_datetime(["2017-06-20", "2017-06-20", None]),
            "certificate_date_unparsed": [None, None, "2017-13-45"],
            "valid_until": pd.to_datetime([None, None, None]),
            "valid_until_unparsed": [None, None, None],
            "access_mode": ["VAE", "ALTERNANCE", None],
            "identification": ["nir", None, "titulaire"],
            "nir_malformed": [None, nir.MASKED, None],
            "nir_bad_key": [None, None, None],
        }
    )
    verdict = gate.validate(frame, "cdc_flux")
    errors = verdict.row_failures("error")
    fields = verdict.row_failures("field")
    warnings = verdict.row_failures("warning")
    assert sorted(set(errors["source_row"])) == [2, 3]  # code, type, idTechnique, date
    assert set(fields.loc[fields["source_row"] == 2, "column"]) == {
        "obtention",
        "access_mode",
        "nir_malformed",
    }
    assert set(warnings["source_row"]) == {2}  # no identification of the holder
    samples = repr([o.samples for o in verdict.outcomes])
    assert "(NIR masqué)" in samples or "nir_malformed" not in samples


def test_a_passage_reason_is_shown_in_french():
    reason = (
        "passage 4 (line 85), element 'nir' = '(NIR masqué)': expected a NIR whose key is 97 minus the "
        "13-character number modulo 97 (2A read 19, 2B read 18)"
    )
    assert reason_fr(reason) == (
        "passage 4 (ligne 85), élément 'nir' = '(NIR masqué)' : attendu un NIR dont la clé vaut 97 moins le "
        "numéro de 13 caractères modulo 97 (2A lu 19, 2B lu 18)"
    )
