import codecs

import openpyxl
import pytest

from pipeline.core.errors import InputError
from pipeline.load.textfile import read_table

HEADER = "Référence candidat;Code RNCP;Date du jury;Voie d'accès;Résultat"
ROW = "R1;RNCP34179;15/06/2018;Élève;Certifié"


def score(headers):
    return sum(1 for h in headers if h)


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("cp1252", b""), ("utf-16-le", codecs.BOM_UTF16_LE)],
)
def test_encodings_are_detected(tmp_path, encoding, bom):
    path = tmp_path / "f.csv"
    path.write_bytes(bom + f"{HEADER}\r\n{ROW}\r\n".encode(encoding))
    table = read_table(path, score)
    assert list(table.frame.columns)[0] == "Référence candidat"
    assert table.frame.iloc[0, 3] == "Élève"


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_delimiters_are_detected(tmp_path, delimiter):
    path = tmp_path / "f.csv"
    path.write_text(f"{HEADER}\n{ROW}\n".replace(";", delimiter), encoding="utf-8")
    table = read_table(path, score)
    assert table.delimiter == delimiter
    assert table.frame.shape == (1, 5)


def test_row_numbers_skip_blank_lines(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text(f"{HEADER}\n{ROW}\n;;;;\n{ROW.replace('R1', 'R2')}\n\n", encoding="utf-8")
    table = read_table(path, score)
    assert list(table.source_row) == [2, 4]


def test_truncated_file_is_rejected(tmp_path):
    path = tmp_path / "cut.csv"
    path.write_text(f"{HEADER}\n{ROW}\nR2;RNCP34", encoding="utf-8")
    with pytest.raises(InputError, match="tronqué") as err:
        read_table(path, score)
    assert err.value.row == 3


def test_unclosed_quote_is_rejected(tmp_path):
    path = tmp_path / "cut.csv"
    path.write_text(f'{HEADER}\n{ROW}\nR2;"RNCP34', encoding="utf-8")
    with pytest.raises(InputError, match="tronqué"):
        read_table(path, score)


def test_empty_and_duplicated_headers(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="vide"):
        read_table(empty, score)
    dup = tmp_path / "dup.csv"
    dup.write_text("Site;Code RNCP;site\n1;2;3\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"en-tête\(s\) en double"):
        read_table(dup, score)


def test_zip_is_not_a_csv(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"PK\x03\x04rest")
    with pytest.raises(InputError, match="zip"):
        read_table(path, score)


def test_xlsx_header_below_a_merged_title_and_best_sheet(tmp_path):
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "Notes"
    notes.append(["Export du 01/02/2024"])
    data = wb.create_sheet("Jurys")
    data.append(["Procès-verbal de jury"])
    data.merge_cells("A1:E1")
    data.append([])
    data.append(HEADER.split(";"))
    data.append(["R1", "RNCP34179", 43266, "FI", "Certifié"])
    data.append([None] * 5)
    data.append([12345.0, "RNCP34179", None, "FI", "Certifié"])
    path = tmp_path / "f.xlsx"
    wb.save(path)

    def by_known(headers):
        return sum(1 for h in headers if h in HEADER.split(";"))

    table = read_table(path, by_known)
    assert table.sheet == "Jurys"
    assert list(table.source_row) == [4, 6]
    assert table.frame.iloc[0, 2] == "43266"
    assert table.frame.iloc[1, 0] == "12345"
