"""``stats``, ``certification``, ``titles``, ``review``, ``sql``: reading the figures."""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.cli.common import finish, in_force, open_reader, open_writer, published, settings_of


def cmd_stats(args) -> int:
    """Affiche le tableau des statistiques France Compétences d'une certification, année la plus récente
    d'abord.

    --compare met les chiffres publiés (export RNCP, pages des fiches) à côté des chiffres calculés, avec
    les écarts, pour chaque année présente dans l'un ou l'autre ; --lineage montre chaque fiche de la
    chaîne des prédécesseurs et successeurs de la certification.

    Exemple :
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
            f"{code} : aucune statistique dans l'entrepôt (vérifiez le code, ou lancez « insertion build »)",
            file=sys.stderr,
        )
        return 1
    if args.compare:  # French headers for people (table, CSV for Excel); JSON keeps its field names
        print(_render(frame if args.format == "json" else frame.rename(columns=COMPARE_HEADERS), args.format))
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


COMPARE_HEADERS = {  # as the dashboard's certification page
    "year": "Année",
    "measure": "Indicateur",
    "computed": "Calculé",
    "published": "Publié",
    "difference": "Écart",
    "source": "Source publiée",
}


def _render(frame, fmt: str) -> str:
    from pipeline.core.exports import bom_for_stdout, csv_text
    from pipeline.outputs import text

    if fmt == "csv":
        return csv_text(frame, bom=bom_for_stdout())
    if fmt == "json":
        return frame.to_json(orient="records", force_ascii=False, indent=2)
    return text.format_table(frame.astype(object).where(frame.notna(), None))


def cmd_certification(args) -> int:
    """Affiche ce que l'entrepôt sait d'une certification : intitulé, niveau, certificateurs, codes
    ROME visés avec leurs libellés, voies d'accès, date de fin d'enregistrement et jours restants,
    prédécesseurs et successeurs.

    Exemple :
      insertion certification RNCP34179
    """
    from pipeline.reports import fiches

    settings = settings_of(args)
    code = args.code.strip().upper()
    with open_reader(settings) as con:
        info = fiches.summary(con, code)
    if info is None:
        print(
            f"{code} : certification inconnue (chargez l'export RNCP, ou vérifiez le code)", file=sys.stderr
        )
        return 1
    end = info["registration_end_date"]
    lines = [
        f"{code} — {info['title'] or '(intitulé inconnu)'}",
        f"  Niveau :                 {info['level'] or 'inconnu'}",
        f"  Active :                 {'oui' if info['active'] else 'non' if info['active'] is False else 'inconnu'}",
        f"  Fin d'enregistrement :  {end.strftime('%d/%m/%Y') if end else 'inconnue'}"
        + (
            f" (encore {info['days_left']} jours)"
            if end and info["days_left"] >= 0
            else " (expirée)"
            if end
            else ""
        ),
        "  Certificateurs :         "
        + (
            "; ".join(
                c["name"] + (f" (SIRET {c['siret']})" if c["siret"] else "") for c in info["certifiers"]
            )
            or "inconnus"
        ),
        "  Codes ROME visés :       "
        + ("; ".join(f"{j['rome_code']} {j['rome_label']}" for j in info["target_jobs"]) or "aucun"),
    ]
    if info["domain_codes"]:
        lines.append(
            "  Codes de domaine (pas des métiers) : "
            + "; ".join(f"{d['rome_code']} {d['rome_label']}" for d in info["domain_codes"])
        )
    routes = [r["access_route"] for r in info["access_routes"] if r["open"]]
    lines.append("  Voies d'accès :          " + (", ".join(routes) if routes else "inconnues"))
    if info["nsf"]:
        lines.append(
            "  NSF :                    "
            + "; ".join(f"{n['nsf_code']} {n['nsf_label']}" for n in info["nsf"])
        )
    chain = [f"{r['certification_code']}{'*' if r['distance'] == 0 else ''}" for r in info["lineage"]]
    lines.append("  Filiation :              " + " → ".join(chain))
    lines.append(f"  Source :                 {info['source']}")
    print("\n".join(lines))
    return 0


def cmd_titles(args) -> int:
    """Liste les intitulés d'emploi des enquêtes et comment chacun a reçu son code ROME : égalité
    exacte avec les appellations ROME, rapprochement approché (une proposition, comptée dans le métier visé
    seulement quand un relecteur l'accepte), décision d'un relecteur, ou aucun pour l'instant.

    --unmatched liste ce qui attend un relecteur (vue ``titles_to_review``) : les intitulés des répondants
    en emploi sans code ROME, avec la proposition approchée quand il y en a une.

    Exemple :
      insertion titles --unmatched
      insertion titles --format csv > intitules.csv
    """

    settings = settings_of(args)
    from pipeline.reports import quality

    with open_reader(settings) as con:
        frame = quality.unmatched_titles(con) if args.unmatched else quality.title_matches(con)
    if frame.empty:
        print(
            "Aucun intitulé d'emploi à afficher."
            if not args.unmatched
            else "Aucun intitulé d'emploi n'attend de relecture."
        )
        return 0
    print(_render(frame, args.format))
    return 0


def cmd_review(args) -> int:
    """Enregistre la décision d'un relecteur sur un intitulé d'emploi : son code ROME, et/ou s'il relève
    du métier visé (pour une certification, ou pour toutes). La décision l'emporte sur le rapprochement
    automatique au prochain build, et est gardée avec qui, quand et pourquoi.

    Exemple :
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
    print(f"Relecture n° {review_id} enregistrée ; les statistiques ont été recalculées.")
    return 0


def cmd_sql(args) -> int:
    """Exécute une requête SQL en lecture seule sur l'instantané publié de l'entrepôt et affiche le
    résultat.

    Acceptée : un SELECT (FROM, VALUES, DESCRIBE, SUMMARIZE, SHOW compris), ou un EXPLAIN [ANALYZE] d'un
    SELECT. La connexion ne peut ni écrire, ni attacher, ni installer d'extension, ni lire de fichier, ni
    déborder sur disque ; les fonctions qui révèlent réglages ou chemins (current_setting, duckdb_settings,
    duckdb_databases…) sont refusées. La requête s'arrête après --timeout secondes et affiche au plus
    --max-rows lignes (et 50 Mo de texte). Une requête refusée ou en échec affiche un message en français
    sur la sortie d'erreur et sort avec le code 2.
    Le CSV est pour Excel en français (« ; », UTF-8 avec BOM sauf vers un terminal), le texte qui
    ressemble à une formule neutralisé. Tables et vues : docs/warehouse.md.

    Exemple :
      insertion sql "select * from certification_statistics order by certification_code, year"
      insertion sql --format csv "select * from access_route_statistics" > voies.csv
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
            why = (
                "fichier introuvable"
                if isinstance(exc, FileNotFoundError)
                else "accès refusé"
                if isinstance(exc, PermissionError)
                else "texte UTF-8 attendu"
                if isinstance(exc, UnicodeDecodeError)
                else "erreur de lecture"
            )
            print(f"Lecture impossible de {args.file} : {why}.", file=sys.stderr)
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
    p = add("stats", cmd_stats, "affiche le tableau des statistiques d'une certification")
    p.add_argument("code", help="code RNCP, p. ex. RNCP34179")
    p.add_argument(
        "--format", choices=["table", "csv", "json"], default="table", help="format de sortie (défaut table)"
    )
    p.add_argument(
        "--detail",
        action="store_true",
        help="ajoute numérateurs, dénominateurs, taux de réponse, intervalles à 95 %% et signaux de petits effectifs",
    )
    p.add_argument(
        "--compare",
        action="store_true",
        help="chiffres calculés à côté des chiffres publiés, avec les écarts",
    )
    p.add_argument(
        "--lineage", action="store_true", help="chaque fiche de la chaîne prédécesseurs/successeurs"
    )

    p = add("certification", cmd_certification, "affiche le résumé de la fiche d'une certification")
    p.add_argument("code", help="code RNCP, p. ex. RNCP34179")

    p = add("titles", cmd_titles, "liste les intitulés d'emploi et leurs codes ROME")
    p.add_argument("--unmatched", action="store_true", help="seulement les intitulés encore sans code ROME")
    p.add_argument(
        "--format", choices=["table", "csv", "json"], default="table", help="format de sortie (défaut table)"
    )

    p = add("review", cmd_review, "enregistre la décision d'un relecteur sur un intitulé d'emploi")
    p.add_argument("title", help="l'intitulé d'emploi tel qu'écrit dans les enquêtes")
    p.add_argument("--rome", metavar="CODE", help="le code ROME de cet intitulé")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--in-target", action="store_true", help="l'emploi relève du métier visé")
    group.add_argument("--out-of-target", action="store_true", help="l'emploi ne relève pas du métier visé")
    p.add_argument(
        "--certification", metavar="CODE", help="la décision vaut pour cette certification seulement"
    )
    p.add_argument("--by", required=True, metavar="NOM", help="qui décide")
    p.add_argument("--why", required=True, metavar="TEXTE", help="pourquoi")

    p = add("sql", cmd_sql, "exécute une requête SQL en lecture seule")
    p.add_argument("query", nargs="?", help="la requête ; « - » (ou rien) la lit sur l'entrée standard")
    p.add_argument(
        "--file", metavar="PATH", help="lit la requête dans un fichier (« - » pour l'entrée standard)"
    )
    p.add_argument(
        "--format", choices=["table", "csv", "json"], default="table", help="format de sortie (défaut table)"
    )
    p.add_argument(
        "--timeout", type=float, default=60.0, metavar="SECONDES", help="arrête la requête après (défaut 60)"
    )
    p.add_argument(
        "--max-rows", type=int, default=100_000, metavar="N", help="affiche au plus N lignes (défaut 100000)"
    )
