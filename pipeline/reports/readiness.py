"""The inputs of renewal readiness, gathered once for every face (the Certification page and the
pack's Alertes): every promotion of the certification, the titles waiting for a reviewer
(most respondents first), the differences with the published figures and the partners not habilitated.
The rules themselves are :mod:`pipeline.indicators.readiness`'s."""

from __future__ import annotations

import duckdb

from pipeline.core.accounts import EVERYTHING, Scope
from pipeline.core.config import Settings
from pipeline.indicators import readiness
from pipeline.reports import accrochage, fiches, habilitation
from pipeline.reports.scope import partner_filter, partner_params
from pipeline.reports.statistics import statistics


def inputs(con: duckdb.DuckDBPyConnection, code: str, scope: Scope = EVERYTHING) -> dict:
    """What :func:`pipeline.indicators.readiness.check` reads, for one certification (a partner's: its
    figures, its titles and its own habilitation findings)."""
    stats = statistics(con, code, scope)
    compare = fiches.compare(con, code, scope)
    titles = con.execute(
        f"select job_title from titles_to_review where certification_code = ? and {partner_filter()} "
        "group by job_title order by count(*) desc, job_title",
        [code, *partner_params(scope)],
    ).fetchall()
    return {
        "stats": stats,
        "info": fiches.summary(con, code) or {},
        "pending_review": int(stats["pending_review_6m"].sum() + stats["pending_review_24m"].sum()),
        "unmatched_titles": [t for (t,) in titles],
        "gaps": compare[compare["difference"].fillna(0) != 0],
        "unhabilitated": habilitation.by_partner(con, [code], scope),  # issue #16
        "accrochage": accrochage.summary(con, [code], scope),  # issue #27 (empty for a partner)
        "cohort_note": accrochage.cohort_note(con, code),  # issue #27: certified read from the flux
    }


def items(
    con: duckdb.DuckDBPyConnection, code: str, settings: Settings, scope: Scope = EVERYTHING
) -> list[readiness.Item]:
    """Every readiness item of one certification, under the settings in force."""
    return readiness.check(settings=settings, **inputs(con, code, scope))


def alerts(
    con: duckdb.DuckDBPyConnection, code: str, settings: Settings, scope: Scope = EVERYTHING
) -> list[tuple[str, str]]:
    """(topic, text) of each item that would weaken the dossier."""
    return [(i.topic, i.text) for i in items(con, code, settings, scope) if not i.ok]
