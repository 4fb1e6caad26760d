"""The renewal pack's tagged PDF (issue #26): `insertion renewal CODE --pdf FILE` writes a PDF/UA-1 whose
structure tree holds the dossier's headings, tables (header cells) and the chart with its text alternative,
in French, and whose text — extracted in reading order — holds every figure of the workbook's Statistiques
sheet. The PDF engine is WeasyPrint (pipeline/outputs/renewal/pdf.py), from the HTML dossier."""

import io
import re

import openpyxl
import pypdf
from pypdf.generic import ArrayObject, DictionaryObject

from pipeline.indicators.formats import fr_decimal, fr_int, fr_pct
from tests import audit

SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})


def structure(node, found=None) -> list[tuple[str, str]]:
    """(tag, /Alt) of every element of the structure tree, in document order."""
    found = [] if found is None else found
    node = node.get_object()
    if isinstance(node, DictionaryObject):
        if "/S" in node:
            found.append((str(node["/S"]), str(node.get("/Alt", ""))))
        kids = node.get("/K")
        if kids is not None:
            for kid in kids if isinstance(kids, ArrayObject) else [kids]:
                structure(kid, found)
    return found


def shown(value, column: str) -> str | None:
    """A cell of the workbook as the dossier prints it (None: text, looked up as it is)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if column.startswith("Année"):
        return str(value)
    if "IC 95" in column:
        return fr_decimal(value)
    if "%" in column:
        return fr_pct(value)
    return fr_int(value)


def test_pack_pdf_is_tagged_in_french_with_every_statistic_as_text(sample_cli, tmp_path):
    pdf, xlsx = tmp_path / "renouvellement.pdf", tmp_path / "renouvellement.xlsx"
    code, out, err = sample_cli("renewal", "RNCP34179", "--out", xlsx, "--pdf", pdf)
    assert code == 0, err
    assert f"Écrit : {pdf}" in out
    reader = pypdf.PdfReader(pdf)
    root = reader.trailer["/Root"]
    # tagged, in French, titled, declared PDF/UA-1
    assert root["/MarkInfo"]["/Marked"] is True or root["/MarkInfo"]["/Marked"] == True  # noqa: E712
    assert root["/Lang"] == "fr"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712
    assert reader.metadata.title == "Dossier de renouvellement RNCP34179 — Chef de projet e-commerce"
    assert b'pdfuaid:part="1"' in root["/Metadata"].get_object().get_data()
    tags = structure(root["/StructTreeRoot"])
    names = [t for t, _ in tags]
    for tag in ("/H1", "/H2", "/H3", "/Table", "/Caption", "/THead", "/TH", "/TD", "/Figure"):
        assert tag in names, tag
    assert names.index("/H1") < names.index("/H2") < names.index("/Table")
    [alt] = [a for t, a in tags if t == "/Figure"]
    assert "Insertion globale à 6 mois : 88\u00a0% en 2017, 100\u00a0% en 2018" in alt
    # the text, in reading order: the fiche's table as France Compétences shows it, then every figure
    text = "\n".join(page.extract_text() for page in reader.pages).translate(SPACES)
    fiche = text.index("Tableau de la fiche")
    assert text.index("Sommaire") < text.index("Statistiques") < fiche
    rows = [
        text.index(line, fiche)
        for line in (
            "2018 11 0 100 % (9/9) ⚠ 100 % (9/9) ⚠ 80 % (8/10) ⚠",
            "2017 35 0 88 % (29/33) 70 % (23/33) 78 % (18/23)",
        )
    ]
    assert rows == sorted(rows) and rows[0] < text.index("Détail de l'enquête à 6 mois")
    sheet = openpyxl.load_workbook(xlsx)["Statistiques"]
    lines = list(sheet.iter_rows(values_only=True))
    header_at = next(i for i, r in enumerate(lines) if r and r[0] == "Année d'obtention de la certification")
    header = lines[header_at]
    checked = 0
    section = text[fiche : text.index("Par voie d'accès", fiche)]
    flat = re.sub(r"\s+", " ", section)
    for row in lines[header_at + 1 :]:
        for column, value in zip(header, row, strict=True):
            figure = shown(value, column)
            if figure is not None:
                assert re.sub(r"\s+", " ", figure) in flat, (row[0], column, figure)
                checked += 1
    assert checked >= 60
    audit.check("pack_pdf", True, "PDF/UA-1 balisé, fr, chiffres des Statistiques extraits dans l'ordre")


def test_certification_page_offers_the_pack_as_pdf_and_html(sample_warehouse):
    """The buttons beside the Excel one: the same tagged PDF and HTML dossier as `insertion renewal`."""
    import base64

    from dashboard.app import create_app

    create_app(sample_warehouse.snapshot, sample_warehouse.data_docs_dir)
    from dashboard.pages import certification

    pdf, message = certification.accessible_pack(1, None, "RNCP34179", fmt="pdf")
    assert pdf["filename"] == "renouvellement-RNCP34179.pdf" and "PDF balisé" in message
    content = base64.b64decode(pdf["content"])
    assert "/StructTreeRoot" in pypdf.PdfReader(io.BytesIO(content)).trailer["/Root"]
    page, message = certification.accessible_pack(None, 1, "RNCP34179", fmt="html")
    assert page["filename"] == "renouvellement-RNCP34179.html" and "page HTML" in message
    assert page["content"].startswith('<!DOCTYPE html><html lang="fr">')
