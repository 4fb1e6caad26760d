"""Building blocks shared by the pages: downloadable tables, filters kept in the URL, empty states."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlencode

import pandas as pd
from dash import ALL, MATCH, Input, Output, State, callback, ctx, dash_table, dcc, html, no_update

from pipeline.exports import csv_text, safe_frame
from pipeline.labels import WAVE_LABELS, route_label

from . import data


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
    prevent_initial_call=True,
)
def download(_clicks, rows, columns):
    """Every table's CSV (UTF-8 with BOM, ';', as French spreadsheets expect) or XLSX download."""
    if not ctx.triggered_id or not rows:
        return None
    fmt, name = ctx.triggered_id["format"], ctx.triggered_id["table"]
    frame = pd.DataFrame(rows)[[c["id"] for c in columns]]
    frame.columns = [c["name"] for c in columns]
    return export(frame, name, fmt)


def export(frame: pd.DataFrame, name: str, fmt: str) -> dict:
    if fmt == "xlsx":
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            safe_frame(frame).to_excel(writer, index=False, sheet_name=name[:31])
            sheet = writer.sheets[name[:31]]
            sheet.freeze_panes = "A2"
            for i, column in enumerate(frame.columns, start=1):
                width = max([len(str(column))] + [len(str(v)) for v in frame.iloc[:, i - 1].head(200)])
                sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = min(60, width + 2)
        return dcc.send_bytes(buffer.getvalue(), f"{name}.xlsx")
    return dcc.send_string(csv_text(frame), f"{name}.csv", type="text/csv;charset=utf-8")


def unavailable(table: str = "mart_outcome_counts") -> html.Div | None:
    """The empty state a page shows when there is no snapshot yet or ``table`` is empty, else None."""
    wh = data.get()
    try:
        wh.version()
    except data.NoWarehouse as exc:
        return empty_state(str(exc))
    if not wh.has_rows(table):
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
    """Dropdown options for certification, year, access route and site."""
    frame = data.get().sql_file("filters")
    out: dict[str, list[dict]] = {"certification": [], "year": [], "access_route": [], "site": []}
    for f, value, label in frame.itertuples(index=False):
        if f == "access_route":
            label = route_label(value)
        out[f].append({"label": label, "value": int(value) if f == "year" else value})
    return out


def select(component_id: str, label: str, options: list[dict], value) -> html.Div:
    """One wide single-choice dropdown in a filter band (a page's certification, a validation run)."""
    return html.Div(
        className="filters",
        children=[
            html.Div(
                className="filter filter-wide",
                children=[
                    html.Label(label, htmlFor=component_id),
                    dcc.Dropdown(id=component_id, options=options, value=value, clearable=False),
                ],
            )
        ],
    )


def filter_bar(prefix: str, selected: dict[str, list], with_wave: bool = False) -> html.Div:
    """Certification(s), years, access routes and sites; ids ``<prefix>-certification`` etc."""
    options = filter_options()

    def dropdown(name, label, placeholder):
        values = selected.get(name, [])
        if name == "year":
            values = [int(v) for v in values if str(v).isdigit()]
        return html.Div(
            className="filter",
            children=[
                html.Label(label, htmlFor=f"{prefix}-{name}"),
                dcc.Dropdown(
                    id=f"{prefix}-{name}",
                    options=options[name],
                    value=values,
                    multi=True,
                    placeholder=placeholder,
                ),
            ],
        )

    children = [
        dropdown("certification", "Certification(s)", "Toutes les certifications"),
        dropdown("year", "Années d'obtention", "Toutes les années"),
        dropdown("access_route", "Voies d'accès", "Toutes les voies"),
        dropdown("site", "Sites", "Tous les sites"),
    ]
    children.append(synced_store(prefix))
    if with_wave:
        wave = (selected.get("wave") or ["6"])[0]
        children.append(
            html.Div(
                className="filter",
                children=[
                    html.Label("Enquête", htmlFor=f"{prefix}-wave"),
                    dcc.RadioItems(
                        id=f"{prefix}-wave",
                        options=[{"label": f"à {name}", "value": m} for m, name in WAVE_LABELS.items()],
                        value=24 if wave == "24" else 6,
                        inline=True,
                    ),
                ],
            )
        )
    return html.Div(className="filters", children=children)


FILTER_KEYS = {
    "certification": "cert",
    "year": "year",
    "access_route": "route",
    "site": "site",
    "wave": "wave",
}


def selection(fragment: str | None) -> dict[str, list]:
    """URL fragment (``#cert=RNCP34179&year=2017,2018``) -> the filter values of :func:`filter_bar`."""
    parsed = parse_filters((fragment or "").lstrip("#"))
    return {name: parsed.get(key, []) for name, key in FILTER_KEYS.items()}


def sync_filters(prefix: str, names: list[str]) -> None:
    """Keep a page's filters and the URL fragment in step: a shared link restores the filters when the
    page is drawn (``<prefix>-synced`` is still false), and every change of a filter is written back to
    the link. The filter values are always returned, so the page's callbacks run after this one."""

    @callback(
        *[Output(f"{prefix}-{n}", "value") for n in names],
        Output("url", "hash", allow_duplicate=True),
        Output(f"{prefix}-synced", "data"),
        *[Input(f"{prefix}-{n}", "value") for n in names],
        State("url", "hash"),
        State(f"{prefix}-synced", "data"),
        prevent_initial_call="initial_duplicate",
    )
    def sync(*args):
        *values, fragment, synced = args
        if not synced:
            chosen = selection(fragment)
            restored = []
            for name, current in zip(names, values, strict=True):
                wanted = chosen.get(name) or []
                if name == "year":
                    wanted = [int(v) for v in wanted if str(v).isdigit()]
                if name == "wave":
                    wanted = int(wanted[0]) if wanted and str(wanted[0]).isdigit() else None
                restored.append(wanted if wanted not in ([], None) else current)
            return (*restored, no_update, True)
        link = filters_search(**{FILTER_KEYS[n]: v for n, v in zip(names, values, strict=True)})
        return (*values, "#" + link.lstrip("?"), True)

    return sync


def synced_store(prefix: str) -> dcc.Store:
    """Place this in a page that calls :func:`sync_filters`."""
    return dcc.Store(id=f"{prefix}-synced", data=False)


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
