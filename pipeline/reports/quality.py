"""The validation history, the loads, the quarantine, the rules the figures applied and the job titles to
review, as ``insertion quality`` / ``titles`` and the Qualité page read them (the validation itself:
:mod:`pipeline.load.checks`)."""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from pipeline.core.quality_labels import (
    OUTCOME_LABELS,
    RESULT_LABELS,
    SEVERITY_LABELS,
    expectation_label,
    message_fr,
    reasons_fr,
    suite_label,
)
from pipeline.load.gate import Verdict
from pipeline.reports.unloads import STATUS_LABELS

# the French headers of the tables below, for the command line (the dashboard names its own columns)
HEADERS = {
    "run_id": "passage",
    "started": "le",
    "scope": "portée",
    "suite": "suite",
    "file": "fichier",
    "load_status": "chargement",
    "result": "résultat",
    "evaluated": "contrôles",
    "failed_errors": "erreurs",
    "failed_warnings": "avertissements",
    "expectation": "contrôle",
    "column": "colonne",
    "severity": "gravité",
    "unexpected": "écarts",
    "samples": "exemples",
    "sample_values": "exemples",
    "description": "attendu",
    "label": "règle",
    "certification_code": "certification",
    "n": "nombre",
    "files": "fichiers",
    # the quarantine and its counts
    "load_id": "chargement",
    "file_name": "fichier",
    "source_row": "ligne",
    "kind": "type",
    "outcome": "effet",
    "reasons": "motifs",
    "status": "statut",
    "expected": "attendu",
    "rows_failing": "lignes en erreur",
    "examples_kept": "exemples gardés",
}
# what each column's codes read as
_VALUES = {
    "suite": suite_label,
    "expectation": expectation_label,
    "severity": lambda s: SEVERITY_LABELS.get(s, s),
    "result": lambda s: RESULT_LABELS.get(s, s),
    "load_status": lambda s: STATUS_LABELS.get(s, s),
    "scope": lambda s: {"file": "fichier", "warehouse": "entrepôt"}.get(s, s),
    "description": message_fr,
    "expected": message_fr,
    "kind": suite_label,
    "status": lambda s: STATUS_LABELS.get(s, s),
    "outcome": lambda o: OUTCOME_LABELS.get(o, o),
    "reasons": lambda text: reasons_fr(text, " | "),
    "file": lambda f: "(entrepôt)" if f == "(warehouse)" else f,
}


def labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """One of this module's tables with its codes in French (its column names kept): what every face shows."""
    out = frame.copy()
    for column, label in _VALUES.items():
        if column in out.columns:
            out[column] = out[column].map(lambda v, f=label: f(v) if v is not None and v == v else v)
    return out


def in_french(frame: pd.DataFrame) -> pd.DataFrame:
    """One of this module's tables as the command line prints it: French headers and labels."""
    return labelled(frame).rename(columns=HEADERS)


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
    """Quarantined rows, newest load first, with every reason; ``outcome``: row or field
    (:data:`~pipeline.core.quality_labels.OUTCOME_LABELS`)."""
    frame = con.execute(
        """
        select load_id, file_name, source_row, kind,
               outcome, reasons
        from quarantine order by load_id desc, source_row limit ?
        """,
        [limit],
    ).df()
    frame["reasons"] = frame["reasons"].map(lambda r: " | ".join(r))
    return frame


def quarantine_counts(con: duckdb.DuckDBPyConnection, limit: int = 100) -> pd.DataFrame:
    """Per load, column and check that set rows or fields aside: every failing row counted (its validation
    run) beside the examples the quarantine keeps (at most ``INSERTION_QUARANTINE_EXAMPLES`` per check:
    pipeline/load/staging.py), newest load first."""
    return con.execute(
        """
        with checks as (
            select r.load_id, v.expectation_type, v.column_name, v.description, v.unexpected_count,
                   case v.severity when 'error' then 'row' else 'field' end as outcome
            from validation_results as v join validation_runs as r using (run_id)
            where r.scope = 'file' and r.load_id is not null and not v.success
              and v.severity in ('error', 'field') and v.unexpected_count > 0
        )
        select c.load_id, l.file_name, l.status, c.column_name as column, c.outcome,
               c.description as expected, c.unexpected_count as rows_failing,
               (select count(*) from quarantine as q
                where q.load_id = c.load_id and q.outcome = c.outcome
                  and list_contains(q.expectations, c.expectation_type)
                  and len(list_filter(q.reasons, lambda x: suffix(x, 'expected ' || c.description))) > 0
               ) as examples_kept
        from checks as c join load_log as l using (load_id)
        order by c.load_id desc, rows_failing desc, c.column_name
        limit ?
        """,
        [limit],
    ).df()


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
    """Every survey job title with its automatic ROME match (``candidate_rome_codes``: every code the title
    is an appellation of, M11) and the reviewers' latest decisions (view ``stg_title_reviews``: one row
    per decision, for one certification or for all)."""
    return con.execute(
        """
        select m.job_title, m.rome_code as matched_rome_code,
               array_to_string(m.rome_codes, ', ') as candidate_rome_codes, m.appellation, m.method, m.score,
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
