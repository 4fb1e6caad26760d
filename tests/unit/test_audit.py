"""The audit journal's store (issue #25): append-only, chained, purged after its retention, never in the
way of the action it records. HTTP and command-line rows: tests/e2e/test_security_http.py."""

import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.core import audit
from pipeline.core.audit import Journal


def test_rows_are_chained_and_neither_updated_nor_deleted(tmp_path):
    journal = Journal(tmp_path / "journal.sqlite3")
    ids = [journal.record("sql", user="ana", address="10.0.0.1", requete=f"select {i}") for i in range(3)]
    assert ids == [1, 2, 3] and journal.verify() == []
    assert [r["details"]["requete"] for r in journal.rows()] == ["select 2", "select 1", "select 0"]
    con = sqlite3.connect(journal.path)
    for statement in ("update journal set user = 'x'", "delete from journal"):
        with pytest.raises(sqlite3.DatabaseError, match="interdite"):
            con.execute(statement)
    # written around the product (triggers dropped), a change shows
    con.execute("drop trigger journal_no_delete")
    con.execute("delete from journal where id = 2")
    con.commit()
    con.close()
    assert journal.verify() == ["ligne 3 : ne suit pas la ligne précédente (ligne retirée ou insérée)"]


def _plant_old_rows(journal: Journal, days_ago: list[int]) -> None:
    """Rows written as the product writes them, dated in the past (an old journal)."""
    journal.record("page", user="setup")  # the schema
    con = sqlite3.connect(journal.path, isolation_level=None)
    con.execute("drop trigger journal_no_delete")
    con.execute("delete from journal")
    con.execute("delete from sqlite_sequence")
    prev = ""
    for i, days in enumerate(days_ago, start=1):
        row = {
            "id": i,
            "at": audit.stamp(datetime.now(UTC) - timedelta(days=days)),
            "user": "ana",
            "role": "analyste",
            "address": "",
            "channel": "web",
            "action": "page",
            "outcome": "ok",
            "details": json.dumps({"chemin": f"/{days}"}),
        }
        digest = audit.row_hash(prev, row)
        con.execute(
            "insert into journal values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [*(row[c] for c in audit.COLUMNS), prev, digest],
        )
        prev = digest
    con.close()
    Journal(journal.path).record("page", user="setup2")  # puts the triggers back (and is a row itself)


def test_rows_older_than_the_retention_are_purged_and_the_chain_still_verifies(tmp_path):
    journal = Journal(tmp_path / "journal.sqlite3", retention_days=30)
    _plant_old_rows(journal, [400, 40, 31, 2])
    audit._purged.clear()
    journal.record("sql", user="chef", requete="select 1")
    rows = journal.rows()
    assert [r["details"].get("chemin") for r in rows if r["action"] == "page" and r["user"] == "ana"] == [
        "/2"
    ]
    purge = [r for r in rows if r["action"] == "purge"]
    assert len(purge) == 1 and purge[0]["details"]["lignes"] == 3
    assert journal.verify() == []


def test_a_journal_that_cannot_be_written_never_stops_the_action(tmp_path, capsys):
    (tmp_path / "not-a-folder").write_text("")
    broken = Journal(tmp_path / "not-a-folder" / "journal.sqlite3")
    assert audit.record("sql", journal=broken, user="ana", requete="select 1") is None
    assert "Journal d'audit non écrit" in capsys.readouterr().err
    good = Journal(tmp_path / "journal.sqlite3")
    audit.record("sql", journal=good, user="ana", requete="select 2")
    rows = sorted(good.rows(), key=lambda r: r["id"])
    assert [(r["action"], r["outcome"]) for r in rows] == [("journal", "echec"), ("sql", "ok")]
    assert "sql" in rows[0]["details"]["lost"][0]


def test_since_reads_days_or_dates():
    assert audit.parse_since("2026-11-01") == "2026-11-01T00:00:00.000Z"
    assert audit.parse_since("01/11/2026") == "2026-11-01T00:00:00.000Z"
    assert audit.parse_since("7") < audit.stamp(datetime.now(UTC))
    with pytest.raises(ValueError, match="aaaa-mm-jj"):
        audit.parse_since("hier")
