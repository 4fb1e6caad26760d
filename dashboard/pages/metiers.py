"""Métiers (ROME): jobs held by ROME code, in or out of the targeted occupations, top job titles,
titles awaiting review."""

from __future__ import annotations

import dash
from dash import Input, Output, callback, html

from dashboard import components, data, figures
from pipeline.core.labels import TARGET_METHOD_LABELS as METHODS
from pipeline.indicators import RATE

dash.register_page(
    __name__,
    layout=lambda **query: layout(**query),
    path="/metiers",
    name="Métiers (ROME)",
    title="Métiers — Insertion professionnelle",
    order=2,
)
P = "metiers"
FILTERS = ["certification", "year", "access_route", "site", "partner", "wave"]


def layout(**_query):
    empty = components.unavailable()
    if empty:
        return empty
    return html.Div(
        [
            html.H1("Métiers exercés (codes ROME)"),
            components.filter_bar(P, {}, with_wave=True),
            html.Div(id=f"{P}-share", className="kpis"),
            components.graph(f"{P}-jobs"),
            html.H2("Intitulés de poste les plus fréquents"),
            components.table(
                f"{P}-titles",
                [
                    ("job_title", "Intitulé du poste"),
                    ("rome", "Code ROME"),
                    ("in_target", "Métier visé"),
                    ("method", "Décidé par"),
                    ("employed", "Emplois"),
                ],
            ),
            html.H2("Intitulés sans code ROME, à relire"),
            html.P(
                "Enregistrez une décision avec « insertion review "
                '"intitulé" --rome CODE --by NOM --why RAISON » : elle prime à la construction suivante.',
                className="hint",
            ),
            components.table(f"{P}-unmatched", [("job_title", "Intitulé du poste"), ("answers", "Réponses")]),
        ]
    )


components.sync_filters(P, FILTERS)


@callback(
    Output(f"{P}-share", "children"),
    Output(f"{P}-jobs", "figure"),
    Output(components.table_id(f"{P}-titles"), "data"),
    Output(components.table_id(f"{P}-unmatched"), "data"),
    Input(f"{P}-certification", "value"),
    Input(f"{P}-year", "value"),
    Input(f"{P}-access_route", "value"),
    Input(f"{P}-site", "value"),
    Input(f"{P}-wave", "value"),
    Input(f"{P}-partner", "value"),
)
def update(certifications, years, routes, sites, wave, partners=None):
    wh = data.get()
    filters = [certifications or [], [int(y) for y in years or []], routes or [], sites or []]
    params = [*filters, int(wave or 6), partners or []]
    jobs = wh.sql_file("jobs", params)
    titles = wh.sql_file("titles", params)
    overall = wh.sql_file("totals", [*filters, partners or []])
    share_key = "target_share_24m" if int(wave or 6) == 24 else "target_share_6m"
    row = overall.iloc[0].to_dict() if not overall.empty else {}
    share = [
        components.kpi_card(
            figures.rate_card(
                figures.disclosed(row, wh.small_cohort_threshold()), share_key, RATE[share_key].label
            )
        )
    ]
    title_rows = [
        {
            "job_title": r.job_title,
            "rome": f"{r.rome_code} – {r.rome_label or ''}" if r.rome_code else "–",
            "in_target": "oui" if r.in_target else "non",
            "method": METHODS.get(r.target_method, r.target_method),
            "employed": figures.fr_int(r.employed),
        }
        for r in titles.itertuples()
    ]
    unmatched = wh.sql_file("unmatched", params)
    return (
        share,
        figures.jobs_figure(jobs),
        title_rows,
        [{"job_title": r.job_title, "answers": figures.fr_int(r.answers)} for r in unmatched.itertuples()],
    )
