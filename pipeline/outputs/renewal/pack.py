"""What the renewal pack holds, sheet by sheet, before it is written (XLSX, HTML)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd


@dataclass
class Pack:
    code: str
    title: str
    certifiers: str
    years: list[int]
    generated: datetime
    # a sheet is one table, or several titled tables one below the other
    sheets: dict[str, pd.DataFrame | list[tuple[str, pd.DataFrame]]] = field(default_factory=dict)
    trend: pd.DataFrame | None = None
    stats: pd.DataFrame | None = None
    partner: str = ""  # a partner's pack (issue #16): « Partenaire : NOM (SIRET …) »; empty otherwise
    threshold: int = 0  # the small-cohort threshold in force (M24): « ⚠ » under it


def parse_years(text: str | None) -> list[int] | None:
    """« 2017-2018 » or « 2017,2019 » -> [2017, 2018]; None -> None (every year with 6-month data)."""
    if not text:
        return None
    years: list[int] = []
    for part in text.split(","):
        try:
            bounds = [int(x) for x in part.strip().split("-")]
        except ValueError:
            raise ValueError(f"années invalides : « {text} » (par exemple 2017-2018 ou 2017,2019)") from None
        years += list(range(bounds[0], bounds[-1] + 1))
    return sorted(set(years))
