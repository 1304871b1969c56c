"""The data pack the web app serves: the one in the settings, else the generated sample town.

Loaded once per process on first use (not at start-up, so the server answers at once) and
shared by the analyst pages and the dialogue.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from jamlik.web.settings import Settings

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["PackContext", "pack_context"]

_lock = threading.Lock()
_cache: dict[tuple[str, str], PackContext] = {}


@dataclass(frozen=True)
class PackContext:
    """A loaded pack with what the web pages need ready to hand.

    Attributes
    ----------
    path
        Folder of the pack.
    title
        The pack's title.
    areas_wgs84
        Statistical areas (index ``area_id``, ``name``) in WGS84 for maps and forms.
    areas
        The same areas in the pack's metric CRS.
    population
        Residents per area for the pack's population year: ``pop_total`` and groups.
    """

    path: Path
    title: str
    areas_wgs84: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame
    population: pd.DataFrame


def _sample_town_pack(cache_dir: Path) -> Path:
    from jamlik.datasets import generate_town, write_town_pack

    folder = cache_dir / "sample-town"
    if not (folder / "pack.toml").is_file():
        write_town_pack(generate_town(), folder)
    return folder


def pack_context(settings: Settings) -> PackContext:
    """Return the loaded pack of ``settings`` (loading it on first call).

    Raises
    ------
    jamlik.errors.PackError
        If the pack cannot be loaded (each problem listed).
    """
    key = (str(settings.pack), str(settings.cache_dir))
    with _lock:
        if key in _cache:
            return _cache[key]
        import pandas as pd

        from jamlik.ingest import load_pack

        path = settings.pack or _sample_town_pack(Path(settings.cache_dir))
        pack = load_pack(path)
        areas = pack.areas()
        population = pack.population() if pack.has_areas else pd.DataFrame()
        context = PackContext(
            path=Path(path),
            title=pack.title,
            areas_wgs84=areas.to_crs(4326),
            areas=areas,
            population=population,
        )
        _cache[key] = context
        return context
