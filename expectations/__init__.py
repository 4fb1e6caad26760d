"""Great Expectations suites, one module per input kind, defined in code (GX Core 1.x).

Every expectation carries ``meta``: ``severity`` (``error`` rejects the row, or the whole file for
table-level expectations; ``warning`` loads and reports) and ``message`` (what was expected, for people).
Importing this package does not import Great Expectations: suites are built on demand.
"""

SUITES = {
    "cohort_results": "expectations.cohort_results",
    "survey_answers": "expectations.survey_answers",
}
