"""Pseudonymisation: candidate references become HMAC-SHA256 digests under a secret key.

The digest is truncated to its first 128 bits (RFC 2104 §5 allows truncating to half the output; 2**-128
per pair makes a collision among millions of people vanishingly unlikely) and stored in DuckDB's 16-byte
``UUID`` type: a fixed-width key that joins, sorts and compresses much better than 64 hex characters.

The key lives outside the warehouse and outside git (``Settings.key_file``); it is created on first use.
The same reference gives the same digest in cohort and survey files, so people link across sources,
while nobody holding only the warehouse can get back to the reference.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from pipeline.core import private
from pipeline.core.normalise import map_distinct


def load_key(path: Path) -> bytes:
    """Read the key, creating it (32 random bytes, hex, mode 0600) when the file does not exist."""
    if not path.exists():
        private.folder(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32) + "\n")
    key = path.read_text().strip()
    if len(key) < 32:
        raise ValueError(
            f"{path} : la clé de pseudonymisation est trop courte (attendu 64 caractères hexadécimaux)"
        )
    return key.encode()


FINGERPRINT_KEY = "key_fingerprint"  # its row in the warehouse's settings table


class KeyMismatch(ValueError):
    """The key file is missing or is not the key the warehouse's people were pseudonymised with."""


def fingerprint(key: bytes) -> str:
    """A short public mark of the key (an HMAC of a fixed text: it does not reveal the key)."""
    return hmac.new(key, b"insertion-professionnelle/key-fingerprint/v1", "sha256").hexdigest()[:16]


def recorded_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    """The fingerprint of the key the warehouse's people were pseudonymised with (None before a load)."""
    return con.execute("select max(value) from settings where key = ?", [FINGERPRINT_KEY]).fetchone()[0]


def warehouse_key(con: duckdb.DuckDBPyConnection, path: Path) -> bytes:
    """The key for loads into this warehouse: the file's key when its fingerprint is the one recorded
    (recorded at the first load). A warehouse that already holds pseudonymised people never gets a new
    key: a missing or different key file is refused (:class:`KeyMismatch`), since its digests would link
    nobody to the people already loaded."""
    from pipeline.indicators.formats import fr_int

    stored = recorded_fingerprint(con)
    people = con.execute(
        "select (select count(*) from landing_cohort_results) + (select count(*) from landing_survey_answers)"
    ).fetchone()[0]
    restore = (
        "Restaurez ce fichier depuis votre sauvegarde (ou indiquez son emplacement dans INSERTION_KEY_FILE) ; "
        "voir « Clé de pseudonymisation » dans le README."
    )
    if not path.exists() and (stored or people):
        raise KeyMismatch(
            f"Clé de pseudonymisation introuvable : {path}. L'entrepôt contient {fr_int(people)} lignes de personnes "
            f"pseudonymisées avec la clé d'empreinte {stored or '(non enregistrée)'} : une nouvelle clé ne les "
            f"relierait plus aux fichiers suivants, aucune n'a été créée. {restore}"
        )
    key = load_key(path)  # created here only for a warehouse that holds nobody yet
    mark = fingerprint(key)
    if stored and stored != mark:
        raise KeyMismatch(
            f"La clé {path} (empreinte {mark}) n'est pas celle de cet entrepôt (empreinte {stored}) : "
            f"les personnes chargées avec l'autre clé ne se relieraient plus. {restore}"
        )
    if not stored:
        con.execute("insert or replace into settings values (?, ?)", [FINGERPRINT_KEY, mark])
    return key


def check_key(con: duckdb.DuckDBPyConnection, path: Path) -> str | None:
    """What is wrong with the key file for this warehouse (for ``insertion validate``), or None."""
    stored = recorded_fingerprint(con)
    if not path.exists():
        return f"clé de pseudonymisation introuvable : {path}" + (
            f" (empreinte attendue {stored})" if stored else ""
        )
    mark = fingerprint(path.read_text().strip().encode())
    if stored and stored != mark:
        return f"la clé {path} (empreinte {mark}) n'est pas celle de l'entrepôt (empreinte {stored})"
    return None


# What a reference is, whatever its case and surrounding blanks: ' ab-12 ' == 'AB-12'.
_NORMALISED = "upper(trim(m, ' \t\r\n\u00a0'))"


def pseudonymise(series: pd.Series, key: bytes) -> pd.Series:
    """HMAC-SHA256-128 (32 hex characters) of each non-empty reference; empty references stay empty.
    The warehouse stores it as ``uuid`` (``'<hex>'::uuid``)."""
    return map_distinct(series, lambda uniques: hmac_hex(pa.array(uniques, type=pa.string()), key), "string")


def hmac_hex(messages: pa.Array, key: bytes) -> pa.ChunkedArray:
    """HMAC-SHA256 (RFC 2104) of each normalised reference under ``key``, truncated to 128 bits (32 hex
    characters), computed by DuckDB's vectorised SHA-256 on every core (about 10x faster than a Python
    loop); blank gives NULL. Same digests as
    ``hmac.digest(key, ref.strip().upper().encode(), "sha256").hex()[:32]`` (tested)."""
    block = (key if len(key) <= 64 else hashlib.sha256(key).digest()).ljust(64, b"\0")
    inner = bytes(b ^ 0x36 for b in block)
    outer = bytes(b ^ 0x5C for b in block)
    messages_table = pa.table({"m": messages})  # noqa: F841 (read by DuckDB by name)
    con = duckdb.connect()
    try:
        return (
            con.sql(
                f"select case when {_NORMALISED} <> '' then "
                f"left(sha256($outer::blob || unhex(sha256($inner::blob || encode({_NORMALISED})))), 32) end "
                "from messages_table",
                params={"outer": outer, "inner": inner},
            )
            .to_arrow_table()
            .column(0)
        )
    finally:
        con.close()
