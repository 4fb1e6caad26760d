"""The pack as a tagged PDF (PDF/UA-1), from its HTML dossier (:mod:`.html`), for France Compétences' dossier
(issue #26).

WeasyPrint lays the HTML out and writes the structure tree from it: headings, paragraphs, tables with their
caption and header cells, the chart as a figure with its text alternative, in the order of the document;
the language (``lang="fr"``) and the title come from the page, and the PDF/UA-1 variant sets what that
standard asks (marked content, document title displayed, fonts embedded). It is a pure-Python package
over the Pango library, which Debian machines have: no browser, no service, nothing fetched."""

from __future__ import annotations

from pathlib import Path

from pipeline.core.exports import write_atomic
from pipeline.outputs.renewal.html import render_html
from pipeline.outputs.renewal.pack import Pack

VARIANT = "pdf/ua-1"


def pdf_bytes(pack: Pack) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_html(pack)).write_pdf(pdf_variant=VARIANT, pdf_tags=True)


def write_pdf(pack: Pack, path: Path) -> None:
    content = pdf_bytes(pack)
    write_atomic(path, lambda target: target.write_bytes(content))
