"""Dashboard accounts (issue #16): password hashing, the accounts file, `insertion users`, the rate limit
of failed sign-ins, and `insertion serve` refusing to listen off the loopback without accounts."""

from __future__ import annotations

import io
import json
import stat
import subprocess
import sys

import pytest

from pipeline.core import accounts
from pipeline.core.accounts import AccountError, AccountStore
from pipeline.core.signin import Sessions, Throttle, client_address, parse_networks
from tests.helpers import ROOT

A, B = "12345678900015", "98765432100023"


@pytest.fixture
def store(tmp_path, monkeypatch):
    path = tmp_path / "conf" / "accounts.json"
    monkeypatch.setenv("INSERTION_ACCOUNTS", str(path))
    return AccountStore(path)


def test_hash_is_scrypt_with_its_parameters_and_a_random_salt():
    first, second = (
        accounts.hash_password("correct horse battery"),
        accounts.hash_password("correct horse battery"),
    )
    scheme, n, r, p, salt, digest = first.split("$")
    assert (scheme, int(n), int(r), int(p)) == ("scrypt", 2**15, 8, 3)
    assert first != second and salt != second.split("$")[4]  # a new salt each time
    assert accounts.verify_password("correct horse battery", first)
    assert not accounts.verify_password("correct horse batterY", first)
    assert not accounts.verify_password("", first)


def test_verification_uses_the_parameters_stored_with_the_hash():
    cheaper = accounts.hash_password("un mot de passe", n=2**12, r=4, p=1)
    assert cheaper.split("$")[1:4] == ["4096", "4", "1"]
    assert accounts.verify_password("un mot de passe", cheaper)
    tampered = cheaper.split("$")
    tampered[1] = "8192"
    assert not accounts.verify_password("un mot de passe", "$".join(tampered))
    for broken in [
        "",
        "plain",
        "scrypt$1$8$1$x$y",
        "scrypt$99999999$8$1$AAAA$AAAA",
        "md5$4096$8$1$AAAA$AAAA",
    ]:
        assert not accounts.verify_password("un mot de passe", broken)


def test_add_writes_a_private_file_atomically(store):
    store.add("C.Moreau", "direction", "motdepasse-solide")
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    assert [p.name for p in store.path.parent.iterdir()] == ["accounts.json"]  # no temporary file left
    saved = json.loads(store.path.read_text(encoding="utf-8"))["accounts"]
    assert list(saved) == ["c.moreau"] and saved["c.moreau"]["role"] == "direction"
    assert "motdepasse-solide" not in store.path.read_text(encoding="utf-8")
    assert AccountStore(store.path).authenticate("c.moreau", "motdepasse-solide").role == "direction"
    assert AccountStore(store.path).authenticate("c.moreau", "motdepasse-solidE") is None
    assert AccountStore(store.path).authenticate("inconnu", "motdepasse-solide") is None


def test_partner_accounts_are_bound_to_valid_siret(store):
    account = store.add("of-lyon", "partenaire", "motdepasse-solide", ["987 654 321 00023", A, A])
    assert account.sirets == (A, B) and account.scope().restricted and account.scope().sirets == {A, B}
    assert store.get("of-lyon").scope() == account.scope()
    with pytest.raises(AccountError, match="au moins un SIRET"):
        store.add("of-nantes", "partenaire", "motdepasse-solide")
    for wrong in [
        "1234567890001",
        "123456789000153",
        "1234567890001A",
        "",
        "12345678900012",
    ]:  # last: bad key
        with pytest.raises(AccountError, match="14 chiffres"):
            store.add("of-nantes", "partenaire", "motdepasse-solide", [wrong])
    with pytest.raises(AccountError, match="Seul un compte partenaire"):
        store.add("chef", "direction", "motdepasse-solide", [A])
    assert not store.add("chef", "direction", "motdepasse-solide").scope().restricted
    assert set(store.accounts()) == {"of-lyon", "chef"}


def test_names_roles_passwords_and_duplicates_are_checked(store):
    with pytest.raises(AccountError, match="Rôle inconnu"):
        store.add("x", "admin", "motdepasse-solide")
    with pytest.raises(AccountError, match="trop court"):
        store.add("x", "qualite", "court")
    with pytest.raises(AccountError, match="Identifiant invalide"):
        store.add("a b", "qualite", "motdepasse-solide")
    store.add("x", "qualite", "motdepasse-solide")
    with pytest.raises(AccountError, match="existe déjà"):
        store.add("X", "analyste", "motdepasse-solide")
    assert not store.path.with_suffix(".json.tmp").exists()


def test_passwd_changes_the_hash_and_the_stamp_and_remove_deletes(store):
    before = store.add("ana", "analyste", "premier-mot-de-passe")
    store.passwd("ana", "second-mot-de-passe")
    after = store.get("ana")
    assert after.stamp != before.stamp and after.created == before.created
    assert store.authenticate("ana", "second-mot-de-passe") and not store.authenticate(
        "ana", "premier-mot-de-passe"
    )
    store.remove("ana")
    assert store.get("ana") is None and not store.has_accounts()
    with pytest.raises(AccountError, match="Aucun compte"):
        store.remove("ana")
    with pytest.raises(AccountError, match="Aucun compte"):
        store.passwd("ana", "troisieme-mot-de-passe")


def test_a_corrupt_accounts_file_is_an_error_not_an_empty_list(store):
    store.path.parent.mkdir(parents=True)
    store.path.write_text("{not json", encoding="utf-8")
    with pytest.raises(AccountError, match="illisible"):
        store.accounts()


def test_session_key_is_created_once_private(tmp_path):
    path = tmp_path / "conf" / "accounts.json"
    key = accounts.session_key(path)
    assert len(key) >= 32 and accounts.session_key(path) == key
    assert stat.S_IMODE(accounts.session_key_path(path).stat().st_mode) == 0o600


# --- the command line ----------------------------------------------------------------------------


def run_cli(capsys, monkeypatch, *args, stdin: str | None = None):
    from pipeline.cli import main

    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_users_commands(store, capsys, monkeypatch):
    code, out, _ = run_cli(capsys, monkeypatch, "users", "list")
    assert code == 0 and "Aucun compte" in out
    code, out, _ = run_cli(
        capsys, monkeypatch, "users", "add", "of-lyon", "--role", "partenaire", "--siret", A,
        "--password-stdin", stdin="motdepasse-solide\n",
    )  # fmt: skip
    assert code == 0 and "Partenaire" in out and A in out
    assert store.authenticate("of-lyon", "motdepasse-solide") is not None
    code, out, _ = run_cli(
        capsys, monkeypatch, "users", "add", "chef", "--role", "direction", "--password-stdin",
        stdin="un-autre-mot-de-passe\r\n",
    )  # fmt: skip
    assert code == 0 and store.authenticate("chef", "un-autre-mot-de-passe")
    code, out, _ = run_cli(capsys, monkeypatch, "users", "list")
    lines = out.splitlines()
    assert lines[0].startswith("chef") and "Direction" in lines[0]
    assert lines[1].startswith("of-lyon") and "Partenaire" in lines[1] and A in lines[1]
    assert "scrypt" not in out
    code, _, _ = run_cli(
        capsys, monkeypatch, "users", "passwd", "chef", "--password-stdin", stdin="nouveau-mot-de-passe\n"
    )
    assert code == 0 and store.authenticate("chef", "nouveau-mot-de-passe")
    code, out, _ = run_cli(capsys, monkeypatch, "users", "remove", "of-lyon")
    assert code == 0 and store.get("of-lyon") is None
    # issue #25: each change of an account is one row of the audit journal, by the system's user
    from pipeline.core import audit

    rows = sorted(audit.Journal(audit.journal_path(store.path)).rows(), key=lambda r: r["id"])
    assert [(r["action"], r["details"]["operation"], r["details"]["compte"]) for r in rows] == [
        ("compte", "création", "of-lyon"),
        ("compte", "création", "chef"),
        ("compte", "mot de passe changé", "chef"),
        ("compte", "suppression", "of-lyon"),
    ]
    assert rows[0]["details"]["siret"] == [A] and rows[1]["details"]["role_compte"] == "direction"
    assert all(r["user"] == audit.os_user() and r["channel"] == "cli" for r in rows)
    assert "motdepasse" not in audit.Journal(audit.journal_path(store.path)).path.read_bytes().decode(
        "latin-1"
    )


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["add", "x", "--role", "partenaire", "--siret", "123"], "", "14 chiffres"),
        (["add", "x", "--role", "partenaire"], "motdepasse-solide\n", "au moins un SIRET"),
        (["add", "x"], "motdepasse-solide\n", "--role attendu"),
        (["add", "x", "--role", "qualite", "--password-stdin"], "court\n", "trop court"),
        # issue #25: every one of these created a direction account
        (["add", "x", "--role", "direction", "--password-stdin"], " " * 12 + "\n", "que des espaces"),
        (["add", "x", "--role", "direction", "--password-stdin"], "aaaaaaaaaaaa\n", "trop facile"),
        (["add", "x", "--role", "direction", "--password-stdin"], "password1234\n", "trop facile"),
        (["add", "chef", "--role", "direction", "--password-stdin"], "chefchefchef\n", "trop facile"),
        (["add", "x", "--role", "qualite"], "", "--password-stdin"),  # no terminal: never blocks
        (["remove", "personne"], "", "Aucun compte"),
        (["passwd"], "", "identifiant du compte"),
    ],
)
def test_users_errors_exit_2_with_a_french_message(store, capsys, monkeypatch, args, stdin, message):
    code, _, err = run_cli(capsys, monkeypatch, "users", *args, stdin=stdin)
    assert code == 2 and message in err
    assert not store.has_accounts()


def test_users_help_has_examples_and_no_password_option(capsys):
    from pipeline.cli import main

    with pytest.raises(SystemExit):
        main(["users", "--help"])
    text = capsys.readouterr().out
    assert "Exemple :" in text and "insertion users add" in text and "--siret" in text
    with pytest.raises(SystemExit):
        main(["users", "add", "x", "--role", "qualite", "--password", "secret"])


# --- rate limit --------------------------------------------------------------------------------------


def test_failures_of_an_account_from_one_address_lock_that_pair_then_double_then_expire(tmp_path):
    throttle = Throttle(tmp_path / "attempts.sqlite3")
    for _ in range(4):
        throttle.failed("chef", "10.0.0.1", now=1000.0)
    assert throttle.wait("chef", "10.0.0.1", now=1000.0) == 0  # 4 failures: still free
    throttle.failed("chef", "10.0.0.1", now=1000.0)
    assert throttle.wait("chef", "10.0.0.1", now=1000.0) == 60  # this account from this address waits
    assert throttle.wait("chef", "10.0.0.2", now=1000.0) == 0  # not from another address
    assert throttle.wait("autre", "10.0.0.1", now=1000.0) == 0  # nor another account from this one
    throttle.failed("chef", "10.0.0.1", now=1070.0)
    assert throttle.wait("chef", "10.0.0.1", now=1070.0) == 120  # doubled
    for i in range(10):
        throttle.failed("chef", "10.0.0.1", now=1100.0 + i)
    assert throttle.wait("chef", "10.0.0.1", now=1109.0) == 900  # capped at 15 minutes
    assert throttle.wait("chef", "10.0.0.1", now=1109.0 + 901) == 0
    throttle.failed("chef", "10.0.0.1", now=1109.0 + 901 + 900 + 1)  # window over: counted afresh
    assert throttle.wait("chef", "10.0.0.1", now=1109.0 + 901 + 900 + 1) == 0
    assert stat.S_IMODE((tmp_path / "attempts.sqlite3").stat().st_mode) == 0o600


def test_an_address_guessing_many_accounts_never_locks_the_others_out(tmp_path):
    """Issue #25: 20 wrong sign-ins from one address (a proxy, a shared NAT) locked every account there.
    Now each account it tried waits from that address, and every other account signs in."""
    throttle = Throttle(tmp_path / "attempts.sqlite3")
    for i in range(200):
        throttle.failed(f"compte{i % 40}", "10.0.0.9", now=500.0)
    assert throttle.wait("chef", "10.0.0.9", now=500.0) == 0  # the director, same address
    assert throttle.wait("compte1", "10.0.0.9", now=500.0) > 0  # the guessed accounts wait there


def test_an_account_attacked_from_many_addresses_waits_everywhere_and_success_clears_it(tmp_path):
    throttle = Throttle(tmp_path / "attempts.sqlite3")
    for i in range(19):
        throttle.failed("chef", f"10.0.1.{i}", now=500.0)
    assert throttle.wait("chef", "10.0.2.1", now=500.0) == 0  # 19 failures in all, none twice an address
    throttle.failed("chef", "10.0.1.99", now=500.0)
    assert throttle.wait("chef", "10.0.2.1", now=500.0) == 60  # 20: the account waits from anywhere
    assert throttle.wait("autre", "10.0.2.1", now=500.0) == 0
    throttle.succeeded("chef", "10.0.2.1")
    assert throttle.wait("chef", "10.0.1.3", now=500.0) == 0


def test_counts_are_shared_between_processes(tmp_path):
    """Each gunicorn process runs its own Python: the counts live in the shared SQLite file."""
    path = tmp_path / "attempts.sqlite3"
    code = (
        "import sys; from pathlib import Path; from pipeline.core.signin import Throttle; "
        "t = Throttle(Path(sys.argv[1]))\nfor _ in range(3): t.failed('chef', '10.0.0.1', now=100.0)"
    )
    for _ in range(2):  # two processes, three failures each
        subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT, check=True)
    assert Throttle(path).wait("chef", "10.0.0.1", now=100.0) == 60 * 2


def test_the_client_address_is_read_behind_trusted_proxies_only():
    proxies = parse_networks("127.0.0.1, 10.0.0.0/8")
    assert client_address("203.0.113.5", "1.2.3.4", proxies) == "203.0.113.5"  # not a proxy: header ignored
    assert client_address("127.0.0.1", "1.2.3.4", proxies) == "1.2.3.4"
    # the client may write any left-most value: the right-most hop that is not a proxy is the client
    assert client_address("10.1.2.3", "6.6.6.6, 1.2.3.4, 10.0.0.7", proxies) == "1.2.3.4"
    assert client_address("127.0.0.1", "pas-une-adresse", proxies) == "127.0.0.1"
    assert client_address("127.0.0.1", None, proxies) == "127.0.0.1"
    assert client_address("127.0.0.1", "1.2.3.4", ()) == "127.0.0.1"  # no trusted proxy: the connection
    with pytest.raises(ValueError, match="INSERTION_TRUSTED_PROXIES"):
        parse_networks("10.0.0.0/8, proxy.local")


def test_sessions_end_at_logout_and_at_their_absolute_end(tmp_path):
    sessions = Sessions(tmp_path / "sessions.sqlite3", hours=10)
    sid, ends = sessions.open("Chef", now=1000.0)
    assert ends == 1000.0 + 10 * 3600
    assert sessions.user(sid, now=1000.0 + 9 * 3600) == "chef"
    assert sessions.user(sid, now=ends + 1) is None  # activity does not extend it
    other, _ = sessions.open("chef", now=2000.0)
    sessions.close(other)
    assert sessions.user(other, now=2001.0) is None
    assert sessions.user("forged", now=2001.0) is None and sessions.user(None) is None
    third, _ = sessions.open("chef", now=3000.0)
    sessions.close_all("chef")
    assert sessions.user(third, now=3001.0) is None
    assert stat.S_IMODE((tmp_path / "sessions.sqlite3").stat().st_mode) == 0o600


# --- password strength (issue #25) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "password", "says"),
    [
        ("chef", " " * 12, "que des espaces"),
        ("chef", "aaaaaaaaaaaa", "répétition"),
        ("chef", "password1234", "mot de passe courant"),
        ("c.moreau", "c.moreauc.moreau", "trop facile à deviner"),
        ("chef", "chefchefchef", "trop facile à deviner"),
        ("chef", "azertyuiop12", "azertyuiop"),
        ("chef", "Motdepasse2026", "motdepasse"),
        ("chef", "court", "trop court"),
    ],
)
def test_weak_passwords_are_refused_for_every_role_with_a_french_reason(store, name, password, says):
    for role in ("direction", "qualite", "analyste"):
        with pytest.raises(AccountError, match=says):
            store.add(name, role, password)
    with pytest.raises(AccountError, match=says):
        store.add(name, "partenaire", password, [A])
    assert not store.has_accounts()


def test_strong_passwords_are_accepted_and_passwd_checks_too(store):
    store.add("chef", "direction", "Velo-Tilleul-Orage-42")
    with pytest.raises(AccountError, match="trop facile"):
        store.passwd("chef", "password1234")
    store.passwd("chef", "correct horse battery staple")
    assert store.authenticate("chef", "correct horse battery staple")
