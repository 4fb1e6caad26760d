"""What the browser tests share besides their fixtures (tests/browser/conftest.py): the browser's path and
options, screenshots, and reading the dashboard's dropdowns and tables."""

from __future__ import annotations

import os
from pathlib import Path

from tests.helpers import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    # one renderer process per site: the pages of 127.0.0.1 share it, and its compiled scripts (conftest.window)
    "--process-per-site",
]
NNBSP, NBSP = "\u202f", "\u00a0"


def shot(page, name: str, failed: bool = False) -> None:
    """A full-page screenshot in test-artifacts/: of a failed test always (tests/browser/conftest.py), of
    the views the tests name with ``INSERTION_SCREENSHOTS=1`` (to look at them: each is Chromium drawing and
    encoding the whole page)."""
    if not failed and os.environ.get("INSERTION_SCREENSHOTS") != "1":
        return
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def choose(page, component: str, text: str) -> None:
    """Open a dropdown, type (the keys go to its search box), wait for the list to narrow, press Enter."""
    page.locator(f"#{component}").click()
    page.keyboard.type(text)
    page.wait_for_function(
        "t => { const o = document.querySelectorAll('.dash-dropdown-option');"
        " return o.length === 1 && o[0].innerText.includes(t); }",
        arg=text,
        timeout=10000,
    )
    page.keyboard.press("Enter")


def table_rows(page, name: str) -> list[list[str]]:
    page.wait_for_function(f"document.querySelectorAll('[id*=\"{name}\"] td').length > 0", timeout=15000)
    return page.eval_on_selector_all(
        f'[id*="{name}"] tr:has(td)',
        "rows => rows.map(r => Array.from(r.querySelectorAll('td')).map(c => c.innerText.trim()))",
    )


# axe-core (MPL-2.0, Deque Systems), the copy shipped inside the axe-playwright-python wheel (a dev
# dependency from PyPI): nothing is fetched at run time. WCAG 2.0 and 2.1, levels A and AA (issue #26).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_source() -> str:
    from importlib.resources import files

    return (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


def axe_violations(page) -> list[dict]:
    """axe-core's violations of WCAG 2.0/2.1 A and AA on the page as it stands: [{id, impact, nodes:
    [{target, html, failureSummary}]}]."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    return page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target, html: n.html.slice(0, 200), summary: n.failureSummary}))}));
        }""",
        AXE_TAGS,
    )


def axe_summary(violations: list[dict]) -> dict[str, int]:
    """{rule: number of elements}."""
    return {v["id"]: len(v["nodes"]) for v in violations}
