"""The sources' one interface (pipeline/load/sources/): each file is told by one source from its head,
and ingest.py runs the same steps for all of them, with no branch per source."""

from __future__ import annotations

import ast
import hashlib

import pytest

from pipeline.load import sources
from tests.helpers import FIXTURES, LIMESURVEY, ROOT

RAW = ROOT / "data" / "raw"


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        (RAW / "rncp" / "export_fiches_RNCP_V4_1_extrait.xml", "rncp"),
        (RAW / "rncp" / "export_fiches_CSV_Rome_2026_02_01.csv", "rncp"),
        (RAW / "rome" / "unix_referentiel_code_rome_v460_utf8.csv", "rome_codes"),
        (RAW / "rome" / "unix_referentiel_appellation_v460_utf8.csv", "rome_appellations"),
        (RAW / "cohortes" / "RNCP34179_jurys_2017-2018.csv", "cohort_results"),
        (RAW / "cohortes" / "RNCP35809_resultats_jurys.xlsx", "cohort_results"),
        (RAW / "enquetes" / "RNCP34179_enquete_2_ans.xlsx", "survey_answers"),
        (RAW / "enquetes" / "RNCP40344_enquetes.tsv", "survey_answers"),
        (LIMESURVEY / "RNCP40344_enquete_2_ans_reponses.csv", "limesurvey"),
        (FIXTURES / "limesurvey_anonymised.csv", "limesurvey"),  # no token: rejected when read, saying why
        (FIXTURES / "unknown_kind.csv", ""),
    ],
    ids=lambda v: getattr(v, "name", v),
)
def test_each_file_is_told_by_one_source_from_its_head(path, kind):
    assert sources.find(path).kind == kind


def test_a_forced_kind_picks_among_its_sources():
    export = LIMESURVEY / "RNCP40344_enquete_2_ans_reponses.csv"
    assert sources.find(export, kind="survey_answers").kind == "limesurvey"  # the export's own source
    assert sources.find(FIXTURES / "cohort_ok.csv", kind="survey_answers").kind == "survey_answers"
    assert sources.find(FIXTURES / "cohort_ok.csv", kind="shoe_size").kind == ""  # rejected when read


def test_a_limesurvey_load_is_the_export_and_its_mapping():
    export = LIMESURVEY / "RNCP40344_enquete_2_ans_reponses.csv"
    own = hashlib.sha256(export.read_bytes()).hexdigest()
    assert sources.get("survey_answers").digest(export) == own
    assert sources.get("limesurvey").digest(export) not in ("", own)


def test_every_source_has_the_interface_and_the_registry_names_them_once():
    for source in sources.SOURCES:
        assert source.kind and source.loads and source.unit
        for method in ("detect", "score", "digest", "read", "write"):
            assert callable(getattr(source, method)), (source, method)
    assert len({s.kind for s in sources.SOURCES}) == len(sources.SOURCES)


def test_ingest_has_no_branch_per_source():
    """No source's name, nor any of their modules, in pipeline/load/ingest.py: the registry decides."""
    text = (ROOT / "pipeline" / "load" / "ingest.py").read_text(encoding="utf-8")
    strings = {
        node.value
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    assert not strings & set(sources.NAMES)
    for module in ("cohorts", "surveys", "limesurvey", "rncp", "rome", "referential"):
        assert f"sources.{module}" not in text and f"import {module}" not in text


def test_the_cli_offers_every_source():
    from pipeline.cli import _parser

    ingest = _parser()._subparsers._group_actions[0].choices["ingest"]
    (kind,) = [a for a in ingest._actions if a.dest == "kind"]
    assert sorted(kind.choices) == sorted(sources.NAMES)
