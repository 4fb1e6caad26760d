"""The renewal pack: France Compétences' insertion annex for one certification, as XLSX, HTML and a tagged
PDF (the HTML and the PDF are the workbook's accessible equivalent, issue #26).

Sheets: Statistiques, Par voie d'accès, Emplois occupés, Adéquation, Conditions d'emploi, Méthodologie,
Qualité, Alertes, Par partenaire (issue #16).
Same warehouse, same content (deterministic order; only the generation date changes). Files are written
to a temporary name and renamed, so a failure never leaves a partial file.

A partner's pack (issue #16: ``build(…, scope=Scope(restricted=True, sirets=…))``): every sheet from its
people only — Statistiques and Par voie d'accès from ``statistics_by_partner`` summed over its SIRET, the
jobs, their fit, the conditions of employment and the alerts from its people's answers, Par partenaire its
own lines — under a title « Partenaire : NOM (SIRET …) »; the certifier's own sheets (Qualité of its
files and campaigns, Déclarations) are left out.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from pipeline.core.accounts import EVERYTHING, Scope
from pipeline.core.config import Settings
from pipeline.core.errors import InputError
from pipeline.core.labels import ROUTE_LABELS as ROUTES
from pipeline.indicators.disclosure import disclose
from pipeline.indicators.dossier import AUDIENCE, STAT_KEYS, stat_sheet
from pipeline.outputs.renewal.html import render_html, write_html  # noqa: F401 (the pack's API)
from pipeline.outputs.renewal.methodology import methodology
from pipeline.outputs.renewal.pack import Pack, parse_years  # noqa: F401
from pipeline.outputs.renewal.pdf import pdf_bytes, write_pdf  # noqa: F401 (the pack's API)
from pipeline.outputs.renewal.xlsx import write_xlsx  # noqa: F401
from pipeline.reports import campaigns, fiches
from pipeline.reports import statistics as statistics_of
from pipeline.reports.dossier import (
    adequation,
    alerts,
    employment_conditions,
    jobs,
    partner_statistics,
    quality,
)
from pipeline.reports.scope import no_rows_message, partner_line
from pipeline.reports.statistics import statistics


def build(
    con: duckdb.DuckDBPyConnection,
    code: str,
    settings: Settings,
    years: list[int] | None = None,
    scope: Scope = EVERYTHING,
) -> Pack:
    """Gather every sheet of the pack (``scope``'s: a partner's people only). Raises :class:`InputError`
    for an unknown certification or no data."""
    info = fiches.summary(con, code)
    stats = statistics(con, code, scope)
    if scope.restricted and info is not None and stats.empty:
        raise InputError(code, no_rows_message(scope))
    if info is None or stats.empty:
        raise InputError(code, "certification inconnue, ou aucun certifié dans l'entrepôt")
    if years is None:
        years = sorted(int(y) for y in stats.loc[stats["respondents_6m"] > 0, "year"]) or sorted(
            stats["year"]
        )
    stats = stats[stats["year"].isin(years)]
    if stats.empty:
        raise InputError(code, f"aucune donnée pour les promotions {', '.join(map(str, years))}")
    threshold = settings.small_cohort_threshold
    pack = Pack(
        code,
        info["title"] or "",
        ", ".join(c["name"] for c in info["certifiers"]),
        years,
        datetime.now(),
        partner=partner_line(con, code, scope),
        threshold=threshold,
    )
    pack.trend = disclose(stats, AUDIENCE, threshold).sort_values("year")
    pack.sheets["Statistiques"] = stat_sheet(stats, threshold)
    routes = statistics_of.route_statistics(con, code, years, scope)
    routes.insert(1, "route_label", routes["access_route"].map(ROUTES))
    sheet = stat_sheet(routes, threshold, ["access_route", "route_label", *STAT_KEYS])
    pack.sheets["Par voie d'accès"] = sheet.rename(
        columns={"access_route": "Voie d'accès", "route_label": "Libellé"}
    )
    pack.sheets["Emplois occupés"] = jobs(con, code, years, scope)
    pack.sheets.update(adequation(con, code, years, stats, threshold, scope))
    pack.sheets["Conditions d'emploi"] = employment_conditions(con, code, years, threshold, scope)
    pack.sheets["Méthodologie"] = methodology(con, code, years, settings, scope)
    if not scope.restricted:  # the certifier's files and campaigns
        pack.sheets["Qualité"] = [
            ("Contrôles des données", quality(con, code, years)),
            ("Contrôle de la non-réponse", campaigns.nonresponse_sheet(con, settings, code, years)),
        ]
    pack.sheets["Alertes"] = alerts(con, code, settings, scope)
    pack.sheets["Par partenaire"] = partner_statistics(con, code, years, threshold, scope)
    pack.sheets.update(declared(con, code, threshold, scope))
    pack.stats = stats
    return pack


def file_name(code: str, scope: Scope = EVERYTHING, suffix: str = "xlsx") -> str:
    """« renouvellement-RNCP34179.xlsx »; a partner's: « renouvellement-RNCP34179-<SIRET>.xlsx » (several
    SIRET: « …-partenaire.xlsx »)."""
    if not scope.restricted:
        return f"renouvellement-{code}.{suffix}"
    who = next(iter(scope.sirets)) if len(scope.sirets) == 1 else "partenaire"
    return f"renouvellement-{code}-{who}.{suffix}"


def declared(con, code: str, threshold: int, scope: Scope = EVERYTHING) -> dict[str, pd.DataFrame]:
    """« Déclarations » (issue #17), when figures of this certification were declared: the latest
    declaration's figures beside the current ones, with the difference and its cause (never in a
    partner's pack: the certifier declares the whole certification)."""
    from pipeline.reports import declared as declarations

    table = declarations.drift_table(con, code, threshold, scope)
    return {} if table is None else {"Déclarations": table}
