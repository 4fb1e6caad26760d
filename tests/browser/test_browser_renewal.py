"""The renewal pack's HTML: the same figures as the workbook, no outside address, and it prints to PDF in
Debian's headless chromium (the workbook: tests/e2e/test_renewal.py)."""

import subprocess
from html.parser import HTMLParser

from tests.browser.helpers import ARTIFACTS, CHROMIUM


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
    assert "<svg" in text and "@page { size: A4 landscape" in text
    parser = Cells()
    parser.feed(text)
    assert parser.rows[1][:6] == ["2018", "11", "0", "100", "100", "80"]
    assert parser.rows[2][:6] == ["2017", "35", "0", "88", "70", "78"]
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
