"""A source of tabular files (CSV, TSV, workbooks) whose header row names the columns of one kind: cohort
results, survey answers. It is told by its headers, typed by its module (``type_batch``), checked chunk by
chunk in bounded memory (``pipeline/load/staging.py``), written to its landing table (``to_landing``);
rows failing a check go to ``quarantine`` with a readable reason (examples, bounded per check)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.load.batch import Batch, Kind, Part, header_score, prepare
from pipeline.load.readers import mark_defects
from pipeline.load.sources.base import FileSource, Written
from pipeline.load.staging import check_in_chunks
from pipeline.load.textfile import table_chunks


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
        """The whole file as one typed batch (see :meth:`batches`)."""
        return next(self.batches(path, settings, key, mapping))

    def check(self, path: Path, settings, key: bytes, gate, mapping=None, in_place=None):
        """Checked chunk by chunk in bounded memory (:func:`pipeline.load.staging.check_in_chunks`,
        through :meth:`batches`, :meth:`split` and :meth:`quarantine_records`): its rows staged on disk."""
        return check_in_chunks(self, path, settings, key, gate, mapping, in_place)

    def batches(
        self, path: Path, settings, key: bytes, mapping=None, rows: int | None = None, first_rows=None
    ) -> Iterator[Batch]:
        """Read, map, type and pseudonymise the file ``rows`` rows at a time (the first chunk:
        ``first_rows``; whole when ``rows`` is None); a stray NUL byte or a last row cut short is marked
        (quarantined by the gate, never loaded)."""
        score = lambda headers: self.score(headers, settings.header_mapping)  # noqa: E731
        for raw in table_chunks(path, score, "quarantine", rows, first_rows):
            batch = self.type_batch(prepare(raw, self.definition, key, settings.header_mapping))
            mark_defects(raw, batch)
            batch.position, batch.size, batch.last = raw.position, raw.size, raw.last
            yield batch

    def split(self, batch: Batch, verdict) -> Part:
        """One checked chunk: the good rows as landed (fields failing a field-level check set aside), the
        failing rows and fields."""
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
        return Part(
            landing=self.to_landing(good),
            failures=failures,
            set_aside=set_aside,
            rows=len(frame),
            loaded=len(good),
            quarantined=len(bad_rows),
            fields=len(set_aside.drop_duplicates(["source_row", "column"])),
            warned=warned["source_row"].nunique(),
            warned_rows=warned["source_row"].unique(),
        )

    def quarantine_records(
        self, batch: Batch, failures: pd.DataFrame, outcomes, outcome: str
    ) -> pd.DataFrame:
        """The quarantine's records of failing rows, without their load id: ``outcome`` row (not loaded)
        or field (loaded with those fields set aside)."""
        failures = failures.assign(reason=_reasons(batch, failures, outcomes))
        failures = failures.drop_duplicates(["source_row", "reason"])[["source_row", "expectation", "reason"]]
        grouped = failures.groupby("source_row", sort=True).agg(list)
        index = batch.frame.index[batch.frame["source_row"].isin(grouped.index)]
        rows = batch.frame.loc[index, "source_row"].tolist()
        originals = dict(zip(rows, batch.original_json(index), strict=True))
        return pd.DataFrame(
            {
                "file_name": batch.path.name,
                "source_row": grouped.index.astype("int64"),
                "kind": batch.kind.name,
                "expectations": grouped["expectation"].tolist(),
                "reasons": grouped["reason"].tolist(),
                "original_record": [originals[r] for r in grouped.index],
                "outcome": outcome,
            }
        )

    def write(self, con: duckdb.DuckDBPyConnection, batch: Batch, verdict, load_id: int, gate) -> Written:
        """What was staged: the good rows to the landing table, the quarantine's examples, the
        certifications to refresh."""
        staged = batch.staged
        for part in staged.parts:
            con.execute(
                f"insert into {batch.kind.table} by name "
                "select ?::integer as load_id, ? as source_file, * from read_parquet(?)",
                [load_id, batch.path.name, str(part)],
            )
        con.execute(
            f"insert into pending_refresh select distinct load_id, certification_code from {batch.kind.table} "
            "where load_id = ?",
            [load_id],
        )
        if staged.quarantine:
            q = pd.concat(staged.quarantine, ignore_index=True)
            q.insert(0, "load_id", load_id)
            con.register("quarantine_batch", q)
            con.execute("insert into quarantine by name select * from quarantine_batch")
            con.unregister("quarantine_batch")
        return Written(
            verdict,
            rows_loaded=staged.rows_loaded,
            rows_quarantined=staged.rows_quarantined,
            fields_set_aside=staged.fields_set_aside,
            rows_warned=staged.rows_warned,
            rows_read=staged.rows_read,
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
