"""Issue #25 over HTTP, against real servers: the security review's defects and the audit journal.

One gunicorn server as ``insertion serve --prod`` runs it by default on two cores (four processes), over the
shared sample, with accounts of its own (so its journal, session key and counters are this module's) and
127.0.0.1 as its trusted proxy, so that a test can speak from several client addresses (X-Forwarded-For).
A Dash development server with sessions of a few seconds checks their absolute end.
"""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote

import pytest

from pipeline.core import accounts, audit
from pipeline.core.audit import Journal
from tests.e2e.test_access_http import download_payload, payload, split_outputs
from tests.helpers import ROOT
from tests.servers import PASSWORD, Client, signed_in, start_server, stop, write_accounts

SLOW_SQL = "select count(*) from range(100000) a, range(1000000) b"  # far longer than the page's 10 s


@pytest.fixture(scope="module")
def own_accounts(tmp_path_factory) -> Path:
    return write_accounts(tmp_path_factory.mktemp("security") / "accounts.json")


@pytest.fixture(scope="module")
def prod(sample_warehouse, own_accounts):
    url, proc = start_server(
        sample_warehouse.warehouse,
        sample_warehouse.key_file,
        own_accounts,
        "--prod",
        "--workers",
        "4",
        env={"INSERTION_TRUSTED_PROXIES": "127.0.0.1"},
    )
    yield url, proc
    stop(proc)


@pytest.fixture(scope="module")
def url(prod) -> str:
    return prod[0]


@pytest.fixture(scope="module")
def journal(own_accounts) -> Journal:
    return Journal(audit.journal_path(own_accounts))


@pytest.fixture(scope="module")
def deps(url) -> dict[str, dict]:
    found = {}
    for dep in json.loads(signed_in(url, "chef").request("/_dash-dependencies")[2]):
        if not dep.get("clientside_function"):
            found[str(split_outputs(dep["output"])[0]["id"])] = dep
    return found


def dep_of(deps: dict, key: str) -> dict:
    return next(d for k, d in deps.items() if key in k)


def last_id(journal: Journal) -> int:
    rows = journal.rows(limit=1) if journal.path.exists() else []
    return rows[0]["id"] if rows else 0


def since(journal: Journal, first: int) -> list[dict]:
    """The rows written after row ``first``, oldest first."""
    return sorted((r for r in journal.rows() if r["id"] > first), key=lambda r: r["id"])


# --- 1. the redirect after signing in ----------------------------------------------------------------

ESCAPES = [
    "/\t/evil.example/",
    "/\t\t/evil.example/",
    "\t//evil.example/",
    "/\n/evil.example/",
    "/\r/evil.example/",
    "/\r\n/evil.example/",
    "/\x0b/evil.example/",
    "/\x0c/evil.example/",
    "/\x00/evil.example/",
    "/ /evil.example/",
    "/\u00a0/evil.example/",
    "/\u200b/evil.example/",
    "/\\evil.example/",
    "/\\/evil.example/",
    "//evil.example/",
    "///evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "/login?next=//evil.example/",
]


def test_the_page_after_signing_in_is_always_on_this_site(url):
    """``/login?next=/%09/evil.example/`` answered ``Location: //evil.example/`` (the tab stripped after the
    check): every spelling of another site now leads home."""
    for target in ESCAPES:
        status, headers, _ = Client(url).login("chef", next_path=target)
        location = headers["Location"]
        assert status == 302 and location == "/", (target, location)
    # the tab as the issue sent it, through the link: the form carries « / » only
    page = Client(url).request("/login?next=/%09/evil.example/")[2].decode()
    assert 'name="next" value="/"' in page
    page = Client(url).request("/login?next=" + quote("/voies?x=1#cert=RNCP34179", safe=""))[2].decode()
    assert 'name="next" value="/voies?x=1#cert=RNCP34179"' in page
    status, headers, _ = Client(url).login("chef", next_path="/voies?x=1#cert=RNCP34179")
    assert headers["Location"] == "/voies?x=1#cert=RNCP34179"  # a path of this site is kept


# --- 2, 3. sessions and signing out ----------------------------------------------------------------


def test_logout_ends_the_session_even_for_a_copied_cookie(url):
    client = Client(url)
    status, headers, _ = client.login("chef")
    assert status == 302
    ends = parsedate_to_datetime(headers["Set-Cookie"].split("Expires=")[1].split(";")[0])
    assert abs((ends - datetime.now(UTC)).total_seconds() - 10 * 3600) < 120  # 10 hours from sign-in
    copy = Client(url)
    copy.jar.set_cookie(next(iter(client.jar)))
    for _ in range(3):  # activity never re-issues the cookie (a copied cookie does not live for ever)
        status, headers, _ = client.request("/_dash-layout")
        assert status == 200 and "Set-Cookie" not in headers
    assert copy.request("/_dash-layout")[0] == 200
    # a plain GET (a link, an image of another site) signs nobody out
    status, headers, body = client.request("/logout")
    assert status == 405 and headers.get("Allow") == "POST" and "Se déconnecter" in body.decode()
    assert client.request("/_dash-layout")[0] == 200
    # a POST without the session's token neither
    assert client.logout(token="forged")[0] == 400
    assert client.request("/_dash-layout")[0] == 200
    status, headers, _ = client.logout()
    assert status == 302 and headers["Location"] == "/login?sortie=1"
    assert client.request("/_dash-layout")[0] == 401
    assert copy.request("/_dash-layout")[0] == 401  # the old cookie is worth nothing now
    assert copy.post({"output": "overview-funnel.figure"})[0] == 401


def test_deleting_or_replacing_the_session_key_ends_every_session(url, own_accounts):
    key = accounts.session_key_path(own_accounts)
    first, second = signed_in(url, "chef"), signed_in(url, "qualiticien")
    key.unlink()
    for client in (first, second):
        for _ in range(4):  # whichever process answers
            assert client.request("/_dash-layout")[0] == 401
    assert key.exists()  # a new key was made; signing in works again
    again = signed_in(url, "chef")
    assert again.request("/_dash-layout")[0] == 200
    key.write_bytes(os.urandom(32).hex().encode())  # rotated by hand
    for _ in range(4):
        assert again.request("/_dash-layout")[0] == 401
    assert signed_in(url, "chef").request("/_dash-layout")[0] == 200


def test_a_session_ends_at_its_absolute_end_however_active(sample_warehouse, tmp_path):
    accounts_file = write_accounts(tmp_path / "accounts.json")
    url, proc = start_server(
        sample_warehouse.warehouse,
        sample_warehouse.key_file,
        accounts_file,
        env={"INSERTION_SESSION_HOURS": "0.002"},  # 7.2 seconds
    )
    try:
        client = signed_in(url, "chef")
        started = time.monotonic()
        while time.monotonic() - started < 5:
            assert client.request("/_dash-layout")[0] == 200
            time.sleep(0.5)
        time.sleep(max(0.0, 7.2 - (time.monotonic() - started)) + 0.5)
        assert client.request("/_dash-layout")[0] == 401
    finally:
        stop(proc)


# --- 5. throttling ------------------------------------------------------------------------------------


def test_a_wrong_password_flood_from_one_address_locks_nobody_else(url, journal):
    """20 wrong sign-ins from one address gave 429 to everyone there, the director with the right password
    included. Now: the guessed account waits from that address only; every other account signs in."""
    first = last_id(journal)
    attacker = "198.51.100.7"
    for i in range(25):
        name = "verrou" if i < 5 else f"inconnu{i}"
        assert Client(url, attacker).login(name, "mauvais-mot-de-passe")[0] == 401
    status, headers, _ = Client(url, attacker).login("chef")  # same address, right password
    assert status == 302 and "/login" not in headers["Location"]
    assert Client(url, attacker).login("qualiticien")[0] == 302
    status, _, page = Client(url, attacker).login("verrou")  # the guessed account, from the guesser
    assert status == 429 and "réessayez dans" in page.decode()
    assert Client(url, "203.0.113.9").login("verrou")[0] == 302  # its owner, elsewhere
    rows = since(journal, first)
    failures = [r for r in rows if r["action"] == "connexion" and r["outcome"] == "echec"]
    assert len(failures) == 25 and {r["address"] for r in failures} == {attacker}
    assert [(r["user"], r["address"]) for r in rows if r["outcome"] == "verrou"] == [("verrou", attacker)]
    assert [
        (r["user"], r["address"]) for r in rows if r["action"] == "connexion" and r["outcome"] == "ok"
    ] == [
        ("chef", attacker),
        ("qualiticien", attacker),
        ("verrou", "203.0.113.9"),
    ]


# --- 4. the SQL limit is the server's --------------------------------------------------------------------


def sql_workers(root: int) -> list[int]:
    """The analysts' query processes under the server's process ``root``: (pid, resident bytes)."""
    parents, commands = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                parents[int(entry)] = int(handle.read().rsplit(b")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                commands[int(entry)] = handle.read()
        except (OSError, ValueError, IndexError):
            continue
    found = []
    for pid, command in commands.items():
        if b"pipeline.reports.usersql" not in command:
            continue
        ancestor = parents.get(pid)
        while ancestor and ancestor != root and ancestor > 1:
            ancestor = parents.get(ancestor)
        if ancestor == root:
            found.append(pid)
    return found


def resident(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def test_twelve_concurrent_queries_never_exceed_the_server_limit(prod, deps, journal):
    """Under --prod (four processes), 12 simultaneous queries ran 7–8 workers while the message said « Déjà 2
    requêtes ». Now at most 2 run on the whole server, and one per person."""
    from pipeline.reports import usersql

    url, proc = prod
    dep = dep_of(deps, "sql-result")
    people = ["ana", "ana2", "ana3", "chef"]
    clients = [signed_in(url, name) for name in people for _ in range(3)]
    first = last_id(journal)
    answers: list[tuple[str, str]] = []
    seen: list[int] = []
    memory: list[int] = []
    done = threading.Event()

    def watch():
        while not done.is_set():
            workers = sql_workers(proc.pid)
            seen.append(len(workers))
            memory.append(sum(resident(pid) for pid in workers))
            time.sleep(0.02)

    def ask(client: Client, name: str, barrier: threading.Barrier):
        body = payload(dep, lambda c, p: SLOW_SQL if c == "sql-query" else 1 if c == "sql-run" else None)
        barrier.wait()
        status, response = client.post(body)
        assert status == 200, response[:300]
        message = json.loads(response)["response"]["sql-message"]["children"]
        answers.append((name, message))

    barrier = threading.Barrier(len(clients))
    watcher = threading.Thread(target=watch)
    watcher.start()
    threads = [threading.Thread(target=ask, args=(c, people[i // 3], barrier)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    done.set()
    watcher.join()
    assert len(answers) == 12
    assert max(seen) <= usersql.MAX_RUNNING, max(seen)
    assert max(seen) >= 1  # the watcher did see the queries run
    ran = [name for name, text in answers if "plus de 10 secondes" in text]
    server_busy = [name for name, text in answers if "sur ce serveur (tous utilisateurs)" in text]
    person_busy = [name for name, text in answers if "Vous avez déjà une requête SQL en cours" in text]
    assert len(ran) + len(server_busy) + len(person_busy) == 12, answers
    assert 1 <= len(ran) <= usersql.MAX_RUNNING and len(set(ran)) == len(ran)  # one per person at most
    assert max(memory) <= usersql.MAX_RUNNING * usersql.PROCESS_MEMORY
    rows = [r for r in since(journal, first) if r["action"] == "sql"]
    assert len(rows) == 12 and sorted(r["user"] for r in rows) == sorted(people * 3)
    assert sum(r["outcome"] == "refus" for r in rows) == 12  # interrupted or refused: none gave rows
    assert all(r["details"]["requete"] == SLOW_SQL for r in rows)
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    (ROOT / "test-artifacts" / "sql-concurrency.json").write_text(
        json.dumps(
            {
                "workers_max": max(seen),
                "resident_bytes_max": max(memory),
                "ran": len(ran),
                "refused_server": len(server_busy),
                "refused_person": len(person_busy),
            }
        )
    )


# --- the audit journal ---------------------------------------------------------------------------------


def test_each_audited_action_writes_exactly_one_row(url, deps, journal):
    chef = Client(url, "192.0.2.10")

    def step(action, expected: int = 1):
        before = last_id(journal)
        action()
        return since(journal, before)

    rows = step(lambda: chef.login("chef"))
    assert [(r["action"], r["outcome"], r["user"], r["role"], r["address"], r["channel"]) for r in rows] == [
        ("connexion", "ok", "chef", "direction", "192.0.2.10", "web")
    ]
    rows = step(lambda: Client(url, "192.0.2.11").login("chef", "mauvais-mot-de-passe"))
    assert [(r["action"], r["outcome"], r["user"]) for r in rows] == [("connexion", "echec", "chef")]

    pages = dep_of(deps, "_pages_content")
    rows = step(lambda: chef.post(payload(pages, lambda _c, p: "/voies" if p == "pathname" else "")))
    assert [(r["action"], r["details"]) for r in rows] == [("page", {"chemin": "/voies"})]

    kpis = dep_of(deps, "overview-kpis")

    def chosen(component, _prop):
        return {
            "overview-certification": ["RNCP34179"],
            "overview-partner": ["12345678900015"],
            "overview-year": [2017],
        }.get(component, [] if isinstance(component, str) and component.startswith("overview-") else None)

    rows = step(lambda: chef.post(payload(kpis, chosen)))
    assert len(rows) == 1 and rows[0]["action"] == "rappel" and rows[0]["user"] == "chef"
    details = rows[0]["details"]
    assert details["certification"] == ["RNCP34179"] and details["partner"] == ["12345678900015"]
    assert details["year"] == [2017] and details["rappel"].startswith("overview-")

    download = dep_of(deps, "'type': 'download'")
    rows = step(lambda: chef.post(download_payload(download, "overview-years", [{"c": "x"}, {"c": "y"}])))
    assert [(r["action"], r["details"]["lignes"], r["details"]["table"]) for r in rows] == [
        ("telechargement", 2, "overview-years")
    ]
    assert rows[0]["details"]["fichier"].startswith("vue-d-ensemble_par-annee_") and rows[0]["details"][
        "fichier"
    ].endswith(".csv")

    sql = dep_of(deps, "sql-result")
    query = "select certification_code, count(*) as n from fct_certified group by 1"
    rows = step(lambda: chef.post(payload(sql, lambda c, p: query if c == "sql-query" else None)))
    assert [(r["action"], r["outcome"], r["details"]["requete"], r["details"]["lignes"]) for r in rows] == [
        ("sql", "ok", query, 3)
    ]
    assert rows[0]["details"]["secondes"] >= 0

    quality = signed_in(url, "qualiticien")
    rows = step(lambda: quality.post(payload(sql, lambda c, p: query if c == "sql-query" else None)))
    assert [(r["action"], r["outcome"], r["user"]) for r in rows] == [("rappel", "refus", "qualiticien")]

    reader = dep_of(deps, "journal-rows")

    def read(who):
        return chef.post(payload(reader, lambda c, p: who if c == "journal-user" else None))

    rows = step(lambda: read("qualiticien"))
    assert [(r["action"], r["details"]) for r in rows] == [("journal", {"personne": "qualiticien"})]
    shown = json.loads(read("qualiticien")[1])["response"]
    table = next(v["data"] for k, v in shown.items() if "journal-rows" in k)
    assert table and {r["user"] for r in table} == {"qualiticien"}  # the filter applies
    assert {r["action"] for r in table} >= {"Connexion", "Données consultées"}

    rows = step(lambda: chef.logout())
    assert [(r["action"], r["user"]) for r in rows] == [("deconnexion", "chef")]
    assert journal.verify() == []


def test_the_journal_is_the_directions_alone(url, deps, journal):
    reader = dep_of(deps, "journal-rows")
    for name in ("qualiticien", "ana", "of-a"):
        client = signed_in(url, name)
        status, body = client.post(payload(reader, lambda c, p: None))
        assert status == 403 and "Accès refusé" in body.decode(), name
        layout = client.post(
            payload(dep_of(deps, "_pages_content"), lambda _c, p: "/journal" if p == "pathname" else "")
        )[1]
        text = json.dumps(json.loads(layout), ensure_ascii=False)
        assert "Accès refusé" in text and "journal-rows" not in text, name


def test_no_route_can_change_or_delete_the_journal(url, deps, journal, sample_warehouse):
    """Every row already written stays as it was, whatever is sent to whichever route; the chain holds."""
    chef = signed_in(url, "chef")
    before = {r["id"]: r for r in journal.rows()}
    assert before
    attempts = [
        ("DELETE", "/journal"),
        ("PUT", "/journal"),
        ("PATCH", "/journal"),
        ("POST", "/journal"),
        ("DELETE", "/_dash-update-component"),
        ("PUT", "/_dash-update-component"),
        ("DELETE", "/login"),
        ("PUT", "/logout"),
        ("POST", "/data-docs/index.html"),
        ("DELETE", "/data-docs/index.html"),
    ]
    for method, path in attempts:
        import urllib.request

        request = urllib.request.Request(url + path, data=b"{}", method=method)
        try:
            status = chef.opener.open(request, timeout=30).status
        except Exception as exc:  # noqa: BLE001 - the HTTP error carries the status
            status = getattr(exc, "code", 0)
        assert status in (400, 401, 403, 404, 405), (method, path, status)
    # what the SQL page could try: the journal is in no table it reads, and files are closed to it
    sql = dep_of(deps, "sql-result")
    for query in (
        "select * from journal",
        f"select * from read_text('{journal.path}')",
        f"attach '{journal.path}' as j (type sqlite)",
    ):
        status, body = chef.post(payload(sql, lambda c, p, q=query: q if c == "sql-query" else None))
        message = json.loads(body)["response"]["sql-message"]["children"]
        assert "Erreur" in message and "lignes" not in message, (query, message)
    # a callback that names the journal's table with made-up values changes nothing
    reader = dep_of(deps, "journal-rows")
    forged = payload(reader, lambda c, p: "'; delete from journal; --" if c == "journal-user" else None)
    assert chef.post(forged)[0] == 200
    after = {r["id"]: r for r in journal.rows()}
    assert {i: after[i] for i in before} == before  # nothing written is changed or gone
    assert journal.verify() == []
    # the server's routes: none but these (Dash's own, signing in and out, the Data Docs)
    from dashboard.app import create_app

    app = create_app(sample_warehouse.snapshot, accounts=Path(journal.path).with_name("accounts.json"))
    rules = {
        (r.rule, tuple(sorted(r.methods - {"HEAD", "OPTIONS"}))) for r in app.server.url_map.iter_rules()
    }
    writable = {rule for rule, methods in rules if set(methods) - {"GET"}}
    assert writable == {"/login", "/logout", "/_dash-update-component"}, writable


def test_commands_write_their_rows_and_insertion_audit_reads_them(sample_copy, cli, tmp_path, monkeypatch):
    monkeypatch.setenv("INSERTION_ACCOUNTS", str(tmp_path / "config" / "accounts.json"))
    journal = Journal(audit.journal_path(tmp_path / "config" / "accounts.json"))
    code, _, err = cli(
        "review", "Webmaster e-business", "--rome", "E1101", "--by", "C. Moreau", "--why", "site"
    )
    assert code == 0, err
    code, _, err = cli("sql", "select 1 as un")
    assert code == 0, err
    code, _, _ = cli("sql", "drop table fct_certified")
    assert code == 2
    code, _, err = cli("declare", "RNCP34179", "--to", "France Compétences", "--out-dir", tmp_path / "decl")
    assert code == 0, err
    rows = sorted(journal.rows(), key=lambda r: r["id"])
    assert [(r["action"], r["outcome"], r["channel"]) for r in rows] == [
        ("revue", "ok", "cli"),
        ("sql", "ok", "cli"),
        ("sql", "refus", "cli"),
        ("declaration", "ok", "cli"),
    ]
    assert rows[0]["details"]["par"] == "C. Moreau" and rows[0]["details"]["rome"] == "E1101"
    assert rows[1]["details"] == {
        "lignes": 1,
        "requete": "select 1 as un",
        "secondes": rows[1]["details"]["secondes"],
    }
    assert rows[3]["details"]["certification"] == "RNCP34179" and rows[3]["details"]["declaration"] == 1
    assert all(r["user"] == audit.os_user() for r in rows)
    code, out, _ = cli("audit", "--action", "sql")
    assert code == 0 and out.count("Requête SQL") == 2 and "select 1 as un" in out
    code, out, _ = cli("audit", "--since", "1", "--format", "csv")
    assert code == 0 and "Déclaration" in out and "Décision de relecture" in out
    code, out, _ = cli("audit", "--verify")
    assert code == 0 and "intact" in out
    # issue #25, permissions: the warehouse, its snapshot, the declaration (its manifest lists people and
    # their answers) and the configuration folder are their owner's only
    manifest = tmp_path / "decl" / "manifest.json"
    for path, mode in [
        (sample_copy.warehouse, 0o600),
        (sample_copy.snapshot, 0o600),
        (sample_copy.warehouse.parent, 0o700),
        (manifest, 0o600),
        (tmp_path / "decl", 0o700),
        (journal.path, 0o600),
        (journal.path.parent, 0o700),
    ]:
        assert stat.S_IMODE(path.stat().st_mode) == mode, (path, oct(path.stat().st_mode))
    # a row changed outside the product shows
    import sqlite3

    con = sqlite3.connect(journal.path)
    con.execute("drop trigger journal_no_update")
    con.execute("update journal set user = 'quelquun' where action = 'declaration'")
    con.commit()
    con.close()
    code, out, _ = cli("audit", "--verify")
    assert code == 1 and "contenu modifié" in out


def test_an_older_open_configuration_folder_is_closed(tmp_path):
    """A configuration folder made 0755 (the pseudonymisation key's folder was) is made 0700 by the next
    write of a key, an account or a journal row."""
    from pipeline.core.accounts import AccountStore
    from pipeline.load.pseudonymise import load_key

    for make in (
        lambda folder: load_key(folder / "pseudonymisation.key"),
        lambda folder: AccountStore(folder / "accounts.json").add("chef", "direction", PASSWORD),
        lambda folder: Journal(folder / "journal.sqlite3").record("page", user="chef"),
    ):
        folder = tmp_path / str(id(make))
        folder.mkdir(mode=0o755)
        folder.chmod(0o755)
        make(folder)
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in folder.iterdir()), list(folder.iterdir())
