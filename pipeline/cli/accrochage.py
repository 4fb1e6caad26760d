"""``accrochage``: the jury results beside the Caisse des Dépôts fluxes (issue #27)."""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.cli.common import open_reader, settings_of


def cmd_accrochage(args) -> int:
    """Rapproche les certifiés des résultats de jury et les flux CDC chargés (« accrochage des
    certifications ») : par certification et promotion, les certifiés transmis (dans les 3 mois suivant
    le jury, ou en retard), ceux qui ne sont pas transmis (délai de 3 mois dépassé, ou pas encore), les
    transmissions de personnes ajournées ou absentes des résultats de jury, et les dates de certificat ou
    voies d'accès qui diffèrent.

    --out écrit un classeur (mode 0600) listant chaque personne à traiter par sa référence candidat, lue
    dans les fichiers de jury au moment de l'export seulement (l'entrepôt n'en garde aucune). Code de
    sortie 1 quand des certifiés ne sont toujours pas transmis 3 mois après leur jury.

    Exemple :
      insertion ingest flux-cdc-2024-06.xml
      insertion accrochage
      insertion accrochage --certification RNCP34179 --out accrochage-RNCP34179.xlsx
    """
    from pipeline.outputs import text
    from pipeline.reports import accrochage

    settings = settings_of(args)
    codes = [args.certification.strip().upper()] if args.certification else None
    with open_reader(settings) as con:
        if not accrochage.loaded(con):
            print(
                "Aucun flux d'accrochage CDC chargé : insertion ingest FLUX.xml (voir le README).",
                file=sys.stderr,
            )
            return 1
        summary = accrochage.summary(con, codes)
        listing = accrochage.listing(con, codes)
        sheets = None
        if args.out:
            from pipeline.load.pseudonymise import load_key
            from pipeline.outputs.accrochage import workbook

            sheets = workbook(con, settings, load_key(settings.key_file), codes)
    if summary.empty:
        which = codes[0] if codes else "Aucune certification"
        print(
            f"{which} : rien à rapprocher (ni certifié des résultats de jury, ni passage d'un flux ; une "
            "certification dont les certifiés sont lus dans le flux, réglage cdc_as_cohort, n'est pas rapprochée).",
            file=sys.stderr,
        )
        return 1
    print(text.format_table(accrochage.summary_table(summary)))
    if not listing.empty:
        print(f"\n{len(listing)} personne(s) à traiter :")
        for what, n in _grouped(listing).items():
            print(f"  {n} × {what}")
    if sheets is not None:
        from pipeline.core import audit
        from pipeline.outputs.accrochage import write_workbook

        path = write_workbook(sheets, Path(args.out))
        audit.record(  # issue #25: a file of candidate references leaves the product
            "export",
            commande="accrochage",
            fichier=str(path),
            lignes=len(sheets["À traiter"]),
            certification=codes[0] if codes else "toutes",
        )
        print(f"\nClasseur écrit : {path} (références candidats : fichier en mode 0600, à ne pas diffuser).")
    overdue = int(summary["overdue"].sum())
    if overdue:
        print(
            f"\n{overdue} certifié(s) non transmis plus de 3 mois après le jury (Code du travail R6113-17-2).",
            file=sys.stderr,
        )
    return 1 if overdue else 0


def _grouped(listing) -> dict[str, int]:
    """How many lines of each kind (the finding, with « en retard » / « délai dépassé » told apart)."""
    from pipeline.reports.accrochage import FINDINGS

    kinds = []
    for r in listing.to_dict(orient="records"):
        if r["finding"] == "not_transmitted":
            kinds.append(
                "non transmis, délai de 3 mois dépassé" if r["overdue"] else "non transmis, délai en cours"
            )
        elif r["finding"] == "transmitted":
            said = (
                ("transmis en retard", r["late"]),
                ("date du certificat ≠ date du jury", r["date_mismatch"]),
                ("voie d'accès différente", r["route_mismatch"]),
            )
            kinds += [k for k, on in said if on]
        else:
            kinds.append(FINDINGS[r["finding"]].lower())
    out: dict[str, int] = {}
    for k in kinds:
        out[k] = out.get(k, 0) + 1
    return out


def register(add) -> None:
    """Add this group's commands to the ``insertion`` parser (``add`` as in :mod:`pipeline.cli`)."""
    p = add("accrochage", cmd_accrochage, "rapproche les résultats de jury et les flux CDC")
    p.add_argument("--certification", metavar="CODE", help="une certification (défaut : toutes)")
    p.add_argument(
        "--out", metavar="FICHIER.xlsx", help="écrit le classeur (personnes listées par référence candidat)"
    )
