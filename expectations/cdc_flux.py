"""Suite for the Caisse des Dépôts flux (« accrochage des certifications », issue #27): one row per passage
of an RNCP certification (``pipeline/load/sources/cdc.py``).

The frame never holds a NIR, a name, a birth date, a sex or a birthplace: the source turns the NIR into
marker columns (``nir_malformed``, ``nir_bad_key``) that hold « (NIR masqué) » where it is defective, so
that no sample of a result nor a page of the Data Docs can show it. Severities: ``error`` removes the
passage (what says which certification, which person, which certificate date), ``field`` sets the field
aside and the passage still counts as transmitted, ``warning`` loads and reports.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from expectations.common import (
    FIELD,
    RNCP_CODE,
    build,
    expect,
    in_set,
    not_in_future,
    not_null,
    parses_as_date,
)
from pipeline.core import nir

EARLIEST_CERTIFICATE = dt.date(1990, 1, 1)
TYPES = ["RNCP", "RS"]
OBTENTION = ["PAR_ADMISSION", "PAR_SCORING"]
BOOLEANS = ["true", "false"]
ACCESS_MODES = [
    "FORMATION_INITIALE_HORS_APPRENTISSAGE",
    "FORMATION_INITIALE_APPRENTISSAGE",
    "FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION",
    "FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION",
    "VAE",
    "EQUIVALENCE_DIPLOME_ETRANGER",
    "CANDIDAT_LIBRE",
]
REPEATED = "one passage per idTechnique in a flux: another passage further in the flux has this idTechnique (that one is kept)"
UNMAPPED = "an idTechnique listed in the flux's mapping file (its candidate reference)"


def suite(settings=None):
    return build(
        "cdc_flux",
        [
            *in_set("certification_type", TYPES),
            *not_null("certification_code", "a certification code RNCP followed by 3 to 6 digits"),
            expect(
                "ExpectColumnValuesToMatchRegex",
                "error",
                "a certification code RNCP followed by 3 to 6 digits",
                column="certification_code",
                regex=RNCP_CODE,
            ),
            *not_null("passage_hash", "an idTechnique (the passage's identifier)"),
            expect("ExpectColumnValuesToBeNull", "error", REPEATED, column="id_repeated"),
            expect("ExpectColumnValuesToBeNull", "error", UNMAPPED, column="reference_missing"),
            *parses_as_date("certificate_date"),
            *not_null("certificate_date", "a certificate date (dateDebutValidite) aaaa-mm-jj"),
            expect(
                "ExpectColumnValuesToBeBetween",
                "error",
                f"a certificate date from {EARLIEST_CERTIFICATE:%d/%m/%Y}",
                column="certificate_date",
                min_value=pd.Timestamp(EARLIEST_CERTIFICATE),
            ),
            *not_in_future("certificate_date", "a certificate date"),
            # what does not say who, which certification nor when: set aside, the passage counts
            *in_set("obtention", OBTENTION, FIELD),
            *in_set("certified_data", BOOLEANS, FIELD),
            *in_set("language_level", BOOLEANS, FIELD),
            *in_set("digital_level", BOOLEANS, FIELD),
            *parses_as_date("valid_until", FIELD),
            *not_null("access_mode", "an access mode (modaliteAcces)", FIELD),
            *in_set("access_mode", ACCESS_MODES, FIELD),
            expect("ExpectColumnValuesToBeNull", FIELD, nir.SHAPE_MESSAGE, column="nir_malformed"),
            expect("ExpectColumnValuesToBeNull", FIELD, nir.KEY_MESSAGE, column="nir_bad_key"),
            *not_null(
                "identification",
                "an identification of the holder: identifiantNational (NIR) or titulaire",
                "warning",
            ),
        ],
    )
