"""Voies d'accès: rates by access route and year."""

from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc, html

from dashboard import components, data, figures
from pipeline.core.labels import route_label
from pipeline.indicators import RATE

dash.register_page(
    __name__,
    layout=lambda **query: layout(**query),
    path="/voies",
    name="Voies d'accès",
    title="Voies d'accès — Insertion professionnelle",
    order=3,
)
P = "voies"
FILTERS = ["certification", "year", "access_route", "site", "partner"]
RATES = {key: RATE[key].short for key in figures.TREND_RATES}


def layout(**_query):
    empty = components.unavailable()
    if empty:
        return empty
    return html.Div(
        [
            html.H1("Voies d'accès"),
            components.filter_bar(P, {}),
            html.Label("Taux du graphique", htmlFor=f"{P}-rate", className="choice"),
            dcc.RadioItems(
                id=f"{P}-rate",
                options=[{"label": v, "value": k} for k, v in RATES.items()],
                value="insertion_rate_6m",
                inline=True,
            ),
            components.graph(f"{P}-graph"),
            components.table(
                f"{P}-routes",
                [
                    ("year", "Année"),
                    ("route", "Voie d'accès"),
                    ("certified", "Certifiés"),
                    *figures.rate_table_columns(),
                ],
                page_size=25,
            ),
        ]
    )


components.sync_filters(P, FILTERS)


@callback(
    Output(f"{P}-graph", "figure"),
    Output(components.table_id(f"{P}-routes"), "data"),
    Input(f"{P}-certification", "value"),
    Input(f"{P}-year", "value"),
    Input(f"{P}-access_route", "value"),
    Input(f"{P}-site", "value"),
    Input(f"{P}-rate", "value"),
    Input(f"{P}-partner", "value"),
)
def update(certifications, years, routes, sites, rate, partners=None):
    wh = data.get()
    frame = wh.sql_file(
        "outcomes",
        [certifications or [], [int(y) for y in years or []], routes or [], sites or [], partners or []],
    )
    by_route = frame[frame["grain"] == 0].sort_values(["year", "access_route"])
    threshold = wh.small_cohort_threshold()
    rows = [
        {
            "year": int(r.year),
            "route": route_label(r.access_route),
            "certified": figures.fr_int(r.certified),
            **figures.rate_columns(r, threshold),
        }
        for r in by_route.sort_values(["year", "access_route"], ascending=[False, True]).itertuples()
    ]
    return figures.routes_figure(by_route, rate or "insertion_rate_6m", threshold), rows
