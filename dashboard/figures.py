"""Pure functions: French number formats and the figures of the dashboard. No I/O, no Dash state."""

from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd
import plotly.graph_objects as go

from pipeline.labels import ROUTE_LABELS, SITUATION_LABELS  # noqa: F401 (re-exported for the pages)

NNBSP = "\u202f"  # narrow no-break space: thousands separator
NBSP = "\u00a0"  # no-break space: before « % »
DASH = "–"
COLORS = {"insertion": "#1f4e79", "target6": "#2e8b57", "target24": "#c97b12", "other": "#9aa5b1"}
LAYOUT = dict(
    separators=f",{NNBSP}",
    font=dict(family="Marianne, Arial, sans-serif", size=13),
    margin=dict(l=50, r=20, t=40, b=40),
    plot_bgcolor="white",
    legend=dict(orientation="h", y=-0.2),
)


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def fr_int(value) -> str:
    """1234 -> « 1 234 » (narrow no-break space); missing -> « – »."""
    if _missing(value):
        return DASH
    return f"{int(value):,}".replace(",", NNBSP)


def fr_pct(value) -> str:
    """88 -> « 88 % »; missing -> « – »."""
    if _missing(value):
        return DASH
    return f"{fr_int(value)}{NBSP}%"


def fr_decimal(value, digits: int = 1) -> str:
    if _missing(value):
        return DASH
    return f"{value:.{digits}f}".replace(".", ",")


def fr_date(value) -> str:
    """A date as jj/mm/aaaa."""
    if _missing(value) or value is pd.NaT:
        return DASH
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, (datetime, date, pd.Timestamp)):
        return value.strftime("%d/%m/%Y")
    return str(value)


def head_count(n, d) -> str:
    """« 29/33 » (numerator/denominator)."""
    return f"{fr_int(n)}/{fr_int(d)}"


def interval(low, high) -> str:
    if _missing(low) or _missing(high):
        return ""
    return f"IC 95 % : {fr_decimal(low)}–{fr_decimal(high)} %".replace(" %", f"{NBSP}%")


def kpis(row: dict, threshold: int, suppress: bool = False) -> list[dict]:
    """The overview's KPI cards from one row of outcome sums: label, value, head-count, interval, flag."""
    if not row:
        return []

    def card(label, rate, n, d, low=None, high=None):
        if suppress and not _missing(d) and d < threshold:
            rate, low, high = None, None, None
        return {
            "label": label,
            "value": fr_pct(rate),
            "detail": head_count(n, d),
            "interval": interval(low, high),
            "small": (not _missing(d)) and d < threshold,
        }

    return [
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
        card("Taux de réponse à 6 mois", row["response_rate_6m"], row["respondents_6m"], row["certified"]),
        card(
            "Insertion globale à 6 mois",
            row["insertion_rate_6m"],
            row["employed_6m"],
            row["denominator_6m"],
            row["insertion_rate_6m_low"],
            row["insertion_rate_6m_high"],
        ),
        card(
            "Métier visé à 6 mois",
            row["target_job_rate_6m"],
            row["in_target_6m"],
            row["denominator_6m"],
            row["target_job_rate_6m_low"],
            row["target_job_rate_6m_high"],
        ),
        card(
            "Métier visé à 2 ans",
            row["target_job_rate_24m"],
            row["in_target_24m"],
            row["denominator_24m"],
            row["target_job_rate_24m_low"],
            row["target_job_rate_24m_high"],
        ),
    ]


def empty_figure(message: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(
        **LAYOUT,
        xaxis=dict(visible=False),
        yaxis=dict(visible=False),
        annotations=[dict(text=message, showarrow=False, font=dict(size=15))],
    )
    return fig


def trend_figure(by_year: pd.DataFrame) -> go.Figure:
    """Rates by year with their 95 % Wilson intervals as error bars, head-counts in the hover."""
    if by_year.empty:
        return empty_figure("Aucune promotion pour ces filtres")
    fig = go.Figure()
    series = [
        (
            "Insertion globale à 6 mois",
            "insertion_rate_6m",
            "employed_6m",
            "denominator_6m",
            COLORS["insertion"],
        ),
        ("Métier visé à 6 mois", "target_job_rate_6m", "in_target_6m", "denominator_6m", COLORS["target6"]),
        (
            "Métier visé à 2 ans",
            "target_job_rate_24m",
            "in_target_24m",
            "denominator_24m",
            COLORS["target24"],
        ),
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
                customdata=list(zip(by_year[num].map(fr_int), by_year[den].map(fr_int), strict=True)),
                hovertemplate="%{x} : %{y} %<br>%{customdata[0]} sur %{customdata[1]}<extra>"
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
    fig.update_layout(
        **LAYOUT, title=f"Du certifié à l'emploi dans le métier visé ({'6 mois' if wave == 6 else '2 ans'})"
    )
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


def routes_figure(by_route: pd.DataFrame, rate: str = "insertion_rate_6m", threshold: int = 20) -> go.Figure:
    """A rate by access route and year, head-counts in the hover; pale bars: denominator under the threshold."""
    if by_route.empty:
        return empty_figure("Aucune donnée par voie d'accès pour ces filtres")
    fig = go.Figure()
    den = "denominator_24m" if rate.endswith("24m") else "denominator_6m"
    num = {
        "insertion_rate_6m": "employed_6m",
        "target_job_rate_6m": "in_target_6m",
        "target_job_rate_24m": "in_target_24m",
    }[rate]
    for route, part in by_route.groupby("access_route", sort=True):
        fig.add_trace(
            go.Bar(
                x=part["year"].astype(int).astype(str),
                y=part[rate],
                name=ROUTE_LABELS.get(route, route),
                marker=dict(opacity=[0.35 if d < threshold else 1.0 for d in part[den]]),
                customdata=list(zip(part[num].map(fr_int), part[den].map(fr_int), strict=True)),
                hovertemplate="%{x} : %{y} %<br>%{customdata[0]} sur %{customdata[1]}<extra>%{fullData.name}</extra>",
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


def rate_columns(r, threshold: int, suppress: bool) -> dict:
    """The rate cells of a table row of outcome sums (response, insertion and target rates)."""
    return {
        "response_6m": rate_cell(r.response_rate_6m, r.respondents_6m, r.certified, 0),
        "insertion_6m": rate_cell(r.insertion_rate_6m, r.employed_6m, r.denominator_6m, threshold, suppress),
        "target_6m": rate_cell(r.target_job_rate_6m, r.in_target_6m, r.denominator_6m, threshold, suppress),
        "target_24m": rate_cell(
            r.target_job_rate_24m, r.in_target_24m, r.denominator_24m, threshold, suppress
        ),
    }


def rate_cell(rate, n, d, threshold: int, suppress: bool = False) -> str:
    """A table cell: « 88 % (29/33) », with « ⚠ » when the denominator is under the threshold — or, with the
    « suppress » disclosure policy, no rate at all for such a denominator."""
    if _missing(d) or d == 0:
        return DASH
    if suppress and d < threshold:
        return f"secret (N < {threshold})"
    flag = " ⚠" if d < threshold else ""
    return f"{fr_pct(rate)} ({head_count(n, d)}){flag}"
