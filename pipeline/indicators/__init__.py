"""The one owner of every published figure: what each count and rate is, its French label, how it is
rounded, and how it is disclosed to each audience.

* The marts compute additive head-counts once (``mart_outcome_counts``); every rate is a ratio of sums of
  those counts, computed in SQL by the macros of ``pipeline/warehouse/sql/schema/20_macros.sql`` (``pct``: integer percent
  rounded half up, NULL on a zero denominator; ``wilson_low``/``wilson_high``: 95 % Wilson interval).
* SQL files that aggregate counts write ``/* @counts */`` and ``/* @rates */``; :func:`expand` replaces
  them with the select lists below, so the warehouse views (``statistics_by_route``) and the dashboard's
  filtered queries compute every rate the same way. Nothing else computes a rate.
* :mod:`.disclosure` applies the disclosure policy of an audience; :mod:`.formats` writes figures in
  French; :mod:`.readiness` holds the renewal-readiness rules.
"""

from pipeline.indicators.registry import (  # noqa: F401 (the registry's names, handed on)
    COUNT,
    COUNTS,
    FICHE,
    RATE,
    RATES,
    WAVES,
    Count,
    Rate,
    add_rates,
    counts_sql,
    derived_sql,
    detail_columns,
    label,
    rates_sql,
    wave_months,
)
from pipeline.indicators.sqltext import expand  # noqa: F401
