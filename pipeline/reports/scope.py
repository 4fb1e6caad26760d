"""Whose figures a read gives (issue #16): the read model's functions take a
:class:`pipeline.core.accounts.Scope` and give that scope's figures.

- :data:`~pipeline.core.accounts.EVERYTHING`: the certification's figures (the certifier's tables).
- A partner (``Scope(restricted=True, sirets=…)``): the figures of its certified people only, by the same
  definitions and the same disclosure — its France Compétences table is ``statistics_by_partner`` summed
  over its SIRET (:func:`pipeline.reports.statistics.statistics`), and every query that reads people or
  answers filters them on ``partner_siret`` (:func:`partner_filter`). What is the certifier's alone (its
  declarations, the quality of its files, its survey campaigns) is left out.

:data:`PUBLIC_RELATIONS` are the relations a partner may read whole: the fiche's public facts (RNCP export,
interim referential, ROME referential, published statistics). None holds a row per person, nor any partner
but the certifiers named on the fiche; the dashboard's scoped reading (``dashboard/scoping.py``) exposes
them unfiltered and refuses one that carries a column of :data:`PEOPLE_COLUMNS`. Every other relation
without ``partner_siret`` stays empty for a partner (deny by default).
"""

from __future__ import annotations

import duckdb

from pipeline.core.accounts import EVERYTHING, Scope  # noqa: F401 (the scopes, handed on)

# name -> what it is (all public: published by France Compétences or France Travail, or copied from them)
PUBLIC_RELATIONS: dict[str, str] = {
    "rncp_fiches": "fiche RNCP : intitulé, niveau, dates d'enregistrement (export RNCP)",
    "rncp_certifiers": "certificateurs nommés sur la fiche (export RNCP)",
    "rncp_rome": "codes ROME de la fiche (export RNCP)",
    "rncp_nsf": "codes NSF de la fiche (export RNCP)",
    "rncp_access_routes": "voies d'accès ouvertes par la fiche (export RNCP)",
    "rncp_lineage": "fiches antérieures et nouvelles (export RNCP)",
    "ref_certifications": "référentiel provisoire des fiches : intitulé, niveau, fin d'enregistrement",
    "ref_target_jobs": "référentiel provisoire des métiers visés",
    "certification_target_jobs": "métiers visés de chaque fiche (export RNCP, sinon référentiel provisoire)",
    "published_statistics": "statistiques publiées sur la fiche (export RNCP ou page de la fiche)",
    "rome_codes": "codes ROME et leurs libellés (référentiel ROME)",
    "rome_appellations": "appellations ROME (référentiel ROME)",
    # views: defined again in the partner's schema, so that what they read is the partner's
    "certification_summary": "résumé de la fiche (intitulé, niveau, dates) ; ses codes lus dans les tables du lecteur",
    "certification_lineage": "chaîne des fiches (lue dans rncp_lineage)",
}
# Not public, although the RNCP export publishes them: the habilitated partners of a fiche
# (rncp_partners, ref_partners, partner_habilitations) — a partner sees its own findings, not the others.

# A relation with one of these columns holds people's or partners' rows: it is never public.
PEOPLE_COLUMNS = ("partner_siret", "candidate_hash")


def sirets(scope: Scope) -> list[str] | None:
    """The SIRET a read keeps (None: every row, partners' or not; an empty list: none)."""
    return sorted(scope.sirets) if scope.restricted else None


def partner_filter(column: str = "partner_siret") -> str:
    """A SQL condition on ``column`` for :func:`partner_params` (two bound parameters, in this order)."""
    return f"(?::varchar[] is null or list_contains(?::varchar[], {column}))"


def partner_params(scope: Scope) -> list:
    chosen = sirets(scope)
    return [chosen, chosen]


def partners(con: duckdb.DuckDBPyConnection, code: str, scope: Scope) -> list[tuple[str, str | None]]:
    """The scope's SIRET with certified people in ``code``, each with the name its rows give (one name
    per SIRET: ``partner_names``); none for an unrestricted scope."""
    if not scope.restricted:
        return []
    return con.execute(
        "select partner_siret, any_value(partner_name) from statistics_by_partner "
        "where certification_code = ? and list_contains(?::varchar[], partner_siret) "
        "group by partner_siret order by partner_siret",
        [code, sirets(scope)],
    ).fetchall()


def partner_line(con: duckdb.DuckDBPyConnection, code: str, scope: Scope) -> str:
    """« Partenaire : NOM (SIRET …) » (several: separated by « ; »); empty for an unrestricted scope."""
    if not scope.restricted:
        return ""
    found = partners(con, code, scope) or [(s, None) for s in sorted(scope.sirets)]
    names = [f"{name} (SIRET {siret})" if name else f"SIRET {siret}" for siret, name in found]
    return ("Partenaire : " if len(names) == 1 else "Partenaires : ") + " ; ".join(names)


def no_rows_message(scope: Scope) -> str:
    """Why a partner's pack or table is empty, in French."""
    return (
        f"aucun certifié du partenaire (SIRET {', '.join(sorted(scope.sirets)) or 'aucun'}) "
        "pour cette certification dans l'entrepôt"
    )
