"""Each suite on one good and one bad tiny input, through GX's pandas data source; offline."""

import socket

import pandas as pd
import pytest

from pipeline.load.gate import Gate


def cohort_frame(**changes):
    frame = pd.DataFrame(
        {
            "source_row": [2, 3],
            "candidate_hash": ["a" * 32, "b" * 32],
            "certification_code": ["RNCP34179", "RNCP34179"],
            "jury_date": pd.to_datetime(["2018-06-15", "2018-06-15"]),
            "jury_date_unparsed": pd.Series([None, None], dtype="string"),
            "access_route": ["FI", "VAE"],
            "outcome": ["certified", "partial"],
            "blocks_validated": [None, "2"],
            "site": ["Rennes", None],
            # issue #16: partner columns, as pipeline/load/sources/cohorts.py types them
            "partner_name": ["Campus", None],
            "partner_siret": ["84215736900013", None],
            "partner_siret_unparsed": pd.Series([None, None], dtype="string"),
            "assessed_by": ["certifier", None],
        }
    )
    for column, values in changes.items():
        frame[column] = values
    return frame


def test_cohort_suite_sets_a_malformed_siret_and_an_unknown_assessor_aside(gate):
    """Issue #16: both are field-level defects (the row is kept)."""
    f = failed(
        gate.validate(
            cohort_frame(
                partner_siret_unparsed=pd.Series([None, "123 456"], dtype="string"),
                assessed_by=["nobody", None],
            ),
            "cohort_results",
        )
    )
    siret = f[("expect_column_values_to_be_null", "partner_siret_unparsed")]
    assert siret.rows == [3] and siret.severity == "field"
    assessor = f[("expect_column_values_to_be_in_set", "assessed_by")]
    assert assessor.rows == [2] and assessor.severity == "field"
    assert set(f) == {
        ("expect_column_values_to_be_null", "partner_siret_unparsed"),
        ("expect_column_values_to_be_in_set", "assessed_by"),
    }


def survey_frame(**changes):
    frame = pd.DataFrame(
        {
            "source_row": [2, 3],
            "candidate_hash": ["a" * 32, "b" * 32],
            "certification_code": ["RNCP34179", "RNCP34179"],
            "promotion": pd.array([2018, None], dtype="Int64"),
            "wave": ["6", "24"],
            "answer_date": pd.to_datetime(["2019-01-10", "2020-06-10"]),
            "answer_date_unparsed": pd.Series([None, None], dtype="string"),
            "situation": ["employed", "job_seeking"],
            "job_title": ["Rédactrice web", None],
            "rome_code": ["E1104", None],
            "contract_type": ["permanent", None],
            "working_time": ["full_time", None],
            "employer_sector": [None, None],
            "work_location": ["france", None],
            "target_decision": [None, None],
            # issue #17: what pipeline/load/sources/surveys.py adds to every batch
            "executive": ["yes", None],
            "pay_period": ["annual", None],
            "gross_annual_pay": pd.array([32000.0, None], dtype="Float64"),
            "gross_annual_pay_unparsed": pd.Series([None, None], dtype="string"),
        }
    )
    for column, values in changes.items():
        frame[column] = values
    return frame


def failed(verdict):
    return {(o.expectation_type, o.column): o for o in verdict.outcomes if not o.success}


@pytest.fixture(scope="module")
def gate(tmp_path_factory):
    from pipeline.core.config import Settings

    return Gate(Settings.load(warehouse=tmp_path_factory.mktemp("w") / "w.duckdb"))


def test_every_expectation_has_a_severity_and_a_message(gate):
    for kind in ("cohort_results", "survey_answers"):
        for e in gate.suite(kind).expectations:
            assert e.meta["severity"] in {"error", "field", "warning"} and e.meta["message"]


def test_cohort_suite_good_and_bad(gate):
    assert failed(gate.validate(cohort_frame(), "cohort_results")) == {}
    bad = gate.validate(
        cohort_frame(
            certification_code=["RNC34179", "RNCP34179"],
            access_route=["FI", "XX"],
            candidate_hash=["a" * 32, "a" * 32],
            jury_date=pd.to_datetime(["1970-01-01", "2018-06-15"]),
        ),
        "cohort_results",
    )
    f = failed(bad)
    assert f[("expect_column_values_to_match_regex", "certification_code")].rows == [2]
    assert f[("expect_column_values_to_be_in_set", "access_route")].rows == [3]
    assert f[("expect_column_values_to_be_between", "jury_date")].rows == [2]
    assert not bad.success and bad.file_errors == []


def test_cohort_suite_missing_column_is_file_level(gate):
    verdict = gate.validate(cohort_frame().drop(columns=["outcome"]), "cohort_results")
    assert [(o.expectation_type, o.column) for o in verdict.file_errors][0] == (
        "expect_column_to_exist",
        "outcome",
    )


def test_survey_suite_good_and_bad(gate):
    assert failed(gate.validate(survey_frame(), "survey_answers")) == {}
    bad = gate.validate(
        survey_frame(
            rome_code=["E110", None],
            situation=["employed", "astronaut"],
            job_title=[None, None],
        ),
        "survey_answers",
    )
    f = failed(bad)
    # a malformed ROME code sets the field aside; an unknown situation removes the answer
    rome = f[("expect_column_values_to_match_regex", "rome_code")]
    assert rome.rows == [2] and rome.severity == "field"
    situation = f[("expect_column_values_to_be_in_set", "situation")]
    assert situation.rows == [3] and situation.severity == "error"
    assert f[("expect_column_values_to_not_be_null", "job_title")].severity == "warning"


def test_survey_suite_checks_nothing_that_needs_another_source(gate):
    """Answer-after-jury, windows and respondent-certified run in the warehouse (order independence)."""
    suite = gate.suite("survey_answers")
    columns = {
        getattr(e, name, None) for e in suite.expectations for name in ("column", "column_A", "column_B")
    }
    assert not columns & {"jury_date", "months_after_jury", "known_in_cohorts"}


def test_no_socket_is_opened_during_a_validation_run(tmp_path, monkeypatch):
    from pipeline.core.config import Settings

    attempts = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise OSError("network disabled by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    gate = Gate(Settings.load(warehouse=tmp_path / "w.duckdb"))
    verdict = gate.validate(cohort_frame(), "cohort_results")
    gate.keep(verdict, "offline-test", "batch")
    gate.build_docs()
    assert verdict.success
    assert attempts == []
    assert (tmp_path / "data_docs" / "index.html").exists()


def test_data_docs_templates_are_compiled_once_not_at_every_page(tmp_path, monkeypatch):
    """GX builds a new Jinja environment for each page it renders; the gate gives them one bytecode cache,
    so a template compiled for one page (or by an earlier command) is not compiled again."""
    from jinja2 import Environment

    from pipeline.core.config import Settings

    gate = Gate(Settings.load(warehouse=tmp_path / "w.duckdb"))
    gate.keep(gate.validate(cohort_frame(), "cohort_results"), "first", "batch")
    gate.build_docs()  # every template the docs use is compiled, or read from the cache
    compiled = []
    real = Environment.compile
    monkeypatch.setattr(
        Environment, "compile", lambda self, *a, **k: compiled.append(a[1:2]) or real(self, *a, **k)
    )
    gate.keep(gate.validate(cohort_frame(), "cohort_results"), "second", "batch")
    gate.build_docs()
    assert (tmp_path / "data_docs" / "index.html").read_text(encoding="utf-8").count("second") >= 1
    assert compiled == []


def test_each_expectation_builds_its_configuration_once_per_validation(tmp_path, monkeypatch):
    """GX rebuilds an expectation's configuration at every read (1,901 builds for this suite of 20, measured
    with GX 1.24); during a validation the gate has each of GX's copies (about 12 per expectation) build it
    once, and GX's own behaviour is back afterwards."""
    from great_expectations.expectations.expectation import Expectation

    from pipeline.core.config import Settings

    built = Expectation.__dict__["configuration"]
    counted = []
    monkeypatch.setattr(
        Expectation, "configuration", property(lambda self: counted.append(id(self)) or built.fget(self))
    )
    gate = Gate(Settings.load(warehouse=tmp_path / "w.duckdb"))
    verdict = gate.validate(cohort_frame(outcome=["certified", "lost"]), "cohort_results")
    assert [o.success for o in verdict.outcomes].count(False) == 1  # the same verdict
    assert len(counted) == len(set(counted)) <= 15 * len(verdict.outcomes)  # once per copy
    counted.clear()
    first = gate.suite("cohort_results").expectations[0]
    assert first.configuration == first.configuration
    assert len(counted) == 2  # outside a validation, every read builds it (GX's behaviour)
