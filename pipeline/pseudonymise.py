"""Pseudonymisation: candidate references become HMAC-SHA256 digests under a secret key.

The key lives outside the warehouse and outside git (``Settings.key_file``); it is created on first use.
The same reference gives the same digest in cohort and survey files, so people link across sources,
while nobody holding only the warehouse can get back to the reference.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

import pandas as pd


def load_key(path: Path) -> bytes:
    """Read the key, creating it (32 random bytes, hex, mode 0600) when the file does not exist."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32) + "\n")
    key = path.read_text().strip()
    if len(key) < 32:
        raise ValueError(f"{path}: the pseudonymisation key is too short (expected 64 hex characters)")
    return key.encode()


def normalise_reference(value: str) -> str:
    """References match whatever their case and surrounding spaces: ' ab-12 ' == 'AB-12'."""
    return value.strip().upper()


def pseudonymise(series: pd.Series, key: bytes) -> pd.Series:
    """HMAC-SHA256 (hex) of each non-empty reference; empty references stay empty."""
    lookup = {}
    for raw in series.dropna().unique():
        ref = normalise_reference(str(raw))
        lookup[raw] = hmac.digest(key, ref.encode(), "sha256").hex() if ref else pd.NA
    return series.map(lookup).astype("string")
