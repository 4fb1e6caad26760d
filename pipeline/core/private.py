"""Files and folders readable by their owner only (issue #25): the warehouse and its snapshot, the
declarations (their manifest lists people and their answers), the configuration folder (accounts, keys,
journal). Files 0600, folders 0700.

Every command runs under the umask 077 (:func:`umask`, set by ``insertion`` itself), so that whatever it
creates — DuckDB's files, the Data Docs, packs, exports — is private from its creation; the functions below
also tighten what an older version left readable by others."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

UMASK = 0o077


def folder(path: Path) -> Path:
    """Create ``path`` if needed, and make it 0700 (when this user owns it)."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    _chmod(path, 0o700)
    return path


def file(path: Path) -> Path:
    """Make an existing file 0600 (when this user owns it)."""
    _chmod(Path(path), 0o600)
    return Path(path)


def _chmod(path: Path, mode: int) -> None:
    with contextlib.suppress(FileNotFoundError, PermissionError):
        if path.stat().st_uid == os.getuid() and (path.stat().st_mode & 0o777) != mode:
            os.chmod(path, mode)


@contextlib.contextmanager
def umask():
    """Run the block under the umask 077, then restore the previous one."""
    previous = os.umask(UMASK)
    try:
        yield
    finally:
        os.umask(previous)
