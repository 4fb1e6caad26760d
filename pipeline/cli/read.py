"""``stats``, ``certification``, ``titles``, ``review``, ``sql``: reading the figures."""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.cli.common import finish, in_force, open_reader, open_writer, published, settings_of


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
    from pipeline.outputs import text
    from pipeline.reports import accrochage, fiches
    from pipeline.reports import declared as declarations
    from pipeline.reports import statistics as stats

    settings = settings_of(args)
    code = args.code.strip().upper()
    declared: list[str] = []
    with open_reader(settings) as con:
        settings = in_force(con, settings)
        source = accrochage.cohort_note(con, code)  # issue #27: certified read from the CDC flux
        if args.compare:
            frame = fiches.compare(con, code)
        elif args.lineage:
            frame = fiches.statistics_across(con, code)
        else:
            frame = stats.statistics(con, code)
            threshold = settings.small_cohort_threshold
            declared = (
                declarations.drift_lines(con, code, threshold=threshold) if args.format == "table" else []
            )
    if frame.empty:
        print(
            f"{code}: no statistics in the warehouse (check the code, or run `insertion build`)",
            file=sys.stderr,
        )
        return 1
    if args.compare:
        print(_render(frame, args.format))
    elif args.lineage:
        print(text.render(frame, args.format, args.detail, True, settings.small_cohort_threshold))
    else:
        print(text.render(frame, args.format, args.detail, False, settings.small_cohort_threshold))
    if declared:  # issue #17: the latest declaration beside the current figures
        print("\n" + "\n".join(declared))
    if source:
        print(
            f"\n{source}" if args.format == "table" else source,
            file=sys.stdout if args.format == "table" else sys.stderr,
        )
    return 0


def _render(frame, fmt: str) -> str:
    from pipeline.core.exports import bom_for_stdout, csv_text
    from pipeline.outputs import text

    if fmt == "csv":
        return csv_text(frame, bom=bom_for_stdout())
    if fmt == "json":
        return frame.to_json(orient="records", force_ascii=False, indent=2)
    return text.format_table(frame.astype(object).where(frame.notna(), None))


def cmd_certification(args) -> int:
    """Print what the warehouse knows of a certification: title, level, certifiers, target ROME codes
    with labels, access routes, registration end date and days left, predecessors and successors.

    Example:
      insertion certification RNCP34179
    """
    from pipeline.reports import fiches

    settings = settings_of(args)
    code = args.code.strip().upper()
    with open_reader(settings) as con:
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

    settings = settings_of(args)
    from pipeline.reports import quality

    with open_reader(settings) as con:
        frame = quality.unmatched_titles(con) if args.unmatched else quality.title_matches(con)
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
    from pipeline.core import audit
    from pipeline.warehouse import matching

    settings = settings_of(args)
    in_target = True if args.in_target else False if args.out_of_target else None
    with open_writer(settings) as con:
        review_id = matching.review(
            con,
            args.title,
            args.by,
            args.why,
            rome_code=args.rome.upper() if args.rome else None,
            in_target=in_target,
            certification_code=args.certification.upper() if args.certification else None,
        )
        finish(con, settings)
    audit.record(
        "revue",
        revue=review_id,
        intitule=args.title,
        par=args.by,
        motif=args.why,
        rome=args.rome.upper() if args.rome else "",
        metier_vise="" if in_target is None else ("oui" if in_target else "non"),
        certification=args.certification.upper() if args.certification else "",
    )
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
    from pipeline.core import audit
    from pipeline.core.exports import bom_for_stdout, csv_text
    from pipeline.outputs import text
    from pipeline.reports import usersql

    max_bytes = 50_000_000
    settings = settings_of(args)
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
    snapshot = published(settings)
    if snapshot != settings.snapshot:  # the warehouse itself holds exact individual pay (M26)
        print("Aucun entrepôt publié à lire : lancez « insertion build ».", file=sys.stderr)
        return 2
    try:
        result = usersql.execute(
            snapshot,
            sql,
            seconds=args.timeout,
            max_rows=args.max_rows,
            max_bytes=max_bytes,
            memory_limit=settings.memory_limit,
        )
    except usersql.QueryRefused as exc:
        audit.record("sql", outcome="refus", requete=sql[: usersql.MAX_SQL_CHARS], motif=str(exc)[:500])
        print(str(exc), file=sys.stderr)
        return 2
    audit.record(
        "sql",
        requete=sql[: usersql.MAX_SQL_CHARS],
        lignes=len(result.rows),
        secondes=round(result.seconds, 3),
    )
    frame = result.frame()
    if args.format == "csv":
        sys.stdout.write(csv_text(frame, bom=bom_for_stdout()))
    elif args.format == "json":
        print(frame.to_json(orient="records", force_ascii=False, date_format="iso"))
    else:
        print(text.format_table(frame.astype(object).where(frame.notna(), None)))
    if result.truncated:
        print(f"Attention : {result.truncated}.", file=sys.stderr)
    return 0


def register(add) -> None:
    """Add this group's commands to the ``insertion`` parser (``add`` as in :mod:`pipeline.cli`)."""
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
