"""Paths and small readers shared by the tests of every layer (the fixtures are in tests/conftest.py)."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.warehouse import db as warehouse

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
LIMESURVEY = ROOT / "data" / "exemples" / "limesurvey"
DEMO_KEY = LIMESURVEY / "cle_demo.key"

# what a text shown in French must not contain: the English of the stored reasons and GX's names
ENGLISH = re.compile(r"\bexpect_[a-z_]+|\bexpected\b|\brow\(s\)|\bcolumn '|\bone of\b|\(warehouse\)")


def table_rows(path: Path, sql: str, params=None) -> list[tuple]:
    with warehouse.connect(path, read_only=True) as c:
        return c.execute(sql, params or []).fetchall()


def content_hash(path: Path) -> str:
    with warehouse.connect(path, read_only=True) as c:
        return warehouse.content_hash(c)


def killed_at(point: str, *args) -> str:
    """Run ``insertion ARGS`` in a subprocess (this test's INSERTION_* environment) told to stop at
    ``point`` (``INSERTION_PAUSE_AT``, pipeline/core/pause.py), and kill it there with SIGKILL — no rollback,
    no cleanup, as a power cut would. Returns what it wrote on stderr; fails if it ended before the point."""
    import os
    import subprocess
    import sys
    import threading

    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", *map(str, args)],
        env={**os.environ, "INSERTION_PAUSE_AT": point},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(300, process.kill)  # never wait for ever on a command that hangs elsewhere
    watchdog.start()
    lines = []
    try:
        for line in process.stderr:
            lines.append(line)
            if line.strip() == f"pause : {point}":
                process.kill()  # SIGKILL, at the point
                break
        process.wait(timeout=60)
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
    assert lines and lines[-1].strip() == f"pause : {point}", (
        f"insertion {' '.join(map(str, args))} ended (status {process.returncode}) before « {point} »:\n"
        + "".join(lines)
    )
    assert process.returncode == -9  # killed, not ended
    return "".join(lines)


def relation_rows(path: Path, relations, varying=frozenset()) -> dict[str, list[tuple]]:
    """Every row of ``relations`` in the warehouse at ``path`` (sorted), the ``varying`` columns (load ids,
    clocks) left out: two warehouses that should hold the same figures compare equal."""
    out = {}
    with warehouse.connect(path, read_only=True) as c:  # one connection (opening the file costs 25 ms)
        for relation in relations:
            columns = [
                name
                for (name,) in c.execute(
                    "select column_name from information_schema.columns where table_name = ? "
                    "order by ordinal_position",
                    [relation],
                ).fetchall()
                if name not in varying
            ]
            out[relation] = c.execute(f"select {', '.join(columns)} from {relation} order by all").fetchall()
    return out
