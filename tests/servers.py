"""``insertion serve`` in a process of its own, for the tests over HTTP (tests/e2e/test_access_http.py) and
in a real browser (tests/browser/), and the accounts and partner copy of the sample they sign in to.

The fixtures that use these (``accounts_file``, ``partner_snapshot``, the servers) are in tests/conftest.py
and tests/browser/conftest.py.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import duckdb
import pytest

from pipeline.core import accounts
from pipeline.core.accounts import AccountStore
from tests.helpers import ROOT

A, B = "12345678900015", "98765432100023"
PASSWORD = "motdepasse-de-test"
ACCOUNTS = {
    "chef": ("direction", ()),
    "qualiticien": ("qualite", ()),
    "ana": ("analyste", ()),
    "of-a": ("partenaire", (A,)),
    "of-b": ("partenaire", (B,)),
    "verrou": ("qualite", ()),  # locked by the rate-limit test
    "change": ("direction", ()),  # password changed while signed in
    "ana2": ("analyste", ()),  # issue #25: concurrent SQL queries of several analysts
    "ana3": ("analyste", ()),
}
SITES = {A: {"Lyon", "Nantes"}, B: {"Rennes", "Grenoble", "Toulouse"}}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """A browser without a browser: a cookie jar, no redirect followed."""

    def __init__(self, url: str, address: str | None = None):
        """``address``: sent as X-Forwarded-For (believed by a server whose trusted proxy is 127.0.0.1)."""
        self.url = url
        self.forwarded = {"X-Forwarded-For": address} if address else {}
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())

    def request(self, path: str, data: bytes | None = None, headers: dict | None = None):
        req = urllib.request.Request(
            self.url + path, data=data, headers={**self.forwarded, **(headers or {})}
        )
        try:
            with self.opener.open(req, timeout=120) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def login(self, name: str, password: str = PASSWORD, next_path: str = "/"):
        _, _, page = self.request("/login")
        token = re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()
        form = urllib.parse.urlencode(
            {"username": name, "password": password, "csrf": token, "next": next_path}
        )
        return self.request("/login", form.encode(), {"Content-Type": "application/x-www-form-urlencoded"})

    def logout(self, token: str | None = None):
        """POST /logout with the CSRF token of the header's form (read from the page's layout)."""
        if token is None:
            token = csrf_of(self.request("/_dash-layout")[2])
        form = urllib.parse.urlencode({"csrf": token}).encode()
        return self.request("/logout", form, {"Content-Type": "application/x-www-form-urlencoded"})

    def post(self, payload: dict):
        status, _, body = self.request(
            "/_dash-update-component", json.dumps(payload).encode(), {"Content-Type": "application/json"}
        )
        return status, body


def signed_in(url: str, name: str) -> Client:
    client = Client(url)
    status, headers, _ = client.login(name)
    assert status == 302 and "/login" not in headers["Location"], name
    return client


def csrf_of(layout: bytes) -> str:
    """The CSRF token of the header's « Se déconnecter » form in a Dash layout (JSON)."""
    stack = [json.loads(layout)]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            props = node.get("props") if isinstance(node.get("props"), dict) else {}
            if props.get("id") == "logout-csrf":
                return props["value"]
            stack.extend(node.values())
    raise AssertionError("no logout form in the layout")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    warehouse: Path,
    key: Path,
    accounts: Path | None,
    *args: str,
    env: dict[str, str] | None = None,
    ready: str = "/login",
):
    """``insertion serve`` in a process of its own; (url on 127.0.0.1, process) once ``ready`` answers.

    With ``accounts``, the server reads that accounts file (and never a shared password); without, it
    keeps the tests' empty accounts file (tests/conftest.py): the dashboard is open on the loopback."""
    port = free_port()
    environment = {
        **os.environ,
        "INSERTION_WAREHOUSE": str(warehouse),
        "INSERTION_KEY_FILE": str(key),
        **(env or {}),
    }
    if accounts is not None:
        environment["INSERTION_ACCOUNTS"] = str(accounts)
        environment.pop("INSERTION_DASHBOARD_PASSWORD", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "serve", "--port", str(port), *args],
        env=environment,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            urllib.request.urlopen(url + ready, timeout=1)
            return url, proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(proc.stdout.read()) from None
            time.sleep(0.25)
    proc.kill()
    raise RuntimeError("the server did not start")


def stop(proc) -> None:
    proc.terminate()
    proc.wait(timeout=15)


def write_accounts(path: Path) -> Path:
    """The test accounts (``ACCOUNTS``, password ``PASSWORD``) in a new accounts file, written by
    ``AccountStore.add`` with a cheaper scrypt (N=2**12, r=4, p=1 instead of 2**15, 8, 3): each hash
    carries its parameters and verification reads them, so every sign-in of the HTTP and browser tests
    still runs scrypt, in a few milliseconds instead of 0.2 s of CPU. The default cost is checked by
    tests/unit/test_accounts.py; a password changed during a test gets it."""
    real = accounts.hash_password
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(accounts, "hash_password", lambda password: real(password, n=2**12, r=4, p=1))
        store = AccountStore(path)
        for name, (role, sirets) in ACCOUNTS.items():
            store.add(name, role, PASSWORD, sirets)
    return path


def partner_copy(snapshot: Path, folder: Path) -> Path:
    """A copy of ``snapshot`` in ``folder`` whose outcome counts say which partner each row belongs to
    (sites of Lyon and Nantes: partner A; the others: partner B)."""
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / "insertion.snapshot.duckdb"
    shutil.copyfile(snapshot, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("alter table mart_outcome_counts add column if not exists partner_siret varchar")
        con.execute(
            "update mart_outcome_counts set partner_siret = case when list_contains(?, site) then ? else ? end",
            [sorted(SITES[A]), A, B],
        )
    return copy
