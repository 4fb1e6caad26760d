"""Journal: the audit journal (issue #25), for the direction only — who saw and changed what, when, from
which address; filters by person, action and date, and the table's download. Reading it is itself written
to the journal. Nothing on this page (nor anywhere in the dashboard) can change or delete a row."""

from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc, html

from dashboard import access, audit, components
from pipeline.core import audit as journal_store
from pipeline.indicators.formats import fr_int

dash.register_page(
    __name__,
    layout=lambda **query: layout(**query),
    path="/journal",
    name="Journal",
    title="Journal d'audit — Insertion professionnelle",
    order=7,
)
P = "journal"
SHOWN = 5000  # newest rows shown (the command `insertion audit` reads them all)
COLUMNS = list(journal_store.HEADERS.items())


def layout(**_query):
    try:
        users = audit.journal().users()
    except journal_store.AuditError:
        users = []
    return html.Div(
        [
            html.H1("Journal d'audit"),
            html.P(
                "Connexions, pages et données consultées, téléchargements, requêtes SQL, déclarations, "
                "décisions de relecture et comptes modifiés : qui, quand, depuis quelle adresse. Le journal "
                "est écrit par le produit seul ; aucune page ne peut le modifier. Chaque ligne est chaînée à "
                "la précédente (« insertion audit --verify » le vérifie).",
                className="hint",
            ),
            html.Div(
                className="filters",
                children=[
                    components.labelled(
                        "Personne",
                        components.dropdown(
                            f"{P}-user",
                            [{"label": u, "value": u} for u in users],
                            None,
                            placeholder="Tout le monde",
                        ),
                    ),
                    components.labelled(
                        "Action",
                        components.dropdown(
                            f"{P}-action",
                            [{"label": v, "value": k} for k, v in journal_store.ACTIONS.items()],
                            None,
                            placeholder="Toutes les actions",
                        ),
                    ),
                    components.labelled(
                        "Depuis le (jj/mm/aaaa)",
                        dcc.Input(id=f"{P}-since", type="text", placeholder="jj/mm/aaaa", debounce=True),
                    ),
                ],
            ),
            html.Div(id=f"{P}-message", className="hint"),
            components.table(f"{P}-rows", COLUMNS, page_size=25),
        ]
    )


@callback(
    Output(components.table_id(f"{P}-rows"), "data"),
    Output(f"{P}-message", "children"),
    Input(f"{P}-user", "value"),
    Input(f"{P}-action", "value"),
    Input(f"{P}-since", "value"),
)
def rows(user, action, since):
    if not access.allowed("journal"):  # checked here too, not only by the menu and the request guard
        audit.record("journal", outcome="refus")
        return [], access.refusal("Journal")
    try:
        moment = journal_store.parse_since(since) if (since or "").strip() else None
    except ValueError as exc:
        return [], str(exc)
    filters = {k: v for k, v in (("personne", user), ("action_filtre", action), ("depuis", since)) if v}
    audit.record("journal", **filters)
    try:
        found = audit.journal().rows(user=user, since=moment, action=action, limit=SHOWN + 1)
    except journal_store.AuditError as exc:
        return [], str(exc)
    shown = [journal_store.shown(r) for r in found[:SHOWN]]
    more = (
        f" (les {fr_int(SHOWN)} plus récentes : « insertion audit » les lit toutes)"
        if len(found) > SHOWN
        else ""
    )
    return shown, f"{fr_int(len(shown))} ligne(s){more}."
