"""Colours of the charts (issue #26, WCAG 1.4.11 / RGAA 3.3 and WCAG 1.4.1 / RGAA 3.1): every colour that
draws a series stands out from the white background by 3:1 at least, and no colour carries a meaning
alone — each series also has its own line dash, marker or bar pattern. Text contrast (4.5:1) is axe-core's
rule color-contrast, run on every page in tests/browser/test_browser_a11y.py."""

import pandas as pd

from dashboard import figures
from pipeline.outputs.renewal import html as pack_html
from tests import audit

WHITE = "#ffffff"


def luminance(color: str) -> float:
    channels = [int(color.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula():
    assert round(contrast("#000000", WHITE), 1) == 21.0
    assert round(contrast("#767676", WHITE), 2) == 4.54  # the usual grey that just passes 4.5:1


def test_every_chart_colour_stands_out_from_white_by_3_to_1():
    colours = {
        **{f"dashboard {k}": v for k, v in figures.COLORS.items()},
        **{f"Enquêtes {k}": v for k, v in figures.STATUS_COLORS.items()},
        **{f"dossier série {i}": c for i, (c, _, _) in enumerate(pack_html.SERIES)},
    }
    low = {name: round(contrast(c, WHITE), 2) for name, c in colours.items() if contrast(c, WHITE) < 3}
    audit.check("contrast_graphics", not low, f"{len(colours)} couleurs de graphique, toutes ≥ 3:1 sur blanc")
    assert not low, low


def years_frame() -> pd.DataFrame:
    rows = []
    for year, n in ((2017, 33), (2018, 9)):
        row = {"year": year, "certified": n}
        for key in figures.TREND_RATES:
            row.update({key: 88, f"{key}_low": 70.0, f"{key}_high": 95.0})
        rows.append(row)
    frame = pd.DataFrame(rows)
    for w in ("6m", "24m"):
        frame[f"employed_{w}"], frame[f"in_target_{w}"], frame[f"denominator_{w}"] = 8, 7, frame["certified"]
    return frame


def test_no_colour_carries_a_meaning_alone():
    trend = figures.trend_figure(years_frame(), 20)["data"]
    assert len({(t["line"]["dash"], t["marker"]["symbol"]) for t in trend}) == len(trend) == 3
    routes = pd.DataFrame(
        [
            {"year": 2017, "access_route": r, "insertion_rate_6m": 80, "employed_6m": 8, "denominator_6m": d}
            for r, d in (("CA", 30), ("FC", 5), ("FI", 25))
        ]
    )
    bars = figures.routes_figure(routes, "insertion_rate_6m", 20)["data"]
    assert len({b["marker"]["pattern"]["shape"] for b in bars}) == len(bars) == 3
    fragile = [b for b in bars if b["name"] == "Formation continue"][0]
    assert fragile["text"][0].endswith("⚠")  # a small base is said in words, not by paleness alone
    jobs = pd.DataFrame(
        {
            "rome_code": ["M1705", "K2111"],
            "rome_label": ["Marketing", "Formation"],
            "in_target": [True, False],
            "employed": [5, 2],
        }
    )
    job_bars = figures.jobs_figure(jobs)["data"][0]
    assert job_bars["marker"]["pattern"]["shape"] == ["/", ""]  # out of target: hatched (reversed order)
    assert "(hors métier visé)" in job_bars["y"][0]
    assert len(set(figures.STATUS_PATTERNS.values())) == len(figures.STATUS_PATTERNS)
    assert len({(dash, shape) for _, dash, shape in pack_html.SERIES}) == len(pack_html.SERIES)
    audit.check("colour_not_alone", True, "motifs, marqueurs et tirets en plus des couleurs ; ⚠ écrit")


def test_chart_alternatives_are_written_from_the_figures():
    """The summary of the issue's example, and the data table with n/N and ⚠ as on the page."""
    frame = years_frame()
    frame.loc[0, "insertion_rate_6m"], frame.loc[1, "insertion_rate_6m"] = 88, 100
    alt = figures.trend_figure(frame, 20)["layout"]["meta"]["a11y"]
    assert alt["summary"].startswith("Insertion globale à 6 mois : 88\u00a0% en 2017, 100\u00a0% en 2018 ;")
    assert alt["columns"][0] == "Année" and alt["rows"][1][0] == "2018"
    assert alt["rows"][1][1] == "100\u00a0% (8/9) ⚠" and alt["rows"][0][1] == "88\u00a0% (8/33)"
    empty = figures.empty_figure("Aucune promotion pour ces filtres")["layout"]["meta"]["a11y"]
    assert empty["summary"] == "Aucune promotion pour ces filtres" and empty["rows"]
