"""The browser tests: the dashboard (and the renewal pack's print) in a real headless Chromium, Debian's
/usr/bin/chromium, driven by Playwright. Every test of this folder, and only they, start a browser.

One switch for all of them, here and nowhere else: ``INSERTION_SKIP_BROWSER_TESTS=1`` skips every test of
this folder (before any fixture runs: no server, no browser). Without it, a missing chromium fails them
with a message that says what to install. Every test of this folder carries the ``browser`` marker
(``-m "not browser"`` deselects them).

One dashboard server over the shared sample, one browser and one browser context (``window``: a warm HTTP
cache, and an anchor page that keeps Chromium's renderer of 127.0.0.1 alive) serve the whole run; a test's
first page is the run's spare page (``tab``: about:blank, then a fresh document at each load), its others
are new pages, and the cookies are cleared after it. A failed test
leaves a screenshot of its page in test-artifacts/ (``echec-<test>.png``); ``INSERTION_SCREENSHOTS=1`` also
keeps the views the tests name.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

from tests.browser.helpers import ARGS, CHROMIUM, shot
from tests.servers import start_server, stop

SWITCH = "INSERTION_SKIP_BROWSER_TESTS"
REASON = f"{SWITCH}=1 : tests dans le navigateur ignorés (browser tests skipped)"
HERE = Path(__file__).resolve().parent
SCREEN = {"width": 1400, "height": 1000}  # the pages' window, unless a test asks for another


def skipped() -> bool:
    return os.environ.get(SWITCH) == "1"


def pytest_collection_modifyitems(config, items):
    """Mark every test of this folder ``browser``; skip them all when the switch is on."""
    skip = pytest.mark.skip(reason=REASON)
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)
            if skipped():
                item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test's page as it was when it failed."""
    report = (yield).get_result()
    page = getattr(item, "funcargs", {}).get("page")
    if report.when == "call" and report.failed and page is not None and not page.is_closed():
        with contextlib.suppress(Exception):  # the test's own failure is what the report must show
            shot(page, f"echec-{item.name}", failed=True)


@pytest.fixture(scope="session")
def chromium() -> Path:
    assert CHROMIUM.exists(), (
        "Debian's chromium is needed for the browser tests (apt-get install chromium); "
        f"set {SWITCH}=1 to skip them"
    )
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium):
    """One headless Chromium for the whole run (each test opens its own context)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(chromium), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def server(sample_warehouse):
    """`insertion serve --prod` over the shared sample, for the whole run (read only)."""
    url, proc = start_server(
        sample_warehouse.warehouse,
        sample_warehouse.key_file,
        None,
        "--prod",
        "--workers",
        "2",  # gunicorn with more than one process, as served; the tests run one page at a time
        # the survey windows (page Enquêtes) are judged on this day, so that the tests do not age
        env={"INSERTION_TODAY": "2026-11-29"},
        ready="/",
    )
    yield url
    stop(proc)


@pytest.fixture(scope="session")
def window(browser):
    """One browser context (French locale, downloads accepted) for the pages of the run: its HTTP cache
    stays warm, as a user's browser's does. A page of the dashboard costs Chromium about 2.2 CPU-s in a
    new context and 1.2 in this one (machine-wide, measured). Tests are kept apart by their own pages and
    by clearing the cookies after each (the dashboard keeps nothing else in the browser).

    The browser runs one renderer process per site (``--process-per-site``, tests/browser/helpers.py):
    every page of 127.0.0.1, whatever the port, shares it, and an anchor page left open keeps it alive
    between tests, with the scripts it has compiled (React, Plotly, Dash). A test's new page then costs
    about 1.8 CPU-s instead of 3.5 (measured: a new page, the Voies d'accès page loaded, closed)."""
    context = browser.new_context(viewport=SCREEN, accept_downloads=True, locale="fr-FR")
    with _anchor_site() as url:
        anchor = context.new_page()
        anchor.goto(url)
        yield context
        anchor.close()
    context.close()


@contextlib.contextmanager
def _anchor_site():
    """An empty page served on 127.0.0.1 (the dashboard's site) for the anchor, by this process."""
    import http.server
    import threading

    class Empty(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            body = b"<!doctype html><html lang='fr'><title>ancre</title></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Empty)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{site.server_address[1]}/"
    finally:
        site.shutdown()
        site.server_close()


@pytest.fixture(scope="session")
def _spare(window) -> list:
    """The page a test's first ``tab()`` reuses, left on about:blank by the test before: the first load of
    the dashboard in a new page costs Chromium about 0.6 CPU-s more than in a page that has shown it."""
    spare: list = []
    yield spare
    for pg in spare:
        pg.close()


@pytest.fixture
def tab(window, _spare):
    """``tab(viewport=None, cookies=())``: a page of the run's window (with those cookies, e.g. a
    signed-in session), its document and cookies gone after the test; no JavaScript error allowed. The
    test's first page is the run's spare page (about:blank, a fresh document at each load), the others new
    pages, closed after the test."""
    pages, errors = [], []

    def record(error) -> None:
        errors.append(str(error))

    def new_page(viewport: dict | None = None, cookies: list | tuple = ()):
        if cookies:
            window.add_cookies(list(cookies))
        pg = _spare.pop() if _spare and not pages else window.new_page()
        pg.set_viewport_size(viewport or SCREEN)
        pg.on("pageerror", record)
        pages.append(pg)
        return pg

    yield new_page
    for i, pg in enumerate(pages):
        if i == 0 and not pg.is_closed():
            pg.remove_listener("pageerror", record)
            pg.goto("about:blank")
            _spare.append(pg)
        else:
            pg.close()
    window.clear_cookies()
    assert errors == []


@pytest.fixture
def page(tab):
    """A new page of the run's window (1400 × 1000); no JavaScript error allowed."""
    return tab()
