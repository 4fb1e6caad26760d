"""Dashboard accounts (issue #16): who may sign in, with which role, and which rows a partner sees.

The accounts live in one JSON file outside git (``INSERTION_ACCOUNTS``, default
``~/.config/insertion/accounts.json``), written atomically with mode 0600 and managed by
``insertion users add|remove|list|passwd``. Passwords are hashed with scrypt (memory-hard, standard
library), a random salt per password and the cost parameters stored with the hash, so they can be raised
later without invalidating older hashes; comparison is constant-time.

Roles (:data:`ROLES`): ``direction`` sees everything; ``qualite`` everything but the SQL page;
``analyste`` the SQL page; ``partenaire`` is bound to one or more SIRET and sees only the rows of those
SIRET, everywhere (:class:`Scope`; enforced where the dashboard reads data: ``dashboard/data.py``).

Failed sign-ins are rate-limited, and sessions are kept, in SQLite files beside the accounts, so that every
gunicorn process shares them (:mod:`pipeline.core.signin`). Passwords must be strong enough for zxcvbn
(:mod:`pipeline.core.passwords`), whatever the role.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path


class AccountError(ValueError):
    """A refused account operation (bad name, role, SIRET or password; unknown or duplicate account)."""


# role -> French label (the dashboard's header, `insertion users list`)
ROLES = {
    "direction": "Direction",
    "qualite": "Qualité",
    "partenaire": "Partenaire",
    "analyste": "Analyste",
}
PARTNER = "partenaire"
MIN_PASSWORD = 12
NAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")

# scrypt cost: N = 2^15, r = 8, p = 3 (32 MiB, one of OWASP's recommended settings); stored with each hash
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 3
SCRYPT_MAX_N = 2**20  # a hash that asks for more is refused (a tampered file must not exhaust memory)


# --- SIRET -------------------------------------------------------------------------------------------


def normalise_siret(text: str) -> str:
    """« 123 456 789 00015 » -> ``12345678900015``; anything but a valid SIRET (14 digits and its check key,
    :mod:`pipeline.core.siret`, the one owner of that rule) is an error."""
    from pipeline.core import siret

    value = siret.clean(text)
    if not siret.is_valid(value):
        raise AccountError(
            f"SIRET invalide « {text} » : 14 chiffres et une clé de contrôle valide attendus "
            f"(par exemple 12345678900015){siret.hint(text)}."
        )
    return value


# --- passwords -----------------------------------------------------------------------------------------


def hash_password(password: str, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """``scrypt$N$r$p$salt$hash`` (salt and hash in base64): everything :func:`verify_password` needs."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, n, r, p)
    return "$".join(["scrypt", str(n), str(r), str(p), _b64(salt), _b64(digest)])


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` is the one ``stored`` was made from (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        n, r, p = int(n), int(r), int(p)
        if scheme != "scrypt" or not (2 <= n <= SCRYPT_MAX_N and 1 <= r <= 32 and 1 <= p <= 16):
            return False
        expected = base64.b64decode(digest)
        actual = _scrypt(password, base64.b64decode(salt), n, r, p, len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int = 32) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=2 * 128 * r * n + 1024 * 1024, dklen=length
    )


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


# A hash of nothing anyone knows: an unknown user costs the same scrypt as a known one.
_DUMMY = None


def _dummy_hash() -> str:
    global _DUMMY
    if _DUMMY is None:
        _DUMMY = hash_password(secrets.token_urlsafe(16))
    return _DUMMY


# --- accounts and scopes --------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The rows a signed-in person may read: everything (``restricted`` False), or only the rows whose
    ``partner_siret`` is one of ``sirets`` (a partner; no SIRET at all: nothing)."""

    restricted: bool = False
    sirets: frozenset[str] = frozenset()

    @property
    def key(self) -> str:
        """A stable name for caches and the scoped schema (``all`` or a digest of the SIRET)."""
        if not self.restricted:
            return "all"
        return "p" + hashlib.sha256(",".join(sorted(self.sirets)).encode()).hexdigest()[:16]


EVERYTHING = Scope()
NOTHING = Scope(restricted=True)


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    password_hash: str = field(repr=False)
    sirets: tuple[str, ...] = ()
    created: str = ""
    updated: str = ""

    @property
    def label(self) -> str:
        return ROLES[self.role]

    @property
    def stamp(self) -> str:
        """Changes when the password changes: a session signed before ``passwd`` is no longer valid."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    def scope(self) -> Scope:
        if self.role == PARTNER:
            return Scope(restricted=True, sirets=frozenset(self.sirets))
        return EVERYTHING


def check_name(name: str) -> str:
    value = (name or "").strip().lower()
    if not NAME.match(value):
        raise AccountError(
            f"Identifiant invalide « {name} » : lettres minuscules, chiffres et . _ @ - (64 caractères au plus)."
        )
    return value


def check_binding(role: str, sirets: list[str] | tuple = ()) -> list[str]:
    """The role's SIRET, normalised: one or more for a partner, none for the other roles."""
    if role not in ROLES:
        raise AccountError(f"Rôle inconnu « {role} » : {', '.join(ROLES)}.")
    bound = sorted({normalise_siret(s) for s in sirets})
    if role == PARTNER and not bound:
        raise AccountError("Un compte partenaire est rattaché à au moins un SIRET (--siret).")
    if role != PARTNER and bound:
        raise AccountError(f"Seul un compte partenaire est rattaché à des SIRET (rôle demandé : {role}).")
    return bound


def check_password(password: str, name: str = "") -> str:
    """``password`` when it is strong enough for the account ``name`` (:mod:`pipeline.core.passwords`),
    else :class:`AccountError` with the French reason."""
    from pipeline.core.passwords import weakness

    reason = weakness(password, name)
    if reason:
        raise AccountError(reason)
    return password


class AccountStore:
    """The accounts file. Every write replaces the whole file atomically (temporary file in the same
    folder, mode 0600, then rename); reads are cached until the file's modification time changes."""

    def __init__(self, path: Path):
        self.path = Path(path).expanduser()
        self._seen: tuple | None = None
        self._accounts: dict[str, Account] = {}

    # reading
    def accounts(self) -> dict[str, Account]:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            self._seen, self._accounts = None, {}
            return {}
        seen = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if seen != self._seen:
            self._accounts, self._seen = self._read(), seen
        return self._accounts

    def _read(self) -> dict[str, Account]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return {
                name: Account(
                    name=name,
                    role=entry["role"],
                    password_hash=entry["password"],
                    sirets=tuple(entry.get("sirets", [])),
                    created=entry.get("created", ""),
                    updated=entry.get("updated", ""),
                )
                for name, entry in raw["accounts"].items()
                if entry.get("role") in ROLES
            }
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise AccountError(f"{self.path} : fichier de comptes illisible ({exc}).") from exc

    def get(self, name: str) -> Account | None:
        return self.accounts().get((name or "").strip().lower())

    def has_accounts(self) -> bool:
        return bool(self.accounts())

    def authenticate(self, name: str, password: str) -> Account | None:
        """The account when the password is right, else None (an unknown name costs the same time)."""
        account = self.get(name)
        ok = verify_password(password or "", account.password_hash if account else _dummy_hash())
        return account if ok and account else None

    # writing
    def add(self, name: str, role: str, password: str, sirets: list[str] | tuple = ()) -> Account:
        name = check_name(name)
        bound = check_binding(role, sirets)
        accounts = dict(self.accounts())
        if name in accounts:
            raise AccountError(
                f"Le compte « {name} » existe déjà (insertion users passwd {name} pour changer son mot de passe)."
            )
        now = _now()
        accounts[name] = Account(
            name, role, hash_password(check_password(password, name)), tuple(bound), now, now
        )
        self._write(accounts)
        return accounts[name]

    def remove(self, name: str) -> None:
        accounts = dict(self.accounts())
        if accounts.pop((name or "").strip().lower(), None) is None:
            raise AccountError(f"Aucun compte « {name} » dans {self.path}.")
        self._write(accounts)

    def passwd(self, name: str, password: str) -> None:
        accounts = dict(self.accounts())
        account = accounts.get((name or "").strip().lower())
        if account is None:
            raise AccountError(f"Aucun compte « {name} » dans {self.path}.")
        accounts[account.name] = Account(
            account.name,
            account.role,
            hash_password(check_password(password, account.name)),
            account.sirets,
            account.created,
            _now(),
        )
        self._write(accounts)

    def _write(self, accounts: dict[str, Account]) -> None:
        payload = {
            "version": 1,
            "accounts": {
                a.name: {
                    "role": a.role,
                    "sirets": list(a.sirets),
                    "password": a.password_hash,
                    "created": a.created,
                    "updated": a.updated,
                }
                for a in sorted(accounts.values(), key=lambda a: a.name)
            },
        }
        write_private(self.path, json.dumps(payload, ensure_ascii=False, indent=2).encode("utf-8") + b"\n")
        self._seen = None


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_private(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` atomically, readable by its owner only (folder 0700)."""
    from pipeline.core import private

    private.folder(path.parent)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- files beside the accounts ------------------------------------------------------------------------


def session_key_path(accounts: Path) -> Path:
    return Path(accounts).expanduser().with_name(Path(accounts).stem + "-session.key")


def attempts_path(accounts: Path) -> Path:
    return Path(accounts).expanduser().with_name(Path(accounts).stem + "-attempts.sqlite3")


def session_key(accounts: Path) -> bytes:
    """The key that signs the dashboard's session cookies, beside the accounts file (mode 0600, created
    once; every gunicorn process reads the same one). Deleting it signs everybody out."""
    path = session_key_path(accounts)
    if not path.exists():
        from pipeline.core import private

        private.folder(path.parent)
        try:  # O_EXCL: when two processes start together, one writes and both read the same key
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_hex(32).encode())
    for _ in range(50):
        key = path.read_bytes().strip()
        if len(key) >= 32:
            return key
        time.sleep(0.02)  # the other process is still writing it
    raise AccountError(f"{path} : clé de session trop courte (supprimez le fichier, il sera recréé).")
