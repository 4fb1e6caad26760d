"""``renewal``, ``declare``, ``publish``: the documents sent out."""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.cli.common import finish, in_force, open_reader, open_writer, settings_of, settle_pending


def cmd_renewal(args) -> int:
    """Écrit le dossier de renouvellement d'une certification : le tableau des statistiques de France
    Compétences pour les promotions choisies, par voie d'accès, les emplois occupés et leur adéquation aux
    métiers visés, la méthodologie, les contrôles qualité et les alertes, en XLSX mis en forme (et, son
    équivalent accessible, un dossier HTML imprimable autonome et un PDF/UA-1 balisé).

    Promotions par défaut : toutes les années ayant des réponses à 6 mois. Avec --siret (issue #16) : le
    dossier d'un partenaire, des seules personnes de ce SIRET (répétez --siret pour plusieurs).

    Exemple :
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
    print(f"Écrit : {args.out} ({', '.join(pack.sheets)})")
    if args.html:
        renewal.write_html(pack, Path(args.html))
        print(f"Écrit : {args.html}")
    if args.pdf:
        renewal.write_pdf(pack, Path(args.pdf))
        print(f"Écrit : {args.pdf} (PDF/UA-1, balisé)")
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
    """Enregistre une déclaration des chiffres d'une certification (en ajout seul, dans l'entrepôt) et
    écrit son dossier de renouvellement et son manifeste (JSON, empreinte sha256 de tout ce qui est
    enregistré) ; en vérifie une à partir de ses seuls enregistrements ; ou les liste. Voir
    pipeline/outputs/declarations.py.

    Une déclaration est validée, puis publiée dans l'instantané que lisent les lecteurs. Si la commande
    est tuée entre les deux, la commande suivante la publie (comme elle finit un chargement interrompu), et
    relancer le même `declare` le dit au lieu d'enregistrer une seconde déclaration.

    Exemple :
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
        print(
            "erreur : donnez un code de certification et --to (ou --verify NUMÉRO, ou --list)",
            file=sys.stderr,
        )
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
    """Écrit les résultats publics d'une certification, pour le site du certificateur (indicateur 2
    de Qualiopi) : les taux de la fiche et les taux de réponse avec leur base et leur intervalle à 95 %,
    par année. Un taux dont la base est sous le seuil des petits effectifs (celui en vigueur : enregistré
    par le dernier build) est masqué (« secret statistique » et cette base), de même que tout taux qui
    permettrait de recalculer une case masquée (« secret secondaire ») ; la règle est énoncée dans la page,
    ou dans un fichier « LISEZMOI » à côté d'un CSV ; aucune liste nominative.
    Pour le dossier France Compétences, utilisez `insertion renewal` (chiffres complets, signalés ⚠).

    Exemple :
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
    p = add("renewal", cmd_renewal, "écrit le dossier de renouvellement (XLSX, HTML) d'une certification")
    p.add_argument("code", help="code RNCP, p. ex. RNCP34179")
    p.add_argument("--out", required=True, metavar="FICHIER.xlsx", help="le classeur à écrire")
    p.add_argument("--html", metavar="FICHIER.html", help="écrit aussi une page HTML imprimable et autonome")
    p.add_argument(
        "--pdf", metavar="FICHIER.pdf", help="écrit aussi un PDF balisé (PDF/UA-1) du même dossier"
    )
    p.add_argument("--years", metavar="ANNÉES", help="promotions, p. ex. 2017-2018 ou 2017,2019")
    p.add_argument(
        "--siret",
        action="append",
        metavar="SIRET",
        help="le dossier d'un partenaire : ses seules personnes (à répéter pour plusieurs SIRET)",
    )

    p = add("declare", cmd_declare, "enregistre, vérifie ou liste les déclarations de chiffres")
    p.add_argument("code", nargs="?", help="code RNCP, p. ex. RNCP34179")
    p.add_argument(
        "--years", metavar="ANNÉES", help="promotions, p. ex. 2017-2018 (par défaut : comme le dossier)"
    )
    p.add_argument("--to", metavar="DESTINATAIRE", help="à qui, p. ex. « France Compétences »")
    p.add_argument("--note", metavar="TEXTE", help="une note gardée avec la déclaration")
    p.add_argument("--out-dir", metavar="DOSSIER", help="où écrire le dossier et le manifeste")
    p.add_argument(
        "--verify",
        type=int,
        metavar="NUMÉRO",
        help="recalcule la déclaration NUMÉRO à partir de ses enregistrements",
    )
    p.add_argument("--manifest", metavar="FICHIER", help="avec --verify : le manifest.json à comparer")
    p.add_argument("--list", action="store_true", help="liste les déclarations")

    p = add("publish", cmd_publish, "écrit les résultats publics d'une certification (HTML ou CSV)")
    p.add_argument("code", help="code RNCP, p. ex. RNCP34179")
    p.add_argument("--out", required=True, metavar="FICHIER", help="resultats.html ou resultats.csv")
    p.add_argument("--years", metavar="ANNÉES", help="promotions, p. ex. 2017-2018 ou 2017,2019")
