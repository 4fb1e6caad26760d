"""Who an answer belongs to and who is counted once (docs/methodology.md M1, M6; issue #23).

* A well-formed but wrong promotion never removes an answer: it is attached by its date (the latest jury
  on or before it, else the latest) and reported « promotion corrigée ».
* A person certified by two juries in one year counts once, under the later jury (its route and site),
  and the earlier decision is reported.
"""

from __future__ import annotations

import pytest

from pipeline.warehouse import db as warehouse
from tests.helpers import FIXTURES

CODE = "RNCP34179"
# tests/fixtures/attachments/cohortes/jurys.csv: P-A certified in 2022 and 2023; P-B, P-D in 2023; P-C twice
# in 2023 (01/03 VAE at Nice, 15/11 FI at Paris). tests/fixtures/attachments/enquetes/reponses.csv:
# P-A: promotion 2021 (not a year of theirs), answered 15/01/2023 -> the 2022 promotion (by its date)
# P-B: promotion 2020, no date -> their latest promotion, 2023
# P-C: promotion 2023, right -> the 2023 promotion, under the later jury (Paris, FI)
# P-D: promotion 2023, right: nothing to report
RAW = FIXTURES / "attachments"


@pytest.fixture
def con(warehouse_after, monkeypatch):
    """The fixture files built once per run (a private copy per test)."""
    monkeypatch.setenv("INSERTION_TODAY", "2026-11-30")
    settings = warehouse_after(("build", "--raw-dir", RAW))
    with warehouse.connect(settings.warehouse, read_only=True) as c:
        yield c


def test_a_wrong_promotion_is_attached_by_date_and_reported(con):
    stats = con.execute(
        "select year, certified, respondents_6m, employed_6m, denominator_6m "
        "from certification_statistics where certification_code = ? order by year",
        [CODE],
    ).fetchall()
    corrected = con.execute(
        "select source_row, year, label from quality_issues where issue = 'promotion_corrected' "
        "order by source_row"
    ).fetchall()
    attached = con.execute(
        "select source_row, year, promotion, promotion_corrected, answer_rank "
        "from fct_survey_attachments order by source_row"
    ).fetchall()
    # every answer counts: P-A in 2022, P-B, P-C and P-D in 2023
    assert stats == [(2022, 1, 1, 1, 1), (2023, 4, 3, 1, 3)]
    assert attached == [
        (2, 2022, 2021, True, 1),
        (3, 2023, 2020, True, 1),
        (4, 2023, 2023, False, 1),
        (5, 2023, 2023, False, 1),
    ]
    assert [(r, y) for r, y, _ in corrected] == [(2, 2022), (3, 2023)]
    assert "certifiée en 2021" in corrected[0][2] and "promotion 2022" in corrected[0][2]


def test_a_person_certified_twice_in_a_year_counts_once_under_the_later_jury(con):
    people = con.execute(
        "select year, access_route, site from fct_certified where certification_code = ? and year = 2023 "
        "order by site",
        [CODE],
    ).fetchall()
    routes = dict(
        con.execute(
            "select access_route, certified from access_route_statistics "
            "where certification_code = ? and year = 2023",
            [CODE],
        ).fetchall()
    )
    twice = con.execute(
        "select source_file, source_row, year, label from quality_issues where issue = 'certified_twice_in_year'"
    ).fetchall()
    assert (
        len(people) == 4
        and ("Paris" in {s for _, _, s in people})
        and "Nice" not in {s for _, _, s in people}
    )
    assert routes == {"FI": 3, "FC": 1}  # P-C under the later jury (FI), not VAE
    assert [(f, r, y) for f, r, y, _ in twice] == [("jurys.csv", 5, 2023)]
    assert "15/11/2023" in twice[0][3]
