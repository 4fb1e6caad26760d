"""The one switch of the browser tests (tests/browser/conftest.py): INSERTION_SKIP_BROWSER_TESTS=1 skips
every one of them, and every one carries the ``browser`` marker. Checked in a pytest of its own that
starts no browser and no server: skipped tests set up no fixture."""

import os
import re
import subprocess
import sys

from tests.helpers import ROOT


def test_the_switch_skips_every_browser_test_and_each_is_marked():
    env = {**os.environ, "INSERTION_SKIP_BROWSER_TESTS": "1"}
    done = subprocess.run(
        # -m browser: a test without the marker would be deselected, and counted as such below
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/browser",
            "-m",
            "browser",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    summary = out.strip().splitlines()[-1]
    counts = dict((word, int(n)) for n, word in re.findall(r"(\d+) (\w+)", summary))
    assert set(counts) == {"skipped"} and counts["skipped"] >= 30, summary  # nothing ran, none deselected
    reasons = re.findall(r"^SKIPPED \[(\d+)\] tests/browser/test_\w+\.py(?::\d+)?: (.*)$", out, re.M)
    assert sum(int(n) for n, _ in reasons) == counts["skipped"], out
    assert all("INSERTION_SKIP_BROWSER_TESTS=1" in reason for _, reason in reasons), out
