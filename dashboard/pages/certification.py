"""Certification: the fiche's statistics table (computed beside published, differences highlighted),
renewal readiness, lineage.

Issue #16: everything is read through the read model with the scope of the signed-in person
(``data.get().scope``): a partner sees its own people's table (``statistics_by_partner`` summed over its
SIRET), the fiche's public facts, its conditions of employment and its own renewal pack."""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, dcc, html

from dashboard import audit, components, data, figures
from pipeline.indicators import FICHE, RATE
from pipeline.indicators import conditions as condition_indicators
from pipeline.reports import conditions, declared, fiches
from pipeline.reports import readiness as reports_readiness
from pipeline.reports import statistics as stats

# Beside the fiche's table: the 2-year global rate and the response rates, each with n/N.
EXTRA_RATES = ["insertion_rate_24m", "response_rate_6m", "response_rate_24m"]

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
    partner = data.get().scope.restricted
    return html.Div(
        [
            html.H1("Certification"),
            components.select(f"{P}-certification", "Certification", options, options[0]["value"], synced=P),
            html.Div(id=f"{P}-summary", className="summary"),
            html.H2(
                "Statistiques de vos certifiés, telles que France Compétences les publie"
                if partner
                else "Statistiques, telles que France Compétences les publie"
            ),
            html.P(
                "Calculé à partir des données individuelles de vos seuls certifiés (vos SIRET), mêmes "
                "définitions et même diffusion que pour la certification entière ; « publié » : chiffres "
                "de la certification entière (export RNCP ou page de la fiche), sans écart calculé."
                if partner
                else "Calculé à partir des données individuelles ; « publié » : export RNCP ou page de la "
                "fiche. Les écarts sont surlignés.",
                className="hint",
            ),
            components.table(
                f"{P}-stats",
                [(key, stats.FICHE_COLUMNS[key]) for key in FICHE]
                + [(k, f"{RATE[k].short} (n/N)") for k in EXTRA_RATES],
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
            html.Div(id=f"{P}-declared", className="declared"),
            *conditions_layout(),
            html.H2("Préparation du renouvellement"),
            html.Div(id=f"{P}-readiness", className="readiness"),
            html.Div(
                className="renewal",
                children=[
                    html.Button(
                        "Télécharger le dossier de renouvellement (Excel)",
                        id=f"{P}-renewal-button",
                        className="button-primary",
                    ),
                    # its accessible equivalents (RGAA 13.3, issue #26): the tagged PDF, the HTML dossier
                    html.Button(
                        "Télécharger le dossier de renouvellement (PDF accessible)",
                        id=f"{P}-renewal-pdf",
                        className="button-primary",
                    ),
                    html.Button(
                        "Télécharger le dossier de renouvellement (page HTML accessible)",
                        id=f"{P}-renewal-html",
                        className="button-secondary",
                    ),
                    dcc.Download(id=f"{P}-renewal-download"),
                    dcc.Download(id=f"{P}-renewal-accessible"),
                    html.Div(id=f"{P}-renewal-message", className="hint"),
                ],
            ),
            html.H2("Fiches antérieures et nouvelles"),
            html.Div(id=f"{P}-lineage"),
        ]
    )


components.sync_filters(P, ["certification"], single=("certification",))


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
    info = wh.call(fiches.summary, code) or {}  # public facts: the same for every scope
    table = wh.call(stats.statistics, code, wh.scope)
    compare = wh.call(fiches.compare, code, wh.scope)
    rows = [
        {
            "year": int(r["year"]),
            "certified": figures.fr_int(r["certified"]),
            "certified_vae": figures.fr_int(r["certified_vae"]),
            **{k: figures.rate_cell(r, k, threshold) for k in [*stats.FICHE_RATES, *EXTRA_RATES]},
        }
        for r in table.to_dict(orient="records")
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
    items = wh.call(reports_readiness.items, code, wh.settings(), wh.scope)
    return summary(code, info), rows, compared, readiness(items), lineage(info)


def conditions_layout() -> list:
    """Issue #17: contract, working time, cadre status and pay, then the other systems' rates beside
    France Compétences', each with its definition (pipeline/indicators/conditions.py)."""
    C = condition_indicators
    head = [("year", "Année"), ("wave", "Vague")]
    return [
        html.H2("Conditions d'emploi des répondants en emploi"),
        components.table(
            f"{P}-conditions",
            head
            + [(r.key, f"{r.label.removesuffix(' (en %)')} (n/N)") for r in C.CONDITION_RATES]
            + [("pay_answers", C.label("pay_answers"))]
            + [(k, C.label(k)) for k in C.PAY_KEYS],
            page_size=20,
        ),
        html.P(
            f"Quartiles de salaire publiés à partir de {conditions.MIN_PAY_ANSWERS} salaires renseignés.",
            className="hint",
        ),
        html.H2("Autres définitions du taux d'emploi, côte à côte"),
        html.P("Mêmes réponses, mesures différentes : ne pas les comparer entre elles.", className="hint"),
        components.table(
            f"{P}-alternatives",
            head + [(r.key, f"{r.label.removesuffix(' (en %)')} (n/N)") for r in C.ALTERNATIVE_RATES],
            page_size=20,
        ),
        html.Ul(
            [html.Li([html.Strong(d.label), " : ", d.sentence]) for d in C.DEFINITIONS.values()],
            id=f"{P}-definitions",
            className="hint",
        ),
    ]


@callback(
    Output(components.table_id(f"{P}-conditions"), "data"),
    Output(components.table_id(f"{P}-alternatives"), "data"),
    Input(f"{P}-certification", "value"),
)
def update_conditions(code):
    """The rows of both tables (the same rows: each table shows its own columns)."""
    if not code:
        return [], []
    wh = data.get()
    rows = conditions.display_rows(
        wh.call(conditions.rows, code, None, wh.scope), wh.small_cohort_threshold()
    )
    return rows, rows


@callback(Output(f"{P}-declared", "children"), Input(f"{P}-certification", "value"))
def update_declared(code):
    """Issue #17: « déclaré le jj/mm/aaaa » beside the current figures, the difference and its cause."""
    wh = data.get()
    lines = wh.call(declared.drift_lines, code, False, wh.scope, wh.small_cohort_threshold()) if code else []
    if not lines:
        return None
    return html.Div(
        [html.H2("Chiffres déclarés"), html.P(lines[0]), html.Ul([html.Li(x.strip()) for x in lines[1:]])]
    )


@callback(
    Output(f"{P}-renewal-download", "data"),
    Output(f"{P}-renewal-message", "children"),
    Input(f"{P}-renewal-button", "n_clicks"),
    State(f"{P}-certification", "value"),
    prevent_initial_call=True,
)
def renewal_pack(_clicks, code):
    """The same pack as `insertion renewal CODE`, built on the read-only snapshot (a partner's: `insertion
    renewal CODE --siret …`, its people only)."""
    import tempfile
    from pathlib import Path

    from pipeline.core.errors import InputError
    from pipeline.outputs import renewal

    wh = data.get()
    try:
        pack = renewal.build(wh.cursor()[1], code, wh.settings(), scope=wh.scope)
    except InputError as exc:
        return None, f"Erreur : {exc}"
    name = renewal.file_name(code, wh.scope)
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / name
        renewal.write_xlsx(pack, target)
        content = target.read_bytes()
    done = f"Dossier {code} généré" + (f" ({pack.partner})." if pack.partner else ".")
    audit.record("telechargement", fichier=name, certification=code, feuilles=len(pack.sheets))
    return dcc.send_bytes(content, name), done


@callback(
    Output(f"{P}-renewal-accessible", "data"),
    Output(f"{P}-renewal-message", "children", allow_duplicate=True),
    Input(f"{P}-renewal-pdf", "n_clicks"),
    Input(f"{P}-renewal-html", "n_clicks"),
    State(f"{P}-certification", "value"),
    prevent_initial_call=True,
)
def accessible_pack(_pdf, _html, code, fmt: str | None = None):
    """The pack's accessible equivalents of the workbook (issue #26): the tagged PDF (PDF/UA-1) or the HTML
    dossier, as `insertion renewal CODE --pdf|--html` writes them."""
    from dash import ctx

    from pipeline.core.errors import InputError
    from pipeline.outputs import renewal

    fmt = fmt or ("html" if ctx.triggered_id == f"{P}-renewal-html" else "pdf")
    wh = data.get()
    try:
        pack = renewal.build(wh.cursor()[1], code, wh.settings(), scope=wh.scope)
    except InputError as exc:
        return None, f"Erreur : {exc}"
    name = renewal.file_name(code, wh.scope, fmt)
    if fmt == "html":
        content = dcc.send_string(renewal.render_html(pack), name, type="text/html;charset=utf-8")
    else:
        content = dcc.send_bytes(renewal.pdf_bytes(pack), name, type="application/pdf")
    kind = "PDF balisé" if fmt == "pdf" else "page HTML"
    return content, f"Dossier {code} généré ({kind}" + (f", {pack.partner})." if pack.partner else ").")


def summary(code: str, info: dict) -> html.Div:
    end = info.get("registration_end_date")
    certifiers = ", ".join(c["name"] for c in info.get("certifiers", [])) or "non renseigné"
    targets = (
        ", ".join(f"{j['rome_code']} {j['rome_label'] or ''}" for j in info.get("target_jobs", [])) or "aucun"
    )
    return html.Div(
        [
            html.H2(f"{code} — {info.get('title') or 'intitulé inconnu'}"),
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


def readiness(items) -> html.Ul:
    """Every readiness item (pipeline/indicators/readiness.py), ok or to act on."""
    return html.Ul([html.Li(f"{i.topic} — {i.text}", className="ok" if i.ok else "alert") for i in items])


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
