"""France Travail's ROME 4.0 referential: job codes (``unix_referentiel_code_rome_v*.csv``) and job
titles (``unix_referentiel_appellation_v*.csv``), comma-separated UTF-8."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipeline.core.errors import InputError
from pipeline.load import referential
from pipeline.load.batch import Batch, Kind
from pipeline.load.sources.base import CERTAIN, FileSource, Written

FILES = {
    "rome_codes": (re.compile(r"referentiel_code_rome", re.I), ["code_rome", "libelle_rome"]),
    "rome_appellations": (
        re.compile(r"referentiel_appellation", re.I),
        ["code_ogr", "libelle_appellation_long", "code_rome"],
    ),
}


def detect(path: Path) -> str | None:
    """The table a ROME file feeds (``rome_codes`` or ``rome_appellations``), else None."""
    for table, (pattern, _) in FILES.items():
        if pattern.search(path.name) and path.suffix.lower() == ".csv":
            return table
    return None


def version(path: Path) -> str | None:
    m = re.search(r"_v(\d+)", path.name)
    return f"v{m.group(1)}" if m else None


def read(path: Path, table: str) -> pd.DataFrame:
    """The rows of ``table`` from a ROME file, with the referential's version."""
    _, required = FILES[table]
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(path, f"illisible comme fichier CSV du ROME ({exc})") from exc
    missing = [c for c in required if c not in raw.columns]
    if missing:
        raise InputError(
            path,
            f"colonne(s) manquante(s) {missing} (attendu l'export CSV du ROME 4.0)",
            row=1,
            column=missing[0],
        )
    raw = raw.replace("", None)
    parent = raw["code_rome_parent"] if "code_rome_parent" in raw else raw["code_rome"]
    if table == "rome_codes":
        out = pd.DataFrame(
            {"rome_code": raw["code_rome"], "label": raw["libelle_rome"], "parent_code": parent}
        )
    else:
        short = raw.get("libelle_appellation_court", None)
        out = pd.DataFrame(
            {
                "code_ogr": raw["code_ogr"],
                "label": raw["libelle_appellation_long"],
                "label_short": short,
                "rome_code": raw["code_rome"],
                "parent_code": parent,
            }
        )
    out["version"] = version(path)
    out.insert(0, "source_row", range(2, len(out) + 2))
    return out


class RomeFile(FileSource):
    """The source of one ROME table: told by the file's name, read whole, validated by the gate, and
    replacing the table in the load's transaction."""

    unit = "lignes"
    parallel = False  # a referential: loaded in the process that holds the warehouse, before the rows

    def __init__(self, table: str, label: str, columns: tuple[str, ...]):
        self.kind = table
        self.definition = Kind(
            name=table, label=label, table=table, columns=columns, required=(), distinctive=()
        )
        super().__init__()

    def detect(self, path: Path, head) -> int:
        return CERTAIN if detect(path) == self.kind else 0

    def read(self, path: Path, settings, key: bytes, mapping: Path | None = None) -> Batch:
        return Batch(self.definition, path, read(path, self.kind))

    def write(self, con, batch: Batch, verdict, load_id: int, gate) -> Written:
        return referential.load_rome(con, batch, verdict, load_id)


CODES = RomeFile("rome_codes", "ROME codes", ("rome_code", "label", "parent_code", "version"))
APPELLATIONS = RomeFile(
    "rome_appellations",
    "ROME job titles",
    ("code_ogr", "label", "label_short", "rome_code", "parent_code", "version"),
)
