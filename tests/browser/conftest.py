"""The browser tests: the dashboard (and the renewal pack's print) in a real headless Chromium, Debian's
/usr/bin/chromium, driven by Playwright. Every test of this folder, and only they, start a browser.

One switch for all of them, here and nowhere else: ``INSERTION_SKIP_BROWSER_TESTS=1`` skips every test of
this folder (before any fixture runs: no server, no browser). Without it, a missing chromium fails them
with a message that says what to install. Every test of this folder carries the ``browser`` marker
(``-m "not browser"`` deselects them).

One dashboard server over the shared sample and one browser serve the whole run; each test gets a new
browser context (its own cookies, downloads and viewport). Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.helpers import ARGS, CHROMIUM
from tests.servers import start_server, stop

SWITCH = "INSERTION_SKIP_BROWSER_TESTS"
REASON = f"{SWITCH}=1 : tests dans le navigateur ignorés (browser tests skipped)"
HERE = Path(__file__).resolve().parent


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


@pytest.fixture
def page(browser):
    """A new page in a new context (cookies, downloads, French locale); no JavaScript error allowed."""
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, accept_downloads=True, locale="fr-FR"
    )
    pg = context.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    assert errors == []
