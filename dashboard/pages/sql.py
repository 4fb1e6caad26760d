"""SQL: read-only queries for analysts, with a row cap, a size cap, a time limit and the documented views.

Each query runs in a worker process of its own (:func:`pipeline.reports.usersql.run_isolated`), so a slow one
never holds the page callbacks' threads, cores or DuckDB connection; two at most run at once on the server
(all its processes), one per user. Each query is written to the audit journal (text, rows, duration,
refusal)."""

from __future__ import annotations

import time

import dash
from dash import Input, Output, State, callback, dcc, html

from dashboard import access, audit, components, data
from pipeline.reports import usersql

dash.register_page(
    __name__,
    layout=lambda **query: layout(**query),
    path="/sql",
    name="SQL",
    title="SQL — Insertion professionnelle",
    order=5,
)
P = "sql"
ROW_CAP = 1000
SECONDS = 10
MAX_BYTES = 2_000_000  # rendered text sent to the browser
VIEWS = [
    "certification_statistics",
    "access_route_statistics",
    "statistics_by_route",
    "fct_certified",
    "fct_survey_attachments",
    "fct_survey_responses",
    "quality_issues",
    "titles_to_review",
    "mart_outcome_counts",
    "mart_jobs",
    "certification_summary",
    "certification_lineage",
    "certification_target_jobs",
    "published_statistics",
    "job_title_matches",
    "load_log",
    "quarantine",
    "validation_runs",
    "validation_results",
]
EXAMPLE = "select * from certification_statistics order by certification_code, year desc"


def layout(**_query):
    empty = components.unavailable("load_log")
    if empty:
        return empty
    wh = data.get()
    columns = wh.call(usersql.columns_of, VIEWS)
    return html.Div(
        [
            html.H1("Requêtes SQL"),
            html.P(
                f"Lecture seule sur la dernière version publiée de l'entrepôt : au plus {ROW_CAP} lignes "
                f"({MAX_BYTES // 1_000_000} Mo) et {SECONDS} secondes par requête ; aucun accès aux fichiers. Tables documentées dans docs/warehouse.md. "
                "Données brutes, réservées aux analystes : les petits effectifs n'y sont ni signalés ni "
                "masqués (pour une publication, utilisez « insertion publish »).",
                className="hint",
            ),
            html.Label("Requête SQL (lecture seule)", htmlFor=f"{P}-query", className="choice"),
            dcc.Textarea(id=f"{P}-query", value=EXAMPLE, className="sql-box", spellCheck=False),
            html.Button("Exécuter", id=f"{P}-run", className="button-primary"),
            html.Div(id=f"{P}-message", className="sql-message"),
            components.table(f"{P}-result", [], page_size=25),
            html.H2("Vues et tables documentées"),
            html.Dl(
                [item for r in columns.itertuples() for item in (html.Dt(r.table_name), html.Dd(r.columns))],
                className="views",
            ),
        ]
    )


@callback(
    Output(components.table_id(f"{P}-result"), "data"),
    Output(components.table_id(f"{P}-result"), "columns"),
    Output(f"{P}-message", "children"),
    Output(f"{P}-message", "className"),
    Input(f"{P}-run", "n_clicks"),
    State(f"{P}-query", "value"),
    prevent_initial_call=True,
)
def run(_clicks, query):
    if not access.allowed("sql"):  # checked here too, not only by the menu and the request guard
        audit.record("sql", outcome="refus", requete=(query or "")[: usersql.MAX_SQL_CHARS], motif="rôle")
        return [], [], access.refusal("SQL"), "sql-message error"
    if not (query or "").strip():
        return [], [], "Saisissez une requête.", "sql-message error"
    account = access.current_account()
    started = time.monotonic()
    try:
        result = usersql.run_isolated(
            data.get().path, query, SECONDS, ROW_CAP, MAX_BYTES, user=account.name if account else ""
        )
    except usersql.QueryRefused as exc:
        text = str(exc)
        audit.record(
            "sql",
            outcome="refus",
            requete=query[: usersql.MAX_SQL_CHARS],
            motif=text[:500],
            secondes=round(time.monotonic() - started, 3),
        )
        return [], [], text if text.startswith("Erreur") else f"Erreur : {text}", "sql-message error"
    audit.record(
        "sql",
        requete=query[: usersql.MAX_SQL_CHARS],
        lignes=len(result.rows),
        secondes=round(result.seconds, 3),
        **({"tronque": result.truncated} if result.truncated else {}),
    )
    frame = result.frame()
    shown = frame.astype(object).where(frame.notna(), None)
    for column in shown.columns:
        shown[column] = shown[column].map(
            lambda v: v if v is None or isinstance(v, (int, float, str, bool)) else str(v)
        )
    message = f"{len(frame)} ligne(s)" + (f" — {result.truncated}" if result.truncated else "")
    return (
        shown.to_dict(orient="records"),
        [{"name": c, "id": c} for c in frame.columns],
        message,
        "sql-message ok",
    )
