-- Issue #17: declarations of figures sent to a body (France Compétences…). Append-only: written once by
-- `insertion declare` (pipeline/outputs/declarations.py), never updated or deleted by any command; no build step
-- touches these tables (only marts/ are rebuilt), and the snapshot is a copy of the whole file.
create sequence if not exists declaration_id_seq start 1;

create table if not exists declarations (
    declaration_id      integer primary key,
    certification_code  varchar not null,
    years               integer[] not null,
    recipient           varchar not null,           -- « France Compétences »
    note                varchar,
    declared_at         timestamp not null,
    code_version        varchar not null,
    settings            json not null,
    digest              varchar not null,           -- sha256 of the canonical serialisation (manifest)
    part_digests        json not null,              -- the same, per part: which part changed
    manifest_path       varchar                     -- where the manifest and pack files were written
);

-- every figure of the pack: one row per year, access route ('ALL' = every route) and measure
create table if not exists declaration_figures (
    declaration_id  integer not null,
    year            integer not null,
    access_route    varchar not null,
    measure         varchar not null,              -- a key of the indicators registries
    numerator       bigint,
    denominator     bigint,
    value           double,
    low             double,
    high            double
);

-- the input files the figures came from (load_log), with their content digest
create table if not exists declaration_files (
    declaration_id  integer not null,
    load_id         integer not null,
    file_name       varchar not null,
    kind            varchar,
    sha256          varchar
);

-- the pseudonymous people counted (fct_certified rows), with their lineage
create table if not exists declaration_people (
    declaration_id      integer not null,
    candidate_hash      uuid not null,
    certification_code  varchar not null,
    year                integer not null,
    jury_date           date,
    access_route        varchar,
    site                varchar
);

-- the answers counted (fct_survey_responses rows): identity, lineage and every field the figures read
create table if not exists declaration_answers (
    declaration_id         integer not null,
    candidate_hash         uuid not null,
    certification_code     varchar not null,
    year                   integer not null,
    wave                   integer not null,
    access_route           varchar,
    site                   varchar,
    answer_date            date,
    situation              varchar,
    rome_code              varchar,
    target_method          varchar,
    contract_type          varchar,
    working_time           varchar,
    executive              varchar,
    gross_annual_pay       double,
    work_location          varchar,
    responded              boolean,
    neutralised            boolean,
    neutralisation_reason  varchar,
    employed               boolean,
    in_target              boolean,
    pending_review         boolean,
    load_id                integer,
    source_file            varchar,
    source_row             integer
);

-- the pack files written with the declaration and their digest
create table if not exists declaration_outputs (
    declaration_id  integer not null,
    file_name       varchar not null,
    sha256          varchar not null
);
