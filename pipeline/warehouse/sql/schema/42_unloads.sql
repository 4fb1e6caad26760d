-- Issue #24: loads undone by `insertion unload` (pipeline/warehouse/unload.py), who, when and why.
-- Append-only: written once per unload, never updated or deleted by any command; no build touches it.
-- The load's own line in load_log stays, with status 'unloaded' (so that the same file may be loaded
-- again: only a load with status 'loaded' makes a file « already loaded »).
create sequence if not exists unload_id_seq start 1;

create table if not exists unload_log (
    unload_id           integer primary key,
    load_id             integer not null,           -- load_log.load_id
    file_name           varchar not null,
    sha256              varchar not null,
    kind                varchar not null,           -- cohort_results | survey_answers | cdc_flux (issue #27)
    rows_removed        integer not null,           -- landing rows removed
    quarantine_removed  integer not null,           -- quarantine rows removed (rows and fields set aside)
    certifications      varchar[] not null,         -- the certifications recomputed
    declarations        integer[] not null,         -- declarations that counted the file (still verifiable)
    unloaded_by         varchar not null,
    unloaded_at         timestamp not null,
    reason              varchar not null
);
