-- Landing: typed rows with canonical values and their lineage (load, file, row). Appended per load.
create table if not exists landing_cohort_results (
    load_id             integer not null,
    source_file         varchar not null,
    source_row          integer not null,
    candidate_hash      uuid not null,          -- HMAC-SHA256-128 of the reference (pseudonymise.py)
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
    candidate_hash      uuid not null,          -- HMAC-SHA256-128 of the reference (pseudonymise.py)
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

-- A missing or unknown access route is set aside (NULL, shown as NR), not the certified person.
alter table landing_cohort_results alter column access_route drop not null;

-- Issue #16: the partner organisation of a cohort row (optional columns; SIRET checked at ingestion,
-- pipeline/core/siret.py) and who organised the assessment (partner | certifier; NULL: not said).
alter table landing_cohort_results add column if not exists partner_name varchar;
alter table landing_cohort_results add column if not exists partner_siret varchar;
alter table landing_cohort_results add column if not exists assessed_by varchar;

-- Interim referential (replaced by the RNCP export): target ROME codes and per-certification settings.
create table if not exists ref_target_jobs (
    certification_code  varchar not null,
    rome_code           varchar not null,
    rome_label          varchar,
    source              varchar
);
-- computed with pipeline/core/codes.py (the one owner of the ROME code shapes)
alter table ref_target_jobs add column if not exists is_job_code boolean;

create table if not exists ref_certifications (
    certification_code     varchar primary key,
    title                  varchar,
    international          boolean not null default false,
    level                  varchar,
    registration_end_date  date,
    source                 varchar
);
-- Per-certification setting, off by default: a job whose ROME code's parent code is one of the fiche's
-- codes also counts as in target (a wider rule than France Compétences' definition; stated in the pack).
alter table ref_certifications add column if not exists target_parent_codes boolean default false;

-- Issue #16: the certifier's own register of partner habilitations (data/reference/partners.csv), for
-- what the export cannot say: it holds only each habilitation's current state, not its history.
create table if not exists ref_partners (
    certification_code  varchar not null,
    siret               varchar not null,
    name                varchar,
    habilitation_type   varchar,                    -- train | assess | both
    state               varchar,                    -- active | inactive | withdrawn
    active_date         date,
    state_date          date,
    source              varchar
);

-- RNCP referential (France Compétences export, XML flow V4.1 or CSV parts). A load replaces the rows
-- of the fiches it carries; ROME replaces its tables whole.
create table if not exists rncp_fiches (
    certification_code     varchar primary key,
    title                  varchar,
    abbreviation           varchar,
    level                  varchar,                 -- NIV3 … NIV8
    active                 boolean,
    registration_end_date  date,
    effective_date         date,
    registration_type      varchar,
    load_id                integer
);
create table if not exists rncp_certifiers (certification_code varchar, siret varchar, name varchar, status varchar, load_id integer);
create table if not exists rncp_partners (certification_code varchar, siret varchar, name varchar, habilitation varchar, load_id integer);
-- Issue #16: habilitation_type train | assess | both (pipeline/core/partners.py); state active | inactive |
-- withdrawn, active_date (DATE_ACTIF) and state_date (DATE_DERNIERE_MODIFICATION_ETAT): XML flow only.
alter table rncp_partners add column if not exists habilitation_type varchar;
alter table rncp_partners add column if not exists state varchar;
alter table rncp_partners add column if not exists active_date date;
alter table rncp_partners add column if not exists state_date date;
create table if not exists rncp_nsf (certification_code varchar, nsf_code varchar, nsf_label varchar, load_id integer);
create table if not exists rncp_formacodes (certification_code varchar, formacode varchar, label varchar, load_id integer);
create table if not exists rncp_ccn (certification_code varchar, ccn_number varchar, ccn_label varchar, load_id integer);
create table if not exists rncp_rome (
    certification_code  varchar,
    rome_code           varchar,
    rome_label          varchar,
    is_job_code         boolean,                    -- false for domain-level codes (A12, M18, A1500, …)
    load_id             integer
);
create table if not exists rncp_blocks (certification_code varchar, block_code varchar, block_title varchar, load_id integer);
create table if not exists rncp_access_routes (
    certification_code  varchar,
    access_route        varchar,                    -- FI, CA, FC, CQ, CL, VAE
    open                boolean,
    jury_composition    varchar,
    load_id             integer
);
create table if not exists rncp_lineage (
    old_code     varchar,                           -- predecessor fiche
    new_code     varchar,                           -- successor fiche
    source_fiche varchar,                           -- the fiche that declared the link
    load_id      integer
);
create table if not exists published_statistics (
    certification_code   varchar,
    year                 integer,
    certified            integer,
    certified_vae        integer,
    insertion_rate_6m    integer,
    target_job_rate_6m   integer,                   -- shown on the fiche page, not in the export
    target_job_rate_24m  integer,
    source               varchar,                   -- rncp export | fiche page
    load_id              integer
);

-- ROME 4.0 (France Travail): job codes and job titles (appellations).
create table if not exists rome_codes (rome_code varchar primary key, label varchar, parent_code varchar, version varchar);
create table if not exists rome_appellations (
    code_ogr     varchar,
    label        varchar,
    label_short  varchar,
    rome_code    varchar,
    parent_code  varchar,                           -- the fiche-métier code the RNCP uses
    version      varchar
);

-- A reviewer's decisions on job titles: who, when and why. Never dropped; wins at the next build.
create table if not exists title_reviews (
    review_id           integer,
    certification_code  varchar,                    -- null: the decision holds for every certification
    title_key           varchar not null,           -- normalised job title
    job_title           varchar not null,           -- as written by the reviewer
    rome_code           varchar,
    in_target           boolean,                    -- null: only the ROME code is decided
    reviewer            varchar not null,
    decided_at          timestamp not null,
    reason              varchar not null
);
create sequence if not exists review_id_seq start 1;

-- Automatic job-title matches (pipeline/warehouse/matching.py), one per distinct survey title, kept across builds.
create table if not exists job_title_matches (
    job_title     varchar primary key,
    title_key     varchar,
    rome_code     varchar,
    appellation   varchar,
    method        varchar,                          -- exact | fuzzy | unmatched
    score         double,
    rome_version  varchar,
    matched_at    timestamp
);
-- Issue #23 (M11): every ROME code the title is an appellation of, in the appellations' code_ogr order
-- (rome_code is the first); the facts choose the first that is a target of the certification.
alter table job_title_matches add column if not exists rome_codes varchar[];
