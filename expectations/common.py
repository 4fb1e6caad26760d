"""Helpers shared by the suites."""

from __future__ import annotations

import great_expectations as gx
import pandas as pd

from pipeline.core import clock
from pipeline.core.codes import CUT_ROW, NUL_SUFFIX, RNCP_CODE, ROME_CODE  # noqa: F401 (re-exported for the suites)

# Severity of a check on a field that does not define the row: the field is set aside, the row kept.
FIELD = "field"


def expect(name: str, severity: str, message: str, **kwargs):
    """One expectation of class ``gx.expectations.<name>`` tagged with its severity and message."""
    cls = getattr(gx.expectations, name)
    return cls(meta={"severity": severity, "message": message}, **kwargs)


def table_checks(required: tuple[str, ...]) -> list:
    """File-level: the file has rows and every required column."""
    checks = [expect("ExpectTableRowCountToBeBetween", "error", "at least one data row", min_value=1)]
    checks += [
        expect(
            "ExpectColumnToExist", "error", f"a column for {column!r} (see data/templates/)", column=column
        )
        for column in required
    ]
    return checks


def identity_checks() -> list:
    """Row-level: a candidate reference and a well-formed certification code."""
    message = "a certification code RNCP followed by 3 to 6 digits"
    return [
        *not_null("candidate_hash", "a candidate reference"),
        *not_null("certification_code", message),
        expect(
            "ExpectColumnValuesToMatchRegex", "error", message, column="certification_code", regex=RNCP_CODE
        ),
    ]


def in_set(column: str, values: list[str], severity: str = "error") -> list:
    return [
        expect(
            "ExpectColumnValuesToBeInSet",
            severity,
            f"one of {', '.join(values)}",
            column=column,
            value_set=values,
        )
    ]


def not_null(column: str, message: str, severity: str = "error", **kwargs) -> list:
    return [expect("ExpectColumnValuesToNotBeNull", severity, message, column=column, **kwargs)]


def parses_as_date(column: str, severity: str = "error") -> list:
    """The text of a date column, where given, parsed (``<column>_unparsed`` holds what did not)."""
    return [
        expect(
            "ExpectColumnValuesToBeNull",
            severity,
            "a date jj/mm/aaaa or aaaa-mm-jj",
            column=f"{column}_unparsed",
        )
    ]


def not_in_future(column: str, message: str, severity: str = "error") -> list:
    """A date no later than today (:func:`pipeline.core.clock.today`, read when the suite is built, and
    the gate builds its suites again when the day changes)."""
    today = clock.today()
    return [
        expect(
            "ExpectColumnValuesToBeBetween",
            severity,
            f"{message} not after today ({today:%d/%m/%Y})",
            column=column,
            max_value=pd.Timestamp(today),
        )
    ]


NUL_MESSAGE = "text without a NUL byte (0x00, a stray control character in the file)"
CUT_MESSAGE = (
    "a complete last row: the file seems cut off at its last line "
    "(fewer fields than the header and no line end); export it again"
)


TOKEN_MESSAGES = {
    "token_unknown": "a token issued for this certification and wave (pipeline/core/tokens.py): this one names nobody "
    "of the campaign (a typo, another survey, or a token made with another key)",
    "token_expired": "an answer sent no later than the token's last valid day (the close of the wave's window)",
    "token_twice": "one answer per participant: this participant sent another answer, submitted later "
    "(that one is kept)",
}


def defect_checks(markers: tuple[str, ...], define_row: tuple[str, ...]) -> list:
    """The checks of the defect columns the reader added to a batch (pipeline/load/gate.py): a stray NUL
    byte removes the row when it is in a field that defines the row (``define_row``), else sets that
    field aside; a last row cut short is removed."""
    checks = []
    for marker in markers:
        if marker == CUT_ROW:
            checks.append(expect("ExpectColumnValuesToBeNull", "error", CUT_MESSAGE, column=marker))
        elif marker in TOKEN_MESSAGES:
            checks.append(
                expect("ExpectColumnValuesToBeNull", "error", TOKEN_MESSAGES[marker], column=marker)
            )
        else:
            column = marker.removesuffix(NUL_SUFFIX)
            severity = "error" if column in define_row else FIELD
            checks.append(expect("ExpectColumnValuesToBeNull", severity, NUL_MESSAGE, column=marker))
    return checks


def build(name: str, expectations: list):
    suite = gx.ExpectationSuite(name=name)
    for e in expectations:
        suite.add_expectation(e)
    return suite
