"""Slots shared by every process of a server (issue #25): at most N holders at once, whichever process
they run in, with no server to run and nothing to clean up.

A slot is a file of a private folder (0700) locked with ``flock``: taking one tries each file of the group
without waiting; the lock is the kernel's, released when the holder closes the file or dies (a killed
gunicorn worker never leaves a slot taken). Used for the analysts' SQL queries: a group for the server, a
group per user (:mod:`pipeline.reports.usersql`).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
from pathlib import Path


def folder_for(name: str, key: str) -> Path:
    """A private folder for the slots of ``name`` keyed by ``key`` (e.g. the snapshot a server reads): in
    the temporary folder, one per operating-system user."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / f"insertion-{name}-{os.getuid()}-{digest}"
    folder.mkdir(mode=0o700, exist_ok=True)
    if folder.stat().st_uid != os.getuid() or folder.is_symlink():
        raise PermissionError(f"{folder} : dossier de verrous qui n'appartient pas à cet utilisateur")
    os.chmod(folder, 0o700)
    return folder


def take(folder: Path, group: str, size: int) -> int | None:
    """A descriptor holding one of the ``size`` slots of ``group`` (close it to give the slot back), or
    None when all are taken."""
    for i in range(size):
        fd = take_one(Path(folder) / f"{group}.{i}.lock")
        if fd is not None:
            return fd
    return None


def taken(folder: Path, group: str, size: int) -> int:
    """How many slots of ``group`` are held now (by any process)."""
    n = 0
    for i in range(size):
        fd = take_one(Path(folder) / f"{group}.{i}.lock")
        if fd is None:
            n += 1
        else:
            os.close(fd)
    return n


def take_one(path: Path) -> int | None:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def give_back(fd: int | None) -> None:
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)


def group_name(text: str) -> str:
    """A file-safe group name for any text (a user's name)."""
    return "u" + hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:16]
