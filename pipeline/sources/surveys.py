"""Insertion surveys: one row per surveyed person and wave (6 months, 2 years), from LimeSurvey,
Google Forms or Sphinx exports."""

from __future__ import annotations

import pandas as pd

from ..batch import Batch, Kind

SURVEY_ANSWERS = Kind(
    name="survey_answers",
    label="insertion survey",
    table="landing_survey_answers",
    columns=(
        "candidate_ref",
        "certification_code",
        "promotion",
        "wave",
        "answer_date",
        "situation",
        "job_title",
        "rome_code",
        "contract_type",
        "working_time",
        "employer_sector",
        "work_location",
        "target_decision",
    ),
    required=("candidate_ref", "certification_code", "wave", "situation"),
    distinctive=("wave", "situation", "answer_date", "job_title", "rome_code", "contract_type"),
    domains={
        "wave": "wave",
        "situation": "situation",
        "contract_type": "contract_type",
        "working_time": "working_time",
        "work_location": "work_location",
        "target_decision": "target_decision",
    },
    dates=("answer_date",),
    key=("candidate_hash", "certification_code", "wave"),
)

# the fields that say who, which certification, which wave and which situation: a defect there removes
# the answer (a stray NUL byte, as for the suite's checks); elsewhere it sets the field aside
DEFINE_ROW = ("candidate_hash", "certification_code", "wave", "situation")


def type_batch(batch: Batch) -> Batch:
    """Survey-specific typing: empty situation means no answer; ROME and RNCP codes upper case."""
    f = batch.frame
    if "situation" in f:
        f["situation"] = f["situation"].fillna("no_response")
    for column in ("certification_code", "rome_code"):
        if column in f:
            f[column] = f[column].str.replace(" ", "", regex=False).str.upper()
    if "working_time" in f:
        f["working_time"] = f["working_time"].map(_quotity, na_action="ignore").astype("string")
    if "promotion" in f:
        f["promotion"] = pd.to_numeric(f["promotion"], errors="coerce").astype("Int64")
    return batch


def _quotity(value: str) -> str:
    """Working time given as a share (« 100 % », « 80 % », « 0,5 ») -> full_time / part_time."""
    text = str(value).replace("%", "").replace(",", ".").strip()
    try:
        share = float(text)
    except ValueError:
        return value
    if "%" not in str(value) and share <= 1:
        share *= 100
    return "full_time" if share >= 100 else "part_time"


def to_landing(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows and columns written to ``landing_survey_answers``."""
    out = frame.reindex(columns=["source_row", *SURVEY_ANSWERS.landing_columns])
    out["wave"] = pd.to_numeric(out["wave"], errors="coerce").astype("Int64")
    out["answer_date"] = pd.to_datetime(out["answer_date"]).dt.date
    return out
