"""Load test of the dashboard: N simulated users at once, over HTTP, as the browser talks to Dash.

Each user draws a page (the index, then the page's layout callback), then sends 10 callbacks with fresh
filters, built from the server's own ``/_dash-dependencies`` (so the payloads are the browser's: outputs,
inputs, changed property). Reports p50/p95/max per callback and overall, and every error.

Usage:
  python scripts/loadtest.py --snapshot data/warehouse/insertion.snapshot.duckdb --users 20
  python scripts/loadtest.py --snapshot /tmp/national/insertion.snapshot.duckdb --users 5 --calls 4
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The data callbacks of each page (the first output of each, as /_dash-dependencies names it).
CALLBACKS = {
    "/": ["overview-kpis.children", "overview-funnel.figure"],
    "/certification": ["certification-summary.children"],
    "/metiers": ["metiers-share.children"],
    "/voies": ["voies-graph.figure"],
}


def _split_outputs(output: str) -> list[dict]:
    """``..a.children...b.figure..`` -> [{id, property}, …] (ids in JSON for pattern-matching ones)."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    out = []
    for part in parts:
        ident, prop = part.rsplit(".", 1)
        out.append({"id": json.loads(ident) if ident.startswith("{") else ident, "property": prop})
    return out


class Client:
    def __init__(self, url: str):
        self.url = url.rstrip("/")

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(self.url + path, timeout=120) as r:
            return r.read()

    def post(self, payload: dict) -> dict:
        request = urllib.request.Request(
            self.url + "/_dash-update-component",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=120) as r:
            return json.loads(r.read() or b"{}")


def dependencies(client: Client) -> dict[str, dict]:
    """The callbacks of :data:`CALLBACKS` by their first output."""
    found = {}
    for dep in json.loads(client.get("/_dash-dependencies")):
        first = (
            dep["output"][2:].split("...")[0].rstrip(".") if dep["output"].startswith("..") else dep["output"]
        )
        found[first] = dep
    return found


def payload(dep: dict, values: dict) -> dict:
    outputs = _split_outputs(dep["output"])
    inputs = [
        {"id": i["id"], "property": i["property"], "value": values(i["id"], i["property"])}
        for i in dep["inputs"]
    ]
    return {
        "output": dep["output"],
        "outputs": outputs if dep["output"].startswith("..") else outputs[0],
        "inputs": inputs,
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
        "state": [],
    }


def filters(rng: random.Random, codes: list[str], years: list[int]):
    """Fresh filter values, as a user would pick them (a third of the calls unfiltered)."""
    certs = [] if rng.random() < 0.3 else rng.sample(codes, rng.randint(1, 3))
    picked_years = [] if rng.random() < 0.4 else [rng.choice(years)]
    single = rng.choice(codes)

    def value(component: str, _property: str):
        if component == "certification-certification":
            return single
        if component.endswith("-certification"):
            return certs
        if component.endswith("-year"):
            return picked_years
        if component.endswith(("-access_route", "-site")):
            return []
        if component.endswith("wave"):
            return rng.choice([6, 24])
        if component.endswith("-rate"):
            return "insertion_rate_6m"
        return None

    return value


def user(
    client: Client, deps: dict, codes: list, years: list, calls: int, seed: int, out: list, errors: list
):
    rng = random.Random(seed)
    pages = list(CALLBACKS)
    page = pages[seed % len(pages)]
    try:
        t = time.perf_counter()
        client.get(page)
        client.get("/_dash-layout")
        client.post(
            payload(deps["_pages_content.children"], lambda _, prop: page if prop == "pathname" else "")
        )
        out.append(("layout", time.perf_counter() - t))
    except Exception as exc:  # noqa: BLE001 (every failure is reported)
        errors.append(f"layout {page}: {exc}")
    for _ in range(calls):
        page = rng.choice(pages)
        name = rng.choice(CALLBACKS[page])
        t = time.perf_counter()
        try:
            client.post(payload(deps[name], filters(rng, codes, years)))
            out.append((name.split(".")[0], time.perf_counter() - t))
        except Exception as exc:  # noqa: BLE001
            errors.append(f"{name}: {exc}")


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(round(len(values) * 0.95)) - 1)]


def run(url: str, users: int, calls: int, codes: list[str], years: list[int]) -> dict:
    """``users`` threads at once; returns {"overall": {p50, p95, max, n}, "by_callback": …, "errors": […]}."""
    client = Client(url)
    deps = dependencies(client)
    timings: list[tuple[str, float]] = []
    errors: list[str] = []
    threads = [
        threading.Thread(target=user, args=(client, deps, codes, years, calls, seed, timings, errors))
        for seed in range(users)
    ]
    t = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - t
    values = [v for _, v in timings]
    by: dict[str, list[float]] = {}
    for name, v in timings:
        by.setdefault(name, []).append(v)

    def stats(v):
        return {"p50": statistics.median(v), "p95": p95(v), "max": max(v), "n": len(v)} if v else {}

    return {
        "users": users,
        "calls": calls,
        "wall": wall,
        "overall": stats(values),
        "by_callback": {k: stats(v) for k, v in sorted(by.items())},
        "errors": errors,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(snapshot: Path, workers: int | None = None) -> tuple[subprocess.Popen, str]:
    """``insertion serve --prod`` over ``snapshot`` (its warehouse path: the snapshot's sibling)."""
    port = free_port()
    warehouse = Path(snapshot).with_name(Path(snapshot).name.replace(".snapshot", ""))
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "serve", "--prod", "--port", str(port)]
        + (["--workers", str(workers)] if workers else []),
        # no accounts (a file that does not exist): the load test measures the open, single-user server
        env={**os.environ, "INSERTION_WAREHOUSE": str(warehouse), "INSERTION_ACCOUNTS": os.devnull + ".none"},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            urllib.request.urlopen(url + "/_dash-layout", timeout=2)
            return proc, url
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("the dashboard did not start") from None
            time.sleep(0.25)
    proc.kill()
    raise RuntimeError("the dashboard did not answer in 60 s")


def filter_values(snapshot: Path) -> tuple[list[str], list[int]]:
    import duckdb

    with duckdb.connect(str(snapshot), read_only=True) as con:
        codes = [
            c
            for (c,) in con.execute("select distinct certification_code from mart_outcome_counts").fetchall()
        ]
        years = [int(y) for (y,) in con.execute("select distinct year from mart_outcome_counts").fetchall()]
    return sorted(codes), sorted(years)


def load_test(snapshot: str, users: int = 20, calls: int = 10, workers: int | None = None) -> dict:
    """Start a server on ``snapshot``, warm it with one request, run the load test, stop the server."""
    codes, years = filter_values(Path(snapshot))
    proc, url = serve(Path(snapshot), workers)
    try:
        run(url, 4, 2, codes, years)  # every worker process opens the snapshot before the measure
        return run(url, users, calls, codes, years)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--snapshot", type=Path, required=True, help="start a server (--prod) on this snapshot"
    )
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--calls", type=int, default=10, help="callbacks per user after the layout")
    parser.add_argument("--workers", type=int, help="server processes (default: the server's, one per core)")
    args = parser.parse_args()
    result = load_test(str(args.snapshot), args.users, args.calls, args.workers)
    print(json.dumps(result, indent=2))
    raise SystemExit(1 if result["errors"] else 0)


if __name__ == "__main__":
    main()
