"""A source of tabular files (CSV, TSV, workbooks) whose header row names the columns of one kind: cohort
results, survey answers. It is told by its headers, typed by its module (``type_batch``), written to its
landing table (``to_landing``); rows failing a check go to ``quarantine`` with a readable reason."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.load.batch import Batch, Kind, header_score, prepare
from pipeline.load.readers import mark_defects, read_table
from pipeline.load.sources.base import FileSource, Written


class Tabular(FileSource):
    def __init__(
        self,
        kind: Kind,
        type_batch: Callable[[Batch], Batch],
        to_landing: Callable[[pd.DataFrame], pd.DataFrame],
        name: str | None = None,
    ):
        self.definition = kind
        self.kind, self.loads = name or kind.name, kind.name
        self.type_batch, self.to_landing = type_batch, to_landing
        super().__init__()

    def score(self, headers: list[str], header_mapping: Path | None = None) -> int:
        """How many distinctive columns of the kind the headers name (see data/header_mapping.csv)."""
        return header_score(headers, self.definition, header_mapping)

    def detect(self, path: Path, head) -> int:
        return max((self.score(row, head.header_mapping) for row in head.rows), default=0)

    def read(self, path: Path, settings, key: bytes, mapping: Path | None = None) -> Batch:
        """Read, map, type and pseudonymise the file; a stray NUL byte or a last row cut short is marked
        (quarantined by the gate, never loaded)."""
        raw = read_table(path, lambda headers: self.score(headers, settings.header_mapping), "quarantine")
        batch = self.type_batch(prepare(raw, self.definition, key, settings.header_mapping))
        mark_defects(raw, batch)
        return batch

    def write(self, con: duckdb.DuckDBPyConnection, batch: Batch, verdict, load_id: int, gate) -> Written:
        """The good rows to the landing table (fields failing a field-level check set aside), the failing
        rows and fields to quarantine, and the certifications to refresh."""
        failures = verdict.row_failures("error")
        set_aside = verdict.row_failures("field")
        warned = verdict.row_failures("warning")
        frame = batch.frame
        bad_rows = set(failures["source_row"])
        good = frame[~frame["source_row"].isin(bad_rows)]
        set_aside = set_aside[~set_aside["source_row"].isin(bad_rows)]
        if not set_aside.empty:  # a defect in a field that does not define the row: the field, not the row
            good = good.copy()
            for column, rows in set_aside.groupby("column")["source_row"]:
                good.loc[good["source_row"].isin(rows), column] = None
        con.register("landing_batch", self.to_landing(good))
        con.execute(
            f"insert into {batch.kind.table} by name "
            "select ?::integer as load_id, ? as source_file, * from landing_batch",
            [load_id, batch.path.name],
        )
        con.unregister("landing_batch")
        con.execute(
            f"insert into pending_refresh select distinct load_id, certification_code from {batch.kind.table} "
            "where load_id = ?",
            [load_id],
        )
        if bad_rows:
            _quarantine(con, load_id, batch, failures, verdict.outcomes, "row")
        if not set_aside.empty:
            _quarantine(con, load_id, batch, set_aside, verdict.outcomes, "field")
        return Written(
            verdict,
            rows_loaded=len(good),
            rows_quarantined=len(bad_rows),
            fields_set_aside=len(set_aside.drop_duplicates(["source_row", "column"])),
            rows_warned=warned["source_row"].nunique(),
        )


def _reasons(batch: Batch, failures: pd.DataFrame, outcomes) -> pd.Series:
    """One readable reason per failing row and check: the file's column, the value, what was expected."""
    by_rule = {(o.expectation_type, o.reason()): o for o in outcomes}
    row_index = pd.Series(batch.frame.index, index=batch.frame["source_row"])
    texts = []
    for row, expectation, reason in failures[["source_row", "expectation", "reason"]].itertuples(index=False):
        o = by_rule[(expectation, reason)]
        columns = [c.strip().removesuffix("_unparsed") for c in (o.column or "").split(",") if c.strip()]
        shown = []
        for c in columns:
            header = batch.mapped.get("candidate_ref" if c == "candidate_hash" else c)
            if header is not None:
                shown.append(f"'{header}' = '{batch.original.at[row_index[row], header]}'")
        where = f"column {', '.join(shown)}: " if shown else ""
        texts.append(f"row {row}, {where}expected {o.message}")
    return pd.Series(texts, index=failures.index)


def _quarantine(con, load_id: int, batch: Batch, failures: pd.DataFrame, outcomes, outcome: str) -> None:
    """Record failing rows: ``outcome`` row (not loaded) or field (loaded with those fields set aside)."""
    failures = failures.assign(reason=_reasons(batch, failures, outcomes))
    failures = failures.drop_duplicates(["source_row", "reason"])[["source_row", "expectation", "reason"]]
    grouped = failures.groupby("source_row", sort=True).agg(list)
    index = batch.frame.index[batch.frame["source_row"].isin(grouped.index)]
    rows = batch.frame.loc[index, "source_row"].tolist()
    originals = dict(zip(rows, batch.original_json(index), strict=True))
    q = pd.DataFrame(
        {
            "load_id": load_id,
            "file_name": batch.path.name,
            "source_row": grouped.index.astype("int64"),
            "kind": batch.kind.name,
            "expectations": grouped["expectation"].tolist(),
            "reasons": grouped["reason"].tolist(),
            "original_record": [originals[r] for r in grouped.index],
            "outcome": outcome,
        }
    )
    con.register("quarantine_batch", q)
    con.execute("insert into quarantine by name select * from quarantine_batch")
    con.unregister("quarantine_batch")
