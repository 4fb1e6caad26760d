"""The Data Docs served offline (dashboard/datadocs.py): the index rendered on the server lists every run,
no page served references another host, hidden files and paths outside the folder answer 404, and in a
real headless Chromium nothing leaves 127.0.0.1 (tests/browser/test_browser_datadocs.py)."""

import re

import pytest

from dashboard import datadocs
from dashboard.app import create_app
from tests.helpers import table_rows

OFFSITE = re.compile(
    r"""(?:\b(?:src|href|srcset|action|poster|data)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.\-]*:(?<!data:)|//))"""
    r"""|url\(\s*["']?\s*(?:https?:|//)|@import\s+["']?(?:https?:|//)""",
    re.I,
)


@pytest.fixture(scope="module")
def client(sample_warehouse):
    return create_app(sample_warehouse.snapshot, sample_warehouse.data_docs_dir).server.test_client()


@pytest.fixture(scope="module")
def index(client):
    response = client.get("/data-docs/")
    assert response.status_code == 200
    return response.data.decode()


def run_links(index: str) -> list[str]:
    return re.findall(r'<a href="(validations/[^"]+)">voir le rapport</a>', index)


def test_index_lists_every_run_newest_first(sample_warehouse, index, client):
    docs = sample_warehouse.data_docs_dir
    pages = sorted(p.relative_to(docs).as_posix() for p in (docs / "validations").rglob("*.html"))
    links = run_links(index)
    assert len(pages) >= 15 and sorted(links) == pages
    assert client.get("/data-docs/index.html").data.decode() == index
    # one line per file validated at load, with its file name, date and result
    loads = table_rows(
        sample_warehouse.snapshot,
        "select l.file_name, r.success from validation_runs r join load_log l using (load_id) order by load_id desc",
    )
    assert len(loads) == len(links)
    rows = re.findall(r'<tr class="run run-(\w+)">(.*?)</tr>', index, re.S)
    assert [(cells.split("<td>")[3].split("</td>")[0], css == "ok") for css, cells in rows] == loads
    dates = [re.search(r"<td>(\d\d)/(\d\d)/(\d{4}) (\d\d):(\d\d)</td>", cells).groups() for _, cells in rows]
    stamps = [(y, m, d, hh, mm) for d, m, y, hh, mm in dates]
    assert stamps == sorted(stamps, reverse=True)
    assert 'lang="fr"' in index and "Validations des fichiers" in index and "réussie" in index
    assert "Résultats de jury" in index and "Réponses aux enquêtes" in index and "Référentiel RNCP" in index


def test_no_page_served_references_another_host(sample_warehouse, index, client):
    docs = sample_warehouse.data_docs_dir
    original = next((docs / "validations").rglob("*.html")).read_text(encoding="utf-8")
    assert len(OFFSITE.findall(original)) >= 15  # what GX writes: CDN scripts, stylesheets, logo, fonts
    assert not OFFSITE.search(index)
    served = [index]
    for path in run_links(index):
        response = client.get(f"/data-docs/{path}")
        assert response.status_code == 200 and response.mimetype == "text/html"
        assert "script-src 'none'" in response.headers["Content-Security-Policy"]
        page = response.data.decode()
        assert "<script" not in page and "_hors-ligne/datadocs.css" in page
        assert "Expectation Validation Result" in page  # GX's content is still there
        served.append(page)
    for css in docs.rglob("*.css"):
        served.append(client.get("/data-docs/" + css.relative_to(docs).as_posix()).data.decode())
    stylesheet = client.get("/data-docs/_hors-ligne/datadocs.css")
    assert stylesheet.status_code == 200 and stylesheet.mimetype == "text/css"
    served.append(stylesheet.data.decode())
    for text in served:
        assert not OFFSITE.search(text), OFFSITE.search(text)
        assert not re.search(r"""(?:src|href)\s*=\s*["']?https?://|url\(\s*["']?https?://""", text)


@pytest.mark.parametrize(
    "path",
    [
        "/data-docs/../../etc/passwd",
        "/data-docs/%2e%2e/%2e%2e/etc/passwd",
        "/data-docs/..%2f..%2fetc%2fpasswd",
        "/data-docs/static/../../insertion.duckdb",
        "/data-docs/.results/.ge_store_backend_id",
        "/data-docs/validations",
        "/data-docs/nothing.html",
        "/data-docs/_hors-ligne/../../app.py",
    ],
)
def test_paths_outside_the_folder_or_hidden_answer_404(client, path):
    assert client.get(path).status_code == 404


def test_an_absolute_path_never_reaches_the_file_system(client):
    response = client.get("/data-docs//etc/passwd")  # the slashes merged: Dash's page shell at most
    assert b"root:" not in response.data


def test_stored_results_are_not_served(sample_warehouse, client):
    docs = sample_warehouse.data_docs_dir
    result = next((docs / ".results").rglob("*.json")).relative_to(docs).as_posix()
    assert client.get(f"/data-docs/{result}").status_code == 404


@pytest.mark.parametrize(
    ("html", "kept", "gone"),
    [
        ('<script src="https://x.test/a.js"></script><p>ok</p>', "<p>ok</p>", "x.test"),
        ("<SCRIPT>alert(1)</SCRIPT><p>ok</p>", "<p>ok</p>", "alert"),
        ("<link rel=stylesheet href=//x.test/a.css><p>ok</p>", "<p>ok</p>", "x.test"),
        ("<img src='HTTP://x.test/logo.png' alt=logo><b>t</b>", "<b>t</b>", "x.test"),
        ('<a href="https://x.test/news">Subscribe</a>', "Subscribe</a>", "x.test"),
        ('<a href="../index.html#s1">Home</a>', 'href="../index.html#s1"', "x.test"),
        ("<div style=\"background: url('https://x.test/b.png')\">", "background: none", "x.test"),
        ('<style>@import url("https://x.test/f.css"); p{}</style>', "p{}", "x.test"),
        ('<img srcset="https://x.test/a.png 2x" src="data:image/png;base64,AA">', "", "x.test"),
        ('<form action="https://x.test/subscribe"><input></form>', "<input>", "x.test"),
    ],
)
def test_clean_html(html, kept, gone):
    out = datadocs.clean_html(html, None)
    assert kept in out and gone not in out and not OFFSITE.search(out)


def test_folder_without_runs_serves_its_own_index(sample_warehouse, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    client = create_app(sample_warehouse.snapshot, docs).server.test_client()
    assert client.get("/data-docs/").status_code == 404
    (docs / "validations").mkdir()
    page = client.get("/data-docs/").data.decode()
    assert "Aucune validation enregistrée" in page and not OFFSITE.search(page)
