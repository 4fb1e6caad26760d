"""The settings in force: the ones the figures of this warehouse were computed with.

Every build records the settings that rule the figures (:data:`pipeline.core.config.RECORDED`: threshold,
response rate, notice, windows, non-response gap) in table ``settings``. Every output (dashboard, pack,
``stats``, ``publish``, ``declare``, ``survey``) applies and prints those, never the environment of the
export: an environment that asks for other values is ignored and :func:`notice` says so, naming both.
"""

from __future__ import annotations

import duckdb

from pipeline.core.config import RECORDED, Settings, env_name, parse_setting, setting_text


def recorded(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The recorded text of each ruling setting (none before the first build)."""
    try:
        rows = con.execute(
            "select key, value from settings where list_contains(?, key) and value is not null",
            [list(RECORDED)],
        ).fetchall()
    except duckdb.CatalogException:
        return {}
    return dict(rows)


def settings_in_force(con: duckdb.DuckDBPyConnection, settings: Settings | None = None) -> Settings:
    """``settings`` (default: the environment's) with every ruling setting replaced by the recorded one."""
    from dataclasses import replace

    settings = settings or Settings.load()
    base = Settings()
    found = {k: parse_setting(getattr(base, k), v) for k, v in recorded(con).items()}
    return replace(settings, **found)


def differences(con: duckdb.DuckDBPyConnection, asked: Settings) -> list[tuple[str, str, str]]:
    """(environment variable, asked, in force) for each ruling setting the environment asks otherwise."""
    return [
        (env_name(k), setting_text(getattr(asked, k)), v)
        for k, v in sorted(recorded(con).items())
        if setting_text(getattr(asked, k)) != v
    ]


def notice(con: duckdb.DuckDBPyConnection, asked: Settings) -> str | None:
    """A French sentence when the environment asks for other values than the ones in force."""
    found = differences(con, asked)
    if not found:
        return None
    parts = ", ".join(f"{env}={want} (en vigueur : {now})" for env, want, now in found)
    return (
        f"Réglages du dernier calcul appliqués ; l'environnement demande {parts} : ignoré. "
        "Relancez « insertion build » pour recalculer avec ces réglages."
    )


def certification_settings(con: duckdb.DuckDBPyConnection, code: str) -> dict[str, bool]:
    """A certification's own settings (view ``stg_certification_settings``); both false when unknown."""
    row = con.execute(
        "select international, target_parent_codes from stg_certification_settings where certification_code = ?",
        [code],
    ).fetchall()
    international, parents = row[0] if row else (False, False)
    return {"international": bool(international), "target_parent_codes": bool(parents)}
