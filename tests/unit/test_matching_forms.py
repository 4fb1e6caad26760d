"""Every written form of a job title (docs/methodology.md M11, issue #23): ``forms`` and ``title_key`` on
real ROME 4.0 labels (tests/fixtures/rome/, an excerpt of the v460 appellations), and properties over the
whole real file when it is beside the repository (../shared/data/rome-v460/, skipped otherwise)."""

from __future__ import annotations

import csv
import io

import duckdb
import pytest

from pipeline.warehouse.matching import appellation_index, candidates, forms, match_titles, title_key
from tests.helpers import FIXTURES, ROOT

EXTRACT = FIXTURES / "rome" / "appellations_v460_extract.csv"
REAL = ROOT.parent / "shared" / "data" / "rome-v460" / "unix_referentiel_appellation_v460_utf8.csv"


def appellations(path) -> dict[str, dict[str, str]]:
    """code_ogr -> row of a ROME appellation file (the fixture's provenance line skipped)."""
    text = path.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines(keepends=True) if not line.startswith("#")]
    return {row["code_ogr"]: row for row in csv.DictReader(io.StringIO("".join(lines)))}


ROWS = appellations(EXTRACT)


def labels(ogr: str) -> tuple[str, str]:
    return ROWS[ogr]["libelle_appellation_long"], ROWS[ogr]["libelle_appellation_court"]


def index_of(rows) -> dict:
    """matching.appellation_index over these rows, loaded as the ROME loader writes them (in-memory)."""
    con = duckdb.connect()
    con.execute(
        "create table rome_appellations (code_ogr varchar, label varchar, label_short varchar, "
        "rome_code varchar, parent_code varchar, version varchar)"
    )
    for r in rows.values():
        con.execute(
            "insert into rome_appellations values (?, ?, ?, ?, ?, 'v460')",
            [
                r["code_ogr"],
                r["libelle_appellation_long"],
                r["libelle_appellation_court"],
                r["code_rome"],
                r["code_rome_parent"],
            ],
        )
    return appellation_index(con)


# --- gender pairs « A / B » --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ogr", "masculine", "feminine"),
    [
        ("10741", "agent hospitalier", "agente hospitaliere"),  # A and B of the same length
        ("10574", "agent de proprete hospitaliere", "agente de proprete hospitaliere"),  # shared tail
        ("20680", "veterinaire praticien", "veterinaire praticienne"),
        ("11161", "artiste plasticien", "artiste plasticienne"),  # B shorter: A's first word kept
        ("12091", "chef de chantier batiment", "cheffe de chantier batiment"),
        ("12099", "chef de chantier principal", "cheffe de chantier principale"),
        ("10201", "accastilleur greeur", "accastilleuse greeuse"),  # hyphenated words are one word
        # « -XYZ- » acronyms dropped
        (
            "12327",
            "chef de secteur produits de grande consommation",
            "cheffe de secteur produits de grande consommation",
        ),
        (
            "15922",
            "inspecteur d academie direction des services departementaux de l education nationale",
            "inspectrice d academie direction des services departementaux de l education nationale",
        ),
    ],
)
def test_a_gender_pair_reads_as_its_masculine_and_its_feminine(ogr, masculine, feminine):
    long, _ = labels(ogr)
    assert forms(long)[1:3] == [masculine, feminine]
    assert title_key(long) == masculine


def test_the_written_form_comes_first_and_forms_are_normalised_and_distinct():
    long, _ = labels("10741")  # Agent hospitalier / Agente hospitalière
    assert forms(long) == [
        "agent hospitalier agente hospitaliere",
        "agent hospitalier",
        "agente hospitaliere",
    ]
    assert forms("Cheffe de chantier") == ["cheffe de chantier"]  # no other reading: one form
    assert forms(None) == forms("") == []


def test_a_slash_without_spaces_is_not_a_gender_pair():
    long, short = labels("10931")  # Analyste biologie/microbiologie en industrie
    assert forms(long) == forms(short) == ["analyste biologie microbiologie en industrie"]


def test_several_slashes_are_read_at_the_first_then_each_reading_again():
    _, short = labels("18179")  # Professeur / Professeure technique / Chef de travaux
    assert forms(short) == [
        "professeur professeure technique chef de travaux",
        "professeur technique travaux",  # masculine at both pairs (k = 2 words: « chef de » dropped)
        "chef de travaux",  # feminine at both pairs (the second pair is not a gender pair: the rule)
        "professeure technique travaux",
    ]
    _, short = labels("489004")  # Technicien(ne) maintenance chauffage / Ventilation / Clim
    assert forms(short)[:3] == [
        "technicien ne maintenance chauffage ventilation clim",
        "technicien maintenance chauffage",
        "clim",
    ]


# --- inclusive endings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ogr", "masculine", "feminine"),
    [
        (
            "10220",
            "accompagnateur medicosocial vie journaliere",
            "accompagnatrice medicosociale vie journaliere",
        ),  # trice, e
        ("10225", "accompagnateur socioprofessionnel", "accompagnatrice socioprofessionnelle"),  # le
        (
            "10202",
            "accastilleur monteur electronique de marine",
            "accastilleuse monteuse electronique de marine",
        ),  # se
        ("11408", "auditeur comptable et financier", "auditrice comptable et financiere"),  # ère
        (
            "11575",
            "boulanger patissier traiteur",
            "boulangere patissiere traiteuse",
        ),  # ère, se, joined by hyphens
        (
            "10353",
            "agent administratif des operations bancaires",
            "agente administrative des operations bancaires",
        ),  # ive
        (
            "13317",
            "conducteur regleur de ligne d injection",
            "conductrice regleuse de ligne d injection",
        ),  # euse
        (
            "14100",
            "dessinateur projeteur de maisons a ossature bois",
            "dessinatrice projeteuse de maisons a ossature bois",
        ),  # rice
        (
            "12327",
            "chef de secteur produits grande consommation",
            "cheffe de secteur produits grande consommation",
        ),  # fe
        (
            "11326",
            "assistant responsable unite production mater electrique",
            "assistante responsable unite production mater electrique",
        ),  # /(e)
        (
            "16458",
            "mecanicien d atelier et de chantier en materiels",
            "mecanicienne d atelier et de chantier en materiels",
        ),  # ne, « matériels-BTP- »
    ],
)
def test_inclusive_endings_give_one_masculine_and_one_feminine_reading(ogr, masculine, feminine):
    _, short = labels(ogr)
    assert forms(short)[1:] == [masculine, feminine]
    assert title_key(short) == masculine


def test_the_short_inclusive_label_and_the_long_pair_agree():
    for ogr in ("10202", "10225", "11408", "11575", "10353", "13317", "12099"):
        long, short = labels(ogr)
        assert forms(long)[1:3] == forms(short)[1:3], ogr


@pytest.mark.parametrize(
    ("typed", "masculine", "feminine"),
    [
        ("Chef·fe de chantier", "chef de chantier", "cheffe de chantier"),
        ("Chef(fe) de chantier", "chef de chantier", "cheffe de chantier"),
        ("Chef.fe de chantier", "chef de chantier", "cheffe de chantier"),
        ("Chef-fe de chantier", "chef de chantier", "cheffe de chantier"),
        ("Agent·e hospitalier·ère", "agent hospitalier", "agente hospitaliere"),
        ("Technicien(ne) de maintenance", "technicien de maintenance", "technicienne de maintenance"),
        ("Chargé.e de communication", "charge de communication", "chargee de communication"),
        ("Directeur(rice) commercial(e)", "directeur commercial", "directrice commerciale"),
        ("Vendeur(euse)", "vendeur", "vendeuse"),
        ("Sportif(ive)", "sportif", "sportive"),
        ("Chargé(es) de mission", "charge de mission", "chargees de mission"),
        ("Animateur(se)", "animateur", "animateuse"),  # « -se » after « -eur » gives « -euse »
        ("Assistant(se)", "assistant", "assistantse"),  # the word does not end as expected: added
        ("Accompagnant(trice)", "accompagnant", "accompagnanttrice"),
    ],
)
def test_typed_inclusive_titles(typed, masculine, feminine):
    assert forms(typed)[1:] == [masculine, feminine]


def test_endings_outside_the_rule_stay_as_written():
    _, short = labels("10350")  # Agent(e) administratif(tive) back-office marché: « tive » replaces « -tif »
    assert forms(short)[1:] == [
        "agent administratif back office marche",
        "agente administrative back office marche",
    ]
    assert forms("Opérateur(xyz)")[1:] == []  # not an ending of the rule: as written only
    assert forms("Cheffe-adjointe") == ["cheffe adjointe"]  # a hyphenated word, no ending
    assert forms("Gestionnaire SAV") == ["gestionnaire sav"]


def test_a_title_is_reviewed_under_its_masculine_reading():
    key = title_key("Chef de chantier")
    assert (
        key
        == title_key("Chef·fe de chantier")
        == title_key("CHEF(FE) DE CHANTIER")
        == title_key("Chef / Cheffe de chantier")
    )
    assert title_key("  Chargé / Chargée de communication ") == "charge de communication"


# --- matching -------------------------------------------------------------------------------------------


def test_titles_match_appellations_in_every_written_form():
    index = index_of(ROWS)
    typed = {
        "Cheffe de chantier bâtiment": "F1202",
        "Chef·fe de chantier du BTP": "F1202",
        "Chef(fe) de chantier bâtiment": "F1202",
        "Agente hospitalière": "J1301",
        "Agent hospitalier": "J1301",
        "Agent·e de propreté hospitalière": "J1301",
        "Vétérinaire praticienne": "A1504",
        "Accompagnatrice médicosociale vie journalière": "K1301",
        "Accompagnateur·trice médicosocial·e vie journalière": "K1301",
        "Boulangère-pâtissière-traiteuse": "D1102",
        "Artiste plasticienne": "B1101",
    }
    out = match_titles(list(typed), index)
    assert list(out["method"]) == ["exact"] * len(typed)
    assert dict(zip(out["job_title"], out["rome_code"], strict=True)) == typed


def test_a_title_of_several_codes_keeps_them_all_in_code_ogr_order():
    index = index_of(ROWS)
    # Plâtrier-plaquiste / Plâtrière-plaquiste (F1604, ogr 17831) and Platrier / Platrière plaquiste (F1601, ogr 488388)
    assert [c for c, _ in candidates(forms("Plâtrière plaquiste"), index)] == ["F1604", "F1601"]
    assert [c for c, _ in candidates(forms("Technicien d'études instrumentaliste"), index)] == [
        "H1208",
        "I1602",
    ]
    assert [c for c, _ in candidates(forms("Monteur-dépanneur frigoriste"), index)] == ["I1306", "F1620"]
    out = match_titles(["Plâtrier plaquiste", "Chef de chantier"], index)
    assert [list(codes) for codes in out["rome_codes"]] == [["F1604", "F1601"], ["F1202"]]
    assert list(out["rome_code"]) == ["F1604", "F1202"]


def test_match_is_exact_fuzzy_or_unmatched():
    index = index_of(ROWS)
    out = match_titles(["Chargée de chantier bâtiment", "Astronaute", "Chef de chantiers bâtiment"], index)
    assert list(out["method"]) == ["fuzzy", "unmatched", "fuzzy"]
    assert out["rome_code"][0] == "F1202" and out["rome_codes"][1] is None
    assert 85 <= out["score"].iloc[2] < 100


# --- the whole real file ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real():
    if not REAL.exists():
        pytest.skip(f"{REAL} not found (the ROME 4.0 file beside the repository)")
    return appellations(REAL)


def test_every_gender_pair_of_the_real_file_has_two_readings(real):
    """Each long label « A / B » (10,884 of 13,120 in v460) gives a masculine reading that begins like A
    and a feminine reading that ends like B, different from each other but for two epicene labels
    (« Groupiste / Groupiste », and « Homme sage-femme / Sage-femme » whose shorter B takes A's first
    word: the rule)."""
    pairs = [r["libelle_appellation_long"] for r in real.values() if " / " in r["libelle_appellation_long"]]
    assert len(pairs) > 10_000
    same = []
    for long in pairs:
        first, second = long.split(" / ", 1)
        a, b = title_key(first), forms(second)[-1]  # A's masculine reading, B's feminine one
        written, *readings = forms(long)
        masculine, feminine = readings[0], readings[-1]
        assert len(readings) <= 2 and masculine.startswith(a) and feminine.endswith(b), long
        if masculine == feminine:
            same.append(long)
    assert same == ["Groupiste / Groupiste", "Homme sage-femme / Sage-femme"]


def test_the_real_short_labels_in_inclusive_writing_agree_with_their_long_pairs(real):
    """A short label in inclusive writing (« Chef(fe) de chantier … ») and its long label in a gender
    pair are two writings of one appellation: when the short one is not abbreviated (same number of
    words), both readings agree. Measured on v460: 963 of 1,074 rows; the others abbreviate a word
    (« ind », « prod ») or use an ending the rule does not list (« (tive) », « (ve) »)."""
    rows = [
        r
        for r in real.values()
        if " / " in r["libelle_appellation_long"]
        and " / " not in r["libelle_appellation_court"]
        and "(" in r["libelle_appellation_court"]
    ]
    compared = agree = 0
    for row in rows:
        long, short = forms(row["libelle_appellation_long"]), forms(row["libelle_appellation_court"])
        if len(short) < 3 or len(long[1].split()) != len(short[1].split()):
            continue
        compared += 1
        agree += long[1:3] == short[1:3]
    assert compared > 1000 and agree / compared >= 0.88, (agree, compared)


def test_few_real_forms_are_appellations_of_several_codes(real):
    """Of the ~38,800 distinct forms of v460, 11 are appellations of several ROME codes (genuine homonyms
    such as « plâtrier plaquiste » F1604/F1601, and three artefacts of the pair rule, e.g. « conceptrice
    informatique » read from « Analyste Concepteur / Conceptrice informatique »)."""
    codes: dict[str, set[str]] = {}
    for row in real.values():
        for text in (row["libelle_appellation_long"], row["libelle_appellation_court"]):
            for form in forms(text):
                codes.setdefault(form, set()).add(row["code_rome"])
    several = {form for form, found in codes.items() if len(found) > 1}
    assert len(codes) > 35_000 and len(several) <= 20, sorted(several)
    assert {
        "platrier plaquiste",
        "monteur depanneur frigoriste",
        "technicien d etudes instrumentaliste",
    } <= several
