"""The public results of a certification (a page or a file for the certifier's website; Qualiopi
indicator 2): the fiche's rates with their base and interval, and the response rates, disclosed for
the ``public`` audience: a cell whose base is under the small-cohort threshold is replaced by « secret
statistique », together with everything that would let one recompute it (see
:mod:`pipeline.indicators.disclosure`). No per-person list, no per-route breakdown."""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.core.errors import InputError
from pipeline.core.exports import csv_text, write_atomic
from pipeline.indicators import FICHE, RATE, label
from pipeline.indicators.disclosure import AUDIENCE_LABELS, disclose
from pipeline.indicators.formats import fr_int, fr_pct, interval, missing, secret
from pipeline.reports import fiches
from pipeline.reports.statistics import statistics

AUDIENCE = "public"
RATES = [k for k in FICHE if k in RATE] + ["response_rate_6m", "response_rate_24m"]


def table(
    con: duckdb.DuckDBPyConnection, code: str, threshold: int, years: list[int] | None = None
) -> pd.DataFrame:
    """One row per year: certified, of whom VAE, and for each published rate its value, base and 95 %
    interval — or empty with ``<rate>_suppressed`` set. Raises :class:`InputError` when nothing to publish."""
    stats = statistics(con, code, years=years or None)
    if stats.empty:
        raise InputError(code, "unknown certification, or no certified candidates for these years")
    shown = disclose(stats, AUDIENCE, threshold)
    out = shown[["year", "certified", "certified_vae"]].copy()
    for key in RATES:
        rate = RATE[key]
        out[key] = shown[key]
        out[f"{key}_base"] = shown[rate.denominator]
        out[f"{key}_low"], out[f"{key}_high"] = shown[f"{key}_low"], shown[f"{key}_high"]
        out[f"{key}_suppressed"] = shown.get(f"{key}_suppressed", False)
    return out


def _cell(row, key: str, threshold: int) -> str:
    if row[f"{key}_suppressed"]:
        return secret(threshold)
    if missing(row[key]):
        return "–"
    return f"{fr_pct(row[key])} (base {fr_int(row[f'{key}_base'])} ; {interval(row[f'{key}_low'], row[f'{key}_high'])})"


def to_csv(frame: pd.DataFrame, threshold: int) -> str:
    """CSV for French Excel (:func:`pipeline.core.exports.csv_text`: BOM, ``;``): numbers as numbers, suppressed cells empty
    with a « secret statistique » column."""
    headers = {
        "year": label("year"),
        "certified": label("certified"),
        "certified_vae": label("certified_vae"),
    }
    columns = ["year", "certified", "certified_vae"]
    for key in RATES:
        for suffix, words in (
            ("", RATE[key].label),
            ("_base", f"{RATE[key].short} : base de calcul"),
            ("_low", label(f"{key}_low")),
            ("_high", label(f"{key}_high")),
        ):
            headers[key + suffix] = words
            columns.append(key + suffix)
        headers[f"{key}_suppressed"] = f"{RATE[key].short} : {secret(threshold)}"
        columns.append(f"{key}_suppressed")
    data = frame[columns].astype(object).where(frame[columns].notna(), None)
    for key in RATES:
        data[f"{key}_suppressed"] = data[f"{key}_suppressed"].map({True: "oui", False: ""})
    return csv_text(data.rename(columns=headers))


def to_html(frame: pd.DataFrame, code: str, title: str, threshold: int) -> str:
    """A self-contained page to put on a website."""
    head = [label("year"), label("certified"), label("certified_vae"), *(RATE[k].label for k in RATES)]
    rows = "".join(
        "<tr>"
        + f"<td>{int(r['year'])}</td><td>{fr_int(r['certified'])}</td><td>{fr_int(r['certified_vae'])}</td>"
        + "".join(f"<td>{html.escape(_cell(r, k, threshold))}</td>" for k in RATES)
        + "</tr>"
        for r in frame.to_dict(orient="records")
    )
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>Résultats {html.escape(code)}</title><style>"
        "body{font-family:Arial,sans-serif;color:#1b1f24;max-width:70em;margin:1em auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #d8dee6;padding:4px 6px;text-align:left}"
        "th{background:#eef2f7}.meta{color:#5b6573}</style></head><body>"
        f"<h1>{html.escape(code)} — {html.escape(title)}</h1>"
        "<p>Taux d'insertion professionnelle des titulaires, calculés selon la méthode de France Compétences "
        "(répondants en emploi ÷ (répondants − neutralisés)), avec la base de calcul et l'intervalle de "
        f"confiance à 95 %. Les cases dont la base est inférieure à {threshold} personnes ne sont pas "
        "publiées (secret statistique).</p>"
        f"<table><thead><tr>{''.join(f'<th>{html.escape(h)}</th>' for h in head)}</tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        f'<p class="meta">{html.escape(AUDIENCE_LABELS[AUDIENCE])}. Publié le {datetime.now():%d/%m/%Y}.</p>'
        "</body></html>"
    )


def publish(con: duckdb.DuckDBPyConnection, code: str, out: Path, threshold: int, years=None) -> Path:
    """Write the public results as HTML (``.html``) or CSV (``.csv``), atomically."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".html", ".htm", ".csv"):
        raise InputError(out, "expected a .html or .csv file name")
    frame = table(con, code, threshold, years)
    if suffix == ".csv":
        text, encoding = to_csv(frame, threshold), "utf-8"  # csv_text starts with the BOM
    else:
        info = fiches.summary(con, code) or {}
        text, encoding = to_html(frame, code, info.get("title") or "", threshold), "utf-8"
    write_atomic(out, lambda target: target.write_text(text, encoding=encoding))
    return out
