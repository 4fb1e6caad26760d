"""Cohort results: one row per candidate and jury decision (jury minutes, training-management exports)."""

from __future__ import annotations

import pandas as pd

from pipeline.core import nir, personal, siret
from pipeline.core.normalise import map_distinct
from pipeline.load.batch import Batch, Kind
from pipeline.load.pseudonymise import pseudonymise
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
        # issue #27: the holder's NIR, kept only as a keyed digest to link the CDC flux (then dropped)
        "nir",
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
    # the NIR is not screened here: link_nir digests it, then drops it (issue #27)
    batch.notes += personal.screen(f, batch.original, batch.mapped, skip=("candidate_ref", "nir"))
    if "certification_code" in f:
        f["certification_code"] = f["certification_code"].str.replace(" ", "", regex=False).str.upper()
    text = f["partner_siret"].astype("string")
    cleaned = map_distinct(text, lambda values: [siret.clean(v) for v in values], "string")
    valid = map_distinct(cleaned, lambda values: [siret.is_valid(v) for v in values], "boolean")
    f["partner_siret"] = cleaned
    f["partner_siret_unparsed"] = text.where(cleaned.notna() & ~valid.fillna(False).astype(bool))
    scientific = f["partner_siret_unparsed"].dropna()
    scientific = scientific[scientific.map(siret.scientific).astype(bool)]
    if len(scientific):  # issue #24: say why, the quarantine says which rows
        batch.notes.append(
            f"« {batch.mapped.get('partner_siret', 'partner_siret')} » : {len(scientific)} SIRET en notation "
            f"scientifique (par exemple {scientific.iloc[0]}) mis de côté : {siret.SCIENTIFIC_HINT}"
        )
    return batch


def link_nir(batch: Batch, key: bytes) -> Batch:
    """Issue #27: a NIR column becomes the keyed digest of each valid NIR's 13 characters (the link to the
    CDC flux, docs/methodology.md M34) and is dropped: not in the landing table, the quarantine's records
    nor the suite's results. An invalid NIR (shape or key) links nobody; the load says how many."""
    f = batch.frame
    header = batch.mapped.get("nir")
    if header is None:
        return batch
    text = f["nir"].astype("string")
    verdicts = map_distinct(text, lambda values: [nir.check(v) for v in values], "string")
    links = map_distinct(text, lambda values: [nir.link_text(v) for v in values], "string")
    f["nir"] = pseudonymise(links, key)
    masked = pd.Series(nir.MASKED, index=f.index, dtype="string")
    batch.original[header] = masked.where(text.notna(), "")
    if "nir_nul" in f:  # a stray NUL byte in a NIR (pipeline/load/readers.py): its marker never shows it
        f["nir_nul"] = masked.where(f["nir_nul"].notna())
    batch.dropped_personal.append(f"{header} (condensé pour le rapprochement avec le flux CDC)")
    invalid = int(verdicts.isin([nir.MALFORMED, nir.BAD_KEY]).sum())
    if invalid:
        batch.notes.append(
            f"{invalid} NIR invalide(s) (forme ou clé) dans la colonne « {header} » : ces lignes ne seront pas "
            "reliées au flux CDC par le NIR"
        )
    return batch


def to_landing(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows and columns written to ``landing_cohort_results`` (missing optional columns as NULL)."""
    out = frame.reindex(columns=["source_row", *COHORT_RESULTS.landing_columns]).rename(
        columns={"nir": "nir_hash"}
    )
    out["jury_date"] = pd.to_datetime(out["jury_date"]).dt.date
    return out


class CohortResults(Tabular):
    """The source (pipeline/load/sources/__init__.py): told by its headers, typed and written as above; a
    NIR column digested then dropped (issue #27: :func:`link_nir`)."""

    def batches(self, path, settings, key: bytes, mapping=None, rows=None, first_rows=None):
        for batch in super().batches(path, settings, key, mapping, rows, first_rows):  # chunk by chunk
            yield link_nir(batch, key)


SOURCE = CohortResults(COHORT_RESULTS, type_batch, to_landing)
