"""A partner signs in on the shared sample and sees its own statistics on the Certification page, in a
real headless Chromium (issue #16); the figures themselves: tests/e2e/test_partner_scope.py."""

import duckdb
import pytest

from pipeline.core.accounts import AccountStore
from tests.browser.helpers import shot, table_rows
from tests.browser.test_browser_access import sign_in
from tests.servers import PASSWORD, start_server, stop

CAMPUS = "84215736900013"  # Campus Numérique Atlantique, a partner of RNCP34179 in the sample


@pytest.fixture(scope="module")
def server(sample_warehouse, tmp_path_factory):
    accounts = tmp_path_factory.mktemp("partner-accounts") / "accounts.json"
    AccountStore(accounts).add("campus", "partenaire", PASSWORD, [CAMPUS])
    url, proc = start_server(
        sample_warehouse.warehouse, sample_warehouse.key_file, accounts, "--prod", "--workers", "1"
    )
    yield url
    stop(proc)


def test_a_partner_sees_its_statistics_on_the_certification_page(server, page, sample_warehouse):
    with duckdb.connect(str(sample_warehouse.snapshot), read_only=True) as con:
        certified = con.execute(
            "select year, sum(certified)::int from statistics_by_partner where partner_siret = ? "
            "and certification_code = 'RNCP34179' and access_route = 'ALL' group by 1 order by 1 desc",
            [CAMPUS],
        ).fetchall()
    page.goto(server + "/certification")
    sign_in(page, "campus")
    page.get_by_role("heading", name="Statistiques de vos certifiés", exact=False).wait_for(timeout=15000)
    rows = table_rows(page, "certification-stats")
    assert [(int(r[0]), int(r[1])) for r in rows] == certified != []
    page.get_by_text("Chef de projet e-commerce").first.wait_for()  # the fiche's public facts
    shot(page, "partenaire-certification")
