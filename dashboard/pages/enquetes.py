"""Enquêtes: where each survey wave stands (windows, invitations, answers, response rate projected at the
close, alerts) and the non-response check. Figures from :mod:`pipeline.reports.campaigns`, as the CLI shows them."""

from __future__ import annotations

from datetime import date

import dash
import pandas as pd
from dash import Input, Output, callback, dcc, html

from dashboard import components, data, figures
from pipeline.core.labels import WAVE_LABELS
from pipeline.reports import campaigns

dash.register_page(
    __name__,
    layout=lambda **query: layout(**query),
    path="/enquetes",
    name="Enquêtes",
    title="Enquêtes — Insertion professionnelle",
    order=3.5,
)
P = "enquetes"
STATUS_COLORS, STATUS_PATTERNS = figures.STATUS_COLORS, figures.STATUS_PATTERNS
WAVE_CHOICES = [{"label": "Les deux vagues", "value": 0}] + [
    {"label": f"à {name}", "value": m} for m, name in WAVE_LABELS.items()
]


def layout(**_query):
    empty = components.unavailable()
    if empty:
        return empty
    threshold = data.get().settings().min_response_rate
    return html.Div(
        [
            html.H1("Enquêtes"),
            html.Div(
                className="filters",
                children=[
                    components.labelled(
                        "Certification(s)",
                        components.dropdown(
                            f"{P}-certification",
                            components.filter_options()["certification"],
                            [],
                            multi=True,
                            placeholder="Toutes les certifications",
                        ),
                        wide=True,
                    ),
                    components.labelled(
                        "Vague", dcc.RadioItems(id=f"{P}-wave", options=WAVE_CHOICES, value=0, inline=True)
                    ),
                    components.labelled(
                        "Fenêtres",
                        dcc.Checklist(
                            id=f"{P}-open",
                            options=[{"label": "Fenêtres ouvertes seulement", "value": "open"}],
                            value=["open"],
                        ),
                    ),
                    components.synced_store(P),
                ],
            ),
            html.P(
                f"Taux de réponse = répondants ÷ certifiés. Alerte quand une promotion finira sous "
                f"{figures.fr_pct(threshold)} (INSERTION_MIN_RESPONSE_RATE) : {campaigns.PROJECTION_RULE}",
                className="hint",
            ),
            html.Div(id=f"{P}-alerts", className="readiness"),
            components.graph(f"{P}-timeline"),
            html.H2("Avancement par vague"),
            components.table(
                f"{P}-status",
                [(key, header) for key, header in campaigns.STATUS_COLUMNS.items()],
                page_size=20,
            ),
            html.H2("Contrôle de la non-réponse"),
            html.P(
                campaigns.nonresponse_rule(data.get().settings())
                + " Choisissez une ou plusieurs certifications.",
                className="hint",
            ),
            components.table(
                f"{P}-nonresponse",
                [(key, header) for key, header in campaigns.NONRESPONSE_COLUMNS.items()],
                page_size=20,
            ),
        ]
    )


components.sync_filters(P, ["certification"])


TIMELINE_BARS = 60  # beyond, the chart shows the windows closing soonest (the table has them all)


def timeline_figure(status: pd.DataFrame, today: date) -> dict:
    """One bar per promotion and wave, from the opening to the close of its window, coloured by state,
    with today's date; the response rate at the end of the bar."""
    rows = status[status["site"].isna()]
    if rows.empty:
        return figures.empty_figure("Aucune vague d'enquête pour cette sélection.")
    detail = f"aujourd'hui : {figures.fr_date(today)}"
    if len(rows) > TIMELINE_BARS:
        soon = rows.assign(_past=rows["status"] == "close").sort_values(["_past", "closes"])
        rows = soon.head(TIMELINE_BARS)
        detail += f" — les {TIMELINE_BARS} fenêtres qui se ferment le plus tôt"
    rows = rows.sort_values(["opens", "certification_code"])
    traces = []
    for state, part in rows.groupby("status", sort=False):
        labels = [
            f"{r.certification_code} · {r.promotion} · {WAVE_LABELS[r.wave]}" for r in part.itertuples()
        ]
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": campaigns.STATUS_LABELS[state],
                "y": labels,
                "base": [o.isoformat() for o in part["opens"].dt.date],
                "x": [(c - o).days * 86_400_000 for o, c in zip(part["opens"], part["closes"], strict=True)],
                "marker": {"color": STATUS_COLORS[state], "pattern": {"shape": STATUS_PATTERNS[state]}},
                "text": [
                    f"{campaigns.STATUS_LABELS[state]} · {figures.fr_pct(r)}" for r in part["response_rate"]
                ],
                "textposition": "inside",
                "hovertext": [
                    f"{campaigns.window_text(o, c)} — {a}/{n} répondants"
                    for o, c, a, n in zip(
                        part["opens"], part["closes"], part["answered"], part["certified"], strict=True
                    )
                ],
                "hoverinfo": "text",
            }
        )
    return figures.figure(
        traces,
        timeline_alternative(rows, today, detail),
        title=figures.title("Fenêtres d'enquête", detail),
        xaxis={"type": "date", "tickformat": "%m/%Y"},
        yaxis={"automargin": True, "autorange": "reversed", "type": "category"},
        barmode="overlay",
        height=max(260, 28 * len(rows) + 120),
        shapes=[
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": today.isoformat(),
                "x1": today.isoformat(),
                "y0": 0,
                "y1": 1,
                "line": {"color": "#c0392b", "dash": "dot"},
            }
        ],
    )


def timeline_alternative(rows: pd.DataFrame, today: date, detail: str) -> dict:
    """Summary: how many windows in each state; table: one row per promotion and wave."""
    counts = rows["status"].value_counts()
    states = ", ".join(
        f"{figures.fr_int(counts[s])} {campaigns.STATUS_LABELS[s].lower()}"
        for s in STATUS_COLORS
        if s in counts
    )
    table = [
        [
            f"{r.certification_code} · {r.promotion} · {WAVE_LABELS[r.wave]}",
            campaigns.STATUS_LABELS[r.status],
            figures.fr_date(r.opens),
            figures.fr_date(r.closes),
            f"{figures.fr_pct(r.response_rate)} ({r.answered}/{r.certified})",
        ]
        for r in rows.itertuples()
    ]
    return figures.alternative(
        "Fenêtres d'enquête par promotion et vague",
        f"{len(rows)} fenêtre(s) d'enquête ({detail}) : {states}.",
        ["Promotion et vague", "État", "Ouverture", "Fermeture", "Taux de réponse (répondants/certifiés)"],
        table,
    )


@callback(
    Output(f"{P}-timeline", "figure"),
    Output(components.table_id(f"{P}-status"), "data"),
    Output(components.table_id(f"{P}-nonresponse"), "data"),
    Output(f"{P}-alerts", "children"),
    Input(f"{P}-certification", "value"),
    Input(f"{P}-wave", "value"),
    Input(f"{P}-open", "value"),
)
def update(certifications, wave, open_only):
    from pipeline.core.clock import today as current_day

    wh = data.get()
    settings = wh.settings()
    threshold = wh.small_cohort_threshold()
    today = current_day()
    chosen = sorted(certifications or []) or None
    status = wh.call(campaigns.status, settings, chosen, wave or None, today, bool(open_only))
    if not certifications:  # every certification: one row per promotion and wave, not per site
        status = status[status["site"].isna()]
    alerts = status[status["alert"].notna() & status["site"].isna()]
    items = [
        html.Li(
            f"{r.certification_code}, promotion {r.promotion}, vague {WAVE_LABELS[r.wave]} : {r.alert} "
            f"(taux de réponse {figures.rate_text(r.response_rate, r.answered, r.certified, threshold)})",
            className="alert",
        )
        for r in alerts.itertuples()
    ]
    checks = [wh.call(campaigns.nonresponse, settings, code) for code in certifications or []]
    checked = pd.concat(checks, ignore_index=True) if checks else pd.DataFrame()
    if wave and not checked.empty:
        checked = checked[checked["wave"] == wave]
    nonresponse = campaigns.nonresponse_view(checked, threshold) if not checked.empty else pd.DataFrame()
    return (
        timeline_figure(status, today),
        _records(campaigns.status_view(status, threshold)) if not status.empty else [],
        _records(nonresponse),
        html.Ul(items) if items else html.P("Aucune alerte sur les vagues affichées.", className="hint"),
    )


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.astype(object).where(frame.notna(), None).to_dict("records")
