"""Cohort results: one row per candidate and jury decision (jury minutes, training-management exports)."""

from __future__ import annotations

import pandas as pd

from pipeline.core import personal, siret
from pipeline.core.normalise import map_distinct
from pipeline.load.batch import Batch, Kind
from pipeline.load.sources.tabular import Tabular

# the fields that say who, which certification and what was decided: a defect there removes the row
# (a stray NUL byte, as for the suite's checks); elsewhere it sets the field aside
DEFINE_ROW = ("candidate_hash", "certification_code", "jury_date", "outcome")

COHORT_RESULTS = Kind(
    name="cohort_results",
    label="cohort results",
    table="landing_cohort_results",
    columns=(
        "candidate_ref",
        "certification_code",
        "jury_date",
        "access_route",
        "outcome",
        "blocks_validated",
        "site",
        # issue #16: the partner organisation (« organisme habilité ») and who organised the assessment
        "partner_name",
        "partner_siret",
        "assessed_by",
    ),
    required=("candidate_ref", "certification_code", "jury_date", "access_route", "outcome"),
    distinctive=("jury_date", "outcome", "access_route", "blocks_validated"),
    domains={"access_route": "access_route", "outcome": "outcome", "assessed_by": "assessed_by"},
    dates=("jury_date",),
    define_row=DEFINE_ROW,
)


def type_batch(batch: Batch) -> Batch:
    """Cohort-specific typing: certification codes without spaces, upper case; partner SIRETs without
    their separators, and ``partner_siret_unparsed`` holding the text of a malformed one (checked by the
    suite: that field is set aside, the row kept); an e-mail or phone number typed in a field is set aside
    (:mod:`pipeline.core.personal`)."""
    f = batch.frame
    batch.notes += personal.screen(f, batch.original, batch.mapped, skip=("candidate_ref",))
    if "certification_code" in f:
        f["certification_code"] = f["certification_code"].str.replace(" ", "", regex=False).str.upper()
    text = f["partner_siret"].astype("string")
    cleaned = map_distinct(text, lambda values: [siret.clean(v) for v in values], "string")
    valid = map_distinct(cleaned, lambda values: [siret.is_valid(v) for v in values], "boolean")
    f["partner_siret"] = cleaned
    f["partner_siret_unparsed"] = text.where(cleaned.notna() & ~valid.fillna(False).astype(bool))
    return batch


def to_landing(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows and columns written to ``landing_cohort_results`` (missing optional columns as NULL)."""
    out = frame.reindex(columns=["source_row", *COHORT_RESULTS.landing_columns])
    out["jury_date"] = pd.to_datetime(out["jury_date"]).dt.date
    return out


# the source (pipeline/load/sources/__init__.py): told by its headers, typed and written as above
SOURCE = Tabular(COHORT_RESULTS, type_batch, to_landing)
