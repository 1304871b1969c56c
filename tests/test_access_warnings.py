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


def test_street_nodes_without_population_are_never_called_residents(tmp_path) -> None:  # noqa: ANN001
    """Tampere has no population: the summary and the notes speak of street nodes."""
    import subprocess
    import sys
    from pathlib import Path

    jamlik = str(Path(sys.executable).with_name("jamlik"))
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [jamlik, "--lang", "en", "access", str(root / "packs" / "tampere"), "--profiles",
         "adult", "--categories", "grocery", "--out", str(tmp_path / "a.gpkg")],
        capture_output=True, text=True, check=True, env={"COLUMNS": "300", "PATH": ""},
    ).stdout  # fmt: skip
    text = " ".join(out.split())
    assert "Share of street nodes (not residents" in text
    assert "counts street-network nodes (weight 1), not residents" in text
    assert "Share of residents" not in text and "Homes lie on average" not in text
