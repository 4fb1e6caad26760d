"""The Great Expectations gate: validate a typed batch with the suite of its kind, through GX's pandas
data source, and sort the outcome into file-level errors, row-level errors and warnings.

Great Expectations is imported here only, on first use, so commands that do not validate start fast.
Analytics are disabled by configuration; a test proves no socket is opened.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import os
import sys
import threading
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd

from pipeline.core import clock
from pipeline.core.codes import CUT_ROW, NUL_SUFFIX
from pipeline.core.config import Settings
from pipeline.core.errors import InputError
from pipeline.core.pay import PAY_FIELDS, band_text
from pipeline.core.quality_labels import message_fr
from pipeline.core.sql import scalar

# failing values and rows a result keeps for the Data Docs (the quarantine keeps its own examples): a
# chunk of bad rows would otherwise hold one entry per row and expectation (issue #24)
KEPT_IN_RESULT = 200

TABLE_LEVEL = {
    "expect_column_to_exist",
    "expect_table_row_count_to_be_between",
    "expect_table_columns_to_match_set",
}

# A survey tool's token that names nobody of the campaign, has expired, or answers twice
# (pipeline/load/sources/limesurvey.py): the token's text where the row has that defect.
TOKEN_MARKERS = ("token_unknown", "token_expired", "token_twice")
_SUFFIXES = ("_unparsed", NUL_SUFFIX)


def field_of(column: str | None) -> str:
    """The batch column a check is about (a marker column stands for the field it marks)."""
    column = column or ""
    for suffix in _SUFFIXES:
        column = column.removesuffix(suffix)
    return column


@dataclass
class Outcome:
    """One expectation's result, in the shape stored in ``validation_results``."""

    expectation_type: str
    column: str | None
    severity: str
    message: str
    success: bool
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    samples: list = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    error: str | None = None
    missing_count: int | None = None  # values left out of the percent (NULL), to merge chunks' results

    @property
    def table_level(self) -> bool:
        return self.expectation_type in TABLE_LEVEL or self.error is not None

    def reason(self) -> str:
        column = (self.column or "").removesuffix(NUL_SUFFIX)
        what = f"column {column!r}: " if column else ""
        return f"{what}expected {self.message} [{self.expectation_type}]"


@dataclass
class Verdict:
    suite: str
    outcomes: list[Outcome]
    gx_version: str
    # GX's result, for the Data Docs; a file checked in chunks has one per chunk: [(first row, last row,
    # result), ...] (pipeline/load/staging.py)
    gx_result: object = None
    rows: tuple[int | None, int | None] = (None, None)  # the rows of the first chunk (staging.merge)

    @property
    def file_errors(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "error" and o.table_level]

    def refusal(self, path, header_row: bool = False) -> InputError | None:
        """The file refused for its first file-level failure (in French: « attendu … »), or None; when
        ``header_row``, a failure naming a column points at the header row."""
        if not self.file_errors:
            return None
        first = self.file_errors[0]
        row = 1 if header_row and first.column else None
        return InputError(path, f"attendu {message_fr(first.message)}", row=row, column=first.column)

    @property
    def warnings(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success and o.severity in ("warning", "field")]

    @property
    def success(self) -> bool:
        return not any(not o.success and o.severity == "error" for o in self.outcomes)

    def row_failures(self, severity: str = "error") -> pd.DataFrame:
        """source_row, expectation, reason, column: one line per failing row and expectation.

        ``error``: the row is not loaded; ``field``: the failing column is set aside (NULL) and the row
        loads; ``warning``: loaded and reported."""
        records = [
            (row, o.expectation_type, o.reason(), field_of(o.column))
            for o in self.outcomes
            if not o.success and o.severity == severity and not o.table_level
            for row in o.rows
        ]
        return pd.DataFrame(records, columns=["source_row", "expectation", "reason", "column"])


@cache
def _gx():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    _lazy_submodule("scipy.stats")
    gx = importlib.import_module("great_expectations")
    # GX draws (disabled) progress bars with tqdm, whose default lock is a multiprocessing semaphore: a
    # worker stopped while it validates (insertion watch) would leave it behind, with a warning at exit
    from tqdm import tqdm

    tqdm.set_lock(threading.RLock())
    _cache_templates()
    return gx


def _cache_templates() -> None:
    """Give the Data Docs' template environments Jinja's bytecode cache (one folder per user in the
    temporary directory, made private by Jinja). GX builds a new environment for every page it renders
    and compiles its 33 templates again in each command: about 0.12 s of the 0.2 s a small load spends on
    its docs (docs/performance.md). The cache is keyed by each template's source, so a new GX version
    compiles its own; the pages are the same."""
    from great_expectations.render.view.view import DefaultJinjaView
    from jinja2 import FileSystemBytecodeCache

    cache, init = FileSystemBytecodeCache(), DefaultJinjaView.__init__  # once: _gx() runs once per process

    def with_cache(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.env.bytecode_cache = cache

    DefaultJinjaView.__init__ = with_cache


@contextlib.contextmanager
def _configurations_read_once():
    """While GX validates a batch, each expectation builds its configuration once. GX builds it again from
    the expectation's fields at every read: about a hundred reads per expectation and validation (its
    metric graph asks for each keyword argument), a tenth of a small validation's time. The expectations
    validated are GX's own copies, made for this validation and not changed during it; another thread (the
    Data Docs' rendering) reads them as GX does."""
    from great_expectations.expectations.expectation import Expectation

    built, validating = Expectation.__dict__["configuration"], threading.get_ident()
    read: dict[int, tuple] = {}

    def configuration(self):
        if threading.get_ident() != validating:
            return built.fget(self)
        hit = read.get(id(self))
        if hit is None or hit[0] is not self:
            hit = read[id(self)] = (self, built.fget(self))
        return hit[1]

    Expectation.configuration = property(configuration)
    try:
        yield
    finally:
        Expectation.configuration = built


def _lazy_submodule(name: str) -> None:
    """Defer loading ``name`` until one of its attributes is used. GX imports ``scipy.stats`` at start-up
    for distribution expectations the suites never use; deferring it takes about 0.8 s off every
    validating command (``docs/performance.md``). The module is bound on its parent so that
    ``from scipy import stats`` finds it without loading it; it loads in full on first use."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)


def preload() -> None:
    """Start importing GX (about 2 s) in a background thread while the caller reads its files."""
    threading.Thread(target=_gx, name="import-gx", daemon=True).start()


def new_context(docs_dir: Path):
    """An ephemeral GX context: in-memory suites, no analytics, no progress bars; validation results
    kept on disk beside the Data Docs (``<docs_dir>/.results``) so the docs index shows the history."""
    gx = _gx()
    docs_dir = Path(docs_dir).resolve()  # GX's file stores want absolute paths
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        data_docs_sites={
            "local_site": {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        },
    )
    config.stores[config.validation_results_store_name] = {
        "class_name": "ValidationResultsStore",
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(docs_dir / ".results"),
        },
    }
    return gx.get_context(mode="ephemeral", project_config=config)


class Gate:
    """One validation session: a GX context, the suites of each kind, and the results to publish."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._context = None
        self._suites: dict[str, object] = {}
        self._built_on: dict[str, date] = {}  # the day each suite was built (suites compare with today)
        self._with_defects: dict[tuple, object] = {}
        self.kept: list = []  # identifiers of the results stored and not rendered yet

    @property
    def context(self):
        """Created on first use, so that commands with nothing to validate never import GX."""
        if self._context is None:
            self._context = new_context(self.settings.data_docs_dir)
        return self._context

    def suite(self, kind: str):
        """The suite of an input kind (``expectations/<kind>.py``), bound to this context; built again
        when the day has changed since (a long-running gate, as in ``insertion watch``)."""
        day = clock.today()
        if kind not in self._suites or self._built_on.get(kind) != day:
            self._suites[kind] = self._build(kind)
            self._built_on[kind] = day
        return self._suites[kind]

    def _build(self, kind: str):
        _ = self.context  # suites attach to the current context
        from expectations import SUITES

        module, function = SUITES[kind]
        return getattr(importlib.import_module(module), function)(self.settings)

    def validate(self, frame: pd.DataFrame, kind: str, define_row: tuple[str, ...] = ()) -> Verdict:
        """Validate a batch with its kind's suite, plus one check per defect column the reader added
        (a stray NUL byte in a field, a last row cut short), when the batch has any: a defect in one of
        ``define_row`` (the kind's fields that say who and what) removes the row, elsewhere the field."""
        markers = tuple(c for c in frame.columns if c in (CUT_ROW, *TOKEN_MARKERS) or c.endswith(NUL_SUFFIX))
        suite = self.suite(kind)
        if markers:
            key = (kind, self._built_on[kind], markers, define_row)
            if key not in self._with_defects:
                from expectations.common import defect_checks

                extended = self._build(kind)
                for expectation in defect_checks(markers, define_row):
                    extended.add_expectation(expectation)
                self._with_defects[key] = extended
            suite = self._with_defects[key]
        return validate_frame(self.context, frame, suite)

    def keep(self, verdict: Verdict, run_name: str, batch: str) -> None:
        """Store a run's GX result for the Data Docs."""
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )

        parts = (
            verdict.gx_result if isinstance(verdict.gx_result, list) else [(None, None, verdict.gx_result)]
        )
        self.suite(verdict.suite)  # its page is rendered with the docs (the run may come from a worker)
        for first, last, result in parts:
            key = ValidationResultIdentifier(
                expectation_suite_identifier=ExpectationSuiteIdentifier(name=verdict.suite),
                run_id=RunIdentifier(run_name=run_name),
                batch_identifier=batch if first is None else f"{batch} (lignes {first} à {last})",
            )
            self.context.validation_results_store.set(key, result)
            self.kept.append(key)

    def build_docs(self) -> Path | None:
        """Write the Data Docs (HTML) under ``settings.data_docs_dir`` when something was validated;
        returns the index page. Only the results kept since the last rendering get their pages (older
        ones are on disk already, so a long-running gate, as in ``insertion watch``, renders each result
        once); the index lists the whole history."""
        if not self.kept:
            return None
        from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

        suites = [ExpectationSuiteIdentifier(name=s.name) for s in self._suites.values()]
        self.context.build_data_docs(resource_identifiers=[*suites, *self.kept])
        self.kept = []
        return self.settings.data_docs_dir / "index.html"


def _band_pay(column: str | None, raw: dict) -> None:
    """A check on a pay column keeps, in its result (the records and the Data Docs), each value's band,
    never the amount (pipeline/core/pay.py)."""
    if column not in PAY_FIELDS:
        return
    for key in ("partial_unexpected_list", "unexpected_list"):
        if raw.get(key):
            raw[key] = [band_text(v if isinstance(v, (int, float)) else None) for v in raw[key]]
    for key in ("unexpected_index_list", "partial_unexpected_index_list"):
        if raw.get(key):
            raw[key] = [
                {k: v for k, v in i.items() if k != column} if isinstance(i, dict) else i for i in raw[key]
            ]
    raw.pop("partial_unexpected_counts", None)


def _samples(values: list) -> list:
    out = []
    for v in values[:10]:
        if isinstance(v, pd.Timestamp):
            out.append(v.strftime("%d/%m/%Y"))
        elif v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA or v is pd.NaT:
            out.append(None)
        else:
            out.append(v if isinstance(v, (str, int, float, bool)) else str(v))
    return out


def _compact(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame GX sees: text columns as categoricals. GX's pandas engine filters the whole frame once per
    expectation (nulls, row conditions); taking integer codes instead of strings halves the suite's time
    (measured: 4.7 s -> 2.6 s per million survey rows), with the same results."""
    text = [c for c in frame.columns if isinstance(frame[c].dtype, pd.StringDtype)]
    return frame.astype({c: "category" for c in text}) if text else frame


def validate_frame(ctx, frame: pd.DataFrame, suite, name: str | None = None) -> Verdict:
    """Run ``suite`` over ``frame`` (which must hold ``source_row``) and collect every outcome."""
    gx = _gx()
    source_name = "insertion_batches"
    try:
        source = ctx.data_sources.get(source_name)
    except (KeyError, ValueError):
        source = ctx.data_sources.add_pandas(source_name)
    asset_name = name or suite.name
    try:
        asset = source.get_asset(asset_name)
    except (LookupError, ValueError):
        asset = source.add_dataframe_asset(asset_name)
    try:
        definition = asset.get_batch_definition("whole")
    except (KeyError, ValueError):
        definition = asset.add_batch_definition_whole_dataframe("whole")
    batch = definition.get_batch(batch_parameters={"dataframe": _compact(frame)})
    with _configurations_read_once():
        result = batch.validate(
            suite,
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["source_row"]},
        )
    outcomes = []
    for r in result.results:
        cfg = r.expectation_config
        meta = cfg.meta or {}
        raw = r.result or {}
        info = r.exception_info or {}
        error = info.get("exception_message") if info.get("raised_exception") else None
        rows = [int(i["source_row"]) for i in raw.get("unexpected_index_list") or [] if isinstance(i, dict)]
        _band_pay(cfg.kwargs.get("column"), raw)
        for key in ("unexpected_list", "unexpected_index_list"):  # what the Data Docs show, bounded
            if len(raw.get(key) or ()) > KEPT_IN_RESULT:
                raw[key] = raw[key][:KEPT_IN_RESULT]
        outcomes.append(
            Outcome(
                expectation_type=cfg.type,
                column=cfg.kwargs.get("column")
                or ", ".join(cfg.kwargs.get("column_list") or [])
                or ", ".join(filter(None, [cfg.kwargs.get("column_A"), cfg.kwargs.get("column_B")]))
                or None,
                severity=meta.get("severity", "error"),
                message=meta.get("message", cfg.type),
                success=bool(r.success),
                element_count=raw.get("element_count"),
                unexpected_count=raw.get("unexpected_count"),
                unexpected_percent=raw.get("unexpected_percent"),
                samples=_samples(raw.get("partial_unexpected_list") or []),
                rows=sorted(set(rows)),
                error=error,
                missing_count=raw.get("missing_count"),
            )
        )
    return Verdict(suite.name, outcomes, gx.__version__, result)


def record(con, verdict: Verdict, load_id: int | None, scope: str) -> int:
    """Store a verdict in ``validation_runs`` / ``validation_results``; returns the run id."""
    run_id = scalar(con, "select nextval('run_id_seq')")
    failed_errors = sum(1 for o in verdict.outcomes if not o.success and o.severity == "error")
    failed_warnings = sum(1 for o in verdict.outcomes if not o.success and o.severity == "warning")
    con.execute(
        "insert into validation_runs values (?, ?, ?, ?, now()::timestamp, ?, ?, ?, ?, ?)",
        [
            run_id,
            load_id,
            scope,
            verdict.suite,
            verdict.success,
            len(verdict.outcomes),
            failed_errors,
            failed_warnings,
            verdict.gx_version,
        ],
    )
    con.executemany(
        "insert into validation_results values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [
                run_id,
                verdict.suite,
                o.expectation_type,
                o.column,
                o.severity,
                o.message if o.error is None else f"{o.message} (could not be evaluated: {o.error})",
                o.success,
                o.element_count,
                o.unexpected_count,
                o.unexpected_percent,
                json.dumps(o.samples, ensure_ascii=False, default=str),
            ]
            for o in verdict.outcomes
        ],
    )
    return run_id
