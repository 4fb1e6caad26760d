"""Who is signed in to the dashboard and what they may see (issue #16).

Modes: without accounts on the loopback, the dashboard is open to the single person at the machine, as
before (optionally behind the legacy basic-auth password, ``dashboard/app.py``). As soon as the accounts
file holds an account — or always when serving off the loopback (``required``) — every request but the
sign-in page and the static assets needs a signed-in account:

- sessions are Flask's signed cookie (key beside the accounts file, :func:`pipeline.core.accounts.session_key`,
  read again whenever the file changes: deleting or replacing it ends every session), HttpOnly,
  SameSite=Strict, Secure when the request came over HTTPS (directly or ``X-Forwarded-Proto``), never
  re-issued by activity; the cookie holds a session id kept on the server (:class:`Sessions`: logout deletes
  it, and it ends ``INSERTION_SESSION_HOURS`` after the sign-in whatever the activity), the account name
  and a stamp of its password hash; the account is read again from the accounts file at each request
  (removing it or changing its password ends its sessions);
- signing out is a POST carrying the session's CSRF token (a link of another site cannot sign anyone out);
- failed sign-ins are throttled per (account, address) and per account, never per address alone
  (:class:`Throttle`, a SQLite file shared by every gunicorn process); the client's address is read from
  ``X-Forwarded-For`` only behind a trusted proxy (``INSERTION_TRUSTED_PROXIES``);
- every sign-in, sign-out, page, callback and download is written to the audit journal (``dashboard/audit.py``);
- pages: :func:`may_see` is the one table of rights; the menu lists the allowed pages only, a page's
  layout and its callbacks (``/_dash-update-component``, downloads included) answer « accès refusé »
  for the others, and the Data Docs are refused to partners;
- rows: :func:`current_scope` is the one place the scope of the request is decided; ``dashboard.data.get``
  passes it to the cursor every query goes through (``dashboard/data.py``, ``dashboard/scoping.py``).
"""

from __future__ import annotations

import hmac
import json
import math
import os
import secrets
import unicodedata
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from urllib.parse import quote, urlsplit

import dash
from dash import dcc, html
from flask import Flask, Response, current_app, g, has_request_context, redirect, request, session
from flask.sessions import SecureCookieSessionInterface

from dashboard import audit
from pipeline.core import accounts, signin
from pipeline.core.accounts import EVERYTHING, NOTHING, Account, AccountStore, Scope
from pipeline.core.config import Settings
from pipeline.core.signin import Sessions, Throttle

# role -> pages it may NOT open (ONLY: the pages it may open); "data-docs" is the Data Docs folder
DENIED = {"qualite": {"sql"}, "partenaire": {"sql", "data-docs"}}
ONLY = {"analyste": {"sql", "data-docs", "accessibilite"}}  # « Accessibilité » (issue #26): every role
# page -> the only roles that may open it, whatever the tables above say
RESERVED = {"journal": {"direction"}}
PUBLIC = ("/login", "/logout", "/assets/", "/_favicon.ico")


def may_see(role: str | None, page: str) -> bool:
    """Whether ``role`` (None: nobody needs to sign in) may open ``page`` (a page module's last name,
    e.g. ``sql``, or ``data-docs``). A new page is open to every role but the analyst."""
    if role is None:
        return True
    if page in RESERVED:
        return role in RESERVED[page]
    if role in ONLY:
        return page in ONLY[role]
    return page not in DENIED.get(role, set())


# --- installation ----------------------------------------------------------------------------------


class _Sessions(SecureCookieSessionInterface):
    """Flask's signed cookie, whose key is read again when its file changes (deleted: a new key), which
    expires at the session's absolute end and is never re-issued by activity alone."""

    def open_session(self, app: Flask, request):
        _refresh_key(app)
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure or request.headers.get("X-Forwarded-Proto", "").split(",")[0] == "https"

    def get_expiration_time(self, app: Flask, session) -> datetime | None:
        ends = session.get("ends")
        return datetime.fromtimestamp(ends, UTC) if isinstance(ends, (int, float)) else None


def _refresh_key(app: Flask) -> None:
    """The session key of the accounts file in force, read again when the file changed or vanished (every
    gunicorn process checks at each request: deleting or replacing the key ends every session now)."""
    store = app.config.get("INSERTION_ACCOUNTS")
    if store is None or not (app.config["INSERTION_LOGIN_REQUIRED"] or store.has_accounts()):
        return
    path = accounts.session_key_path(store.path)
    try:
        st = os.stat(path)
        seen = (st.st_mtime_ns, st.st_ino, st.st_size)
    except FileNotFoundError:
        seen = None
    if seen is None or seen != app.config.get("INSERTION_KEY_SEEN") or not app.secret_key:
        app.secret_key = accounts.session_key(store.path)  # created anew when deleted
        st = os.stat(path)
        app.config["INSERTION_KEY_SEEN"] = (st.st_mtime_ns, st.st_ino, st.st_size)


def install(app: dash.Dash, accounts_file: Path | None, required: bool = False) -> None:
    """Turn on accounts for ``app``: sign-in pages, the guard of every request, guarded page layouts."""
    server = app.server
    settings = Settings.load()
    store = AccountStore(accounts_file) if accounts_file else None
    server.config.update(
        INSERTION_ACCOUNTS=store,
        INSERTION_LOGIN_REQUIRED=required,
        INSERTION_SESSIONS=Sessions(signin.sessions_path(store.path), settings.session_hours)
        if store
        else None,
        INSERTION_PROXIES=signin.parse_networks(settings.trusted_proxies),
        SESSION_COOKIE_NAME="insertion_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_REFRESH_EACH_REQUEST=False,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
    )
    server.session_interface = _Sessions()
    if store is not None and (required or store.has_accounts()):
        _refresh_key(server)
    guard_layouts()
    server.before_request(_guard)
    audit.install(server, accounts_file or settings.accounts, settings.audit_retention_days)
    server.add_url_rule("/login", "insertion_login", _login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "insertion_logout", _logout, methods=["GET", "POST"])


def login_active() -> bool:
    """True when the current request must come from a signed-in account."""
    if not has_request_context():
        return False
    store = current_app.config.get("INSERTION_ACCOUNTS")
    return store is not None and (current_app.config["INSERTION_LOGIN_REQUIRED"] or store.has_accounts())


def current_account() -> Account | None:
    return g.get("insertion_account") if has_request_context() else None


def current_scope() -> Scope:
    """The rows the current request may read: everything when nobody needs to sign in (or outside a
    request: the command line, tests), the account's scope otherwise, nothing without an account."""
    if not login_active():
        return EVERYTHING
    account = current_account()
    return account.scope() if account else NOTHING


def current_role() -> str | None:
    account = current_account()
    return account.role if account else None


def allowed(page: str) -> bool:
    """Whether the current request may open ``page``."""
    if not login_active():
        return True
    account = current_account()
    return account is not None and may_see(account.role, page)


def refusal(page: str) -> str:
    account = current_account()
    who = f"au rôle {account.label}" if account else "sans connexion"
    return f"Accès refusé : la page « {page} » n'est pas ouverte {who}."


def page_name(page: dict) -> str:
    return page["module"].split(".")[-1]


# --- the guard of every request ------------------------------------------------------------------


def _guard():
    if not login_active():
        return None
    if request.path.startswith(PUBLIC):
        return None
    if not current_app.secret_key:  # accounts created while the server runs
        _refresh_key(current_app)
    account = _session_account()
    if account is None:
        if request.path.startswith(("/_dash-", "/data-docs")):
            return Response("Connexion requise.", 401, {"Content-Type": "text/plain; charset=utf-8"})
        return redirect("/login?next=" + quote(request.full_path.rstrip("?"), safe="/"))
    g.insertion_account = account
    if request.path.startswith("/data-docs") and not may_see(account.role, "data-docs"):
        return _forbidden("data-docs")
    if request.path == "/_dash-update-component":
        for page in _callback_pages(request.get_json(silent=True)):
            if not may_see(account.role, page):
                return _forbidden(page)
    return None


def _forbidden(page: str) -> Response:
    return Response(refusal(page), 403, {"Content-Type": "text/plain; charset=utf-8"})


def _session_account() -> Account | None:
    """The account of the request's session: its cookie verifies under the key in force, its id is a live
    session of that account on the server (not logged out, not past its end), its account still exists
    with the same password."""
    name, stamp = session.get("user"), session.get("stamp")
    if not name:
        return None
    account = current_app.config["INSERTION_ACCOUNTS"].get(name)
    live = current_app.config["INSERTION_SESSIONS"].user(session.get("sid"))
    if account is None or live != account.name or not hmac.compare_digest(account.stamp, str(stamp or "")):
        session.clear()
        return None
    return account


def _callback_pages(body) -> set[str]:
    """The pages whose components a callback request writes: from ``output`` (what Dash dispatches on)
    and ``outputs``. Component ids are ``<page>-…``, or dicts whose ``table`` is ``<page>-…``."""
    pages = {page_name(p) for p in dash.page_registry.values()}
    found: set[str] = set()
    if not isinstance(body, dict):
        return found
    ids: list = []
    output = body.get("output")
    if isinstance(output, str):
        for part in output.strip(".").split("..."):
            ids.append(part.rsplit(".", 1)[0])
    outputs = body.get("outputs")
    stack = [outputs]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            ids.append(item.get("id"))
    for ident in ids:
        if isinstance(ident, str) and ident.startswith("{"):
            try:
                ident = json.loads(ident)
            except ValueError:
                continue
        values = ident.values() if isinstance(ident, dict) else [ident]
        for value in values:
            if isinstance(value, str) and value.split("-", 1)[0] in pages:
                found.add(value.split("-", 1)[0])
    return found


def guard_layouts() -> None:
    """Wrap every registered page's layout: a page the current account may not open says so instead."""
    from dash import html

    for page in dash.page_registry.values():
        layout = page["layout"]
        if getattr(layout, "insertion_guarded", False):
            continue

        def guarded(*args, _layout=layout, _page=page, **kwargs):
            if not allowed(page_name(_page)):
                return html.Div(refusal(_page["name"]), className="empty-state")  # as components.empty_state
            return _layout(*args, **kwargs) if callable(_layout) else _layout

        guarded.insertion_guarded = True
        page["layout"] = guarded


def account_block():
    """The header's « nom — rôle · Se déconnecter » (a form that POSTs the session's CSRF token), when
    someone is signed in."""
    account = current_account() if login_active() else None
    if account is None:
        return None
    return html.Div(
        className="account",
        children=[
            html.Span(f"{account.name} — {account.label}", className="account-name"),
            html.Form(
                method="POST",
                action="/logout",
                className="account-logout-form",
                children=[
                    dcc.Input(type="hidden", name="csrf", value=_csrf(), id="logout-csrf"),
                    html.Button("Se déconnecter", type="submit", className="account-logout", id="logout"),
                ],
            ),
        ],
    )


def _csrf() -> str:
    """The session's CSRF token (made once: an unchanged session re-issues no cookie)."""
    if not session.get("csrf"):
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def _csrf_ok() -> bool:
    token = request.form.get("csrf") or ""
    return bool(token) and hmac.compare_digest(str(session.get("csrf") or ""), token)


# --- sign in, sign out ---------------------------------------------------------------------------


def _login():
    store: AccountStore | None = current_app.config.get("INSERTION_ACCOUNTS")
    if not login_active() or store is None:
        return redirect("/")
    if not current_app.secret_key:
        _refresh_key(current_app)
    target = _safe_next(request.values.get("next"))
    if request.method == "GET":
        notice = "Vous êtes déconnecté." if request.args.get("sortie") else ""
        return _login_page(target, notice=notice)
    name = (request.form.get("username") or "").strip().lower()[:64]
    if not _csrf_ok():
        return _login_page(target, "La page de connexion a expiré : recommencez.", 400, name)
    throttle = Throttle(accounts.attempts_path(store.path))
    address = audit.client_address()
    wait = throttle.wait(name, address)
    if wait > 0:
        minutes = math.ceil(wait / 60)
        audit.record("connexion", outcome="verrou", user=name, compte=name, attente_s=round(wait))
        return _login_page(
            target,
            f"Trop de tentatives infructueuses : réessayez dans {minutes} minute{'s' if minutes > 1 else ''}.",
            429,
            name,
        )
    account = store.authenticate(name, request.form.get("password") or "")
    if account is None:
        throttle.failed(name, address)
        audit.record("connexion", outcome="echec", user=name, compte=name)
        return _login_page(target, "Identifiant ou mot de passe incorrect.", 401, name)
    throttle.succeeded(name, address)
    sid, ends = current_app.config["INSERTION_SESSIONS"].open(account.name)
    session.clear()
    session.permanent = True
    session.update(user=account.name, stamp=account.stamp, sid=sid, ends=ends, csrf=secrets.token_urlsafe(24))
    g.insertion_account = account
    audit.record("connexion", compte=account.name)
    return redirect(target if target != "/" else _home(account))


def _logout():
    """POST with the session's CSRF token: the server forgets the session (its cookie is worth nothing
    from now on, even kept elsewhere) and the browser's cookie is deleted."""
    if request.method != "POST":
        return _plain(
            "Déconnexion : utilisez le bouton « Se déconnecter » du tableau de bord.", 405, Allow="POST"
        )
    if not login_active():  # the loopback without accounts: nobody is signed in, nobody to sign out
        return redirect("/")
    if not current_app.secret_key:
        _refresh_key(current_app)
    if not _csrf_ok():
        return _plain("Déconnexion refusée : jeton de sécurité absent ou expiré. Rechargez la page.", 400)
    account = _session_account()
    if account is not None:
        g.insertion_account = account
        audit.record("deconnexion")
    current_app.config["INSERTION_SESSIONS"].close(session.get("sid"))
    session.clear()
    return redirect("/login?sortie=1")


def _plain(text: str, status: int, **headers) -> Response:
    return Response(text, status, {"Content-Type": "text/plain; charset=utf-8", **headers})


def _home(account: Account) -> str:
    for page in sorted(dash.page_registry.values(), key=lambda p: p.get("order") or 0):
        if may_see(account.role, page_name(page)):
            return page["relative_path"]
    return "/"


def _safe_next(value: str | None) -> str:
    """Only a path of this site is followed after signing in: it starts with one ``/`` and holds no
    backslash and no control, space or invisible character (a browser drops a TAB or a line break from a
    URL, so « /\t/evil.example/ » would become « //evil.example/ », another site), and once parsed it has
    neither a scheme nor a host."""
    value = value or "/"
    if any(c == "\\" or unicodedata.category(c)[0] in "CZ" for c in value):
        return "/"
    if not value.startswith("/") or value.startswith("//") or value.startswith("/login"):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    return value


LOGIN_PAGE = """<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Connexion — Insertion professionnelle</title>
<link rel="stylesheet" href="/assets/style.css">
</head>
<body class="login-body">
<main class="login">
<h1>Insertion professionnelle des certifiés</h1>
<h2>Connexion</h2>
{message}
<form method="post" action="/login">
<input type="hidden" name="csrf" value="{csrf}">
<input type="hidden" name="next" value="{next}">
<label for="username">Identifiant</label>
<input id="username" name="username" autocomplete="username" value="{name}" required autofocus>
<label for="password">Mot de passe</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" class="button-primary">Se connecter</button>
</form>
<p class="hint">Un compte vous est ouvert par l'administrateur du tableau de bord (« insertion users add »).</p>
</main>
</body>
</html>
"""


def _login_page(
    target: str, error: str = "", status: int = 200, name: str = "", notice: str = ""
) -> Response:
    _csrf()
    message = (
        f'<p class="login-error" role="alert">{escape(error)}</p>'
        if error
        else f'<p class="login-notice">{escape(notice)}</p>'
        if notice
        else ""
    )
    body = LOGIN_PAGE.format(
        message=message, csrf=escape(session["csrf"]), next=escape(target), name=escape(name)
    )
    return Response(body, status, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"})
