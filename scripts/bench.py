"""Benchmarks: time, throughput and peak memory of each step; writes docs/performance.md.

Usage: python scripts/bench.py [--quick] [--out docs/performance.md]

Each measurement runs in its own process so that its peak memory (ru_maxrss) is its own.
--quick uses small sizes (CI keeps it working); the figures in docs/performance.md come from a full run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child(fn_name: str, *args) -> dict:
    """Run ``fn_name(*args)`` of this module in a fresh interpreter; returns its JSON result."""
    code = (
        f"import json, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import bench; "
        f"print('@@' + json.dumps(getattr(bench, {fn_name!r})(*{list(args)!r})))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode:
        raise RuntimeError(f"{fn_name}{args} failed:\n{proc.stderr[-3000:]}")
    line = [x for x in proc.stdout.splitlines() if x.startswith("@@")][-1]
    return json.loads(line[2:])


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- measurements (each runs in a child process) ---------------------------------------------------


def gx_import() -> dict:
    t = time.perf_counter()
    import great_expectations  # noqa: F401

    return {"seconds": time.perf_counter() - t, "peak_mib": peak_mib()}


def synthetic_frame(kind: str, rows: int):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)
    codes = np.array([f"RNCP{n}" for n in rng.integers(30000, 40000, 2000)])
    frame = pd.DataFrame(
        {
            "source_row": np.arange(2, rows + 2, dtype="int64"),
            "candidate_hash": pd.Series([f"{i:064x}" for i in range(rows)], dtype="string"),
            "certification_code": pd.Series(codes[rng.integers(0, len(codes), rows)], dtype="string"),
        }
    )
    jury = pd.Timestamp("2015-06-15") + pd.to_timedelta(rng.integers(0, 3650, rows), unit="D")
    if kind == "cohort_results":
        frame["jury_date"] = jury.astype("datetime64[us]")
        frame["jury_date_unparsed"] = pd.Series(pd.NA, index=frame.index, dtype="string")
        frame["access_route"] = pd.Series(
            rng.choice(["FI", "CA", "FC", "CQ", "CL", "VAE"], rows), dtype="string"
        )
        frame["outcome"] = pd.Series(rng.choice(["certified", "partial", "failed"], rows), dtype="string")
        frame["blocks_validated"] = pd.Series(pd.NA, index=frame.index, dtype="string")
        frame["site"] = pd.Series(rng.choice(["Paris", "Lyon"], rows), dtype="string")
        return frame
    months = rng.choice([6, 24], rows)
    frame["promotion"] = pd.array(jury.year, dtype="Int64")
    frame["wave"] = pd.Series(months.astype(str), dtype="string")
    frame["answer_date"] = (
        jury + pd.to_timedelta(months * 30.4 + rng.integers(-20, 40, rows), unit="D")
    ).astype("datetime64[us]")
    frame["answer_date_unparsed"] = pd.Series(pd.NA, index=frame.index, dtype="string")
    situation = rng.choice(["employed", "job_seeking", "inactive", "further_study", "no_response"], rows)
    frame["situation"] = pd.Series(situation, dtype="string")
    employed = situation == "employed"
    frame["job_title"] = pd.Series(np.where(employed, "Chargé de communication", None), dtype="string")
    frame["rome_code"] = pd.Series(np.where(employed, "E1103", None), dtype="string")
    frame["contract_type"] = pd.Series(np.where(employed, "permanent", None), dtype="string")
    for column in ("working_time", "employer_sector", "work_location", "target_decision"):
        frame[column] = pd.Series(pd.NA, index=frame.index, dtype="string")
    frame["jury_date"] = jury.astype("datetime64[us]")
    frame["months_after_jury"] = (frame["answer_date"] - frame["jury_date"]).dt.days / 30.4375
    frame["known_in_cohorts"] = True
    return frame


def validation_run(kind: str, rows: int) -> dict:
    import tempfile

    from pipeline.config import Settings
    from pipeline.validation import Gate

    frame = synthetic_frame(kind, rows)
    gate = Gate(Settings.load(warehouse=Path(tempfile.mkdtemp()) / "w.duckdb"))
    gate.suite(kind)  # import and context outside the timing
    t = time.perf_counter()
    verdict = gate.validate(frame, kind)
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "rows": rows, "peak_mib": peak_mib(), "expectations": len(verdict.outcomes)}


# --- report --------------------------------------------------------------------------------------


def median_of(fn: str, args: tuple, repeat: int) -> dict:
    runs = [child(fn, *args) for _ in range(repeat)]
    best = dict(runs[0])
    best["seconds"] = statistics.median(r["seconds"] for r in runs)
    best["peak_mib"] = max(r["peak_mib"] for r in runs)
    return best


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import duckdb
    import great_expectations
    import pandas

    return (
        f"{platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}, "
        f"pandas {pandas.__version__}, duckdb {duckdb.__version__}, great-expectations {great_expectations.__version__}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, one repetition (CI smoke run)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    args = parser.parse_args()
    repeat = 1 if args.quick else 3
    sizes = [10_000, 100_000] if args.quick else [100_000, 1_000_000]

    sections = []
    print("GX import…", flush=True)
    imp = median_of("gx_import", (), repeat)
    sections.append(
        "## Great Expectations\n\n"
        f"`import great_expectations`: **{imp['seconds']:.2f} s** (median of {repeat}, precompiled bytecode). "
        "Commands that do not validate never import it (a test checks `insertion stats`).\n\n"
        "| suite | rows | expectations | median time | rows/s | peak memory |\n|---|---:|---:|---:|---:|---:|"
    )
    for kind in ("cohort_results", "survey_answers"):
        for rows in sizes:
            print(f"validation {kind} {rows:,} rows…", flush=True)
            r = median_of("validation_run", (kind, rows), repeat)
            sections[-1] += (
                f"\n| {kind} | {rows:,} | {r['expectations']} | {r['seconds']:.2f} s | "
                f"{rows / r['seconds']:,.0f} | {r['peak_mib']:,.0f} MiB |"
            )
    header = (
        "# Performance\n\n"
        f"Written by `make bench{' QUICK=1' if args.quick else ''}` on {datetime.now():%d/%m/%Y %H:%M}. "
        f"Machine: {machine()}.\n"
        "Each figure is the median of the repetitions, each in a fresh process; peak memory is the "
        "process's maximum resident set size.\n"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(header + "\n" + "\n\n".join(sections) + "\n", encoding="utf-8")
    print(f"Written {args.out}")


if __name__ == "__main__":
    main()
