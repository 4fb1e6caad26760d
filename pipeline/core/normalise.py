"""Text normalisation, header mapping, value synonyms and date parsing shared by every source.

Everything here is vectorised over *unique* values: a column of a million rows with eight distinct
spellings costs eight look-ups.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from functools import cache
from pathlib import Path

import pandas as pd

MAPPINGS = Path(__file__).parent / "mappings"
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def norm(text: object) -> str:
    """Lower-case, strip accents and punctuation: « Contrat d’Apprentissage » -> 'contrat d apprentissage'."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text).replace("œ", "oe").replace("Œ", "oe"))
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return _NON_ALNUM.sub(" ", ascii_text).strip()


@cache
def _json(name: str) -> dict:
    return json.loads((MAPPINGS / name).read_text(encoding="utf-8"))


@cache
def value_synonyms(domain: str) -> dict[str, str]:
    """normalised spelling -> canonical value, for one value domain (access_route, situation, ...)."""
    table = _json("values.json")[domain]
    out: dict[str, str] = {}
    for canonical, spellings in table.items():
        for spelling in [canonical, *spellings]:
            out[norm(spelling)] = canonical
    return out


def canonical_values(domain: str) -> list[str]:
    """The canonical codes of a value domain, in their documented order."""
    return list(_json("values.json")[domain])


def map_distinct(series: pd.Series, convert, dtype: str) -> pd.Series:
    """Apply ``convert`` (the array of distinct non-missing values -> their results) once per distinct
    value, then spread the results back to every row (missing values stay missing). Input files repeat
    the same few spellings over and over: this is what keeps typing linear in the distinct values."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    results = pd.array(convert(uniques), dtype=dtype)
    return pd.Series(results.take(codes, allow_fill=True), index=series.index)


def map_values(series: pd.Series, domain: str) -> pd.Series:
    """Map free text to canonical codes. Empty -> NA; an unknown spelling is kept as written so that
    validation can name it."""
    synonyms = value_synonyms(domain)

    def convert(uniques: list) -> list:
        out = []
        for raw in uniques:
            key = norm(raw)
            out.append(synonyms.get(key, str(raw).strip() or None) if key else None)
        return out

    return map_distinct(series, convert, "string")


def header_synonyms(kind: str, user_mapping: Path | None = None) -> dict[str, str]:
    """normalised header -> canonical column for one input kind, user mapping file first."""
    out = {norm(col): col for col in _json("headers.json")[kind]}
    for column, spellings in _json("headers.json")[kind].items():
        for spelling in spellings:
            out.setdefault(norm(spelling), column)
    if user_mapping and user_mapping.exists():
        with user_mapping.open(encoding="utf-8-sig", newline="") as fh:
            for i, row in enumerate(csv.DictReader(fh), start=2):
                if row.get("kind", "").strip() not in (kind, "*", ""):
                    continue
                column = (row.get("column") or "").strip()
                if column not in _json("headers.json")[kind]:
                    raise ValueError(
                        f"{user_mapping}, row {i}, column 'column': unknown canonical column {column!r} "
                        f"for kind {kind} (expected one of {', '.join(_json('headers.json')[kind])})"
                    )
                out[norm(row["source_header"])] = column
    return out


def personal_data_tokens() -> set[str]:
    return set(_json("headers.json")["personal_data"])


def looks_personal(header: str) -> bool:
    """True for headers such as « Nom », « E-mail », « Téléphone portable », « Date de naissance »."""
    tokens = set(norm(header).split())
    return bool(tokens & personal_data_tokens()) or "e mail" in norm(header)


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.I)
_PHONE = re.compile(r"^(\+33|0)[1-9]([ .-]?\d{2}){4}$")


def values_look_personal(series: pd.Series) -> bool:
    """True when most non-empty values of a column look like e-mails or French phone numbers."""
    sample = series.dropna().astype(str).str.strip()
    sample = sample[sample != ""].head(200)
    if sample.empty:
        return False
    hits = sample.str.match(_EMAIL) | sample.str.match(_PHONE)
    return hits.mean() >= 0.5


_DATE_FORMATS = [
    (re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$"), "%d/%m/%Y"),
    (re.compile(r"^\d{1,2}-\d{1,2}-\d{4}$"), "%d-%m-%Y"),
    (re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4}$"), "%d.%m.%Y"),
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "%Y-%m-%d"),
    (re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"), "ISO8601"),
    (re.compile(r"^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}(:\d{2})?$"), "%d/%m/%Y %H:%M:%S"),
]
_EXCEL_SERIAL = re.compile(r"^\d{5}(\.0+)?$")


def parse_dates(series: pd.Series) -> pd.Series:
    """Parse French (dd/mm/yyyy), ISO and Excel serial dates; anything else becomes NaT."""

    def convert(uniques: list) -> list:
        return [_parse_date(raw) for raw in uniques]

    return map_distinct(series, convert, "datetime64[us]")


def _parse_date(raw) -> pd.Timestamp:
    text = str(raw).strip()
    value = pd.NaT
    if _EXCEL_SERIAL.match(text):
        value = pd.Timestamp("1899-12-30") + pd.Timedelta(days=int(float(text)))
    else:
        for pattern, fmt in _DATE_FORMATS:
            if pattern.match(text):
                if fmt == "%d/%m/%Y %H:%M:%S" and text.count(":") == 1:
                    fmt = "%d/%m/%Y %H:%M"
                value = pd.to_datetime(text, format=fmt, errors="coerce")
                break
    return value.normalize() if value is not pd.NaT and not pd.isna(value) else pd.NaT
