-- Landing: typed rows with canonical values and their lineage (load, file, row). Appended per load.
create table if not exists landing_cohort_results (
    load_id             integer not null,
    source_file         varchar not null,
    source_row          integer not null,
    candidate_hash      varchar not null,
    certification_code  varchar not null,
    jury_date           date not null,
    access_route        varchar not null,
    outcome             varchar not null,
    blocks_validated    varchar,
    site                varchar
);

create table if not exists landing_survey_answers (
    load_id             integer not null,
    source_file         varchar not null,
    source_row          integer not null,
    candidate_hash      varchar not null,
    certification_code  varchar not null,
    promotion           integer,
    wave                integer not null,        -- 6 | 24 (months)
    answer_date         date,
    situation           varchar not null,
    job_title           varchar,
    rome_code           varchar,
    contract_type       varchar,
    working_time        varchar,
    employer_sector     varchar,
    work_location       varchar,
    target_decision     varchar                  -- in | out | null: adequacy decided by a person
);

-- Interim referential (replaced by the RNCP export): target ROME codes and per-certification settings.
create table if not exists ref_target_jobs (
    certification_code  varchar not null,
    rome_code           varchar not null,
    rome_label          varchar,
    source              varchar
);

create table if not exists ref_certifications (
    certification_code  varchar primary key,
    title               varchar,
    international       boolean not null default false,
    source              varchar
);
