"""What the browser tests share besides their fixtures (tests/browser/conftest.py): the browser's path and
options, screenshots, and reading the dashboard's dropdowns and tables."""

from __future__ import annotations

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
]
NNBSP, NBSP = "\u202f", "\u00a0"


def shot(page, name: str) -> None:
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
