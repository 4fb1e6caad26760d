"""Every table and view of two warehouses built through the public ``insertion`` command has the content
of the committed baseline (tests/fixtures/fingerprints/, computed before the package refactor).

Run alone with ``.venv/bin/python -m pytest -m fingerprints``. How the fingerprints are computed, which
columns they leave out and how to regenerate the baseline (deliberately, justified in the commit
message): tests/fingerprints.py.

Nothing here imports the project: it is driven through its console script only, so the check holds
whatever modules the refactor moves.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.fingerprints import (
    EXCLUDED,
    SETS,
    baseline_path,
    columns,
    differences,
    fingerprints,
    load_baseline,
    relations,
)

pytestmark = pytest.mark.fingerprints


@pytest.fixture(scope="module")
def built(tmp_path_factory, sample_warehouse):
    """``built(name)``: the warehouse file of set ``name``: the sample is the run's shared one (built by
    tests/conftest.py with the same key, day and folders as tests/fingerprints.py builds it), the generated
    set is built once per module on first use."""
    cache: dict[str, Path] = {"sample": sample_warehouse.warehouse}

    def warehouse(name: str) -> Path:
        if name not in cache:
            cache[name] = SETS[name](tmp_path_factory.mktemp(f"fingerprints-{name}"))
        return cache[name]

    return warehouse


@pytest.mark.parametrize("name", sorted(SETS))
def test_figures_match_the_baseline(built, name):
    warehouse = built(name)
    expected, actual = load_baseline(name), fingerprints(warehouse)
    changed = differences(expected, actual)
    assert not changed, (
        f"Le contenu de l'entrepôt « {name} » n'est plus celui de la référence "
        f"({baseline_path(name).name}) : {len(changed)} relation(s) sur {len(expected)}.\n"
        + "\n".join(f"  {line}" for line in changed)
        + f"\nEntrepôt construit : {warehouse}\n"
        f"Colonnes en cause : .venv/bin/python tests/fingerprints.py --columns {warehouse}, à comparer "
        f"avec la même commande sur le jeu construit avant le changement (--build {name} DOSSIER, voir "
        "tests/fingerprints.py).\n"
        "Ne régénérez la référence (.venv/bin/python tests/fingerprints.py --update) que pour un changement de "
        "chiffres voulu, justifié dans le message de commit."
    )


def test_excluded_columns_exist(built):
    """The exclusion list names real columns (a stale entry would hide nothing but mislead)."""
    present: dict[str, set[str]] = {}
    for name in sorted(SETS):
        warehouse = built(name)
        with duckdb.connect(str(warehouse), read_only=True) as con:
            for relation in relations(con):
                present.setdefault(relation, set()).update(column for column, _ in columns(con, relation))
    stale = [
        f"{relation}.{column}"
        for relation, cols in EXCLUDED.items()
        for column in cols
        if column not in present.get(relation, set())
    ]
    assert not stale, f"colonnes exclues introuvables dans les entrepôts construits : {', '.join(stale)}"
