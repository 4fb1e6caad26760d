"""The accessibility record (``dashboard/audit/accessibility.json``) that the « Accessibilité » page reads
(:mod:`dashboard.conformity`): what the tests measured, criterion by criterion and page by page.

Every test that checks an RGAA criterion reports its result here. By default the result must equal the
record (a record that says more, or less, than the tests prove fails the test, as the fingerprints do);
with ``INSERTION_WRITE_AUDIT=1`` the run writes what it measured instead (then commit the record):

    INSERTION_WRITE_AUDIT=1 .venv/bin/python -m pytest tests/browser/test_browser_a11y.py \\
        tests/browser/test_browser_renewal.py tests/e2e/test_renewal_pdf.py tests/unit/test_contrast.py
"""

from __future__ import annotations

import json
import os
from datetime import date

from dashboard.conformity import AUDIT

WRITE = os.environ.get("INSERTION_WRITE_AUDIT") == "1"
_run: dict[str, dict] = {}  # this run's results (a check is ok when every test of it was)


def _load() -> dict:
    try:
        return json.loads(AUDIT.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _save(record: dict) -> None:
    record["date"] = date.today().strftime("%d/%m/%Y")
    AUDIT.parent.mkdir(parents=True, exist_ok=True)
    AUDIT.write_text(
        json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )


def check(key: str, ok: bool, detail: str = "") -> None:
    """Report one result of the check ``key`` (a key of ``dashboard.conformity.CRITERIA``)."""
    if WRITE:
        seen = _run.setdefault(key, {"ok": True, "detail": detail})
        seen["ok"] = seen["ok"] and bool(ok)
        if not ok:
            seen["detail"] = detail
        record = _load()
        record.setdefault("checks", {})[key] = dict(seen)
        _save(record)
        return
    recorded = _load().get("checks", {}).get(key)
    assert recorded is not None and recorded["ok"] == bool(ok), (
        f"dashboard/audit/accessibility.json says {key}: {recorded}, the test measured ok={ok} "
        f"({detail}); rerun with INSERTION_WRITE_AUDIT=1 once the product is right"
    )


def page(path: str, role: str, violations: int, tool: str = "") -> None:
    """Report the axe-core violations of ``path`` for ``role`` (the worst of its states)."""
    if WRITE:
        record = _load()
        if not _run.get("pages"):
            _run["pages"] = {"seen": True}
            record["pages"] = {}
        record.setdefault("pages", {}).setdefault(path, {})[role] = violations
        if tool:
            record["tool"] = tool
        _save(record)
        return
    recorded = _load().get("pages", {}).get(path, {}).get(role)
    assert recorded == violations, (
        f"dashboard/audit/accessibility.json says {recorded} violation(s) on {path} for {role}, the test "
        f"found {violations}; rerun with INSERTION_WRITE_AUDIT=1 once the product is right"
    )
