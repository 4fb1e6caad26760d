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
