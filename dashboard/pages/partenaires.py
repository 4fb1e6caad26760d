"""Partenaires (issue #16): outcomes per habilitated partner organisation, by year and by access route,
with the certified people whose partner was not habilitated at the jury date."""

from __future__ import annotations

import dash
from dash import Input, Output, callback, html

from dashboard import components, data, figures
from pipeline.core.labels import route_label
from pipeline.core.partners import NO_PARTNER

dash.register_page(
    __name__,
    layout=lambda **query: layout(**query),
    path="/partenaires",
    name="Partenaires",
    title="Partenaires — Insertion professionnelle",
    order=3.5,  # after Voies d'accès
)
P = "partenaires"
FILTERS = ["certification", "year", "access_route", "site", "partner"]
PARTNER_COLUMNS = [
    ("certification", "Certification"),
    ("partner", "Partenaire"),
    ("siret", "SIRET"),
]


def layout(**_query):
    empty = components.unavailable()
    if empty:
        return empty
    return html.Div(
        [
            html.H1("Partenaires"),
            html.P(
                "Résultats par organisme habilité (partenaire nommé dans les résultats de jury, reconnu par "
                "son SIRET), selon les mêmes définitions et la même règle de diffusion que les autres pages. "
                "« Non habilités » : certifiés dont le partenaire n'était pas habilité pour la certification à "
                "la date du jury (détail dans la page Qualité des données).",
                className="hint",
            ),
            components.filter_bar(P, {}),
            html.H2("Par partenaire et année d'obtention"),
            html.Div(id=f"{P}-empty"),
            components.table(
                f"{P}-partners",
                [
                    *PARTNER_COLUMNS,
                    ("year", "Année"),
                    ("certified", "Certifiés"),
                    ("not_habilitated", "Non habilités"),
                    *figures.rate_table_columns(),
                ],
                page_size=25,
            ),
            html.H2("Par partenaire et voie d'accès (années sélectionnées)"),
            components.table(
                f"{P}-routes",
                [
                    *PARTNER_COLUMNS,
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
    Output(components.table_id(f"{P}-partners"), "data"),
    Output(components.table_id(f"{P}-routes"), "data"),
    Output(f"{P}-empty", "children"),
    Input(f"{P}-certification", "value"),
    Input(f"{P}-year", "value"),
    Input(f"{P}-access_route", "value"),
    Input(f"{P}-site", "value"),
    Input(f"{P}-partner", "value"),
)
def update(certifications, years, routes, sites, partners):
    wh = data.get()
    params = [certifications or [], [int(y) for y in years or []], routes or [], sites or [], partners or []]
    frame = wh.sql_file("partners", params)
    issues = wh.sql_file("partner_habilitation", params)
    flagged = {(r.certification_code, r.partner, int(r.year)): int(r.n) for r in issues.itertuples()}
    threshold = wh.small_cohort_threshold()

    def who(r) -> dict:
        siret = r.partner_siret if isinstance(r.partner_siret, str) else None
        name = r.partner_name if isinstance(r.partner_name, str) else None
        return {
            "certification": r.certification_code,
            "partner": name or ("" if siret else NO_PARTNER),
            "siret": siret or "",
        }

    by_year = [
        {
            **who(r),
            "year": int(r.year),
            "certified": figures.fr_int(r.certified),
            "not_habilitated": (
                f"⚠ {figures.fr_int(flagged[key])}"
                if (key := (r.certification_code, r.partner, int(r.year))) in flagged
                else ""
            ),
            **figures.rate_columns(r, threshold),
        }
        for r in frame[frame["grain"] == 0].itertuples()
    ]
    by_route = [
        {
            **who(r),
            "route": route_label(r.access_route),
            "certified": figures.fr_int(r.certified),
            **figures.rate_columns(r, threshold),
        }
        for r in frame[frame["grain"] == 1].itertuples()
    ]
    empty = components.empty_state("Aucun certifié ne correspond à ces filtres.") if frame.empty else ""
    return by_year, by_route, empty
