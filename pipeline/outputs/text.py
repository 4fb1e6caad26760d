"""The terminal's tables: the fiche's table as text, CSV or JSON (disclosed as for the France Compétences dossier), and any frame as an aligned text table."""

from __future__ import annotations

import json
import numbers

import pandas as pd

from pipeline.core.exports import bom_for_stdout, csv_text
from pipeline.indicators import FICHE, RATE, label
from pipeline.indicators.disclosure import disclose
from pipeline.indicators.formats import rate_cell, small_note
from pipeline.reports.statistics import DETAIL_COLUMNS, FICHE_COLUMNS, FICHE_RATES


def head_count_columns() -> list[str]:
    """The numerator and denominator of each of the fiche's rates (machine-readable outputs)."""
    out: list[str] = []
    for key in FICHE_RATES:
        out += [c for c in (RATE[key].numerator, RATE[key].denominator) if c not in out]
    return out


def render(frame: pd.DataFrame, fmt: str, detail: bool, with_code: bool, threshold: int) -> str:
    """The fiche's table as text, CSV or JSON, disclosed as for the France Compétences dossier.

    Text: each rate as « 88 % (29/33) », « ⚠ » when its own denominator is under the threshold (M24).
    CSV and JSON: the rates as numbers with their numerators, denominators and ``<rate>_small`` flags;
    ``detail`` adds every other count, rate and interval (``pipeline.indicators.detail_columns``), each
    rate with its flag."""
    shown = disclose(frame, "dossier", threshold)
    code = ["certification_code"] if with_code else []
    extra = [c for c in DETAIL_COLUMNS if c not in FICHE] if detail else []
    rates = [k for k in RATE if k in FICHE_RATES or k in extra]
    if fmt in ("csv", "json"):
        flags = [f"{k}_small" for k in rates]
        columns = code + FICHE + [c for c in head_count_columns() if c not in FICHE] + flags
        columns += [c for c in extra if c not in columns]
        data = shown[columns].astype(object).where(shown[columns].notna(), None)
        if fmt == "json":
            return json.dumps(data.to_dict(orient="records"), ensure_ascii=False, indent=2, default=_json)
        headers = {c: "Fiche" if c == "certification_code" else label(c) for c in columns}
        return csv_text(data.rename(columns=headers), bom=bom_for_stdout())
    text = shown[code + FICHE + extra].astype(object).where(shown[code + FICHE + extra].notna(), None)
    for key in rates:
        text[key] = [rate_cell(r, key, threshold) for r in shown.to_dict(orient="records")]
    headers = {**FICHE_COLUMNS, "certification_code": "Fiche", **{c: label(c) for c in extra}}
    table = format_table(text.rename(columns=headers))
    marked = any(shown[f"{k}_small"].any() for k in rates)
    return table + (f"\n{small_note(threshold)}" if marked else "")


def _json(value):
    return value.item() if hasattr(value, "item") else int(value)


def format_table(frame: pd.DataFrame) -> str:
    """A plain-text grid, one header line, values left empty where missing."""
    rows = list(frame.itertuples(index=False))
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    headers = [str(c) for c in frame.columns]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    numeric = [
        all(isinstance(r[i], numbers.Number) or r[i] is None for r in rows) for i in range(len(headers))
    ]
    lines = [" | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [
        " | ".join(c.rjust(w) if num else c.ljust(w) for c, w, num in zip(r, widths, numeric, strict=True))
        for r in cells
    ]
    return "\n".join(line.rstrip() for line in lines)
