"""Suite for insertion survey answers (one row per surveyed person and wave)."""

from __future__ import annotations

from great_expectations.expectations.row_conditions import Column

from expectations.common import (
    FIELD,
    ROME_CODE,
    build,
    expect,
    identity_checks,
    in_set,
    not_in_future,
    not_null,
    parses_as_date,
    table_checks,
)
from pipeline.core.config import Settings
from pipeline.core.normalise import canonical_values

EMPLOYED = Column("situation").is_in(["employed", "employed_abroad"])
# issue #17: the floor of a plausible annual pay holds for a job not declared part-time
NOT_PART_TIME = Column("working_time") != "part_time"
PAY_MESSAGE = (
    "a gross pay in euros (e.g. 32 000) and its period: a column « salaire brut annuel » or "
    "« salaire brut mensuel », or « salaire brut » with « période de rémunération » annuel or mensuel"
)

# No two rows of one file share these (a warning: the staging view keeps the last row). A row missing one
# of them (no candidate: an unknown survey token, a missing reference) is an error of its own, never a
# duplicate of another such row: the check sees only the rows that name a candidate (issue #24).
ROW_KEY = ("candidate_hash", "certification_code", "wave")


def suite(settings: Settings | None = None):
    """File-local checks only: what needs the cohort results (answer after the jury, survey windows,
    respondent certified) runs in the warehouse, where both sources are (``pipeline/load/sql/checks/``), so that the
    figures never depend on the order in which files arrive.

    Severities: ``error`` removes the answer (only the fields that say who, which certification, which
    wave and which situation); ``field`` sets the failing field aside (NULL, reported in the quarantine)
    and keeps the answer (a malformed answer date or one after today, among others); ``warning`` loads
    and reports."""
    settings = settings or Settings()
    return build(
        "survey_answers",
        [
            *table_checks(("candidate_hash", "certification_code", "wave", "situation")),
            *identity_checks(),
            *not_null("wave", "a wave: 6 mois or 2 ans"),
            *in_set("wave", canonical_values("wave")),
            *in_set("situation", canonical_values("situation")),
            *in_set("contract_type", canonical_values("contract_type"), FIELD),
            *in_set("working_time", canonical_values("working_time"), FIELD),
            *in_set("work_location", canonical_values("work_location"), FIELD),
            *in_set("target_decision", canonical_values("target_decision"), FIELD),
            *in_set("executive", canonical_values("executive"), FIELD),
            *pay_checks(settings),
            expect(
                "ExpectColumnValuesToMatchRegex",
                FIELD,
                "a ROME code: a letter A-N and 4 digits (e.g. M1706)",
                column="rome_code",
                regex=ROME_CODE,
            ),
            expect(
                "ExpectColumnValuesToBeBetween",
                FIELD,
                "a promotion year between 1990 and 2100",
                column="promotion",
                min_value=1990,
                max_value=2100,
            ),
            *parses_as_date("answer_date", FIELD),
            # like a malformed answer date, one in the future is set aside (the answer still counts)
            *not_in_future("answer_date", "an answer date", FIELD),
            expect(
                "ExpectCompoundColumnsToBeUnique",
                "warning",
                "one answer per candidate, certification and wave in a file (one is kept: see the methodology)",
                column_list=list(ROW_KEY),
                ignore_row_if="any_value_is_missing",
            ),
            *not_null(
                "job_title",
                "a job title for an employed respondent",
                severity="warning",
                row_condition=EMPLOYED,
            ),
        ],
    )


def pay_checks(settings: Settings) -> list:
    """A pay is a number with its period (else set aside: ``gross_annual_pay_unparsed``, filled by
    pipeline/load/sources/surveys.py), and its annual amount is plausible: at least ``pay_floor`` for a job not
    declared part-time, at most ``pay_ceiling`` (settings). Outside, the pay is set aside, the answer counts."""
    floor, ceiling = (
        f"{settings.pay_floor:,}".replace(",", " "),
        f"{settings.pay_ceiling:,}".replace(",", " "),
    )
    return [
        expect("ExpectColumnValuesToBeNull", FIELD, PAY_MESSAGE, column="gross_annual_pay_unparsed"),
        expect(
            "ExpectColumnValuesToBeBetween",
            FIELD,
            f"a gross annual pay of at least {floor} € for a job not declared part-time "
            "(a monthly amount × 12; about half the annual full-time SMIC: setting pay_floor)",
            column="gross_annual_pay",
            min_value=settings.pay_floor,
            row_condition=NOT_PART_TIME,
        ),
        expect(
            "ExpectColumnValuesToBeBetween",
            FIELD,
            f"a gross annual pay of at most {ceiling} € (setting pay_ceiling)",
            column="gross_annual_pay",
            max_value=settings.pay_ceiling,
        ),
    ]
