"""What every source shares (:class:`FileSource`): a load is identified by the file's sha256, a row of
cells is no header row of it, a worker process can read it; and what a source's write returns
(:class:`Written`).

The interface itself is :class:`pipeline.load.sources.Source`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

# a score of ``detect`` that no other source can beat: the file is recognised by its name or its
# structure (an RNCP export, a ROME file), not by how many of its headers a kind knows
CERTAIN = 100


@dataclass
class Written:
    """What a source wrote in the load's transaction."""

    verdict: object  # pipeline.load.gate.Verdict: recorded with the load
    rows_loaded: int
    rows_quarantined: int = 0
    fields_set_aside: int = 0
    rows_warned: int = 0
    rows_read: int | None = None  # when known only once written (a streamed RNCP export), else the batch's


class FileSource:
    """Defaults of :class:`~pipeline.load.sources.Source`; a source overrides ``detect``, ``read`` and
    ``write``."""

    kind: str = ""
    loads: str | None = None  # the kind of the rows it loads, when not its own name (see Source)
    unit = "lignes"
    parallel = True

    def __init__(self) -> None:
        if self.loads is None:
            self.loads = self.kind

    def __repr__(self) -> str:
        return f"<source {self.kind}>"

    def score(self, headers: list[str], header_mapping: Path | None = None) -> int:
        """How well a row of cells names this source's columns (0: not a header row of it)."""
        return 0

    def check(self, path: Path, settings, key: bytes, gate, mapping=None, in_place=None):
        """(batch, verdict): the file read whole and validated by the gate (a batch without frame is
        streamed and validated by ``write``: no verdict yet). A tabular source checks chunk by chunk
        instead (:meth:`pipeline.load.sources.tabular.Tabular.check`)."""
        batch = self.read(path, settings, key, mapping)
        verdict = (
            gate.validate(batch.frame, batch.kind.suite, batch.kind.define_row)
            if batch.frame is not None
            else None
        )
        return batch, verdict

    def digest(self, path: Path, mapping: Path | None = None) -> str:
        """The file's sha256."""
        sha = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                sha.update(chunk)
        return sha.hexdigest()
