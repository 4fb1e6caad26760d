"""Great Expectations suites, one module per input kind, defined in code (GX Core 1.x).

Every expectation carries ``meta``: ``severity`` (``error`` rejects the row, or the whole file for
table-level expectations; ``warning`` loads and reports) and ``message`` (what was expected, for people).
Importing this package does not import Great Expectations: suites are built on demand.
"""

# batch kind -> (module, function building its suite)
SUITES = {
    "cohort_results": ("expectations.cohort_results", "suite"),
    "survey_answers": ("expectations.survey_answers", "suite"),
    "rncp_referential": ("expectations.rncp_referential", "suite"),
    "rome_codes": ("expectations.rome_referential", "codes_suite"),
    "rome_appellations": ("expectations.rome_referential", "appellations_suite"),
    "cdc_flux": ("expectations.cdc_flux", "suite"),  # issue #27: the Caisse des Dépôts flux
}
