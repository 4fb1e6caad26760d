"""The « Accrochage CDC » section of the Qualité page (issue #27): the jury results beside the Caisse des
Dépôts fluxes, per certification and promotion, and the people to act on (found by their jury file and
row: the snapshot holds no candidate reference; ``insertion accrochage --out`` lists them by reference)."""

from __future__ import annotations

from dash import html

from dashboard import components, data
from pipeline.reports import accrochage

P = "qualite-cdc"


def _rows(frame) -> list[dict]:
    return frame.astype(object).where(frame.notna(), "").to_dict(orient="records")


def section() -> list:
    """The section: heading, what it compares, the counts, the list, the fluxes loaded."""
    wh = data.get()
    heading = html.H2(accrochage.TITLE, id=P)
    summary = wh.call(accrochage.summary, None, wh.scope)
    if summary.empty:
        return [
            heading,
            components.empty_state(
                "Aucun flux d'accrochage CDC chargé : déposez le flux XML envoyé à la Caisse des Dépôts dans "
                "data/raw/ ou chargez-le avec « insertion ingest » pour le rapprocher des résultats de jury."
            ),
        ]
    counts = accrochage.summary_table(summary)
    listing = accrochage.listing_table(wh.call(accrochage.listing, None, wh.scope))
    listing = listing.drop(columns=["Lien"], errors="ignore")
    fluxes = wh.call(accrochage.fluxes, wh.scope)
    overdue = int(summary["overdue"].sum())
    return [
        heading,
        html.P(
            [
                "Chaque certifié doit être transmis à la Caisse des Dépôts (accrochage des certifications au "
                "CPF) dans les 3 mois qui suivent le jury (Code du travail R6113-17-2). Les flux chargés sont "
                "rapprochés des résultats de jury : le lien est la référence candidat (idTechnique, ou le "
                "fichier de correspondance), sinon le NIR quand le fichier de jury en porte un. ",
                html.Strong(
                    f"{overdue} certifié(s) non transmis plus de 3 mois après le jury."
                    if overdue
                    else "Aucun certifié n'attend sa transmission au-delà de 3 mois."
                ),
            ],
            className="hint",
        ),
        components.table(f"{P}-summary", [(c, c) for c in counts.columns], rows=_rows(counts)),
        html.H3("Personnes à traiter"),
        html.P(
            "Certifiés non transmis, transmis en retard, date ou voie d'accès différente du jury, personnes "
            "transmises sans être certifiées : retrouvez-les par le fichier de jury et sa ligne, ou par le "
            "passage du flux (« insertion accrochage --out » les liste par référence candidat).",
            className="hint",
        ),
        components.table(f"{P}-listing", [(c, c) for c in listing.columns], rows=_rows(listing)),
        html.H3("Flux chargés"),
        components.table(f"{P}-fluxes", [(c, c) for c in fluxes.columns], rows=_rows(fluxes)),
    ]
