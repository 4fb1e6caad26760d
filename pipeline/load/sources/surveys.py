"""Insertion surveys: one row per surveyed person and wave (6 months, 2 years), from LimeSurvey,
Google Forms or Sphinx exports."""

from __future__ import annotations

import re

import pandas as pd

from pipeline.core import personal
from pipeline.core.pay import MASKED, band_text
from pipeline.indicators.conditions import MONTHS_PER_YEAR
from pipeline.load.batch import Batch, Kind
from pipeline.load.sources.tabular import Tabular

# the fields that say who, which certification, which wave and which situation: a defect there removes
# the answer (a stray NUL byte, as for the suite's checks); elsewhere it sets the field aside
DEFINE_ROW = ("candidate_hash", "certification_code", "wave", "situation")

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
        # issue #17: cadre status and gross pay (see PAY below)
        "executive",
        "pay_amount",
        "pay_period",
        "pay_annual",
        "pay_monthly",
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
        "executive": "executive",
        "pay_period": "pay_period",
    },
    dates=("answer_date",),
    define_row=DEFINE_ROW,
)


def type_batch(batch: Batch) -> Batch:
    """Survey-specific typing: empty situation means no answer; ROME and RNCP codes upper case; an e-mail
    or phone number typed in a field is set aside (:mod:`pipeline.core.personal`)."""
    f = batch.frame
    batch.notes += personal.screen(f, batch.original, batch.mapped, skip=("candidate_ref",))
    if "situation" in f:
        f["situation"] = f["situation"].fillna("no_response")
    for column in ("certification_code", "rome_code"):
        if column in f:
            f[column] = f[column].str.replace(" ", "", regex=False).str.upper()
    if "working_time" in f:
        f["working_time"] = f["working_time"].map(_quotity, na_action="ignore").astype("string")
    if "promotion" in f:
        f["promotion"] = pd.to_numeric(f["promotion"], errors="coerce").astype("Int64")
    _annual_pay(batch)
    return batch


# Pay (issue #17). Three ways to give it, each a column of its own (pipeline/core/mappings/headers.json):
# * « Salaire brut annuel » (pay_annual): a gross annual amount, taken as it is;
# * « Salaire brut mensuel » (pay_monthly): a gross monthly amount, × MONTHS_PER_YEAR;
# * « Salaire brut » (pay_amount) with « Période de rémunération » (pay_period: annuel / mensuel).
# When several are filled, the first of that list wins. The annual figure is ``gross_annual_pay``; the
# amount as given and its period are kept beside it (``pay_amount``, ``pay_period``).
PAY_COLUMNS = ("pay_annual", "pay_monthly", "pay_amount")
# A monthly pay × 12, not 13: the survey asks for the monthly gross pay of the job, and whether the
# employer pays a 13th month (or bonuses) is not asked; × 13 would add to every monthly answer a month
# that most contracts do not pay. Stated in the methodology sheet of the renewal pack.
# input-only columns: they become gross_annual_pay / pay_amount / pay_period and are not stored
INPUT_ONLY = ("pay_annual", "pay_monthly")
_DECIMAL = re.compile(r"^\d+(?:[.,]\d{1,2})?$")
_THOUSANDS = re.compile(r"^\d{1,3}(?:[.,\s]\d{3})+(?:,\d{1,2})?$")


def parse_amount(text) -> float | None:
    """« 32 000 », « 32000 € », « 2 450,50 », « 32.000 » -> a number of euros; anything else -> None."""
    if text is None or pd.isna(text):
        return None
    value = re.sub(r"(?i)\s*(€|eur(os?)?|bruts?)\s*$", "", str(text).strip())
    value = value.replace("\u00a0", " ").replace("\u202f", " ").strip()
    if _DECIMAL.match(value):
        return float(value.replace(",", "."))
    if _THOUSANDS.match(value):
        whole, _, cents = value.rpartition(",") if re.search(r",\d{1,2}$", value) else (value, "", "")
        return float(re.sub(r"[.,\s]", "", whole) + (f".{cents}" if cents else ""))
    return None


def _annual_pay(batch: Batch) -> None:
    """``pay_amount`` (number), ``pay_period`` and ``gross_annual_pay`` from whichever pay column the file
    has; ``gross_annual_pay_unparsed`` holds the text of a pay that is not a number or has no period (a
    field check sets the pay aside, the answer counts)."""
    f = batch.frame
    amount = pd.Series(pd.NA, index=f.index, dtype="string")
    period = f["pay_period"].astype("string") if "pay_period" in f else amount.copy()
    # lowest priority first: a later column overrides where it is filled
    for column, fixed in (("pay_amount", None), ("pay_monthly", "monthly"), ("pay_annual", "annual")):
        if column in f:
            has = f[column].notna()
            amount = amount.where(~has, f[column].astype("string"))
            if fixed:
                period = period.where(~has, fixed)
    known = period.isin(["annual", "monthly"]).fillna(False)
    number = pd.Series([parse_amount(v) for v in amount], index=f.index, dtype="Float64")
    months = pd.Series(MONTHS_PER_YEAR, index=f.index, dtype="Float64").where(
        (period == "monthly").fillna(False), 1.0
    )
    annual = (number * months).where(known)
    bad = amount.notna() & annual.isna()
    f["pay_amount"] = number
    f["pay_period"] = period.where(amount.notna() & known, pd.NA)
    f["gross_annual_pay"] = annual.round(2)
    f["gross_annual_pay_unparsed"] = amount.where(bad, pd.NA)
    headers = [batch.mapped[c] for c in PAY_COLUMNS if c in batch.mapped]
    if headers:  # quarantine messages name the file's column and the pay's band (never the amount typed)
        source = pd.Series(pd.NA, index=f.index, dtype="string")
        for column in ("pay_amount", "pay_monthly", "pay_annual"):
            if column in batch.mapped:
                source = source.where(f[column].isna(), batch.mapped[column])
                typed = batch.original[batch.mapped[column]]
                batch.original[batch.mapped[column]] = [
                    band_text(parse_amount(v)) if str(v).strip() else v for v in typed
                ]
        shown = pd.Series(
            [band_text(v) if v is not pd.NA else pd.NA for v in number], index=f.index, dtype="string"
        )
        shown = shown.where(number.notna(), amount.where(amount.isna(), MASKED))
        single = len(headers) == 1
        text = shown if single else shown + " (" + source + ")"  # name the column when there are several
        monthly = (period == "monthly").fillna(False) & annual.notna()
        months = str(MONTHS_PER_YEAR)
        converted = pd.Series(
            [band_text(v) if v is not pd.NA else "" for v in annual], index=f.index, dtype="string"
        )
        text = text.where(~monthly, text + " × " + months + " = " + converted)
        if single and not monthly.any():
            batch.mapped["gross_annual_pay"] = headers[0]  # the value as written
        else:  # a derived column of the quarantined record (the file's own columns stay as they were)
            name = " / ".join(headers) + " (brut annuel)"
            batch.original[name] = text.fillna("")
            batch.mapped["gross_annual_pay"] = name


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
    columns = [c for c in SURVEY_ANSWERS.landing_columns if c not in INPUT_ONLY] + ["gross_annual_pay"]
    out = frame.reindex(columns=["source_row", *columns])
    out["wave"] = pd.to_numeric(out["wave"], errors="coerce").astype("Int64")
    out["answer_date"] = pd.to_datetime(out["answer_date"]).dt.date
    return out


# the source (pipeline/load/sources/__init__.py): told by its headers, typed and written as above; a
# LimeSurvey responses export is another source of the same rows (pipeline/load/sources/limesurvey.py)
SOURCE = Tabular(SURVEY_ANSWERS, type_batch, to_landing)
