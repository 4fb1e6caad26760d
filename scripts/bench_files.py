"""Large files (issue #24): a survey file of bad rows and a survey file of good answers of the same size,
loaded by `insertion ingest` and by `insertion watch` into empty warehouses: the time to the verdict
(loaded or refused) and the peak memory of the command and its worker processes.

Run by scripts/bench.py (section « Large files » of docs/performance.md); `python scripts/bench.py --files`
runs this section alone and rewrites it in place.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from pipeline.load import ingest as _ingest

# the words of `insertion ingest` / `watch` that give a file's verdict (their owner: LoadReport.summary)
LOADED, REFUSED = f" : {_ingest.LOADED} en ", _ingest.REFUSED
ROOT = Path(__file__).resolve().parents[1]
START = "<!-- large files: written by scripts/bench.py -->"
END = "<!-- large files: end -->"
HEADER = "Identifiant;Code RNCP;Vague;Date de réponse;Situation actuelle;Intitulé du poste;Code ROME;Type de contrat\n"
WORDS = ["lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "eiusmod"]


def tree_rss_mib(pid: int) -> float:
    """Resident memory of a process and all its descendants (worker processes included), from /proc."""
    parents, rss = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        child_pid = int(stat.parent.name)
        parents[child_pid], rss[child_pid] = int(fields[1]), int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        kids = [p for p, pp in parents.items() if pp == parent and p not in tree]
        tree.update(kids)
        frontier.extend(kids)
    return sum(rss.get(p, 0) for p in tree) / 2**20


def write_file(path: Path, kind: str, mib: float) -> int:
    """About ``mib`` MiB of survey rows: ``bad``, lines of words under a survey header (the issue's file:
    3.1 M lines in 200 MB); ``good``, answers of every situation. Returns the number of rows."""
    rng, target, rows = random.Random(24), int(mib * 2**20), 0
    situations = ["En emploi", "En recherche d'emploi", "Poursuite d'études", "Inactif", ""]
    with path.open("w", encoding="utf-8") as fh:
        size = fh.write(HEADER)
        while size < target:
            rows += 1
            if kind == "bad":
                words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 13)))
                line = words + ";" * rng.randint(0, 3) + "\n"
            else:
                situation = situations[rows % 5]
                job = "Chargé de communication;E1103;CDI" if situation == "En emploi" else ";;"
                line = (
                    f"P{rows:09d};RNCP{34000 + rows % 900};{('6 mois', '2 ans')[rows % 2]};"
                    f"{1 + rows % 28:02d}/{1 + rows % 12:02d}/{2019 + rows % 5};{situation};{job}\n"
                )
            size += len(line.encode())
            fh.write(line)
    return rows


class Timed:
    """A command run with its output read as it comes: the seconds until a line holds ``marker``, the
    peak memory of its process tree until then and overall (sampled every 100 ms)."""

    def __init__(self, args: list[str], env: dict, marker: str):
        self.marker, self.lines = marker, []
        self.verdict: float | None = None
        self.peak = self.load_peak = 0.0
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", *args],
            env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.threads = [threading.Thread(target=self._read, args=(s,), daemon=True) for s in self._streams()]
        self.threads.append(threading.Thread(target=self._sample, daemon=True))
        for t in self.threads:
            t.start()

    def _streams(self):
        return (self.proc.stdout, self.proc.stderr)

    def _read(self, stream) -> None:
        for line in stream:
            self.lines.append((time.perf_counter() - self.t0, line))

    def seen(self, text: str, after: float = 0.0) -> float | None:
        return next((t for t, line in list(self.lines) if t >= after and text in line), None)

    def _sample(self) -> None:
        while self.proc.poll() is None:
            rss = tree_rss_mib(self.proc.pid)
            self.peak = max(self.peak, rss)
            if self.seen(self.marker) is None:
                self.load_peak = max(self.load_peak, rss)
            time.sleep(0.1)

    def wait(self) -> dict:
        self.proc.wait()
        for t in self.threads:
            t.join(5)
        return {
            "seconds": time.perf_counter() - self.t0,
            "verdict": self.seen(self.marker),
            "peak_mib": self.peak,
            "load_peak_mib": self.load_peak,
            "text": "".join(line for _, line in self.lines),
            "code": self.proc.returncode,
        }


def ingest(path: Path, work: Path, name: str, marker: str, extra: dict | None = None) -> dict:
    env = {
        "INSERTION_WAREHOUSE": str(work / name / "insertion.duckdb"),
        "INSERTION_KEY_FILE": str(work / "key"),
        **(extra or {}),
    }
    return Timed(["ingest", str(path)], env, marker).wait()


def watch(
    files: list[tuple[Path, str]], work: Path, extra: dict | None = None, settle: float = 2
) -> list[dict]:
    """`insertion watch` on an empty folder: each file moved in (a rename, as a careful export does), the
    seconds from its arrival to its report (``marker``), and the watcher's peak memory (its workers
    included) while it was reading that file. The files come ``settle`` seconds after a first small one."""
    raw = work / "watched"
    raw.mkdir()
    env = {
        "INSERTION_WAREHOUSE": str(work / "watch" / "insertion.duckdb"),
        "INSERTION_KEY_FILE": str(work / "key"),
        "INSERTION_RAW_DIR": str(raw),
        **(extra or {}),
    }
    run = Timed(["watch", "--interval", "0.2"], env, "\0")
    out = []
    try:
        while run.seen("Surveillance de") is None:
            time.sleep(0.1)
        # a small file first, so that what is measured is a watcher at work (GX imported everywhere)
        (raw / "warm-up.csv").write_bytes((ROOT / "tests" / "fixtures" / "cohort_ok.csv").read_bytes())
        while run.seen("À jour") is None:
            time.sleep(0.1)
        time.sleep(settle)
        for path, marker in files:
            run.peak, arrived = 0.0, time.perf_counter() - run.t0
            path.rename(raw / path.name)
            while run.seen(marker, arrived) is None or run.seen("À jour", arrived) is None:
                if run.proc.poll() is not None:
                    raise RuntimeError(f"insertion watch ended:\n{run.lines[-20:]}")
                time.sleep(0.1)
            out.append({"verdict": run.seen(marker, arrived) - arrived, "peak_mib": run.peak})
    finally:
        run.proc.send_signal(signal.SIGTERM)
        run.wait()
    return out


def section(work: Path, mib: float, smoke: bool = False) -> str:
    """The « Large files » section of docs/performance.md, measured on files of ``mib`` MiB. In the smoke
    run (the test suite's), `insertion ingest` under ``INSERTION_MEMORY_LIMIT=512MB`` is left out (the same
    load as the one before it, with DuckDB's memory limit: its row is dropped) and the watcher has one
    worker process and no pause before the files come (each worker imports Great Expectations)."""
    work.mkdir(parents=True, exist_ok=True)
    bad, good = work / "enquete_corrompue.csv", work / "enquete_complete.csv"
    bad_rows, good_rows = write_file(bad, "bad", mib), write_file(good, "good", mib)
    print(f"large files: {mib:g} MiB of bad rows ({bad_rows:,}), of answers ({good_rows:,})…", flush=True)
    refused = ingest(bad, work, "bad", REFUSED)
    loaded = ingest(good, work, "good", LOADED)
    checked = [(refused, "refus"), (loaded, LOADED)]
    capped = None
    if not smoke:
        capped = ingest(good, work, "good-512", LOADED, {"INSERTION_MEMORY_LIMIT": "512MB"})
        checked.append((capped, LOADED))
    for r, what in checked:
        if what not in r["text"] or r["verdict"] is None:
            raise RuntimeError(f"unexpected outcome:\n{r['text'][-3000:]}")
    limited = {"INSERTION_MEMORY_LIMIT": "512MB", **({"INSERTION_WORKERS": "1"} if smoke else {})}
    watched_bad, watched_good = watch(
        [(bad, REFUSED), (good, LOADED)], work, limited, settle=0 if smoke else 2
    )

    def row(what, command, verdict, r, whole=True) -> str:
        total = f"{r['seconds']:.1f} s" if whole else ""
        load = f"{r['load_peak_mib']:,.0f} MiB" if "load_peak_mib" in r else ""
        return (
            f"| {what} | {command} | {verdict} | {r['verdict']:.1f} s | {total} | {load} | "
            f"{r['peak_mib']:,.0f} MiB |\n"
        )

    size = f"{mib:g} MiB"
    return (
        f"{START}\n## Large files (issue #24)\n\n"
        f"A survey file of {size} of bad rows (a survey header, then {bad_rows:,} lines of words, as the file of "
        f"issue #24) and one of {size} of good answers ({good_rows:,} rows), each loaded into an empty "
        "warehouse. Time to the verdict: from the command's start (for `watch`, from the file's arrival) to "
        "the line that says it is loaded or refused. Peak memory of the command and its worker processes "
        "(sampled every 100 ms): while loading (until the verdict), and for the whole command (then the "
        "marts' refresh and the snapshot: DuckDB's memory, bounded by `INSERTION_MEMORY_LIMIT`, 3 GB by "
        "default). For `watch` (with `INSERTION_MEMORY_LIMIT=512MB`): the watcher and its two worker "
        "processes (each with Great Expectations loaded, about 0.2 GiB idle), while that file was read and "
        "written. Target: 1 GiB.\n\n"
        "| file | command | verdict | time to the verdict | whole command | peak memory: load | "
        "peak memory: command |\n|---|---|---|---:|---:|---:|---:|\n"
        + row(f"{size} of bad rows", "`insertion ingest`", "refused after its first 1,000 rows", refused)
        + row(
            f"{size} of bad rows",
            "`insertion watch`, `INSERTION_MEMORY_LIMIT=512MB`",
            "refused",
            watched_bad,
            whole=False,
        )
        + row(f"{size} of answers", "`insertion ingest`", "loaded", loaded)
        + (
            row(f"{size} of answers", "`insertion ingest`, `INSERTION_MEMORY_LIMIT=512MB`", "loaded", capped)
            if capped
            else ""
        )
        + row(
            f"{size} of answers",
            "`insertion watch`, `INSERTION_MEMORY_LIMIT=512MB`",
            "loaded",
            watched_good,
            whole=False,
        )
        + f"\n{END}\n"
    )


def replace(text: str, new: str, before: str) -> str:
    """``text`` with its « Large files » section replaced by ``new`` (inserted before ``before`` if absent)."""
    if START in text and END in text:
        head, rest = text.split(START, 1)
        return head + new.strip() + rest.split(END, 1)[1]
    if before in text:
        head, rest = text.split(before, 1)
        return head.rstrip() + "\n\n" + new.strip() + "\n\n" + before + rest
    return text.rstrip() + "\n\n" + new
