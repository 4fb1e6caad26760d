"""Accounts and roles over HTTP against real servers (issue #16): sign-in, sessions, the authorisation
matrix of every callback of every page for each role and every filter value, the partner's rows.

Two servers: the shared sample as it is (no mart has a partner column yet: a partner receives nothing),
served by gunicorn with two processes on 0.0.0.0 (off the loopback, accounts required); and a copy of the
sample whose ``mart_outcome_counts`` carries ``partner_siret`` (sites of Lyon and Nantes: partner A; the
others: partner B), as the partner marts will: each partner receives its rows and never the other's.
"""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import duckdb
import pytest

from pipeline.core.accounts import AccountStore
from pipeline.core.labels import route_label
from pipeline.indicators.formats import parse_int
from tests.servers import ACCOUNTS, PASSWORD, SITES, A, B, Client, signed_in, start_server, stop

PARTNER = {"of-a": A, "of-b": B}


@pytest.fixture(scope="module")
def today(sample_warehouse, accounts_file):
    """The sample as built today, gunicorn with two processes, bound to 0.0.0.0."""
    url, proc = start_server(
        sample_warehouse.warehouse,
        sample_warehouse.key_file,
        accounts_file,
        "--prod",
        "--workers",
        "2",
        "--host",
        "0.0.0.0",
    )
    yield url
    stop(proc)


@pytest.fixture(scope="module")
def with_partners(partner_snapshot, sample_warehouse, accounts_file):
    """Dash's server on the loopback: accounts exist, so signing in is required there too."""
    url, proc = start_server(
        partner_snapshot.with_name("insertion.duckdb"), sample_warehouse.key_file, accounts_file
    )
    yield url
    stop(proc)


# --- payloads, as the browser builds them from /_dash-dependencies -------------------------------------


def split_outputs(output: str) -> list[dict]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    out = []
    for part in parts:
        ident, prop = part.rsplit(".", 1)
        out.append(
            {"id": json.loads(ident) if ident.startswith("{") else ident, "property": prop.split("@")[0]}
        )
    return out


def payload(dep: dict, value) -> dict:
    outputs = split_outputs(dep["output"])
    inputs = [
        {"id": i["id"], "property": i["property"], "value": value(i["id"], i["property"])}
        for i in dep["inputs"]
    ]
    state = [
        {"id": s["id"], "property": s["property"], "value": value(s["id"], s["property"])}
        for s in dep["state"]
    ]
    return {
        "output": dep["output"],
        "outputs": outputs if dep["output"].startswith("..") else outputs[0],
        "inputs": inputs,
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
        "state": state,
    }


def download_payload(dep: dict, table: str, rows: list[dict]) -> dict:
    button = {"format": "csv", "table": table, "type": "download-button"}
    return {
        "output": dep["output"],
        "outputs": {"id": {"table": table, "type": "download"}, "property": "data"},
        "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
        "changedPropIds": [json.dumps(button, sort_keys=True, separators=(",", ":")) + ".n_clicks"],
        "state": [
            {"id": {"table": table, "type": "table"}, "property": "data", "value": rows},
            {
                "id": {"table": table, "type": "table"},
                "property": "columns",
                "value": [{"id": "c", "name": "C"}],
            },
            {"id": "url", "property": "pathname", "value": "/"},
            {"id": "url", "property": "hash", "value": ""},
        ],
    }


@pytest.fixture(scope="module")
def deps(today) -> dict[str, dict]:
    """The server-side callbacks, by their first output's component."""
    client = signed_in(today, "chef")
    found = {}
    for dep in json.loads(client.request("/_dash-dependencies")[2]):
        if dep.get("clientside_function"):
            continue
        found[split_outputs(dep["output"])[0]["id"].__str__()] = dep
    return found


def filter_variants(snapshot: Path) -> list[dict]:
    """No filter, then every single value of every filter (certification, year, access route, site)."""
    with duckdb.connect(str(snapshot), read_only=True) as con:
        values = {
            column: [
                r[0]
                for r in con.execute(
                    f"select distinct {column} from mart_outcome_counts order by 1"
                ).fetchall()
            ]
            for column in ("certification_code", "year", "access_route", "site")
        }
    variants = [{}]
    for column, key in [
        ("certification_code", "certification"),
        ("year", "year"),
        ("access_route", "access_route"),
        ("site", "site"),
    ]:
        variants += [{key: [v]} for v in values[column]]
    return variants


def chooser(chosen: dict, code: str, wave: int = 6):
    def value(component, prop):
        if isinstance(component, dict):
            return None
        if component == "certification-certification":
            return code
        for key in ("certification", "year", "access_route", "site"):
            if component.endswith("-" + key):
                return chosen.get(key, [])
        if component.endswith("wave"):
            return wave
        if component == "voies-rate":
            return "insertion_rate_6m"
        if component == "qualite-run":
            return 1
        if component.endswith(("-run", "-button")):
            return 1
        if component == "sql-query":
            return "select certification_code, site, certified from mart_outcome_counts"
        if component == "url":
            return "/" if prop == "pathname" else ""
        return None

    return value


DATA_CALLBACKS = [
    "overview-kpis",
    "overview-funnel",
    "certification-summary",
    "certification-renewal-download",
    "metiers-share",
    "voies-graph",
    "enquetes-timeline",
    "partenaires-partners",
    "qualite-results",
    "journal-rows",
]


def response(body: bytes) -> dict:
    return json.loads(body)["response"]


def tables(resp: dict) -> dict[str, list]:
    return {json.loads(k)["table"]: v["data"] for k, v in resp.items() if k.startswith("{") and "data" in v}


def points(resp: dict) -> int:
    """Data points in the figures of a response."""
    n = 0
    for props in resp.values():
        for trace in (props.get("figure") or {}).get("data", []):
            n += sum(len(trace.get(axis) or []) for axis in ("x", "y", "values"))
    return n


def by_year(rows: list[dict]) -> dict[int, int]:
    return {int(r["year"]): parse_int(r["certified"]) for r in rows}


# --- the tests ------------------------------------------------------------------------------------


def test_nothing_without_signing_in(today, with_partners):
    for url in (today, with_partners):
        client = Client(url)
        status, headers, _ = client.request("/voies?x=1")
        assert status == 302 and headers["Location"].startswith("/login?next=/voies")
        assert client.request("/_dash-layout")[0] == 401
        assert client.request("/_dash-dependencies")[0] == 401
        assert client.post({"output": "overview-funnel.figure"})[0] == 401
        assert client.request("/data-docs/")[0] == 401
        status, _, page = client.request("/login")
        assert status == 200 and b"Connexion" in page and b'lang="fr"' in page


def test_wrong_password_unknown_user_and_forged_form_are_refused(with_partners):
    client = Client(with_partners)
    status, _, page = client.login("chef", "pas-le-bon-mot")
    assert status == 401 and "Identifiant ou mot de passe incorrect" in page.decode()
    status, _, page = client.login("personne", PASSWORD)
    assert status == 401 and "Identifiant ou mot de passe incorrect" in page.decode()
    form = urllib.parse.urlencode({"username": "chef", "password": PASSWORD, "csrf": "forged"}).encode()
    status, _, page = Client(with_partners).request(
        "/login", form, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 400 and "expiré" in page.decode()
    assert client.request("/_dash-layout")[0] == 401


def test_session_cookie_is_httponly_strict_and_signed(with_partners):
    client = Client(with_partners)
    _, headers, _ = client.login("chef", next_path="//evil.example/")
    cookie = headers["Set-Cookie"]
    assert cookie.startswith("insertion_session=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # plain HTTP here; Secure over HTTPS
    assert headers["Location"] == "/"  # never sent to another site after signing in
    _, headers, _ = Client(with_partners).login("chef", next_path="/voies#cert=RNCP34179")
    assert headers["Location"] == "/voies#cert=RNCP34179"
    forged = Client(with_partners)
    forged.jar.set_cookie(next(iter(client.jar)))
    value = next(iter(forged.jar))
    value.value = value.value[:-3] + ("AAA" if not value.value.endswith("AAA") else "BBB")
    assert forged.request("/_dash-layout")[0] == 401
    _, headers, _ = Client(with_partners).request("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in headers["Set-Cookie"]


def test_logout_and_a_changed_password_end_the_session(with_partners, accounts_file):
    client = signed_in(with_partners, "chef")
    assert client.request("/_dash-layout")[0] == 200
    status, headers, _ = client.logout()
    assert status == 302 and headers["Location"] == "/login?sortie=1"
    assert client.request("/_dash-layout")[0] == 401
    assert "Vous êtes déconnecté" in client.request("/login?sortie=1")[2].decode()
    other = signed_in(with_partners, "change")
    assert other.request("/_dash-layout")[0] == 200
    AccountStore(accounts_file).passwd("change", "un-tout-nouveau-mot")
    assert other.request("/_dash-layout")[0] == 401


def test_failed_sign_ins_lock_the_account_across_processes(today):
    """gunicorn's two processes share the counts: five failures, then even the right password waits."""
    for _ in range(5):
        assert Client(today).login("verrou", "mauvais-mot-de-passe")[0] == 401
    status, _, page = Client(today).login("verrou")
    assert status == 429 and "Trop de tentatives infructueuses : réessayez dans 1 minute." in page.decode()
    assert Client(today).login("qualiticien")[0] == 302  # the other accounts are not locked


def decoded(body: bytes) -> str:
    """A response as text, JSON unescaped (« é », « — »)."""
    try:
        return json.dumps(json.loads(body), ensure_ascii=False)
    except ValueError:
        return body.decode()


def components(node):
    """Every component of a Dash layout (JSON), depth first."""
    if isinstance(node, list):
        for item in node:
            yield from components(item)
    elif isinstance(node, dict) and "props" in node:
        yield node
        yield from components(node["props"].get("children"))


# the pages each test account may open (dashboard/access.py)
EVERY_PAGE = {
    "overview",
    "certification",
    "metiers",
    "voies",
    "enquetes",
    "partenaires",
    "qualite",
    "sql",
    "journal",
}
ALLOWED = {
    "chef": EVERY_PAGE,
    "qualiticien": EVERY_PAGE - {"sql", "journal"},  # the journal: the direction only (issue #25)
    "ana": {"sql"},
    "of-a": EVERY_PAGE - {"sql", "journal"},
}


def test_header_and_menu_follow_the_role(today):
    roles = {"chef": "Direction", "qualiticien": "Qualité", "ana": "Analyste", "of-a": "Partenaire"}
    expected = {name: (ALLOWED[name], f"{name} — {role}") for name, role in roles.items()}
    for name, (pages, who) in expected.items():
        body = signed_in(today, name).request("/_dash-layout")[2]
        nav = {
            c["props"]["id"].removeprefix("nav-"): c["props"]
            for c in components(json.loads(body))
            if str(c["props"].get("id", "")).startswith("nav-")
        }
        assert len(nav) == 9  # every page's link exists (the menu's callback updates them all) …
        shown = {page for page, props in nav.items() if props.get("children") and not props.get("style")}
        assert shown == pages, name  # … but only the allowed pages are named and shown
        assert all(
            props.get("style") == {"display": "none"} for page, props in nav.items() if page not in pages
        )
        assert who in decoded(body) and "Se déconnecter" in decoded(body)


def test_authorisation_matrix(today, deps, sample_warehouse):
    """Every role, every server-side callback, with filter values: refused where the role may not go;
    a partner whose SIRET is in none of the sample's rows receives none of them."""
    variants = filter_variants(sample_warehouse.snapshot)
    codes = sorted({v["certification"][0] for v in variants if "certification" in v})
    for name, pages in ALLOWED.items():
        client = signed_in(today, name)
        partner = name in PARTNER
        for key in DATA_CALLBACKS + ["sql-result"]:
            dep = next(d for k, d in deps.items() if k.startswith(key) or key in k)
            page = key.split("-")[0]
            tried = variants if partner and page != "certification" else variants[:1]
            for chosen in tried:
                for code in codes if page == "certification" and partner else codes[:1]:
                    status, body = client.post(payload(dep, chooser(chosen, code)))
                    if page not in pages:
                        assert status == 403 and "Accès refusé" in decoded(body), (name, key)
                        continue
                    assert status in (200, 204), (name, key, chosen, body[:300])
                    if status == 204:
                        continue
                    resp = response(body)
                    if partner:
                        assert all(rows == [] for rows in tables(resp).values()), (name, key, chosen)
                        assert points(resp) == 0, (name, key, chosen)
                        for site in SITES[A] | SITES[B]:
                            assert site not in decoded(body), (name, key, chosen, site)
                    if key == "overview-kpis" and not partner:
                        assert tables(resp)["overview-years"], name
                    if key == "sql-result":
                        assert len(tables(resp)["sql-result"]) == 86, name
        # downloads: the table's page decides; the rows are the browser's own
        for table in ("overview-years", "sql-result"):
            status, body = client.post(
                download_payload(deps[str({"table": ["MATCH"], "type": "download"})], table, [{"c": "x"}])
            )
            assert (status == 200) == (table.split("-")[0] in pages), (name, table, status)
        # the pages' layouts, through Dash's router
        for page_path, page in [
            ("/", "overview"),
            ("/sql", "sql"),
            ("/qualite", "qualite"),
            ("/journal", "journal"),
        ]:
            status, body = client.post(
                payload(deps["_pages_content"], lambda _c, prop, p=page_path: p if prop == "pathname" else "")
            )
            assert status == 200
            assert ("Accès refusé" in decoded(body)) == (page not in pages), (name, page)
            if partner and page not in ("sql", "journal"):
                assert "Aucune donnée de vos organismes (SIRET 12345678900015)" in decoded(body)
        # the Data Docs hold every partner's sample values
        status = client.request("/data-docs/")[0]
        assert (status == 403) == partner, (name, status)


def test_sql_callback_itself_refuses_non_analysts(sample_warehouse, tmp_path):
    """Behind the request guard, the SQL page's callback checks the role again."""
    from flask import g

    from dashboard.app import create_app

    store = AccountStore(tmp_path / "accounts.json")
    for name, (role, sirets) in list(ACCOUNTS.items())[:4]:
        store.add(name, role, PASSWORD, sirets)
    app = create_app(sample_warehouse.snapshot, accounts=store.path)
    from dashboard.pages import sql  # registered by create_app

    for name, refused in [("chef", False), ("qualiticien", True), ("ana", False), ("of-a", True)]:
        with app.server.test_request_context("/_dash-update-component", method="POST"):
            g.insertion_account = store.get(name)
            rows, _, message, css = sql.run(1, "select 1 as un")
            assert (rows == [] and "Accès refusé" in message and "error" in css) == refused, name
            assert (rows == [{"un": 1}]) == (not refused), name
    with app.server.test_request_context("/_dash-update-component", method="POST"):  # nobody signed in
        assert "Accès refusé" in sql.run(1, "select 1 as un")[2]


def test_partner_receives_its_rows_and_never_the_others(with_partners, partner_snapshot):
    """Once a mart has partner_siret, each partner's figures are those of its rows, whatever the filters
    it sends (another partner's certification or site included)."""
    client_deps = json.loads(signed_in(with_partners, "chef").request("/_dash-dependencies")[2])
    deps = {
        split_outputs(d["output"])[0]["id"].__str__(): d
        for d in client_deps
        if not d.get("clientside_function")
    }
    variants = filter_variants(partner_snapshot)
    con = duckdb.connect(str(partner_snapshot), read_only=True)

    def expected(siret: str, chosen: dict, by: str) -> dict:
        conditions, params = ["partner_siret = ?"], [siret]
        for key, column in [
            ("certification", "certification_code"),
            ("year", "year"),
            ("access_route", "access_route"),
            ("site", "site"),
        ]:
            if chosen.get(key):
                conditions.append(f"{column} = ?")
                params.append(chosen[key][0])
        rows = con.execute(
            f"select {by}, sum(certified) from mart_outcome_counts where {' and '.join(conditions)} group by all",
            params,
        ).fetchall()
        return {r[:-1] if len(r) > 2 else r[0]: int(r[-1]) for r in rows}

    checked = 0
    for name, siret in PARTNER.items():
        client = signed_in(with_partners, name)
        others = SITES[B if siret == A else A]
        for chosen in variants:
            status, body = client.post(payload(deps["overview-kpis"], chooser(chosen, "")))
            assert status == 200
            text = body.decode()
            assert by_year(tables(response(body))["overview-years"]) == expected(siret, chosen, "year"), (
                name,
                chosen,
            )
            status, body = client.post(payload(deps["voies-graph"], chooser(chosen, "")))
            routes = {
                (int(r["year"]), r["route"]): parse_int(r["certified"])
                for r in tables(response(body))["voies-routes"]
            }
            assert routes == {
                (year, route_label(route)): n
                for (year, route), n in expected(siret, chosen, "year, access_route").items()
            }, (name, chosen)
            text += body.decode()
            assert not any(site in text for site in others), (name, chosen)
            checked += bool(routes)
        layout = client.post(
            payload(deps["_pages_content"], lambda _c, prop: "/" if prop == "pathname" else "")
        )[1]
        assert all(site in layout.decode() for site in SITES[siret])  # its sites in the filters
        assert not any(site in layout.decode() for site in others)  # never the others'
    assert checked > 10  # the partners did receive rows
    con.close()


def test_serve_refuses_other_hosts_without_accounts(sample_settings, tmp_path, monkeypatch, capsys):
    from pipeline.cli import main

    monkeypatch.setenv("INSERTION_ACCOUNTS", str(tmp_path / "accounts.json"))
    monkeypatch.setenv("INSERTION_DASHBOARD_PASSWORD", "un-mot-de-passe-partage")  # no longer enough
    for host in ["0.0.0.0", "192.168.1.10", "::"]:
        with pytest.raises(SystemExit) as refused:
            main(["serve", "--host", host, "--port", "1"])
        text = str(refused.value.code)
        assert f"Refus d'écouter sur {host} sans comptes" in text and "insertion users add" in text
        assert str(tmp_path / "accounts.json") in text
