"""Qualité des données: loads, files unloaded (who, when, why), validation history (per expectation),
quarantine, Data Docs."""

from __future__ import annotations

import dash
import pandas as pd
from dash import Input, Output, callback, html

from dashboard import accrochage, components, data, figures
from pipeline.core.quality_labels import (
    RESULT_LABELS,
    SEVERITY_LABELS,
    expectation_label,
    message_fr,
    reasons_fr,
    suite_label,
)
from pipeline.reports import habilitation, quality, unloads

dash.register_page(
    __name__,
    layout=lambda **query: layout(**query),
    path="/qualite",
    name="Qualité des données",
    title="Qualité des données — Insertion professionnelle",
    order=4,
)
P = "qualite"
STATUS = unloads.STATUS_LABELS  # chargé, rejeté, retiré


def layout(**_query):
    empty = components.unavailable("load_log")
    if empty:
        return empty
    wh = data.get()
    loads = wh.call(quality.loads)
    runs = wh.call(quality.history, 500)
    return html.Div(
        [
            html.H1("Qualité des données"),
            html.P(
                [
                    "Chaque fichier passe par les suites Great Expectations avant d'entrer dans l'entrepôt. ",
                    html.A(
                        "Ouvrir les Data Docs", href="/data-docs/index.html", target="_blank", id=f"{P}-docs"
                    ),
                    " (rapport HTML de Great Expectations).",
                ],
                className="hint",
            ),
            html.H2("Chargements"),
            components.empty_state("Aucun fichier chargé pour l'instant.") if loads.empty else "",
            components.table(
                f"{P}-loads",
                [
                    ("load_id", "N°"),
                    ("file_name", "Fichier"),
                    ("kind", "Type"),
                    ("status", "Statut"),
                    ("rows", "Lignes lues / chargées / en quarantaine / avec avertissement"),
                    ("started", "Le"),
                    ("dropped", "Colonnes personnelles supprimées"),
                    ("message", "Message"),
                ],
                style_data_conditional=[
                    {"if": {"filter_query": "{status} = 'rejeté'"}, "backgroundColor": "#fde2e1"},
                    {"if": {"filter_query": "{status} = 'retiré'"}, "color": "#6b6b6b"},
                ],
                rows=[
                    {
                        "load_id": int(r.load_id),
                        "file_name": r.file_name,
                        "kind": suite_label(r.kind),
                        "status": STATUS.get(r.status, r.status),
                        "rows": " / ".join(
                            figures.fr_int(v)
                            for v in (r.rows_read, r.rows_loaded, r.rows_quarantined, r.rows_warned)
                        ),
                        "started": figures.fr_date(r.started_at) + r.started_at.strftime(" %H:%M"),
                        "dropped": r.dropped or "",
                        "message": reasons_fr(r.message, "; "),
                    }
                    for r in loads.itertuples()
                ],
            ),
            *unloads_section(),  # issue #24
            html.H2("Historique des validations"),
            components.select(
                f"{P}-run",
                "Exécution",
                [
                    {
                        "label": f"n° {r.run_id} — {r.started} — {suite_label(r.suite)} — {run_file(r.file)} — "
                        + ("réussie" if r.result == "ok" else "ÉCHEC"),
                        "value": int(r.run_id),
                    }
                    for r in runs.itertuples()
                ],
                int(runs["run_id"].iloc[0]) if not runs.empty else None,
            ),
            components.table(
                f"{P}-results",
                [
                    ("expectation", "Attente"),
                    ("column", "Colonne"),
                    ("severity", "Gravité"),
                    ("result", "Résultat"),
                    ("unexpected", "Valeurs inattendues"),
                    ("samples", "Exemples"),
                    ("description", "Attendu"),
                ],
                page_size=30,
                style_data_conditional=[
                    {"if": {"filter_query": "{result} = 'échec'"}, "backgroundColor": "#fde2e1"}
                ],
            ),
            html.H2("Règles appliquées aux chiffres"),
            html.P(
                "Réponses en double, répondants introuvables parmi les certifiés, réponses hors fenêtre, "
                "intitulés en attente de relecture… : ce que les chiffres ont écarté ou tranché, et selon "
                "quelle règle (détail ligne à ligne dans la feuille Qualité du dossier de renouvellement).",
                className="hint",
            ),
            issues_table(),
            *habilitation_section(),  # issue #16
            *accrochage.section(),  # issue #27
            html.H2("Quarantaine"),
            html.Div(id=f"{P}-quarantine-empty"),
            components.table(
                f"{P}-quarantine",
                [
                    ("load_id", "Chargement"),
                    ("file_name", "Fichier"),
                    ("source_row", "Ligne"),
                    ("kind", "Type"),
                    ("outcome", "Effet"),
                    ("reasons", "Raisons"),
                ],
            ),
        ]
    )


@callback(
    Output(components.table_id(f"{P}-results"), "data"),
    Output(components.table_id(f"{P}-quarantine"), "data"),
    Output(f"{P}-quarantine-empty", "children"),
    Input(f"{P}-run", "value"),
)
def update(run_id):
    wh = data.get()
    details = wh.call(quality.run_details, int(run_id)) if run_id is not None else None
    results = (
        []
        if details is None
        else [
            {
                "expectation": expectation_label(r.expectation),
                "column": r.column,
                "severity": SEVERITY_LABELS.get(r.severity, r.severity),
                "result": RESULT_LABELS.get(r.result, r.result),
                "unexpected": figures.fr_int(r.unexpected)
                if r.unexpected is not None and not pd.isna(r.unexpected)
                else "",
                "samples": r.sample_values,
                "description": message_fr(r.description),
            }
            for r in details.itertuples()
        ]
    )
    quarantine = quality.labelled(wh.call(quality.quarantine, 1000))  # as `insertion quality` shows it
    empty = (
        components.empty_state(
            "Aucune ligne en quarantaine : toutes les lignes lues ont passé les contrôles."
        )
        if quarantine.empty
        else ""
    )
    return results, quarantine.astype(object).where(quarantine.notna(), "").to_dict(orient="records"), empty


def run_file(name: str) -> str:
    """The file a run validated; the warehouse-wide runs of ``insertion validate`` have none."""
    return "(entrepôt entier)" if name == "(warehouse)" else name


def unloads_section() -> list:
    """Issue #24: the loads undone by `insertion unload` (journal unload_log, never erased): who, when,
    why, what was removed and recomputed, the declarations that had counted the file."""
    frame = data.get().call(unloads.log)
    heading = html.H2("Fichiers retirés")
    if frame.empty:
        return [heading, components.empty_state("Aucun fichier retiré (insertion unload).")]
    return [
        heading,
        html.P(
            "Chargements retirés avec « insertion unload » : leurs lignes ont quitté l'entrepôt et la "
            "quarantaine, les certifications touchées ont été recalculées. Une déclaration qui comptait le "
            "fichier reste vérifiable à partir de ses propres enregistrements. Ce journal ne s'efface pas.",
            className="hint",
        ),
        components.table(
            f"{P}-unloads",
            [(c, c) for c in frame.columns],
            rows=frame.astype(object).where(frame.notna(), "").to_dict(orient="records"),
        ),
    ]


def issues_table():
    frame = data.get().call(quality.issues)
    if frame.empty:
        return components.empty_state("Aucune règle n'a eu à trancher : ni doublon, ni réponse orpheline.")
    return components.table(
        f"{P}-issues",
        [("label", "Règle"), ("certification_code", "Certification"), ("n", "Lignes"), ("files", "Fichiers")],
        rows=[
            {**r, "n": figures.fr_int(r["n"])}
            for r in frame.astype(object).where(frame.notna(), "").to_dict(orient="records")
        ],
    )


def habilitation_section() -> list:
    """Issue #16: certified people whose partner was not habilitated at the jury date, counted per
    partner and listed one by one (file and row, to find them in the cohort file)."""
    wh = data.get()
    heading = html.H2(habilitation.TITLE)
    if not wh.has_rows("habilitation_issues"):
        return [
            heading,
            components.empty_state(
                "Aucun certifié dont le partenaire n'était pas habilité à la date du jury."
            ),
        ]
    counts = wh.call(habilitation.by_partner, None, wh.scope)  # a partner: its own findings
    rows = wh.call(habilitation.listing, None, wh.scope)

    def table(name: str, frame) -> html.Div:
        return components.table(
            f"{P}-{name}",
            [(c, c) for c in frame.columns],
            rows=frame.astype(object).where(frame.notna(), "").to_dict(orient="records"),
        )

    return [
        heading,
        html.P(
            "SIRET inconnu des partenaires de la fiche, habilitation retirée avant le jury ou active "
            "seulement après, partenaire habilité à former seulement qui a organisé l'évaluation "
            "(colonne « Évaluation organisée par » ; sans elle, le partenaire de la ligne est réputé "
            "l'avoir organisée).",
            className="hint",
        ),
        table("partners", counts),
        table("unhabilitated", rows),
    ]
