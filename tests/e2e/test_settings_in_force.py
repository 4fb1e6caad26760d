"""The settings that rule the figures are recorded by `insertion build`, and only by it: every other
command that refreshes the figures applies the recorded ones (and says so), whatever its environment."""

from __future__ import annotations

from tests.helpers import table_rows


def recorded(settings) -> dict[str, str]:
    return dict(table_rows(settings.warehouse, "select key, value from settings"))


def test_only_build_records_new_settings(sample_copy, cli, monkeypatch):
    assert recorded(sample_copy)["small_cohort_threshold"] == "20"
    monkeypatch.setenv("INSERTION_SMALL_COHORT", "40")
    monkeypatch.setenv("INSERTION_PAY_FLOOR", "1")
    code, _, err = cli("review", "Webmaster e-business", "--rome", "E1101", "--by", "C. M.", "--why", "test")
    assert code == 0 and "INSERTION_SMALL_COHORT=40 (en vigueur : 20)" in err
    code, _, err = cli("validate")
    assert "ignoré" in err
    kept = recorded(sample_copy)
    assert (kept["small_cohort_threshold"], kept["pay_floor"]) == ("20", "10800")
    code, out, _ = cli("stats", "RNCP34179")
    row_2017 = next(line for line in out.splitlines() if line.lstrip("│| ").startswith("2017"))
    assert code == 0 and "⚠" not in row_2017  # 2017's 33 respondents: over the threshold in force (20)
    assert "inférieur à 20" in out  # the threshold in force (20), not the environment's 40
    assert cli("build")[0] == 0
    now = recorded(sample_copy)
    assert (now["small_cohort_threshold"], now["pay_floor"]) == ("40", "1")
