"""Progress of long reads (issue #24): French, on stderr, only for long work (pipeline/load/progress.py)."""

import io

import pytest

from pipeline.load import progress as module
from pipeline.load.progress import Progress

NNBSP = "\u202f"


@pytest.fixture
def clock(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(module.time, "monotonic", lambda: now[0])
    return now


def test_a_log_shows_a_line_every_few_seconds_once_the_work_lasts(clock):
    out = io.StringIO()
    p = Progress("enquete.csv", total=1000, stream=out, in_place=False)
    clock[0] += 0.5
    p.update(1_000, 10)  # the first chunk: only times the start
    clock[0] += 1.0
    p.update(100_000, 100)  # 1.5 s: too early
    assert out.getvalue() == ""
    clock[0] += 1.0
    p.update(200_000, 420)
    assert out.getvalue() == f"enquete.csv : 200{NNBSP}000 lignes lues (99{NNBSP}500 lignes/s, 42 %)\n"
    clock[0] += 1.0
    p.update(300_000, 600)  # 1 s after the last line: not yet
    assert out.getvalue().count("\n") == 1
    p.close(310_000, 1000, "fichier refusé")
    last = f"enquete.csv : 310{NNBSP}000 lignes lues (103{NNBSP}000 lignes/s, 100 %) — fichier refusé"
    assert out.getvalue().splitlines()[-1] == last


def test_short_work_shows_nothing(clock):
    out = io.StringIO()
    p = Progress("petit.csv", total=10, stream=out, in_place=False)
    clock[0] += 5
    p.update(3, 10, last=True)  # one chunk, however slow (the start of GX): nothing to follow
    p.close(3, 10)
    assert out.getvalue() == ""


def test_a_terminal_gets_one_line_updated_in_place(clock):
    out = io.StringIO()
    p = Progress("enquete.csv", total=None, stream=out, in_place=True)
    p.update(1_000)
    clock[0] += 1.0
    p.update(101_000)
    clock[0] += 1.0
    p.update(201_000)
    p.close(250_000)
    text = out.getvalue()
    assert text.count("\r") == 3 and text.endswith("\n") and "%" not in text  # no size: no share
    assert f"\renquete.csv : 201{NNBSP}000 lignes lues (100{NNBSP}000 lignes/s)" in text
