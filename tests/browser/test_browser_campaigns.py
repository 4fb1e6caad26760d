"""The « Enquêtes » page in a real headless Chromium (the server judges the windows on 29/11/2026)."""

from tests.browser.helpers import shot, table_rows


def test_survey_page_shows_windows_status_alerts_and_nonresponse(server, page):
    page.goto(server + "/enquetes#cert=RNCP40344")
    page.get_by_role("heading", name="Enquêtes", exact=True).wait_for(timeout=15000)
    # by default only the open windows: the 2024 promotion at 2 years
    page.wait_for_function(
        "document.querySelectorAll('[id*=\"enquetes-status\"] tr:has(td)').length === 1", timeout=20000
    )
    assert [r[1:5] for r in table_rows(page, "enquetes-status")] == [
        ["2024", "2 ans", "Toute la promotion", "Ouverte"]
    ]
    page.get_by_text("Fenêtres ouvertes seulement").click()  # every window, closed ones too
    page.wait_for_function(
        "document.querySelectorAll('[id*=\"enquetes-status\"] tr:has(td)').length > 1 "
        "&& document.querySelectorAll('[id*=\"enquetes-nonresponse\"] td').length > 0",
        timeout=20000,
    )
    rows = table_rows(page, "enquetes-status")
    assert {r[0] for r in rows} == {"RNCP40344"}
    open_wave = next(r for r in rows if r[1] == "2024" and r[2] == "2 ans")
    assert open_wave[4:8] == ["Ouverte", "du 20/02/2026 au 28/03/2027", "119", "12"]
    assert open_wave[10].startswith("0\u00a0% (0/12)") and open_wave[12] == "aucune invitation envoyée"
    # the alert is spelled out above the chart, and the timeline has a bar per promotion and wave
    alerts = page.locator("#enquetes-alerts").inner_text()
    assert "RNCP40344, promotion 2024, vague 2 ans : aucune invitation envoyée" in alerts
    page.wait_for_function("document.querySelectorAll('#enquetes-timeline .trace.bars .point').length >= 10")
    assert "Fenêtres d'enquête" in page.locator("#enquetes-timeline").inner_text()
    checks = table_rows(page, "enquetes-nonresponse")
    assert any(r[3] == "CA – Apprentissage" and r[12] == "⚠ oui" for r in checks)
    shot(page, "enquetes")
    # one wave only
    page.get_by_text("à 6 mois", exact=True).click()
    page.wait_for_function(
        "Array.from(document.querySelectorAll('[id*=\"enquetes-status\"] tr:has(td)'))"
        ".every(r => r.querySelectorAll('td')[2].innerText.trim() === '6 mois')",
        timeout=15000,
    )
    assert all(r[1] == "6 mois" for r in table_rows(page, "enquetes-nonresponse"))
