"""The Dash shell: navigation, page container, assets served locally (no CDN), accounts
(``dashboard/access.py``) or the legacy basic auth.

Pages live in ``dashboard/pages/``, each with its layout and callbacks.
"""

from __future__ import annotations

import base64
import hmac
import os
from pathlib import Path

import dash
from dash import Dash, Input, Output, dcc, html
from flask import Response, request

from dashboard import access, conformity, data, datadocs

HERE = Path(__file__).parent


def create_app(
    snapshot: Path,
    data_docs: Path | None = None,
    password: str | None = None,
    accounts: Path | None = None,
    require_login: bool = False,
) -> Dash:
    """A Dash app over the read-only ``snapshot``. ``accounts``: the accounts file; once it holds an
    account (always with ``require_login``) everyone signs in and sees what their role allows
    (``dashboard/access.py``). ``password`` (legacy) turns on HTTP basic auth while no account exists."""
    data.configure(snapshot)
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder="",  # pages are imported below as dashboard.pages.*, once (tests import them too)
        assets_folder=str(HERE / "assets"),
        title="Insertion professionnelle — RNCP",
        suppress_callback_exceptions=True,
        serve_locally=True,
    )
    app.index_string = app.index_string.replace("<html>", '<html lang="fr">', 1)
    from dashboard.pages import (  # noqa: F401 (register pages)
        accessibilite,
        certification,
        enquetes,
        journal,
        metiers,
        overview,
        partenaires,
        qualite,
        sql,
        voies,
    )

    pages = [page for page in dash.page_registry.values() if page.get("menu", True)]  # the menu's pages
    app.layout = lambda: html.Div(  # drawn per request: the menu and the header depend on who is signed in
        [
            dcc.Location(id="url", refresh="callback-nav"),
            # RGAA 12.7: the first stop of the keyboard, to the page's content (assets/a11y.js moves the
            # focus there without touching the link's fragment, which holds the filters)
            html.A("Aller au contenu", href="#contenu", className="skip-link", id="skip-link"),
            html.Header(
                className="header",
                children=[
                    html.Div("Insertion professionnelle des certifiés", className="brand"),
                    html.Nav(
                        className="nav",
                        **{"aria-label": "Menu principal"},
                        children=[
                            dcc.Link(
                                page["name"],
                                href=page["relative_path"],
                                className="nav-link",
                                id=nav_id(page),
                            )
                            if access.allowed(access.page_name(page))
                            # a page the account may not open: an empty, hidden link (the menu's callback
                            # updates every page's link)
                            else dcc.Link("", href="/", id=nav_id(page), style={"display": "none"})
                            for page in pages
                        ],
                    ),
                    html.Div(id="data-date", className="data-date"),
                    access.account_block(),
                ],
            ),
            html.Main(dash.page_container, className="main", id="contenu", tabIndex="-1"),
            html.Footer(
                [
                    html.P(
                        "Indicateurs calculés selon la méthode de France Compétences (répondants neutralisés "
                        "exclus). Chaque taux est accompagné de son effectif ; ⚠ signale un effectif inférieur "
                        "au seuil de diffusion."
                    ),
                    html.P(
                        dcc.Link(
                            f"Accessibilité : {conformity.status()['label']}",
                            href="/accessibilite",
                            id="footer-accessibility",
                        )
                    ),
                ],
                className="footer",
            ),
        ],
    )

    @app.callback(
        *[Output(nav_id(page), "href") for page in pages],
        *[Output(nav_id(page), "className") for page in pages],
        Output("data-date", "children"),
        Input("url", "pathname"),
        Input("url", "hash"),
    )
    def navigation(pathname, fragment):
        """The menu carries the filters (the link's fragment) to every page and marks the current page;
        the header says how recent the data is."""
        current = (pathname or "/").rstrip("/") or "/"
        hrefs = [page["relative_path"] + (fragment or "") for page in pages]
        classes = [
            "nav-link active" if (page["relative_path"].rstrip("/") or "/") == current else "nav-link"
            for page in pages
        ]
        return (*hrefs, *classes, data_date())

    server = app.server
    access.install(app, accounts, require_login)  # accounts, roles, sign-in (before every other route)
    titled_layouts()
    datadocs.register(server, data_docs)  # Data Docs rendered offline (dashboard/datadocs.py)

    if password:
        expected = b"Basic " + base64.b64encode(f"insertion:{password}".encode())

        @server.before_request
        def basic_auth():
            if access.login_active():  # accounts replace the shared password
                return None
            # compared as bytes: a header with non-ASCII characters is a wrong password (401), not a 500
            header = request.headers.get("Authorization", "").encode("utf-8", "surrogateescape")
            if not hmac.compare_digest(header, expected):
                return Response(
                    "Authentification requise.",
                    401,
                    {"WWW-Authenticate": 'Basic realm="Insertion professionnelle"'},
                )
            return None

    return app


def ready(app: Dash) -> Dash:
    """Let Dash finish its set-up (it registers the callbacks at the first request it serves) before the
    server takes connections: the browser's first, concurrent requests to a fresh process raced that
    set-up and could get an incomplete list of callbacks (the page then stayed blank)."""
    app.server.test_client().get("/_dash-dependencies")
    return app


def titled_layouts() -> None:
    """RGAA 9.1: every page opens on its h1, also when it only says that there is nothing to show or that
    the account may not open it (an empty state): its name is then the heading."""
    for page in dash.page_registry.values():
        layout = page["layout"]
        if getattr(layout, "insertion_titled", False):
            continue

        def titled(*args, _layout=layout, _name=page["name"], **kwargs):
            content = _layout(*args, **kwargs) if callable(_layout) else _layout
            if isinstance(content, html.Div) and "empty-state" in (getattr(content, "className", "") or ""):
                return html.Div([html.H1(_name), content])
            return content

        titled.insertion_titled = True
        titled.insertion_guarded = getattr(layout, "insertion_guarded", False)  # still behind the guard
        page["layout"] = titled


def nav_id(page: dict) -> str:
    return f"nav-{page['module'].split('.')[-1]}"


def data_date() -> str:
    """« Données au 29/11/2026 » : the day the snapshot was published (by the last build or load)."""
    from datetime import datetime

    from pipeline.indicators.formats import fr_date

    try:
        published = datetime.fromtimestamp(data.get().version() / 1e9)
    except data.NoWarehouse:
        return "Aucune donnée publiée"
    return f"Données au {fr_date(published.date())}"


def serve(
    snapshot: Path,
    data_docs: Path,
    host: str = "127.0.0.1",
    port: int = 8050,
    prod: bool = False,
    workers: int | None = None,
    accounts: Path | None = None,
) -> None:
    """Run the dashboard: Dash's development server, or with ``prod`` gunicorn: ``workers`` processes
    (default: two per core — Python runs one callback at a time per process, and 20 users at once were
    served faster by 4 processes than by 2 on 2 cores: docs/performance.md) of 8 threads each, every
    process with its own read-only connection to the snapshot. Binding anything but the loopback needs
    accounts (``insertion users add``); on the loopback without accounts the dashboard is open to the
    person at the machine (behind ``INSERTION_DASHBOARD_PASSWORD``'s basic auth when set)."""
    from pipeline.core.accounts import AccountStore, session_key

    password = os.environ.get("INSERTION_DASHBOARD_PASSWORD") or None
    loopback = host in ("127.0.0.1", "localhost", "::1")
    store = AccountStore(accounts) if accounts else None
    if not loopback and not (store and store.has_accounts()):
        raise SystemExit(
            f"Refus d'écouter sur {host} sans comptes : hors de la boucle locale, chacun se connecte avec "
            "son compte. Créez-en un avec « insertion users add NOM --role direction » (fichier "
            f"{store.path if store else 'INSERTION_ACCOUNTS'}), ou gardez --host 127.0.0.1. "
            "INSERTION_DASHBOARD_PASSWORD (mot de passe partagé) ne suffit plus hors de la boucle locale."
        )
    if store and store.has_accounts():
        session_key(store.path)  # created once, before gunicorn forks its processes
        if password:
            print("Comptes présents : INSERTION_DASHBOARD_PASSWORD est ignoré.", flush=True)
    options = {"accounts": accounts, "require_login": not loopback}
    print(f"Tableau de bord : http://{host}:{port}/ (Ctrl+C pour arrêter)", flush=True)
    if not prod:
        ready(create_app(snapshot, data_docs, password, **options)).run(host=host, port=port, debug=False)
        return
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self):
            options = {
                "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
                "workers": workers or 2 * (os.cpu_count() or 1),
                "worker_class": "gthread",
                "threads": 8,
                "timeout": 120,
                "graceful_timeout": 10,
                "loglevel": "warning",
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):  # in each worker, after the fork: its own DuckDB connection and caches
            return ready(create_app(snapshot, data_docs, password, **options)).server

    Server().run()
