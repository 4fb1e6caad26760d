"""The Great Expectations Data Docs, served so that they render complete with no network.

GX writes an index whose list of runs is drawn by JavaScript fetched from public CDNs, and pages that
load their CSS, JavaScript, fonts and logo from third-party hosts: offline, the index is empty and each
page waits on a dozen requests that never complete. Here:

* ``/data-docs/`` and ``/data-docs/index.html`` are rendered on the server, in French: every validation
  run of the folder (``validations/<suite>/<run>/<time>/<file>.html``), newest first, with its date,
  suite, validated file and result (read from the stored result, ``.results/…json``), linking to its page;
* every other HTML page of the folder is served with its scripts and off-site references removed and
  our own stylesheet (``datadocs.css``, beside this module) linked instead, under a Content-Security-Policy
  that lets the browser load nothing from elsewhere; CSS files lose their off-site ``url()``/``@import``;
* hidden files (``.results``: row-level samples) and anything outside the folder answer 404.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from flask import Flask, Response, abort, request, send_file, send_from_directory
from werkzeug.security import safe_join

from pipeline.core.quality_labels import suite_label

STYLESHEET = Path(__file__).with_name("datadocs.css")
LOCAL_CSS = "_hors-ligne/datadocs.css"  # served from the project, never from the docs folder
SHOWN = 1000  # runs listed by default on the index (``?tous=1`` lists them all)
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self' data:; "
    "script-src 'none'; connect-src 'none'; frame-src 'none'; form-action 'self'; base-uri 'none'"
)

# an off-site reference: http:, https:, protocol-relative //host, or any other scheme but data:
_OFFSITE = r"""\s*(?:[a-z][a-z0-9+.\-]*:(?<!data:)|//)"""
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>|<script\b[^>]*/?>", re.I | re.S)
_NOSCRIPT = re.compile(r"<noscript\b[^>]*>.*?</noscript\s*>", re.I | re.S)
_LINK = re.compile(r"<link\b[^>]*>", re.I)
_IMG = re.compile(r"<(?:img|source|iframe|embed|object|video|audio)\b[^>]*>", re.I)
_ATTR = re.compile(
    r"""\s(?:src|href|srcset|action|formaction|poster|data|background|xlink:href)\s*=\s*"""
    r"""(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s>]+))""",
    re.I,
)
_URL = re.compile(r"""url\(\s*(?P<q>["']?)(?P<target>[^)"']*)(?P=q)\s*\)""", re.I)
_IMPORT = re.compile(r"""@import\s+(?:url\([^)]*\)|"[^"]*"|'[^']*')[^;]*;""", re.I)
_HEAD_END = re.compile(r"</head\s*>", re.I)
_RUN_TIME = "%Y%m%dT%H%M%S.%fZ"


def offsite(target: str) -> bool:
    """Whether a reference leaves the page's own server (``#section``, ``../x.html`` and ``data:`` stay)."""
    return re.match(_OFFSITE, html.unescape(target), re.I) is not None


def _clean_attributes(tag: str) -> str:
    """A tag without its off-site src/href/… attributes (inline handlers are inert: see ``CSP``)."""

    def attribute(m: re.Match) -> str:
        value = m.group("dq") if m.group("dq") is not None else m.group("sq") or m.group("bare") or ""
        return "" if offsite(value) else m.group(0)

    return _ATTR.sub(attribute, tag)


def clean_css(text: str) -> str:
    """CSS with no off-site ``url()`` and no ``@import`` of another host."""
    text = _IMPORT.sub(lambda m: "" if offsite(_import_target(m.group(0))) else m.group(0), text)
    return _URL.sub(lambda m: "none" if offsite(m.group("target")) else m.group(0), text)


def _import_target(rule: str) -> str:
    m = re.search(r"""url\(\s*["']?([^)"']*)|["']([^"']*)["']""", rule)
    return (m.group(1) or m.group(2) or "") if m else ""


def clean_html(text: str, stylesheet: str | None) -> str:
    """A GX page that requests nothing from another host: scripts dropped (their libraries came from
    CDNs, and nothing in the page needs them to be read), off-site stylesheets, images and links
    removed, off-site ``url()`` in styles replaced; ``stylesheet`` (a relative URL) linked instead."""
    text = _SCRIPT.sub("", text)
    text = _NOSCRIPT.sub("", text)
    text = _LINK.sub(lambda m: _clean_link(m.group(0)), text)
    text = _IMG.sub(lambda m: _clean_attributes(m.group(0)) if not _has_offsite(m.group(0)) else "", text)
    text = re.sub(r"<[a-z][^<>]*>", lambda m: _clean_attributes(m.group(0)), text, flags=re.I)
    text = clean_css(text)  # <style> blocks and style="" attributes
    if stylesheet:
        link = f'<link rel="stylesheet" href="{html.escape(stylesheet)}">'
        text, n = _HEAD_END.subn(lambda m: f"{link}\n{m.group(0)}", text, count=1)
    return text


def _has_offsite(tag: str) -> bool:
    for m in _ATTR.finditer(tag):
        value = m.group("dq") if m.group("dq") is not None else m.group("sq") or m.group("bare") or ""
        if offsite(value):
            return True
    return False


def _clean_link(tag: str) -> str:
    return "" if _has_offsite(tag) else tag


# --- the index ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    page: str  # path of its HTML page, relative to the docs folder, with "/" separators
    suite: str
    run_name: str
    time: dt.datetime | None  # local time
    file: str
    success: bool | None  # None: no stored result beside the page
    evaluated: int | None
    failed: int | None


_summaries: dict[Path, tuple[tuple[int, int], tuple]] = {}
_lock = threading.Lock()


def _summary(result: Path) -> tuple[bool | None, int | None, int | None]:
    """(success, evaluated, failed) of a stored GX result, read once per version of the file."""
    try:
        stat = result.stat()
    except OSError:
        return None, None, None
    key = (stat.st_mtime_ns, stat.st_size)
    with _lock:
        cached = _summaries.get(result)
    if cached and cached[0] == key:
        return cached[1]
    try:
        doc = json.loads(result.read_text(encoding="utf-8"))
        stats = doc.get("statistics") or {}
        value = (
            bool(doc["success"]) if "success" in doc else None,
            stats.get("evaluated_expectations"),
            stats.get("unsuccessful_expectations"),
        )
    except (OSError, ValueError, AttributeError):
        value = (None, None, None)
    with _lock:
        _summaries[result] = (key, value)
    return value


def _run_time(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text, _RUN_TIME).replace(tzinfo=dt.UTC).astimezone().replace(tzinfo=None)
    except ValueError:
        return None


def list_runs(docs: Path) -> list[Run]:
    """Every validation page of the folder, newest first (stored result read for success and counts)."""
    root = docs / "validations"
    pages = []
    for page in root.rglob("*.html") if root.is_dir() else []:
        parts = page.relative_to(root).parts
        if len(parts) < 4 or any(p.startswith(".") for p in parts):
            continue
        suite, run_name, time = parts[0], parts[1], parts[-2]
        pages.append((_run_time(time), page, suite, run_name, parts))
    pages.sort(key=lambda p: (p[0] or dt.datetime.min, p[1].as_posix()), reverse=True)
    return [
        Run(
            page=page.relative_to(docs).as_posix(),
            suite=suite,
            run_name=run_name,
            time=time,
            file=parts[-1].removesuffix(".html"),
            success=None,
            evaluated=None,
            failed=None,
        )
        for time, page, suite, run_name, parts in pages
    ]


def with_result(docs: Path, run: Run) -> Run:
    result = docs / ".results" / Path(run.page).relative_to("validations").with_suffix(".json")
    success, evaluated, failed = _summary(result)
    return Run(run.page, run.suite, run.run_name, run.time, run.file, success, evaluated, failed)


def _file_label(run: Run) -> str:
    if run.file == "warehouse":
        return "entrepôt entier (insertion validate)"
    if run.file in ("", "__none__"):
        return "—"
    return run.file


def _origin(run: Run) -> str:
    m = re.fullmatch(r"load-(\d+)", run.run_name)
    if m:
        return f"chargement n° {m.group(1)}"
    m = re.fullmatch(r"warehouse-run-(\d+)", run.run_name)
    if m:
        return f"revalidation n° {m.group(1)}"
    return run.run_name


def render_index(docs: Path, show_all: bool = False) -> str:
    runs = list_runs(docs)
    shown = [with_result(docs, r) for r in (runs if show_all else runs[:SHOWN])]
    e = html.escape
    rows = []
    for r in shown:
        when = r.time.strftime("%d/%m/%Y %H:%M") if r.time else "—"
        if r.success is None:
            status, css = "inconnu", "unknown"
        elif r.success:
            status, css = "réussie", "ok"
        else:
            status, css = "échec", "failed"
        counts = f"{r.evaluated - (r.failed or 0)} / {r.evaluated}" if r.evaluated is not None else "—"
        rows.append(
            f'<tr class="run run-{css}">'
            f"<td>{e(when)}</td>"
            f'<td>{e(suite_label(r.suite))} <span class="code">{e(r.suite)}</span></td>'
            f"<td>{e(_file_label(r))}</td>"
            f"<td>{e(_origin(r))}</td>"
            f'<td class="status">{e(status)}</td>'
            f"<td>{e(counts)}</td>"
            f'<td><a href="{e(quote(r.page))}">voir le rapport</a></td>'
            "</tr>"
        )
    suites = (
        sorted(p.stem for p in (docs / "expectations").glob("*.html"))
        if (docs / "expectations").is_dir()
        else []
    )
    suite_links = "".join(
        f'<li><a href="expectations/{e(quote(s))}.html">{e(suite_label(s))}</a> <span class="code">{e(s)}</span></li>'
        for s in suites
    )
    suites_section = (
        f'<h2>Suites d\'attentes</h2>\n<ul class="suites">{suite_links}</ul>' if suite_links else ""
    )
    more = (
        f'<p class="hint">Les {len(shown)} exécutions les plus récentes sur {len(runs)} : '
        '<a href="index.html?tous=1">les afficher toutes</a>.</p>'
        if len(shown) < len(runs)
        else ""
    )
    table = (
        '<table id="runs" class="runs"><thead><tr><th>Date</th><th>Suite</th><th>Fichier validé</th>'
        "<th>Origine</th><th>Résultat</th><th>Attentes satisfaites</th><th>Détail</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        if rows
        else '<p id="runs" class="empty">Aucune validation enregistrée pour l\'instant.</p>'
    )
    return f"""<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Data Docs — validations Great Expectations</title>
<link rel="stylesheet" href="{LOCAL_CSS}">
</head>
<body class="datadocs-index">
<header class="dd-header"><strong>Insertion professionnelle</strong> — Data Docs (Great Expectations)</header>
<main class="dd-main">
<h1>Validations des fichiers</h1>
<p class="hint">Chaque fichier chargé est vérifié par la suite d'attentes de son type avant d'entrer dans
l'entrepôt. {len(runs)} exécution(s), de la plus récente à la plus ancienne ; le rapport détaillé de
chacune est produit par Great Expectations (en anglais).</p>
{more}
{table}
{suites_section}
</main>
</body>
</html>
"""


# --- the routes --------------------------------------------------------------------------------------


def _page_response(body: str) -> Response:
    response = Response(body, mimetype="text/html")
    response.headers["Content-Security-Policy"] = CSP
    return response


def register(server: Flask, docs_dir: Path | str | None) -> None:
    """Serve the Data Docs folder ``docs_dir`` (may not exist yet) under ``/data-docs/``."""
    docs = Path(docs_dir).resolve() if docs_dir else None

    @server.route("/data-docs/")
    @server.route("/data-docs/<path:name>")
    def data_docs_files(name: str = "index.html"):
        if name == LOCAL_CSS:
            return send_file(STYLESHEET, mimetype="text/css")
        if docs is None or not docs.is_dir():
            abort(404)
        parts = name.split("/")
        if any(p.startswith(".") or p == "" for p in parts):
            abort(404)  # hidden files (stored results), "..", empty segments
        if name == "index.html" and (docs / "validations").is_dir():
            return _page_response(render_index(docs, show_all=request.args.get("tous") == "1"))
        target = safe_join(str(docs), name)
        if target is None or not Path(target).is_file():
            abort(404)
        suffix = Path(target).suffix.lower()
        if suffix in (".html", ".htm"):
            depth = len(parts) - 1
            text = Path(target).read_text(encoding="utf-8", errors="replace")
            return _page_response(clean_html(text, "../" * depth + LOCAL_CSS))
        if suffix == ".css":
            text = Path(target).read_text(encoding="utf-8", errors="replace")
            return Response(clean_css(text), mimetype="text/css")
        return send_from_directory(docs, name)
