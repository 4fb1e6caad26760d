-- The passages of one flux being loaded (pipeline/load/sources/cdc.py), in the load's connection only:
-- typed values, the text the suite checks, the markers of its defects. Never a NIR, a name, a birth date,
-- a sex or a birthplace: the NIR came in as a verdict (nir_malformed, nir_bad_key) and a keyed digest.
create or replace temp table cdc_parts (
    source_row          integer,   -- the passage's number in the flux (RS passages counted)
    source_line         integer,   -- the line of its <passageCertification>
    part                integer,   -- the part of the flux it was read in (validated part by part)
    certification_type  varchar,
    certification_text  varchar,   -- <code> as written
    certification_code  varchar,   -- RNCP + digits
    nature_deposant     varchar,
    certifier_id        varchar,
    contract_id         varchar,
    passage_hash        uuid,      -- HMAC of idTechnique (pipeline/load/pseudonymise.py)
    candidate_hash      uuid,      -- the link to the jury results (idTechnique's, or the mapping's reference)
    nir_hash            uuid,      -- HMAC of a valid NIR's 13 characters
    identification      varchar,   -- nir | titulaire
    obtention           varchar,
    certified_data      varchar,
    certificate_date    timestamp,
    certificate_date_unparsed varchar,
    valid_until         timestamp,
    valid_until_unparsed varchar,
    language_level      varchar,
    digital_level       varchar,
    access_mode         varchar,
    access_route        varchar,
    vae_route           varchar,
    enrolment_initiative varchar,
    nir_malformed       varchar,   -- « (NIR masqué) » where the NIR is not of the shape
    nir_bad_key         varchar,   -- « (NIR masqué) » where its key is wrong
    id_repeated         varchar,   -- set below: another passage further in the flux has the same idTechnique
    reference_missing   varchar    -- set below: a mapping file is used and lists no reference for it
);
