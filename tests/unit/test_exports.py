"""Exports that are safe to open: text a spreadsheet would run as a formula is neutralised (OWASP), numbers
stay numbers, CSV for French Excel (BOM, ';')."""

from __future__ import annotations

import openpyxl
import pandas as pd

from dashboard import components
from pipeline.core.exports import csv_text, neutralise

HOSTILE = '=HYPERLINK("http://example.invalid","clic")'


def test_formula_text_is_neutralised_and_numbers_are_not():
    assert [neutralise(v) for v in ("=1+1", "+33 6", "-2", "@SUM(A1)", "\tx", "\rx", "Chef", 12, -3.5)] == [
        "'=1+1", "'+33 6", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "Chef", 12, -3.5,
    ]  # fmt: skip
    text = csv_text(pd.DataFrame({"Intitulé": [HOSTILE], "n": [-3]}))
    assert text.startswith("\ufeffIntitulé;n\r\n")
    assert f"'{HOSTILE}" in text.replace('""', '"') and text.rstrip().endswith(";-3")


def test_dashboard_downloads_neutralise_formulas(tmp_path):
    frame = pd.DataFrame({"Intitulé du poste": [HOSTILE, "Chef de projet"], "Emplois": [3, 4]})
    csv = components.export(frame, "emplois", "csv")
    assert csv["content"].startswith("\ufeff") and f"'{HOSTILE}".replace('"', '""') in csv["content"]
    xlsx = components.export(frame, "emplois", "xlsx")
    path = tmp_path / "e.xlsx"
    import base64

    path.write_bytes(base64.b64decode(xlsx["content"]))
    ws = openpyxl.load_workbook(path).active
    assert ws["A2"].value == f"'{HOSTILE}" and ws["A2"].data_type == "s"
    assert ws["B2"].value == 3 and ws["B2"].data_type == "n"
