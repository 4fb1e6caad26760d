"""The audit journal (issue #25): who saw and changed what, when, from which address.

One append-only store, written by the product and never editable through it: an SQLite file in WAL mode
beside the accounts file (``accounts-journal.sqlite3``; folder 0700, file 0600), so that every gunicorn
process and every command of the same installation write to the same journal, and the dashboard never
touches the warehouse (it reads a read-only snapshot and must not take its write lock).

Each row is chained to the previous one: ``hash = sha256(prev_hash + canonical JSON of the row)``; an edited,
inserted or removed row breaks the chain and :meth:`Journal.verify` names it (``insertion audit --verify``).
Triggers refuse ``UPDATE`` and any ``DELETE`` but the retention purge's, which removes the rows older than
``INSERTION_AUDIT_RETENTION_DAYS`` (365 by default) and records the hash of the last row it removed, so the
chain still verifies from the first row kept.

The one-call API, for every command and page (and for ``insertion unload`` once merged)::

    from pipeline.core import audit
    audit.record("dechargement", user=args.by, certification="RNCP34179", why=args.why, rows=12)

``user`` defaults to the account of the operating system (a command line); ``address``, ``role`` and
``channel`` (``cli`` or ``web``) are optional; every other keyword is a detail stored as JSON (numbers,
texts, lists). ``outcome`` is ``ok`` by default (``refus``, ``echec``, ``verrou`` for the others). Recording
never raises: a journal that cannot be written says so on stderr and the action goes on (the product must
not stop serving because its journal's disk is full), and that failure is itself the first row written next.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import os
import sqlite3
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline.core import private

# action -> French label (the « Journal » page, `insertion audit`)
ACTIONS = {
    "connexion": "Connexion",
    "deconnexion": "Déconnexion",
    "page": "Page consultée",
    "rappel": "Données consultées",
    "telechargement": "Téléchargement",
    "export": "Export",
    "sql": "Requête SQL",
    "declaration": "Déclaration",
    "dechargement": "Déchargement",
    "revue": "Décision de relecture",
    "compte": "Compte modifié",
    "journal": "Journal consulté",
    "purge": "Purge du journal (rétention)",
}
OUTCOMES = {"ok": "réussi", "echec": "échec", "refus": "refusé", "verrou": "verrouillé"}
RETENTION_DAYS = 365
COLUMNS = ("id", "at", "user", "role", "address", "channel", "action", "outcome", "details")

SCHEMA = """
create table if not exists journal (
    id integer primary key autoincrement,
    at text not null,           -- UTC, ISO 8601 to the millisecond
    user text not null,
    role text not null default '',
    address text not null default '',
    channel text not null default '',
    action text not null,
    outcome text not null default 'ok',
    details text not null default '{}',
    prev text not null,
    hash text not null
);
create index if not exists journal_at on journal (at);
create table if not exists purges (cutoff text not null, last_hash text not null, removed integer not null);
create trigger if not exists journal_no_update before update on journal
begin select raise(abort, 'journal d''audit : modification interdite'); end;
create trigger if not exists journal_no_delete before delete on journal
when old.at >= coalesce((select max(cutoff) from purges), '')
begin select raise(abort, 'journal d''audit : suppression interdite'); end;
create trigger if not exists purges_no_update before update on purges
begin select raise(abort, 'journal d''audit : modification interdite'); end;
create trigger if not exists purges_no_delete before delete on purges
begin select raise(abort, 'journal d''audit : suppression interdite'); end;
"""


class AuditError(RuntimeError):
    """The journal cannot be read (missing, unreadable)."""


def journal_path(accounts: Path) -> Path:
    """The journal of the installation whose accounts file is ``accounts``."""
    accounts = Path(accounts).expanduser()
    return accounts.with_name(accounts.stem + "-journal.sqlite3")


def _now() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def row_hash(prev: str, row: dict) -> str:
    content = json.dumps([row[c] for c in COLUMNS], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev + content).encode("utf-8")).hexdigest()


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return f"uid {os.getuid()}"


@dataclass
class Journal:
    path: Path
    retention_days: int = RETENTION_DAYS

    def __post_init__(self) -> None:
        self.path = Path(self.path).expanduser()

    def _connect(self, write: bool = True) -> sqlite3.Connection:
        if not write and not self.path.exists():
            raise AuditError(f"{self.path} : aucun journal d'audit (rien n'a encore été enregistré).")
        if write:
            private.folder(self.path.parent)
            if not self.path.exists():
                # created 0600 before SQLite opens it (its -wal and -shm files take its mode)
                with contextlib.suppress(FileExistsError):
                    os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.execute("pragma busy_timeout = 30000")
        if write:
            con.execute("pragma journal_mode = wal")
            con.execute("pragma synchronous = normal")
            con.executescript(SCHEMA)
        return con

    def record(
        self,
        action: str,
        user: str | None = None,
        role: str = "",
        address: str = "",
        channel: str = "cli",
        outcome: str = "ok",
        **details,
    ) -> int:
        """Append one row; its id. Raises on a journal that cannot be written (see :func:`record`)."""
        con = self._connect()
        try:
            con.execute("begin immediate")
            try:
                self._purge(con)
                user = str(user if user not in (None, "") else os_user())[:200]
                row_id = _append(con, action, user, role, address, channel, outcome, details)
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                raise
            return row_id
        finally:
            con.close()

    def _purge(self, con: sqlite3.Connection) -> None:
        """Remove the rows older than the retention, and say so in a row of its own (at most once an hour
        per process and journal; inside the caller's transaction)."""
        key = str(self.path)
        if self.retention_days <= 0 or time.monotonic() - _purged.get(key, -1e9) < 3600:
            return
        _purged[key] = time.monotonic()
        cutoff = stamp(_now() - timedelta(days=self.retention_days))
        count, last_id = con.execute(
            "select count(*), max(id) from journal where at < ?", [cutoff]
        ).fetchone()
        if not count:
            return
        last_hash = con.execute("select hash from journal where id = ?", [last_id]).fetchone()[0]
        con.execute("insert into purges values (?, ?, ?)", [cutoff, last_hash, count])
        con.execute("delete from journal where at < ?", [cutoff])
        details = {"lignes": count, "avant le": cutoff[:10], "rétention (jours)": self.retention_days}
        _append(con, "purge", "insertion", "", "", "système", "ok", details)

    # reading
    def rows(
        self,
        user: str | None = None,
        since: datetime | str | None = None,
        action: str | None = None,
        limit: int | None = None,
    ) -> list[dict]:
        """The rows, newest first, filtered by user (exact), day or moment ``since`` and action."""
        conditions, params = [], []
        if user:
            conditions.append("user = ?")
            params.append(user)
        if since:
            conditions.append("at >= ?")
            params.append(since if isinstance(since, str) else stamp(since))
        if action:
            conditions.append("action = ?")
            params.append(action)
        where = f"where {' and '.join(conditions)}" if conditions else ""
        con = self._connect(write=False)
        try:
            found = con.execute(
                f"select {', '.join(COLUMNS)} from journal {where} order by id desc"
                + (f" limit {int(limit)}" if limit else ""),
                params,
            ).fetchall()
        finally:
            con.close()
        out = []
        for values in found:
            row = dict(zip(COLUMNS, values, strict=True))
            row["details"] = json.loads(row["details"])
            out.append(row)
        return out

    def users(self) -> list[str]:
        if not self.path.exists():
            return []
        con = self._connect(write=False)
        try:
            return [r[0] for r in con.execute("select distinct user from journal order by 1")]
        finally:
            con.close()

    def verify(self) -> list[str]:
        """The breaks of the chain (French, one per row), empty when the journal is intact."""
        con = self._connect(write=False)
        try:
            purged = con.execute("select last_hash from purges order by rowid desc limit 1").fetchone()
            rows = con.execute(f"select {', '.join(COLUMNS)}, prev, hash from journal order by id").fetchall()
        finally:
            con.close()
        problems = []
        expected = purged[0] if purged else ""
        for values in rows:
            row = dict(zip(COLUMNS, values[: len(COLUMNS)], strict=True))
            prev, digest = values[-2], values[-1]
            if prev != expected:
                problems.append(
                    f"ligne {row['id']} : ne suit pas la ligne précédente (ligne retirée ou insérée)"
                )
            if row_hash(prev, row) != digest:
                problems.append(f"ligne {row['id']} : contenu modifié après son écriture")
            expected = digest
        return problems


def _append(con, action, user, role, address, channel, outcome, details) -> int:
    """Insert one chained row (inside the caller's ``begin immediate``): its id."""
    row = {
        "at": stamp(_now()),
        "user": user,
        "role": role or "",
        "address": address or "",
        "channel": channel or "",
        "action": action,
        "outcome": outcome,
        "details": json.dumps(details, ensure_ascii=False, sort_keys=True, default=str),
    }
    last = con.execute("select hash from journal order by id desc limit 1").fetchone()
    if last is None:
        purged = con.execute("select last_hash from purges order by rowid desc limit 1").fetchone()
        last = purged or ("",)
    seq = con.execute("select seq from sqlite_sequence where name = 'journal'").fetchone()
    row["id"] = (seq[0] if seq else 0) + 1
    con.execute(
        "insert into journal (id, at, user, role, address, channel, action, outcome, details, prev, hash) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [*(row[c] for c in COLUMNS), last[0], row_hash(last[0], row)],
    )
    return row["id"]


_purged: dict[str, float] = {}
_failed: list[str] = []


def default_journal() -> Journal:
    """The journal of the settings in force (beside ``INSERTION_ACCOUNTS``)."""
    from pipeline.core.config import Settings

    settings = Settings.load()
    return Journal(journal_path(settings.accounts), settings.audit_retention_days)


def record(action: str, user: str | None = None, journal: Journal | None = None, **details) -> int | None:
    """Append one row to the journal (:class:`Journal.record`'s arguments); the row's id, or None when
    the journal could not be written (said on stderr, and recorded with the next row that can be)."""
    target = journal or default_journal()
    try:
        if _failed:
            target.record("journal", user="insertion", channel="système", outcome="echec", lost=list(_failed))
            _failed.clear()
        return target.record(action, user=user, **details)
    except (sqlite3.Error, OSError) as exc:
        _failed.append(f"{stamp(_now())} {action} ({exc})"[:300])
        print(f"Journal d'audit non écrit ({target.path}) : {exc}", file=sys.stderr)
        return None


def parse_since(text: str) -> str:
    """« 2026-11-01 », « 01/11/2026 » or a number of days (« 7 ») -> the moment the journal compares."""
    text = (text or "").strip()
    if text.isdigit():
        return stamp(_now() - timedelta(days=int(text)))
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return stamp(datetime.strptime(text, fmt).replace(tzinfo=UTC))
        except ValueError:
            continue
    raise ValueError(f"date attendue aaaa-mm-jj, jj/mm/aaaa ou un nombre de jours : {text!r}")


# a journal line as every face shows it (the Journal page, `insertion audit`): key -> French header
HEADERS = {
    "at": "Quand (UTC)",
    "user": "Qui",
    "role": "Rôle",
    "address": "Adresse",
    "channel": "Canal",
    "action": "Action",
    "outcome": "Résultat",
    "details": "Détails",
}


def shown(row: dict) -> dict:
    """A journal row as the faces show it (keys of :data:`HEADERS`): when as « aaaa-mm-jj hh:mm:ss »,
    action and outcome in French, the details in one line."""
    return {
        "at": row["at"].replace("T", " ").rstrip("Z"),
        "user": row["user"],
        "role": row["role"],
        "address": row["address"],
        "channel": row["channel"],
        "action": ACTIONS.get(row["action"], row["action"]),
        "outcome": OUTCOMES.get(row["outcome"], row["outcome"]),
        "details": describe(row),
    }


def describe(row: dict) -> str:
    """A row's details in one French line (the page, the command)."""
    parts = []
    for key, value in sorted(row["details"].items()):
        if isinstance(value, bool):
            value = "oui" if value else "non"
        elif isinstance(value, list):
            value = ", ".join(map(str, value))
        elif isinstance(value, dict):
            value = ", ".join(
                f"{k}={', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in value.items()
            )
        parts.append(f"{key} : {value}")
    return " ; ".join(parts)
