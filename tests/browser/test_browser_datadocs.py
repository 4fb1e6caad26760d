"""The Data Docs in a real headless Chromium: the page and a run's report request nothing but the
dashboard's own host (the server side is in tests/e2e/test_datadocs.py)."""

from urllib.parse import urlparse

from tests.browser.helpers import ARGS, CHROMIUM


def test_data_docs_in_a_browser_request_nothing_but_the_dashboard(server, browser):
    assert CHROMIUM.exists() and ARGS
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(server + "/data-docs/", wait_until="load")
        runs = page.locator("#runs tbody tr")
        runs.first.wait_for(state="visible", timeout=15000)
        assert runs.count() >= 15 and page.locator("#runs").is_visible()
        assert page.get_by_role("heading", name="Validations des fichiers").is_visible()
        page.locator("#runs a").first.click()
        page.wait_for_load_state("load")
        assert "/data-docs/validations/" in page.url
        page.get_by_text("Expectation Validation Result").first.wait_for(state="visible", timeout=15000)
        # our stylesheet is applied (GX's CDN Bootstrap is not there to do it)
        assert page.evaluate("getComputedStyle(document.querySelector('.navbar')).display") == "flex"
        page.wait_for_timeout(500)
    finally:
        context.close()
    hosts = {urlparse(u).hostname for u in requests if not u.startswith("data:")}
    assert requests and hosts == {"127.0.0.1"}, requests
