"""The DuckDB warehouse file: connections, the read-only snapshot, content digests."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import duckdb

from pipeline.core import private
from pipeline.core.config import Settings
from pipeline.core.pay import PAY_BAND
from pipeline.core.sql import scalar, set_today


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse file."""


def connect(
    path: Path, read_only: bool = False, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse. Read-only connections cannot write, attach, install or read outside files.
    ``memory_limit`` bounds DuckDB's memory (it spills to a temporary folder beside the warehouse)."""
    if read_only and not path.exists():
        raise FileNotFoundError(f"{path} : pas encore d'entrepôt ; lancez d'abord « insertion build »")
    if read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    else:  # the warehouse holds people's records: its folder and files are its owner's only
        private.folder(path.parent)
        for existing in (path, path.with_name(path.name + ".wal")):
            private.file(existing)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        raise WarehouseBusy(  # DuckDB's own text (a PID, a path to Python) stays out of the message
            f"{path} est ouvert par un autre processus ; attendez qu'il finisse, ou lisez l'instantané publié"
        ) from exc
    set_today(con)
    if memory_limit:
        con.execute(f"set memory_limit = '{memory_limit}'")  # a setting, not user input
        con.execute("set preserve_insertion_order = false")
        con.execute("set temp_directory = ?", [str(path.parent / ".duckdb_tmp")])
    if read_only:
        con.execute("set enable_external_access = false")
        con.execute("set autoinstall_known_extensions = false")
        con.execute("set autoload_known_extensions = false")
        con.execute("set lock_configuration = true")
    return con


SNAPSHOT_SQL = Path(__file__).with_name("sql") / "snapshot.sql"


def publish_snapshot(con: duckdb.DuckDBPyConnection, settings: Settings) -> Path:
    """Copy the warehouse to ``settings.snapshot`` atomically (write a new file, then rename), so readers
    never see a half-written file and never hold the writer's lock. The copy holds no exact individual
    pay (``sql/snapshot.sql``). Once the copy is in place, what waited for it (:func:`unpublished`) is
    published: the marks are cleared (a kill before that only publishes it twice)."""
    marked = bool(unpublished(con))
    con.execute("checkpoint")
    target = settings.snapshot
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.copyfile(settings.warehouse, tmp)
    private.file(tmp)
    try:
        with duckdb.connect(str(tmp)) as copy:
            copy.execute(SNAPSHOT_SQL.read_text(encoding="utf-8").replace("/* @pay_band */", str(PAY_BAND)))
            if marked:
                copy.execute("delete from pending_publication")
            copy.execute("checkpoint")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    if marked:
        con.execute("delete from pending_publication")
    return target


def mark_unpublished(con: duckdb.DuckDBPyConnection, what: str, object_id: int) -> None:
    """Record, in the caller's transaction, that ``what`` n° ``object_id`` waits for the next publication
    of the snapshot (``sql/schema/02_publication.sql``): committed with it, cleared by
    :func:`publish_snapshot`, so a command killed in between leaves it for the next command to publish."""
    con.execute("insert into pending_publication values (?, ?, now()::timestamp)", [what, object_id])


def unpublished(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    """(what, id) of everything committed and not yet in the published snapshot (none in a warehouse
    written before the table existed)."""
    try:
        return [
            (what, object_id)
            for what, object_id in con.execute(
                "select what, object_id from pending_publication order by marked_at, object_id"
            ).fetchall()
        ]
    except duckdb.CatalogException:
        return []


DATA_TABLES = (
    "landing_cohort_results",
    "landing_survey_answers",
    "quarantine",
    "ref_target_jobs",
    "ref_certifications",
)


def content_hash(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...] = DATA_TABLES) -> str:
    """A digest of the rows of the data tables (order-independent), to prove a load changed nothing."""
    digest = hashlib.sha256()
    for table in tables:
        exists = scalar(con, "select count(*) from information_schema.tables where table_name = ?", [table])
        if not exists:
            continue
        count, h = con.execute(f"select count(*), coalesce(sum(hash(t)), 0) from {table} as t").fetchall()[0]
        digest.update(f"{table}:{count}:{h};".encode())
    return digest.hexdigest()
