"""Read-only data access for the dashboard.

The dashboard never opens the warehouse itself: it reads the snapshot that ``insertion build`` publishes
atomically (write a new file, then rename). Each request thread gets its own cursor; when the snapshot
changes (new mtime), the next query reopens it, so a rebuild shows up without a restart. Query results
are cached per snapshot version. Parameters are always bound, never formatted into SQL.

Scoping (issue #16): every query runs on a cursor obtained from :meth:`Warehouse.cursor` for a
:class:`pipeline.core.accounts.Scope`; a partner's cursor reads the partner's scoped views
(``dashboard/scoping.py``) instead of the snapshot. The pages read through :func:`get`, which binds the
scope of the signed-in person (``dashboard/access.py``); caches are kept per scope.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.core.accounts import EVERYTHING, Scope
from pipeline.core.sql import set_today, sql_literal
from pipeline.indicators import add_rates, expand
from pipeline.reports import DASHBOARD_QUERIES
from pipeline.reports.settings import settings_in_force


class NoWarehouse(RuntimeError):
    """No snapshot to read yet."""


class Warehouse:
    """A read-only view of the snapshot file, safe to share between threads."""

    def __init__(self, path: Path, cache_size: int = 512):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._base: duckdb.DuckDBPyConnection | None = None
        self._version: int | None = None
        self._local = threading.local()
        self._cache: OrderedDict = OrderedDict()
        self._cache_size = cache_size
        self._generation = 0
        self._alias = ""
        self._scopes: dict[str, str] = {}  # scope key -> its schema, for the current snapshot version

    def version(self) -> int:
        try:
            return os.stat(self.path).st_mtime_ns
        except FileNotFoundError as exc:
            raise NoWarehouse(
                f"Aucun entrepôt à lire ({self.path}) : lancez « insertion build » pour le construire."
            ) from exc

    def cursor(self, scope: Scope = EVERYTHING) -> tuple[int, duckdb.DuckDBPyConnection]:
        """This thread's cursor on the current snapshot (reopened when the snapshot changed), as
        ``scope`` may read it: THE function every query of the dashboard goes through.

        The snapshot is attached read-only to a private in-memory database (DuckDB caches databases
        opened by path, and would keep serving the replaced file), then every file access is disabled
        and the configuration locked. A restricted scope's cursor reads the scope's schema of views
        (created once per snapshot version: :func:`dashboard.scoping.create`), never the snapshot."""
        version = self.version()
        with self._lock:
            if version != self._version:
                self._generation += 1
                alias = f"snapshot_{self._generation}"
                base = duckdb.connect()
                base.execute(f"attach {sql_literal(self.path.resolve())} as {alias} (read_only)")
                for statement in (
                    f"use {alias}",
                    "set enable_external_access = false",
                    "set threads = 1",
                    "set autoinstall_known_extensions = false",
                    "set autoload_known_extensions = false",
                    "set lock_configuration = true",
                ):
                    base.execute(statement)
                self._base, self._version, self._alias = base, version, alias
                self._cache.clear()
                self._scopes = {}
            base, current, alias = self._base, self._version, self._alias
            target = alias
            if scope.restricted:
                if scope.key not in self._scopes:
                    from dashboard import scoping

                    self._scopes[scope.key] = scoping.create(base, alias, scope)
                target = self._scopes[scope.key]
        local = self._local
        if getattr(local, "version", None) != current:
            local.cursors, local.version = {}, current
        if scope.key not in local.cursors:
            cursor = base.cursor()
            cursor.execute(f"use {target}")
            set_today(cursor)
            local.cursors[scope.key] = cursor
        return current, local.cursors[scope.key]

    def query(self, sql: str, params: list | tuple = (), scope: Scope = EVERYTHING) -> pd.DataFrame:
        """Run a parameterised query (cached per snapshot version); callers must not modify the result."""
        return self._cached(
            ("query", sql, repr(params)), lambda cur: cur.execute(sql, list(params)).df(), scope
        )

    def _cached(self, key: tuple, compute, scope: Scope = EVERYTHING):
        """``compute(cursor)`` on ``scope``'s cursor, kept in a least-recently-used cache per snapshot
        version and scope."""
        version, cur = self.cursor(scope)
        key = (version, scope.key, *key)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        result = compute(cur)
        with self._lock:
            self._cache[key] = result
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return result

    def sql_file(self, name: str, params: list | tuple = (), scope: Scope = EVERYTHING) -> pd.DataFrame:
        """A query of ``pipeline/reports/sql/dashboard/`` (its ``/* @counts */`` and ``/* @derived */`` markers expanded by
        the indicators registry, which then adds the rates: :func:`pipeline.indicators.add_rates`)."""
        text = (DASHBOARD_QUERIES / f"{name}.sql").read_text(encoding="utf-8")
        if "/* @derived */" not in text:
            return self.query(expand(text), params, scope)
        return self.call(_with_rates, expand(text), list(params), scope=scope)

    def settings(self):
        """The settings in force at the snapshot's build (their defaults where it recorded none), read
        once per snapshot version: configuration (thresholds), the same for every scope."""
        return self.call(settings_in_force)

    def small_cohort_threshold(self) -> int:
        """The disclosure threshold in force at the last build."""
        return self.settings().small_cohort_threshold

    def call(self, fn, *args, scope: Scope = EVERYTHING):
        """``fn(cursor, *args)``, cached per snapshot version (for the pipeline's query functions)."""
        return self._cached((fn.__module__, fn.__qualname__, repr(args)), lambda cur: fn(cur, *args), scope)

    def has_rows(self, table: str, scope: Scope = EVERYTHING) -> bool:
        """False when a table is missing or empty (pages then explain why they are empty)."""
        try:
            return not self.query(f"select 1 from {table} limit 1", (), scope).empty  # constant names
        except duckdb.CatalogException:
            return False


def _with_rates(cur: duckdb.DuckDBPyConnection, sql: str, params: list):
    return add_rates(cur, cur.execute(sql, params).df())


class Reader:
    """The warehouse as one scope reads it: the same methods as :class:`Warehouse`, each passing the
    scope bound at creation (the pages never choose it)."""

    def __init__(self, warehouse: Warehouse, scope: Scope):
        self._warehouse, self.scope = warehouse, scope

    @property
    def path(self) -> Path:
        return self._warehouse.path

    @property
    def _cache(self) -> OrderedDict:
        """The warehouse's result cache (scripts/bench.py clears it to time callbacks uncached)."""
        return self._warehouse._cache

    def version(self) -> int:
        return self._warehouse.version()

    def cursor(self) -> tuple[int, duckdb.DuckDBPyConnection]:
        return self._warehouse.cursor(self.scope)

    def query(self, sql: str, params: list | tuple = ()) -> pd.DataFrame:
        return self._warehouse.query(sql, params, self.scope)

    def sql_file(self, name: str, params: list | tuple = ()) -> pd.DataFrame:
        return self._warehouse.sql_file(name, params, self.scope)

    def call(self, fn, *args):
        return self._warehouse.call(fn, *args, scope=self.scope)

    def has_rows(self, table: str) -> bool:
        return self._warehouse.has_rows(table, self.scope)

    def settings(self):
        return self._warehouse.settings()

    def small_cohort_threshold(self) -> int:
        return self._warehouse.small_cohort_threshold()


_warehouse: Warehouse | None = None


def get() -> Reader:
    """The process-wide warehouse (set by :func:`configure`) as the person of the current request may
    read it (:func:`dashboard.access.current_scope`: everything when nobody needs to sign in)."""
    from dashboard.access import current_scope

    if _warehouse is None:
        from pipeline.core.config import Settings

        configure(Settings.load().snapshot)
    return Reader(_warehouse, current_scope())


def configure(path: Path) -> Warehouse:
    global _warehouse
    _warehouse = Warehouse(path)
    return _warehouse
