"""Accessibility of the dashboard in a real headless Chromium (issue #26, RGAA 4.1.2, WCAG 2.0/2.1 A and AA):
for every page and every role, with and without a certification chosen, axe-core finds no violation; every
chart has an accessible name, a one-sentence summary and its data as a table; the skip link is the first stop
of the keyboard, the content is reached in 15 Tab presses at most, through menu → filters → content, with a
visible focus; headings go down one level at a time; at 320 px wide (and 640 px: a 1 280 px screen zoomed
to 200 %) nothing scrolls sideways.

One server (gunicorn, accounts: everyone signs in) and the run's one Chromium serve the module. The results
go to the accessibility record (tests/audit.py) that the « Accessibilité » page reads.
"""

from __future__ import annotations

import pytest

from dashboard.access import may_see
from pipeline.core import accounts
from pipeline.core.accounts import AccountStore
from tests import audit
from tests.browser.helpers import axe_summary, axe_violations, shot
from tests.browser.test_browser_access import sign_in
from tests.servers import PASSWORD, start_server, stop

CAMPUS = "84215736900013"  # Campus Numérique Atlantique, a partner of RNCP34179 in the sample
ROLES = {"direction": "chef", "qualite": "qualiticien", "analyste": "ana", "partenaire": "campus"}
PAGES = {  # path -> (page module, heading, has a certification filter)
    "/": ("overview", "Vue d'ensemble", True),
    "/certification": ("certification", "Certification", True),
    "/metiers": ("metiers", "Métiers exercés (codes ROME)", True),
    "/voies": ("voies", "Voies d'accès", True),
    "/enquetes": ("enquetes", "Enquêtes", True),
    "/partenaires": ("partenaires", "Partenaires", True),
    "/qualite": ("qualite", "Qualité des données", False),
    "/sql": ("sql", "Requêtes SQL", False),
    "/accessibilite": ("accessibilite", "Accessibilité", False),
    "/journal": ("journal", "Journal d'audit", False),
}
CASES = [(role, path) for role in ROLES for path, (module, _, _) in PAGES.items() if may_see(role, module)]
MAX_TABS = 15


@pytest.fixture(scope="module")
def server(sample_warehouse, tmp_path_factory):
    """Gunicorn over the shared sample, with an account per role (cheap scrypt, as tests/servers.py)."""
    path = tmp_path_factory.mktemp("a11y-accounts") / "accounts.json"
    real = accounts.hash_password
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(accounts, "hash_password", lambda password: real(password, n=2**12, r=4, p=1))
        store = AccountStore(path)
        for role, name in ROLES.items():
            store.add(name, role, PASSWORD, [CAMPUS] if role == "partenaire" else ())
    url, proc = start_server(
        sample_warehouse.warehouse,
        sample_warehouse.key_file,
        path,
        "--prod",
        "--workers",
        "2",
        env={"INSERTION_TODAY": "2026-11-29"},
    )
    yield url
    stop(proc)


@pytest.fixture(scope="module")
def sessions(server, window) -> dict[str, list]:
    """Each role signs in once, through the login form: its session cookie, for the pages of its tests."""
    cookies = {}
    for role, name in ROLES.items():
        page = window.new_page()
        try:
            page.goto(server + "/login")
            sign_in(page, name)
            page.wait_for_selector("h1", timeout=15000)
            cookies[role] = window.cookies()
        finally:
            page.close()
            window.clear_cookies()
    return cookies


def signed_in(tab, sessions: dict, role: str, viewport: dict | None = None):
    """A new page with the role's session (a window of the 1280 × 900 screen, unless ``viewport``)."""
    return tab(viewport or {"width": 1280, "height": 900}, sessions[role])


def open_page(page, server: str, path: str, fragment: str = "") -> None:
    """Open ``path`` afresh and wait until Dash, Plotly and assets/a11y.js are done."""
    page.goto("about:blank")
    page.goto(server + path + fragment)
    page.get_by_role("heading", name=PAGES[path][1], exact=True).wait_for(timeout=20000)
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll('.js-plotly-plot')).every(p =>
              p.getAttribute('role') === 'figure' && p.closest('figure.chart')?.dataset.a11y)""",
        timeout=20000,
    )
    page.wait_for_timeout(300)


CHARTS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(p => {
    const block = p.closest('figure.chart');
    const table = block && block.querySelector('.chart-table table');
    return {
        id: p.parentElement.id,
        name: p.getAttribute('aria-label') || '',
        role: p.getAttribute('role'),
        summary: block ? block.querySelector('.chart-summary').innerText.trim() : '',
        caption: table ? table.caption.textContent : '',
        headers: table ? table.querySelectorAll('thead th[scope=col]').length : 0,
        rows: table ? table.tBodies[0].rows.length : 0,
        toolbar: Array.from(p.querySelectorAll('.modebar a, .modebar button')).filter(b => b.tabIndex >= 0).length,
    };
})"""

HEADINGS = "() => Array.from(document.querySelectorAll('main h1, main h2, main h3, main h4')).map(h => +h.tagName[1])"

FOCUSED = """() => {
    const e = document.activeElement;
    const main = document.querySelector('main');
    const style = getComputedStyle(e);
    const region = e.closest('a.skip-link') ? 'skip' : e.closest('header') ? 'menu'
        : e.closest('.filters') ? 'filters' : e === main ? 'main' : e.closest('main') ? 'content'
        : e.closest('footer') ? 'footer' : 'other';
    return {region, what: (e.getAttribute('aria-label') || e.innerText || e.id || e.tagName).slice(0, 60),
            outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
}"""

TABBABLE_CONTENT = """() => Array.from(document.querySelectorAll('main a[href], main button, main input, main textarea, main select, main summary, main [tabindex]'))
    .some(e => e.tabIndex >= 0 && !e.closest('.filters') && !e.disabled && e.getClientRects().length > 0)"""


def test_login_page_is_accessible(server, page):
    page.goto(server + "/login")
    violations = axe_violations(page)
    assert violations == [], axe_summary(violations)
    assert page.locator("html").get_attribute("lang") == "fr"


def test_every_page_of_the_menu_is_audited(server, tab, sessions):
    """A page added to the dashboard (menu or footer) fails here until it is in PAGES, hence audited."""
    page = signed_in(tab, sessions, "direction")
    page.goto(server + "/")
    page.wait_for_selector("#footer-accessibility", timeout=15000)
    links = page.eval_on_selector_all(
        ".nav a[href], #footer-accessibility", "links => links.map(a => a.getAttribute('href'))"
    )
    served = {link.split("#")[0] for link in links if link and not link.startswith("http")}
    assert served and served <= set(PAGES), served - set(PAGES)


@pytest.mark.parametrize(("role", "path"), CASES, ids=[f"{r}{p}" for r, p in CASES])
def test_page_is_accessible(server, tab, sessions, role, path):
    page = signed_in(tab, sessions, role)
    worst = 0
    states = [""] + (["#cert=RNCP34179"] if PAGES[path][2] else [])
    for fragment in states:
        open_page(page, server, path, fragment)
        violations = axe_violations(page)
        worst = max(worst, sum(axe_summary(violations).values()))
        assert violations == [], f"{role} {path}{fragment}: {axe_summary(violations)}\n{violations}"
        charts = page.evaluate(CHARTS)
        for chart in charts:
            assert chart["role"] == "figure" and chart["name"].startswith("Graphique : "), chart
            assert chart["summary"] and chart["name"].endswith(chart["summary"].rstrip(".") + "."), chart
            assert chart["caption"].startswith("Données du graphique"), chart
            assert chart["headers"] >= 1 and chart["rows"] >= 1 and chart["toolbar"] == 0, chart
        levels = page.evaluate(HEADINGS)
        assert levels[:1] == [1] and levels.count(1) == 1, levels
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    audit.page(path, role, worst, tool=f"axe-core {page.evaluate('axe.version')} (WCAG 2.0/2.1 A et AA)")
    audit.check("axe", worst == 0, "aucune violation WCAG 2.0/2.1 A et AA : chaque page, chaque rôle")
    audit.check("charts", True, "nom, résumé et tableau de données pour chaque graphique")
    audit.check("headings", True, "un h1 par page, pas de saut de niveau")
    keyboard(page, path, role)
    shot(page, f"a11y-{role}{path.replace('/', '-')}")


def keyboard(page, path: str, role: str) -> None:
    """On the page as it was opened (nothing focused yet): the skip link first, then menu → filters →
    content, every stop visibly focused; the skip link followed, ≤ 15 Tab presses to the content."""
    page.keyboard.press("Tab")
    first = page.evaluate(FOCUSED)
    assert first["region"] == "skip" and first["what"] == "Aller au contenu", first
    assert first["outline"], "the skip link's focus is not visible"
    # without the skip link: the order of the regions, and a visible focus at each stop
    order = ["skip", "menu", "filters", "content", "footer"]
    seen = [first["region"]]
    for _ in range(40):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUSED)
        assert stop["outline"], f"{role} {path}: the focus is not visible on {stop}"
        seen.append(stop["region"])
        if stop["region"] in ("content", "footer"):
            break
    ranks = [order.index(r) for r in seen if r in order]
    assert ranks == sorted(ranks), seen
    audit.check("keyboard", True, f"menu → filtres → contenu, au plus {MAX_TABS} tabulations")
    audit.check("focus_visible", True, "contour de 3 px à chaque arrêt du clavier")
    # the skip link followed: to the content, in 15 Tab presses at most
    page.locator("#skip-link").focus()
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUSED)["region"] == "main"
    assert "#" not in page.url or "contenu" not in page.url  # the fragment keeps the filters only
    has_content = page.evaluate(TABBABLE_CONTENT)
    presses = 1
    while has_content and page.evaluate(FOCUSED)["region"] != "content":
        page.keyboard.press("Tab")
        presses += 1
        assert presses <= MAX_TABS, f"{role} {path}: no content after {MAX_TABS} Tab presses"
    audit.check("skip_link", True, "« Aller au contenu », premier arrêt du clavier sur chaque page")


@pytest.mark.parametrize("width", [320, 640])
def test_pages_reflow_without_sideways_scroll(server, tab, sessions, width):
    """WCAG 1.4.10 / RGAA 10.11: at 320 px (and 640 px: 200 % zoom of a 1 280 px screen) the page does not
    scroll sideways; wide tables scroll inside their own box, charts fit."""
    page = signed_in(tab, sessions, "direction", {"width": width, "height": 800})
    for path in PAGES:
        open_page(page, server, path, "#cert=RNCP34179" if PAGES[path][2] else "")
        page.wait_for_timeout(500)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        shot(page, f"reflow-{width}{path.replace('/', '-')}")
        assert scroll <= width, f"{path}: {scroll} px wide in a {width} px window"
        widths = page.evaluate(
            "Array.from(document.querySelectorAll('.js-plotly-plot')).map(p => p.getBoundingClientRect().right)"
        )
        assert all(right <= width + 1 for right in widths), (path, widths)
        violations = axe_violations(page)  # wide tables scroll in their box: a box the keyboard reaches
        assert violations == [], f"{width} px {path}: {axe_summary(violations)}\n{violations}"
    audit.check("reflow", True, "320 px et 640 px (zoom 200 %) sans défilement horizontal")


def test_tables_sort_with_the_keyboard(server, tab, sessions):
    """RGAA 7.3: a table's sort arrows are buttons named after their column, pressed with Enter."""
    page = signed_in(tab, sessions, "direction")
    open_page(page, server, "/voies")
    first = "() => document.querySelector('[id*=\"voies-routes\"] tbody tr:has(td) td').innerText"
    page.wait_for_function(f"({first})() !== ''", timeout=15000)
    before = page.evaluate(first)
    arrow = page.get_by_role("button", name="Trier par « Année »").first
    arrow.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(f"({first})() !== {before!r}", timeout=10000)
    assert int(page.evaluate(first)) < int(before)  # oldest promotion first
