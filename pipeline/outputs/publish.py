"""The public results of a certification (a page or a file for the certifier's website; Qualiopi
indicator 2): the fiche's rates with their base and interval, and the response rates, disclosed for
the ``public`` audience (:func:`pipeline.indicators.disclosure.suppress`): a rate whose own base is under
the small-cohort threshold is replaced by « secret statistique » and that base, and a rate that would let
a reader recompute a hidden cell by « secret secondaire ». The publication states its rule (the HTML page
in its notes, the CSV in the « LISEZMOI » file written beside it). No per-person list, no per-route
breakdown."""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.core.errors import InputError
from pipeline.core.exports import csv_text, write_atomic
from pipeline.indicators import COUNT, FICHE, RATE, label
from pipeline.indicators.disclosure import AUDIENCE_LABELS, disclose, public_rule
from pipeline.indicators.formats import fr_int, fr_pct, interval, missing, secret
from pipeline.reports import accrochage, fiches
from pipeline.reports.statistics import statistics

AUDIENCE = "public"
RATES = [k for k in FICHE if k in RATE] + ["response_rate_6m", "response_rate_24m"]


def table(
    con: duckdb.DuckDBPyConnection, code: str, threshold: int, years: list[int] | None = None
) -> pd.DataFrame:
    """One row per year: certified, of whom VAE, and for each published rate its value, base and 95 %
    interval — or empty, with ``<rate>_suppressed`` set and ``<rate>_secret`` saying why (the French
    words of the cell). Raises :class:`InputError` when nothing to publish."""
    stats = statistics(con, code, years=years or None)
    if stats.empty:
        raise InputError(code, "certification inconnue, ou aucun certifié pour ces années")
    shown = disclose(stats, AUDIENCE, threshold, RATES)
    out = shown[["year", "certified", "certified_vae"]].copy()
    for key in RATES:
        gone = shown[f"{key}_suppressed"].astype(bool)
        out[key] = shown[key]
        out[f"{key}_base"] = stats[RATE[key].denominator].astype("object").where(~gone, None)
        out[f"{key}_low"], out[f"{key}_high"] = shown[f"{key}_low"], shown[f"{key}_high"]
        out[f"{key}_suppressed"] = gone
        out[f"{key}_secret"] = [
            secret(threshold, key, reason) if hide else ""
            for reason, hide in zip(shown[f"{key}_secret"], gone, strict=True)
        ]
    return out


def base_header(key: str) -> str:
    """« Taux de réponse à 6 mois : base (nombre de certifiés) »: which count the base of a rate is."""
    return f"{RATE[key].short} : base ({COUNT[RATE[key].denominator].base})"


def _cell(row, key: str) -> str:
    if row[f"{key}_suppressed"]:
        return row[f"{key}_secret"]
    if missing(row[key]):
        return "–"
    return f"{fr_pct(row[key])} (base {fr_int(row[f'{key}_base'])} ; {interval(row[f'{key}_low'], row[f'{key}_high'])})"


def to_csv(frame: pd.DataFrame) -> str:
    """CSV for French Excel (:func:`pipeline.core.exports.csv_text`: BOM, ``;``): numbers as numbers,
    suppressed cells empty with a « secret statistique » column saying why."""
    headers = {
        "year": label("year"),
        "certified": label("certified"),
        "certified_vae": label("certified_vae"),
    }
    columns = ["year", "certified", "certified_vae"]
    for key in RATES:
        for suffix, words in (
            ("", RATE[key].label),
            ("_base", base_header(key)),
            ("_low", label(f"{key}_low")),
            ("_high", label(f"{key}_high")),
            ("_secret", f"{RATE[key].short} : secret statistique"),
        ):
            headers[key + suffix] = words
            columns.append(key + suffix)
    data = frame[columns].astype(object).where(frame[columns].notna(), None)
    return csv_text(data.rename(columns=headers))


def notes(threshold: int, published: datetime, source: str | None = None) -> list[str]:
    """What the publication says of itself: what the rates are, and the rule of its secret cells; ``source``:
    where the certified come from when it is not the jury files (issue #27)."""
    return [
        "Taux d'insertion professionnelle des titulaires, calculés selon la méthode de France Compétences "
        "(répondants en emploi ÷ (répondants − neutralisés)), avec leur base et leur intervalle de "
        "confiance à 95 % ; taux de réponse = répondants ÷ certifiés.",
        *([source] if source else []),
        *public_rule(threshold),
        f"{AUDIENCE_LABELS[AUDIENCE][0].upper()}{AUDIENCE_LABELS[AUDIENCE][1:]} (seuil : {threshold}). "
        f"Publié le {published:%d/%m/%Y}.",
    ]


def to_html(frame: pd.DataFrame, code: str, title: str, threshold: int, source: str | None = None) -> str:
    """A self-contained page to put on a website, its rule stated under the table."""
    head = [label("year"), label("certified"), label("certified_vae"), *(RATE[k].label for k in RATES)]
    rows = "".join(
        "<tr>"
        + f"<td>{int(r['year'])}</td><td>{fr_int(r['certified'])}</td><td>{fr_int(r['certified_vae'])}</td>"
        + "".join(f"<td>{html.escape(_cell(r, k))}</td>" for k in RATES)
        + "</tr>"
        for r in frame.to_dict(orient="records")
    )
    lines = notes(threshold, datetime.now(), source)
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>Résultats {html.escape(code)}</title><style>"
        "body{font-family:Arial,sans-serif;color:#1b1f24;max-width:70em;margin:1em auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #d8dee6;padding:4px 6px;text-align:left}"
        "th{background:#eef2f7}.meta{color:#5b6573}</style></head><body>"
        f"<h1>{html.escape(code)} — {html.escape(title)}</h1>"
        f"<p>{html.escape(lines[0])}</p>"
        f"<table><thead><tr>{''.join(f'<th>{html.escape(h)}</th>' for h in head)}</tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        '<h2>Règle de diffusion</h2><ul class="notes">'
        + "".join(f"<li>{html.escape(line)}</li>" for line in lines[1:-1])
        + f'</ul><p class="meta">{html.escape(lines[-1])}</p>'
        "</body></html>"
    )


def readme_path(out: Path) -> Path:
    """The file beside a CSV publication that states its rule: « resultats.csv » -> « resultats-LISEZMOI.txt »."""
    return out.with_name(f"{out.stem}-LISEZMOI.txt")


def readme(code: str, title: str, out: Path, threshold: int, source: str | None = None) -> str:
    lines = notes(threshold, datetime.now(), source)
    return "\n\n".join([f"{code} — {title}", f"Fichier : {out.name}", *lines]) + "\n"


def publish(con: duckdb.DuckDBPyConnection, code: str, out: Path, threshold: int, years=None) -> list[Path]:
    """Write the public results as HTML (``.html``) or CSV (``.csv``, with its « LISEZMOI » beside it),
    atomically; returns the files written."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".html", ".htm", ".csv"):
        raise InputError(out, "un nom de fichier en .html ou .csv est attendu")
    frame = table(con, code, threshold, years)
    title = (fiches.summary(con, code) or {}).get("title") or ""
    source = accrochage.cohort_note(con, code)  # issue #27
    if suffix == ".csv":
        text = to_csv(frame)  # csv_text starts with the BOM
        notes_text = readme(code, title, out, threshold, source)
        write_atomic(out, lambda target: target.write_text(text, encoding="utf-8"))
        write_atomic(readme_path(out), lambda target: target.write_text(notes_text, encoding="utf-8"))
        return [out, readme_path(out)]
    text = to_html(frame, code, title, threshold, source)
    write_atomic(out, lambda target: target.write_text(text, encoding="utf-8"))
    return [out]
