"""Building blocks shared by the pages: downloadable tables, filters kept in the URL, empty states."""

from __future__ import annotations

import io
import json
from urllib.parse import parse_qs, urlencode

import pandas as pd
from dash import ALL, MATCH, Input, Output, State, callback, clientside_callback, ctx, dash_table, dcc, html

from dashboard import audit, data
from pipeline.core import clock
from pipeline.core.exports import csv_text, safe_frame
from pipeline.core.labels import WAVE_LABELS, route_label
from pipeline.indicators.formats import parse_int, parse_rate_cell


def table(
    name: str, columns: list[tuple[str, str]], page_size: int = 15, rows: list | None = None, **style
) -> html.Div:
    """A DataTable with « CSV » and « Excel » download buttons. ``columns``: (field, French header)."""
    return html.Div(
        className="table-block",
        children=[
            html.Div(
                className="downloads",
                children=[
                    html.Button(
                        "Télécharger CSV",
                        id={"type": "download-button", "table": name, "format": "csv"},
                        className="button-secondary",
                    ),
                    html.Button(
                        "Télécharger Excel",
                        id={"type": "download-button", "table": name, "format": "xlsx"},
                        className="button-secondary",
                    ),
                    dcc.Download(id={"type": "download", "table": name}),
                ],
            ),
            dash_table.DataTable(
                id={"type": "table", "table": name},
                columns=[{"name": header, "id": field} for field, header in columns],
                data=rows or [],
                page_size=page_size,
                sort_action="native",
                style_table={"overflowX": "auto"},
                style_cell={
                    "fontFamily": "Marianne, Arial, sans-serif",
                    "fontSize": "14px",
                    "padding": "6px",
                    "textAlign": "left",
                    "whiteSpace": "normal",
                    "height": "auto",
                },
                style_header={
                    "fontWeight": "bold",
                    "backgroundColor": "#eef2f7",
                    "fontFamily": "Marianne, Arial, sans-serif",
                },
                **style,
            ),
        ],
    )


def table_id(name: str) -> dict:
    return {"type": "table", "table": name}


@callback(
    Output({"type": "download", "table": MATCH}, "data"),
    Input({"type": "download-button", "table": MATCH, "format": ALL}, "n_clicks"),
    State({"type": "table", "table": MATCH}, "data"),
    State({"type": "table", "table": MATCH}, "columns"),
    State("url", "pathname"),
    State("url", "hash"),
    prevent_initial_call=True,
)
def download(_clicks, rows, columns, pathname, fragment):
    """Every table's CSV (UTF-8 with BOM, ';', as French spreadsheets expect) or XLSX download: numbers
    as numbers, each rate as a percentage with its n and N, named after what it holds."""
    if not ctx.triggered_id or not rows:
        return None
    fmt, name = ctx.triggered_id["format"], ctx.triggered_id["table"]
    frame = pd.DataFrame(rows).reindex(columns=[c["id"] for c in columns])
    frame.columns = [c["name"] for c in columns]
    base = file_name(pathname, name, fragment)
    audit.record(
        "telechargement", fichier=f"{base}.{fmt}", lignes=len(frame), table=name, **selection_of(fragment)
    )
    return export(typed(frame), base, fmt)


def selection_of(fragment: str | None) -> dict:
    """The filters of a link that are set (for the audit journal)."""
    return {k: v for k, v in selection(fragment).items() if v}


PAGES = {
    "": "vue-d-ensemble",
    "certification": "certification",
    "metiers": "metiers",
    "voies": "voies-d-acces",
    "enquetes": "enquetes",
    "partenaires": "partenaires",
    "qualite": "qualite",
    "sql": "sql",
    "journal": "journal",
}
# Each table's part of a download's file name (tables are named ``<page prefix>-<table>``).
TABLES = {
    "years": "par-annee",
    "stats": "statistiques",
    "compare": "calcule-et-publie",
    "titles": "intitules",
    "unmatched": "intitules-a-relire",
    "routes": "par-voie",
    "partners": "par-partenaire",
    "unhabilitated": "non-habilites",
    "loads": "chargements",
    "results": "resultats-de-validation",
    "quarantine": "quarantaine",
    "issues": "anomalies",
    "result": "resultat",
    "status": "avancement",
    "nonresponse": "non-reponse",
    "rows": "lignes",
}
PERCENT = " (%)"  # the header suffix of a rate's column in a download


def file_name(pathname: str | None, table: str, fragment: str | None = None, today=None) -> str:
    """« metiers_intitules_RNCP34179_2017_2026-11-29 »: page, table, filters of the link, date."""

    page = PAGES.get((pathname or "/").strip("/"), "tableau")
    part = table.split("-", 1)[-1]
    part = TABLES.get(part, part)
    chosen = selection(fragment)
    filters = [
        "-".join(map(str, chosen[key]))
        for key in ("certification", "year", "access_route", "site", "partner")
        if chosen.get(key)
    ]
    if chosen.get("wave") and page == "metiers":
        filters.append(f"{chosen['wave'][0]}-mois")
    text = "_".join([page, part, *filters, (today or clock.today()).isoformat()])
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in text)[:150]


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """The cells the page shows, typed for a spreadsheet: « 1 234 » -> 1234; « 88 % (29/33) ⚠ » -> the
    rate (header suffixed « (%) », a fraction written with a % format), n, N and the small-cohort mark."""
    out = {}
    for column in frame.columns:
        values = [v for v in frame[column] if v not in (None, "", "–")]
        if values and all(parse_rate_cell(v) for v in values):
            cells = [parse_rate_cell(v) for v in frame[column]]
            base = column.removesuffix(" (n/N)")
            out[base + PERCENT] = [c[0] / 100 if c else None for c in cells]
            out[f"{base} : n"] = pd.array([c[1] if c else None for c in cells], dtype="Int64")
            out[f"{base} : N"] = pd.array([c[2] if c else None for c in cells], dtype="Int64")
            out[f"{base} : ⚠ petit effectif"] = ["oui" if c and c[3] else "" for c in cells]
        elif values and column != "SIRET" and all(parse_int(v) is not None for v in values):  # SIRET: text
            out[column] = pd.array([parse_int(v) for v in frame[column]], dtype="Int64")
        else:
            out[column] = frame[column]
    return pd.DataFrame(out)


def export(frame: pd.DataFrame, name: str, fmt: str) -> dict:
    """``frame`` as ``name``.xlsx or ``name``.csv; columns whose header ends with « (%) » hold fractions,
    shown with a % format in Excel and as percentages in the CSV."""
    percent = [c for c in frame.columns if str(c).endswith(PERCENT)]
    if fmt == "xlsx":
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            sheet_name = name.split("_")[1][:31] if "_" in name else name[:31]
            safe_frame(frame).to_excel(writer, index=False, sheet_name=sheet_name)
            sheet = writer.sheets[sheet_name]
            sheet.freeze_panes = "A2"
            for i, column in enumerate(frame.columns, start=1):
                letter = sheet.cell(row=1, column=i).column_letter
                width = max([len(str(column))] + [len(str(v)) for v in frame.iloc[:, i - 1].head(200)])
                sheet.column_dimensions[letter].width = min(60, width + 2)
                if column in percent:
                    for cell in sheet[letter][1:]:
                        cell.number_format = "0%"
        return dcc.send_bytes(buffer.getvalue(), f"{name}.xlsx")
    shown = frame.copy()
    for column in percent:
        shown[column] = [None if v is None or pd.isna(v) else round(v * 100) for v in shown[column]]
        shown[column] = shown[column].astype("Int64")
    return dcc.send_string(csv_text(shown), f"{name}.csv", type="text/csv;charset=utf-8")


def unavailable(table: str = "mart_outcome_counts") -> html.Div | None:
    """The empty state a page shows when there is no snapshot yet or ``table`` is empty, else None."""
    wh = data.get()
    try:
        wh.version()
    except data.NoWarehouse as exc:
        return empty_state(str(exc))
    if not wh.has_rows(table):
        if wh.scope.restricted:  # a partner: nothing of its SIRET (dashboard/scoping.py)
            return empty_state(
                f"Aucune donnée de vos organismes (SIRET {', '.join(sorted(wh.scope.sirets))}) "
                "dans l'entrepôt pour l'instant."
            )
        return empty_state(
            "L'entrepôt ne contient encore aucun résultat de jury : chargez des fichiers "
            "(« insertion ingest » ou « insertion build »)."
        )
    return None


def empty_state(message: str) -> html.Div:
    return html.Div(message, className="empty-state")


def parse_filters(search: str | None) -> dict[str, list[str]]:
    """``?cert=RNCP34179,RNCP35809&year=2017`` -> {"cert": [...], "year": [...]}."""
    parsed = parse_qs((search or "").lstrip("?"))
    return {k: [x for v in values for x in v.split(",") if x] for k, values in parsed.items()}


def filters_search(**values) -> str:
    """The URL query string that keeps the filters (shareable links)."""
    kept = {
        k: ",".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v)
        for k, v in values.items()
        if v not in (None, "", [], ())
    }
    return "?" + urlencode(kept, safe=",") if kept else ""


def filter_options() -> dict[str, list[dict]]:
    """Dropdown options for certification, year, access route, site and partner (issue #16)."""
    from pipeline.core.partners import partner_label

    frame = data.get().sql_file("filters")
    out: dict[str, list[dict]] = {
        "certification": [],
        "year": [],
        "access_route": [],
        "site": [],
        "partner": [],
    }
    for f, value, label in frame.itertuples(index=False):
        if f == "access_route":
            label = route_label(value)
        out[f].append({"label": label, "value": int(value) if f == "year" else value})
    out["partner"] = [
        {"label": partner_label(r.partner_siret, r.partner_name), "value": r.value}
        for r in data.get().sql_file("partner_options").itertuples()
    ]
    return out


# The texts of every dropdown, in French (Dash's defaults are English).
DROPDOWN_LABELS = {
    "select_all": "Tout sélectionner",
    "deselect_all": "Tout désélectionner",
    "selected_count": "{num_selected} sélectionné(s)",
    "search": "Rechercher (code ou intitulé)",
    "clear_search": "Effacer la recherche",
    "clear_selection": "Effacer la sélection",
    "no_options_found": "Aucun résultat",
}


def dropdown(component_id: str, options: list[dict], value, **kwargs) -> dcc.Dropdown:
    """A searchable dropdown with French texts (search by any part of the label: code or title)."""
    return dcc.Dropdown(
        id=component_id, options=options, value=value, labels=DROPDOWN_LABELS, searchable=True, **kwargs
    )


def labelled(label: str, control, wide: bool = False) -> html.Div:
    """One filter of a filter band: its visible label, tied to the control (``htmlFor``), then the control."""
    return html.Div(
        className="filter filter-wide" if wide else "filter",
        children=[html.Label(label, htmlFor=control.id), control],
    )


def select(component_id: str, label: str, options: list[dict], value, synced: str | None = None) -> html.Div:
    """One wide single-choice dropdown in a filter band (a page's certification, a validation run);
    ``synced``: the page prefix whose filters follow the link (:func:`sync_filters`)."""
    return html.Div(
        className="filters",
        children=[
            labelled(
                label,
                dropdown(component_id, options, value, clearable=False, placeholder="Choisissez…"),
                wide=True,
            ),
            *([synced_store(synced)] if synced else []),
        ],
    )


def filter_bar(prefix: str, selected: dict[str, list], with_wave: bool = False) -> html.Div:
    """Certification(s), years, access routes and sites; ids ``<prefix>-certification`` etc."""
    options = filter_options()

    def field(name, label, placeholder):
        values = selected.get(name, [])
        if name == "year":
            values = [int(v) for v in values if str(v).isdigit()]
        return labelled(
            label, dropdown(f"{prefix}-{name}", options[name], values, multi=True, placeholder=placeholder)
        )

    children = [
        field("certification", "Certification(s)", "Toutes les certifications"),
        field("year", "Années d'obtention", "Toutes les années"),
        field("access_route", "Voies d'accès", "Toutes les voies"),
        field("site", "Sites", "Tous les sites"),
        field("partner", "Partenaires", "Tous les partenaires"),  # issue #16
    ]
    children.append(synced_store(prefix))
    if with_wave:
        wave = (selected.get("wave") or ["6"])[0]
        children.append(
            labelled(
                "Enquête",
                dcc.RadioItems(
                    id=f"{prefix}-wave",
                    options=[{"label": f"à {name}", "value": m} for m, name in WAVE_LABELS.items()],
                    value=24 if wave == "24" else 6,
                    inline=True,
                ),
            )
        )
    return html.Div(className="filters", children=children)


FILTER_KEYS = {
    "certification": "cert",
    "year": "year",
    "access_route": "route",
    "site": "site",
    "partner": "partenaire",  # issue #16: partner_key values (SIRET, « nom:… » or « aucun »)
    "wave": "wave",
}


def selection(fragment: str | None) -> dict[str, list]:
    """URL fragment (``#cert=RNCP34179&year=2017,2018``) -> the filter values of :func:`filter_bar`."""
    parsed = parse_filters((fragment or "").lstrip("#"))
    return {name: parsed.get(key, []) for name, key in FILTER_KEYS.items()}


def sync_filters(prefix: str, names: list[str], single: tuple[str, ...] = ()) -> None:
    """Keep a page's filters and the URL fragment in step, in the browser (``assets/filters.js``): when
    the page is drawn (``<prefix>-synced`` still false) the filters take the link's values — a link pasted
    into the address bar of an open page redraws it (``assets/links.js``) — and every change of a filter
    is written back to the link, keeping the keys of other pages (so the menu carries every filter from
    page to page). ``single``: filters holding one value (the Certification page's certification: the
    first of the link's). The filter values are always returned, so the page's callbacks run after."""
    spec = {"names": names, "keys": {n: FILTER_KEYS[n] for n in names}, "single": list(single)}
    clientside_callback(
        f"function () {{ return window.insertionFilters.sync({json.dumps(spec)}, arguments); }}",
        *[Output(f"{prefix}-{n}", "value") for n in names],
        Output("url", "hash", allow_duplicate=True),
        Output(f"{prefix}-synced", "data"),
        *[Input(f"{prefix}-{n}", "value") for n in names],
        State(f"{prefix}-synced", "data"),
        prevent_initial_call="initial_duplicate",
    )


def synced_store(prefix: str) -> dcc.Store:
    """Place this in a page that calls :func:`sync_filters`."""
    return dcc.Store(id=f"{prefix}-synced", data=False)


# The toolbar keeps its image download for the mouse; assets/a11y.js takes its buttons out of the tab order
# (the keyboard reads the chart's summary and data table instead: issue #26).
GRAPH_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}
DATA_TABLE = "Données du graphique"


def graph(component_id: str, className: str = "", **kwargs) -> html.Figure:
    """A chart that fits its column (phones included), toolbar without Plotly's logo, and its text
    equivalent (RGAA 1.3, WCAG 1.1.1): the figure's ``alternative`` (``figures.figure``) names the chart,
    gives its one-sentence summary (visible, under it) and its data as a table (« Données du graphique »,
    headers, n/N and ⚠ as on the page). ``assets/a11y.js`` writes them from the figure, whichever callback
    drew it: a page only places ``graph(...)`` and returns ``figures.figure(..., alternative)``."""
    return html.Figure(
        className=" ".join(["chart", className]).strip(),
        children=[
            dcc.Graph(id=component_id, config=GRAPH_CONFIG, **kwargs),
            html.P(id=f"{component_id}-summary", className="chart-summary", **{"aria-live": "polite"}),
            html.Details(
                className="chart-data",
                children=[
                    html.Summary(DATA_TABLE),
                    html.Div(id=f"{component_id}-data", className="chart-table"),
                ],
            ),
        ],
    )


def kpi_card(card: dict) -> html.Div:
    """A KPI card (see ``figures.kpis``): label, value, n/N, interval, « ⚠ » under the threshold."""
    return html.Div(
        className="kpi" + (" kpi-small" if card["small"] else ""),
        children=[
            html.Div(card["label"], className="kpi-label"),
            html.Div(card["value"], className="kpi-value"),
            html.Div(card["detail"], className="kpi-detail"),
            html.Div(card["interval"], className="kpi-interval"),
            html.Div("⚠ petit effectif" if card["small"] else "", className="kpi-flag"),
        ],
    )
