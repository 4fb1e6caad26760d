"""The warehouse's own validation (`insertion validate`): every suite run again over the landing rows,
plus the checks that need two sources (an answer against its jury, the rules the figures applied),
recorded in ``validation_runs`` like a file's. SQL in ``sql/checks/``."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from pipeline.load import gate as validation
from pipeline.load.gate import Outcome, Verdict
from pipeline.load.sources import KINDS

CHECKS_DIR = Path(__file__).parent / "sql" / "checks"
_CHECK = re.compile(r"^-- check: (\S+) \| (error|warning) \| (.+)$", re.M)


# Each rule the figures applied (view quality_issues) is a warning of `insertion validate`.
ISSUE_CHECKS = {
    "answer_not_attached": (
        "survey_respondents_are_certified",
        "every survey respondent is found certified for that certification (and promotion, when given)",
    ),
    "answer_superseded": (
        "one_answer_per_person_and_wave",
        "one answer per person, certification, promotion and wave (the others are set aside by the stated rule)",
    ),
    "promotion_corrected": (
        "answers_promotion_is_a_year_of_the_person",
        "every answer's promotion is a year the person was certified (else attached by its date)",
    ),
    "answer_before_jury": ("answers_after_the_jury", "every answer dated after the jury of its promotion"),
    "answer_outside_window": (
        "answers_within_the_survey_windows",
        "every answer dated within its wave's window (settings window_6m, window_24m)",
    ),
    "location_conflict": (
        "work_location_agrees_with_situation",
        "no « En emploi à l'étranger » with a work location in France",
    ),
    "pending_review": (
        "job_titles_reviewed",
        "no employed respondent whose title only has a fuzzy ROME match waiting for review",
    ),
    "title_ambiguous": (
        "job_titles_unambiguous",
        "no employed respondent whose job code comes from a title that is a ROME appellation of several codes",
    ),
    "certified_in_several_years": (
        "certified_once_per_certification",
        "a person certified once per certification (else counted in each year)",
    ),
    "certified_twice_in_year": (
        "one_jury_per_person_and_year",
        "a person certified by one jury per certification and year (else counted once, under the latest)",
    ),
    "cohort_conflict": ("one_decision_per_jury", "one decision per person, certification and jury date"),
}
ISSUE_SQL = (
    "select certification_code, year, wave, source_file, source_row from quality_issues "
    "where issue = '{issue}' order by all"  # issue: a constant of ISSUE_CHECKS
)


def cross_source_checks() -> list[tuple[str, str, str, str]]:
    """(name, severity, message, sql) for each rule of :data:`ISSUE_CHECKS` and each check of
    ``pipeline/load/sql/checks/cross_source.sql``."""
    out = [
        (name, "warning", message, ISSUE_SQL.format(issue=issue))
        for issue, (name, message) in ISSUE_CHECKS.items()
    ]
    text = (CHECKS_DIR / "cross_source.sql").read_text(encoding="utf-8")
    heads = list(_CHECK.finditer(text))
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        out.append((m.group(1), m.group(2), m.group(3), text[m.end() : end].strip().rstrip(";")))
    return out


def run_cross_source(con: duckdb.DuckDBPyConnection) -> Verdict:
    outcomes = []
    for name, severity, message, sql in cross_source_checks():
        rows = con.execute(sql).df()
        samples = [" / ".join(str(v) for v in r) for r in rows.head(10).itertuples(index=False)]
        outcomes.append(Outcome(name, None, severity, message, rows.empty, None, len(rows), None, samples))
    return Verdict("cross_source", outcomes, f"duckdb {duckdb.__version__}")


def validate_warehouse(con: duckdb.DuckDBPyConnection, gate: validation.Gate) -> list[Verdict]:
    """Run each kind's suite over the warehouse and the cross-source checks; record every run."""
    verdicts = []
    for kind in KINDS:
        frame = con.execute((CHECKS_DIR / f"{kind}.sql").read_text(encoding="utf-8")).df()
        verdict = gate.validate(frame, kind)
        run_id = validation.record(con, verdict, None, "warehouse")
        gate.keep(verdict, f"warehouse-run-{run_id}", "warehouse")
        verdicts.append(verdict)
    cross = run_cross_source(con)
    validation.record(con, cross, None, "warehouse")
    verdicts.append(cross)
    return verdicts
