"""Pure functions: French number formats and the figures of the dashboard. No I/O, no Dash state."""

from __future__ import annotations

import pandas as pd

from pipeline.core.labels import ROUTE_LABELS, SITUATION_LABELS, WAVE_LABELS  # noqa: F401 (re-exported for the pages)
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
    rate_series,
    rate_text,
    small_note,
)

DASH = "–"
# Every colour stands out from the white background by 3:1 at least (WCAG 1.4.11, tests/unit/test_contrast.py),
# and none carries a meaning alone: each series also has its own marker, line dash or bar pattern, and
# the chart's data table (« Données du graphique ») says everything the colours say.
COLORS = {"insertion": "#1f4e79", "target6": "#2e7d4f", "target24": "#a8620b", "other": "#66707c"}
SYMBOLS = {"insertion": "circle", "target6": "square", "target24": "diamond"}
DASHES = {"insertion": "solid", "target6": "dash", "target24": "dot"}
PATTERNS = ["", "/", "x", ".", "\\", "+", "-", "|"]  # one per series of bars, after the colour
# the survey windows' states (page Enquêtes): a colour and a pattern each
STATUS_COLORS = {"à venir": "#66707c", "ouverte": "#1f4e79", "close": "#a8620b"}
STATUS_PATTERNS = {"à venir": ".", "ouverte": "", "close": "/"}
LAYOUT = dict(
    separators=f",{NNBSP}",
    font=dict(family="Marianne, Arial, sans-serif", size=13),
    margin=dict(l=50, r=20, t=60, b=40),
    plot_bgcolor="white",
    legend=dict(orientation="h", y=-0.2),
    # the toolbar stands on the right edge, top to bottom, so that it never hides a title on a phone
    modebar=dict(orientation="v"),
)


def title(text: str, detail: str = "") -> dict:
    """A figure title, left-aligned, its detail on a second, smaller line (titles wrap on a phone)."""
    return dict(
        text=text + (f"<br><sup>{detail}</sup>" if detail else ""),
        x=0,
        xanchor="left",
        font=dict(size=15),
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


def figure(data: list[dict], alternative: dict | None = None, **layout) -> dict:
    """A Plotly figure as a plain dict (what dcc.Graph sends to the browser): building ``go.Figure``
    objects validates every property in Python and cost half of each callback at national scale.
    ``tests/e2e/test_dashboard.py`` checks every figure against Plotly's own validation.

    ``alternative`` (:func:`alternative`): the chart's text equivalent, carried in ``layout.meta.a11y``;
    the browser (``assets/a11y.js``) names the chart with it and writes its summary and data table under it
    (``components.graph``)."""
    out = {"data": data, "layout": {**LAYOUT, **layout}}
    if alternative:
        out["layout"]["meta"] = {"a11y": alternative}
    return out


def alternative(name: str, summary: str, columns: list[str], rows: list[list[str]], note: str = "") -> dict:
    """A chart's text equivalent (RGAA 1.3, WCAG 1.1.1): its name, one sentence written from its figures,
    and its data as a table (headers, cells formatted as on the page: « 88 % (29/33) ⚠ »)."""
    return {
        "name": name,
        "summary": summary,
        "columns": columns,
        "rows": [[str(c) for c in row] for row in rows],
        "note": note,
    }


def empty_figure(message: str) -> dict:
    return figure(
        [],
        alternative(message, message, ["Données"], [[message]]),
        xaxis=dict(visible=False),
        yaxis=dict(visible=False),
        annotations=[dict(text=message, showarrow=False, font=dict(size=15))],
    )


def _hover(part: pd.DataFrame, num: str, den: str, threshold: int) -> list:
    """n, N and the small-cohort mark of each point (the internal audience's disclosure)."""
    marks = [f"<br>{SMALL} base < {threshold}" if small(d, threshold) else "" for d in part[den]]
    return [list(t) for t in zip(part[num].map(fr_int), part[den].map(fr_int), marks, strict=True)]


def _numbers(values: pd.Series) -> list:
    """A column as JSON numbers (missing -> None, a gap in the line or bar)."""
    return [None if pd.isna(v) else float(v) for v in values]


def trend_figure(by_year: pd.DataFrame, threshold: int) -> dict:
    """Rates by year with their 95 % Wilson intervals as error bars, head-counts in the hover."""
    if by_year.empty:
        return empty_figure("Aucune promotion pour ces filtres")
    years = by_year["year"].astype(int).astype(str).tolist()
    traces = []
    for key, color in TREND_RATES.items():
        rate = RATE[key]
        values = by_year[key].astype("Float64")
        low = (values - by_year[f"{key}_low"]).fillna(0)
        high = (by_year[f"{key}_high"] - values).fillna(0)
        traces.append(
            dict(
                type="scatter",
                x=years,
                y=_numbers(values),
                name=rate.short,
                mode="lines+markers",
                line=dict(color=COLORS[color], dash=DASHES[color]),
                marker=dict(symbol=SYMBOLS[color], size=8),
                error_y=dict(
                    type="data", array=_numbers(high), arrayminus=_numbers(low), visible=True, thickness=1
                ),
                customdata=_hover(by_year, rate.numerator, rate.denominator, threshold),
                hovertemplate="%{x} : %{y} %<br>%{customdata[0]} sur %{customdata[1]}%{customdata[2]}<extra>"
                + rate.short
                + "</extra>",
            )
        )
    return figure(
        traces,
        trend_alternative(by_year, threshold),
        title=title("Évolution par année d'obtention", "intervalles de confiance à 95 %"),
        yaxis=dict(range=[0, 105], ticksuffix=f"{NBSP}%", gridcolor="#e5e7eb"),
        xaxis=dict(type="category", categoryorder="category ascending"),
    )


def trend_alternative(by_year: pd.DataFrame, threshold: int) -> dict:
    """Summary: each rate by year; table: one row per year, each rate with n/N, ⚠ and its interval."""
    rows = by_year.sort_values("year").to_dict(orient="records")
    summary = " ; ".join(
        rate_series(RATE[key].short, [(int(r["year"]), r[key]) for r in rows]) for key in TREND_RATES
    )
    columns = (
        ["Année"]
        + [f"{RATE[k].short} (n/N)" for k in TREND_RATES]
        + [f"{RATE[k].short} : IC 95 %" for k in TREND_RATES]
    )
    table = [
        [str(int(r["year"]))]
        + [rate_cell(r, k, threshold) for k in TREND_RATES]
        + [
            interval(r[f"{k}_low"], r[f"{k}_high"]).removeprefix(f"IC 95{NBSP}% : ") or DASH
            for k in TREND_RATES
        ]
        for r in rows
    ]
    return alternative(
        "Évolution par année d'obtention des taux d'insertion",
        summary + ".",
        columns,
        table,
        small_note(threshold),
    )


def funnel_figure(row: dict, wave: int = 6) -> dict:
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
    colors = ["other", "other", "insertion", "insertion", "target6", "target24"]
    trace = dict(
        type="funnel",
        y=[name for name, _ in stages],
        x=[0 if pd.isna(v) else int(v) for _, v in stages],
        text=[fr_int(v) for _, v in stages],
        textinfo="text",
        marker=dict(color=[COLORS[c] for c in colors]),
    )
    name = f"Du certifié à l'emploi dans le métier visé, enquête à {WAVE_LABELS[wave]}"
    counts = [(label, 0 if pd.isna(v) else int(v)) for label, v in stages]
    summary = f"Enquête à {WAVE_LABELS[wave]} : " + ", ".join(
        f"{fr_int(v)} {label.lower()}" for label, v in counts
    )
    table = [
        [label, fr_int(v), fr_pct(round(100 * v / counts[0][1])) if counts[0][1] else DASH]
        for label, v in counts
    ]
    return figure(
        [trace],
        alternative(name, summary + ".", ["Étape", "Effectif", "Part des certifiés"], table),
        title=title("Du certifié à l'emploi dans le métier visé", WAVE_LABELS[wave]),
        yaxis=dict(automargin=True),  # the stages' names whole, whatever the width
    )


def jobs_figure(jobs: pd.DataFrame, top: int = 15) -> dict:
    """Employed respondents by ROME code, targeted codes in green."""
    if jobs.empty:
        return empty_figure("Aucun emploi renseigné pour ces filtres")
    data = jobs.head(top).iloc[::-1]
    labels = [
        job_label(c, lab, t)
        for c, lab, t in zip(data["rome_code"], data["rome_label"], data["in_target"], strict=True)
    ]
    trace = dict(
        type="bar",
        x=[int(v) for v in data["employed"]],
        y=labels,
        orientation="h",
        marker=dict(
            color=[COLORS["target6"] if t else COLORS["other"] for t in data["in_target"]],
            pattern=dict(shape=["" if t else "/" for t in data["in_target"]]),
        ),
        text=[fr_int(v) for v in data["employed"]],
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{y}<br>%{x} emploi(s)<extra></extra>",
    )
    return figure(
        [trace],
        jobs_alternative(jobs.head(top)),
        margin=dict(l=10, r=40, t=60, b=40),
        yaxis=dict(automargin=True),
        title=title(
            "Emplois occupés par code ROME", "en vert plein : métiers visés ; hachuré : hors métier visé"
        ),
        height=max(350, 28 * len(data) + 120),
    )


def jobs_alternative(jobs: pd.DataFrame) -> dict:
    """Summary: how many jobs, how many in a targeted occupation, the most frequent code; table: every bar."""
    total = int(jobs["employed"].sum())
    target = int(jobs.loc[jobs["in_target"].astype(bool), "employed"].sum())
    first = jobs.iloc[0]
    summary = (
        f"{fr_int(total)} emploi(s) sur les {len(jobs)} codes ROME les plus fréquents, dont {fr_int(target)} "
        f"dans un métier visé ; le plus fréquent : {job_label(first['rome_code'], first['rome_label'], True, 200)} "
        f"({fr_int(first['employed'])})."
    )
    table = [
        [job_label(c, lab, True, 200), "oui" if t else "non", fr_int(n)]
        for c, lab, t, n in zip(
            jobs["rome_code"], jobs["rome_label"], jobs["in_target"], jobs["employed"], strict=True
        )
    ]
    return alternative(
        "Emplois occupés par code ROME", summary, ["Code ROME", "Métier visé", "Emplois"], table
    )


def job_label(code, label, in_target, width: int = 48) -> str:
    """« M1607 – Secrétariat » (shortened for the axis); a job without a code: « Sans code ROME »."""
    if pd.isna(code) or not code:
        return "Sans code ROME"
    text = f"{code} – {label}" if isinstance(label, str) and label else str(code)
    if len(text) > width:
        text = text[: width - 1] + "…"
    return text + ("" if in_target else " (hors métier visé)")


def routes_figure(by_route: pd.DataFrame, rate: str, threshold: int) -> dict:
    """A rate by access route and year, head-counts in the hover; pale bars: denominator under the threshold."""
    if by_route.empty:
        return empty_figure("Aucune donnée par voie d'accès pour ces filtres")
    num, den = RATE[rate].numerator, RATE[rate].denominator
    traces = []
    for i, (route, part) in enumerate(by_route.groupby("access_route", sort=True)):
        fragile = [small(d, threshold) for d in part[den]]
        traces.append(
            dict(
                type="bar",
                x=part["year"].astype(int).astype(str).tolist(),
                y=_numbers(part[rate]),
                name=ROUTE_LABELS.get(route, route),
                # a route: its colour and its pattern; a fragile base: paler, outlined, « ⚠ » on the bar
                marker=dict(
                    opacity=[0.55 if f else 1.0 for f in fragile],
                    pattern=dict(shape=PATTERNS[i % len(PATTERNS)]),
                    line=dict(width=1.5, color="#1b1f24"),
                ),
                # the value on each bar: « 0 % » is a result, an empty slot is a missing one
                text=[
                    fr_pct(v) + (f" {SMALL}" if f else "") for v, f in zip(part[rate], fragile, strict=True)
                ],
                textposition="outside",
                cliponaxis=False,
                customdata=_hover(part, num, den, threshold),
                hovertemplate="%{x} : %{y} %<br>%{customdata[0]} sur %{customdata[1]}%{customdata[2]}"
                "<extra>%{fullData.name}</extra>",
            )
        )
    return figure(
        traces,
        routes_alternative(by_route, rate, threshold),
        barmode="group",
        yaxis=dict(range=[0, 112], ticksuffix=f"{NBSP}%"),
        xaxis=dict(type="category", categoryorder="category ascending"),
        title=title(
            "Par voie d'accès et année d'obtention", f"{SMALL} et barre pâle : base de calcul < {threshold}"
        ),
    )


def routes_alternative(by_route: pd.DataFrame, rate: str, threshold: int) -> dict:
    """Summary: the rate of each route, year by year; table: one row per year and route, with n/N and ⚠."""
    name = RATE[rate].short
    ordered = by_route.sort_values(["year", "access_route"])
    years = []
    for year, part in ordered.groupby("year", sort=True):
        shown = [
            f"{ROUTE_LABELS.get(r.access_route, r.access_route)} {fr_pct(getattr(r, rate))}"
            for r in part.itertuples()
            if not pd.isna(getattr(r, rate))
        ]
        years.append(f"en {int(year)}, " + (", ".join(shown) if shown else "aucun taux"))
    table = [
        [
            str(int(r["year"])),
            ROUTE_LABELS.get(r["access_route"], r["access_route"]),
            rate_cell(r, rate, threshold),
        ]
        for r in ordered.to_dict(orient="records")
    ]
    return alternative(
        f"{name} par voie d'accès et année d'obtention",
        f"{name} par voie d'accès : " + " ; ".join(years) + ".",
        ["Année", "Voie d'accès", f"{name} (n/N)"],
        table,
        small_note(threshold),
    )


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
