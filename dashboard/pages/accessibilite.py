"""Accessibilité (issue #26, RGAA 4.1.2): the conformity status computed from the tests' results, what is not
accessible and why, whom to contact, and the accessibility declaration's template
(:mod:`dashboard.conformity`). Open to every role; linked from every page's footer, not from the menu."""

from __future__ import annotations

import dash
from dash import html

from dashboard import conformity
from pipeline.core.accounts import ROLES
from pipeline.indicators.formats import fr_int

dash.register_page(
    __name__,
    layout=lambda **query: layout(**query),
    path="/accessibilite",
    name="Accessibilité",
    title="Accessibilité — Insertion professionnelle",
    order=9,
    menu=False,  # in the footer of every page (dashboard/app.py)
)
P = "accessibilite"


def layout(**_query):
    record = conformity.load()
    state = conformity.status(record)
    results = conformity.criteria(record)
    return html.Div(
        [
            html.H1("Accessibilité"),
            html.H2("État de conformité"),
            html.P(
                [
                    f"Le {conformity.SERVICE} est ",
                    html.Strong(state["label"], id=f"{P}-status"),
                    " avec le référentiel général d'amélioration de l'accessibilité (RGAA), version 4.1.2.",
                ]
            ),
            html.P(
                f"Tests automatisés du {record.get('date', '–')} : {state['rate']} % des critères vérifiés "
                f"sont respectés ({state['respected']} sur {state['applicable']} ; le RGAA en compte "
                f"{conformity.RGAA_CRITERIA}, les autres demandent un audit humain). Outil : "
                f"{record.get('tool', '–')}, sur chaque page, pour chaque rôle, avec et sans certification "
                "choisie."
                + (
                    ""
                    if state["human_audit"]
                    else " Ces critères sont vérifiés par machine ; sans audit humain des autres critères, "
                    "la conformité ne peut être déclarée totale."
                ),
                className="hint",
            ),
            html.Table(
                className="plain-table",
                children=[
                    html.Caption("Critères vérifiés par les tests"),
                    html.Thead(
                        html.Tr(
                            [html.Th("Critère", scope="col"), html.Th("Exigence", scope="col")]
                            + [html.Th("Résultat", scope="col"), html.Th("Constat", scope="col")]
                        )
                    ),
                    html.Tbody(
                        [
                            html.Tr(
                                [
                                    html.Th(r["criterion"], scope="row"),
                                    html.Td(r["text"]),
                                    html.Td("✔ respecté" if r["respected"] else "✘ non respecté"),
                                    html.Td(r["detail"]),
                                ]
                            )
                            for r in results
                        ]
                    ),
                ],
            ),
            *pages_table(record),
            html.H2("Contenus non accessibles"),
            html.H3("Non-conformités"),
            html.Ul([html.Li(x) for x in conformity.failures(record)])
            if conformity.failures(record)
            else html.P("Aucune parmi les critères vérifiés."),
            html.H3("Contenus non audités"),
            html.Ul([html.Li(x) for x in conformity.NOT_AUDITED]),
            html.H3("Équivalents accessibles"),
            html.Ul([html.Li(x) for x in conformity.EQUIVALENTS]),
            html.H2("Retour d'information et contact"),
            html.P(
                "Si vous n'arrivez pas à accéder à un contenu ou à un service, contactez "
                f"{conformity.contact()} : vous serez orienté vers une alternative accessible ou recevrez le "
                "contenu sous une autre forme (le dossier de renouvellement existe en HTML et en PDF balisé)."
            ),
            html.H2("Modèle de déclaration d'accessibilité"),
            html.P(
                "La déclaration à publier, selon le modèle du RGAA, remplie avec les résultats des tests ; "
                "les passages entre crochets sont à compléter par l'organisme certificateur, qui publie "
                "aussi son schéma pluriannuel de mise en accessibilité.",
                className="hint",
            ),
            html.Pre(conformity.declaration(record), id=f"{P}-declaration", className="declaration"),
        ]
    )


def pages_table(record: dict) -> list:
    """The violations axe-core found on each page, per role (0 everywhere when respected)."""
    pages = record.get("pages") or {}
    if not pages:
        return []
    roles = sorted({role for by_role in pages.values() for role in by_role})
    return [
        html.Table(
            className="plain-table",
            children=[
                html.Caption("Violations relevées par axe-core (WCAG 2.0 et 2.1, A et AA), par page et rôle"),
                html.Thead(
                    html.Tr(
                        [html.Th("Page", scope="col")]
                        + [html.Th(ROLES.get(r, r), scope="col") for r in roles]
                    )
                ),
                html.Tbody(
                    [
                        html.Tr(
                            [html.Th(path, scope="row")]
                            + [
                                html.Td(fr_int(by_role[r]) if r in by_role else "page non ouverte à ce rôle")
                                for r in roles
                            ]
                        )
                        for path, by_role in pages.items()
                    ]
                ),
            ],
        )
    ]
