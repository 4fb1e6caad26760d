"""From the text of a file to a typed, canonical, pseudonymised batch that validation accepts or rejects.

Each source module (``cohorts``, ``surveys``, …) declares a :class:`Kind`; this module does what is common
to tabular files: header mapping, personal-data removal, value mapping, date parsing and pseudonymisation.
Nothing here touches the warehouse.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.core.normalise import (
    header_synonyms,
    looks_personal,
    map_values,
    norm,
    parse_dates,
    values_look_personal,
)
from pipeline.load.pseudonymise import pseudonymise
from pipeline.load.readers import RawTable


@dataclass(frozen=True)
class Kind:
    """What one input kind looks like: its canonical columns and how each is typed."""

    name: str
    label: str
    table: str  # landing table
    columns: tuple[str, ...]
    required: tuple[str, ...]
    distinctive: tuple[str, ...]  # columns that tell this kind from the others
    domains: dict[str, str] = field(default_factory=dict)  # column -> value domain of values.json
    dates: tuple[str, ...] = ()
    # the fields that say who, which certification and what: a defect there (a stray NUL byte) removes
    # the row; elsewhere it sets the field aside (expectations/common.py, defect_checks)
    define_row: tuple[str, ...] = ()
    suite: str = ""  # the Great Expectations suite (expectations/): the kind's name unless told

    def __post_init__(self) -> None:
        if not self.suite:
            object.__setattr__(self, "suite", self.name)

    @property
    def landing_columns(self) -> list[str]:
        """The columns of the landing table after lineage: the reference is stored pseudonymised."""
        return ["candidate_hash" if c == "candidate_ref" else c for c in self.columns]


@dataclass
class Batch:
    """A typed batch. ``frame`` holds canonical columns plus ``source_row``; ``original`` the record as
    read (personal columns removed, reference pseudonymised), for quarantine.

    A file too large to hold (an RNCP export) is a batch without ``frame``: its rows are ``stream``-ed into
    the warehouse by its source, which validates them once written. A cohort or survey file is checked
    chunk by chunk (``pipeline/load/staging.py``): what its source writes is ``staged``."""

    kind: Kind
    path: Path
    frame: pd.DataFrame | None
    original: pd.DataFrame | None = None  # the file's own columns, same index as frame
    mapped: dict[str, str] = field(default_factory=dict)  # canonical column -> header in the file
    dropped_personal: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    stream: Iterator | None = None  # rows read as they are written (frame is None)
    # a chunk of a file read in chunks: bytes (rows, for a workbook) read so far of ``size``, last chunk
    position: int | None = None
    size: int | None = None
    last: bool = True
    # a file checked chunk by chunk (frame is None): its rows staged on disk, its quarantine examples
    # (pipeline.load.staging.Staged), written by its source
    staged: object | None = None

    def original_json(self, index: pd.Index) -> list[str]:
        """The original records of some rows, as JSON objects (file headers as keys)."""
        records = self.original.loc[index].to_dict(orient="records")
        return [json.dumps(r, ensure_ascii=False) for r in records]


@dataclass
class Part:
    """One chunk of a file checked in chunks, split by its source (``Tabular.split``): the rows to load,
    as landed, and what failed (pipeline/load/staging.py)."""

    landing: pd.DataFrame
    failures: pd.DataFrame  # rows not loaded: source_row, expectation, reason, column
    set_aside: pd.DataFrame  # fields set aside on rows that load
    rows: int
    loaded: int
    quarantined: int
    fields: int
    warned: int
    warned_rows: object = None  # the rows with a warning (numpy array of source_row)


def map_headers(headers: list[str], kind: Kind, user_mapping: Path | None) -> dict[str, str]:
    """canonical column -> file header, first match wins."""
    synonyms = header_synonyms(kind.name, user_mapping)
    mapped: dict[str, str] = {}
    for header in headers:
        column = synonyms.get(norm(header))
        if column and column not in mapped:
            mapped[column] = header
    return mapped


def header_score(headers: list[str], kind: Kind, user_mapping: Path | None = None) -> int:
    """How many distinctive columns of ``kind`` the headers name (0 = not this kind)."""
    mapped = map_headers(headers, kind, user_mapping)
    return sum(1 for c in kind.distinctive if c in mapped)


def prepare(raw: RawTable, kind: Kind, key: bytes, user_mapping: Path | None = None) -> Batch:
    """Map, type and pseudonymise the text of a file as ``kind``."""
    src = raw.frame
    mapped = map_headers(list(src.columns), kind, user_mapping)
    used = set(mapped.values())
    dropped, ignored = [], []
    for header in src.columns:
        if header in used:
            continue
        if looks_personal(header) or values_look_personal(src[header]):
            dropped.append(header)
        else:
            ignored.append(header)

    frame = pd.DataFrame({"source_row": raw.source_row.astype("int64")})
    for column in kind.columns:
        if column not in mapped:
            continue
        text = src[mapped[column]].astype("string").str.strip().replace("", pd.NA)
        if column == "candidate_ref":
            frame["candidate_hash"] = pseudonymise(text, key)
        elif column in kind.domains:
            frame[column] = map_values(text, kind.domains[column])
        elif column in kind.dates:
            frame[column] = parse_dates(text)
            frame[column + "_unparsed"] = text.where(frame[column].isna())
        else:
            frame[column] = text
    for column in kind.columns:  # optional columns the file lacks: empty, so their checks pass
        if column not in mapped and column not in kind.required:
            frame[column] = pd.Series(pd.NA, index=frame.index, dtype="string")
            if column in kind.dates:
                frame[column] = frame[column].astype("datetime64[us]")
                frame[column + "_unparsed"] = pd.Series(pd.NA, index=frame.index, dtype="string")

    kept = [h for h in src.columns if h in used]
    original = src[kept].copy()
    if "candidate_ref" in mapped:
        original[mapped["candidate_ref"]] = frame["candidate_hash"].fillna("")
    return Batch(
        kind,
        raw.path,
        frame,
        original,
        mapped,
        dropped,
        ignored,
        list(raw.notes),
        raw.encoding,
        raw.delimiter,
        raw.sheet,
    )
