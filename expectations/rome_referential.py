"""Suites for the ROME 4.0 referential: job codes and job titles (appellations)."""

from __future__ import annotations

from expectations.common import ROME_CODE, build, expect, not_null, table_checks


def codes_suite(settings=None):
    return build(
        "rome_codes",
        [
            *table_checks(("rome_code", "label")),
            expect(
                "ExpectColumnValuesToMatchRegex",
                "error",
                "a ROME code: a letter A-N and 4 digits",
                column="rome_code",
                regex=ROME_CODE,
            ),
            *not_null("label", "a job label"),
            expect("ExpectColumnValuesToBeUnique", "error", "each ROME code once", column="rome_code"),
        ],
    )


def appellations_suite(settings=None):
    return build(
        "rome_appellations",
        [
            *table_checks(("code_ogr", "label", "rome_code")),
            *not_null("label", "a job title"),
            expect(
                "ExpectColumnValuesToMatchRegex",
                "error",
                "a ROME code: a letter A-N and 4 digits",
                column="rome_code",
                regex=ROME_CODE,
            ),
            expect("ExpectColumnValuesToBeUnique", "error", "each OGR code once", column="code_ogr"),
        ],
    )
