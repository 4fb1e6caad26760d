"""The « Accessibilité » page's status, in RGAA's words, from the tests' record (dashboard/conformity.py)."""

from dashboard import conformity

KEYS = sorted({k for _, _, keys in conformity.CRITERIA for k in keys})


def record(failing=(), human_audit=""):
    out = {"date": "02/12/2026", "checks": {k: {"ok": k not in failing, "detail": ""} for k in KEYS}}
    if human_audit:
        out["human_audit"] = human_audit
    return out


def test_status_follows_rgaa_thresholds():
    assert conformity.status({})["label"] == "non conforme"  # no audit: nothing is proven
    assert conformity.status(record(human_audit="15/01/2027, cabinet X"))["label"] == "totalement conforme"
    # every checked criterion respected, but by machine only: never « totalement »
    machine = conformity.status(record())
    assert (machine["label"], machine["rate"]) == ("partiellement conforme", 100)
    one = conformity.status(record(failing=["reflow"], human_audit="x"))
    assert one["label"] == "partiellement conforme" and one["respected"] == len(conformity.CRITERIA) - 1
    low = conformity.status(record(failing=["axe", "keyboard", "charts"], human_audit="x"))
    assert (low["label"], low["respected"]) == ("non conforme", 7)  # 7 of 17: under half
    assert conformity.failures(record(failing=["reflow"])) == [
        "Critère 10.11 : Le contenu se lit sans défilement horizontal à 320 px (zoom 200 %)."
    ]


def test_the_declaration_template_is_filled_from_the_record():
    text = conformity.declaration(record(failing=["skip_link"]))
    assert "est partiellement conforme avec le référentiel général d'amélioration de l'accessibilité" in text
    assert "Critère 12.7 : Un lien d'évitement mène au contenu principal." in text
    assert "Défenseur des droits" in text and "[Nom de l'organisme certificateur]" in text
    assert "schéma pluriannuel" in text


def test_the_committed_record_holds_every_check():
    recorded = conformity.load()
    assert set(recorded["checks"]) == set(KEYS)
    assert recorded["pages"] and all(
        n == 0 for by_role in recorded["pages"].values() for n in by_role.values()
    )
