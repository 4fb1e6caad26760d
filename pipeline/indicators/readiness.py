"""Renewal readiness: the rules that say what would weaken a France Compétences dossier. The dashboard's
Certification page lists every item (ok or alert); the renewal pack's « Alertes » sheet lists the alerts.
Thresholds are settings (``min_response_rate``, ``small_cohort_threshold``, ``renewal_notice_days``)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipeline.indicators.disclosure import small
from pipeline.indicators.formats import SMALL, fr_date, fr_int, fr_pct, head_count
from pipeline.indicators.registry import WAVES

MIN_PROMOTIONS = 2  # article R.6113-9 of the Code du travail: at least two promotions


@dataclass(frozen=True)
class Item:
    topic: str
    text: str
    ok: bool


def check(
    stats: pd.DataFrame,
    info: dict,
    settings,
    pending_review: int = 0,
    unmatched_titles: list[str] | None = None,
    gaps: pd.DataFrame | None = None,
    unhabilitated: pd.DataFrame | None = None,
    accrochage: pd.DataFrame | None = None,
    cohort_note: str | None = None,
) -> list[Item]:
    """Every readiness item for one certification, from its ``certification_statistics`` rows.
    ``unhabilitated``: the partners not habilitated at the jury date, counted
    (:func:`pipeline.reports.habilitation.by_partner`; issue #16). ``accrochage``: the reconciliation with
    the Caisse des Dépôts fluxes per promotion (view ``cdc_accrochage_summary``; issue #27), empty before
    a flux is loaded. ``cohort_note``: what the certified cannot say when they come from the flux itself
    (docs/methodology.md M37), listed first."""
    items: list[Item] = []
    if cohort_note:
        items.append(Item("Source des certifiés", cohort_note, False))
    with_6m = stats[stats["respondents_6m"] > 0]
    items.append(
        Item(
            "Promotions",
            f"{len(with_6m)} promotion(s) avec une enquête à 6 mois (au moins {MIN_PROMOTIONS} exigées, "
            "article R.6113-9 du code du travail)",
            len(with_6m) >= MIN_PROMOTIONS,
        )
    )
    for r in stats.sort_values("year", ascending=False).itertuples():
        for wave, (_, label) in WAVES.items():
            respondents = getattr(r, f"respondents_{wave}")
            if not respondents:
                continue
            rate = getattr(r, f"response_rate_{wave}")
            low = rate is not None and not pd.isna(rate) and rate < settings.min_response_rate
            items.append(
                Item(
                    "Taux de réponse",
                    f"Promotion {r.year}, {label} : {fr_pct(rate)} de réponses "
                    f"({head_count(respondents, r.certified)})"
                    + (f" {SMALL}" if small(r.certified, settings.small_cohort_threshold) else "")
                    + (f", sous le seuil de {settings.min_response_rate} %" if low else ""),
                    not low,
                )
            )
            den = getattr(r, f"denominator_{wave}")
            if small(den, settings.small_cohort_threshold):
                items.append(
                    Item(
                        "Petit effectif",
                        f"Promotion {r.year}, {label} : base de calcul de {fr_int(den)}, "
                        f"sous le seuil de {settings.small_cohort_threshold} (taux signalés ⚠)",
                        False,
                    )
                )
    if pending_review:
        items.append(
            Item(
                "Relecture",
                f"{fr_int(pending_review)} répondant(s) en emploi dont l'intitulé n'a qu'une correspondance "
                "approchée : hors métier visé tant qu'un relecteur n'a pas décidé (insertion titles)",
                False,
            )
        )
    if unmatched_titles:
        items.append(
            Item(
                "Intitulés",
                f"{len(unmatched_titles)} intitulé(s) de poste sans code ROME, à relire : "
                + ", ".join(unmatched_titles[:10]),
                False,
            )
        )
    end = info.get("registration_end_date")
    if end is None:
        items.append(
            Item("Enregistrement", "Date de fin d'enregistrement inconnue (chargez l'export RNCP)", False)
        )
    else:
        days = int(info["days_left"])  # the one count of days left: certification_summary, on the clock's day
        items.append(
            Item(
                "Enregistrement",
                f"Enregistrement jusqu'au {fr_date(end)} : "
                + (f"{fr_int(days)} jours restants" if days >= 0 else "échu"),
                days >= settings.renewal_notice_days,
            )
        )
    if gaps is not None:
        for g in gaps.itertuples():
            items.append(
                Item(
                    "Publié ≠ calculé",
                    f"{g.year}, {g.measure} : publié {g.published}, calculé {g.computed} (écart {g.difference:+d})",
                    False,
                )
            )
    if unhabilitated is not None:
        for r in unhabilitated.to_dict(orient="records"):
            items.append(
                Item(
                    "Partenaires",
                    f"{r['Partenaire']} : {fr_int(r['Certifiés concernés'])} certifié(s) — {r['Constat']} "
                    f"(jurys du {r['Premier jury']} au {r['Dernier jury']})",
                    False,
                )
            )
    if accrochage is not None and not accrochage.empty:
        items += accrochage_items(accrochage)
    return items


ACCROCHAGE = "Accrochage CDC"
# what the certifier must fix, per promotion: (column of cdc_accrochage_summary, French text)
ACCROCHAGE_ALERTS = (
    (
        "overdue",
        "certifié(s) non transmis à la Caisse des Dépôts plus de 3 mois après le jury (Code du travail "
        "R6113-17-2 ; liste : insertion accrochage)",
    ),
    ("late", "certifié(s) transmis à la Caisse des Dépôts plus de 3 mois après le jury"),
    ("transmitted_failed", "personne(s) transmise(s) alors que le jury a ajourné ou validé partiellement"),
    ("transmitted_not_certified", "personne(s) transmise(s) absente(s) des résultats de jury"),
    ("date_mismatch", "transmission(s) dont la date du certificat diffère de la date du jury"),
    ("route_mismatch", "transmission(s) dont la voie d'accès diffère de celle du jury"),
)


def accrochage_items(summary: pd.DataFrame) -> list[Item]:
    """Issue #27: one alert per promotion and defect of the transmissions to the Caisse des Dépôts (docs/
    methodology.md M36); one item « ok » when there is none."""
    items = []
    for r in summary.sort_values("year", ascending=False).to_dict(orient="records"):
        for column, text in ACCROCHAGE_ALERTS:
            if r[column]:
                items.append(Item(ACCROCHAGE, f"Promotion {r['year']} : {fr_int(r[column])} {text}", False))
    if not items:
        items.append(
            Item(
                ACCROCHAGE,
                "Chaque certifié des promotions couvertes par les flux chargés a été transmis à la Caisse des "
                "Dépôts dans les 3 mois, conforme au jury",
                True,
            )
        )
    return items
