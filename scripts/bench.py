"""Benchmarks: time, throughput and peak memory of each step; writes docs/performance.md.

Usage: python scripts/bench.py [--quick | --smoke] [--files] [--out docs/performance.md]

Each measurement runs in its own process so that its peak memory (ru_maxrss) is its own; in the smoke run,
whose figures are thrown away, the measurements and the CLI commands run in this process (a fresh interpreter
imports pandas, DuckDB and Great Expectations again), the watchers and the large files' commands in theirs.
--quick uses small sizes (CI keeps it working); --smoke the smallest that still run every step (the test
suite's check, tests/e2e/test_bench.py); the figures in docs/performance.md come from a full run.
--files measures only the large files of issue #24 (200 MiB of bad rows, 200 MiB of answers:
scripts/bench_files.py) and rewrites that section of docs/performance.md in place (about 5 minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from bench_files import tree_rss_mib  # noqa: E402 (the scripts' folder on the path first)

ANALYSIS = "<!-- analysis: kept by scripts/bench.py -->"
IN_PROCESS = {"smoke": False}  # set by main(): the smoke run calls the measurements in this process


def child(fn_name: str, *args) -> dict:
    """Run ``fn_name(*args)`` of this module in a fresh interpreter; returns its JSON result."""
    if IN_PROCESS["smoke"]:
        return json.loads(json.dumps(globals()[fn_name](*args)))
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


def gx_import(deferred: bool) -> dict:
    """Importing GX plainly, or as the pipeline does (``scipy.stats`` deferred until used)."""
    t = time.perf_counter()
    if deferred:
        from pipeline.load import gate as validation

        validation._gx()
    else:
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
            "candidate_hash": pd.Series([f"{i:032x}" for i in range(rows)], dtype="string"),
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
    return frame


def validation_run(kind: str, rows: int) -> dict:
    import tempfile

    from pipeline.core.config import Settings
    from pipeline.load.gate import Gate

    frame = synthetic_frame(kind, rows)
    gate = Gate(Settings.load(warehouse=Path(tempfile.mkdtemp()) / "w.duckdb"))
    gate.suite(kind)  # import and context outside the timing
    t = time.perf_counter()
    verdict = gate.validate(frame, kind)
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "rows": rows, "peak_mib": peak_mib(), "expectations": len(verdict.outcomes)}


def run_cli(args: list[str], env: dict) -> dict:
    """Run the CLI in a child process: wall time and the peak resident memory of its whole process tree
    (the command and its worker processes together), sampled every 100 ms."""
    import threading

    if IN_PROCESS["smoke"]:
        return cli_here(args, env)
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", *args],
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = [0.0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_rss_mib(proc.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - t
    sampler.join()
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"insertion {' '.join(args)} failed:\n{stderr[-3000:]}")
    return {"seconds": seconds, "peak_mib": peak[0], "stdout": stdout}


def cli_here(args: list[str], env: dict) -> dict:
    """The smoke run's `run_cli`: the command in this process, under ``env``."""
    import contextlib
    import io

    from pipeline.cli import main as insertion

    saved, out, err = dict(os.environ), io.StringIO(), io.StringIO()
    os.environ.update(env)
    t = time.perf_counter()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = insertion(args)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    if code not in (0, 1):
        raise RuntimeError(f"insertion {' '.join(args)} failed:\n{err.getvalue()[-3000:]}")
    return {"seconds": time.perf_counter() - t, "peak_mib": peak_mib(), "stdout": out.getvalue()}


def watch_latency(env: dict, raw: Path, files: list[str]) -> dict:
    """`insertion watch` on ``raw``: for each new file, the time from its arrival (an atomic rename into
    the folder, as a careful export does) to the line saying the snapshot is published (median), and the
    watcher's peak resident memory."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "watch", "--interval", "0.2"],
        env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )

    def up_to_date() -> str:
        for line in proc.stdout:
            if line.startswith("À jour"):
                return line
        raise RuntimeError("insertion watch ended")

    try:
        up_to_date()  # the files already there (hashed once, all skipped)
        latencies = []
        for i, text in enumerate(files):
            incoming = raw / f".incoming-{i}.tmp"
            incoming.write_text(text, encoding="utf-8")
            t = time.perf_counter()
            incoming.rename(raw / "enquetes" / f"arrived-{i}.csv")
            if "1 fichier(s) chargé(s)" not in (line := up_to_date()):
                raise RuntimeError(f"insertion watch did not load arrived-{i}.csv: {line}")
            latencies.append(time.perf_counter() - t)
        status = Path(f"/proc/{proc.pid}/status").read_text()
        peak = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    return {"seconds": statistics.median(latencies), "peak_mib": peak}


def second_wave(survey: Path, rows: int) -> str:
    """A realistic new file: the 2-year answers of ``rows`` people whose 6-month answers are loaded
    (same people, wave « 2 ans », answered 18 months later)."""
    from pipeline.load.readers import detect_delimiter, detect_encoding

    data = survey.read_bytes()
    lines = data.decode(detect_encoding(data, survey)).lstrip("\ufeff").splitlines()
    sep = detect_delimiter(lines[0])
    headers = lines[0].split(sep)
    wave = next(i for i, h in enumerate(headers) if h.lower().startswith("vague"))
    when = next(i for i, h in enumerate(headers) if "date" in h.lower())
    out = [sep.join(headers)]
    for line in lines[1:]:
        fields = line.split(sep)
        if (
            len(fields) != len(headers)
            or fields[wave] != "6 mois"
            or not re.match(r"\d\d/\d\d/\d{4}$", fields[when])
        ):
            continue
        day, month, year = map(int, fields[when].split("/"))
        month += 18
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        fields[wave], fields[when] = "2 ans", f"{min(day, 28):02d}/{month:02d}/{year}"
        out.append(sep.join(fields))
        if len(out) > rows:
            break
    return "\n".join(out) + "\n"


def floor_read_csv(raw: str) -> dict:
    """DuckDB's bare read_csv of the same files (all text): the ingest floor."""
    import duckdb

    con = duckdb.connect()
    t = time.perf_counter()
    rows = 0
    for kind in ("cohortes", "enquetes"):
        files = sorted(str(p) for p in Path(raw, kind).glob("*.csv"))
        for f in files:
            enc = "utf-8"
            try:
                Path(f).read_text(encoding="utf-8")
            except UnicodeDecodeError:
                enc = "latin-1"
            rows += con.execute(
                f"select count(*) from read_csv(?, delim=';', header=true, all_varchar=true, "
                f"encoding='{enc}')",
                [f],
            ).fetchall()[0][0]
    return {"seconds": time.perf_counter() - t, "rows": rows, "peak_mib": peak_mib()}


def marts(warehouse: str) -> dict:
    from pipeline.core.config import Settings
    from pipeline.warehouse import db as wh
    from pipeline.warehouse import models

    settings = Settings.load(warehouse=Path(warehouse))
    con = wh.connect(settings.warehouse, memory_limit=settings.memory_limit)
    t = time.perf_counter()
    models.build_models(con, settings)
    seconds = time.perf_counter() - t
    t = time.perf_counter()
    con.execute("select * from certification_statistics").df()
    stats = time.perf_counter() - t
    con.close()  # the commands that follow write in this warehouse
    return {"seconds": seconds, "statistics_seconds": stats, "peak_mib": peak_mib()}


def pandas_baseline(warehouse: str) -> dict:
    """What an analyst would write: the fiche's indicators from the staged rows, in pandas."""
    import duckdb
    import numpy as np

    con = duckdb.connect(warehouse, read_only=True)
    cohort = con.execute(
        "select candidate_hash::varchar as candidate_hash, certification_code, year, outcome, access_route "
        "from stg_cohort_results"
    ).df()
    survey = con.execute(
        "select candidate_hash::varchar as candidate_hash, certification_code, wave, situation, rome_code, "
        "contract_type "
        "from stg_survey_answers"
    ).df()
    targets = con.execute("select certification_code, rome_code from certification_target_jobs").df()
    con.close()
    t = time.perf_counter()
    certified = cohort[cohort["outcome"] == "certified"].drop_duplicates(
        ["candidate_hash", "certification_code", "year"]
    )
    counts = certified.groupby(["certification_code", "year"]).agg(
        certified=("candidate_hash", "size"), vae=("access_route", lambda s: (s == "VAE").sum())
    )
    merged = survey.merge(
        certified[["candidate_hash", "certification_code", "year"]],
        on=["candidate_hash", "certification_code"],
    )
    targets["target"] = True
    merged = merged.merge(targets, on=["certification_code", "rome_code"], how="left")
    merged["responded"] = merged["situation"] != "no_response"
    merged["neutralised"] = merged["situation"].isin(["further_study", "work_study", "unable_to_work"]) | (
        merged["situation"].isin(["employed", "employed_abroad"])
        & merged["contract_type"].isin(["apprenticeship", "professionalisation"])
    )
    merged["employed"] = (
        merged["responded"]
        & ~merged["neutralised"]
        & merged["situation"].isin(["employed", "employed_abroad"])
    )
    merged["in_target"] = merged["employed"] & merged["target"].fillna(False).astype(bool)
    merged["den"] = merged["responded"] & ~merged["neutralised"]
    waves = merged.groupby(["certification_code", "year", "wave"])[["den", "employed", "in_target"]].sum()
    rates = waves.assign(insertion=np.floor(100 * waves["employed"] / waves["den"].replace(0, np.nan) + 0.5))
    wide = rates.unstack("wave")
    wide.columns = [f"{name}_{wave}" for name, wave in wide.columns]
    _ = counts.join(wide, how="left")
    return {"seconds": time.perf_counter() - t, "peak_mib": peak_mib()}


def callbacks(snapshot: str, repeat: int) -> dict:
    """p50/p95 of each filter callback, uncached, over a spread of filter values."""
    import random

    from dashboard import data
    from dashboard.app import create_app

    create_app(Path(snapshot))
    from dashboard.pages import certification, enquetes, metiers, overview, voies

    wh = data.get()
    codes = list(
        wh.query("select distinct certification_code from mart_outcome_counts")["certification_code"]
    )
    years = sorted(int(y) for y in wh.query("select distinct year from mart_outcome_counts")["year"])
    rng = random.Random(3)
    timings: dict[str, list[float]] = {
        "overview": [],
        "funnel": [],
        "metiers": [],
        "voies": [],
        "certification": [],
        "enquetes": [],
    }
    for i in range(repeat):
        certs = [] if i % 4 == 0 else rng.sample(codes, min(len(codes), 1 + i % 3))
        ys = [] if i % 3 == 0 else [rng.choice(years)]
        calls = (
            ("overview", overview.update, ()),
            ("funnel", overview.update_funnel, (6,)),
            ("metiers", metiers.update, (6,)),
            ("voies", voies.update, ("insertion_rate_6m",)),
            ("certification", lambda *_: certification.update(rng.choice(codes)), ()),
            ("enquetes", lambda c, *_: enquetes.update(c, 0, [] if c else ["open"]), ()),
        )
        for name, call, extra in calls:
            wh._cache.clear()
            t = time.perf_counter()
            call(certs, ys, [], [], *extra)
            timings[name].append(time.perf_counter() - t)
    return {
        name: {"p50": statistics.median(v), "p95": sorted(v)[max(0, int(len(v) * 0.95) - 1)]}
        for name, v in timings.items()
    }


def sql_isolation(snapshot: str, repeat: int, seconds: int) -> dict:
    """Page callbacks (uncached) alone, then while two analysts' queries of ``seconds`` run in their workers
    (the SQL page's limit of two at once): how much a running SQL query delays a page."""
    import threading

    from dashboard import data
    from dashboard.app import create_app
    from pipeline.reports import usersql

    create_app(Path(snapshot))
    from dashboard.pages import metiers, overview, voies

    wh = data.get()

    def pages() -> list[float]:
        out = []
        for i in range(repeat):
            for call in (
                lambda: overview.update([], [], [], []),
                lambda i=i: metiers.update([], [], [], [], 6 if i % 2 else 24),
                lambda: voies.update([], [], [], [], "insertion_rate_6m"),
            ):
                wh._cache.clear()
                t = time.perf_counter()
                call()
                out.append(time.perf_counter() - t)
        return out

    alone = pages()
    slow = "select count(*) from fct_certified as a, fct_certified as b where a.year + b.year = -1"
    workers = [
        threading.Thread(
            target=lambda: _ignore(usersql.run_isolated, Path(snapshot), slow, seconds, 10, 10**6)
        )
        for _ in range(2)
    ]
    for w in workers:
        w.start()
    time.sleep(2)  # the workers have started their queries
    busy = pages()
    for w in workers:
        w.join()
    return {
        "alone_p50": statistics.median(alone),
        "alone_p95": sorted(alone)[max(0, int(len(alone) * 0.95) - 1)],
        "busy_p50": statistics.median(busy),
        "busy_p95": sorted(busy)[max(0, int(len(busy) * 0.95) - 1)],
    }


def _ignore(fn, *args):
    import contextlib

    with contextlib.suppress(Exception):  # the query is stopped by its time limit: expected
        fn(*args)


def load(snapshot: str, users: int, calls: int) -> dict:
    sys.path.insert(0, str(ROOT / "scripts"))
    from loadtest import load_test

    return load_test(snapshot, users, calls)


def national_rncp(fiches: int, folder: str) -> dict:
    """An RNCP XML export of ``fiches`` fiches made by repeating the real ones with new numbers, loaded."""
    import re
    import zipfile

    source = ROOT / "tests" / "fixtures" / "rncp" / "export_fiches_RNCP_V4_1_2026_02_01.xml"
    text = source.read_text(encoding="utf-8")
    real = re.findall(r"  <FICHE>.*?</FICHE>\n", text, re.S)
    out = Path(folder) / "export-fiches-rncp-v4-1-bench.zip"
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z,
        z.open("export_fiches_RNCP_V4_1_bench.xml", "w") as fh,
    ):
        fh.write(b"<?xml version='1.0' encoding='UTF-8'?>\n<FICHES>\n")
        for i in range(fiches):
            fiche = re.sub(r"RNCP(\d+)", lambda m, i=i: f"RNCP{100000 + i}", real[i % len(real)], count=1)
            fh.write(fiche.encode())
        fh.write(b"</FICHES>\n")
    xml_mib = sum(i.file_size for i in zipfile.ZipFile(out).infolist()) / 2**20
    env = {
        "INSERTION_WAREHOUSE": str(Path(folder) / "rncp.duckdb"),
        "INSERTION_KEY_FILE": str(Path(folder) / "key"),
    }
    r = run_cli(["ingest", str(out)], env)
    return {"seconds": r["seconds"], "peak_mib": r["peak_mib"], "fiches": fiches, "xml_mib": xml_mib}


def national_cdc(passages: int, folder: str) -> dict:
    """A Caisse des Dépôts flux of ``passages`` fictional passages (issue #27), written as a stream, loaded
    into a warehouse of its own: time and peak memory of `insertion ingest` (bounded: read part by part)."""
    from pipeline.load.generate_cdc import nirs, passage_xml, write_flux

    out = Path(folder) / "flux-cdc-national.xml"
    per_code = 500
    codes = (passages + per_code - 1) // per_code
    numbers = nirs(0, passages)

    def passages_of(c: int):
        for j in range(c * per_code, min(passages, (c + 1) * per_code)):
            day = f"{2016 + j % 9}-{1 + j % 12:02d}-{1 + j % 28:02d}"
            yield passage_xml(f"CDC-{j:08d}", day, "FORMATION_INITIALE_HORS_APPRENTISSAGE", numbers[j])

    write_flux(
        out,
        "BENCH-NATIONAL",
        datetime(2026, 1, 15).date(),
        {("RNCP", f"RNCP{60000 + c}"): passages_of(c) for c in range(codes)},
    )
    env = {
        "INSERTION_WAREHOUSE": str(Path(folder) / "cdc.duckdb"),
        "INSERTION_KEY_FILE": str(Path(folder) / "key"),
    }
    r = run_cli(["ingest", str(out)], env)
    return {
        "seconds": r["seconds"],
        "peak_mib": r["peak_mib"],
        "passages": passages,
        "xml_mib": out.stat().st_size / 2**20,
    }


def csv_parts(folder: str) -> dict:
    shared = ROOT.parent / "shared" / "data" / "rncp-csv-export-2026-02-01"
    files = sorted(str(p) for p in shared.glob("*.csv"))
    if not files:
        return {}
    env = {
        "INSERTION_WAREHOUSE": str(Path(folder) / "parts.duckdb"),
        "INSERTION_KEY_FILE": str(Path(folder) / "key"),
    }
    r = run_cli(["ingest", *files], env)
    size = sum(Path(f).stat().st_size for f in files) / 2**20
    return {"seconds": r["seconds"], "peak_mib": r["peak_mib"], "mib": size, "files": len(files)}


# --- report --------------------------------------------------------------------------------------


def median_run(runs: list[dict]) -> dict:
    """The median time of several runs, with the largest peak memory among them."""
    best = dict(runs[0])
    best["seconds"] = statistics.median(r["seconds"] for r in runs)
    best["peak_mib"] = max(r["peak_mib"] for r in runs)
    return best


def median_of(fn: str, args: tuple, repeat: int) -> dict:
    return median_run([child(fn, *args) for _ in range(repeat)])


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
    import tempfile

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, one repetition (CI smoke run)")
    parser.add_argument(
        "--smoke", action="store_true", help="tiny sizes, one repetition: every step runs (the test suite)"
    )
    parser.add_argument(
        "--certified", type=int, help="certified people to generate (default 5,000,000; quick 20,000)"
    )
    parser.add_argument(
        "--files", action="store_true", help="only the large files (issue #24), rewritten in place in --out"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    args = parser.parse_args()
    smoke = args.smoke
    args.quick = args.quick or smoke
    IN_PROCESS["smoke"] = smoke

    def size(full, quick, tiny):
        return tiny if smoke else quick if args.quick else full

    import bench_files

    if args.files:
        work = Path(tempfile.mkdtemp(prefix="insertion-bench-files-"))
        try:
            files = bench_files.section(work, size(200, 20, 0.5))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        old = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        args.out.write_text(bench_files.replace(old, files, ANALYSIS), encoding="utf-8")
        print(f"Written {args.out}")
        return

    repeat = 1 if args.quick else 3
    sizes = size([100_000, 1_000_000], [10_000, 100_000], [1_000])
    certified = args.certified or size(5_000_000, 20_000, 2_000)
    certifications = size(2000, 40, 26)  # 25 per file: two survey files at least (one arrives in watch)
    years = size("2015-2024", "2015-2024", "2021-2024")  # two CDC fluxes a year (the smoke's largest share)
    wave_rows = size(10_000, 10_000, 1_000)
    work = Path(tempfile.mkdtemp(prefix="insertion-bench-"))

    print("GX import…", flush=True)
    plain, deferred = median_of("gx_import", (False,), repeat), median_of("gx_import", (True,), repeat)
    gx = (
        "## Great Expectations\n\n"
        f"`import great_expectations`: **{plain['seconds']:.2f} s**; as the pipeline imports it (`scipy.stats` "
        f"deferred until used): **{deferred['seconds']:.2f} s** (medians of {repeat}, precompiled bytecode). "
        "Commands that do not validate never import it (a test checks `insertion stats`).\n\n"
        "| suite | rows | expectations | median time | rows/s | peak memory |\n|---|---:|---:|---:|---:|---:|"
    )
    for kind in ("cohort_results", "survey_answers"):
        for rows in sizes:
            print(f"validation {kind} {rows:,} rows…", flush=True)
            r = median_of("validation_run", (kind, rows), repeat)
            gx += (
                f"\n| {kind} | {rows:,} | {r['expectations']} | {r['seconds']:.2f} s | "
                f"{rows / r['seconds']:,.0f} | {r['peak_mib']:,.0f} MiB |"
            )

    raw = work / "national"
    print(f"generate {certified:,} certified…", flush=True)
    gen = run_cli(
        [
            "generate",
            "--certifications",
            str(certifications),
            "--years",
            years,
            "--target-certified",
            str(certified),
            "--out",
            str(raw),
        ],
        {},
    )
    counts = gen["stdout"].strip().splitlines()[-1]
    counts = re.sub(r"^Written \d+ files under \S+: ", "", counts).split(". Target jobs")[0]
    env = {
        "INSERTION_WAREHOUSE": str(work / "w" / "insertion.duckdb"),
        "INSERTION_KEY_FILE": str(work / "key"),
        "INSERTION_REFERENCE_DIR": str(work / "national-reference"),
        "INSERTION_RAW_DIR": str(raw),
    }
    print("build (ingest + validation + marts)…", flush=True)
    build = run_cli(["build"], env)
    rows_in = sum(
        int(x.replace(",", "")) for x in re.findall(r"([\d,]+) (?:cohort rows|survey answers)", counts)
    )
    print("floor: DuckDB read_csv…", flush=True)
    floor = child("floor_read_csv", str(raw))
    print("marts…", flush=True)
    mart = child("marts", env["INSERTION_WAREHOUSE"])
    print("pandas baseline…", flush=True)
    baseline = child("pandas_baseline", env["INSERTION_WAREHOUSE"])
    print("incremental survey file…", flush=True)
    extra = work / "extra.csv"
    surveys = sorted(raw.glob("enquetes/*.csv"))
    extra.write_text(second_wave(surveys[0], wave_rows), encoding="utf-8")
    # median of 3 loads of the same file, each on the warehouse as the build left it (written to disk first,
    # so that write-back of the restored copy does not slow the run)
    warehouse, saved = Path(env["INSERTION_WAREHOUSE"]), work / "before-incremental.duckdb"
    shutil.copyfile(warehouse, saved)
    runs = []
    for _ in range(1 if args.quick else 3):
        shutil.copyfile(saved, warehouse)
        os.sync()
        runs.append(run_cli(["ingest", str(extra)], env))
    saved.unlink()
    incremental = median_run(runs)
    print("watch: new files as they arrive…", flush=True)
    watched = watch_latency(  # the smoke's watcher with one worker process (each imports GX)
        {**env, "INSERTION_WORKERS": "1"} if smoke else env,
        raw,
        [second_wave(s, wave_rows) for s in surveys[1 : 2 if args.quick else 4]],
    )
    print("dashboard callbacks…", flush=True)
    cb = child("callbacks", str(work / "w" / "insertion.snapshot.duckdb"), size(40, 5, 2))
    snapshot = str(work / "w" / "insertion.snapshot.duckdb")
    print("dashboard while two SQL queries run…", flush=True)
    isolation = child("sql_isolation", snapshot, size(10, 3, 1), size(30, 6, 3))
    users = size(20, 5, 2)
    print(f"{users} users at once…", flush=True)
    crowd = child("load", snapshot, users, size(10, 10, 3))
    print("renewal pack…", flush=True)
    biggest = run_cli(
        [
            "sql",
            "--format",
            "csv",
            "select certification_code from mart_outcome_counts group by 1 "
            "order by sum(certified) desc limit 1",
        ],
        env,
    )["stdout"].splitlines()[1]
    renewal = run_cli(
        ["renewal", biggest, "--out", str(work / "r.xlsx"), "--html", str(work / "r.html")], env
    )
    print("national RNCP export…", flush=True)
    rncp = child("national_rncp", size(30_000, 300, 30), str(work))
    parts = {} if args.quick else child("csv_parts", str(work))
    print("national CDC flux…", flush=True)
    cdc = child("national_cdc", size(1_000_000, 20_000, 500), str(work))
    files = bench_files.section(work / "files", size(200, 20, 0.5), smoke=smoke)

    ingest_ratio = build["seconds"] / floor["seconds"] if floor["seconds"] else float("nan")
    indicator_ratio = (
        baseline["seconds"] / mart["statistics_seconds"] if mart["statistics_seconds"] else float("nan")
    )
    pipeline = (
        "## Pipeline at national scale\n\n"
        f"Generated data: {counts}\n\n"
        "| step | median time | rows/s | peak memory |\n|---|---:|---:|---:|\n"
        f"| generation (`insertion generate`) | {gen['seconds']:.1f} s | {rows_in / gen['seconds']:,.0f} | {gen['peak_mib']:,.0f} MiB |\n"
        f"| full build: ingest + validation + marts (`insertion build`) | {build['seconds']:.1f} s | {rows_in / build['seconds']:,.0f} | {build['peak_mib']:,.0f} MiB |\n"
        f"| floor: DuckDB `read_csv` of the same files | {floor['seconds']:.1f} s | {floor['rows'] / floor['seconds']:,.0f} | {floor['peak_mib']:,.0f} MiB |\n"
        f"| marts alone (staging, title matching, marts) | {mart['seconds']:.1f} s | | {mart['peak_mib']:,.0f} MiB |\n"
        f"| indicators: `certification_statistics` over the marts | {mart['statistics_seconds']:.3f} s | | |\n"
        f"| indicators: pandas baseline (what an analyst would write) | {baseline['seconds']:.2f} s | | {baseline['peak_mib']:,.0f} MiB |\n"
        f"| incremental: one survey file of {wave_rows:,} rows | {incremental['seconds']:.1f} s | | {incremental['peak_mib']:,.0f} MiB |\n"
        f"| `insertion watch`: a new survey file of {wave_rows:,} rows, from its arrival to the published snapshot | {watched['seconds']:.1f} s | | {watched['peak_mib']:,.0f} MiB |\n"
        f"| renewal pack of the largest certification ({biggest}) | {renewal['seconds']:.1f} s | | {renewal['peak_mib']:,.0f} MiB |\n"
        f"| RNCP XML export, {rncp['fiches']:,} fiches ({rncp['xml_mib']:,.0f} MiB of XML, zipped) | {rncp['seconds']:.1f} s | {rncp['fiches'] / rncp['seconds']:,.0f} fiches/s | {rncp['peak_mib']:,.0f} MiB |\n"
        + f"| CDC flux (« accrochage »), {cdc['passages']:,} passages ({cdc['xml_mib']:,.0f} MiB of XML), `insertion ingest` | {cdc['seconds']:.1f} s | {cdc['passages'] / cdc['seconds']:,.0f} passages/s | {cdc['peak_mib']:,.0f} MiB |\n"
        + (
            f"| RNCP CSV parts of 2026-02-01 ({parts['files']} files, {parts['mib']:.0f} MiB) | {parts['seconds']:.1f} s | | {parts['peak_mib']:,.0f} MiB |\n"
            if parts
            else ""
        )
        + f"\nRatios: ingest / DuckDB `read_csv` floor = **{ingest_ratio:.1f}×** (target ≤ 3×); "
        f"pandas baseline / DuckDB indicators = **{indicator_ratio:.0f}×** (target ≥ 10×).\n"
    )
    dash = "## Dashboard callbacks (uncached, on the national warehouse)\n\n| callback | p50 | p95 |\n|---|---:|---:|\n"
    dash += "".join(f"| {k} | {v['p50'] * 1000:.0f} ms | {v['p95'] * 1000:.0f} ms |\n" for k, v in cb.items())
    dash += (
        "\nWhile two analysts' queries run (the SQL page's limit; each in its own worker process, "
        "low priority): page callbacks p50 "
        f"**{isolation['busy_p50'] * 1000:.0f} ms** (alone {isolation['alone_p50'] * 1000:.0f} ms), p95 "
        f"**{isolation['busy_p95'] * 1000:.0f} ms** (alone {isolation['alone_p95'] * 1000:.0f} ms): "
        f"a delay of {(isolation['busy_p95'] - isolation['alone_p95']) * 1000:+.0f} ms at p95 (target ≤ 100 ms).\n"
    )
    o = crowd["overall"]
    dash += (
        f"\n## {crowd['users']} users at once (`scripts/loadtest.py`, `insertion serve --prod`)\n\n"
        f"Each user draws a page, then sends {crowd['calls']} callbacks with fresh filters, over HTTP with "
        "the browser's payloads, all at the same time. "
        f"Overall: p50 **{o['p50'] * 1000:.0f} ms**, p95 **{o['p95'] * 1000:.0f} ms**, max "
        f"{o['max'] * 1000:.0f} ms over {o['n']} requests in {crowd['wall']:.1f} s; "
        f"errors: **{len(crowd['errors'])}** (target: p95 < 1 s, no error).\n\n"
        "| request | n | p50 | p95 | max |\n|---|---:|---:|---:|---:|\n"
        + "".join(
            f"| {k} | {v['n']} | {v['p50'] * 1000:.0f} ms | {v['p95'] * 1000:.0f} ms | {v['max'] * 1000:.0f} ms |\n"
            for k, v in crowd["by_callback"].items()
        )
    )
    header = (
        "# Performance\n\n"
        f"Written by `{'python scripts/bench.py --smoke' if smoke else 'make bench' + (' QUICK=1' if args.quick else '')}` on {datetime.now():%d/%m/%Y %H:%M}. "
        f"Machine: {machine()}.\n"
        "Each figure is the median of the repetitions, each in a fresh process. Peak memory: for the "
        "`insertion` commands, the largest resident memory of the command and its worker processes "
        "together (sampled every 100 ms); for the other steps, the process's maximum resident set size.\n"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    analysis = ""  # the hand-written analysis below the marker survives a new run
    if args.out.exists() and ANALYSIS in args.out.read_text(encoding="utf-8"):
        analysis = "\n" + ANALYSIS + args.out.read_text(encoding="utf-8").split(ANALYSIS, 1)[1]
    args.out.write_text(
        header + "\n" + "\n\n".join([pipeline, dash, gx, files]) + "\n" + analysis, encoding="utf-8"
    )
    print(f"Written {args.out}")

    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
