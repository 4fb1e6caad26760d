"""The pack's sheets laid out as a dossier (issue #26, RGAA 13.3: the accessible equivalent of the workbook):
France Compétences' table as the fiche shows it (each rate with its n/N and ⚠ in the cell), the detail
transposed (indicators as rows, promotions as columns), every table with a caption and header cells,
nothing wider than the page. HTML fragments; the document around them is :mod:`.html`."""

from __future__ import annotations

import html
from datetime import date, datetime

import pandas as pd

from pipeline.indicators import FICHE, RATE
from pipeline.indicators.dossier import FLAG_COLUMNS, STAT_COLUMNS
from pipeline.indicators.formats import (
    DASH,
    NBSP,
    fr_date,
    fr_decimal,
    fr_int,
    fr_pct,
    missing,
    rate_text,
)
from pipeline.indicators.registry import WAVES

YEAR = STAT_COLUMNS["year"]
WIDE = 8  # a table of more columns is transposed (when it has few rows) or set on a landscape page
FEW_ROWS = 12
IDENTITY = (YEAR, "Promotion", "Vague")  # what names a row of a wide sheet, becoming a column when transposed
YEARS = (YEAR, "Promotion", "Année")  # years: « 2018 », never « 2 018 »


def esc(value) -> str:
    return html.escape(str(value), quote=True)


def cell(value, column: str = "") -> str:
    """A value as the dossier prints it: « 1 234 », « 88 % », « 71,2 », « 27 300 € », jj/mm/aaaa, « – »."""
    if isinstance(value, str):
        return value
    if missing(value):
        return DASH
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, (datetime, date, pd.Timestamp)):
        return fr_date(value)
    if not isinstance(value, (int, float)) and hasattr(value, "item"):
        value = value.item()
    if isinstance(value, (int, float)):
        if column in YEARS:
            return str(int(value))
        if "IC 95" in column:
            return fr_decimal(value)
        if "%" in column:
            return fr_pct(round(value))
        if "(€)" in column:
            return f"{fr_int(round(value))}{NBSP}€"
        if float(value).is_integer():
            return fr_int(value)
        return fr_decimal(value)
    return str(value)


def table(
    caption: str, header: list[str], rows: list[list[str]], row_headers: bool = True, cls: str = ""
) -> str:
    """A data table: its caption, column header cells (scope col), the first cell of each row a row header
    (scope row) when ``row_headers``; cells already formatted. A « ⚠ » column (its header starts with ⚠)
    gets the room its sentences need, so that it never stretches a row."""
    flag = [' class="flag"' if str(h).startswith("⚠") else "" for h in header]
    head = "".join(f'<th scope="col"{flag[i]}>{esc(h)}</th>' for i, h in enumerate(header))
    body = []
    for row in rows:
        cells = [
            f'<th scope="row">{esc(v)}</th>' if i == 0 and row_headers else f"<td{flag[i]}>{esc(v)}</td>"
            for i, v in enumerate(row)
        ]
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not rows:
        body.append(f'<tr><td colspan="{len(header)}">Aucune ligne.</td></tr>')
    klass = f' class="{cls}"' if cls else ""
    first = {"detail": 40, "text": 28}.get(cls)  # the row headers' share of the width (fixed layout)
    cols = ""
    if first and len(header) > 1:
        rest = (100 - first) / (len(header) - 1)
        cols = f'<colgroup><col style="width:{first}%">' + f'<col style="width:{rest:.2f}%">' * (
            len(header) - 1
        )
        cols += "</colgroup>"
    elif cls == "list":  # many columns: each as wide as its longest text asks, within bounds (fixed layout)
        weights = [
            40
            if flag[i]
            else max([6, *(len(word) + 2 for word in str(header[i]).split())])
            + min(24, max([0] + [len(str(r[i])) for r in rows])) // 2
            for i in range(len(header))
        ]
        cols = "<colgroup>" + "".join(f'<col style="width:{100 * w / sum(weights):.2f}%">' for w in weights)
        cols += "</colgroup>"
    return (
        f"<table{klass}><caption>{esc(caption)}</caption>{cols}<thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


# --- the statistics sheets (Statistiques, Par voie d'accès, Par partenaire) -----------------------------


def is_stat_sheet(frame: pd.DataFrame) -> bool:
    return YEAR in frame.columns and all(STAT_COLUMNS[k] in frame.columns for k in FICHE)


def _keyed(record: dict) -> dict:
    """A row of a statistics sheet (French headers) -> by the registry's keys."""
    return {key: record.get(column) for key, column in STAT_COLUMNS.items()}


def rate_of(row: dict, key: str, threshold: int) -> str:
    """« 88 % (29/33) », « 100 % (9/9) ⚠ »: the rate with its own n/N, ⚠ under the threshold."""
    rate = RATE[key]
    return rate_text(row.get(key), row.get(rate.numerator), row.get(rate.denominator), threshold)


def interval_of(row: dict, key: str) -> str:
    low, high = row.get(f"{key}_low"), row.get(f"{key}_high")
    if missing(low) or missing(high):
        return DASH
    return f"{fr_decimal(low)}–{fr_decimal(high)}{NBSP}%"


def fiche_table(records: list[dict], threshold: int, caption: str) -> str:
    """France Compétences' table as the fiche shows it, newest promotion first."""
    header = [STAT_COLUMNS[k] for k in FICHE[:3]] + [
        f"{RATE[k].label.removesuffix(' (en %)')} (n/N)" for k in FICHE[3:]
    ]
    header[0] = "Année"
    rows = []
    for record in sorted(records, key=lambda r: -int(r["year"])):
        rows.append(
            [str(int(record["year"])), cell(record["certified"]), cell(record["certified_vae"])]
            + [rate_of(record, k, threshold) for k in FICHE[3:]]
        )
    return table(caption, header, rows)


def _wave_lines(w: str) -> list[tuple[str, str]]:
    """(kind, key) of a wave's detail, in reading order; kind: count, rate, interval, flag."""
    lines = [("count", f"respondents_{w}"), ("count", f"non_respondents_{w}"), ("rate", f"response_rate_{w}")]
    lines += [("count", f"neutralised_{w}"), ("count", f"denominator_{w}"), ("count", f"employed_{w}")]
    lines += [("rate", f"insertion_rate_{w}"), ("interval", f"insertion_rate_{w}")]
    lines += [
        ("count", f"in_target_{w}"),
        ("rate", f"target_job_rate_{w}"),
        ("interval", f"target_job_rate_{w}"),
    ]
    return lines + [("count", f"pending_review_{w}"), ("flag", w)]


def detail_table(
    records: list[dict], flags: list[dict], threshold: int, waves: list[str], caption: str
) -> str:
    """The detail behind the fiche, transposed: one row per indicator, one column per promotion (oldest
    first); rates with their n/N and ⚠; the wave's ⚠ line names every fragile rate with its n/N."""
    ordered = sorted(range(len(records)), key=lambda i: int(records[i]["year"]))
    header = ["Indicateur"] + [str(int(records[i]["year"])) for i in ordered]
    rows = []
    for w in waves:
        for kind, key in _wave_lines(w):
            if kind == "count":
                label = STAT_COLUMNS[key]
                values = [cell(records[i].get(key)) for i in ordered]
            elif kind == "rate":
                label = f"{RATE[key].label.removesuffix(' (en %)').replace(', en %)', ')')} (n/N)"
                values = [rate_of(records[i], key, threshold) for i in ordered]
            elif kind == "interval":
                label = f"{RATE[key].short} : intervalle de confiance à 95 %"
                values = [interval_of(records[i], key) for i in ordered]
            else:
                label = FLAG_COLUMNS[key]
                values = [flags[i].get(FLAG_COLUMNS[key]) or "aucun" for i in ordered]
            rows.append([label, *values])
    return table(caption, header, rows, cls="detail")


def stat_sheet(name: str, frame: pd.DataFrame, threshold: int, chart: str = "") -> str:
    """A statistics sheet: without groups (Statistiques), the fiche's table (then ``chart``) and the detail
    of each wave; with groups (routes, partners), per group its fiche table and its detail."""
    groups = list(frame.columns[: list(frame.columns).index(YEAR)])
    records = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    if not groups:
        keyed = [_keyed(r) for r in records]
        parts = [
            "<h3>Tableau de la fiche</h3>",
            fiche_table(
                keyed,
                threshold,
                "Statistiques telles que France Compétences les publie sur la fiche, chaque taux avec son "
                "effectif (n/N)",
            ),
            chart,
        ]
        for w, (_, wave_name) in WAVES.items():
            parts += [
                f"<h3>Détail de l'enquête à {esc(wave_name)}</h3>",
                detail_table(
                    keyed, records, threshold, [w], f"Enquête à {wave_name} : effectifs et taux par promotion"
                ),
            ]
        return "".join(parts)
    parts = []
    seen: dict[tuple, list[dict]] = {}
    for r in records:
        seen.setdefault(tuple(r[g] for g in groups), []).append(r)
    for key, rows in seen.items():
        who = " — ".join(cell(v) for v in key if not missing(v) and v != "") or "Sans partenaire"
        keyed = [_keyed(r) for r in rows]
        parts += [
            f"<h3>{esc(who)}</h3>",
            fiche_table(keyed, threshold, f"{name} — {who} : taux de la fiche, chaque taux avec son n/N"),
            detail_table(keyed, rows, threshold, list(WAVES), f"{name} — {who} : détail par promotion"),
        ]
    return "".join(parts)


# --- every other sheet ----------------------------------------------------------------------------------


def methodology(frame: pd.DataFrame) -> str:
    """Méthodologie: one table per heading (Rubrique), each element a row header beside its value."""
    parts = []
    for rubric, part in frame.groupby("Rubrique", sort=False):
        parts.append(f"<h3>{esc(rubric)}</h3>")
        rows = [[cell(e), cell(v)] for e, v in zip(part["Élément"], part["Valeur"], strict=True)]
        parts.append(table(f"Méthodologie — {rubric}", ["Élément", "Valeur"], rows, cls="text"))
    return "".join(parts)


def generic(title: str, frame: pd.DataFrame) -> tuple[str, bool]:
    """Any other table: transposed when wide and short (its identity columns become the columns), else as
    it is. Returns (html, wide): ``wide`` when it needs a landscape page."""
    frame = frame.astype(object).where(frame.notna(), None)
    columns = [str(c) for c in frame.columns]
    identity = [c for c in columns if c in IDENTITY]
    if len(columns) > WIDE and identity and 0 < len(frame) <= FEW_ROWS:
        names = [" · ".join(cell(r[c], c) for c in identity) for r in frame.to_dict(orient="records")]
        rows = [
            [column, *[cell(v, column) for v in frame[column]]]
            for column in columns
            if column not in identity
        ]
        return table(title, ["Indicateur", *names], rows, cls="detail"), False
    rows = [[cell(v, c) for v, c in zip(r, columns, strict=True)] for r in frame.itertuples(index=False)]
    wide = len(columns) > WIDE
    return table(title, columns, rows, row_headers=False, cls="list" if wide else ""), wide
