"""Suite for the RNCP referential: one row per fiche carried by an export load."""

from __future__ import annotations

from great_expectations.expectations.row_conditions import Column

from expectations.common import RNCP_CODE, build, expect, table_checks

LEVELS = ["NIV1", "NIV2", "NIV3", "NIV4", "NIV5", "NIV6", "NIV7", "NIV8"]
HAS_FICHE = Column("has_fiche") == True  # noqa: E712 (a GX condition, not a comparison)


def suite(settings=None):
    return build(
        "rncp_referential",
        [
            *table_checks(("certification_code",)),
            expect(
                "ExpectColumnValuesToMatchRegex",
                "error",
                "a fiche number RNCP followed by 3 to 6 digits",
                column="certification_code",
                regex=RNCP_CODE,
            ),
            expect(
                "ExpectColumnValuesToNotBeNull",
                "warning",
                "a title (INTITULE)",
                column="title",
                row_condition=HAS_FICHE,
            ),
            expect(
                "ExpectColumnValuesToBeInSet",
                "warning",
                f"a level among {', '.join(LEVELS)}",
                column="level",
                value_set=LEVELS,
            ),
            expect(
                "ExpectColumnValuesToNotBeNull",
                "warning",
                "a registration end date jj/mm/aaaa",
                column="registration_end_date",
                row_condition=HAS_FICHE,
            ),
            expect(  # issue #16 (pipeline/load/referential.py counts them with pipeline/core/siret.py)
                "ExpectColumnValuesToBeBetween",
                "warning",
                "partner SIRETs of 14 digits with a valid check key",
                column="malformed_partner_sirets",
                max_value=0,
            ),
            expect(
                "ExpectColumnValuesToBeBetween",
                "warning",
                "published rates within 0 and 100",
                column="max_published_rate",
                min_value=0,
                max_value=100,
            ),
        ],
    )
