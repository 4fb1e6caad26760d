-- Run on the published snapshot (a copy of the warehouse that the dashboard, the SQL page and
-- `insertion sql` read), never on the warehouse: each person's pay is banded, rounded down to
-- /* @pay_band */ euros (pipeline/core/pay.py; docs/methodology.md M26). The quartiles of the marts were
-- computed from the exact amounts before the copy; declarations are verified on the warehouse itself.
update landing_survey_answers
set pay_amount = floor(pay_amount / /* @pay_band */) * /* @pay_band */,
    gross_annual_pay = floor(gross_annual_pay / /* @pay_band */) * /* @pay_band */
where pay_amount is not null or gross_annual_pay is not null;

update fct_survey_responses
set pay_amount = floor(pay_amount / /* @pay_band */) * /* @pay_band */,
    gross_annual_pay = floor(gross_annual_pay / /* @pay_band */) * /* @pay_band */
where pay_amount is not null or gross_annual_pay is not null;

update declaration_answers
set gross_annual_pay = floor(gross_annual_pay / /* @pay_band */) * /* @pay_band */
where gross_annual_pay is not null;

-- Issue #27: the keyed digests of NIRs link a CDC flux to the jury files in the warehouse only (the marts are
-- computed): readers of the snapshot never get them, not even as digests.
update landing_cdc_passages set nir_hash = null where nir_hash is not null;
update landing_cohort_results set nir_hash = null where nir_hash is not null;
