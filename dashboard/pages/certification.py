"""Certification: the fiche's statistics table (computed beside published, differences highlighted),
renewal readiness, lineage."""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, dcc, html

from dashboard import components, data, figures
from pipeline import fiches, stats

dash.register_page(
    __name__,
    layout=lambda **query: layout(**query),
    path="/certification",
    name="Certification",
    title="Certification — Insertion professionnelle",
    order=1,
)
P = "certification"


def layout(**_query):
    try:
        options = components.filter_options()["certification"]
    except data.NoWarehouse as exc:
        return components.empty_state(str(exc))
    if not options:
        return components.empty_state("Aucune certification dans l'entrepôt : chargez des résultats de jury.")
    return html.Div(
        [
            html.H1("Certification"),
            components.select(f"{P}-certification", "Certification", options, options[0]["value"]),
            html.Div(id=f"{P}-summary", className="summary"),
            html.H2("Statistiques, telles que France Compétences les publie"),
            html.P(
                "Calculé à partir des données individuelles ; « publié » : export RNCP ou page de la fiche. "
                "Les écarts sont surlignés.",
                className="hint",
            ),
            components.table(
                f"{P}-stats",
                [
                    ("year", "Année d'obtention"),
                    ("certified", "Nombre de certifiés"),
                    ("certified_vae", "dont VAE"),
                    ("insertion_rate_6m", "Taux d'insertion global à 6 mois (%)"),
                    ("target_job_rate_6m", "Taux dans le métier visé à 6 mois (%)"),
                    ("target_job_rate_24m", "Taux dans le métier visé à 2 ans (%)"),
                    ("detail_6m", "Effectifs 6 mois (n/N)"),
                    ("detail_24m", "Effectifs 2 ans (n/N)"),
                ],
                page_size=20,
            ),
            components.table(
                f"{P}-compare",
                [
                    ("year", "Année"),
                    ("measure", "Indicateur"),
                    ("computed", "Calculé"),
                    ("published", "Publié"),
                    ("difference", "Écart"),
                    ("source", "Source publiée"),
                ],
                page_size=20,
                style_data_conditional=[
                    {
                        "if": {"filter_query": "{difference} > 0 || {difference} < 0"},
                        "backgroundColor": "#fde2e1",
                        "fontWeight": "bold",
                    },
                ],
            ),
            html.H2("Préparation du renouvellement"),
            html.Div(id=f"{P}-readiness", className="readiness"),
            html.H2("Fiches antérieures et nouvelles"),
            html.Div(id=f"{P}-lineage"),
        ]
    )


@callback(
    Output(f"{P}-summary", "children"),
    Output(components.table_id(f"{P}-stats"), "data"),
    Output(components.table_id(f"{P}-compare"), "data"),
    Output(f"{P}-readiness", "children"),
    Output(f"{P}-lineage", "children"),
    Input(f"{P}-certification", "value"),
)
def update(code):
    wh = data.get()
    if not code:
        return components.empty_state("Choisissez une certification."), [], [], "", ""
    threshold = wh.small_cohort_threshold()
    info = wh.call(fiches.summary, code) or {}
    table = wh.call(stats.statistics, code)
    compare = wh.call(fiches.compare, code)
    rows = [
        {
            "year": int(r.year),
            "certified": figures.fr_int(r.certified),
            "certified_vae": figures.fr_int(r.certified_vae),
            "insertion_rate_6m": figures.fr_int(r.insertion_rate_6m),
            "target_job_rate_6m": figures.fr_int(r.target_job_rate_6m),
            "target_job_rate_24m": figures.fr_int(r.target_job_rate_24m),
            "detail_6m": f"{figures.head_count(r.employed_6m, r.denominator_6m)} en emploi, "
            f"{figures.head_count(r.in_target_6m, r.denominator_6m)} métier visé"
            + (" ⚠" if r.denominator_6m < threshold else ""),
            "detail_24m": f"{figures.head_count(r.in_target_24m, r.denominator_24m)} métier visé"
            + (" ⚠" if r.denominator_24m < threshold else ""),
        }
        for r in table.itertuples()
    ]
    compared = [
        {
            k: (
                figures.fr_int(v)
                if k in ("computed", "published")
                else v
                if v is not None or k == "difference"
                else "–"
            )
            for k, v in r.items()
        }
        for r in compare.astype(object).where(compare.notna(), None).to_dict(orient="records")
    ]
    return summary(code, info), rows, compared, readiness(table, info, threshold), lineage(info)


@callback(
    Output(f"{P}-renewal-download", "data"),
    Output(f"{P}-renewal-message", "children"),
    Input(f"{P}-renewal-button", "n_clicks"),
    State(f"{P}-certification", "value"),
    prevent_initial_call=True,
)
def renewal_pack(_clicks, code):
    """The same pack as `insertion renewal CODE`, built on the read-only snapshot."""
    import tempfile
    from pathlib import Path

    from pipeline import renewal
    from pipeline.config import Settings
    from pipeline.errors import InputError

    wh = data.get()
    settings = Settings.load(
        small_cohort_threshold=wh.small_cohort_threshold(), disclosure=wh.setting("disclosure")
    )
    try:
        pack = renewal.build(wh.cursor()[1], code, settings)
    except InputError as exc:
        return None, f"Erreur : {exc}"
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / f"renouvellement-{code}.xlsx"
        renewal.write_xlsx(pack, target)
        content = target.read_bytes()
    return dcc.send_bytes(content, f"renouvellement-{code}.xlsx"), f"Dossier {code} généré."


def summary(code: str, info: dict) -> html.Div:
    end = info.get("registration_end_date")
    certifiers = ", ".join(c["name"] for c in info.get("certifiers", [])) or "non renseigné"
    targets = (
        ", ".join(f"{j['rome_code']} {j['rome_label'] or ''}" for j in info.get("target_jobs", [])) or "aucun"
    )
    return html.Div(
        [
            html.H3(f"{code} — {info.get('title') or 'intitulé inconnu'}"),
            html.Ul(
                [
                    html.Li(f"Niveau : {info.get('level') or 'non renseigné'}"),
                    html.Li(f"Certificateur(s) : {certifiers}"),
                    html.Li(f"Métiers visés (codes ROME) : {targets}"),
                    html.Li(f"Fin d'enregistrement : {figures.fr_date(end)}"),
                ]
            ),
        ]
    )


def readiness(table, info: dict, threshold: int) -> html.Div:
    """Promotions with 6-month data, response rates, registration end date and days left."""
    with_6m = table[table["respondents_6m"] > 0]
    days = info.get("days_left")
    items = [
        html.Li(
            f"Promotions avec une enquête à 6 mois : {len(with_6m)} (au moins 2 exigées)",
            className="ok" if len(with_6m) >= 2 else "alert",
        ),
    ]
    for r in with_6m.itertuples():
        items.append(
            html.Li(
                f"Promotion {int(r.year)} : taux de réponse à 6 mois {figures.fr_pct(r.response_rate_6m)} "
                f"({figures.head_count(r.respondents_6m, r.certified)})"
                + (f" — effectif sous le seuil de {threshold}" if r.denominator_6m < threshold else ""),
                className="alert" if (r.response_rate_6m or 0) < 50 else "ok",
            )
        )
    if info.get("registration_end_date") is not None:
        text = f"Enregistrement jusqu'au {figures.fr_date(info['registration_end_date'])} : " + (
            f"{figures.fr_int(days)} jours restants" if days >= 0 else "échu"
        )
        items.append(html.Li(text, className="alert" if days < 365 else "ok"))
    else:
        items.append(
            html.Li("Date de fin d'enregistrement inconnue (chargez l'export RNCP).", className="alert")
        )
    return html.Ul(items)


def lineage(info: dict) -> html.Div:
    chain = info.get("lineage") or []
    if len(chain) <= 1:
        return components.empty_state(
            "Aucune fiche antérieure ni nouvelle connue (chargez la partie "
            "Ancienne_Nouvelle_Certification de l'export RNCP)."
        )
    return html.Ol(
        [
            html.Li(
                f"{r['certification_code']} — {r['title'] or 'intitulé inconnu'}"
                + (
                    " (cette fiche)"
                    if r["distance"] == 0
                    else " (antérieure)"
                    if r["distance"] < 0
                    else " (nouvelle)"
                ),
                className="current" if r["distance"] == 0 else "",
            )
            for r in chain
        ],
        className="lineage",
    )
