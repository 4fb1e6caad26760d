"""Pure functions: French number formats and the figures of the dashboard. No I/O, no Dash state."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from pipeline.indicators import RATE
from pipeline.indicators.disclosure import disclose, small
from pipeline.indicators.formats import (  # noqa: F401 (re-exported for the pages)
    NBSP,
    NNBSP,
    SMALL,
    fr_date,
    fr_decimal,
    fr_int,
    fr_pct,
    head_count,
    interval,
    rate_cell,
)
from pipeline.labels import ROUTE_LABELS, SITUATION_LABELS, WAVE_LABELS  # noqa: F401 (re-exported for the pages)

DASH = "–"
COLORS = {"insertion": "#1f4e79", "target6": "#2e8b57", "target24": "#c97b12", "other": "#9aa5b1"}
LAYOUT = dict(
    separators=f",{NNBSP}",
    font=dict(family="Marianne, Arial, sans-serif", size=13),
    margin=dict(l=50, r=20, t=40, b=40),
    plot_bgcolor="white",
    legend=dict(orientation="h", y=-0.2),
)
# The rates the overview shows, in this order (cards, trend, tables); labels come from the registry.
CARD_RATES = [
    "response_rate_6m",
    "insertion_rate_6m",
    "target_job_rate_6m",
    "insertion_rate_24m",
    "target_job_rate_24m",
]
TREND_RATES = {
    "insertion_rate_6m": "insertion",
    "target_job_rate_6m": "target6",
    "target_job_rate_24m": "target24",
}


def kpis(row: dict, threshold: int) -> list[dict]:
    """The overview's KPI cards from one row of outcome sums: label, value, head-count, interval, flag
    (the internal audience: every rate with n/N, « ⚠ » under the threshold)."""
    if not row:
        return []
    counts = [
        {
            "label": "Certifiés",
            "value": fr_int(row["certified"]),
            "detail": "",
            "interval": "",
            "small": False,
        },
        {
            "label": "dont VAE",
            "value": fr_int(row["certified_vae"]),
            "detail": "",
            "interval": "",
            "small": False,
        },
    ]
    shown = disclosed(row, threshold)
    return counts + [rate_card(shown, k) for k in CARD_RATES]


def disclosed(row: dict, threshold: int) -> dict:
    """One row of counts and rates as the internal audience sees it (``<rate>_small`` flags added)."""
    return disclose(pd.DataFrame([row]), "internal", threshold).iloc[0].to_dict() if row else {}


def rate_card(shown: dict, key: str, title: str | None = None) -> dict:
    """One KPI card of a rate from a row disclosed for the internal audience (:func:`disclosed`): value,
    n/N, interval, and the small-cohort flag."""
    if not shown:
        return {
            "label": title or RATE[key].short,
            "value": DASH,
            "detail": "",
            "interval": "",
            "small": False,
        }
    rate = RATE[key]
    return {
        "label": title or rate.short,
        "value": fr_pct(shown[key]),
        "detail": head_count(shown[rate.numerator], shown[rate.denominator]),
        "interval": interval(shown[f"{key}_low"], shown[f"{key}_high"]),
        "small": bool(shown[f"{key}_small"]),
    }


def empty_figure(message: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(
        **LAYOUT,
        xaxis=dict(visible=False),
        yaxis=dict(visible=False),
        annotations=[dict(text=message, showarrow=False, font=dict(size=15))],
    )
    return fig


def _hover(part: pd.DataFrame, num: str, den: str, threshold: int) -> list:
    """n, N and the small-cohort mark of each point (the internal audience's disclosure)."""
    marks = [f"<br>{SMALL} base < {threshold}" if small(d, threshold) else "" for d in part[den]]
    return list(zip(part[num].map(fr_int), part[den].map(fr_int), marks, strict=True))


def trend_figure(by_year: pd.DataFrame, threshold: int) -> go.Figure:
    """Rates by year with their 95 % Wilson intervals as error bars, head-counts in the hover."""
    if by_year.empty:
        return empty_figure("Aucune promotion pour ces filtres")
    fig = go.Figure()
    series = [
        (RATE[k].short, k, RATE[k].numerator, RATE[k].denominator, COLORS[c]) for k, c in TREND_RATES.items()
    ]
    years = by_year["year"].astype(int).astype(str)
    for name, rate, num, den, color in series:
        values = by_year[rate].astype("Float64")
        low = (values - by_year[f"{rate}_low"]).fillna(0)
        high = (by_year[f"{rate}_high"] - values).fillna(0)
        fig.add_trace(
            go.Scatter(
                x=years,
                y=values,
                name=name,
                mode="lines+markers",
                line=dict(color=color),
                error_y=dict(
                    type="data", array=high.tolist(), arrayminus=low.tolist(), visible=True, thickness=1
                ),
                customdata=_hover(by_year, num, den, threshold),
                hovertemplate="%{x} : %{y} %<br>%{customdata[0]} sur %{customdata[1]}%{customdata[2]}<extra>"
                + name
                + "</extra>",
            )
        )
    fig.update_layout(
        **LAYOUT,
        title="Évolution par année d'obtention (intervalles de confiance à 95 %)",
        yaxis=dict(range=[0, 105], ticksuffix=f"{NBSP}%", gridcolor="#e5e7eb"),
        xaxis=dict(type="category"),
    )
    return fig


def funnel_figure(row: dict, wave: int = 6) -> go.Figure:
    """Certified → surveyed → respondents → not neutralised → employed → in target job."""
    if not row or not row.get("certified"):
        return empty_figure("Aucun certifié pour ces filtres")
    s = "6m" if wave == 6 else "24m"
    stages = [
        ("Certifiés", row["certified"]),
        ("Interrogés", row[f"surveyed_{s}"]),
        ("Répondants", row[f"respondents_{s}"]),
        ("Non neutralisés", row[f"denominator_{s}"]),
        ("En emploi", row[f"employed_{s}"]),
        ("Dans le métier visé", row[f"in_target_{s}"]),
    ]
    fig = go.Figure(
        go.Funnel(
            y=[s_[0] for s_ in stages],
            x=[int(s_[1] or 0) for s_ in stages],
            text=[fr_int(s_[1]) for s_ in stages],
            textinfo="text",
            marker=dict(
                color=[
                    COLORS["other"],
                    COLORS["other"],
                    COLORS["insertion"],
                    COLORS["insertion"],
                    COLORS["target6"],
                    COLORS["target24"],
                ]
            ),
        )
    )
    fig.update_layout(**LAYOUT, title=f"Du certifié à l'emploi dans le métier visé ({WAVE_LABELS[wave]})")
    return fig


def jobs_figure(jobs: pd.DataFrame, top: int = 15) -> go.Figure:
    """Employed respondents by ROME code, targeted codes in green."""
    if jobs.empty:
        return empty_figure("Aucun emploi renseigné pour ces filtres")
    data = jobs.head(top).iloc[::-1]
    labels = [
        (f"{c} – {lab}" if c else "Sans code ROME") + ("" if t else " (hors métier visé)" if c else "")
        for c, lab, t in zip(data["rome_code"], data["rome_label"].fillna(""), data["in_target"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=data["employed"],
            y=labels,
            orientation="h",
            marker=dict(color=[COLORS["target6"] if t else COLORS["other"] for t in data["in_target"]]),
            text=data["employed"].map(fr_int),
            textposition="outside",
            hovertemplate="%{y}<br>%{x} emploi(s)<extra></extra>",
        )
    )
    fig.update_layout(
        **{**LAYOUT, "margin": dict(l=320, r=40, t=40, b=40)},
        title="Emplois occupés par code ROME (en vert : métiers visés)",
        height=max(350, 28 * len(data) + 120),
    )
    return fig


def routes_figure(by_route: pd.DataFrame, rate: str, threshold: int) -> go.Figure:
    """A rate by access route and year, head-counts in the hover; pale bars: denominator under the threshold."""
    if by_route.empty:
        return empty_figure("Aucune donnée par voie d'accès pour ces filtres")
    fig = go.Figure()
    num, den = RATE[rate].numerator, RATE[rate].denominator
    for route, part in by_route.groupby("access_route", sort=True):
        fig.add_trace(
            go.Bar(
                x=part["year"].astype(int).astype(str),
                y=part[rate],
                name=ROUTE_LABELS.get(route, route),
                marker=dict(opacity=[0.35 if small(d, threshold) else 1.0 for d in part[den]]),
                customdata=_hover(part, num, den, threshold),
                hovertemplate="%{x} : %{y} %<br>%{customdata[0]} sur %{customdata[1]}%{customdata[2]}"
                "<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_layout(
        **LAYOUT,
        barmode="group",
        yaxis=dict(range=[0, 105], ticksuffix=f"{NBSP}%"),
        xaxis=dict(type="category"),
        title=f"Par voie d'accès et année d'obtention (barres pâles : base de calcul < {threshold})",
    )
    return fig


# Rate cells of the dashboard's tables: column id -> rate of the registry.
TABLE_RATES = {
    "response_6m": "response_rate_6m",
    "insertion_6m": "insertion_rate_6m",
    "target_6m": "target_job_rate_6m",
    "insertion_24m": "insertion_rate_24m",
    "target_24m": "target_job_rate_24m",
}


def rate_table_columns() -> list[tuple[str, str]]:
    """(column id, French header) of the rate cells, labels from the registry."""
    return [(column, f"{RATE[key].short} (n/N)") for column, key in TABLE_RATES.items()]


def rate_columns(r, threshold: int) -> dict:
    """The rate cells of a table row of outcome sums: « 88 % (29/33) », « ⚠ » under the threshold."""
    row = r._asdict() if hasattr(r, "_asdict") else dict(r)
    return {column: rate_cell(row, key, threshold) for column, key in TABLE_RATES.items()}
