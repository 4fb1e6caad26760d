"""``loads``, ``unload``: the loads with their ids, and undoing one (issue #24)."""

from __future__ import annotations

import sys

from pipeline.cli.common import finish, in_force, open_reader, open_writer, settings_of


def cmd_loads(args) -> int:
    """Liste les chargements, du plus récent au plus ancien : numéro, fichier, type, lignes lues,
    chargées et mises en quarantaine, date, statut (chargé, rejeté, retiré), certifications touchées et,
    pour un fichier retiré, quand et par qui. Le numéro est celui qu'attend `insertion unload`.

    Exemples :
      insertion loads
      insertion loads --status retiré
      insertion loads --limit 500
    """
    from pipeline.outputs import text
    from pipeline.reports import unloads

    settings = settings_of(args)
    status = {label: key for key, label in unloads.STATUS_LABELS.items()}.get(args.status, args.status)
    with open_reader(settings) as con:
        frame = unloads.loads(con, status, args.limit)
    if frame.empty:
        print("Aucun chargement." if status is None else "Aucun chargement de ce statut.")
        return 0
    print(text.format_table(frame.astype(object).where(frame.notna(), None)))
    return 0


def cmd_unload(args) -> int:
    """Retire un chargement : un fichier de résultats de jury ou de réponses d'enquête chargé par erreur
    (mauvais fichier, mauvaise correspondance de colonnes, fichier de rebut) ; l'entrepôt redevient ce
    qu'il serait sans lui.

    Le chargement est désigné par son numéro (insertion loads) ou par son fichier (son contenu, sinon son
    chemin ou son nom). Ses lignes sont supprimées partout (tables de chargement, quarantaine, intitulés
    de poste qu'aucune réponse ne porte plus), les certifications qu'il touchait sont recalculées et
    l'instantané publié est republié. Qui, quand et pourquoi sont gardés dans un journal qui ne s'efface
    pas (table unload_log, page Qualité : « Fichiers retirés ») ; la ligne du chargement reste dans
    load_log, au statut « retiré », et le même fichier peut être chargé de nouveau.

    Un référentiel (export RNCP, fichiers ROME) ne se retire pas : son chargement a remplacé le précédent ;
    chargez l'export voulu. Un fichier compté par une déclaration se retire : la déclaration reste
    vérifiable à partir de ses propres enregistrements (insertion declare --verify N), et l'écart avec les
    chiffres actuels est montré avec sa cause.

    Exemples :
      insertion loads
      insertion unload 12 --by "C. Moreau" --why "fichier de la promotion 2019 chargé à la place de 2018"
      insertion unload exports/enquete-6-mois.csv --by "C. Moreau" --why "colonnes mal associées"
    """
    from pipeline.core import audit, pause
    from pipeline.warehouse import unload

    if args.list:
        return cmd_loads(args)
    if not args.target:
        print(
            "erreur : indiquez le chargement à retirer (numéro ou fichier : insertion loads), --by et --why",
            file=sys.stderr,
        )
        return 2
    settings = settings_of(args)
    with open_writer(settings) as con:
        settings = in_force(con, settings)
        done = unload.unload(con, args.target, args.by, args.why)
        pause.at("unload_committed")
        print(done.summary(), flush=True)
        for did in done.declarations:
            print(
                f"  attention : la déclaration n° {did} comptait ce fichier ; elle reste vérifiable à partir "
                f"de ses propres enregistrements (insertion declare --verify {did}), et les chiffres actuels "
                "s'en écartent désormais (insertion stats).",
                flush=True,
            )
        finish(con, settings, scope=done.certifications)
    audit.record(
        "dechargement",
        user=args.by.strip(),
        motif=args.why.strip(),
        retrait=done.unload_id,
        chargement=args.target,
        certifications=list(done.certifications),
        declarations=list(done.declarations),
    )
    print(f"Retrait n° {done.unload_id} enregistré (par {args.by.strip()}) ; instantané republié.")
    return 0


def register(add) -> None:
    """Add this group's commands to the ``insertion`` parser (``add`` as in :mod:`pipeline.cli`)."""
    p = add("loads", cmd_loads, "liste les chargements avec leur numéro (pour insertion unload)")
    _listing_options(p)

    p = add("unload", cmd_unload, "retire un chargement (fichier de jury ou d'enquête) et recalcule")
    p.add_argument(
        "target", nargs="?", metavar="NUMÉRO|FICHIER", help="le chargement (insertion loads) ou son fichier"
    )
    p.add_argument("--by", metavar="NOM", help="qui retire le fichier (obligatoire)")
    p.add_argument("--why", metavar="TEXTE", help="pourquoi (obligatoire)")
    p.add_argument("--list", action="store_true", help="liste les chargements (comme insertion loads)")
    _listing_options(p)


def _listing_options(p) -> None:
    p.add_argument(
        "--status",
        choices=["chargé", "rejeté", "retiré", "loaded", "rejected", "unloaded"],  # English kept for scripts
        metavar="{chargé,rejeté,retiré}",
        help="seulement les chargements de ce statut",
    )
    p.add_argument("--limit", type=int, default=100, help="nombre de lignes (défaut 100)")
