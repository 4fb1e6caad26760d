-- Survey campaigns: who was sent an invitation or a reminder, when, for which wave. Pseudonyms only: the
-- contact details used to write the participants file never enter the warehouse, and the token is not
-- stored (it is derived from the pseudonym: pipeline/core/tokens.py). Created once, never dropped by a build.
create table if not exists survey_mailings (
    certification_code  varchar not null,
    wave                integer not null,               -- 6 | 24 (months)
    candidate_hash      uuid not null,
    promotion           integer not null,               -- the year of the person's jury
    site                varchar not null,               -- '' when the cohort file gave none
    partner_siret       varchar,                        -- the person's partner (issue #16), for scoping
    kind                varchar not null,               -- invitation | relance
    valid_from          date not null,
    valid_until         date not null,
    sent_at             timestamp not null,             -- when the participants file was written
    file_name           varchar not null                -- the file written (its name only)
);
