"""The Qualité page in French: every expectation type and message of the suites has its French wording
(pipeline/core/quality_labels.py), quarantine reasons are translated at display time, stored data unchanged."""

import pytest

from expectations import SUITES
from pipeline.core.config import Settings
from pipeline.core.quality_labels import (
    EXPECTATION_LABELS,
    expectation_label,
    is_translated,
    message_fr,
    reason_fr,
    reasons_fr,
    suite_label,
)
from pipeline.load import checks
from pipeline.load import gate as validation
from tests.helpers import ENGLISH


@pytest.fixture(scope="module")
def gate(tmp_path_factory):
    return validation.Gate(Settings.load(warehouse=tmp_path_factory.mktemp("w") / "w.duckdb"))


@pytest.fixture(scope="module")
def suite_expectations(gate):
    """(suite, expectation type, message) of every expectation of every suite."""
    return [
        (kind, e.expectation_type, e.meta["message"])
        for kind in SUITES
        for e in gate.suite(kind).expectations
    ]


def test_every_expectation_type_of_the_suites_has_a_french_label(suite_expectations):
    used = {t for _, t, _ in suite_expectations} | validation.TABLE_LEVEL
    assert len(used) >= 9
    missing = sorted(used - EXPECTATION_LABELS.keys())
    assert missing == [], f"no French label in pipeline/core/quality_labels.py for {missing}"
    assert all(expectation_label(t) != t for t in used)


def test_every_cross_source_check_has_a_french_label_and_message():
    found = checks.cross_source_checks()
    assert len(found) >= 11
    for name, _severity, message, _sql in found:
        assert name in EXPECTATION_LABELS, name
        assert is_translated(message), message


def test_every_message_of_the_suites_is_translated(suite_expectations):
    untranslated = sorted({m for _, _, m in suite_expectations if not is_translated(m)})
    assert untranslated == []
    for _, _, message in suite_expectations:
        assert not ENGLISH.search(message_fr(message)), message_fr(message)
    assert all(suite_label(kind) != kind for kind in SUITES) and suite_label("cross_source") != "cross_source"


def test_unknown_text_is_shown_as_it_is():
    assert expectation_label("expect_something_new") == "expect_something_new"
    assert message_fr("a brand new message") == "a brand new message"
    assert reason_fr("x.csv: the file is empty (expected a header row and data rows)") == (
        "x.csv: the file is empty (expected a header row and data rows)"
    )
    assert reason_fr("") == "" and reasons_fr(None, " | ") == ""


def test_reason_shapes():
    assert (
        reason_fr(
            "row 12, column 'Code RNCP' = 'RNC1': expected a certification code RNCP followed by 3 to 6 digits"
        )
        == "ligne 12, colonne 'Code RNCP' = 'RNC1' : attendu un code de certification : RNCP suivi de 3 à 6 chiffres"
    )
    assert reason_fr("row 3, expected one of certified, partial, failed") == (
        "ligne 3, attendu l'une des valeurs : certifié, partiel, ajourné"
    )
    assert reason_fr(
        "column 'job_title': expected a job title for an employed respondent "
        "[expect_column_values_to_not_be_null]: 3 row(s)"
    ) == (
        "colonne 'job_title' : attendu un intitulé de poste pour un répondant en emploi [Valeur renseignée] : 3 ligne(s)"
    )
    assert reason_fr(
        "j.csv, row 1, column 'outcome': expected a column for 'outcome' (see data/templates/)"
    ) == ("j.csv, ligne 1, colonne 'outcome' : attendu une colonne pour 'outcome' (voir data/templates/)")
    assert reason_fr("sheet 'Données', header on row 3") == "feuille 'Données', en-tête à la ligne 3"
    assert message_fr("a jury date between 01/01/1990 and 31/12/2027 (could not be evaluated: boom)") == (
        "une date de jury entre le 01/01/1990 et le 31/12/2027 (n'a pas pu être évaluée : boom)"
    )
