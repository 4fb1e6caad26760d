"""The public suppression rule (docs/methodology.md M25), on rows written here: primary secret by each
rate's own base, then secondary secret to a fixpoint over the relations the registry states (sums,
ratios), so that no hidden cell can be worked out from the shown ones."""

from __future__ import annotations

import pandas as pd

from pipeline.indicators.disclosure import PRIMARY, SECONDARY, disclose, known, public_rule, suppress
from pipeline.indicators.formats import SECONDARY_SECRET, secret
from pipeline.indicators.registry import Rate, Sum

THRESHOLD = 20


def wave(certified, respondents, neutralised, employed, in_target, w="6m") -> dict:
    """One row of counts of one wave, the derived counts as the registry writes them."""
    return {
        "certified": certified,
        "certified_vae": 0,
        f"respondents_{w}": respondents,
        f"neutralised_{w}": neutralised,
        f"denominator_{w}": respondents - neutralised,
        f"non_respondents_{w}": certified - respondents,
        f"employed_{w}": employed,
        f"in_target_{w}": in_target,
    }


def rate(key, numerator, denominator, official=False) -> Rate:
    return Rate(key, key, key, numerator, denominator, "6m", official)


def test_each_rate_is_suppressed_by_its_own_base_only():
    # base 15 hides the insertion and target rates; 40 certified leave the response rate shown
    row = wave(certified=40, respondents=18, neutralised=3, employed=12, in_target=9)
    published = ["insertion_rate_6m", "target_job_rate_6m", "response_rate_6m"]
    assert suppress(row, published, THRESHOLD) == {
        "insertion_rate_6m": PRIMARY,
        "target_job_rate_6m": PRIMARY,
    }
    # 12 certified: the response rate too, on its own base
    row = wave(certified=12, respondents=11, neutralised=0, employed=10, in_target=9)
    assert suppress(row, published, THRESHOLD) == dict.fromkeys(published, PRIMARY)
    # the same figures over the threshold: nothing hidden
    row = wave(certified=40, respondents=30, neutralised=5, employed=20, in_target=12)
    assert suppress(row, published, THRESHOLD) == {}


def test_a_shown_rates_n_and_N_giving_a_hidden_count_is_suppressed_too():
    """The share of jobs in the target (base: the 15 employed) is hidden; the insertion rate, shown with
    its base of 25, would give those 15 employed back as its numerator: it is hidden as well."""
    row = wave(certified=40, respondents=30, neutralised=5, employed=15, in_target=10)
    published = ["insertion_rate_6m", "target_job_rate_6m", "response_rate_6m", "target_share_6m"]
    assert "employed_6m" in known(row, published)  # what the rule must prevent
    secrets = suppress(row, published, THRESHOLD)
    assert secrets == {"target_share_6m": PRIMARY, "insertion_rate_6m": SECONDARY}
    reader = known(row, [k for k in published if k not in secrets])
    assert "employed_6m" not in reader and "target_share_6m" not in reader
    assert "in_target_6m" in reader  # the target rate stays, and what it gives is no secret


def test_a_hidden_count_that_is_the_difference_of_shown_counts_is_protected():
    """base = respondents − neutralised; shown rates give both terms: one of them is hidden."""
    sums = [Sum("base", ((1, "respondents"), (-1, "neutralised")))]
    rates = [
        rate("employment", "employed", "base", official=True),
        rate("answered", "respondents", "certified"),
        rate("neutralised_share", "neutralised", "certified"),
    ]
    row = {"certified": 50, "respondents": 30, "neutralised": 18, "base": 12, "employed": 9}
    published = [r.key for r in rates]
    assert "base" in known(row, published[1:], sums, rates)
    secrets = suppress(row, published, THRESHOLD, sums, rates)
    assert secrets["employment"] == PRIMARY and len(secrets) == 2
    assert "base" not in known(row, [k for k in published if k not in secrets], sums, rates)


def test_a_hidden_rate_whose_numerator_and_denominator_show_through_other_cells_is_protected():
    rates = [
        rate("hidden", "a", "b", official=True),  # b = 10: primary
        rate("gives_a", "a", "c"),  # c = 50: shows a
        rate("gives_b", "b", "d"),  # d = 60: shows b
    ]
    row = {"a": 4, "b": 10, "c": 50, "d": 60}
    assert "hidden" in known(row, ["gives_a", "gives_b"], [], rates)
    secrets = suppress(row, ["hidden", "gives_a", "gives_b"], THRESHOLD, [], rates)
    assert secrets["hidden"] == PRIMARY and SECONDARY in secrets.values()
    shown = [k for k in ("gives_a", "gives_b") if k not in secrets]
    assert not {"hidden", "b"} & set(known(row, shown, [], rates))


def test_secondary_suppression_runs_to_a_fixpoint():
    """Hiding one cell can leave it recomputable through others: then one of those goes too."""
    sums = [Sum("b", ((1, "c"), (-1, "d")))]
    rates = [
        rate("hidden", "a", "b", official=True),  # b = 10: primary
        rate("u", "c", "n"),  # with v, gives b = c − d: u is hidden first (the registry's order)
        rate("v", "d", "n"),
        rate("w", "c", "m", official=True),  # gives c back, and with v's n, u's value
    ]
    row = {"a": 3, "b": 10, "c": 30, "d": 20, "n": 60, "m": 45}
    published = [r.key for r in rates]
    secrets = suppress(row, published, THRESHOLD, sums, rates)
    assert secrets == {"hidden": PRIMARY, "u": SECONDARY, "v": SECONDARY}
    reader = known(row, ["w"], sums, rates)
    assert not {"hidden", "b", "u", "v"} & set(reader)
    # without the fixpoint (u alone hidden), u would come back through w and v
    assert "u" in known(row, ["v", "w"], sums, rates)


def test_a_count_known_to_be_zero_gives_the_terms_of_its_sum():
    """No respondent at 2 years (a response rate of 0 % on 26 certified) means a base of 0: the response
    rate is hidden to protect the base of the hidden 2-year rates (head-counts are never negative)."""
    row = wave(certified=26, respondents=0, neutralised=0, employed=0, in_target=0, w="24m")
    published = ["target_job_rate_24m", "response_rate_24m"]
    assert "denominator_24m" in known(row, ["response_rate_24m"])
    assert suppress(row, published, THRESHOLD) == {
        "target_job_rate_24m": PRIMARY,
        "response_rate_24m": SECONDARY,
    }
    # with respondents, the base is not given by the response rate: it stays
    row = wave(certified=26, respondents=3, neutralised=3, employed=0, in_target=0, w="24m")
    assert suppress(row, published, THRESHOLD) == {"target_job_rate_24m": PRIMARY}


def test_what_the_counts_always_shown_give_alone_is_no_secret():
    row = wave(certified=12, respondents=0, neutralised=0, employed=0, in_target=0)
    assert "certified" in known(row, []) and suppress(row, ["response_rate_6m"], THRESHOLD) == {
        "response_rate_6m": PRIMARY
    }


def test_the_public_frame_keeps_only_what_a_reader_can_work_out():
    row = {**wave(40, 18, 3, 12, 9), "insertion_rate_6m": 80, "response_rate_6m": 45}
    out = disclose(pd.DataFrame([row]), "public", THRESHOLD, ["insertion_rate_6m", "response_rate_6m"]).iloc[
        0
    ]
    assert out["response_rate_6m"] == 45 and out["respondents_6m"] == 18 and out["non_respondents_6m"] == 22
    assert out["insertion_rate_6m"] is None and out["denominator_6m"] is None and out["employed_6m"] is None
    assert out["insertion_rate_6m_suppressed"] and not out["response_rate_6m_suppressed"]


def test_labels_say_which_base_is_under_the_threshold():
    assert secret(THRESHOLD, "response_rate_6m", PRIMARY) == "secret statistique (nombre de certifiés < 20)"
    assert (
        secret(THRESHOLD, "insertion_rate_24m", PRIMARY) == "secret statistique (base de calcul à 2 ans < 20)"
    )
    assert (
        secret(THRESHOLD, "target_share_6m", PRIMARY) == "secret statistique (nombre en emploi à 6 mois < 20)"
    )
    assert secret(THRESHOLD, "insertion_rate_6m", SECONDARY) == SECONDARY_SECRET
    assert SECONDARY_SECRET.startswith("secret secondaire")


def test_the_rule_is_stated_with_the_threshold_in_force_and_the_registrys_relations():
    text = " ".join(public_rule(25))
    assert "au moins 25 personnes" in text and "secret secondaire" in text
    assert (
        "Base de calcul à 6 mois (répondants − neutralisés) = Répondants à 6 mois − Neutralisés à 6 mois"
        in text
    )
