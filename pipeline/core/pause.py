"""A test hook: stop a command at a named point of its work, for a test to kill it there.

With ``INSERTION_PAUSE_AT=NAME`` in its environment, a command that reaches the point ``NAME`` says so on
stderr (« pause : NAME ») and waits; the test then kills it (SIGKILL: no rollback, no cleanup, as a power
cut or the kernel's out-of-memory killer would) and checks what the next command makes of the warehouse
(tests/models/test_reliability.py, tests/e2e/test_declarations.py). Without it, :func:`at` does nothing.

Points: ``declaration_committed`` (a declaration is committed, the snapshot not yet published) and
``unload_committed`` (a load's rows are removed, the figures not yet recomputed nor published).
"""

from __future__ import annotations

import os
import sys
import time

VARIABLE = "INSERTION_PAUSE_AT"


def at(point: str) -> None:
    """Wait here for ever when ``INSERTION_PAUSE_AT`` names ``point``; otherwise return at once."""
    if os.environ.get(VARIABLE) != point:
        return
    print(f"pause : {point}", file=sys.stderr, flush=True)
    while True:
        time.sleep(60)
