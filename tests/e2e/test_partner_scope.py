"""Issue #16: a partner's Certification page and renewal pack, on the shared sample, called as the
dashboard calls them with a partner signed in: its own people's France Compétences table — the figures
of ``statistics_by_partner`` summed over its SIRET, checked here against an independent SQL sum — the
fiche's public facts, and nothing of another partner anywhere.

Sample partners with rows (``statistics_by_partner``): RNCP34179 — Campus Numérique Atlantique, Rennes
Digital Formation, Web Académie Brest, Formation Express Ouest; RNCP35809 — BTP Formation Rhône, Alpes
Bâtiment Compétences; RNCP40344 — CFPPA Toulouse, LEGTPA de Blanquefort.
"""

from __future__ import annotations

import base64
import io
from contextlib import contextmanager

import duckdb
import pytest
from flask import g

from pipeline.core.accounts import AccountStore
from tests.reference.recompute import rate

CAMPUS, RENNES, BREST = "84215736900013", "85319462700016", "86104835200012"
PASSWORD = "motdepasse-de-test"
ACCOUNTS = {"campus-rennes": (CAMPUS, RENNES), "brest": (BREST,)}
CODE = "RNCP34179"
NBSP = "\u00a0"


@pytest.fixture(scope="module")
def app(sample_warehouse, tmp_path_factory):
    from dashboard.app import create_app

    store = AccountStore(tmp_path_factory.mktemp("partner-accounts") / "accounts.json")
    for name, sirets in ACCOUNTS.items():
        store.add(name, "partenaire", PASSWORD, sirets)
    store.add("chef", "direction", PASSWORD)
    return create_app(sample_warehouse.snapshot, accounts=store.path), store


@pytest.fixture(scope="module")
def snapshot(sample_warehouse):
    con = duckdb.connect(str(sample_warehouse.snapshot), read_only=True)
    yield con
    con.close()


@contextmanager
def signed_in(app, name: str):
    """A request of the dashboard with ``name`` signed in (the scope is the account's)."""
    server, store = app
    with server.server.test_request_context("/_dash-update-component", method="POST"):
        g.insertion_account = store.get(name)
        yield


def expected(con, code: str, sirets) -> list[dict]:
    """Independently of the read model: the partner's additive counts summed over its SIRET, year by year."""
    rows = con.execute(
        """
        select year, sum(certified)::int, sum(certified_vae)::int,
               sum(employed_6m)::int, sum(in_target_6m)::int, sum(respondents_6m - neutralised_6m)::int,
               sum(employed_24m)::int, sum(in_target_24m)::int, sum(respondents_24m - neutralised_24m)::int,
               sum(respondents_6m)::int, sum(respondents_24m)::int
        from statistics_by_partner
        where certification_code = ? and access_route = 'ALL' and partner_siret in (select unnest(?))
        group by year order by year desc
        """,
        [code, list(sirets)],
    ).fetchall()
    keys = [
        "year",
        "certified",
        "vae",
        "emp6",
        "target6",
        "den6",
        "emp24",
        "target24",
        "den24",
        "resp6",
        "resp24",
    ]
    return [dict(zip(keys, r, strict=True)) for r in rows]


def cell(n: int, d: int, threshold: int = 20) -> str:
    """« 88 % (29/33) », « ⚠ » under the threshold (written here from the design, not the pipeline)."""
    if not d:
        return "–"
    return f"{rate(n, d)}{NBSP}% ({n}/{d})" + (" ⚠" if d < threshold else "")


def others(con, mine) -> set[str]:
    """Every other partner's SIRET and name the warehouse knows (rows, habilitations, findings)."""
    found = con.execute(
        """
        select partner_siret, partner_name from statistics_by_partner
        union select siret, name from rncp_partners
        union select siret, name from ref_partners
        union select partner_siret, partner_name from habilitation_issues
        """
    ).fetchall()
    own = {name for siret, name in found if siret in mine}
    out = {v for siret, name in found if siret not in mine for v in (siret, name) if v}
    return out - own


def everything_shown(code: str) -> str:
    """Every output of every callback of the Certification page, the pack's cells included."""
    from openpyxl import load_workbook

    from dashboard.pages import certification as page

    parts = [page.layout(), page.update(code), page.update_conditions(code), page.update_declared(code)]
    download, message = page.renewal_pack(1, code)
    parts.append(message)
    if download:
        book = load_workbook(io.BytesIO(base64.b64decode(download["content"])))
        parts += [[row for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets]
    return str(parts)


@pytest.mark.parametrize("name", list(ACCOUNTS))
def test_the_partners_table_is_its_people_summed_over_its_sirets(app, snapshot, name):
    from dashboard.pages import certification as page

    sirets = ACCOUNTS[name]
    want = expected(snapshot, CODE, sirets)
    assert want and all(w["certified"] for w in want)
    with signed_in(app, name):
        summary, rows, compared, readiness, _lineage = page.update(CODE)
    assert [
        (
            r["year"],
            r["certified"],
            r["certified_vae"],
            r["insertion_rate_6m"],
            r["target_job_rate_6m"],
            r["target_job_rate_24m"],
            r["insertion_rate_24m"],
            r["response_rate_6m"],
            r["response_rate_24m"],
        )
        for r in rows
    ] == [
        (
            w["year"],
            str(w["certified"]),
            str(w["vae"]),
            cell(w["emp6"], w["den6"]),
            cell(w["target6"], w["den6"]),
            cell(w["target24"], w["den24"]),
            cell(w["emp24"], w["den24"]),
            cell(w["resp6"], w["certified"]),
            cell(w["resp24"], w["certified"]),
        )
        for w in want
    ]
    # the fiche's public facts, and the published figures of the partner's years beside its own, no gap
    assert "Chef de projet e-commerce" in str(summary) and "FORMAOUEST" in str(summary)
    assert {r["year"] for r in compared} == {w["year"] for w in want}
    assert all(r["difference"] is None for r in compared)
    certified = {r["year"]: r for r in compared if r["measure"] == "Nombre de certifiés"}
    assert {y: r["computed"] for y, r in certified.items()} == {w["year"]: str(w["certified"]) for w in want}
    published = snapshot.execute(
        "select year, max(certified) from published_statistics where certification_code = ? group by 1",
        [CODE],
    ).fetchall()
    assert {y: certified[y]["published"] for y, _ in published if y in certified} == {
        y: str(n) for y, n in published if y in certified
    }
    assert "Publié ≠ calculé" not in str(readiness)


def test_two_sirets_add_up_and_rates_are_recomputed_not_averaged(snapshot):
    """The figures of a partner bound to two SIRET are the sums of each one's counts."""
    both = expected(snapshot, CODE, (CAMPUS, RENNES))
    one, other = expected(snapshot, CODE, (CAMPUS,)), expected(snapshot, CODE, (RENNES,))
    for b, x, y in zip(both, one, other, strict=True):
        assert b["certified"] == x["certified"] + y["certified"]
        assert b["den6"] == x["den6"] + y["den6"] and b["emp6"] == x["emp6"] + y["emp6"]


@pytest.mark.parametrize("name", list(ACCOUNTS))
def test_nothing_of_another_partner_on_the_page_nor_in_the_pack(app, snapshot, name):
    forbidden = others(snapshot, set(ACCOUNTS[name]))
    assert CAMPUS in forbidden or BREST in forbidden
    for code in ("RNCP34179", "RNCP35809", "RNCP40344"):  # its certification and the others'
        with signed_in(app, name):
            shown = everything_shown(code)
        leaked = sorted(v for v in forbidden if v in shown)
        assert leaked == [], (name, code, leaked)
    with signed_in(app, "chef"):  # the check sees them where they are shown: the direction's pack
        assert any(v in everything_shown(CODE) for v in forbidden)


def test_a_certification_without_the_partners_people_gives_it_nothing(app):
    from dashboard.pages import certification as page

    with signed_in(app, "brest"):
        summary, rows, compared, _, _ = page.update("RNCP35809")
        download, message = page.renewal_pack(1, "RNCP35809")
    assert rows == [] and compared == []
    assert "Chef de projet" not in str(summary)  # the fiche's own facts, public
    assert download is None
    assert message == (
        "Erreur : RNCP35809 : aucun certifié du partenaire (SIRET 86104835200012) pour cette certification "
        "dans l'entrepôt"
    )


def test_the_partners_pack_downloads_with_its_figures(app, snapshot):
    from openpyxl import load_workbook

    from dashboard.pages import certification as page
    from pipeline.indicators import label

    sirets = ACCOUNTS["campus-rennes"]
    with signed_in(app, "campus-rennes"):
        download, message = page.renewal_pack(1, CODE)
    assert download["filename"] == f"renouvellement-{CODE}-partenaire.xlsx"
    assert "Rennes Digital Formation (SIRET 85319462700016)" in message
    book = load_workbook(io.BytesIO(base64.b64decode(download["content"])))
    assert "Qualité" not in book.sheetnames and "Déclarations" not in book.sheetnames
    partner = (
        "Partenaires : Campus Numérique Atlantique (SIRET 84215736900013) ; "
        "Rennes Digital Formation (SIRET 85319462700016)"
    )
    assert all(sheet["A3"].value == partner for sheet in book.worksheets)

    def table(sheet, first: str = "Année d'obtention de la certification") -> list[dict]:
        rows = list(book[sheet].iter_rows(values_only=True))
        start = next(i for i, r in enumerate(rows) if r[0] == first)
        out = []
        for r in rows[start + 1 :]:
            if r[0] is None:
                break
            out.append(dict(zip(rows[start], r, strict=True)))
        return out

    want = {w["year"]: w for w in expected(snapshot, CODE, sirets)}
    stats = table("Statistiques")
    assert {r[label("year")] for r in stats} == set(want)
    for r in stats:
        w = want[r[label("year")]]
        assert r[label("certified")] == w["certified"] and r[label("certified_vae")] == w["vae"]
        assert r[label("denominator_6m")] == w["den6"] and r[label("employed_6m")] == w["emp6"]
        assert r[label("insertion_rate_6m")] == rate(w["emp6"], w["den6"])
        assert r[label("target_job_rate_6m")] == rate(w["target6"], w["den6"])
        assert r[label("target_job_rate_24m")] == rate(w["target24"], w["den24"])
    # by access route: the same people, split
    routes = table("Par voie d'accès", "Voie d'accès")
    for year, w in want.items():
        assert sum(r[label("certified")] for r in routes if r[label("year")] == year) == w["certified"]
    # the jobs held: the partner's employed respondents, one line each
    employed = snapshot.execute(
        "select count(*) from fct_survey_responses where certification_code = ? and employed "
        "and partner_siret in (select unnest(?)) and list_contains(?, year)",
        [CODE, list(sirets), sorted(want)],
    ).fetchone()[0]
    assert len(table("Emplois occupés", "Référence (pseudonyme)")) == employed > 0
    # the partner's own lines only
    assert {r["SIRET"] for r in table("Par partenaire", "Partenaire (organisme habilité)")} == set(sirets)


def test_the_command_line_writes_a_partners_pack(sample_cli, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "p.xlsx"
    code, stdout, _ = sample_cli("renewal", CODE, "--siret", "861 048 352 00012", "--out", out)
    assert code == 0, stdout
    book = load_workbook(out)
    assert book["Statistiques"]["A3"].value == "Partenaire : Web Académie Brest (SIRET 86104835200012)"
    assert "Habilité à former seulement" in stdout  # its own habilitation finding, in the alerts
    code, _, err = sample_cli("renewal", CODE, "--siret", "123", "--out", tmp_path / "x.xlsx")
    assert code != 0 and "SIRET invalide" in err and not (tmp_path / "x.xlsx").exists()
