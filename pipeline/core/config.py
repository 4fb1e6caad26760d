"""Settings: every path and threshold in one place, with defaults, environment variables and help.

A setting is resolved in this order: explicit value (CLI flag) > environment variable > default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path


def _setting(default, env: str, help: str):
    return field(default=default, metadata={"env": env, "help": help})


@dataclass(frozen=True)
class Settings:
    """Paths and thresholds of one run. Build with :meth:`Settings.load`."""

    warehouse: Path = _setting(
        Path("data/warehouse/insertion.duckdb"), "INSERTION_WAREHOUSE", "DuckDB warehouse file."
    )
    raw_dir: Path = _setting(Path("data/raw"), "INSERTION_RAW_DIR", "Folder that `insertion build` ingests.")
    reference_dir: Path = _setting(
        Path("data/reference"),
        "INSERTION_REFERENCE_DIR",
        "Interim reference files (target ROME codes and per-certification settings).",
    )
    key_file: Path = _setting(
        Path.home() / ".config" / "insertion" / "pseudonymisation.key",
        "INSERTION_KEY_FILE",
        "Secret key of the HMAC-SHA256 pseudonymisation; kept outside the warehouse and outside git, "
        "created on first run. Losing it breaks the link between old and new files.",
    )
    header_mapping: Path = _setting(
        Path("data/header_mapping.csv"),
        "INSERTION_HEADER_MAPPING",
        "Optional CSV (kind,source_header,column) mapping your own column names to canonical ones.",
    )
    small_cohort_threshold: int = _setting(
        20,
        "INSERTION_SMALL_COHORT",
        "Denominators under this head-count are flagged ⚠ (dashboard, renewal pack, stats) or suppressed "
        "(public publication): see pipeline/indicators/disclosure.py.",
    )
    min_response_rate: int = _setting(
        50,
        "INSERTION_MIN_RESPONSE_RATE",
        "Response rate (%) under which the dashboard and the renewal pack raise an alert.",
    )
    renewal_notice_days: int = _setting(
        365,
        "INSERTION_RENEWAL_NOTICE_DAYS",
        "Days before the end of a fiche's registration from which renewal readiness raises an alert.",
    )
    memory_limit: str = _setting(
        "3GB",
        "INSERTION_MEMORY_LIMIT",
        "Memory DuckDB may use when writing the warehouse; beyond, it spills "
        "to disk (a national build stays within about 4 GiB).",
    )
    # issue #24: a file of any size is read in bounded memory; a file of bad rows is refused early
    chunk_rows: int = _setting(
        100_000,
        "INSERTION_CHUNK_ROWS",
        "Rows of a cohort or survey file read, typed and validated at once: memory stays bounded whatever "
        "the file's size (about 0.5 GiB per worker at 100,000 rows).",
    )
    bad_rows_sample: int = _setting(
        1000,
        "INSERTION_BAD_ROWS_SAMPLE",
        "Rows read and validated first; from there on, a file whose share of rows in error passes "
        "INSERTION_MAX_BAD_SHARE is refused as a whole (a smaller file is judged row by row).",
    )
    max_bad_share: float = _setting(
        0.5,
        "INSERTION_MAX_BAD_SHARE",
        "Share of rows in error (0 to 1) over which a whole file is refused, nothing of it loaded (checked "
        "after INSERTION_BAD_ROWS_SAMPLE rows, then after each chunk).",
    )
    quarantine_examples: int = _setting(
        100,
        "INSERTION_QUARANTINE_EXAMPLES",
        "Rows the quarantine keeps per file, column and check (examples); every failing row is counted "
        "in load_log and validation_results.",
    )
    workers: int = _setting(
        2,
        "INSERTION_WORKERS",
        "Worker processes that read and validate cohort and survey files while `insertion build` "
        "writes (1 = one file at a time), and that `insertion watch` checks arriving files in.",
    )
    window_6m: tuple[int, int] = _setting(
        (4, 9),
        "INSERTION_WINDOW_6M",
        "Calendar months after the jury in which a 6-month answer is expected (min,max: first and last day, "
        "both inclusive).",
    )
    window_24m: tuple[int, int] = _setting(
        (20, 30),
        "INSERTION_WINDOW_24M",
        "Calendar months after the jury in which a 2-year answer is expected (min,max: first and last day, "
        "both inclusive).",
    )
    outside_window: str = _setting(
        "count",
        "INSERTION_OUTSIDE_WINDOW",
        "Answers dated outside their wave's window: `count` (counted and reported) or `exclude` (left out "
        "of the figures, still reported; docs/methodology.md M8).",
    )
    # survey campaigns (pipeline/reports/campaigns.py)
    contacts_dir: Path = _setting(
        Path("data/contacts"),
        "INSERTION_CONTACTS_DIR",
        "Folder of contact files (reference, names, e-mail) read only to write a participants file; "
        "never loaded into the warehouse. Cohort files under the raw folder are read too.",
    )
    nonresponse_gap: int = _setting(
        15,
        "INSERTION_NONRESPONSE_GAP",
        "Points of response rate between a group (access route, site) and its whole promotion from which "
        "the non-response check flags a risk of bias.",
    )
    # issue #16 (accounts and roles of the dashboard)
    accounts: Path = _setting(
        Path.home() / ".config" / "insertion" / "accounts.json",
        "INSERTION_ACCOUNTS",
        "Dashboard accounts (`insertion users`), outside git, mode 0600; the session key and the failed "
        "sign-in counters live beside it. Required to serve on anything but the loopback.",
    )
    # issue #25 (security review, audit journal)
    audit_retention_days: int = _setting(
        365,
        "INSERTION_AUDIT_RETENTION_DAYS",
        "Days the audit journal (beside the accounts file) keeps its rows; older rows are removed, and the "
        "removal is itself recorded (0: keep everything).",
    )
    session_hours: float = _setting(
        10.0,
        "INSERTION_SESSION_HOURS",
        "Absolute lifetime (hours) of a dashboard session from its sign-in; activity does not extend it.",
    )
    trusted_proxies: str = _setting(
        "",
        "INSERTION_TRUSTED_PROXIES",
        "Addresses or networks (comma-separated, e.g. 127.0.0.1,10.0.0.0/8) of the reverse proxies in front "
        "of the dashboard: from them, the client's address is read from X-Forwarded-For (sign-in limits, "
        "the audit journal). Empty: the connection's address.",
    )
    # issue #17: plausible gross annual pay of a survey answer (outside: the pay is set aside, the answer counts)
    pay_floor: int = _setting(
        10800,
        "INSERTION_PAY_FLOOR",
        "Lowest plausible gross annual pay (€) of a job not declared part-time: about half the annual "
        "gross full-time SMIC (1 801,80 € × 12 = 21 621 € in 2025). Lower is taken for a monthly or net "
        "amount typed as annual, and set aside.",
    )
    pay_ceiling: int = _setting(
        500000,
        "INSERTION_PAY_CEILING",
        "Highest plausible gross annual pay (€) of a survey answer; higher is set aside as a typing error.",
    )

    @property
    def snapshot(self) -> Path:
        """Read-only copy published after each write, read by the dashboard."""
        return self.warehouse.with_name(self.warehouse.stem + ".snapshot.duckdb")

    @property
    def data_docs_dir(self) -> Path:
        return self.warehouse.parent / "data_docs"

    @classmethod
    def load(cls, **overrides) -> Settings:
        """Defaults, then environment variables, then the non-None ``overrides``."""
        values = {}
        for f in fields(cls):
            raw = os.environ.get(f.metadata["env"])
            if raw not in (None, ""):
                try:
                    values[f.name] = parse_setting(f.default, raw)
                except ValueError:
                    raise ValueError(
                        f"{f.metadata['env']}={raw} : valeur illisible (attendu : {_EXPECTED.get(type(f.default))})"
                    ) from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        for k, v in values.items():
            if isinstance(cls.__dataclass_fields__[k].default, Path):
                values[k] = Path(v)
        settings = replace(cls(), **values)
        if settings.outside_window not in OUTSIDE_WINDOW:
            raise ValueError(
                f"INSERTION_OUTSIDE_WINDOW={settings.outside_window} : valeur attendue "
                f"{' ou '.join(OUTSIDE_WINDOW)}"
            )
        _check_bounds(settings)
        return settings

    @classmethod
    def describe(cls) -> str:
        """One line per setting, for --help texts and the README."""
        return "\n".join(
            f"  {f.metadata['env']:<26} {f.metadata['help']} (default: {f.default})" for f in fields(cls)
        )


# The settings that rule the figures: recorded in the warehouse (table ``settings``) by `insertion build`,
# and applied and printed from there by every other command — loads, refreshes and outputs
# (pipeline/reports/settings.py) —, never from the environment of the moment.
OUTSIDE_WINDOW = ("count", "exclude")  # docs/methodology.md M8

_EXPECTED = {
    int: "un nombre entier",
    float: "un nombre décimal",
    tuple: "des nombres entiers séparés par une virgule",
}


def _check_bounds(settings: Settings) -> None:
    """The settings of loading that only make sense within bounds (issue #24); a French error otherwise."""
    for key, low in (("chunk_rows", 1000), ("bad_rows_sample", 1), ("quarantine_examples", 1)):
        if getattr(settings, key) < low:
            raise ValueError(f"{env_name(key)}={getattr(settings, key)} : valeur attendue d'au moins {low}")
    if not 0 < settings.max_bad_share <= 1:
        raise ValueError(
            f"INSERTION_MAX_BAD_SHARE={settings.max_bad_share} : valeur attendue entre 0 (exclu) et 1 "
            "(1 : un fichier n'est jamais refusé pour sa part de lignes en erreur)"
        )


RECORDED = (
    "small_cohort_threshold",
    "min_response_rate",
    "renewal_notice_days",
    "window_6m",
    "window_24m",
    "outside_window",
    "nonresponse_gap",
    "pay_floor",
    "pay_ceiling",
)


def setting_text(value) -> str:
    """A setting as the settings table stores it (a window as « 4,9 »)."""
    return ",".join(map(str, value)) if isinstance(value, tuple) else str(value)


def env_name(key: str) -> str:
    return Settings.__dataclass_fields__[key].metadata["env"]


def parse_setting(default, raw: str):
    """The text of a setting (environment, settings table) as the type of its default."""
    if isinstance(default, bool):
        return raw.lower() in {"1", "true", "yes", "oui"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw.replace(",", "."))
    if isinstance(default, tuple):
        return tuple(int(x) for x in raw.split(","))
    return raw
