"""What every command shares: settings, the writer's connection and its finish (refresh, snapshot, Data Docs), the readers' snapshot."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from pipeline.core.config import Settings

EPILOG = (
    "Réglages (variables d'environnement) :\n"
    + Settings.describe()
    + "\n  INSERTION_TODAY            Le jour où les dates sont jugées, aaaa-mm-jj (tests, rejeux). (par défaut : aujourd'hui)"
    + "\n  INSERTION_DASHBOARD_PASSWORD  Mot de passe HTTP du tableau de bord sur 127.0.0.1 tant qu'aucun compte n'existe."
    + "\nLes réglages qui font les chiffres sont ceux enregistrés par le dernier `insertion build` : toute autre"
    + "\ncommande les applique, et le dit quand son environnement en demande d'autres."
)


def settings_of(args) -> Settings:
    return Settings.load(warehouse=args.warehouse)


def open_writer(settings: Settings):
    from pipeline.load.sources.reference import load_reference
    from pipeline.warehouse import db as warehouse
    from pipeline.warehouse import models

    con = warehouse.connect(settings.warehouse, memory_limit=settings.memory_limit)
    models.ensure_schema(con)
    load_reference(con, settings.reference_dir)
    return con


def finish(con, settings: Settings, gate=None, scope: list[str] | None = None, record: bool = False) -> None:
    """Rebuild the marts (only the ``scope`` certifications when given), publish the read-only snapshot
    and the Data Docs. Under the settings in force (recorded at the last build); ``record`` (``insertion
    build`` alone) records ``settings`` as the new ones."""
    if not record:
        settings = in_force(con, settings)
    from concurrent.futures import ThreadPoolExecutor

    from pipeline.warehouse import db as warehouse
    from pipeline.warehouse import models

    waiting, codes = models.pending(con)
    # this command's own loads are pending too until the refresh: say so only for others' (a killed load)
    if waiting and scope is not None and (codes is None or set(codes) - set(scope)):
        print(
            "  rafraîchissement aussi des statistiques d'un chargement interrompu : "
            + ("toutes les certifications" if codes is None else ", ".join(codes)),
            flush=True,
        )
    # GX renders the docs (Python, one core) while DuckDB works without the GIL. A full rebuild of the
    # marts is long and the rendering hides behind it; an incremental refresh takes both cores for under
    # a second, so the rendering waits for it and overlaps the snapshot copy (kernel I/O) instead.
    with ThreadPoolExecutor(1) as background:
        render = gate.build_docs if gate is not None else None
        docs = background.submit(render) if render and scope is None else None
        models.build_models(con, settings, scope)
        report_issues(con, scope)
        if render and docs is None:
            docs = background.submit(render)
        warehouse.publish_snapshot(con, settings)
    index = docs.result() if docs is not None else None
    if index:
        print(f"Data Docs : {index}")


def settle_pending(settings: Settings) -> None:
    """Finish what a killed command committed without finishing: the refresh of a load or an unload
    (``pending_refresh``), so that no command reads statistics older than the rows, and the publication
    of a declaration (``pending_publication``), so that no reader misses it. Skipped while another process
    writes (that process refreshes and publishes at its end)."""
    import duckdb

    from pipeline.warehouse import db as warehouse
    from pipeline.warehouse import models

    if not settings.warehouse.exists():
        return
    try:
        with warehouse.connect(settings.warehouse, read_only=True) as con:
            waiting, _ = models.pending(con)
            unpublished = warehouse.unpublished(con)
    except (warehouse.WarehouseBusy, duckdb.CatalogException):  # being written, or older than the mark
        return
    if not waiting and not unpublished:
        return
    if waiting:
        print(
            "Un chargement interrompu a laissé des statistiques à rafraîchir : rafraîchissement…",
            file=sys.stderr,
            flush=True,
        )
    for what, object_id in unpublished:
        print(
            f"La {'déclaration' if what == 'declaration' else what} n° {object_id} a été enregistrée mais pas "
            "publiée (commande interrompue) : publication…",
            file=sys.stderr,
            flush=True,
        )
    try:
        with open_writer(settings) as con:
            if waiting:
                finish(con, settings, scope=[])  # refreshes, then publishes (clearing the marks too)
            else:
                warehouse.publish_snapshot(con, settings)
    except warehouse.WarehouseBusy:
        return


@contextlib.contextmanager
def open_reader(settings: Settings):
    """A read-only connection on the published snapshot (as the dashboard reads it), so that reading
    never waits for a build that is writing; says on stderr when the snapshot was published."""
    from pipeline.warehouse import db as warehouse

    path = published(settings)
    with warehouse.connect(path, read_only=True) as con:
        yield con


def published(settings: Settings) -> Path:
    """The file read commands read: the snapshot (after finishing an interrupted refresh), with a line
    on stderr saying when it was published; the warehouse itself when no snapshot was published yet."""
    from datetime import datetime

    settle_pending(settings)
    if not settings.snapshot.exists():
        return settings.warehouse
    when = datetime.fromtimestamp(settings.snapshot.stat().st_mtime)
    minutes = int((datetime.now() - when).total_seconds() // 60)
    if minutes < 1:
        age = "à l'instant"
    elif minutes < 120:
        age = f"il y a {minutes} min"
    elif minutes < 48 * 60:
        age = f"il y a {minutes // 60} h"
    else:
        age = f"il y a {minutes // 1440} jours"
    print(f"Données publiées le {when:%d/%m/%Y à %H:%M} ({age}).", file=sys.stderr)
    return settings.snapshot


def report_issues(con, scope: list[str] | None) -> None:
    """After a refresh: what the figures set aside or decided (view ``quality_issues``), per rule."""
    from pipeline.reports import quality

    for label, n in quality.issue_counts(con, scope):
        print(f"  avertissement : {n} × {label} (insertion quality --issues)", flush=True)


def in_force(con, settings: Settings) -> Settings:
    """The settings the figures were computed with (recorded at build), which every output applies and
    prints; says on stderr when the environment asks for others (pipeline/reports/settings.py)."""
    from pipeline.reports.settings import notice, settings_in_force

    text = notice(con, settings)
    if text:
        print(text, file=sys.stderr)
    return settings_in_force(con, settings)
