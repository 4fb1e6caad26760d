"""The ``insertion`` command: a thin layer over the library. Each command's docstring is its --help."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

from .config import Settings

EPILOG = "Settings (environment variables):\n" + Settings.describe()


def _settings(args) -> Settings:
    return Settings.load(warehouse=args.warehouse)


def _open(settings: Settings):
    from . import warehouse
    from .sources.reference import load_reference

    con = warehouse.connect(settings.warehouse, memory_limit=settings.memory_limit)
    warehouse.ensure_schema(con)
    load_reference(con, settings.reference_dir)
    return con


def _finish(con, settings: Settings, gate=None, scope: list[str] | None = None) -> None:
    """Rebuild the marts (only the ``scope`` certifications when given), publish the read-only snapshot
    and the Data Docs."""
    from concurrent.futures import ThreadPoolExecutor

    from . import warehouse

    waiting, codes = warehouse.pending(con)
    # this command's own loads are pending too until the refresh: say so only for others' (a killed load)
    if waiting and scope is not None and (codes is None or set(codes) - set(scope)):
        print(
            "  refreshing the statistics of an interrupted load too: "
            + ("every certification" if codes is None else ", ".join(codes)),
            flush=True,
        )
    # GX renders the docs (Python, one core) while DuckDB works without the GIL. A full rebuild of the
    # marts is long and the rendering hides behind it; an incremental refresh takes both cores for under
    # a second, so the rendering waits for it and overlaps the snapshot copy (kernel I/O) instead.
    with ThreadPoolExecutor(1) as background:
        render = gate.build_docs if gate is not None else None
        docs = background.submit(render) if render and scope is None else None
        warehouse.build_models(con, settings, scope)
        _report_issues(con, scope)
        if render and docs is None:
            docs = background.submit(render)
        warehouse.publish_snapshot(con, settings)
    index = docs.result() if docs is not None else None
    if index:
        print(f"Data Docs: {index}")


def _settle_pending(settings: Settings) -> None:
    """Finish the refresh of a load that was killed after committing its rows (``pending_refresh``), so
    that no command reads statistics older than the rows. Skipped while another process writes (that
    process refreshes at its end)."""
    import duckdb

    from . import warehouse

    if not settings.warehouse.exists():
        return
    try:
        with warehouse.connect(settings.warehouse, read_only=True) as con:
            waiting, _ = warehouse.pending(con)
    except (warehouse.WarehouseBusy, duckdb.CatalogException):  # being written, or older than the mark
        return
    if not waiting:
        return
    print(
        "Un chargement interrompu a laissé des statistiques à rafraîchir : rafraîchissement…",
        file=sys.stderr,
        flush=True,
    )
    try:
        with _open(settings) as con:
            _finish(con, settings, scope=[])
    except warehouse.WarehouseBusy:
        return


@contextlib.contextmanager
def _reader(settings: Settings):
    """A read-only connection on the published snapshot (as the dashboard reads it), so that reading
    never waits for a build that is writing; says on stderr when the snapshot was published."""
    from . import warehouse

    path = _published(settings)
    with warehouse.connect(path, read_only=True) as con:
        yield con


def _published(settings: Settings) -> Path:
    """The file read commands read: the snapshot (after finishing an interrupted refresh), with a line
    on stderr saying when it was published; the warehouse itself when no snapshot was published yet."""
    from datetime import datetime

    _settle_pending(settings)
    if not settings.snapshot.exists():
        return settings.warehouse
    published = datetime.fromtimestamp(settings.snapshot.stat().st_mtime)
    minutes = int((datetime.now() - published).total_seconds() // 60)
    if minutes < 1:
        age = "à l'instant"
    elif minutes < 120:
        age = f"il y a {minutes} min"
    elif minutes < 48 * 60:
        age = f"il y a {minutes // 60} h"
    else:
        age = f"il y a {minutes // 1440} jours"
    print(f"Données publiées le {published:%d/%m/%Y à %H:%M} ({age}).", file=sys.stderr)
    return settings.snapshot


def _report_issues(con, scope: list[str] | None) -> None:
    """After a refresh: what the figures set aside or decided (view ``quality_issues``), per rule."""
    rows = con.execute(
        "select label, count(*) from quality_issues "
        "where $scope::varchar[] is null or list_contains($scope::varchar[], certification_code) "
        "group by label order by 2 desc, 1",
        {"scope": scope},
    ).fetchall()
    for label, n in rows:
        print(f"  warning: {n} × {label} (insertion quality --issues)", flush=True)


def cmd_build(args) -> int:
    """Ingest every file under data/raw/, load the reference files and rebuild the marts.

    Files already loaded (same sha256) are skipped, so running it twice changes nothing.

    Example:
      insertion build
      insertion build --raw-dir /path/to/exports --warehouse /tmp/w.duckdb
    """
    from .ingest import ingest_files, raw_files
    from .pseudonymise import warehouse_key
    from .validation import Gate, preload

    preload()
    settings = Settings.load(warehouse=args.warehouse, raw_dir=args.raw_dir)
    files = raw_files(settings.raw_dir, settings)
    gate = Gate(settings)

    shown = iter(range(1, len(files) + 1))

    def show(report) -> None:
        print(
            f"[{next(shown)}/{len(files)}] {report.summary()}",
            file=sys.stderr if report.status == "rejected" else sys.stdout,
            flush=True,
        )

    with _open(settings) as con:
        key = warehouse_key(con, settings.key_file)
        reports = ingest_files(con, files, settings, key, gate, workers=settings.workers, on_report=show)
        _finish(con, settings, gate)
    rejected = sum(r.status == "rejected" for r in reports)
    print(f"Warehouse {settings.warehouse}: {len(files)} file(s), {rejected} rejected.")
    return 1 if rejected else 0


def cmd_ingest(args) -> int:
    """Validate and load one or more files (cohort results or surveys, CSV or XLSX).

    The kind is detected from the headers; --kind forces it. A file already loaded is skipped.
    A file that cannot be loaded is reported (file, row, column, what was expected), nothing of it is
    written, and the command exits with status 1. Rows failing a check go to quarantine.

    Example:
      insertion ingest exports/jury-2024.csv exports/enquete-6-mois.xlsx
      insertion ingest --kind survey_answers enquete-forms.csv
      insertion ingest reponses-limesurvey.csv --mapping reponses-limesurvey.mapping.json
    """
    from .ingest import ingest_file, touched_certifications
    from .pseudonymise import warehouse_key
    from .validation import Gate, preload

    preload()
    settings = _settings(args)
    reports = []
    gate = Gate(settings)
    with _open(settings) as con:
        key = warehouse_key(con, settings.key_file)
        for path in args.files:
            report = ingest_file(
                con, Path(path), settings, key, kind=args.kind, gate=gate, mapping=args.mapping
            )
            reports.append(report)
            _print_report(report)
        _finish(con, settings, gate, scope=touched_certifications(con, reports))
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
    recomputed and the snapshot is published. Great Expectations stays loaded between files, so a
    small file is in the dashboard within seconds. The warehouse is opened only while loading: other
    commands can run in between (when one holds it, the watcher waits for the next look).

    Example:
      insertion watch
      insertion watch --raw-dir /srv/exports --interval 5
    """
    import signal
    import time

    from .ingest import ingest_file, touched_certifications
    from .pseudonymise import warehouse_key
    from .validation import Gate, preload
    from .warehouse import WarehouseBusy
    from .watch import Arrivals

    signal.signal(signal.SIGTERM, _interrupt)  # a service manager's stop ends it like Ctrl-C
    preload()
    settings = Settings.load(warehouse=args.warehouse, raw_dir=args.raw_dir)
    if not settings.raw_dir.is_dir():
        raise FileNotFoundError(f"{settings.raw_dir}: no such folder to watch")
    with _open(settings) as con:
        key = warehouse_key(con, settings.key_file)
    gate = Gate(settings)
    arrivals = Arrivals(settings.raw_dir, settings)
    print(f"Watching {settings.raw_dir} every {args.interval:g} s (Ctrl-C to stop).", flush=True)
    try:
        while True:
            paths = arrivals.ready()
            if paths:
                t0 = time.perf_counter()
                try:
                    with _open(settings) as con:
                        reports = []
                        for path in paths:
                            reports.append(report := ingest_file(con, path, settings, key, gate=gate))
                            if report.status != "skipped":
                                _print_report(report)
                        if any(r.status == "loaded" for r in reports):
                            _finish(con, settings, gate, scope=touched_certifications(con, reports))
                except WarehouseBusy as exc:
                    print(f"waiting: {exc}", file=sys.stderr, flush=True)
                else:
                    arrivals.handled(paths)
                    counts = {
                        s: sum(r.status == s for r in reports) for s in ("loaded", "skipped", "rejected")
                    }
                    print(
                        f"Up to date ({time.perf_counter() - t0:.1f} s): {counts['loaded']} file(s) loaded, "
                        f"{counts['skipped']} already there, {counts['rejected']} rejected.",
                        flush=True,
                    )
            time.sleep(args.interval)
    except KeyboardInterrupt:
        print("Stopped.")
        return 0


def cmd_stats(args) -> int:
    """Print the France Compétences statistics table of a certification, newest year first.

    --compare puts the published figures (RNCP export, fiche pages) beside the computed ones, with
    the differences, for every year present in either; --lineage shows every fiche of the
    certification's chain of predecessors and successors.

    Example:
      insertion stats RNCP34179
      insertion stats RNCP34179 --format csv --detail > stats.csv
      insertion stats RNCP34179 --compare
      insertion stats RNCP34179 --lineage
    """
    from . import declarations, fiches, stats

    settings = _settings(args)
    code = args.code.strip().upper()
    declared: list[str] = []
    with _reader(settings) as con:
        if args.compare:
            frame = fiches.compare(con, code)
        elif args.lineage:
            frame = fiches.statistics_across(con, code)
        else:
            frame = stats.statistics(con, code)
            declared = declarations.drift_lines(con, code) if args.format == "table" else []
    if frame.empty:
        print(
            f"{code}: no statistics in the warehouse (check the code, or run `insertion build`)",
            file=sys.stderr,
        )
        return 1
    if args.compare:
        print(_render(frame, args.format))
    elif args.lineage:
        print(stats.render(frame, args.format, args.detail, True, settings.small_cohort_threshold))
    else:
        print(stats.render(frame, args.format, args.detail, False, settings.small_cohort_threshold))
    if declared:  # issue #17: the latest declaration beside the current figures
        print("\n" + "\n".join(declared))
    return 0


def _render(frame, fmt: str) -> str:
    from . import stats
    from .exports import bom_for_stdout, csv_text

    if fmt == "csv":
        return csv_text(frame, bom=bom_for_stdout())
    if fmt == "json":
        return frame.to_json(orient="records", force_ascii=False, indent=2)
    return stats.format_table(frame.astype(object).where(frame.notna(), None))


def cmd_certification(args) -> int:
    """Print what the warehouse knows of a certification: title, level, certifiers, target ROME codes
    with labels, access routes, registration end date and days left, predecessors and successors.

    Example:
      insertion certification RNCP34179
    """
    from . import fiches

    settings = _settings(args)
    code = args.code.strip().upper()
    with _reader(settings) as con:
        info = fiches.summary(con, code)
    if info is None:
        print(f"{code}: unknown certification (load the RNCP export, or check the code)", file=sys.stderr)
        return 1
    end = info["registration_end_date"]
    lines = [
        f"{code} — {info['title'] or '(title unknown)'}",
        f"  Level:              {info['level'] or 'unknown'}",
        f"  Active:             {'yes' if info['active'] else 'no' if info['active'] is False else 'unknown'}",
        f"  Registration ends:  {end.strftime('%d/%m/%Y') if end else 'unknown'}"
        + (
            f" ({info['days_left']} days left)"
            if end and info["days_left"] >= 0
            else " (expired)"
            if end
            else ""
        ),
        "  Certifiers:         "
        + (
            "; ".join(
                c["name"] + (f" (SIRET {c['siret']})" if c["siret"] else "") for c in info["certifiers"]
            )
            or "unknown"
        ),
        "  Target ROME codes:  "
        + ("; ".join(f"{j['rome_code']} {j['rome_label']}" for j in info["target_jobs"]) or "none"),
    ]
    if info["domain_codes"]:
        lines.append(
            "  Domain-level codes (not job codes): "
            + "; ".join(f"{d['rome_code']} {d['rome_label']}" for d in info["domain_codes"])
        )
    routes = [r["access_route"] for r in info["access_routes"] if r["open"]]
    lines.append("  Access routes:      " + (", ".join(routes) if routes else "unknown"))
    if info["nsf"]:
        lines.append(
            "  NSF:                " + "; ".join(f"{n['nsf_code']} {n['nsf_label']}" for n in info["nsf"])
        )
    chain = [f"{r['certification_code']}{'*' if r['distance'] == 0 else ''}" for r in info["lineage"]]
    lines.append("  Lineage:            " + " → ".join(chain))
    lines.append(f"  Source:             {info['source']}")
    print("\n".join(lines))
    return 0


def cmd_titles(args) -> int:
    """List the job titles of the surveys and how each got its ROME code: exact match on the ROME
    appellations, a fuzzy match (a proposal, counted in the targeted occupation only once a reviewer
    accepts it), a reviewer's decision, or none yet.

    --unmatched lists what waits for a reviewer (view ``titles_to_review``): the titles of employed
    respondents with no ROME code, with the fuzzy proposal when there is one.

    Example:
      insertion titles --unmatched
      insertion titles --format csv > titles.csv
    """

    settings = _settings(args)
    with _reader(settings) as con:
        if args.unmatched:
            frame = con.execute(
                """
                select job_title, status, any_value(proposed_rome_code) as proposed_rome_code,
                       max(match_score) as score, count(*) as respondents,
                       string_agg(distinct certification_code, ', ' order by certification_code) as certifications
                from titles_to_review group by job_title, status
                order by respondents desc, job_title
                """
            ).df()
        else:
            frame = con.execute(
                """
                select m.job_title, m.rome_code as matched_rome_code, m.appellation, m.method, m.score,
                       r.rome_code as reviewed_rome_code, r.in_target as reviewed_in_target, r.reviewer,
                       strftime(r.decided_at, '%d/%m/%Y') as reviewed_on,
                       (select count(*) from stg_survey_answers as s where s.job_title = m.job_title) as answers
                from job_title_matches as m
                left join (select * from title_reviews qualify row_number() over (
                    partition by title_key order by decided_at desc, review_id desc) = 1) as r using (title_key)
                order by m.method desc, answers desc, m.job_title
                """
            ).df()
    if frame.empty:
        print("No job title to show." if not args.unmatched else "No job title waits for a review.")
        return 0
    print(_render(frame, args.format))
    return 0


def cmd_review(args) -> int:
    """Record a reviewer's decision on a job title: its ROME code, and/or whether it is in the targeted
    occupation (for one certification, or for all). The decision wins over automatic matching at the
    next build, and is kept with who, when and why.

    Example:
      insertion review "Webmaster e-business" --rome E1101 --by "C. Moreau" --why "site marchand, fiche E1101"
      insertion review "Traffic manager" --in-target --certification RNCP34179 --by "C. Moreau" --why "levier web"
    """
    from . import matching

    settings = _settings(args)
    in_target = True if args.in_target else False if args.out_of_target else None
    with _open(settings) as con:
        review_id = matching.review(
            con,
            args.title,
            args.by,
            args.why,
            rome_code=args.rome.upper() if args.rome else None,
            in_target=in_target,
            certification_code=args.certification.upper() if args.certification else None,
        )
        _finish(con, settings)
    print(f"Review {review_id} recorded; the marts were rebuilt.")
    return 0


def cmd_sql(args) -> int:
    """Run one read-only SQL query on the published snapshot of the warehouse and print the result.

    Accepted: one SELECT (FROM, VALUES, DESCRIBE, SUMMARIZE, SHOW included), or EXPLAIN [ANALYZE] of one.
    The connection cannot write, attach, install extensions, read files or spill to disk; functions that
    reveal settings or paths (current_setting, duckdb_settings, duckdb_databases...) are refused. The
    query stops after --timeout seconds and prints at most --max-rows rows (and 50 MB of text).
    A refused or failed query prints a French message on stderr and exits with status 2.
    CSV is for French Excel (';', UTF-8 with a BOM unless printed to a terminal), formula-like text
    neutralised. Tables and views are documented in docs/warehouse.md.

    Example:
      insertion sql "select * from certification_statistics order by certification_code, year"
      insertion sql --format csv "select * from access_route_statistics" > routes.csv
      insertion sql --file requete.sql --timeout 300 --max-rows 1000000 --format csv > extrait.csv
      echo "select count(*) from fct_certified" | insertion sql -
    """
    from . import stats, usersql
    from .exports import bom_for_stdout, csv_text

    max_bytes = 50_000_000
    settings = _settings(args)
    if args.timeout <= 0 or args.max_rows < 1:
        print("--timeout et --max-rows doivent être positifs.", file=sys.stderr)
        return 2
    if args.file is not None:
        if args.query is not None:
            print("Donnez la requête en argument ou avec --file, pas les deux.", file=sys.stderr)
            return 2
        try:
            sql = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"Lecture impossible de {args.file} : {exc}", file=sys.stderr)
            return 2
    elif args.query == "-" or (args.query is None and not sys.stdin.isatty()):
        sql = sys.stdin.read()
    elif args.query is None:
        print(
            "Donnez une requête : en argument, avec --file PATH, ou « - » pour l'entrée standard.",
            file=sys.stderr,
        )
        return 2
    else:
        sql = args.query
    try:
        result = usersql.execute(
            _published(settings),
            sql,
            seconds=args.timeout,
            max_rows=args.max_rows,
            max_bytes=max_bytes,
            memory_limit=settings.memory_limit,
        )
    except usersql.QueryRefused as exc:
        print(str(exc), file=sys.stderr)
        return 2
    frame = result.frame()
    if args.format == "csv":
        sys.stdout.write(csv_text(frame, bom=bom_for_stdout()))
    elif args.format == "json":
        print(frame.to_json(orient="records", force_ascii=False, date_format="iso"))
    else:
        print(stats.format_table(frame.astype(object).where(frame.notna(), None)))
    if result.truncated:
        print(f"Attention : {result.truncated}.", file=sys.stderr)
    return 0


def cmd_validate(args) -> int:
    """Re-run every Great Expectations suite over the warehouse, plus the cross-source checks.

    Prints one line per expectation, records the runs in the warehouse (validation_runs,
    validation_results), rewrites the Data Docs, and exits with status 1 when an error-level
    expectation fails.

    Example:
      insertion validate
      insertion validate --failed-only
    """
    from . import declarations, habilitation, quality, stats, warehouse
    from .pseudonymise import check_key
    from .validation import Gate

    settings = _settings(args)
    gate = Gate(settings)
    with _open(settings) as con:
        warehouse.build_models(con, settings)
        verdicts = quality.validate_warehouse(con, gate)
        warehouse.publish_snapshot(con, settings)
        key_problem = check_key(con, settings.key_file)
        partners = habilitation.by_partner(con)  # issue #16: counts per partner
        drifted = declarations.warnings(con)
    table = quality.summary(verdicts)
    if args.failed_only:
        table = table[table["result"] != "ok"]
    print(stats.format_table(table) if not table.empty else "Every expectation passed.")
    if not partners.empty:
        print(f"\n{habilitation.TITLE} ({partners['Certifiés concernés'].sum()} certifiés) :")
        print(stats.format_table(partners))
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
    from . import quality, stats

    settings = _settings(args)
    with _reader(settings) as con:
        if args.issues:
            frame = quality.issues(con)
        elif args.quarantine:
            frame = quality.quarantine(con, args.limit)
        elif args.run is not None:
            frame = quality.run_details(con, args.run)
        else:
            frame = quality.history(con, args.limit)
    if frame.empty:
        print("Nothing recorded yet.")
        return 0
    print(stats.format_table(frame.astype(object).where(frame.notna(), None)))
    return 0


def cmd_renewal(args) -> int:
    """Write the renewal pack of a certification: France Compétences' statistics table for the chosen
    promotions, by access route, the jobs held and their fit with the targeted jobs, the methodology,
    the quality checks and the alerts, as a formatted XLSX (and a printable, self-contained HTML).

    Default promotions: every year with 6-month survey data.

    Example:
      insertion renewal RNCP34179 --out renouvellement-RNCP34179.xlsx
      insertion renewal RNCP34179 --years 2017-2018 --out r.xlsx --html renouvellement-RNCP34179.html
    """
    from . import renewal

    settings = _settings(args)
    code = args.code.strip().upper()
    with _reader(settings) as con:
        pack = renewal.build(con, code, settings, renewal.parse_years(args.years))
    renewal.write_xlsx(pack, Path(args.out))
    print(f"Written {args.out} ({', '.join(pack.sheets)})")
    if args.html:
        renewal.write_html(pack, Path(args.html))
        print(f"Written {args.html}")
    alerts = pack.sheets["Alertes"]
    for row in alerts.itertuples(index=False):
        print(f"  alerte — {row[0]} : {row[1]}")
    return 0


def cmd_declare(args) -> int:
    """Record a declaration of a certification's figures (append-only, in the warehouse) and write its
    renewal pack and manifest (JSON, sha256 digest of everything recorded); verify one from its records
    alone; or list them. See pipeline/declarations.py.

    Example:
      insertion declare RNCP34179 --years 2017-2018 --to "France Compétences" --note "dépôt du 12/03/2026"
      insertion declare --verify 1
      insertion declare --list
    """
    from . import declarations, renewal, stats, warehouse

    settings = _settings(args)
    if args.list:
        with _reader(settings) as con:
            frame = declarations.listing(con)
        print(
            stats.format_table(frame.astype(object).where(frame.notna(), None))
            if len(frame)
            else "Aucune déclaration."
        )
        return 0
    if args.verify is not None:  # the warehouse itself (the records of truth), not its published copy
        _settle_pending(settings)
        with warehouse.connect(settings.warehouse, read_only=True) as con:
            result = declarations.verify(con, args.verify, Path(args.manifest) if args.manifest else None)
        print(result.text())
        return 0 if result.ok else 1
    if not args.code or not args.to:
        print("error: give a certification code and --to (or --verify ID, or --list)", file=sys.stderr)
        return 2
    code = args.code.strip().upper()
    with _open(settings) as con:
        declared = declarations.declare(
            con, settings, code, renewal.parse_years(args.years), args.to, args.note, args.out_dir
        )
        warehouse.publish_snapshot(con, settings)
    print(
        f"Déclaration n° {declared.declaration_id} enregistrée ({code}), empreinte sha256 {declared.digest}"
    )
    for path in declared.files:
        print(f"  écrit {path}")
    return 0


def cmd_publish(args) -> int:
    """Write the public results of a certification, for the certifier's website (Qualiopi indicator 2):
    the fiche's rates and the response rates with their base and 95 % interval, per year. Cells whose
    base is under the small-cohort threshold (INSERTION_SMALL_COHORT, default 20) are suppressed
    (« secret statistique ») with everything that would let one recompute them; no per-person list.
    For the France Compétences dossier use `insertion renewal` (full figures, flagged ⚠).

    Example:
      insertion publish RNCP34179 --out resultats-RNCP34179.html
      insertion publish RNCP34179 --years 2017-2018 --out resultats-RNCP34179.csv
    """
    from . import publish, renewal

    settings = _settings(args)
    code = args.code.strip().upper()
    with _reader(settings) as con:
        out = publish.publish(
            con, code, Path(args.out), settings.small_cohort_threshold, renewal.parse_years(args.years)
        )
    print(f"Written {out}")
    return 0


def cmd_generate(args) -> int:
    """Write realistic fictional raw files at national scale: cohort results and both survey waves,
    CSV and XLSX mixed, French headers, a sprinkle of realistic defects. Cohort sizes, insertion rates and
    VAE shares are calibrated on real published statistics (the RNCP export's STATISTIQUES_PROMOTIONS and
    fiche pages; see --calibrate-from). Same seed, same files.

    Example:
      insertion generate --certifications 2000 --years 2015-2024 --out data/raw/national/
      insertion generate --certifications 50 --years 2019-2023 --target-certified 100000 --out /tmp/gen --seed 7
    """
    from . import generate
    from .renewal import parse_years

    published = generate.published_rows([Path(p) for p in args.calibrate_from])
    calibration = generate.calibrate(published)
    years = parse_years(args.years)
    print(
        f"Calibration ({calibration['source']}): cohort size log-normal mu={calibration['size_mu']:.2f} "
        f"sigma={calibration['size_sigma']:.2f}, insertion {calibration['insertion_mean']:.0%} "
        f"± {calibration['insertion_sd']:.0%}, VAE {calibration['vae_share']:.1%}"
    )

    def progress(done: int, total: int) -> None:
        bar = "#" * int(30 * done / total)
        print(f"\r[{bar:<30}] {done}/{total} groups of files", end="", file=sys.stderr, flush=True)

    totals = generate.national(
        Path(args.out),
        args.certifications,
        range(years[0], years[-1] + 1),
        seed=args.seed,
        defects=args.defects,
        target_certified=args.target_certified,
        calibration=calibration,
        progress=progress,
    )
    print(file=sys.stderr)
    print(
        f"Written {totals['files']} files under {args.out}: {totals['certified']:,} certified, "
        f"{totals['cohort_rows']:,} cohort rows, {totals['survey_rows']:,} survey answers, "
        f"{totals['defects']:,} defective rows. Target jobs: {str(Path(args.out)).rstrip('/')}-reference/"
    )
    return 0


def cmd_serve(args) -> int:
    """Serve the dashboard over the published read-only snapshot of the warehouse.

    Dash's development server by default; --prod uses gunicorn (two processes per core, 8 threads each). Binds
    127.0.0.1; any other --host needs accounts (`insertion users add`), and once an account exists everyone
    signs in and sees what their role allows. Without accounts, on 127.0.0.1 only,
    INSERTION_DASHBOARD_PASSWORD still turns on HTTP basic auth (user « insertion »).
    `insertion build` can run meanwhile: the dashboard picks up the new snapshot without restart.

    Example:
      insertion serve
      insertion users add c.moreau --role direction && insertion serve --prod --host 0.0.0.0 --port 8050
    """
    from dashboard.app import serve

    settings = _settings(args)
    if not settings.snapshot.exists():
        print(f"error: {settings.snapshot} does not exist; run `insertion build` first", file=sys.stderr)
        return 2
    _settle_pending(settings)
    serve(
        settings.snapshot,
        settings.data_docs_dir,
        host=args.host,
        port=args.port,
        prod=args.prod,
        workers=args.workers,
        accounts=settings.accounts,
    )
    return 0


def cmd_users(args) -> int:
    """Manage the dashboard's accounts (file INSERTION_ACCOUNTS, mode 0600, outside git).

    Roles: direction (every page), qualite (every page but SQL), analyste (the SQL page), partenaire
    (bound to one or more SIRET with --siret: only the rows of those SIRET, on every page). The password
    is asked twice on the terminal (never on the command line); --password-stdin reads it from the first
    line of standard input, for scripts. Once an account exists, the dashboard asks everyone to sign in;
    serving on anything but 127.0.0.1 requires accounts.

    Example:
      insertion users add c.moreau --role direction
      insertion users add of-lyon --role partenaire --siret 12345678900015 --siret 12345678900023
      printf '%s\\n' "$MOT_DE_PASSE" | insertion users add analyste1 --role analyste --password-stdin
      insertion users list
      insertion users passwd c.moreau
      insertion users remove of-lyon
    """
    from . import accounts
    from .accounts import AccountError

    store = accounts.AccountStore(Settings.load().accounts)
    if args.action == "list":
        rows = sorted(store.accounts().values(), key=lambda a: a.name)
        if not rows:
            print(f"Aucun compte dans {store.path}.")
            return 0
        for a in rows:
            sirets = f"  SIRET {', '.join(a.sirets)}" if a.sirets else ""
            print(f"{a.name:<24} {a.label:<12} modifié le {a.updated[:10]}{sirets}")
        return 0
    if not args.name:
        raise AccountError(f"insertion users {args.action} : l'identifiant du compte est attendu.")
    if args.action == "remove":
        store.remove(args.name)
        print(f"Compte « {args.name} » supprimé de {store.path}.")
        return 0
    if args.action == "add":
        if not args.role:
            raise AccountError(f"insertion users add : --role attendu ({', '.join(accounts.ROLES)}).")
        accounts.check_name(args.name)  # before the password is typed
        accounts.check_binding(args.role, args.siret or [])
        password = _read_password(args.password_stdin)
        account = store.add(args.name, args.role, password, args.siret or [])
        bound = f", SIRET {', '.join(account.sirets)}" if account.sirets else ""
        print(f"Compte « {account.name} » ({account.label}{bound}) ajouté à {store.path}.")
        return 0
    if store.get(args.name) is None:
        raise AccountError(f"Aucun compte « {args.name} » dans {store.path}.")
    store.passwd(args.name, _read_password(args.password_stdin))
    print(f"Mot de passe de « {args.name} » changé (ses sessions ouvertes sont fermées).")
    return 0


def _read_password(from_stdin: bool) -> str:
    """The first line of stdin (--password-stdin), else asked twice on the terminal without echo."""
    import getpass

    from . import accounts
    from .accounts import AccountError

    if from_stdin:
        return accounts.check_password(sys.stdin.readline().rstrip("\r\n"))
    if not sys.stdin.isatty():
        raise AccountError("Pas de terminal pour saisir le mot de passe : utilisez --password-stdin.")
    first = accounts.check_password(getpass.getpass("Mot de passe : "))
    if getpass.getpass("Confirmez le mot de passe : ") != first:
        raise AccountError("Les deux saisies du mot de passe diffèrent.")
    return first


def generate_sources() -> list[str]:
    candidates = [
        *Path("data/raw/rncp").glob("*.xml"),
        Path("data/reference/published_statistics.csv"),
        *Path("../shared/data/rncp-xml-v4.1-sample").glob("*.xml"),
    ]
    return [str(p) for p in candidates if p.exists()]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="insertion",
        description="Employment outcomes of RNCP certifications: load cohort results and insertion surveys "
        "into a DuckDB warehouse and compute France Compétences' statistics.",
        epilog="Start with: insertion build && insertion stats RNCP34179\n\n" + EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--warehouse",
        metavar="PATH",
        help="DuckDB warehouse file (env INSERTION_WAREHOUSE; default data/warehouse/insertion.duckdb)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name, func, help):
        p = sub.add_parser(
            name,
            parents=[common],
            help=help,
            description=func.__doc__,
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.set_defaults(func=func)
        return p

    p = add("build", cmd_build, "ingest data/raw/ and rebuild the marts")
    p.add_argument("--raw-dir", metavar="DIR", help="folder to ingest (default data/raw)")

    p = add("ingest", cmd_ingest, "validate and load files")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument(
        "--kind",
        choices=["cohort_results", "survey_answers", "rncp", "rome_codes", "rome_appellations"],
        help="force the kind of the files",
    )
    p.add_argument(
        "--mapping",
        type=Path,
        metavar="FILE.json",
        help="mapping of a LimeSurvey responses export (default: <export>.mapping.json beside it)",
    )

    p = add("watch", cmd_watch, "load new files of data/raw/ as they arrive")
    p.add_argument("--raw-dir", metavar="DIR", help="folder to watch (default data/raw)")
    p.add_argument(
        "--interval", type=float, default=1.0, metavar="SECONDS", help="time between looks (default 1)"
    )

    p = add("stats", cmd_stats, "print a certification's statistics table")
    p.add_argument("code", help="RNCP code, e.g. RNCP34179")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument(
        "--detail",
        action="store_true",
        help="add numerators, denominators, response rates, 95%% intervals and small-cohort flags",
    )
    p.add_argument(
        "--compare", action="store_true", help="computed beside published figures, with differences"
    )
    p.add_argument("--lineage", action="store_true", help="every fiche of the predecessor/successor chain")

    p = add("certification", cmd_certification, "print a certification's fiche summary")
    p.add_argument("code", help="RNCP code, e.g. RNCP34179")

    p = add("titles", cmd_titles, "list job titles and their ROME matches")
    p.add_argument("--unmatched", action="store_true", help="only the titles still without a ROME code")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")

    p = add("review", cmd_review, "record a reviewer's decision on a job title")
    p.add_argument("title", help="the job title as written in the surveys")
    p.add_argument("--rome", metavar="CODE", help="the ROME code of this title")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--in-target", action="store_true", help="the job is in the targeted occupation")
    group.add_argument(
        "--out-of-target", action="store_true", help="the job is not in the targeted occupation"
    )
    p.add_argument("--certification", metavar="CODE", help="the decision holds for this certification only")
    p.add_argument("--by", required=True, metavar="NAME", help="who decides")
    p.add_argument("--why", required=True, metavar="TEXT", help="why")

    from .survey_cli import register as register_survey

    register_survey(add)

    p = add("validate", cmd_validate, "re-run every suite over the warehouse")
    p.add_argument("--failed-only", action="store_true", help="list only the expectations that failed")

    p = add("quality", cmd_quality, "show the validation history and the quarantine")
    p.add_argument("--run", type=int, metavar="ID", help="show every expectation of one run")
    p.add_argument("--quarantine", action="store_true", help="list quarantined rows and their reasons")
    p.add_argument(
        "--issues", action="store_true", help="the rules applied to the figures, per certification"
    )
    p.add_argument("--limit", type=int, default=50, help="number of lines (default 50)")

    p = add("renewal", cmd_renewal, "write the renewal pack (XLSX, HTML) of a certification")
    p.add_argument("code", help="RNCP code, e.g. RNCP34179")
    p.add_argument("--out", required=True, metavar="FILE.xlsx", help="the workbook to write")
    p.add_argument("--html", metavar="FILE.html", help="also write a printable, self-contained HTML page")
    p.add_argument("--years", metavar="YEARS", help="promotions, e.g. 2017-2018 or 2017,2019")

    p = add("declare", cmd_declare, "record, verify or list declarations of figures")
    p.add_argument("code", nargs="?", help="RNCP code, e.g. RNCP34179")
    p.add_argument("--years", metavar="YEARS", help="promotions, e.g. 2017-2018 (default: as the pack)")
    p.add_argument("--to", metavar="BODY", help="to whom, e.g. « France Compétences »")
    p.add_argument("--note", metavar="TEXT", help="a note kept with the declaration")
    p.add_argument("--out-dir", metavar="DIR", help="where to write the pack and manifest")
    p.add_argument("--verify", type=int, metavar="ID", help="recompute declaration ID from its records")
    p.add_argument("--manifest", metavar="FILE", help="with --verify: the manifest.json to compare with")
    p.add_argument("--list", action="store_true", help="list the declarations")

    p = add("publish", cmd_publish, "write a certification's public results (HTML or CSV)")
    p.add_argument("code", help="RNCP code, e.g. RNCP34179")
    p.add_argument("--out", required=True, metavar="FILE", help="resultats.html or resultats.csv")
    p.add_argument("--years", metavar="YEARS", help="promotions, e.g. 2017-2018 or 2017,2019")

    p = add("generate", cmd_generate, "write realistic fictional raw files at national scale")
    p.add_argument("--certifications", type=int, default=2000)
    p.add_argument("--years", default="2015-2024", help="e.g. 2015-2024")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--defects", type=float, default=0.0005, help="share of defective rows (default 0.0005)")
    p.add_argument(
        "--target-certified", type=int, metavar="N", help="scale cohort sizes to about N certified"
    )
    p.add_argument(
        "--calibrate-from",
        nargs="*",
        metavar="FILE",
        default=generate_sources(),
        help="RNCP XML exports and published-statistics CSV files to calibrate on "
        "(default: the shipped excerpts, and ../shared/data/rncp-xml-v4.1-sample when present)",
    )

    p = add("serve", cmd_serve, "serve the dashboard on http://127.0.0.1:8050")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8050)
    p.add_argument(
        "--prod",
        action="store_true",
        help="serve with gunicorn (two processes per core, 8 threads each) instead of Dash's development server",
    )
    p.add_argument("--workers", type=int, help="with --prod: number of processes (default: two per core)")

    p = add("users", cmd_users, "manage the dashboard's accounts and roles")
    p.add_argument("action", choices=["add", "remove", "list", "passwd"])
    p.add_argument("name", nargs="?", help="the account's name (add, remove, passwd)")
    p.add_argument("--role", choices=["direction", "qualite", "partenaire", "analyste"], help="with add")
    p.add_argument(
        "--siret", action="append", metavar="SIRET", help="with add --role partenaire (repeat for several)"
    )
    p.add_argument(
        "--password-stdin", action="store_true", help="read the password from the first line of stdin"
    )

    p = add("sql", cmd_sql, "run a read-only SQL query")
    p.add_argument("query", nargs="?", help="the query; '-' (or nothing) reads it from stdin")
    p.add_argument("--file", metavar="PATH", help="read the query from a file ('-' for stdin)")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument(
        "--timeout", type=float, default=60.0, metavar="SECONDS", help="stop the query after (default 60)"
    )
    p.add_argument(
        "--max-rows", type=int, default=100_000, metavar="N", help="print at most N rows (default 100000)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    import duckdb

    from .errors import InputError
    from .warehouse import WarehouseBusy

    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except duckdb.CatalogException as exc:
        print(
            f"error: the warehouse has no such table or view yet; run `insertion build` ({exc})",
            file=sys.stderr,
        )
        return 2
    except (InputError, WarehouseBusy, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def run() -> None:
    """The ``insertion`` command: :func:`main`, then an immediate exit. Once a command has returned,
    everything it wrote is closed (DuckDB checkpointed, files renamed, worker processes joined); Python's
    own teardown would still spend about 0.5 s unloading GX's 1,500 modules, which is a tenth of an
    incremental load. An exception still ends the usual way, with its traceback."""
    import logging

    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(int(code or 0))


if __name__ == "__main__":
    run()
