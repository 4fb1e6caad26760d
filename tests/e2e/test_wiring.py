"""Wiring: every id a dashboard callback listens to, reads or writes exists in some layout.

A callback whose Input is in no layout never fires (e.g. a button that was never placed on its page),
and Dash says nothing about it since the app runs with ``suppress_callback_exceptions``. The ids are
collected in a fresh interpreter: Dash copies the callbacks registered with ``dash.callback`` into the
first app that serves a request, and empties its global registry, so an app created after another
test's app would have none.

Layouts walked: the shell (``app.layout``) and every registered page's layout, called without query
arguments, recursively through ``children`` and any other property that holds components.
Pattern-matching (dict) ids are matched by their ``type`` key.
"""

import json
import subprocess
import sys

import pytest

from tests.helpers import ROOT

COLLECT = r"""
import json, sys
from pathlib import Path

import dash
from dash.development.base_component import Component

from dashboard.app import create_app

app = create_app(Path(sys.argv[1]), Path(sys.argv[2]))
app.server.test_client().get("/_dash-dependencies")  # first request: Dash fills app.callback_map


def ids(node):
    if isinstance(node, (list, tuple)):
        for item in node:
            yield from ids(item)
    elif isinstance(node, Component):
        if getattr(node, "id", None) is not None:
            yield node.id
        for prop in node._prop_names:
            value = getattr(node, prop, None)
            if isinstance(value, (Component, list, tuple)):
                yield from ids(value)


layouts = {"shell": list(ids(app.layout() if callable(app.layout) else app.layout))}
for page in dash.page_registry.values():
    layout = page["layout"]
    layouts[page["module"]] = list(ids(layout() if callable(layout) else layout))


def component_id(value):
    return json.loads(value) if isinstance(value, str) and value.startswith("{") else value


callbacks = []
for key, cb in app.callback_map.items():
    function = cb.get("callback")
    name = f"{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', key)}"
    outputs = cb["output"] if isinstance(cb["output"], (list, tuple)) else [cb["output"]]
    deps = [("Input", d["id"], d["property"]) for d in cb["inputs"]]
    deps += [("State", d["id"], d["property"]) for d in cb["state"]]
    deps += [("Output", o.component_id, o.component_property) for o in outputs]
    callbacks.append(
        {"name": name, "deps": [{"role": r, "id": component_id(i), "property": p} for r, i, p in deps]}
    )
print(json.dumps({"layouts": layouts, "callbacks": callbacks}, default=str))
"""


@pytest.fixture(scope="module")
def wiring(sample_warehouse):
    done = subprocess.run(
        [sys.executable, "-c", COLLECT, str(sample_warehouse.snapshot), str(sample_warehouse.data_docs_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def key(component_id) -> str:
    """A string id as is; a pattern-matching id by its ``type``."""
    if isinstance(component_id, dict):
        return f"type={component_id.get('type', json.dumps(component_id, sort_keys=True))}"
    return component_id


def test_every_page_and_callback_is_seen(wiring):
    """The check below is not vacuous: pages have ids (the snapshot was read) and callbacks exist."""
    pages = {name for name in wiring["layouts"] if name != "shell"}
    assert {
        f"dashboard.pages.{p}"
        for p in (
            "overview",
            "certification",
            "metiers",
            "voies",
            "enquetes",
            "partenaires",
            "qualite",
            "sql",
        )
    } <= pages
    assert all(wiring["layouts"][name] for name in wiring["layouts"]), wiring["layouts"]
    modules = {c["name"].rsplit(".", 1)[0] for c in wiring["callbacks"]}
    assert {f"dashboard.pages.{p}" for p in ("certification", "partenaires", "sql")} <= modules


def test_every_callback_id_is_in_a_layout(wiring):
    known = {key(i) for ids in wiring["layouts"].values() for i in ids}
    missing = [
        f"{c['name']}: {d['role']} {d['id']!r}.{d['property']}"
        for c in wiring["callbacks"]
        for d in c["deps"]
        if key(d["id"]) not in known
    ]
    assert missing == [], "ids used by callbacks but placed in no layout:\n" + "\n".join(missing)
