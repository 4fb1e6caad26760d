"""The dashboard's side of the audit journal (:mod:`pipeline.core.audit`, issue #25).

One row per action, written after the response is made:

- ``connexion`` / ``deconnexion`` (``dashboard/access.py``): success, failure, lock;
- ``page``: a page drawn by Dash's router (its path and query), and each page of the Data Docs;
- ``rappel``: every other server callback that reads data, with its filters (certification, year, access
  route, site, partner, wave) and whether it was refused (403);
- ``telechargement`` (``dashboard/components.py``, the renewal pack), ``sql`` (the SQL page) and
  ``journal`` (the Journal page) are written by their callbacks, with what they alone know (file name and
  rows; query text, rows, duration, refusal; the journal's filters): the generic row is then not written,
  so each action is one row.

The shell's own callback (the menu's links, the data's date) reads no data and is not written.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask, current_app, g, has_app_context, has_request_context, request

from pipeline.core import audit, signin
from pipeline.core.audit import Journal

FILTERS = ("certification", "year", "access_route", "site", "partner", "wave")
NOBODY = "(sans compte)"  # the dashboard open on the loopback, without accounts


def install(server: Flask, accounts: Path, retention_days: int) -> None:
    server.config["INSERTION_JOURNAL"] = Journal(audit.journal_path(accounts), retention_days)
    server.after_request(_after)


def journal() -> Journal:
    """The server's journal (outside a request — a layout drawn by a test —, the settings' one)."""
    if has_app_context() and "INSERTION_JOURNAL" in current_app.config:
        return current_app.config["INSERTION_JOURNAL"]
    return audit.default_journal()


def record(action: str, outcome: str = "ok", user: str | None = None, **details) -> None:
    """One row for the current request: its account (or ``user``: a name typed at sign-in), role and
    address; marks the request as written so that :func:`_after` adds nothing."""
    if not has_request_context() or "INSERTION_JOURNAL" not in current_app.config:
        return
    account = g.get("insertion_account")
    g.insertion_audited = True
    audit.record(
        action,
        journal=journal(),
        user=user or (account.name if account else NOBODY),
        role=account.role if account else "",
        address=client_address(),
        channel="web",
        outcome=outcome,
        **details,
    )


def client_address() -> str:
    """The client's address: the connection's, or behind a trusted proxy (``INSERTION_TRUSTED_PROXIES``)
    the one ``X-Forwarded-For`` gives (:func:`pipeline.core.signin.client_address`)."""
    if "insertion_address" not in g:
        g.insertion_address = signin.client_address(
            request.remote_addr,
            request.headers.get("X-Forwarded-For"),
            current_app.config.get("INSERTION_PROXIES", ()),
        )
    return g.insertion_address


def _after(response):
    if g.get("insertion_audited") or response.status_code not in (200, 403):
        return response
    if request.path.startswith("/data-docs") and request.method == "GET":
        if request.path.endswith(("/", ".html")):
            record("page", outcome=_outcome(response), chemin=request.path)
        return response
    if request.path != "/_dash-update-component":
        return response
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return response
    output = str(body.get("output", ""))
    values = _values(body)
    if "_pages_content" in output:
        record(
            "page",
            outcome=_outcome(response),
            chemin=values.get("pathname", ""),
            **({"requete": values["search"]} if values.get("search") else {}),
        )
    elif not output.startswith("..nav-"):  # the shell's menu and date: no data read
        filters = {k: values[k] for k in FILTERS if values.get(k) not in (None, "", [])}
        record("rappel", outcome=_outcome(response), rappel=_callback_name(output), **filters)
    return response


def _outcome(response) -> str:
    return "refus" if response.status_code == 403 else "ok"


def _callback_name(output: str) -> str:
    """``..overview-kpis.children...overview-years.data..`` -> ``overview-kpis``; a pattern id by its
    ``table``."""
    first = output.strip(".").split("...")[0].rsplit(".", 1)[0]
    if first.startswith("{"):
        try:
            ident = json.loads(first)
            return str(ident.get("table") or ident.get("type") or first)
        except ValueError:
            return first[:100]
    return first[:100]


def _values(body: dict) -> dict:
    """The filter values of a callback request (inputs and states), by filter name; the page's location."""
    out: dict = {}
    items = []
    for key in ("inputs", "state"):
        for item in body.get(key) or []:
            items.extend(item if isinstance(item, list) else [item])
    for item in items:
        if not isinstance(item, dict):
            continue
        ident, prop, value = item.get("id"), item.get("property"), item.get("value")
        if prop in ("pathname", "search") and isinstance(value, str):
            out.setdefault(prop, value)
            continue
        if not isinstance(ident, str) or prop != "value":
            continue
        name = ident.split("-", 1)[-1]
        if name in FILTERS:
            out[name] = value
    return out
