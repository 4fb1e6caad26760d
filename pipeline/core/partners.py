"""Partner organisations (« organismes habilités ») of a certification: the one owner of what an RNCP
habilitation says, its states, and the French words for them and for the habilitation check's findings.

France Compétences' export lists, for each fiche, the partners the certifier habilitated, by SIRET:
``HABILITATION_FORMER`` (to prepare candidates: *train*), ``HABILITATION_ORGANISER`` (to organise the
assessment: *assess*) or ``HABILITATION_ORGA_FORM`` (both). The XML flow adds ``ETAT_HABILITATION``
(Actif / Inactif / Supprimé), ``DATE_ACTIF`` and ``DATE_DERNIERE_MODIFICATION_ETAT``.

Who organised the assessment of a cohort row: the optional cohort column « Évaluation organisée par »
(``assessed_by``: ``partner`` or ``certifier``) says it; without it, the partner named on the row is taken
to have organised it (it is the only organisation the row names besides the certifier). So a partner
habilitated to train only is reported unless the file says the certifier organised the assessment.
"""

from __future__ import annotations

from pipeline.core.normalise import norm

HABILITATION_TYPES = {
    "HABILITATION_FORMER": "train",
    "HABILITATION_ORGANISER": "assess",
    "HABILITATION_ORGA_FORM": "both",
}
HABILITATION_LABELS = {
    "train": "Préparer (former)",
    "assess": "Organiser l'évaluation",
    "both": "Former et organiser l'évaluation",
}
STATES = {"actif": "active", "inactif": "inactive", "supprime": "withdrawn"}
STATE_LABELS = {"active": "Actif", "inactive": "Inactif", "withdrawn": "Supprimé"}

# The habilitation check's findings (pipeline/warehouse/sql/marts/33_habilitation_issues.sql), in French.
ISSUE_LABELS = {
    "no_siret": "Partenaire sans SIRET valide : habilitation invérifiable",
    "unknown_siret": "SIRET absent des partenaires habilités de la certification",
    "withdrawn": "Habilitation retirée (ou fiche inactive) avant le jury",
    "not_yet_active": "Habilitation active seulement après le jury",
    "train_only_assessing": "Habilité à former seulement, mais a organisé l'évaluation",
}
NO_PARTNER = "Sans partenaire (certificateur)"


def habilitation_type(value: str | None) -> str | None:
    """``train``, ``assess`` or ``both`` for the export's ``HABILITATION_*`` value (None when unknown)."""
    if value is None:
        return None
    return HABILITATION_TYPES.get(value.strip().upper())


def habilitation_state(value: str | None) -> str | None:
    """``active``, ``inactive`` or ``withdrawn`` for ETAT_HABILITATION (Actif, Inactif, Supprimé)."""
    return STATES.get(norm(value)) if value else None


def partner_label(siret: str | None, name: str | None) -> str:
    """« NOM (SIRET) », « NOM », « SIRET », or « Sans partenaire (certificateur) » (a missing value may
    come as None or as pandas' NaN)."""
    siret = siret if isinstance(siret, str) and siret else None
    name = name if isinstance(name, str) and name else None
    if siret and name:
        return f"{name} ({siret})"
    return name or siret or NO_PARTNER
