"""The dashboard as people use it, in a real headless Chromium: filters that follow the link from page to
page and from a pasted address, a searchable certification list in French, the current page marked, the
date of the data, a phone screen without sideways scroll, typed downloads named after what they hold."""

import re

import pytest

from tests.browser.helpers import choose, shot, table_rows

PAGES = ["/", "/certification", "/metiers", "/voies", "/enquetes", "/qualite", "/sql"]


def wait_rows(page, name: str, count: int) -> None:
    page.wait_for_function(
        f"document.querySelectorAll('[id*=\"{name}\"] tr:has(td)').length === {count}", timeout=15000
    )


def chosen(page, component: str) -> str:
    """The text of a dropdown's current selection."""
    return page.locator(f"#{component}").inner_text()


def test_filters_follow_the_menu_and_the_certification_page(server, page):
    page.goto(server + "/#cert=RNCP34179&year=2017")
    wait_rows(page, "overview-years", 1)
    assert "RNCP34179" in chosen(page, "overview-certification")
    # the menu carries the filters to the other pages
    page.locator("#nav-voies").click()
    page.get_by_role("heading", name="Voies d'accès").wait_for()
    wait_rows(page, "voies-routes", 5)
    assert {r[0] for r in table_rows(page, "voies-routes")} == {"2017"}
    page.locator("#nav-certification").click()
    page.wait_for_function("document.body.innerText.includes('Chef de projet e-commerce')", timeout=15000)
    assert "cert=RNCP34179" in page.url
    # choosing another certification there changes the link, the other filters stay
    choose(page, "certification-certification", "RNCP35809")
    page.wait_for_function("location.hash.includes('cert=RNCP35809')", timeout=15000)
    assert "year=2017" in page.url
    page.locator("#nav-overview").click()
    page.get_by_role("heading", name="Vue d'ensemble").wait_for()
    page.wait_for_function(
        "document.querySelector('#overview-certification').innerText.includes('RNCP35809')", timeout=15000
    )


def test_a_pasted_link_applies_to_the_open_page(server, page):
    page.goto(server + "/")
    page.get_by_role("heading", name="Vue d'ensemble").wait_for()
    page.wait_for_function("document.querySelectorAll('[id*=\"overview-years\"] tr:has(td)').length > 2")
    page.evaluate("location.hash = '#cert=RNCP34179&year=2018'")  # what pasting an address does
    wait_rows(page, "overview-years", 1)
    assert table_rows(page, "overview-years")[0][:2] == ["2018", "11"]
    assert "RNCP34179" in chosen(page, "overview-certification")


def test_the_certification_list_is_searchable_in_french(server, page):
    page.goto(server + "/certification")
    page.get_by_role("heading", name="Certification").wait_for()
    page.locator("#certification-certification").click()
    search = page.get_by_placeholder("Rechercher (code ou intitulé)")
    search.wait_for(timeout=5000)
    search.fill("e-commerce")  # by title
    page.get_by_text(re.compile("RNCP34179")).last.click()
    page.wait_for_function("document.body.innerText.includes('Chef de projet e-commerce')", timeout=15000)
    assert "Search" not in page.locator("body").inner_text()


@pytest.mark.parametrize("path", PAGES)
def test_current_page_is_marked_and_the_data_is_dated(server, page, path):
    page.goto(server + path)
    page.wait_for_selector(".nav-link.active", timeout=15000)
    active = page.locator(".nav-link.active")
    assert active.count() == 1
    assert active.get_attribute("href").split("#")[0] == path
    page.wait_for_function(
        "/Données au \\d\\d\\/\\d\\d\\/\\d{4}/.test(document.body.innerText)", timeout=15000
    )


def test_phone_screen_has_no_sideways_scroll(server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR", is_mobile=True)
    page = context.new_page()
    try:
        for path in PAGES:
            page.goto(server + path)
            page.wait_for_selector("h1", timeout=15000)
            page.wait_for_timeout(1500)
            width = page.evaluate("document.documentElement.scrollWidth")
            shot(page, "phone" + (path.replace("/", "-") if path != "/" else "-vue-d-ensemble"))
            assert width <= 390, f"{path}: the page is {width} px wide on a 390 px screen"
            # no chart title under the toolbar: the toolbar stands vertically on the right
            for graph in page.locator(".js-plotly-plot").all():
                bar = graph.locator(".modebar")
                if bar.count():
                    assert "vertical" in (bar.first.get_attribute("class") or "")
    finally:
        context.close()


def test_downloads_are_typed_and_named(server, page, tmp_path):
    import openpyxl

    page.goto(server + "/voies#cert=RNCP34179&year=2017")
    wait_rows(page, "voies-routes", 5)
    with page.expect_download() as info:
        page.get_by_role("button", name="Télécharger Excel").click()
    download = info.value
    assert re.fullmatch(
        r"voies-d-acces_par-voie_RNCP34179_2017_\d{4}-\d\d-\d\d\.xlsx", download.suggested_filename
    )
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, [c for c in row], strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert sum(r["Certifiés"].value for r in rows) == 35  # a number, not « 35 » as text
    cell = rows[0]["Insertion globale à 6 mois (%)"]
    n, d = rows[0]["Insertion globale à 6 mois : n"].value, rows[0]["Insertion globale à 6 mois : N"].value
    assert isinstance(cell.value, (int, float)) and cell.number_format == "0%"
    assert round(100 * cell.value) == (200 * n + d) // (2 * d)  # the rate of its own n and N, rounded half up
    assert all(isinstance(r["Voie d'accès"].value, str) for r in rows)
