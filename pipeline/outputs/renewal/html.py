"""The pack as one self-contained, printable HTML page."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from pipeline.core.exports import (
    write_atomic,
)
from pipeline.indicators import FICHE, RATE
from pipeline.indicators.formats import SMALL, rate_text, small_note
from pipeline.outputs.renewal.pack import Pack


def _svg_trend(trend: pd.DataFrame, threshold: int) -> str:
    """A small self-contained SVG line chart of the three published rates by year; each point tells its
    rate and n/N (a tooltip), and a point whose own denominator is under the threshold is hollow and
    marked « ⚠ » (M24)."""
    if trend is None or trend.empty:
        return ""
    width, height, left, bottom = 640, 260, 50, 30
    years = [int(y) for y in trend["year"]]
    xs = {y: left + (i + 0.5) * (width - left - 10) / len(years) for i, y in enumerate(years)}

    def y_of(v):
        return 10 + (height - bottom - 10) * (1 - v / 100)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        'aria-label="Évolution des taux">'
    ]
    for v in (0, 25, 50, 75, 100):
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y_of(v):.1f}" y2="{y_of(v):.1f}" stroke="#e5e7eb"/>'
            f'<text x="{left - 6}" y="{y_of(v) + 4:.1f}" font-size="11" text-anchor="end">{v} %</text>'
        )
    for y, x in xs.items():
        parts.append(f'<text x="{x:.1f}" y="{height - 8}" font-size="11" text-anchor="middle">{y}</text>')
    series = [
        (key, RATE[key].short, color)
        for key, color in zip(FICHE[3:], ("#1f4e79", "#2e8b57", "#c97b12"), strict=True)
    ]
    for i, (column, legend, color) in enumerate(series):
        rate = RATE[column]
        points = [
            (xs[int(r["year"])], y_of(float(r[column])), r)
            for r in trend.to_dict(orient="records")
            if r[column] is not None and not pd.isna(r[column])
        ]
        if len(points) > 1:
            parts.append(
                f'<polyline fill="none" stroke="{color}" stroke-width="2" points="'
                + " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
                + '"/>'
            )
        for x, y, r in points:
            cell = rate_text(r[column], r[rate.numerator], r[rate.denominator], threshold)
            small = cell.endswith(SMALL)
            title = html.escape(f"{legend}, {int(r['year'])} : {cell}")
            fill = "#ffffff" if small else color
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{fill}" stroke="{color}" '
                f'stroke-width="1.5"><title>{title}</title></circle>'
            )
            if small:
                parts.append(
                    f'<text x="{x + 5:.1f}" y="{y - 5:.1f}" font-size="10" fill="{color}">{SMALL}</text>'
                )
        parts.append(
            f'<text x="{left + 10 + i * 200}" y="12" font-size="11" fill="{color}">■ {legend}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def render_html(pack: Pack) -> str:
    """The same content as one self-contained, printable (A4) HTML page."""
    sections = []
    for name, content in pack.sheets.items():
        blocks = content if isinstance(content, list) else [(None, content)]
        tables = "".join(
            (f"<h3>{html.escape(title)}</h3>" if title else "")
            + frame.astype(object)
            .where(frame.notna(), "")
            .to_html(index=False, escape=True, border=0, classes="data")
            for title, frame in blocks
        )
        sections.append(f"<section><h2>{html.escape(name)}</h2>{tables}</section>")
        if name == "Statistiques":
            sections.append(
                f"<figure>{_svg_trend(pack.trend, pack.threshold)}<figcaption>Évolution des taux publiés "
                "par année d'obtention (chaque point donne son n/N au survol). Point creux : "
                f"{small_note(pack.threshold)}</figcaption></figure>"
            )
    style = """
    @page { size: A4 landscape; margin: 12mm; }
    body { font-family: Arial, sans-serif; font-size: 10pt; color: #1b1f24; }
    h1 { font-size: 16pt; margin: 0; } h2 { font-size: 12pt; margin-top: 18pt; border-bottom: 1px solid #1f4e79; }
    table.data { border-collapse: collapse; width: 100%; page-break-inside: auto; font-size: 7.5pt; }
    table.data th { background: #eef2f7; text-align: left; } table.data td, table.data th { border: 1px solid #d8dee6; padding: 3px 5px; }
    tr { page-break-inside: avoid; } section { page-break-inside: auto; } figure { margin: 8pt 0; }
    .meta { color: #5b6573; }
    """
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>Renouvellement {html.escape(pack.code)}</title><style>{style}</style></head><body>"
        f"<h1>{html.escape(pack.code)} — {html.escape(pack.title)}</h1>"
        f'<p class="meta">Certificateur(s) : {html.escape(pack.certifiers)}<br>'
        + (f"<strong>{html.escape(pack.partner)}</strong><br>" if pack.partner else "")
        + "Promotions : "
        f"{', '.join(map(str, pack.years))} — généré le {pack.generated:%d/%m/%Y à %H:%M}</p>"
        + "".join(sections)
        + "</body></html>"
    )


def write_html(pack: Pack, path: Path) -> None:
    write_atomic(path, lambda target: target.write_text(render_html(pack), encoding="utf-8"))
