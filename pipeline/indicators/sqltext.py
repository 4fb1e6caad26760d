"""SQL texts filled from the registries: ``/* @counts */``, ``/* @derived */``, ``/* @rates */`` and the
conditions of employment's markers."""

from __future__ import annotations

from pipeline.indicators.conditions import expand as expand_conditions
from pipeline.indicators.registry import counts_sql, derived_sql, rates_sql


def expand(sql: str) -> str:
    """Replace ``/* @counts */``, ``/* @derived */`` and ``/* @rates */`` in a SQL text by the registry's
    select lists."""
    return expand_conditions(
        sql.replace("/* @counts */", counts_sql())
        .replace("/* @derived */", derived_sql())
        .replace("/* @rates */", rates_sql())
    )
