-- Audit tables: what was loaded, what was rejected or quarantined, and every validation run.
-- Created once, never dropped by a build: this is the warehouse's history.
create sequence if not exists load_id_seq start 1;
create sequence if not exists run_id_seq start 1;

create table if not exists load_log (
    load_id           integer primary key,
    file_path         varchar not null,
    file_name         varchar not null,
    sha256            varchar not null,
    kind              varchar,
    status            varchar not null,          -- loaded | rejected
    rows_read         integer,
    rows_loaded       integer,
    rows_quarantined  integer,
    rows_warned       integer,
    encoding          varchar,
    delimiter         varchar,
    sheet             varchar,
    dropped_columns   varchar[],                 -- personal-data columns removed at ingestion
    ignored_columns   varchar[],                 -- unknown columns, not loaded
    started_at        timestamp not null,
    finished_at       timestamp not null,
    duration_s        double,
    message           varchar
);

create table if not exists quarantine (
    load_id          integer not null,
    file_name        varchar not null,
    source_row       integer not null,
    kind             varchar not null,
    expectations     varchar[] not null,         -- every failed expectation
    reasons          varchar[] not null,         -- one readable reason per failure
    original_record  json not null               -- the row as read (reference pseudonymised, personal columns removed)
);
-- row: the row was not loaded; field: the row was loaded with the failing fields set aside (NULL)
alter table quarantine add column if not exists outcome varchar default 'row';

create table if not exists validation_runs (
    run_id           integer primary key,
    load_id          integer,                    -- null for warehouse-wide runs
    scope            varchar not null,           -- file | warehouse
    suite            varchar not null,
    started_at       timestamp not null,
    success          boolean not null,           -- no error-level expectation failed
    evaluated        integer not null,
    failed_errors    integer not null,
    failed_warnings  integer not null,
    gx_version       varchar
);

create table if not exists validation_results (
    run_id              integer not null,
    suite               varchar not null,
    expectation_type    varchar not null,
    column_name         varchar,
    severity            varchar not null,        -- error | warning
    description         varchar,
    success             boolean not null,
    element_count       bigint,
    unexpected_count    bigint,
    unexpected_percent  double,
    sample_values       json
);

create table if not exists settings (
    key    varchar primary key,
    value  varchar
);
-- upgrade: disclosure is decided per audience now (pipeline/indicators/disclosure.py), not a setting
delete from settings where key = 'disclosure';

-- Loads whose rows are committed but whose statistics are not refreshed yet, written in the load's own
-- transaction and cleared in the refresh's: a load killed between the two leaves its mark, and the next
-- command that writes (ingest, build, watch, serve, stats) finishes the refresh first. certification_code
-- null: a referential, everything is refreshed.
create table if not exists pending_refresh (
    load_id            integer not null,
    certification_code varchar
);
