"""The Dash shell: navigation, page container, assets served locally (no CDN), optional basic auth.

Pages live in ``dashboard/pages/``, each with its layout and callbacks.
"""

from __future__ import annotations

import base64
import hmac
import os
from pathlib import Path

import dash
from dash import Dash, dcc, html
from flask import Response, request

from . import data, datadocs

HERE = Path(__file__).parent


def create_app(snapshot: Path, data_docs: Path | None = None, password: str | None = None) -> Dash:
    """A Dash app over the read-only ``snapshot``; ``password`` turns on HTTP basic auth."""
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
    from .pages import certification, metiers, overview, qualite, sql, voies  # noqa: F401 (register pages)

    app.layout = html.Div(
        [
            dcc.Location(id="url", refresh="callback-nav"),
            html.Header(
                className="header",
                children=[
                    html.Div("Insertion professionnelle des certifiés", className="brand"),
                    html.Nav(
                        className="nav",
                        children=[
                            dcc.Link(
                                page["name"],
                                href=page["relative_path"],
                                className="nav-link",
                                id=f"nav-{page['module'].split('.')[-1]}",
                            )
                            for page in dash.page_registry.values()
                        ],
                    ),
                ],
            ),
            html.Main(dash.page_container, className="main"),
            html.Footer(
                "Indicateurs calculés selon la méthode de France Compétences (répondants neutralisés exclus). "
                "Chaque taux est accompagné de son effectif ; ⚠ signale un effectif inférieur au seuil de diffusion.",
                className="footer",
            ),
        ],
    )
    server = app.server
    datadocs.register(server, data_docs)  # Data Docs rendered offline (dashboard/datadocs.py)

    if password:
        expected = base64.b64encode(f"insertion:{password}".encode()).decode()

        @server.before_request
        def basic_auth():
            header = request.headers.get("Authorization", "")
            if not hmac.compare_digest(header, f"Basic {expected}"):
                return Response(
                    "Authentification requise.",
                    401,
                    {"WWW-Authenticate": 'Basic realm="Insertion professionnelle"'},
                )
            return None

    return app


def serve(
    snapshot: Path, data_docs: Path, host: str = "127.0.0.1", port: int = 8050, prod: bool = False
) -> None:
    """Run the dashboard: Dash's development server, or waitress with ``prod``. Binding anything but
    the loopback needs ``INSERTION_DASHBOARD_PASSWORD`` (basic auth, user ``insertion``)."""
    password = os.environ.get("INSERTION_DASHBOARD_PASSWORD") or None
    if host not in ("127.0.0.1", "localhost", "::1") and not password:
        raise SystemExit(
            f"Refusing to listen on {host} without a password: set INSERTION_DASHBOARD_PASSWORD "
            "(HTTP basic auth, user « insertion »), or keep the default --host 127.0.0.1."
        )
    app = create_app(snapshot, data_docs, password)
    print(f"Tableau de bord : http://{host}:{port}/ (Ctrl+C pour arrêter)", flush=True)
    if prod:
        from waitress import serve as waitress_serve

        waitress_serve(app.server, host=host, port=port, threads=8)
    else:
        app.run(host=host, port=port, debug=False)
