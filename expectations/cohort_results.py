"""Suite for cohort results (one row per candidate and jury decision)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from expectations.common import (
    FIELD,
    build,
    expect,
    identity_checks,
    in_set,
    not_in_future,
    not_null,
    parses_as_date,
    table_checks,
)
from pipeline.core import siret
from pipeline.core.normalise import canonical_values

EARLIEST_JURY = dt.date(1990, 1, 1)

# No two rows of one file share these (a warning: the staging view keeps the last row).
ROW_KEY = ("candidate_hash", "certification_code", "jury_date")


def suite(settings=None):
    """The cohort-results suite; ``settings`` is accepted for symmetry with the survey suite. A jury date
    after today is an error: the decision has not been taken yet, so nobody is certified by it."""
    return build(
        "cohort_results",
        [
            *table_checks(("candidate_hash", "certification_code", "jury_date", "access_route", "outcome")),
            *identity_checks(),
            *parses_as_date("jury_date"),
            *not_null("jury_date", "a date jj/mm/aaaa or aaaa-mm-jj"),
            expect(
                "ExpectColumnValuesToBeBetween",
                "error",
                f"a jury date from {EARLIEST_JURY:%d/%m/%Y}",
                column="jury_date",
                min_value=pd.Timestamp(EARLIEST_JURY),
            ),
            *not_in_future("jury_date", "a jury date"),
            # the route does not say who was certified: a missing or unknown one is set aside (NR)
            *not_null("access_route", "an access route (FI, CA, FC, CQ, CL or VAE)", severity=FIELD),
            *in_set("access_route", canonical_values("access_route"), FIELD),
            # issue #16: a malformed partner SIRET (pipeline/core/siret.py) or an unknown « évaluation organisée
            # par » sets that field aside, the row is kept
            expect("ExpectColumnValuesToBeNull", FIELD, siret.MESSAGE, column="partner_siret_unparsed"),
            *in_set("assessed_by", canonical_values("assessed_by"), FIELD),
            *not_null("outcome", "an outcome (certifié, partiel or ajourné)"),
            *in_set("outcome", canonical_values("outcome")),
            expect(
                "ExpectCompoundColumnsToBeUnique",
                "warning",
                "one row per candidate, certification and jury date in a file (the last row is kept)",
                column_list=list(ROW_KEY),
                ignore_row_if="any_value_is_missing",  # a row naming nobody is no duplicate
            ),
        ],
    )
