"""Job titles in every written form count in the targeted occupation (docs/methodology.md M11, M12;
issue #23): a tiny warehouse with real ROME 4.0 appellations (tests/fixtures/rome/), SQL models built."""

from __future__ import annotations

import csv
import io

from pipeline.warehouse import matching, models
from tests.helpers import FIXTURES

CERT, OTHER = "RNCP99999", "RNCP88888"
EXTRACT = FIXTURES / "rome" / "appellations_v460_extract.csv"


def load_appellations(con) -> None:
    """The fixture's rows into rome_appellations, as the ROME loader writes them."""
    text = "".join(line for line in EXTRACT.read_text(encoding="utf-8").splitlines(True) if line[0] != "#")
    for row in csv.DictReader(io.StringIO(text)):
        con.execute(
            "insert into rome_appellations values (?, ?, ?, ?, ?, 'v460')",
            [
                row["code_ogr"],
                row["libelle_appellation_long"],
                row["libelle_appellation_court"],
                row["code_rome"],
                row["code_rome_parent"],
            ],
        )


def targets(con, cert: str, *codes: str) -> None:
    for code in codes:
        con.execute("insert into ref_target_jobs values (?, ?, 'test', 'test', true)", [cert, code])


def employed(con, cert: str, titles: list[str]) -> None:
    """One certified person per title, employed at 6 months with that job title (one row per answer in
    the survey file, whatever the certification)."""
    start = con.execute("select count(*) from landing_survey_answers").fetchone()[0]
    for i, title in enumerate(titles, start=start):
        person = f"{cert}-{i}"
        con.execute(
            "insert into landing_cohort_results (load_id, source_file, source_row, candidate_hash, "
            "certification_code, jury_date, access_route, outcome) "
            "values (1, 'c.csv', ?, md5(?)::uuid, ?, date '2020-06-15', 'FI', 'certified')",
            [i + 2, person, cert],
        )
        con.execute(
            "insert into landing_survey_answers (load_id, source_file, source_row, candidate_hash, "
            "certification_code, wave, situation, job_title) "
            "values (2, 's.csv', ?, md5(?)::uuid, ?, 6, 'employed', ?)",
            [i + 2, person, cert, title],
        )


def jobs(con, cert: str) -> dict[str, tuple]:
    return {
        title: tuple(rest)
        for title, *rest in con.execute(
            "select job_title, rome_code, rome_source, in_target, target_method from fct_survey_responses "
            "where certification_code = ?",
            [cert],
        ).fetchall()
    }


IN_TARGET = [  # appellations of F1202 (chef de chantier) and J1301 (agent hospitalier) in any written form
    "Cheffe de chantier bâtiment",
    "Chef·fe de chantier du BTP",
    "Chef(fe) de chantier bâtiment",
    "Agente hospitalière",
    "Agent hospitalier",
]
NOT_IN_TARGET = [
    "Astronaute",  # no appellation
    "Cheffe de projet digital",  # no appellation
    "Vétérinaire praticienne",  # an appellation of A1504, not a target
]


def test_every_written_form_of_a_targeted_appellation_counts_in_target(con, settings):
    load_appellations(con)
    targets(con, CERT, "F1202", "J1301")
    employed(con, CERT, IN_TARGET + NOT_IN_TARGET)
    models.build_models(con, settings)
    found = jobs(con, CERT)
    for title in IN_TARGET:
        assert found[title][1:] == ("title_exact", True, "title_exact"), title
    assert found["Agente hospitalière"][0] == "J1301" and found["Chef·fe de chantier du BTP"][0] == "F1202"
    assert found["Astronaute"] == (None, None, False, "none")
    assert found["Cheffe de projet digital"][2] is False
    assert found["Vétérinaire praticienne"] == ("A1504", "title_exact", False, "title_exact")
    [(employed_6m, in_target_6m)] = con.execute(
        "select employed_6m, in_target_6m from certification_statistics where certification_code = ?", [CERT]
    ).fetchall()
    assert (employed_6m, in_target_6m) == (8, 5)
    assert con.execute("select count(*) from quality_issues where issue = 'title_ambiguous'").fetchone() == (
        0,
    )


def test_a_title_of_several_codes_takes_the_targeted_one_and_is_reported(con, settings):
    """« Plâtrière plaquiste » is an appellation of F1604 (code_ogr 17831) and of F1601 (488388)."""
    load_appellations(con)
    targets(con, CERT, "F1601")
    targets(con, OTHER, "F1202")
    employed(con, CERT, ["Plâtrière plaquiste"])
    employed(con, OTHER, ["Plâtrier plaquiste"])
    models.build_models(con, settings)
    assert con.execute(
        "select rome_code, rome_codes from job_title_matches where job_title = 'Plâtrière plaquiste'"
    ).fetchone() == ("F1604", ["F1604", "F1601"])
    assert jobs(con, CERT)["Plâtrière plaquiste"] == ("F1601", "title_exact", True, "title_exact")
    assert jobs(con, OTHER)["Plâtrier plaquiste"] == ("F1604", "title_exact", False, "title_exact")
    issues = con.execute(
        "select certification_code, label, source_row from quality_issues where issue = 'title_ambiguous' "
        "order by 1"
    ).fetchall()
    assert [(c, row) for c, _, row in issues] == [(OTHER, 3), (CERT, 2)]
    assert "Intitulé ambigu" in issues[1][1] and "(F1604, F1601), code retenu F1601" in issues[1][1]
    # a reviewer's code wins and ends the ambiguity
    matching.review(
        con, "Plâtrière plaquiste", "C. Moreau", "plaquiste", rome_code="F1604", certification_code=CERT
    )
    models.build_models(con, settings)
    assert jobs(con, CERT)["Plâtrière plaquiste"] == ("F1604", "reviewer", False, "reviewer")
    assert [
        r[0]
        for r in con.execute(
            "select certification_code from quality_issues where issue = 'title_ambiguous'"
        ).fetchall()
    ] == [OTHER]


def test_one_review_covers_the_inclusive_and_masculine_forms_and_old_keys_are_redone(con, settings):
    load_appellations(con)
    targets(con, CERT, "F1202")
    employed(
        con, CERT, ["Chef·fe de chantier du BTP", "Chef de chantier du BTP", "Chef(fe) de chantier bâtiment"]
    )
    # a decision recorded under the earlier reading of titles (« (fe) » was not an ending), and a match
    # cached under the earlier rule: both are read again at the next build
    con.execute(
        "insert into title_reviews values (nextval('review_id_seq'), ?, 'chef fe de chantier batiment', "
        "'Chef(fe) de chantier bâtiment', null, false, 'C. Moreau', now()::timestamp, 'poste de bureau')",
        [CERT],
    )
    con.execute(
        "insert into job_title_matches (job_title, title_key, rome_code, method, rome_version) "
        "values ('Chef·fe de chantier du BTP', 'chef fe de chantier du btp', null, 'unmatched', 'v460/own-code')"
    )
    matching.review(con, "Chef de chantier du BTP", "C. Moreau", "conduite de travaux", in_target=False)
    models.build_models(con, settings)
    assert con.execute("select title_key from title_reviews order by review_id").fetchall() == [
        ("chef de chantier batiment",),
        ("chef de chantier du btp",),
    ]
    found = jobs(con, CERT)
    assert found["Chef·fe de chantier du BTP"] == ("F1202", "title_exact", False, "reviewer")
    assert found["Chef de chantier du BTP"] == ("F1202", "title_exact", False, "reviewer")
    assert found["Chef(fe) de chantier bâtiment"] == ("F1202", "title_exact", False, "reviewer")
    assert con.execute("select distinct rome_version from job_title_matches").fetchall() == [
        (f"v460/{matching.MATCH_RULE}",)
    ]
