"""Analysts' SQL (the dashboard's SQL page, ``insertion sql``): what may run, on what, and for how long.

Three layers:

* :func:`check` accepts exactly one ``SELECT`` (``FROM t``, ``VALUES``, ``DESCRIBE``, ``SUMMARIZE`` and
  ``SHOW`` are SELECTs to DuckDB), or ``EXPLAIN`` / ``EXPLAIN ANALYZE`` of one, and walks DuckDB's own
  parse tree (``json_serialize_sql``) to refuse the functions and system views that reveal settings,
  paths or secrets, or that run SQL given as text. Table functions are allowed from a list.
* :func:`connect` opens the published snapshot read-only in a private in-memory database with no
  temporary directory (nothing spills, nothing is written), no file access, no extension loading, one
  thread, a memory limit, and the configuration locked.
* :func:`run` stops the query after ``seconds`` (``interrupt()``), and fetches in chunks until
  ``max_rows`` rows or ``max_bytes`` of rendered text, saying which limit cut the result.

:func:`run_isolated` is how a web server runs them: each query in a worker process of its own at the
lowest CPU priority (``nice`` 19, and Linux's ``SCHED_IDLE``: it runs on a core nothing else wants;
all workers share one core, the last), killed if it outlives its time limit, its address space capped
at :data:`PROCESS_MEMORY` (``RLIMIT_AS``: DuckDB's own ``memory_limit`` is a target that some operators
overshoot — a ``string_agg`` of 30 million values reached 1.9 GB of resident memory under a 1 GB limit —
while an allocation past the cap fails, and the query with it), at most :data:`MAX_RUNNING` at once per
server — every process of it: the slots are locked files (:mod:`pipeline.core.slots`) — and
:data:`MAX_PER_USER` per user (the next one is refused at once, never queued), so page callbacks keep
their threads, their DuckDB connection and first call on the cores, and the memory of the analysts'
queries stays under ``MAX_RUNNING × PROCESS_MEMORY``.

A connection can still create TEMP tables or ``ATTACH ':memory:'`` (DuckDB allows both with file
access off); the check refuses them, and each query has its own connection (its own process on the
dashboard), so nothing outlives the query.

Messages are French and keep DuckDB's own text.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.core import slots
from pipeline.core.sql import set_today
from pipeline.reports.sqlrules import ALLOWED_TABLE_FUNCTIONS, REFUSED_FUNCTIONS, REFUSED_VIEWS

MAX_SQL_CHARS = 100_000
MEMORY_LIMIT = "1GB"
PROCESS_MEMORY = 1536 * 2**20  # bytes of address space of a query's worker (RLIMIT_AS), all included
MAX_RUNNING = 2  # per server (all its processes)
MAX_PER_USER = 1
KILL_MARGIN = 5.0  # seconds a worker gets beyond its time limit (start-up, fetch, pickling) before a kill
NICENESS = 19


class QueryRefused(ValueError):
    """A query that is not run, or that failed; the message (French) says why."""


class ServerBusy(QueryRefused):
    """Every slot for analysts' queries is taken; the user should retry."""


@dataclass(frozen=True)
class Checked:
    """A query accepted by :func:`check`: ``sql`` is what runs, ``kind`` what it is."""

    sql: str
    kind: str  # "SELECT", "EXPLAIN" or "EXPLAIN ANALYZE"


@dataclass
class Result:
    columns: list[str]
    rows: list[tuple]
    truncated: str | None = None  # None, or why the rows stop (French)
    seconds: float = 0.0

    def frame(self):
        """The rows as a DataFrame (duplicate column names made unique)."""
        import pandas as pd

        seen: dict[str, int] = {}
        names = []
        for name in self.columns:
            seen[name] = seen.get(name, 0) + 1
            names.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
        return pd.DataFrame(self.rows, columns=names)


# --------------------------------------------------------------------------------------------- check

_parser_lock = threading.Lock()
_parser: duckdb.DuckDBPyConnection | None = None


def _parse_tree(sql: str) -> dict:
    """DuckDB's parse tree of one SELECT (``json_serialize_sql``: parsed, never bound nor run)."""
    global _parser
    with _parser_lock:
        if _parser is None:
            _parser = duckdb.connect(config={"threads": 1, "enable_external_access": False})
        text = _parser.execute("select json_serialize_sql(?)", [sql]).fetchall()[0][0]
    return json.loads(text)


def _names(node, functions: set[str], tables: set[str]) -> None:
    """Every function and table name anywhere in a parse tree (select list, FROM, CTEs, subqueries,
    window and aggregate calls, DESCRIBE/SUMMARIZE targets)."""
    if isinstance(node, dict):
        name = node.get("function_name")
        if isinstance(name, str):
            functions.add(name.lower())
        if node.get("type") in ("BASE_TABLE", "SHOW_REF") and isinstance(node.get("table_name"), str):
            tables.add(node["table_name"].lower())
        for value in node.values():
            _names(value, functions, tables)
    elif isinstance(node, list):
        for value in node:
            _names(value, functions, tables)


def _table_functions(node, out: set[str]) -> None:
    if isinstance(node, dict):
        if node.get("type") == "TABLE_FUNCTION":
            function = node.get("function") or {}
            name = function.get("function_name")
            if isinstance(name, str):
                out.add(name.lower())
        for value in node.values():
            _table_functions(value, out)
    elif isinstance(node, list):
        for value in node:
            _table_functions(value, out)


def _kind(statement) -> str:
    return str(statement.type).split(".")[-1]


def _split(sql: str):
    """The statements of ``sql`` (a syntax error becomes a French refusal)."""
    try:
        return duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRefused(message(exc)) from exc


def _explained(statement) -> tuple[str, str]:
    """(``EXPLAIN`` or ``EXPLAIN ANALYZE``, the statement it explains) of an EXPLAIN statement."""
    text = statement.query
    tokens = duckdb.tokenize(text)
    words = [(start, re.match(r"\w+|\S", text[start:]).group(0).lower()) for start, _type in tokens[:3]]
    if len(words) < 2 or words[0][1] != "explain":
        raise QueryRefused("EXPLAIN mal formé.")
    if words[1][1] in ("analyze", "analyse"):
        if len(words) < 3:
            raise QueryRefused("EXPLAIN ANALYZE de quoi ? Ajoutez la requête SELECT.")
        return "EXPLAIN ANALYZE", text[words[2][0] :]
    if words[1][1] == "(":
        raise QueryRefused("Seuls EXPLAIN et EXPLAIN ANALYZE sont permis (sans options entre parenthèses).")
    return "EXPLAIN", text[words[1][0] :]


def _check_select(sql: str, received: str) -> str:
    """``sql`` if it is exactly one SELECT that calls nothing refused; the statement's text."""
    statements = _split(sql)
    if len(statements) != 1:
        raise QueryRefused(f"Une seule requête à la fois, s'il vous plaît ({len(statements)} reçues).")
    statement = statements[0]
    if statement.type != duckdb.StatementType.SELECT:
        raise QueryRefused(
            f"Seules les requêtes de lecture (SELECT, ou EXPLAIN d'un SELECT) sont permises ; reçu : {received}"
            f"{_kind(statement)}."
        )
    tree = _parse_tree(statement.query)
    if tree.get("error"):
        raise QueryRefused(
            f"Requête non reconnue comme une lecture simple ; reçu : {received}{_kind(statement)} "
            f"({tree.get('error_message', '')})."
        )
    functions: set[str] = set()
    tables: set[str] = set()
    _names(tree, functions, tables)
    table_functions: set[str] = set()
    _table_functions(tree, table_functions)
    refused = sorted(
        (functions & REFUSED_FUNCTIONS)
        | (table_functions - ALLOWED_TABLE_FUNCTIONS)
        | {f for f in functions if f in REFUSED_VIEWS}
    )
    if refused:
        raise QueryRefused(
            "Fonction non permise ici (elle révèle la configuration ou des chemins du serveur, lit des "
            f"fichiers ou exécute du SQL) : {', '.join(refused)}."
        )
    views = sorted(tables & REFUSED_VIEWS)
    if views:
        raise QueryRefused(
            f"Vue système non permise ici (elle révèle la configuration ou des chemins du serveur) : "
            f"{', '.join(views)}."
        )
    return statement.query


def check(sql: str) -> Checked:
    """Accept one SELECT, or EXPLAIN [ANALYZE] of one SELECT; raise :class:`QueryRefused` (French,
    naming what was received) for anything else or for a refused function or view."""
    sql = (sql or "").strip()
    if not sql:
        raise QueryRefused("Saisissez une requête.")
    if len(sql) > MAX_SQL_CHARS:
        raise QueryRefused(f"Requête trop longue ({len(sql)} caractères ; au plus {MAX_SQL_CHARS}).")
    statements = _split(sql)
    if len(statements) != 1:
        kinds = ", ".join(_kind(s) for s in statements) or "rien"
        raise QueryRefused(f"Une seule requête à la fois, s'il vous plaît ; reçu : {kinds}.")
    statement = statements[0]
    if statement.type == duckdb.StatementType.EXPLAIN:
        mode, inner = _explained(statement)
        inner_sql = _check_select(inner, f"{mode} ")
        return Checked(f"{mode} {inner_sql}", mode)
    if statement.type != duckdb.StatementType.SELECT:
        raise QueryRefused(
            "Seules les requêtes de lecture (SELECT, ou EXPLAIN d'un SELECT) sont permises ; "
            f"reçu : {_kind(statement)}."
        )
    return Checked(_check_select(statement.query, ""), "SELECT")


# ------------------------------------------------------------------------------------------- connect


def connect(snapshot: Path, memory_limit: str = MEMORY_LIMIT, threads: int = 1) -> duckdb.DuckDBPyConnection:
    """A connection that can only read ``snapshot``.

    The file is attached read-only to a private in-memory database, which is then detached (no writable
    catalog but the connection's own ``temp``, gone with it). No temporary directory: DuckDB's default
    for an in-memory database is ``.tmp`` in the working directory, so a query over the memory limit
    fails instead of spilling. File access, extension loading and Python replacement scans are off, and
    the configuration is locked so no query can change any of it."""
    snapshot = Path(snapshot)
    if not snapshot.exists():
        raise QueryRefused(
            f"Aucun entrepôt à lire ({snapshot.name}) : lancez « insertion build » pour le construire."
        )
    con = duckdb.connect(config={"threads": threads, "temp_directory": ""})
    try:
        con.execute(
            f"attach '{str(snapshot.resolve()).replace(chr(39), chr(39) * 2)}' as snapshot (read_only)"
        )
        set_today(con)  # before the configuration is locked
        for statement in (
            "use snapshot",
            "detach memory",
            "set temp_directory = ''",
            "set max_temp_directory_size = '0KiB'",
            f"set memory_limit = '{memory_limit}'",  # a setting of ours, not user input
            "set enable_external_access = false",
            "set autoinstall_known_extensions = false",
            "set autoload_known_extensions = false",
            "set allow_community_extensions = false",
            "set python_enable_replacements = false",
            "set enable_progress_bar = false",
            "set lock_configuration = true",
        ):
            con.execute(statement)
    except BaseException:
        con.close()
        raise
    return con


# ----------------------------------------------------------------------------------------------- run


def _size(row: tuple) -> int:
    """Bytes of a row once rendered as text (cells and one separator each)."""
    total = len(row)
    for value in row:
        if value is None:
            continue
        text = value if isinstance(value, str) else str(value)
        total += len(text.encode("utf-8", "replace")) if not text.isascii() else len(text)
    return total


def _mb(n: int) -> str:
    return f"{n / 1_000_000:g} Mo"


# DuckDB's most frequent sentences, in French (the rest of its text, the line and its caret, is kept)
_DUCKDB_FR = [
    (r"^(?:Catalog|Binder|Parser|Conversion|Invalid Input|Out of Range) Error: ", ""),
    (r"Table with name (\S+) does not exist!", r"la table « \1 » n'existe pas."),
    (
        r'Referenced column "([^"]+)" not found in FROM clause!',
        r"la colonne « \1 » n'est dans aucune table lue.",
    ),
    (r'Did you mean "([^"]+)"\?', r"Vouliez-vous dire « \1 » ?"),
    (r"Candidate bindings: ", "Colonnes proches : "),
    (r'syntax error at or near "([^"]+)"', r"erreur de syntaxe près de « \1 »"),
    (r"syntax error at end of input", "erreur de syntaxe : la requête s'arrête trop tôt"),
    (
        r"Could not convert string '([^']*)' to (\w+)(?: when casting from source column (\w+))?",
        r"impossible de convertir le texte « \1 » en \2 (colonne \3)",
    ),
    (r" \(colonne \)", ""),
]


def duckdb_fr(text: str) -> str:
    """DuckDB's error text with its frequent sentences in French (the query line and its caret kept)."""
    for pattern, french in _DUCKDB_FR:
        text = re.sub(pattern, french, text, flags=re.M)
    lines = text.split("\n")
    for i, line in enumerate(lines[:-1]):  # « LINE 1: » -> « LIGNE 1 : », its caret moved as much
        found = re.match(r"LINE (\d+):", line)
        if found:
            french = f"LIGNE {found.group(1)} :"
            lines[i] = french + line[found.end() :]
            lines[i + 1] = " " * (len(french) - found.end()) + lines[i + 1]
    return "\n".join(lines)


def message(exc: BaseException, seconds: float | None = None, memory_limit: str = MEMORY_LIMIT) -> str:
    """A French message for a DuckDB error, keeping DuckDB's own details (the line, the caret)."""
    text = str(exc).strip()
    if isinstance(exc, QueryRefused):
        return text
    if isinstance(exc, duckdb.Error):
        text = duckdb_fr(text)
    if isinstance(exc, duckdb.InterruptException):
        return f"Requête interrompue : plus de {seconds:g} secondes." if seconds else "Requête interrompue."
    if isinstance(exc, duckdb.ParserException):
        return f"Erreur de syntaxe : {text}"
    if isinstance(exc, duckdb.CatalogException):
        return f"Table ou colonne inconnue : {text}"
    if isinstance(exc, duckdb.BinderException):
        if "not found" in str(exc) or "does not exist" in str(exc):
            return f"Table ou colonne inconnue : {text}"
        return f"Requête invalide : {text}"
    if isinstance(exc, duckdb.OutOfMemoryException):
        return f"Mémoire insuffisante (limite {memory_limit}) : {text}"
    if isinstance(exc, duckdb.PermissionException):
        return f"Accès refusé (lecture seule, aucun fichier) : {text}"
    if isinstance(exc, (duckdb.ConversionException, duckdb.OutOfRangeException)):
        return f"Conversion impossible : {text}"
    if isinstance(exc, duckdb.Error):
        return f"Erreur d'exécution : {text}"
    return f"Erreur interne : {type(exc).__name__}: {text}"


def run(
    con: duckdb.DuckDBPyConnection,
    checked: Checked,
    seconds: float,
    max_rows: int,
    max_bytes: int,
    memory_limit: str = MEMORY_LIMIT,
) -> Result:
    """Run a checked query on ``con``: interrupted after ``seconds``, at most ``max_rows`` rows and
    ``max_bytes`` of rendered text (fetched in chunks sized on the rows seen so far, so one huge row
    stops the fetch). Raises :class:`QueryRefused` with a French message."""
    started = time.monotonic()
    timer = threading.Timer(seconds, con.interrupt)
    timer.daemon = True
    timer.start()
    rows: list[tuple] = []
    truncated = None
    try:
        result = con.execute(checked.sql)
        columns = [d[0] for d in result.description]
        used, widest = 0, 1
        while True:
            chunk = max(1, min(1000, max_rows + 1 - len(rows), (max_bytes - used) // widest))
            batch = result.fetchmany(chunk)
            if not batch:
                break
            for row in batch:
                size = _size(row)
                widest = max(widest, size)
                if used + size > max_bytes:
                    truncated = f"résultat limité à {len(rows)} ligne(s) : plus de {_mb(max_bytes)} de texte"
                    break
                if len(rows) == max_rows:
                    truncated = f"résultat limité aux {max_rows} premières lignes"
                    break
                used += size
                rows.append(row)
            if truncated:
                break
        result.close()
    except duckdb.Error as exc:
        raise QueryRefused(message(exc, seconds, memory_limit)) from exc
    finally:
        timer.cancel()
    return Result(columns, rows, truncated, time.monotonic() - started)


def execute(
    snapshot: Path,
    sql: str,
    seconds: float,
    max_rows: int,
    max_bytes: int,
    memory_limit: str = MEMORY_LIMIT,
) -> Result:
    """Check, connect and run in this process (the CLI; a worker of :func:`run_isolated`)."""
    checked = check(sql)
    con = connect(snapshot, memory_limit)
    try:
        return run(con, checked, seconds, max_rows, max_bytes, memory_limit)
    finally:
        con.close()


# ---------------------------------------------------------------------------------- worker processes

_running = 0
_running_lock = threading.Lock()


def running() -> int:
    """Analysts' queries running in worker processes of this process now."""
    return _running


def slots_folder(snapshot: Path) -> Path:
    """The folder of the slots shared by every process serving ``snapshot`` (:mod:`pipeline.core.slots`)."""
    return slots.folder_for("sql", str(Path(snapshot).resolve()))


def running_on_server(snapshot: Path) -> int:
    """Analysts' queries running now over ``snapshot``, in every process of the server."""
    return slots.taken(slots_folder(snapshot), "server", MAX_RUNNING)


def _serve_one(stdin, stdout) -> None:
    """A worker process: read one pickled request, lower its priority, run it, write the answer.

    The answer is plain tuples (``("ok", columns, rows, truncated, seconds)`` or ``("error", text)``),
    so the parent unpickles nothing but builtins and DuckDB's value types."""
    snapshot, sql, seconds, max_rows, max_bytes, memory_limit, ceiling = pickle.load(stdin)
    with contextlib.suppress(OSError, ValueError):  # the hard cap of this process's memory
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    with contextlib.suppress(OSError):  # already at a lower priority
        os.nice(NICENESS)
    with contextlib.suppress(OSError, AttributeError):  # Linux: run only when a core is otherwise idle
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    with contextlib.suppress(OSError, AttributeError):  # every worker on one core: the others stay free
        cores = sorted(os.sched_getaffinity(0))
        if len(cores) > 1:
            os.sched_setaffinity(0, {cores[-1]})
    try:
        result = execute(Path(snapshot), sql, seconds, max_rows, max_bytes, memory_limit)
        answer = ("ok", result.columns, result.rows, result.truncated, result.seconds)
    except QueryRefused as exc:
        answer = ("error", str(exc))
    except MemoryError:
        answer = (
            "error",
            f"Mémoire insuffisante : la requête dépasse {ceiling // 2**20} Mo pour son processus.",
        )
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the page as a message
        answer = ("error", message(exc, seconds, memory_limit))
    pickle.dump(answer, stdout, protocol=pickle.HIGHEST_PROTOCOL)
    stdout.flush()


def run_isolated(
    snapshot: Path,
    sql: str,
    seconds: float,
    max_rows: int,
    max_bytes: int,
    memory_limit: str = MEMORY_LIMIT,
    margin: float = KILL_MARGIN,
    user: str | None = None,
    ceiling: int = PROCESS_MEMORY,
) -> Result:
    """Run ``sql`` in a new worker process (``python -m pipeline.reports.usersql``: nothing of the web server is
    inherited or re-imported), at low CPU priority, its address space capped at ``ceiling`` bytes, killed
    after ``seconds + margin``; at most :data:`MAX_PER_USER` at once for ``user`` (when given) and
    :data:`MAX_RUNNING` at once over ``snapshot`` in every process of the server, beyond which
    :class:`ServerBusy` is raised at once.

    The query is checked here first (a refusal costs no process) and again in the worker."""
    global _running
    checked = check(sql)
    folder = slots_folder(snapshot)
    mine = None
    if user is not None:
        mine = slots.take(folder, slots.group_name(user), MAX_PER_USER)
        if mine is None:
            raise ServerBusy(
                "Vous avez déjà une requête SQL en cours : attendez sa fin (ou son interruption) avant "
                "d'en lancer une autre."
            )
    held = slots.take(folder, "server", MAX_RUNNING)
    if held is None:
        slots.give_back(mine)
        raise ServerBusy(
            f"Déjà {MAX_RUNNING} requêtes SQL en cours sur ce serveur (tous utilisateurs) : réessayez dans "
            "quelques secondes."
        )
    with _running_lock:
        _running += 1
    try:
        request = pickle.dumps(
            (str(Path(snapshot).resolve()), checked.sql, seconds, max_rows, max_bytes, memory_limit, ceiling)
        )
        root = str(Path(__file__).resolve().parents[2])
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "pipeline.reports.usersql"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=tempfile.gettempdir(),
            env=env,
            start_new_session=True,  # a Ctrl-C of the server's terminal is the server's to handle
        )
        try:
            out, err = process.communicate(request, timeout=seconds + margin)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise QueryRefused(
                f"Requête interrompue : plus de {seconds:g} secondes (processus de la requête arrêté)."
            ) from None
        try:
            answer = pickle.loads(out)
        except Exception:  # noqa: BLE001 - a worker that died says so in its stderr
            tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            raise QueryRefused(
                f"Erreur interne : le processus de la requête s'est arrêté (code {process.returncode}) "
                f"{tail[0]}".strip()
            ) from None
    finally:
        with _running_lock:
            _running -= 1
        slots.give_back(held)
        slots.give_back(mine)
    if answer[0] != "ok":
        raise QueryRefused(answer[1])
    _, columns, rows, truncated, elapsed = answer
    return Result(columns, rows, truncated, elapsed)


if __name__ == "__main__":
    _serve_one(sys.stdin.buffer, sys.stdout.buffer)


def columns_of(con, relations: list[str]):
    """The columns of each relation, in order (the SQL page's list of documented views)."""
    return con.execute(
        "select table_name, string_agg(column_name, ', ' order by ordinal_position) as columns "
        "from information_schema.columns where list_contains(?, table_name) group by 1 order by 1",
        [relations],
    ).df()
