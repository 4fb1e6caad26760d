"""Vue d'ensemble: filters, KPI cards with head-counts and intervals, trends by year, funnel."""

from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc, html

from dashboard import components, data, figures

dash.register_page(
    __name__,
    layout=lambda **query: layout(**query),
    path="/",
    name="Vue d'ensemble",
    title="Vue d'ensemble — Insertion professionnelle",
    order=0,
)
P = "overview"
FILTERS = ["certification", "year", "access_route", "site", "partner"]


def layout(**_query):
    empty = components.unavailable()
    if empty:
        return empty
    return html.Div(
        [
            html.H1("Vue d'ensemble"),
            components.filter_bar(P, {}),
            html.Div(id=f"{P}-kpis", className="kpis"),
            html.Div(
                className="row",
                children=[
                    components.graph(f"{P}-trend", className="graph"),
                    html.Div(
                        className="graph",
                        children=[
                            html.Label(
                                "Enquête de l'entonnoir", htmlFor=f"{P}-funnel-wave", className="choice"
                            ),
                            dcc.RadioItems(
                                id=f"{P}-funnel-wave",
                                options=[
                                    {"label": f"Enquête à {name}", "value": m}
                                    for m, name in figures.WAVE_LABELS.items()
                                ],
                                value=6,
                                inline=True,
                            ),
                            components.graph(f"{P}-funnel"),
                        ],
                    ),
                ],
            ),
            html.H2("Par année d'obtention"),
            components.table(
                f"{P}-years",
                [
                    ("year", "Année"),
                    ("certified", "Certifiés"),
                    ("certified_vae", "dont VAE"),
                    *figures.rate_table_columns(),
                ],
            ),
        ]
    )


components.sync_filters(P, FILTERS)


def outcomes(certifications, years, routes, sites, partners=None):
    """The outcome sums for the filters (overall, by year, by year and route)."""
    return data.get().sql_file(
        "outcomes",
        [certifications or [], [int(y) for y in years or []], routes or [], sites or [], partners or []],
    )


@callback(
    Output(f"{P}-kpis", "children"),
    Output(f"{P}-trend", "figure"),
    Output(components.table_id(f"{P}-years"), "data"),
    Input(f"{P}-certification", "value"),
    Input(f"{P}-year", "value"),
    Input(f"{P}-access_route", "value"),
    Input(f"{P}-site", "value"),
    Input(f"{P}-partner", "value"),
)
def update(certifications, years, routes, sites, partners=None):
    frame = outcomes(certifications, years, routes, sites, partners)
    threshold = data.get().small_cohort_threshold()
    overall = frame[frame["grain"] == 3]
    if overall.empty:
        return (
            components.empty_state("Aucun certifié ne correspond à ces filtres."),
            figures.empty_figure("Aucune promotion pour ces filtres"),
            [],
        )
    cards = [components.kpi_card(c) for c in figures.kpis(overall.iloc[0].to_dict(), threshold)]
    by_year = frame[frame["grain"] == 1].sort_values("year")
    rows = [
        {
            "year": int(r.year),
            "certified": figures.fr_int(r.certified),
            "certified_vae": figures.fr_int(r.certified_vae),
            **figures.rate_columns(r, threshold),
        }
        for r in by_year.sort_values("year", ascending=False).itertuples()
    ]
    return cards, figures.trend_figure(by_year, threshold), rows


@callback(
    Output(f"{P}-funnel", "figure"),
    Input(f"{P}-certification", "value"),
    Input(f"{P}-year", "value"),
    Input(f"{P}-access_route", "value"),
    Input(f"{P}-site", "value"),
    Input(f"{P}-funnel-wave", "value"),
    Input(f"{P}-partner", "value"),
)
def update_funnel(certifications, years, routes, sites, wave, partners=None):
    frame = outcomes(certifications, years, routes, sites, partners)
    overall = frame[frame["grain"] == 3]
    return figures.funnel_figure(overall.iloc[0].to_dict() if not overall.empty else {}, wave or 6)
