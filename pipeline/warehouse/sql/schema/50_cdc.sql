-- Issue #27: the Caisse des Dépôts flux (« accrochage des certifications »), one row per passage of an
-- RNCP certification that passed its checks (pipeline/load/sources/cdc.py). No NIR, name, birth date, sex
-- nor birthplace: the person is a pseudonym, the NIR a keyed digest (and only in this warehouse: the
-- published snapshot empties it, sql/snapshot.sql).
create table if not exists landing_cdc_passages (
    load_id               integer not null,
    source_file           varchar not null,
    source_row            integer not null,      -- the passage's number in the flux (RS passages counted)
    source_line           integer,               -- the line of its <passageCertification>
    flux_id               varchar,               -- idFlux
    transmitted_on        date not null,         -- the day of the flux's horodatage, else the file's date
    transmitted_from      varchar not null,      -- horodatage | file_date
    certifier_id          varchar,               -- certificateur/idClient
    contract_id           varchar,               -- idContrat
    certification_code    varchar not null,      -- RNCP + digits
    nature_deposant       varchar,
    passage_hash          uuid not null,         -- HMAC-SHA256-128 of idTechnique (pseudonymise.py)
    candidate_hash        uuid not null,         -- the link to the jury results: idTechnique's digest, or the
                                                 -- digest of the reference the mapping file gives for it
    link                  varchar not null,      -- id_technique | mapping
    nir_hash              uuid,                  -- HMAC of a valid NIR's 13 characters (pipeline/core/nir.py)
    identification        varchar,               -- nir (identifiantNational) | titulaire
    obtention             varchar,               -- PAR_ADMISSION | PAR_SCORING
    certified_data        boolean,               -- donneeCertifiee
    certificate_date      date not null,         -- dateDebutValidite
    valid_until           date,                  -- dateFinValidite
    access_mode           varchar,               -- modaliteAcces, as written
    access_route          varchar,               -- the product's route (docs/methodology.md M35)
    vae_route             varchar,               -- voieAccesVAE
    enrolment_initiative  varchar                -- initiativeInscription
);

-- The NIR a jury file may carry, as a keyed digest of its 13 characters (the NIR itself is dropped at
-- ingestion): the third way of linking a passage to the jury results.
alter table landing_cohort_results add column if not exists nir_hash uuid;

-- Per-certification setting (data/reference/certifications.csv, column cdc_as_cohort, off by default): a
-- certification with no jury file takes its certified from the CDC flux (docs/methodology.md M37).
alter table ref_certifications add column if not exists cdc_as_cohort boolean default false;
