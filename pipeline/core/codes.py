"""The shapes of the codes the product reads (RNCP fiches, ROME jobs): one owner for every regex.

Python readers, the Great Expectations suites and the SQL marts all use these (the marts read
``is_job_code`` columns computed with :func:`is_job_code`, never a regex of their own)."""

from __future__ import annotations

import re

RNCP_CODE = r"^RNCP[0-9]{3,6}$"
ROME_CODE = r"^[A-N][0-9]{4}$"
# Job-level ROME codes: a letter and four digits not ending in 00. ``A1500``, ``A12`` and ``M18`` are
# domain-level codes of the RNCP export, kept apart: they never make a job count as in target.
ROME_JOB_CODE = r"^[A-N][0-9]{2}(0[1-9]|[1-9][0-9])$"

_ROME = re.compile(ROME_CODE)
_ROME_JOB = re.compile(ROME_JOB_CODE)


def is_rome_code(code: str | None) -> bool:
    """A well-formed ROME code (letter A–N and four digits), job- or domain-level."""
    return bool(code) and bool(_ROME.match(code))


def is_job_code(code: str | None) -> bool:
    """A job-level ROME code (see :data:`ROME_JOB_CODE`)."""
    return bool(code) and bool(_ROME_JOB.match(code))


# Columns the reader adds to a batch where it found a defect that no field check can see, each checked by
# an expectation of its own (expectations/common.py: defect_checks): ``<column>_nul`` holds the value of
# ``<column>`` that has a stray NUL byte; ``last_row_cut`` marks a last row cut short (file truncated).
NUL_SUFFIX = "_nul"
CUT_ROW = "last_row_cut"
