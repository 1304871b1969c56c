"""The generated sample town *Älvvik* (synthetic, CC0) and large benchmark street graphs.

``jamlik.datasets`` is the lowest layer of jamlik: it imports no other pipeline stage.

* :func:`generate_town` draws a complete, plausible small Swedish town (streets, areas,
  statistics 2020-2023, buildings, services, parks, a river) in EPSG:3006;
* :func:`write_town_pack` writes it as a data pack (``town.osm.pbf``, ``areas.gpkg``,
  ``statistics.csv``, ``pack.toml``) that ``jamlik`` can load like real data;
* :func:`write_town_scenario` writes a sample plan for it (homes, a school, a footbridge);
* :func:`street_arrays` returns a large connected street graph as arrays, for benchmarks.
"""

from jamlik.datasets._pack import write_town_pack
from jamlik.datasets.scenario import town_scenario, write_town_scenario
from jamlik.datasets.town import Town, generate_town, street_arrays

__all__ = [
    "Town",
    "generate_town",
    "street_arrays",
    "town_scenario",
    "write_town_pack",
    "write_town_scenario",
]
