"""Suite for insertion survey answers (one row per surveyed person and wave)."""

from __future__ import annotations

from great_expectations.expectations.row_conditions import Column

from pipeline.config import Settings
from pipeline.normalise import canonical_values
from pipeline.sources.surveys import SURVEY_ANSWERS

from .common import ROME_CODE, build, expect, identity_checks, in_set, not_null, parses_as_date, table_checks

EMPLOYED = Column("situation").is_in(["employed", "employed_abroad"])


def suite(settings: Settings | None = None):
    settings = settings or Settings.load()
    (lo6, hi6), (lo24, hi24) = settings.window_6m, settings.window_24m
    return build(
        "survey_answers",
        [
            *table_checks(("candidate_hash", "certification_code", "wave", "situation")),
            *identity_checks(),
            *not_null("wave", "a wave: 6 mois or 2 ans"),
            *in_set("wave", canonical_values("wave")),
            *in_set("situation", canonical_values("situation")),
            *in_set("contract_type", canonical_values("contract_type")),
            *in_set("working_time", canonical_values("working_time")),
            *in_set("work_location", canonical_values("work_location")),
            *in_set("target_decision", canonical_values("target_decision")),
            expect(
                "ExpectColumnValuesToMatchRegex",
                "error",
                "a ROME code: a letter A-N and 4 digits (e.g. M1706)",
                column="rome_code",
                regex=ROME_CODE,
            ),
            expect(
                "ExpectColumnValuesToBeBetween",
                "error",
                "a promotion year between 1990 and 2100",
                column="promotion",
                min_value=1990,
                max_value=2100,
            ),
            *parses_as_date("answer_date"),
            expect(
                "ExpectCompoundColumnsToBeUnique",
                "error",
                "one answer per candidate, certification and wave (this person answered twice)",
                column_list=list(SURVEY_ANSWERS.key),
            ),
            expect(
                "ExpectColumnPairValuesAToBeGreaterThanB",
                "error",
                "an answer date after the jury date",
                column_A="answer_date",
                column_B="jury_date",
                or_equal=False,
                ignore_row_if="either_value_is_missing",
            ),
            expect(
                "ExpectColumnValuesToBeBetween",
                "warning",
                f"a 6-month answer {lo6} to {hi6} months after the jury",
                column="months_after_jury",
                min_value=lo6,
                max_value=hi6,
                row_condition=Column("wave") == "6",
            ),
            expect(
                "ExpectColumnValuesToBeBetween",
                "warning",
                f"a 2-year answer {lo24} to {hi24} months after the jury",
                column="months_after_jury",
                min_value=lo24,
                max_value=hi24,
                row_condition=Column("wave") == "24",
            ),
            *not_null(
                "job_title",
                "a job title for an employed respondent",
                severity="warning",
                row_condition=EMPLOYED,
            ),
            expect(
                "ExpectColumnValuesToBeInSet",
                "warning",
                "a respondent found certified for this certification in the cohort results",
                column="known_in_cohorts",
                value_set=[True],
            ),
        ],
    )
