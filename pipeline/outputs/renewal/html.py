"""The pack as one self-contained, printable HTML dossier: the accessible equivalent of the workbook (RGAA
13.3, issue #26) and the source of its tagged PDF (:mod:`.pdf`).

One section per sheet, each with its heading and a sentence saying what it holds; every table with a
caption and header cells; the rates with their n/N and ⚠ in the cell; the detail transposed (indicators
as rows, promotions as columns) so that nothing is wider than an A4 page or a 1 100 px window; the chart
named by a sentence written from its figures, its series told apart by line and marker as well as colour,
its legend under it; ``lang="fr"``; nothing fetched from outside."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from pipeline.core.exports import write_atomic
from pipeline.indicators import FICHE, RATE
from pipeline.indicators.formats import SMALL, rate_series, rate_text, small_note
from pipeline.outputs.renewal.layout import generic, is_stat_sheet, methodology, stat_sheet
from pipeline.outputs.renewal.pack import Pack

# the chart's series: colour (3:1 at least on white: tests/unit/test_contrast.py), dash, marker
SERIES = [("#1f4e79", "", "circle"), ("#2e7d4f", "6 3", "square"), ("#a8620b", "2 3", "diamond")]
INTROS = {
    "Statistiques": "Les chiffres de la fiche RNCP, calculés à partir des données individuelles, puis le "
    "détail de chaque vague d'enquête.",
    "Par voie d'accès": "Les mêmes statistiques pour chaque voie d'accès à la certification.",
    "Emplois occupés": "Un emploi par répondant en emploi et par vague (référence pseudonymisée), et la "
    "façon dont son adéquation au métier visé a été décidée.",
    "Adéquation": "Les emplois occupés rapportés aux métiers visés par la fiche.",
    "Conditions d'emploi": "Contrat, temps de travail, statut et salaire des répondants en emploi, puis "
    "d'autres définitions du taux d'emploi côte à côte.",
    "Méthodologie": "Les définitions, les règles, les réglages et les fichiers derrière les chiffres.",
    "Qualité": "Les contrôles des données et le contrôle de la non-réponse.",
    "Alertes": "Ce qui demande une action avant le dépôt du dossier.",
    "Par partenaire": "Les statistiques de chaque organisme habilité.",
    "Déclarations": "Les derniers chiffres déclarés, à côté des chiffres actuels.",
}
LANDSCAPE = {"Emplois occupés", "Qualité"}  # long lists of many columns: a landscape page


def anchor(name: str) -> str:
    return "s-" + "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")


def _marker(shape: str, x: float, y: float, fill: str, color: str, title: str) -> str:
    common = f'fill="{fill}" stroke="{color}" stroke-width="1.5"'
    if shape == "square":
        body = f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" {common}>'
        return body + f"<title>{title}</title></rect>"
    if shape == "diamond":
        points = f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x - 5:.1f},{y:.1f}"
        return f'<polygon points="{points}" {common}><title>{title}</title></polygon>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" {common}><title>{title}</title></circle>'


def chart_summary(trend: pd.DataFrame) -> str:
    """« Insertion globale à 6 mois : 88 % en 2017, 100 % en 2018 ; Métier visé à 6 mois : … »."""
    rows = trend.to_dict(orient="records")
    return (
        " ; ".join(rate_series(RATE[k].short, [(int(r["year"]), r[k]) for r in rows]) for k in FICHE[3:])
        + "."
    )


def svg_trend(trend: pd.DataFrame, threshold: int) -> str:
    """A self-contained SVG line chart of the three published rates by year, named by its summary; each
    point tells its rate and n/N (a tooltip); a point whose own denominator is under the threshold is
    hollow and marked « ⚠ » (M24); the legend stands under the plot, each series with its line and marker."""
    if trend is None or trend.empty:
        return ""
    width, plot_height, left, bottom = 640, 230, 50, 30
    height = plot_height + 28 * len(SERIES) + 10
    years = [int(y) for y in trend["year"]]
    xs = {y: left + (i + 0.5) * (width - left - 10) / len(years) for i, y in enumerate(years)}

    def y_of(v):
        return 14 + (plot_height - bottom - 14) * (1 - v / 100)

    name = "Évolution des taux publiés par année d'obtention : " + chart_summary(trend)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{html.escape(name)}"><title>{html.escape(name)}</title>'
    ]
    for v in (0, 25, 50, 75, 100):
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y_of(v):.1f}" y2="{y_of(v):.1f}" stroke="#d0d5dc"/>'
            f'<text x="{left - 6}" y="{y_of(v) + 4:.1f}" font-size="11" text-anchor="end">{v} %</text>'
        )
    for y, x in xs.items():
        parts.append(
            f'<text x="{x:.1f}" y="{plot_height - 8}" font-size="11" text-anchor="middle">{y}</text>'
        )
    for i, (column, (color, dash, shape)) in enumerate(zip(FICHE[3:], SERIES, strict=True)):
        rate = RATE[column]
        points = [
            (xs[int(r["year"])], y_of(float(r[column])), r)
            for r in trend.to_dict(orient="records")
            if r[column] is not None and not pd.isna(r[column])
        ]
        stroke = f'stroke="{color}" stroke-width="2"' + (f' stroke-dasharray="{dash}"' if dash else "")
        if len(points) > 1:
            parts.append(
                f'<polyline fill="none" {stroke} points="'
                + " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
                + '"/>'
            )
        for x, y, r in points:
            text = rate_text(r[column], r[rate.numerator], r[rate.denominator], threshold)
            small = text.endswith(SMALL)
            title = html.escape(f"{rate.short}, {int(r['year'])} : {text}")
            parts.append(_marker(shape, x, y, "#ffffff" if small else color, color, title))
            if small:
                parts.append(
                    f'<text x="{x + 6:.1f}" y="{y - 6:.1f}" font-size="10" fill="#1b1f24">{SMALL}</text>'
                )
        ly = plot_height + 14 + 28 * i
        parts.append(
            f'<g class="legend"><line x1="{left}" x2="{left + 40}" y1="{ly}" y2="{ly}" {stroke}/>'
            + _marker(shape, left + 20, ly, color, color, html.escape(rate.short))
            + f'<text x="{left + 50}" y="{ly + 4}" font-size="12" fill="#1b1f24">{html.escape(rate.short)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def figure(pack: Pack) -> str:
    svg = svg_trend(pack.trend, pack.threshold)
    if not svg:
        return ""
    return (
        f'<figure class="chart">{svg}<figcaption><strong>Évolution des taux publiés par année '
        f"d'obtention.</strong> {html.escape(chart_summary(pack.trend))} Point creux : "
        f"{html.escape(small_note(pack.threshold))} Les chiffres sont dans le tableau de la fiche "
        "ci-dessus.</figcaption></figure>"
    )


def section(pack: Pack, name: str, content) -> str:
    blocks = content if isinstance(content, list) else [(None, content)]
    parts = [f'<h2 id="{anchor(name)}">{html.escape(name)}</h2>']
    if name in INTROS:
        parts.append(f'<p class="intro">{html.escape(INTROS[name])}</p>')
    wide = name in LANDSCAPE
    for title, frame in blocks:
        caption = title or name
        if title:
            parts.append(f"<h3>{html.escape(title)}</h3>")
        if is_stat_sheet(frame):
            chart = figure(pack) if name == "Statistiques" else ""
            parts.append(stat_sheet(name, frame, pack.threshold, chart))
        elif name == "Méthodologie" and {"Rubrique", "Élément", "Valeur"} <= set(frame.columns):
            parts.append(methodology(frame))
        else:
            fragment, too_wide = generic(caption, frame)
            wide = wide or too_wide
            parts.append(fragment)
    klass = "sheet wide" if wide else "sheet"
    return f'<section class="{klass}" aria-labelledby="{anchor(name)}">' + "".join(parts) + "</section>"


STYLE = """
@page { size: A4; margin: 14mm 12mm; @bottom-right { content: "page " counter(page) " / " counter(pages); font-size: 8pt; color: #4a535e; } }
@page wide { size: A4 landscape; }
html { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; color: #1b1f24; background: #fff; }
body { margin: 0 auto; max-width: 1060px; padding: 0 12px; line-height: 1.35; }
h1 { font-size: 17pt; margin: 0 0 4pt; } h2 { font-size: 13pt; margin: 20pt 0 6pt; border-bottom: 2px solid #1f4e79; break-after: avoid; }
h3 { font-size: 11pt; margin: 12pt 0 4pt; break-after: avoid; }
.meta, .intro { color: #4a535e; } nav ol { columns: 2; margin: 4pt 0; }
a { color: #1f4e79; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0 10pt; font-size: 8.5pt; }
caption { text-align: left; font-weight: bold; padding: 2pt 0 4pt; caption-side: top; }
th, td { border: 1px solid #b8c0ca; padding: 2pt 4pt; text-align: left; vertical-align: top; overflow-wrap: break-word; }
table.detail, table.text, table.list { table-layout: fixed; }
thead th { background: #eef2f7; } th.flag, td.flag { width: 24%; }
tbody th { font-weight: normal; background: #f7f9fb; }
tr { break-inside: avoid; } thead { display: table-header-group; }
section.wide { page: wide; }
figure.chart { margin: 8pt 0; break-inside: avoid; } figure.chart svg { max-width: 100%; height: auto; }
figcaption { font-size: 9pt; color: #1b1f24; }
"""


def render_html(pack: Pack) -> str:
    """The same content as the workbook, as one self-contained, printable (A4) and accessible HTML page."""
    sections = [section(pack, name, content) for name, content in pack.sheets.items()]
    contents = "".join(f'<li><a href="#{anchor(name)}">{html.escape(name)}</a></li>' for name in pack.sheets)
    title = f"Dossier de renouvellement {pack.code} — {pack.title}"
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<header><h1>{html.escape(pack.code)} — {html.escape(pack.title)}</h1>"
        f'<p class="meta">Dossier de renouvellement : annexe « insertion professionnelle » pour France '
        f"Compétences.<br>Certificateur(s) : {html.escape(pack.certifiers)}<br>"
        + (f"<strong>{html.escape(pack.partner)}</strong><br>" if pack.partner else "")
        + f"Promotions : {', '.join(map(str, pack.years))} — généré le {pack.generated:%d/%m/%Y à %H:%M}<br>"
        f"{html.escape(small_note(pack.threshold))}</p></header>"
        f'<nav aria-label="Sommaire"><h2 id="sommaire">Sommaire</h2><ol>{contents}</ol></nav>'
        "<main>" + "".join(sections) + "</main></body></html>"
    )


def write_html(pack: Pack, path: Path) -> None:
    write_atomic(path, lambda target: target.write_text(render_html(pack), encoding="utf-8"))
