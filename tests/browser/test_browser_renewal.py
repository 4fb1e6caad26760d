"""The renewal pack's HTML dossier (issue #26: the workbook's accessible equivalent): the same figures as
the workbook, laid out as a dossier a reviewer can read — France Compétences' table with n/N and ⚠ in the
cell, no table wider than an A4 page or a 1 100 px window, rows of even height, the chart's legend clear of
its lines — with no axe-core violation, no outside address, and it prints to PDF in Debian's headless
chromium (the workbook: tests/e2e/test_renewal.py; the tagged PDF: tests/e2e/test_renewal_pdf.py)."""

import subprocess
from html.parser import HTMLParser

from tests import audit
from tests.browser.helpers import ARTIFACTS, CHROMIUM, NBSP, axe_summary, axe_violations, shot

A4_WIDTH = 703  # px: the content of an A4 portrait page (210 mm − 2 × 12 mm) at 96 px per inch
A4_LANDSCAPE = 1047  # px: 297 mm − 2 × 12 mm


class Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self._row, self._in = [], None, False

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._in = True
            self._row.append("")

    def handle_endtag(self, tag):
        if tag == "tr":
            self.rows.append(self._row)
        elif tag in ("td", "th"):
            self._in = False

    def handle_data(self, data):
        if self._in:
            self._row[-1] += data


def test_html_has_the_same_figures_and_prints(sample_cli, tmp_path):
    cli = sample_cli  # only reads: the sample built once per run (tests/conftest.py)
    out = tmp_path / "renouvellement-RNCP34179.html"
    code, _, err = cli("renewal", "RNCP34179", "--out", tmp_path / "r.xlsx", "--html", out)
    assert code == 0, err
    text = out.read_text(encoding="utf-8")
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in text
    assert "<svg" in text and "@page { size: A4;" in text and '<html lang="fr">' in text
    parser = Cells()
    parser.feed(text)
    assert parser.rows[1][:6] == ["2018", "11", "0"] + [
        f"{r}{NBSP}% ({n}) ⚠" for r, n in ((100, "9/9"), (100, "9/9"), (80, "8/10"))
    ]
    assert parser.rows[2][:6] == [
        "2017",
        "35",
        "0",
        f"88{NBSP}% (29/33)",
        f"70{NBSP}% (23/33)",
        f"78{NBSP}% (18/23)",
    ]
    assert CHROMIUM.exists(), "apt-get install chromium (or INSERTION_SKIP_BROWSER_TESTS=1)"
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / "renouvellement-RNCP34179.pdf"
    subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            out.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert pdf.read_bytes()[:4] == b"%PDF" and pdf.stat().st_size > 5000


TABLES = """() => Array.from(document.querySelectorAll('table')).map(t => ({
    caption: t.caption ? t.caption.innerText : '',
    wide: !!t.closest('section.wide'),
    right: t.getBoundingClientRect().right,
    width: t.scrollWidth,
    headers: t.querySelectorAll('th[scope=col]').length,
}))"""


def test_html_dossier_is_accessible_and_fits_the_page(sample_cli, tmp_path, browser):
    out = tmp_path / "renouvellement-RNCP34179.html"
    code, _, err = sample_cli("renewal", "RNCP34179", "--out", tmp_path / "r.xlsx", "--html", out)
    assert code == 0, err
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="fr-FR")
    page = context.new_page()
    try:
        page.goto(out.as_uri())
        violations = axe_violations(page)
        assert violations == [], f"{axe_summary(violations)}\n{violations}"
        assert page.locator("html").get_attribute("lang") == "fr"
        levels = page.evaluate("Array.from(document.querySelectorAll('h1,h2,h3,h4')).map(h => +h.tagName[1])")
        assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))
        # one section per sheet, each with its heading; every table with a caption and column headers
        sections = page.evaluate(
            "Array.from(document.querySelectorAll('main > section > h2')).map(h => h.innerText)"
        )
        assert (
            sections[:3] == ["Statistiques", "Par voie d'accès", "Emplois occupés"]
            and "Méthodologie" in sections
        )
        tables = page.evaluate(TABLES)
        assert tables and all(t["caption"] and t["headers"] for t in tables)
        # nothing wider than a 1 100 px window
        assert page.evaluate("document.documentElement.scrollWidth") <= 1100
        assert all(t["right"] <= 1100 and t["width"] <= 1100 for t in tables), tables
        # the fiche's rows of even height (2018 was five times as tall as 2017, its ⚠ far off to the right)
        heights = page.evaluate(
            "Array.from(document.querySelector('table').tBodies[0].rows).map(r => r.getBoundingClientRect().height)"
        )
        assert len(heights) == 2 and max(heights) <= 1.5 * min(heights), heights
        # the chart: named by its summary, its legend under its lines
        chart = page.locator("figure.chart svg")
        assert "Insertion globale à 6 mois : 88" in chart.get_attribute("aria-label")
        legend_top = page.evaluate(
            "Math.min(...Array.from(document.querySelectorAll('svg .legend')).map(g => g.getBoundingClientRect().top))"
        )
        lines_bottom = page.evaluate(
            "Math.max(...Array.from(document.querySelectorAll('svg > polyline, svg > circle, svg > rect, svg > polygon'))"
            ".map(e => e.getBoundingClientRect().bottom))"
        )
        assert legend_top > lines_bottom
        shot(page, "dossier-html")
        # printed on A4: portrait sections within 186 mm, landscape ones within 273 mm
        page.emulate_media(media="print")
        page.set_viewport_size({"width": A4_WIDTH, "height": 1000})
        printed = page.evaluate(TABLES)
        assert all(t["width"] <= (A4_LANDSCAPE if t["wide"] else A4_WIDTH) for t in printed), [
            (t["caption"], t["width"]) for t in printed if t["width"] > A4_WIDTH and not t["wide"]
        ]
    finally:
        context.close()
    audit.check(
        "pack_html", True, "dossier HTML : axe-core 0, titres, légendes de tableaux, largeur d'une page A4"
    )
