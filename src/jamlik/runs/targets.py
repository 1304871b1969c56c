"""Targets of a pack: read the target file, track every target on the pack's statistics."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jamlik._toml import read_toml_file
from jamlik.i18n import t
from jamlik.indicators.vulnerability.targets import (
    TargetFile,
    TargetProgress,
    parse_targets,
    track_targets,
)
from jamlik.ingest import Pack

__all__ = ["TargetRun", "load_targets", "run_targets"]

METHOD = (
    "progress = (value - baseline) / (target - baseline); trend = least squares over "
    "the observed years from the baseline on; on track when the trend reaches the "
    "target by the deadline"
)


def load_targets(path: str | Path) -> TargetFile:
    """Read and validate a target file.

    Raises
    ------
    MissingFileError
        If the file does not exist.
    ConfigError
        If it is not TOML or a key is missing or invalid; the message names the file and the key
        (e.g. ``target[0].deadline_year``).
    """
    path = Path(path)
    return parse_targets(read_toml_file(path, what=t("runs.file_kind.targets")), source=str(path))


@dataclass(frozen=True)
class TargetRun:
    """Progress of every target and a JSON-ready summary (pack, file, method, sources)."""

    progresses: list[TargetProgress]
    summary: dict[str, Any]


def run_targets(
    pack: Pack, targets_path: str | Path, *, reference: Pack | None = None
) -> TargetRun:
    """Track the targets of ``targets_path`` on ``pack``'s statistics.

    ``reference`` is a wider pack whose areas fix the thresholds of the absolute measures.
    """
    targets = load_targets(targets_path)
    progresses = track_targets(
        pack.statistics(),
        targets,
        reference=None if reference is None else reference.statistics(),
    )
    summary = {
        "pack": pack.name,
        "reference_pack": None if reference is None else reference.name,
        "targets_file": str(targets_path),
        "method": METHOD,
        "targets": [p.as_dict() for p in progresses],
        "notes": sorted({note for p in progresses for note in p.notes}),
        "sources": [s.model_dump() for s in pack.sources],
    }
    return TargetRun(progresses=progresses, summary=summary)
