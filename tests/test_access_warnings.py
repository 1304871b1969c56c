"""Numbers that can mislead come with a note: a category with very few places (real Tampere)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from jamlik.ingest import load_pack
from jamlik.runs.access import MIN_PLACES, AccessOptions, compute_pack_access

ROOT = Path(__file__).resolve().parents[1]


def test_one_park_in_the_extract_is_noted_schools_are_not() -> None:
    pack = load_pack(ROOT / "packs" / "tampere")
    options = AccessOptions(profiles=("adult",), categories=("park", "school"), grid_m=0)
    result = compute_pack_access(pack, options=options)
    counts = result.opportunities["category"].value_counts()
    assert counts["park"] < MIN_PLACES <= counts["school"]
    few = [n for n in result.notes if "park" in n and str(MIN_PLACES) in n]
    assert len(few) == 1 and str(int(counts["park"])) in few[0]
    assert not any("school" in n and str(MIN_PLACES) in n for n in result.notes)
    layers, _ = result.output_layers(pd.DataFrame())
    assert any("park" in str(v) for v in layers["notes"]["note"])
