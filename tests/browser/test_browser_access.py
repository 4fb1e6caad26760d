"""Signing in, a partner's view and signing out, in a real headless Chromium (issue #16).

The server reads a copy of the sample whose outcome counts carry ``partner_siret`` (Lyon and Nantes:
partner A), as the partner marts will; see tests/e2e/test_access_http.py for the matrix over HTTP.
"""

import pytest

from tests.browser.helpers import shot, table_rows
from tests.servers import PASSWORD, SITES, A, start_server, stop


@pytest.fixture(scope="module")
def server(partner_snapshot, sample_warehouse, accounts_file):
    """Gunicorn over the partner copy of the sample, with accounts: everyone signs in."""
    url, proc = start_server(
        partner_snapshot.with_name("insertion.duckdb"),
        sample_warehouse.key_file,
        accounts_file,
        "--prod",
        "--workers",
        "2",
    )
    yield url
    stop(proc)


def sign_in(page, name: str, password: str = PASSWORD) -> None:
    page.fill("#username", name)
    page.fill("#password", password)
    page.get_by_role("button", name="Se connecter").click()


def test_partner_signs_in_sees_its_rows_only_and_signs_out(server, page):
    page.goto(server + "/voies")
    page.get_by_role("heading", name="Connexion").wait_for(timeout=15000)
    assert page.locator("html").get_attribute("lang") == "fr"
    sign_in(page, "of-a", "pas-le-bon-mot-de-passe")
    page.get_by_text("Identifiant ou mot de passe incorrect.").wait_for(timeout=15000)
    shot(page, "connexion")
    sign_in(page, "of-a")
    page.get_by_role("heading", name="Voies d'accès", exact=True).wait_for(timeout=15000)
    assert page.url.endswith("/voies")  # back where the link led
    page.get_by_text("of-a — Partenaire").wait_for()
    menu = [t.strip() for t in page.locator(".nav-link:visible").all_inner_texts()]
    assert menu == [
        "Vue d'ensemble",
        "Certification",
        "Métiers (ROME)",
        "Voies d'accès",
        "Enquêtes",
        "Partenaires",
        "Qualité des données",
    ]
    page.wait_for_function("document.querySelectorAll('[id*=\"voies-routes\"] td').length > 0", timeout=15000)
    page.locator("#voies-site").click()
    page.wait_for_selector(".dash-dropdown-option", timeout=10000)
    offered = {t.strip() for t in page.locator(".dash-dropdown-option").all_inner_texts()}
    assert {o for o in offered if o in SITES[A] | {"Rennes", "Grenoble", "Toulouse"}} == SITES[A]
    page.keyboard.press("Escape")
    shot(page, "partenaire-voies")
    page.goto(server + "/sql")
    page.get_by_text("Accès refusé").wait_for(timeout=15000)
    assert page.locator("#sql-query").count() == 0
    page.get_by_role("button", name="Se déconnecter").click()  # a form POST with the session's token
    page.get_by_text("Vous êtes déconnecté.").wait_for(timeout=15000)
    page.goto(server + "/")
    page.get_by_role("heading", name="Connexion").wait_for(timeout=15000)


@pytest.mark.parametrize("escape", ["%09", "%0a", "%0d", "%09%09", "%5c", "%0b"])
def test_signing_in_never_lands_on_another_site(server, page, escape):
    """Issue #25: ``/login?next=/%09/evil.example/`` signed in and sent Chromium to evil.example (it drops
    the tab the server let through)."""
    requests = []

    def seen(request) -> None:
        requests.append(request.url)

    page.on("request", seen)
    page.goto(server + f"/login?next=/{escape}/evil.example/")
    sign_in(page, "chef")
    page.get_by_role("heading", name="Vue d'ensemble", exact=True).wait_for(timeout=15000)
    page.remove_listener("request", seen)
    assert page.url.startswith(server + "/")
    assert not [u for u in requests if "evil.example" in u.split("?")[0].split("#")[0]]


def test_a_link_of_another_site_signs_nobody_out(server, page):
    page.goto(server + "/")
    sign_in(page, "chef")
    page.get_by_role("heading", name="Vue d'ensemble", exact=True).wait_for(timeout=15000)
    page.goto(server + "/logout")  # what an <img src> or a link elsewhere would do
    assert "Se déconnecter" in page.content()  # the French 405, not a sign-out
    page.goto(server + "/")
    page.get_by_text("chef — Direction").wait_for(timeout=15000)


def test_direction_reads_the_journal(server, page):
    page.goto(server + "/journal")
    sign_in(page, "chef")
    page.get_by_role("heading", name="Journal d'audit").wait_for(timeout=15000)
    rows = table_rows(page, "journal-rows")
    assert any("chef" in r and "Connexion" in r for r in rows), rows[:5]
    shot(page, "journal")
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger CSV").click()
    assert download.value.suggested_filename.startswith("journal_lignes_")


def test_direction_sees_every_page_and_sql(server, page):
    page.goto(server + "/")
    sign_in(page, "chef")
    page.get_by_role("heading", name="Vue d'ensemble", exact=True).wait_for(timeout=15000)
    page.get_by_text("chef — Direction").wait_for()
    page.locator("#nav-sql").click()
    page.get_by_role("heading", name="Requêtes SQL").wait_for(timeout=15000)
    page.get_by_role("button", name="Exécuter").click()
    page.get_by_text("ligne(s)").wait_for(timeout=20000)
    shot(page, "direction-sql")
