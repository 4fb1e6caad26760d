import pandas as pd
import pytest

from pipeline.core.normalise import looks_personal, map_values, norm, parse_dates, values_look_personal


def test_norm_removes_case_accents_and_punctuation():
    assert norm("  Contrat d’Apprentissage ") == "contrat d apprentissage"
    assert norm("Œuvre — Élève/Étudiant") == "oeuvre eleve etudiant"
    assert norm(None) == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Apprentissage", "CA"),
        ("contrat d'apprentissage", "CA"),
        ("CONTRAT D’APPRENTISSAGE", "CA"),
        ("Formation continue", "FC"),
        ("élève", "FI"),
        ("Contrat de professionnalisation", "CQ"),
        ("Candidat libre", "CL"),
        ("Par expérience", "VAE"),
        ("vae", "VAE"),
    ],
)
def test_access_route_synonyms(raw, expected):
    assert map_values(pd.Series([raw]), "access_route").iloc[0] == expected


def test_unknown_value_is_kept_as_written_and_empty_is_missing():
    out = map_values(pd.Series(["Téléportation", "", None, "Admise"]), "outcome")
    assert out.iloc[0] == "Téléportation"
    assert pd.isna(out.iloc[1]) and pd.isna(out.iloc[2])
    assert out.iloc[3] == "certified"


def test_situations_and_waves():
    assert list(
        map_values(pd.Series(["En emploi", "Poursuite d'études", "Alternance", "Non répondant"]), "situation")
    ) == ["employed", "further_study", "work_study", "no_response"]
    assert list(map_values(pd.Series(["6 mois", "2 ans", "24 mois"]), "wave")) == ["6", "24", "24"]


def test_parse_dates_french_iso_excel_and_invalid():
    out = parse_dates(
        pd.Series(
            [
                "15/06/2018",
                "2018-06-15",
                "43266",
                "1/6/2018",
                "2024-13-45",
                "demain",
                None,
                "2018-06-15 00:00:00",
            ]
        )
    )
    assert list(out.iloc[:4]) == [pd.Timestamp("2018-06-15")] * 3 + [pd.Timestamp("2018-06-01")]
    assert out.iloc[4:7].isna().all()
    assert out.iloc[7] == pd.Timestamp("2018-06-15")


@pytest.mark.parametrize(
    "header", ["Nom", "Prénom", "E-mail", "Courriel", "Téléphone portable", "Date de naissance"]
)
def test_personal_headers(header):
    assert looks_personal(header)


@pytest.mark.parametrize("header", ["Nombre de blocs", "Code RNCP", "Site", "Situation"])
def test_ordinary_headers_are_not_personal(header):
    assert not looks_personal(header)


def test_personal_values_are_detected_in_unnamed_columns():
    assert values_look_personal(pd.Series(["a.b@example.org", "c@d.fr", ""]))
    assert values_look_personal(pd.Series(["06 12 34 56 78", "+33612345678"]))
    assert not values_look_personal(pd.Series(["Rennes", "Nantes"]))


def test_pseudonymisation_is_rfc_2104_hmac_sha256_of_the_normalised_reference_truncated_to_128_bits():
    import hmac

    from pipeline.load.pseudonymise import pseudonymise

    for key in (b"0123456789abcdef" * 4, b"k" * 100):  # a block-sized key and a longer one (hashed first)
        out = pseudonymise(pd.Series([" ab-12 ", "AB-12\t", None, "", "  ", "é x"], dtype="string"), key)
        expected = hmac.digest(key, b"AB-12", "sha256").hex()[:32]
        assert out[0] == out[1] == expected
        assert out[5] == hmac.digest(key, "É X".encode(), "sha256").hex()[:32]
        assert out[2:5].isna().all()
