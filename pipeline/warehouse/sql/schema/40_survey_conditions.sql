-- Issue #17: conditions of employment given in the survey (all optional). A warehouse written by an
-- earlier version gets the columns, empty for the answers it already holds.
alter table landing_survey_answers add column if not exists executive varchar;          -- yes | no (cadre)
alter table landing_survey_answers add column if not exists pay_amount double;          -- as given, in euros
alter table landing_survey_answers add column if not exists pay_period varchar;         -- annual | monthly
alter table landing_survey_answers add column if not exists gross_annual_pay double;    -- monthly × 12
