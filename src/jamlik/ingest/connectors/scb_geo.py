"""DeSO and RegSO polygons from SCB's open geodata (GeoServer WFS, CC0).

``GetFeature`` on ``https://geodata.scb.se/geoserver/stat/wfs`` (WFS 1.1.0) with
``outputFormat=application/json`` and ``srsName=EPSG:3006`` answers GeoJSON in SWEREF 99 TM
(easting, northing), one feature per area with ``desokod``/``regsokod``, ``regsonamn`` (RegSO),
``kommunkod``, ``lanskod`` and ``version``. The areas of some municipalities or of a county are
chosen with a CQL filter; the answer is read in pages (``startIndex``/``maxFeatures``, sorted by
the area code) so a large county is never cut off by the server's feature limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import pandas as pd

from jamlik.i18n import t
from jamlik.ingest.connectors.http import FetchError, HttpClient

__all__ = ["AreaSelection", "fetch_areas", "wfs_params"]

Level = Literal["deso", "regso"]


@dataclass(frozen=True)
class AreaSelection:
    """Municipalities (``kommuner``, 4-digit codes) or a county (``lan``, 2 digits)."""

    kommuner: tuple[str, ...] = ()
    lan: str | None = None

    def cql(self) -> str:
        """Return the CQL filter of this selection."""
        if self.lan is not None:
            return f"lanskod='{self.lan}'"
        codes = ",".join(f"'{k}'" for k in self.kommuner)
        return f"kommunkod IN ({codes})"

    @property
    def label(self) -> str:
        """A short text naming the selection (for messages and file names)."""
        return f"län {self.lan}" if self.lan else ", ".join(self.kommuner)


def wfs_params(
    layer: str, selection: AreaSelection, *, crs: str, start: int, count: int, sort_by: str
) -> dict[str, str]:
    """Return the query parameters of one page of ``GetFeature``."""
    return {
        "service": "WFS",
        "version": "1.1.0",
        "request": "GetFeature",
        "typeName": layer,
        "outputFormat": "application/json",
        "srsName": crs,
        "CQL_FILTER": selection.cql(),
        "sortBy": sort_by,
        "startIndex": str(start),
        "maxFeatures": str(count),
    }


def fetch_areas(
    client: HttpClient,
    *,
    wfs_url: str,
    layer: str,
    level: Level,
    selection: AreaSelection,
    crs: str = "EPSG:3006",
    page_size: int = 1000,
) -> tuple[gpd.GeoDataFrame, str]:
    """Fetch the DeSO or RegSO polygons of ``selection``.

    Returns
    -------
    areas
        Columns ``area_id``, ``name`` (RegSO name; the code for DeSO, which have no names),
        ``regsokod`` (DeSO only), ``kommunkod``, ``lanskod`` and the polygons in ``crs``.
    retrieved
        ISO date of the download.
    """
    code = "desokod" if level == "deso" else "regsokod"
    pages: list[gpd.GeoDataFrame] = []
    retrieved = ""
    start = 0
    while True:
        params = wfs_params(layer, selection, crs=crs, start=start, count=page_size, sort_by=code)
        got = client.get(wfs_url, params=params, max_age_s=30 * 24 * 3600.0)
        retrieved = got.retrieved
        doc = got.json()
        features = doc.get("features") if isinstance(doc, dict) else None
        if features is None:
            raise FetchError(t("ingest.scb.not_geojson", url=wfs_url, layer=layer))
        if features:
            pages.append(gpd.GeoDataFrame.from_features(features, crs=crs))
        if len(features) < page_size:
            break
        start += page_size
    if not pages:
        raise FetchError(t("ingest.scb.no_areas", level=level.upper(), selection=selection.label))
    frame = pd.concat(pages, ignore_index=True)
    missing = [c for c in (code, "kommunkod", "lanskod") if c not in frame]
    if missing:
        raise FetchError(
            t("ingest.scb.features_lack", url=wfs_url, layer=layer, missing=", ".join(missing))
        )
    frame = frame.drop_duplicates(subset=code).reset_index(drop=True)
    name = frame["regsonamn"] if level == "regso" and "regsonamn" in frame else frame[code]
    columns = {
        "area_id": frame[code].astype(str),
        "name": name.astype(str),
        "kommunkod": frame["kommunkod"].astype(str),
        "lanskod": frame["lanskod"].astype(str),
    }
    if level == "deso" and "regsokod" in frame:
        columns["regsokod"] = frame["regsokod"].astype(str)
    out = gpd.GeoDataFrame(columns, geometry=frame.geometry.to_numpy(), crs=crs)
    return out, retrieved
