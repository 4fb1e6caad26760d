"""The house's floors: imports only go down, no module imports itself back through others, no module
is too long to read.

core ← indicators ← expectations (the GX suites) ← load ← warehouse ← reports ← outputs ← faces (dashboard/, cli/).
A module may import its own floor or a lower one; a cycle of imports, even on one floor, fails.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("pipeline", "dashboard", "expectations")
FLOORS = [  # lowest first: a module prefix and its floor
    ("pipeline.core", 0),
    ("pipeline.indicators", 1),
    ("expectations", 2),
    ("pipeline.load", 3),
    ("pipeline.warehouse", 4),
    ("pipeline.reports", 5),
    ("pipeline.outputs", 6),
    ("dashboard", 7),
    ("pipeline.cli", 8),
]
FLOOR_NAMES = [
    "core",
    "indicators",
    "expectations",
    "load",
    "warehouse",
    "reports",
    "outputs",
    "dashboard",
    "cli",
]
MAX_LINES = 600


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def floor_of(module: str) -> int | None:
    best = None
    for prefix, floor in FLOORS:
        inside = module == prefix or module.startswith(prefix + ".")
        if inside and (best is None or len(prefix) > len(best[0])):
            best = (prefix, floor)
    return None if best is None else best[1]


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules ``path`` imports (at any depth of the code: lazy imports count too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
        else:
            if isinstance(node, ast.ImportFrom) and node.level:
                raise AssertionError(f"{path}: relative import (write absolute imports)")
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name:
                out.add(name)
    return out


def graph() -> dict[str, set[str]]:
    known = modules()
    return {m: imports(p, known) - {m} for m, p in known.items()}


def test_every_module_has_a_floor():
    assert [m for m in modules() if floor_of(m) is None and m not in PACKAGES] == []


def test_imports_only_go_down():
    wrong = []
    for module, targets in graph().items():
        here = floor_of(module)
        for target in targets:
            there = floor_of(target)
            if here is not None and there is not None and there > here:
                wrong.append(f"{module} ({FLOOR_NAMES[here]}) → {target} ({FLOOR_NAMES[there]})")
    assert wrong == [], "imports to a higher floor:\n" + "\n".join(sorted(wrong))


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in g.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle():
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_over_600_lines():
    long = {
        str(p.relative_to(ROOT)): n
        for p in modules().values()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_no_private_name_is_imported_from_another_module():
    """A module's ``_names`` are its own: what another module needs is public (or belongs elsewhere)."""
    known = modules()
    found = []
    for module, path in known.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in PACKAGES:
                found += [
                    f"{module} ← {node.module}.{a.name}"
                    for a in node.names
                    if a.name.startswith("_") and not a.name.startswith("__")
                ]
    assert found == []
