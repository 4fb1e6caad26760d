"""Signing in to the dashboard (issues #16, #25): failed sign-ins throttled, sessions kept on the server, the
client's address behind trusted proxies. Every state lives in SQLite files beside the accounts file, shared
by every gunicorn process (and read again at each request: nothing is lost at a restart, nothing differs
from one process to the other).

Throttling (:class:`Throttle`) counts failures per account **and address** and per account (any address),
never per address alone: a flood of wrong passwords from one address (a proxy, a shared NAT) slows that
address's guesses at each account it tries, and never locks another account out, nor the right password of
an account from another address until the account itself has been attacked many times.

Sessions (:class:`Sessions`): the signed cookie carries a random session id; the server keeps its digest,
its account and its absolute end. A session ends at logout (its row is deleted), at its end however active
it was (``INSERTION_SESSION_HOURS``), when its account is removed or its password changed, and when the
session key is deleted or replaced (the cookie's signature no longer verifies).
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import os
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from pipeline.core import private


def _connect(path: Path, schema: str) -> sqlite3.Connection:
    private.folder(path.parent)
    if not path.exists():
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    con = sqlite3.connect(path, timeout=10, isolation_level=None)
    con.executescript(schema)
    return con


# --- failed sign-ins ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Throttle:
    """Failed sign-ins, counted per (account, address) and per account in a SQLite file shared by every
    process of the server. After ``free_pair`` failures of an account from one address, each new one
    makes that address wait ``base`` seconds doubled per further failure, at most ``cap``, before trying
    that account again (even with the right password: the guesser may be right at last); after
    ``free_account`` failures of an account from all addresses together, every address waits the same way
    for that account. A count is forgotten ``window`` seconds after its last failure (once its wait is
    over); a successful sign-in clears the account's counts."""

    path: Path
    free_pair: int = 5
    free_account: int = 20
    base: float = 60.0
    cap: float = 900.0
    window: float = 900.0

    SCHEMA = "create table if not exists failures (key text primary key, n integer, last real);"

    def _connect(self) -> sqlite3.Connection:
        return _connect(Path(self.path), self.SCHEMA)

    def _wait_for(self, key: str, n: int) -> float:
        free = self.free_pair if key.startswith("pair:") else self.free_account
        return 0.0 if n < free else min(self.cap, self.base * 2 ** (n - free))

    def wait(self, name: str, address: str, now: float | None = None) -> float:
        """Seconds before ``address`` may try ``name`` again (0: now)."""
        now = time.time() if now is None else now
        con = self._connect()
        try:
            rows = con.execute(
                "select key, n, last from failures where key in (?, ?)", list(_keys(name, address))
            ).fetchall()
        finally:
            con.close()
        return max([0.0] + [last + self._wait_for(key, n) - now for key, n, last in rows])

    def failed(self, name: str, address: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        con = self._connect()
        try:
            con.execute("begin immediate")
            for key in _keys(name, address):
                row = con.execute("select n, last from failures where key = ?", [key]).fetchone()
                n = 0
                if row is not None:
                    n, last = row
                    if now - last > max(self.window, self._wait_for(key, n)):
                        n = 0
                con.execute(
                    "insert or replace into failures (key, n, last) values (?, ?, ?)", [key, n + 1, now]
                )
            con.execute("delete from failures where last < ?", [now - max(self.window, self.cap) - 86400])
            con.execute("commit")
        finally:
            con.close()

    def succeeded(self, name: str, address: str = "") -> None:
        """The right password, once allowed to try: the account's counts go (from every address)."""
        con = self._connect()
        try:
            account, _ = _keys(name, address)
            con.execute(
                "delete from failures where key = ? or key like ? escape '\\'",
                [account, "pair:" + _like(_name(name)) + "|%"],
            )
        finally:
            con.close()


def _name(name: str) -> str:
    return (name or "").strip().lower()[:64]


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _keys(name: str, address: str) -> tuple[str, str]:
    return "user:" + _name(name), "pair:" + _name(name) + "|" + (address or "?")


# --- the client's address ---------------------------------------------------------------------------


def parse_networks(text: str) -> tuple:
    """``INSERTION_TRUSTED_PROXIES`` (« 127.0.0.1, 10.0.0.0/8 ») as networks; a bad entry is an error."""
    networks = []
    for part in (text or "").replace(";", ",").split(","):
        if part.strip():
            try:
                networks.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError as exc:
                raise ValueError(
                    f"INSERTION_TRUSTED_PROXIES : « {part.strip()} » n'est ni une adresse ni un réseau IP."
                ) from exc
    return tuple(networks)


def _trusted(address: str, networks: tuple) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(remote: str | None, forwarded_for: str | None, networks: tuple) -> str:
    """The client's address: the connection's, unless it is a trusted proxy; then the right-most address
    of ``X-Forwarded-For`` that is not a trusted proxy (the left-most ones are the client's to write)."""
    address = remote or "?"
    if not networks or not _trusted(address, networks):
        return address
    hops = [h.strip() for h in (forwarded_for or "").split(",") if h.strip()]
    while hops:
        hop = hops.pop()
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return address  # not an address: the header is not to be believed
    return address


# --- sessions ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sessions:
    """Open sessions: the digest of each session id, its account and its absolute end (Unix time)."""

    path: Path
    hours: float = 10.0

    SCHEMA = (
        "create table if not exists sessions (digest text primary key, user text, created real, ends real);"
    )

    def _connect(self) -> sqlite3.Connection:
        return _connect(Path(self.path), self.SCHEMA)

    def open(self, user: str, now: float | None = None) -> tuple[str, float]:
        """A new session of ``user``: (its id, for the cookie; its end)."""
        now = time.time() if now is None else now
        sid = secrets.token_urlsafe(32)
        ends = now + self.hours * 3600
        con = self._connect()
        try:
            con.execute("delete from sessions where ends < ?", [now])
            con.execute("insert into sessions values (?, ?, ?, ?)", [_digest(sid), _name(user), now, ends])
        finally:
            con.close()
        return sid, ends

    def user(self, sid: str | None, now: float | None = None) -> str | None:
        """The account of a live session, else None (unknown, ended or logged out)."""
        if not sid:
            return None
        now = time.time() if now is None else now
        con = self._connect()
        try:
            row = con.execute(
                "select user, ends from sessions where digest = ?", [_digest(str(sid))]
            ).fetchone()
        finally:
            con.close()
        return row[0] if row and row[1] > now else None

    def close(self, sid: str | None) -> None:
        if not sid:
            return
        con = self._connect()
        try:
            con.execute("delete from sessions where digest = ?", [_digest(str(sid))])
        finally:
            con.close()

    def close_all(self, user: str) -> None:
        con = self._connect()
        try:
            con.execute("delete from sessions where user = ?", [_name(user)])
        finally:
            con.close()


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8", "replace")).hexdigest()


def sessions_path(accounts: Path) -> Path:
    accounts = Path(accounts).expanduser()
    return accounts.with_name(accounts.stem + "-sessions.sqlite3")
