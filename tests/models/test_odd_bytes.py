"""Odd bytes and odd files (issue #14, items 3, 4, 5 and 7), each through the real CLI.

Stray NUL bytes are row-level defects (quarantined, never part of a value), while real UTF-16 without a
BOM still loads; a workbook that cannot be opened says why (empty, a renamed CSV, password-protected,
truncated); an RNCP XML export is recognised after a prolog of any length; dates after today are errors
(jury date: row quarantined; answer date: field set aside); a last row cut short is quarantined.
The files are written here, in tmp_path.
"""

from __future__ import annotations

import codecs
import io
import struct
import zipfile

import openpyxl
import pytest

from pipeline.core import clock
from pipeline.core.config import Settings
from pipeline.core.quality_labels import reason_fr
from pipeline.load import gate as validation
from tests.helpers import FIXTURES, content_hash, table_rows

TODAY = "2026-11-29"
COHORT = "Référence candidat;Code RNCP;Date du jury;Voie d'accès;Résultat;Site"
SURVEY = "Identifiant;Code RNCP;Vague;Date de réponse;Situation actuelle;Intitulé du poste;Code ROME"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setenv("INSERTION_TODAY", TODAY)


def write(path, content: str | bytes, encoding: str = "utf-8"):
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def last_load(settings):
    return table_rows(
        settings.warehouse,
        "select status, kind, rows_read, rows_loaded, rows_quarantined, encoding, message "
        "from load_log order by load_id desc limit 1",
    )[0]


def quarantine(settings, name: str) -> dict[tuple[int, str], list[str]]:
    """(row, outcome) -> reasons, for one file."""
    rows = table_rows(
        settings.warehouse,
        "select source_row, outcome, reasons from quarantine where file_name = ?",
        [name],
    )
    return {(row, outcome): reasons for row, outcome, reasons in rows}


def no_nul_anywhere(settings) -> None:
    """No NUL byte (nor its ␀ stand-in) in any text loaded into a landing table."""
    for table in ("landing_cohort_results", "landing_survey_answers"):
        columns = [
            c
            for (c,) in table_rows(
                settings.warehouse,
                "select column_name from information_schema.columns "
                "where table_name = ? and data_type = 'VARCHAR'",
                [table],
            )
        ]
        for column in columns:
            bad = table_rows(
                settings.warehouse,
                f"select {column} from {table} where contains({column}, chr(0)) or contains({column}, '␀')",
            )
            assert bad == [], (table, column, bad)


def rejected_cleanly(cli, settings, warehouse_after, path, *says):
    """Ingest ``path`` over a loaded warehouse: exit 1, message, rejection logged, data unchanged."""
    warehouse_after(("ingest", FIXTURES / "cohort_ok.csv"))  # a loaded warehouse (a copy, made once per run)
    before = content_hash(settings.warehouse)
    code, out, err = cli("ingest", path)
    assert code == 1, out + err
    assert path.name in err
    for fragment in says:
        assert fragment in err, (fragment, err)
    status, *_, message = last_load(settings)
    assert status == "rejected" and path.name in message
    assert content_hash(settings.warehouse) == before
    return err


# --- 3. NUL bytes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-16-le", b""), ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", b""), ("utf-16-be", b"\xfe\xff")],
    ids=["le-no-bom", "le-bom", "be-no-bom", "be-bom"],
)
def test_real_utf16_with_or_without_bom_loads(cli, settings, tmp_path, encoding, bom):
    text = f"{COHORT}\r\nU1;RNCP34179;15/06/2018;FI;Certifié;Rennes\r\nU2;RNCP34179;15/06/2018;CA;Ajourné;Brest\r\n"
    path = write(tmp_path / "jury-utf16.csv", bom + text.encode(encoding))
    code, out, err = cli("ingest", path)
    assert code == 0, out + err
    status, kind, read, loaded, quarantined, used, _ = last_load(settings)
    assert (status, kind, read, loaded, quarantined) == ("loaded", "cohort_results", 2, 2, 0)
    assert used.startswith("utf-16")
    sites = table_rows(settings.warehouse, "select site from landing_cohort_results order by source_row")
    assert sites == [("Rennes",), ("Brest",)]


def test_nul_in_the_first_bytes_of_a_cohort_file_is_a_row_defect(cli, settings, tmp_path):
    """Before: read as UTF-16-BE, exit 2 with a codec error, no row or column, nothing logged."""
    path = write(
        tmp_path / "jury-nul.csv",
        f"{COHORT}\n"
        "N1;RNCP34179;15/06/2018;FI;Certifié;Ren\x00nes\n"  # a field the project sets aside: the site
        "N2;RNCP34179;15/06/2018;FI;Certi\x00fié;Nantes\n"  # a field that defines the row: the outcome
        "N3;RNCP34179;15/06/2018;FI;Certifié;Nantes\n",
    )
    code, out, err = cli("ingest", path)
    assert code == 0, out + err
    assert "codec" not in out + err
    assert "'site'" in out and "un texte sans octet NUL" in out  # the warning, in French
    status, kind, read, loaded, quarantined, encoding, _ = last_load(settings)
    assert (status, kind, read, loaded, quarantined, encoding) == (
        "loaded",
        "cohort_results",
        3,
        2,
        1,
        "utf-8",
    )
    reasons = quarantine(settings, path.name)
    assert set(reasons) == {(2, "field"), (3, "row")}
    field = reasons[(2, "field")]
    assert field == [
        "row 2, column 'Site' = 'Ren␀nes': expected text without a NUL byte "
        "(0x00, a stray control character in the file)"
    ]
    assert any("row 3, column 'Résultat' = 'Certi␀fié'" in r and "NUL byte" in r for r in reasons[(3, "row")])
    french = reason_fr(field[0])
    assert french.startswith("ligne 2, colonne 'Site' = 'Ren␀nes' : attendu un texte sans octet NUL"), french
    # the row with the NUL in its site loads without its site; the row with the NUL in its outcome does not
    rows = table_rows(
        settings.warehouse, "select source_row, outcome, site from landing_cohort_results order by source_row"
    )
    assert rows == [(2, "certified", None), (4, "certified", "Nantes")]
    no_nul_anywhere(settings)


def test_nul_in_a_survey_file_is_a_row_or_field_defect(cli, settings, tmp_path):
    """Before: rejected with a garbled (CJK) header in the message."""
    path = write(
        tmp_path / "enquete-nul.csv",
        f"{SURVEY}\n"
        "S1;RNCP34179;6 mois;10/01/2019;En emploi;Chef de pro\x00jet;M1705\n"
        "S2;RNCP34179;6 mois;10/01/2019;En re\x00cherche d'emploi;;\n"
        "S3;RNCP34179;6 mois;10/01/2019;En emploi;Webmaster;E1101\n",
    )
    code, out, err = cli("ingest", path)
    assert code == 0, out + err
    status, kind, read, loaded, quarantined, *_ = last_load(settings)
    assert (status, kind, read, loaded, quarantined) == ("loaded", "survey_answers", 3, 2, 1)
    reasons = quarantine(settings, path.name)
    assert set(reasons) == {(2, "field"), (3, "row")}
    assert reasons[(2, "field")][0].startswith("row 2, column 'Intitulé du poste' = 'Chef de pro␀jet'")
    assert any("'Situation actuelle' = 'En re␀cherche d'emploi'" in r for r in reasons[(3, "row")])
    titles = table_rows(
        settings.warehouse, "select source_row, job_title from landing_survey_answers order by source_row"
    )
    assert titles == [(2, None), (4, "Webmaster")]
    no_nul_anywhere(settings)


def test_a_late_nul_is_never_part_of_a_value(cli, settings, tmp_path):
    """After the first 4 KiB, 'Ren\\x00nes' used to load as a new site."""
    rows = [f"L{i};RNCP34179;15/06/2018;FI;Certifié;Rennes" for i in range(200)]
    rows[150] = "L150;RNCP34179;15/06/2018;FI;Certifié;Ren\x00nes"
    path = write(tmp_path / "jury-long.csv", COHORT + "\n" + "\n".join(rows) + "\n")
    assert path.stat().st_size > 8192
    code, out, err = cli("ingest", path)
    assert code == 0, out + err
    assert last_load(settings)[:5] == ("loaded", "cohort_results", 200, 200, 0)
    assert list(quarantine(settings, path.name)) == [(152, "field")]
    sites = table_rows(settings.warehouse, "select distinct site from landing_cohort_results order by 1")
    assert sites == [("Rennes",), (None,)]
    no_nul_anywhere(settings)


def test_nul_in_the_header_rejects_the_file(cli, settings, tmp_path, warehouse_after):
    path = write(
        tmp_path / "jury-nul-header.csv",
        COHORT.replace("Site", "Si\x00te") + "\nH1;RNCP34179;15/06/2018;FI;Certifié;Rennes\n",
    )
    rejected_cleanly(cli, settings, warehouse_after, path, "ligne 1", "colonne 'Si␀te'", "octet NUL")


# --- 4. Workbooks that cannot be opened, RNCP XML behind a long prolog ---------------------------------


def _xlsx_bytes() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(COHORT.split(";"))
    for i in range(40):
        ws.append([f"X{i}", "RNCP34179", "15/06/2018", "FI", "Certifié", "Rennes " * 20])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _encrypted_ole() -> bytes:
    """A Compound File as Office writes a password-protected workbook: streams EncryptionInfo and
    EncryptedPackage (content irrelevant here; each 4 KiB, so that no mini stream is needed)."""
    sector, end, free, fat_sect, nostream = 512, 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
    header += struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<109I", 0, *[free] * 108)
    fat = [fat_sect, end] + [*range(3, 10), end] + [*range(11, 18), end]
    fat_sector = struct.pack(f"<{len(fat)}I", *fat) + struct.pack("<I", free) * (128 - len(fat))

    def entry(name: str, kind: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
        raw = (name + "\x00").encode("utf-16-le") if name else b""
        return (
            raw.ljust(64, b"\x00")
            + struct.pack("<HBBIII", len(raw), kind, 1, left, right, child)
            + bytes(16 + 4 + 16)
            + struct.pack("<IQ", start, size)
        )

    directory = (
        entry("Root Entry", 5, nostream, nostream, 1, end, 0)
        + entry("EncryptionInfo", 2, nostream, 2, nostream, 2, 4096)
        + entry("EncryptedPackage", 2, nostream, nostream, nostream, 10, 4096)
        + entry("", 0, nostream, nostream, nostream, 0, 0)
    )
    streams = b"\x04\x00\x04\x00\x40\x00\x00\x00".ljust(4096, b"\x00") + bytes(range(256)) * 16
    data = header + fat_sector + directory + streams
    assert len(data) == sector * 19
    return data


@pytest.mark.parametrize(
    ("case", "says"),
    [
        ("empty", ["le fichier est vide (0 octet)", "attendu un classeur Excel"]),
        ("renamed_csv", ["pas un classeur Excel", "c'est un fichier texte/CSV renommé"]),
        ("password", ["protégé par mot de passe", "chiffré, format OLE « EncryptedPackage »"]),
        ("truncated", ["classeur tronqué", "archive ZIP incomplète"]),
    ],
)
def test_a_workbook_that_cannot_be_opened_says_why(cli, settings, tmp_path, warehouse_after, case, says):
    content = {
        "empty": b"",
        "renamed_csv": f"{COHORT}\nR1;RNCP34179;15/06/2018;FI;Certifié;Rennes\n".encode("cp1252"),
        "password": _encrypted_ole(),
        "truncated": _xlsx_bytes()[:3000],
    }[case]
    path = write(tmp_path / f"jury-{case}.xlsx", content)
    err = rejected_cleanly(cli, settings, warehouse_after, path, *says)
    assert "Cannot detect file format" not in err


def test_the_whole_workbook_still_loads(cli, settings, tmp_path):
    path = write(tmp_path / "jury-ok.xlsx", _xlsx_bytes())
    code, out, err = cli("ingest", path)
    assert code == 0, out + err
    assert last_load(settings)[:4] == ("loaded", "cohort_results", 40, 40)


@pytest.mark.parametrize("prolog", ["doctype", "comment"])
def test_rncp_xml_is_recognised_after_a_long_prolog(cli, settings, tmp_path, prolog):
    xml = (FIXTURES / "rncp" / "export_fiches_RNCP_V4_1_2026_02_01.xml").read_text(encoding="utf-8")
    declaration, rest = xml.split("\n", 1)
    if prolog == "doctype":
        elements = "".join(f"  <!ELEMENT ELEMENT_{i} (#PCDATA)>\n" for i in range(400))
        extra = f"<!DOCTYPE FICHES [\n{elements}]>\n"
    else:
        extra = "<!-- " + "Export France Compétences, flux V4.1. " * 300 + "-->\n"
    assert len(extra.encode()) > 8192
    path = write(tmp_path / "export_fiches_RNCP_V4_1_2026_02_01.xml", f"{declaration}\n{extra}{rest}")
    code, out, err = cli("ingest", path)
    assert code == 0, out + err
    status, kind, *_ = last_load(settings)
    assert (status, kind) == ("loaded", "rncp")
    assert table_rows(settings.warehouse, "select count(*) from rncp_fiches")[0][0] >= 1


# --- 5. Dates after today ------------------------------------------------------------------------------


def test_a_jury_date_in_the_future_is_quarantined(cli, settings, tmp_path):
    path = write(
        tmp_path / "jury-futur.csv",
        f"{COHORT}\n"
        "F1;RNCP34179;15/06/2027;FI;Certifié;Rennes\n"
        f"F2;RNCP34179;{TODAY};FI;Certifié;Rennes\n"
        "F3;RNCP34179;15/06/2018;FI;Certifié;Rennes\n",
    )
    code, out, err = cli("ingest", path)
    assert code == 0, out + err
    assert last_load(settings)[:5] == ("loaded", "cohort_results", 3, 2, 1)
    reasons = quarantine(settings, path.name)
    assert list(reasons) == [(2, "row")]
    (reason,) = reasons[(2, "row")]
    assert (
        reason
        == "row 2, column 'Date du jury' = '15/06/2027': expected a jury date not after today (29/11/2026)"
    )
    assert reason_fr(reason) == (
        "ligne 2, colonne 'Date du jury' = '15/06/2027' : attendu une date de jury qui ne soit pas dans le "
        "futur (au plus tard aujourd'hui, le 29/11/2026)"
    )
    certified = table_rows(
        settings.warehouse,
        "select source_row from landing_cohort_results where outcome = 'certified' order by 1",
    )
    assert certified == [(3,), (4,)]  # the jury of today counts, the one of 2027 does not


def test_an_answer_date_in_the_future_is_set_aside(cli, settings, tmp_path):
    """Like a malformed answer date: the field is set aside, the answer still counts."""
    path = write(
        tmp_path / "enquete-2030.csv",
        f"{SURVEY}\n"
        "A1;RNCP34179;6 mois;10/01/2030;En emploi;Webmaster;E1101\n"
        "A2;RNCP34179;6 mois;10/01/2019;En emploi;Webmaster;E1101\n",
    )
    code, out, err = cli("ingest", path)
    assert code == 0, out + err
    assert "'answer_date'" in out and "au plus tard aujourd'hui, le 29/11/2026" in out  # in French
    assert last_load(settings)[:5] == ("loaded", "survey_answers", 2, 2, 0)
    reasons = quarantine(settings, path.name)
    assert list(reasons) == [(2, "field")]
    (reason,) = reasons[(2, "field")]
    assert "'Date de réponse' = '10/01/2030'" in reason
    assert "qui ne soit pas dans le futur (au plus tard aujourd'hui, le 29/11/2026)" in reason_fr(reason)
    dates = table_rows(
        settings.warehouse, "select source_row, answer_date::varchar from landing_survey_answers order by 1"
    )
    assert dates == [(2, None), (3, "2019-01-10")]


def test_today_is_read_at_validation_time(monkeypatch, tmp_path):
    """Not frozen at import nor when the gate starts: a long-running gate (watch) follows the day."""
    import pandas as pd

    gate = validation.Gate(Settings.load(warehouse=tmp_path / "w.duckdb"))
    frame = pd.DataFrame(
        {
            "source_row": [2],
            "candidate_hash": ["a" * 32],
            "certification_code": ["RNCP34179"],
            "jury_date": pd.to_datetime(["2027-06-15"]),
            "jury_date_unparsed": pd.Series([None], dtype="string"),
            "access_route": ["FI"],
            "outcome": ["certified"],
            "blocks_validated": [None],
            "site": [None],
        }
    )
    assert not gate.validate(frame, "cohort_results").success
    monkeypatch.setenv("INSERTION_TODAY", "2027-06-15")
    assert clock.today().isoformat() == "2027-06-15"
    assert gate.validate(frame, "cohort_results").success
    monkeypatch.setattr(clock, "today", lambda: pd.Timestamp("2027-06-14").date())
    assert not gate.validate(frame, "cohort_results").success


# --- 7. A last row cut short ---------------------------------------------------------------------------


def test_a_last_row_cut_short_is_quarantined(cli, settings, tmp_path):
    path = write(
        tmp_path / "jury-coupe.csv",
        f"{COHORT};Blocs validés\nT1;RNCP34179;15/06/2018;FI;Certifié;Rennes;3\nT2;RNCP34179;15/06/2018;FI;Certifié;Na",
    )
    code, out, err = cli("ingest", path)
    assert code == 0, out + err
    assert last_load(settings)[:5] == ("loaded", "cohort_results", 2, 1, 1)
    reasons = quarantine(settings, path.name)
    assert list(reasons) == [(3, "row")]
    (reason,) = reasons[(3, "row")]
    assert reason.startswith("row 3, column 'Site' = 'Na': expected a complete last row")
    french = reason_fr(reason)
    assert french.startswith("ligne 3, colonne 'Site' = 'Na' : attendu une dernière ligne complète"), french
    assert "le fichier semble tronqué à sa dernière ligne" in french
    assert table_rows(settings.warehouse, "select site from landing_cohort_results") == [("Rennes",)]


def test_a_whole_last_row_without_line_end_loads(cli, settings, tmp_path):
    path = write(
        tmp_path / "jury-sans-fin.csv",
        f"{COHORT}\nW1;RNCP34179;15/06/2018;FI;Certifié;Rennes\nW2;RNCP34179;15/06/2018;FI;Certifié;Na",
    )
    code, out, err = cli("ingest", path)
    assert code == 0, out + err
    assert last_load(settings)[:5] == ("loaded", "cohort_results", 2, 2, 0)
    assert quarantine(settings, path.name) == {}


def test_a_survey_cut_in_its_last_row(cli, settings, tmp_path):
    path = write(
        tmp_path / "enquete-coupee.csv",
        f"{SURVEY}\nC1;RNCP34179;6 mois;10/01/2019;En emploi;Webmaster;E1101\nC2;RNCP34179;6 mo",
    )
    code, out, err = cli("ingest", path)
    assert code == 0, out + err
    assert last_load(settings)[:5] == ("loaded", "survey_answers", 2, 1, 1)
    (reason,) = [r for r in quarantine(settings, path.name)[(3, "row")] if "complete last row" in r]
    assert "'Vague' = '6 mo'" in reason
    assert "tronqué" in reason_fr(reason)


def test_zip_sanity_of_the_truncated_workbook():
    """The truncated workbook of the test above is a ZIP cut short (no central directory)."""
    data = _xlsx_bytes()
    assert zipfile.is_zipfile(io.BytesIO(data)) and not zipfile.is_zipfile(io.BytesIO(data[:3000]))
