"""Warehouse-wide validation (every suite again, plus cross-source checks in SQL) and the validation
history that ``insertion quality`` and the dashboard read."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pandas as pd

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
    "certified_in_several_years": (
        "certified_once_per_certification",
        "a person certified once per certification (else counted in each year)",
    ),
    "cohort_conflict": ("one_decision_per_jury", "one decision per person, certification and jury date"),
}
ISSUE_SQL = (
    "select certification_code, year, wave, source_file, source_row from quality_issues "
    "where issue = '{issue}' order by all"  # issue: a constant of ISSUE_CHECKS
)


def cross_source_checks() -> list[tuple[str, str, str, str]]:
    """(name, severity, message, sql) for each rule of :data:`ISSUE_CHECKS` and each check of
    ``pipeline/reports/sql/checks/cross_source.sql``."""
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


def summary(verdicts: list[Verdict]) -> pd.DataFrame:
    """One line per expectation: suite, expectation, column, severity, result, unexpected count."""
    return pd.DataFrame(
        [
            {
                "suite": v.suite,
                "expectation": o.expectation_type,
                "column": o.column or "",
                "severity": o.severity,
                "result": "ok" if o.success else "FAILED",
                "unexpected": o.unexpected_count if o.unexpected_count is not None else "",
                "samples": ", ".join(map(str, o.samples[:3])),
            }
            for v in verdicts
            for o in v.outcomes
        ]
    )


def history(con: duckdb.DuckDBPyConnection, limit: int = 50) -> pd.DataFrame:
    """The latest validation runs, newest first, with the file each one validated."""
    return con.execute(
        """
        select r.run_id, strftime(r.started_at, '%d/%m/%Y %H:%M:%S') as started, r.scope, r.suite,
               coalesce(l.file_name, '(warehouse)') as file, l.status as load_status,
               case when r.success then 'ok' else 'FAILED' end as result,
               r.evaluated, r.failed_errors, r.failed_warnings
        from validation_runs as r
        left join load_log as l using (load_id)
        order by r.run_id desc
        limit ?
        """,
        [limit],
    ).df()


def run_details(con: duckdb.DuckDBPyConnection, run_id: int) -> pd.DataFrame:
    """Every expectation of one run: pass/fail, unexpected count and sample values."""
    frame = con.execute(
        """
        select expectation_type as expectation, coalesce(column_name, '') as column, severity,
               case when success then 'ok' else 'FAILED' end as result,
               unexpected_count as unexpected, sample_values, description
        from validation_results where run_id = ? order by success, severity, expectation_type
        """,
        [run_id],
    ).df()
    frame["sample_values"] = frame["sample_values"].map(
        lambda s: ", ".join(map(str, json.loads(s or "[]")[:5]))
    )
    return frame


def issues(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """What the figures set aside or decided (view ``quality_issues``), counted per rule and certification."""
    return con.execute(
        """
        select label, certification_code, count(*) as n,
               string_agg(distinct source_file, ', ' order by source_file) as files
        from quality_issues group by all order by certification_code, n desc, label
        """
    ).df()


def quarantine(con: duckdb.DuckDBPyConnection, limit: int = 100) -> pd.DataFrame:
    """Quarantined rows, newest load first, with every reason."""
    frame = con.execute(
        """
        select load_id, file_name, source_row, kind,
               case outcome when 'field' then 'champ écarté, ligne conservée' else 'ligne écartée' end as outcome,
               reasons
        from quarantine order by load_id desc, source_row limit ?
        """,
        [limit],
    ).df()
    frame["reasons"] = frame["reasons"].map(lambda r: " | ".join(r))
    return frame


def loads(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every load, newest first (the Qualité page's « Chargements »)."""
    return con.execute(
        """
        select load_id, file_name, coalesce(kind, '?') as kind, status, rows_read, rows_loaded, rows_quarantined,
               rows_warned, started_at, array_to_string(dropped_columns, ', ') as dropped, message
        from load_log order by load_id desc
        """
    ).df()


def issue_counts(con: duckdb.DuckDBPyConnection, scope: list[str] | None = None) -> list[tuple[str, int]]:
    """(rule, count) of the cases the figures set aside or decided (view ``quality_issues``), for the
    ``scope`` certifications (all when None), most frequent first."""
    return con.execute(
        "select label, count(*) from quality_issues "
        "where $scope::varchar[] is null or list_contains($scope::varchar[], certification_code) "
        "group by label order by 2 desc, 1",
        {"scope": scope},
    ).fetchall()


def unmatched_titles(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The job titles waiting for a reviewer, every certification (`insertion titles --unmatched`)."""
    return con.execute(
        """
        select job_title, status, any_value(proposed_rome_code) as proposed_rome_code,
               max(match_score) as score, count(*) as respondents,
               string_agg(distinct certification_code, ', ' order by certification_code) as certifications
        from titles_to_review group by job_title, status
        order by respondents desc, job_title
        """
    ).df()


def title_matches(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every survey job title with its automatic ROME match and the reviewers' latest decisions
    (view ``stg_title_reviews``: one row per decision, for one certification or for all)."""
    return con.execute(
        """
        select m.job_title, m.rome_code as matched_rome_code, m.appellation, m.method, m.score,
               r.rome_code as reviewed_rome_code, r.in_target as reviewed_in_target, r.reviewer,
               strftime(r.decided_at, '%d/%m/%Y') as reviewed_on,
               case when r.review_id is not null then coalesce(r.certification_code, 'toutes') end
                   as reviewed_for,
               (select count(*) from stg_survey_answers as s where s.job_title = m.job_title) as answers
        from job_title_matches as m
        left join stg_title_reviews as r using (title_key)
        order by m.method desc, answers desc, m.job_title, r.certification_code nulls first
        """
    ).df()
