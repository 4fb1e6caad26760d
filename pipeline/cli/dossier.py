"""``renewal``, ``declare``, ``publish``: the documents sent out."""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.cli.common import finish, in_force, open_reader, open_writer, settings_of, settle_pending


def cmd_renewal(args) -> int:
    """Write the renewal pack of a certification: France Compétences' statistics table for the chosen
    promotions, by access route, the jobs held and their fit with the targeted jobs, the methodology,
    the quality checks and the alerts, as a formatted XLSX (and, its accessible equivalent, a printable,
    self-contained HTML dossier and a tagged PDF/UA-1 of it).

    Default promotions: every year with 6-month survey data. With --siret (issue #16): a partner's pack,
    from the people of that SIRET only (repeat --siret for a partner with several).

    Example:
      insertion renewal RNCP34179 --out renouvellement-RNCP34179.xlsx
      insertion renewal RNCP34179 --years 2017-2018 --out r.xlsx --html renouvellement-RNCP34179.html
      insertion renewal RNCP34179 --out r.xlsx --pdf renouvellement-RNCP34179.pdf
      insertion renewal RNCP34179 --siret 84215736900013 --out renouvellement-RNCP34179-84215736900013.xlsx
    """
    from pipeline.core import audit
    from pipeline.core.accounts import EVERYTHING, Scope, normalise_siret
    from pipeline.outputs import renewal

    settings = settings_of(args)
    code = args.code.strip().upper()
    scope = EVERYTHING
    if args.siret:
        scope = Scope(restricted=True, sirets=frozenset(normalise_siret(s) for s in args.siret))
    with open_reader(settings) as con:
        settings = in_force(con, settings)
        pack = renewal.build(con, code, settings, renewal.parse_years(args.years), scope)
    renewal.write_xlsx(pack, Path(args.out))
    print(f"Written {args.out} ({', '.join(pack.sheets)})")
    if args.html:
        renewal.write_html(pack, Path(args.html))
        print(f"Written {args.html}")
    if args.pdf:
        renewal.write_pdf(pack, Path(args.pdf))
        print(f"Written {args.pdf} (PDF/UA-1, tagged)")
    audit.record(
        "export",
        commande="renewal",
        fichier=[str(Path(p).resolve()) for p in (args.out, args.html, args.pdf) if p],
        certification=code,
        siret=sorted(scope.sirets),
        feuilles=len(pack.sheets),
    )
    alerts = pack.sheets["Alertes"]
    for row in alerts.itertuples(index=False):
        print(f"  alerte — {row[0]} : {row[1]}")
    return 0


def cmd_declare(args) -> int:
    """Record a declaration of a certification's figures (append-only, in the warehouse) and write its
    renewal pack and manifest (JSON, sha256 digest of everything recorded); verify one from its records
    alone; or list them. See pipeline/outputs/declarations.py.

    A declaration is committed, then published in the snapshot that readers read. When the command is
    killed in between, the next command publishes it (as it finishes an interrupted load), and running
    the same `declare` again says so instead of recording a second declaration.

    Example:
      insertion declare RNCP34179 --years 2017-2018 --to "France Compétences" --note "dépôt du 12/03/2026"
      insertion declare --verify 1
      insertion declare --list
    """
    from pipeline.core import audit, pause
    from pipeline.outputs import declarations, renewal, text
    from pipeline.reports import declared
    from pipeline.warehouse import db as warehouse
    from pipeline.warehouse import models

    settings = settings_of(args)
    if args.list:
        with open_reader(settings) as con:
            frame = declared.listing(con)
        print(
            text.format_table(frame.astype(object).where(frame.notna(), None))
            if len(frame)
            else "Aucune déclaration."
        )
        return 0
    if args.verify is not None:  # the warehouse itself (the records of truth), not its published copy
        settle_pending(settings)
        with warehouse.connect(settings.warehouse, read_only=True) as con:
            result = declarations.verify(con, args.verify, Path(args.manifest) if args.manifest else None)
        print(result.text())
        return 0 if result.ok else 1
    if not args.code or not args.to:
        print("error: give a certification code and --to (or --verify ID, or --list)", file=sys.stderr)
        return 2
    code = args.code.strip().upper()
    with open_writer(settings) as con:
        settings = in_force(con, settings)
        earlier = declarations.interrupted(con, code)
        if earlier:  # killed after its commit, before its publication: publish it, record no second one
            warehouse.publish_snapshot(con, settings)
            for meta in earlier:
                _say_interrupted(meta)
            return 1
        if models.pending(con)[0]:  # a killed load or unload: declare the refreshed figures, not stale ones
            finish(con, settings, scope=[])
        declared = declarations.declare(
            con, settings, code, renewal.parse_years(args.years), args.to, args.note, args.out_dir
        )
        pause.at("declaration_committed")
        warehouse.publish_snapshot(con, settings)
    audit.record(
        "declaration",
        declaration=declared.declaration_id,
        certification=code,
        annees=args.years or "",
        destinataire=args.to,
        empreinte=declared.digest,
        fichier=[str(p) for p in declared.files],
    )
    print(
        f"Déclaration n° {declared.declaration_id} enregistrée ({code}), empreinte sha256 {declared.digest}"
    )
    for path in declared.files:
        print(f"  écrit {path}")
    return 0


def _say_interrupted(meta: dict) -> None:
    """A declaration recorded by a command killed before publishing it: say so instead of recording
    another one (issue #24)."""
    from datetime import datetime

    from pipeline.indicators.formats import fr_date

    did, when = meta["declaration_id"], datetime.fromisoformat(meta["declared_at"])
    print(
        f"La déclaration n° {did} ({meta['certification_code']}, promotions "
        f"{', '.join(map(str, meta['years']))}, à {meta['recipient']}) a été enregistrée le {fr_date(when)} "
        f"à {when:%H:%M}, mais la commande a été interrompue avant de la publier : elle est publiée "
        f"maintenant, et aucune autre déclaration n'est enregistrée.\n"
        f"  Vérifiez-la : insertion declare --verify {did}"
        + (f" ; son dossier : {meta['_manifest']}" if meta["_manifest"] else "")
        + "\n  Relancez la commande pour enregistrer une nouvelle déclaration.",
        file=sys.stderr,
    )


def cmd_publish(args) -> int:
    """Write the public results of a certification, for the certifier's website (Qualiopi indicator 2):
    the fiche's rates and the response rates with their base and 95 % interval, per year. A rate whose own
    base is under the small-cohort threshold (the one in force: recorded by the last build) is suppressed
    (« secret statistique » and that base), and so is any rate that would let a reader recompute a
    suppressed cell (« secret secondaire »); the rule is stated in the page, or in a « LISEZMOI » file
    beside a CSV; no per-person list.
    For the France Compétences dossier use `insertion renewal` (full figures, flagged ⚠).

    Example:
      insertion publish RNCP34179 --out resultats-RNCP34179.html
      insertion publish RNCP34179 --years 2017-2018 --out resultats-RNCP34179.csv
    """
    from pipeline.core import audit
    from pipeline.outputs import publish, renewal

    settings = settings_of(args)
    code = args.code.strip().upper()
    with open_reader(settings) as con:
        settings = in_force(con, settings)
        written = publish.publish(
            con, code, Path(args.out), settings.small_cohort_threshold, renewal.parse_years(args.years)
        )
    audit.record(
        "export", commande="publish", fichier=[str(Path(w).resolve()) for w in written], certification=code
    )
    for path in written:
        print(f"Écrit : {path}")
    return 0


def register(add) -> None:
    """Add this group's commands to the ``insertion`` parser (``add`` as in :mod:`pipeline.cli`)."""
    p = add("renewal", cmd_renewal, "write the renewal pack (XLSX, HTML) of a certification")
    p.add_argument("code", help="RNCP code, e.g. RNCP34179")
    p.add_argument("--out", required=True, metavar="FILE.xlsx", help="the workbook to write")
    p.add_argument("--html", metavar="FILE.html", help="also write a printable, self-contained HTML page")
    p.add_argument("--pdf", metavar="FILE.pdf", help="also write a tagged PDF (PDF/UA-1) of the same dossier")
    p.add_argument("--years", metavar="YEARS", help="promotions, e.g. 2017-2018 or 2017,2019")
    p.add_argument(
        "--siret",
        action="append",
        metavar="SIRET",
        help="a partner's pack: its people only (repeat for several SIRET)",
    )

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
