"""``build``, ``ingest``, ``watch``, ``validate``, ``quality``: loading files and checking them."""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.cli.common import finish, in_force, open_reader, open_writer, settings_of
from pipeline.core.config import Settings


def cmd_build(args) -> int:
    """Ingest every file under data/raw/, load the reference files and rebuild the marts.

    Files already loaded (same sha256) are skipped, so running it twice changes nothing.

    Example:
      insertion build
      insertion build --raw-dir /path/to/exports --warehouse /tmp/w.duckdb
    """
    from pipeline.load.gate import Gate, preload
    from pipeline.load.ingest import ingest_files, raw_files
    from pipeline.load.pseudonymise import warehouse_key
    from pipeline.load.staging import clean

    preload()
    settings = Settings.load(warehouse=args.warehouse, raw_dir=args.raw_dir)
    files = raw_files(settings.raw_dir, settings)
    gate = Gate(settings)  # build applies (and records) the settings of its environment

    shown = iter(range(1, len(files) + 1))

    def show(report) -> None:
        print(
            f"[{next(shown)}/{len(files)}] {report.summary()}",
            file=sys.stderr if report.status == "rejected" else sys.stdout,
            flush=True,
        )

    with open_writer(settings) as con:
        clean(settings.warehouse.parent)  # what a killed load left staged
        key = warehouse_key(con, settings.key_file)
        reports = ingest_files(con, files, settings, key, gate, workers=settings.workers, on_report=show)
        finish(con, settings, gate, record=True)
    rejected = sum(r.status == "rejected" for r in reports)
    print(f"Warehouse {settings.warehouse}: {len(files)} file(s), {rejected} rejected.")
    return 1 if rejected else 0


def cmd_ingest(args) -> int:
    """Validate and load one or more files (cohort results or surveys, CSV or XLSX; LimeSurvey exports;
    RNCP and ROME referentials).

    The kind is detected from the head of the file; --kind forces it. A file already loaded is skipped.
    A file that cannot be loaded is reported (file, row, column, what was expected), nothing of it is
    written, and the command exits with status 1. Rows failing a check go to quarantine.

    Example:
      insertion ingest exports/jury-2024.csv exports/enquete-6-mois.xlsx
      insertion ingest --kind survey_answers enquete-forms.csv
      insertion ingest reponses-limesurvey.csv --mapping reponses-limesurvey.mapping.json
    """
    from pipeline.load.gate import Gate, preload
    from pipeline.load.ingest import ingest_file, touched_certifications
    from pipeline.load.pseudonymise import warehouse_key
    from pipeline.load.staging import clean

    preload()
    settings = settings_of(args)
    reports = []
    with open_writer(settings) as con:
        settings = in_force(con, settings)  # a load applies the settings of the figures it joins
        clean(settings.warehouse.parent)  # what a killed load left staged
        gate = Gate(settings)
        key = warehouse_key(con, settings.key_file)
        for path in args.files:
            report = ingest_file(
                con, Path(path), settings, key, kind=args.kind, gate=gate, mapping=args.mapping
            )
            reports.append(report)
            _print_report(report)
        finish(con, settings, gate, scope=touched_certifications(con, reports))
    rejected = sum(r.status == "rejected" for r in reports)
    return 1 if rejected else 0


def _print_report(report) -> None:
    """A load's summary line (on stderr when the file was rejected) and its warnings."""
    print(report.summary(), file=sys.stderr if report.status == "rejected" else sys.stdout, flush=True)
    for warning in report.warnings:
        print(f"  warning: {warning}", flush=True)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def cmd_watch(args) -> int:
    """Watch data/raw/ and load each new or changed file as soon as it is complete, until Ctrl-C.

    A file is loaded once its size and time stop changing between two looks (never half-written),
    exactly as `insertion ingest` would load it; then only the certifications it touches are
    recomputed and the snapshot is published. Files are read and validated by worker processes
    (INSERTION_WORKERS) that keep Great Expectations loaded, so a small file is in the dashboard within
    seconds, and a long file (or a file of bad rows, refused after its first rows) never holds up the
    others. The warehouse is opened only to write: other commands can run meanwhile (when one holds it,
    the watcher writes at a later look).

    Example:
      insertion watch
      insertion watch --raw-dir /srv/exports --interval 5
    """
    import signal
    import time

    from pipeline.load.gate import Gate, preload
    from pipeline.load.ingest import loaded_digests, touched_certifications
    from pipeline.load.pseudonymise import warehouse_key
    from pipeline.load.sources import find
    from pipeline.load.staging import clean, discard
    from pipeline.load.watch import Arrivals, Checks, write_done
    from pipeline.warehouse.db import WarehouseBusy

    signal.signal(signal.SIGTERM, _interrupt)  # a service manager's stop ends it like Ctrl-C
    preload()  # this process records the workers' results and renders the Data Docs
    settings = Settings.load(warehouse=args.warehouse, raw_dir=args.raw_dir)
    if not settings.raw_dir.is_dir():
        raise FileNotFoundError(f"{settings.raw_dir}: no such folder to watch")
    with open_writer(settings) as con:
        settings = in_force(con, settings)
        key = warehouse_key(con, settings.key_file)
        known = loaded_digests(con)
    clean(settings.warehouse.parent)
    gate = Gate(settings)  # renders the Data Docs of what the workers validated
    arrivals = Arrivals(settings.raw_dir, settings)
    checks = Checks(settings, key)
    print(f"Watching {settings.raw_dir} every {args.interval:g} s (Ctrl-C to stop).", flush=True)
    counts = dict.fromkeys(("loaded", "skipped", "rejected"), 0)
    waiting, started = [], None  # checked but not written yet (the warehouse was busy); first arrival
    busy = False
    try:
        while True:
            for path in arrivals.ready():
                started = started or time.perf_counter()
                source = find(path, settings.header_mapping)
                try:
                    digest = source.digest(path)
                except OSError:  # removed meanwhile: its check says so
                    digest = ""
                if digest and digest in known:
                    counts["skipped"] += 1
                else:
                    checks.submit(path, source, digest)
                arrivals.handled([path])
            waiting += checks.done()
            if waiting:
                try:
                    with open_writer(settings) as con:
                        reports = write_done(con, waiting, gate)
                        for report in reports:
                            if report.status != "skipped":
                                _print_report(report)
                        if any(r.status == "loaded" for r in reports):
                            finish(con, settings, gate, scope=touched_certifications(con, reports))
                        known = loaded_digests(con)
                except WarehouseBusy as exc:
                    if not busy:  # once per wait, not at every look
                        print(f"waiting: {exc}", file=sys.stderr, flush=True)
                    busy = True
                else:
                    waiting, busy = [], False
                    for report in reports:
                        counts[report.status] += 1
            if started is not None and not waiting and not checks.pending:
                print(
                    f"Up to date ({time.perf_counter() - started:.1f} s): {counts['loaded']} file(s) loaded, "
                    f"{counts['skipped']} already there, {counts['rejected']} rejected.",
                    flush=True,
                )
                counts = dict.fromkeys(counts, 0)
                started = None
            time.sleep(args.interval)
    except KeyboardInterrupt:
        print("Stopped.")
        return 0
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second stop does not interrupt the stopping
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        checks.close()
        for *_, checked in waiting:
            discard(checked.batch)


def cmd_validate(args) -> int:
    """Re-run every Great Expectations suite over the warehouse, plus the cross-source checks.

    Prints one line per expectation, records the runs in the warehouse (validation_runs,
    validation_results), rewrites the Data Docs, and exits with status 1 when an error-level
    expectation fails.

    Example:
      insertion validate
      insertion validate --failed-only
    """
    from pipeline.load import checks
    from pipeline.load.gate import Gate
    from pipeline.load.pseudonymise import check_key
    from pipeline.outputs import text
    from pipeline.reports import declared as declarations
    from pipeline.reports import habilitation, quality
    from pipeline.warehouse import db as warehouse
    from pipeline.warehouse import models

    settings = settings_of(args)
    with open_writer(settings) as con:
        settings = in_force(con, settings)
        gate = Gate(settings)
        models.build_models(con, settings)
        verdicts = checks.validate_warehouse(con, gate)
        warehouse.publish_snapshot(con, settings)
        key_problem = check_key(con, settings.key_file)
        partners = habilitation.by_partner(con)  # issue #16: counts per partner
        drifted = declarations.warnings(con)
    table = quality.summary(verdicts)
    if args.failed_only:
        table = table[table["result"] != "ok"]
    print(text.format_table(table) if not table.empty else "Every expectation passed.")
    if not partners.empty:
        print(f"\n{habilitation.TITLE} ({partners['Certifiés concernés'].sum()} certifiés) :")
        print(text.format_table(partners))
    docs = gate.build_docs()
    if docs:
        print(f"Data Docs: {docs}")
    for line in drifted:  # issue #17: a declared rate the current data would move by a point or more
        print(f"avertissement : chiffre déclaré modifié — {line}")
    failed = [o for v in verdicts for o in v.outcomes if not o.success and o.severity == "error"]
    print(f"{len(failed)} error-level expectation(s) failed." if failed else "No error-level failure.")
    if key_problem:
        print(f"Erreur : {key_problem} (README, « Clé de pseudonymisation »).", file=sys.stderr)
    return 1 if failed or key_problem else 0


def cmd_quality(args) -> int:
    """Show the validation history: runs (per load and warehouse-wide), one run's expectations, or
    the quarantined rows.

    Example:
      insertion quality                 # the latest runs
      insertion quality --run 12        # every expectation of run 12, with unexpected counts and samples
      insertion quality --quarantine    # rows and fields set aside, with their reasons
      insertion quality --issues        # the rules the figures applied (duplicates, orphans, windows…)
    """
    from pipeline.outputs import text
    from pipeline.reports import quality

    settings = settings_of(args)
    counts = None
    with open_reader(settings) as con:
        if args.issues:
            frame = quality.issues(con)
        elif args.quarantine:
            frame = quality.quarantine(con, args.limit)
            counts = quality.quarantine_counts(con, args.limit)
        elif args.run is not None:
            frame = quality.run_details(con, args.run)
        else:
            frame = quality.history(con, args.limit)
    if frame.empty:
        print("Nothing recorded yet.")
        return 0
    if counts is not None and not counts.empty:  # every failing row counted, beside the examples kept
        print(
            "Lignes et champs écartés par fichier, colonne et contrôle (la quarantaine en garde des exemples) :"
        )
        print(text.format_table(counts.astype(object).where(counts.notna(), None)) + "\n")
    print(text.format_table(frame.astype(object).where(frame.notna(), None)))
    return 0


def register(add) -> None:
    """Add this group's commands to the ``insertion`` parser (``add`` as in :mod:`pipeline.cli`)."""
    p = add("build", cmd_build, "ingest data/raw/ and rebuild the marts")
    p.add_argument("--raw-dir", metavar="DIR", help="folder to ingest (default data/raw)")

    p = add("ingest", cmd_ingest, "validate and load files")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument(
        "--kind",
        # the sources' names (pipeline.load.sources.NAMES, not imported here so that the CLI starts fast)
        choices=[
            "cdc_flux",
            "rncp",
            "rome_codes",
            "rome_appellations",
            "cohort_results",
            "survey_answers",
            "limesurvey",
        ],
        help="force the kind of the files (its source)",
    )
    p.add_argument(
        "--mapping",
        type=Path,
        metavar="FILE.json",
        help="mapping of a LimeSurvey responses export (default: <export>.mapping.json beside it), or of a "
        "CDC flux: idTechnique ↔ Référence candidat (default: data/reference/cdc_correspondance.csv when it exists)",
    )

    p = add("watch", cmd_watch, "load new files of data/raw/ as they arrive")
    p.add_argument("--raw-dir", metavar="DIR", help="folder to watch (default data/raw)")
    p.add_argument(
        "--interval", type=float, default=1.0, metavar="SECONDS", help="time between looks (default 1)"
    )

    p = add("validate", cmd_validate, "re-run every suite over the warehouse")
    p.add_argument("--failed-only", action="store_true", help="list only the expectations that failed")

    p = add("quality", cmd_quality, "show the validation history and the quarantine")
    p.add_argument("--run", type=int, metavar="ID", help="show every expectation of one run")
    p.add_argument("--quarantine", action="store_true", help="list quarantined rows and their reasons")
    p.add_argument(
        "--issues", action="store_true", help="the rules applied to the figures, per certification"
    )
    p.add_argument("--limit", type=int, default=50, help="number of lines (default 50)")
