"""A sample plan for the generated town: homes, a school and a bus line in its poorest area.

The plan is written as a scenario file (the format of :mod:`jamlik.ingest.scenario`, coordinates
in the town's EPSG:3006), so the demo runs it like a planner's own file:

* **homes**: 300 dwellings on a 250 m square around a street node of the area with the largest
  share of low-income residents in the latest year;
* **a school** in the same area, 150 m from the homes;
* **a footbridge** across the river where it is farthest from every existing bridge, between the
  street nodes nearest the river on each bank at that point (both within 150 m of the water);
* **a bus line** (``[[transit_lines]]``, Buss 10) from the school past the new homes to the
  street node nearest the town centre, with three stops between at the street nodes nearest
  the evenly spaced points of the straight line from the homes; 20 km/h (the run time covers
  the streets' detour), both directions, every 10 minutes in the weekday peaks, 15 between,
  30 in the evening and at weekends.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely

from jamlik.datasets.town import ORIGIN_X, ORIGIN_Y, Town

__all__ = ["town_scenario", "write_town_scenario"]


def _poorest_area(town: Town) -> str:
    stats = town.statistics
    latest = stats[stats["year"] == stats["year"].max()]
    share = latest["low_income"] / latest["pop_total"].where(latest["pop_total"] > 0)
    return str(latest.loc[share.idxmax(), "area_id"])


def _footbridge(town: Town) -> tuple[tuple[float, float], tuple[float, float]] | None:
    river = shapely.union_all(town.barrier.geometry.to_numpy())
    x, y = town.node_x, town.node_y
    points = shapely.points(x, y)
    near = np.flatnonzero(shapely.distance(river, points) <= 150.0)
    if near.size < 2:
        return None
    # A node is south of the river when a line going north from it crosses the water.
    north_lines = shapely.linestrings(
        np.stack([np.stack([x[near], y[near]], 1), np.stack([x[near], y[near] + 5_000.0], 1)], 1)
    )
    south = shapely.intersects(north_lines, river)
    streets = town.streets
    bridges = streets[streets["bridge"].to_numpy(dtype=bool)]
    bridge_x = (x[bridges["u"].to_numpy()] + x[bridges["v"].to_numpy()]) / 2.0
    xmin, _, xmax, _ = river.bounds
    candidates = np.linspace(xmin + 200.0, xmax - 200.0, 200)
    gap = (
        np.min(np.abs(candidates[:, None] - bridge_x[None, :]), axis=1)
        if bridge_x.size
        else np.full(candidates.size, np.inf)
    )
    for at in candidates[np.argsort(-gap)]:
        pair = []
        for side in (south, ~south):
            options = near[side]
            dx = np.abs(x[options] - at)
            if not (dx <= 60.0).any():
                break
            pair.append(int(options[np.argmin(dx)]))
        if len(pair) == 2:
            a, b = pair
            return (float(x[a]), float(y[a])), (float(x[b]), float(y[b]))
    return None


def _bus_line(town: Town, school: tuple[float, float], homes: tuple[float, float]) -> list[str]:
    """Scenario lines of the new bus line, from the school past the homes to the centre."""
    x, y = town.node_x, town.node_y
    end = int(np.argmin(np.hypot(x - ORIGIN_X, y - ORIGIN_Y)))
    stops = [school, homes]
    for share in (0.25, 0.5, 0.75):
        px = homes[0] + share * (x[end] - homes[0])
        py = homes[1] + share * (y[end] - homes[1])
        k = int(np.argmin(np.hypot(x - px, y - py)))
        stops.append((float(x[k]), float(y[k])))
    stops.append((float(x[end]), float(y[end])))
    points = ", ".join(f"[{px:.1f}, {py:.1f}]" for px, py in stops)
    names = ["Nya skolan", "Älvstranden", "Mellanvägen", "Bron", "Torggatan", "Centrum"]
    return [
        "",
        "[[transit_lines]]",
        'name = "Buss 10"',
        'mode = "bus"',
        f"stops = [{points}]",
        "stop_names = [" + ", ".join(f'"{n}"' for n in names) + "]",
        "speed_kmh = 20",
        "headways = [",
        '    { day_type = "weekday", hours = "6-9", minutes = 10 },',
        '    { day_type = "weekday", hours = "9-15", minutes = 15 },',
        '    { day_type = "weekday", hours = "15-18", minutes = 10 },',
        '    { day_type = "weekday", hours = "18-23", minutes = 30 },',
        '    { day_type = "saturday", hours = "7-23", minutes = 30 },',
        '    { day_type = "sunday", hours = "8-23", minutes = 30 },',
        "]",
    ]


def town_scenario(town: Town) -> str:
    """Return the sample plan as the text of a scenario file (see the module docstring)."""
    area_id = _poorest_area(town)
    area = town.areas.set_index("area_id").loc[area_id, "geometry"]
    centre = area.representative_point()
    inside = shapely.contains_xy(area, town.node_x, town.node_y)
    nodes = np.flatnonzero(inside)
    if nodes.size:
        k = nodes[np.argmin(np.hypot(town.node_x[nodes] - centre.x, town.node_y[nodes] - centre.y))]
        cx, cy = float(town.node_x[k]), float(town.node_y[k])
    else:
        cx, cy = float(centre.x), float(centre.y)
    half = 125.0
    square = [
        [cx - half, cy - half],
        [cx + half, cy - half],
        [cx + half, cy + half],
        [cx - half, cy + half],
        [cx - half, cy - half],
    ]
    ring = ", ".join(f"[{px:.1f}, {py:.1f}]" for px, py in square)
    lines = [
        "# A sample plan for the generated town Älvvik (made by jamlik.datasets.scenario).",
        "[scenario]",
        'name = "alvvik-plan"',
        'title = "Nya bostäder, en skola och en busslinje i ' + area_id + ', gångbro över älven"',
        'crs = "EPSG:3006"',
        "",
        "[[homes]]",
        'name = "Kvarter Älvstranden"',
        f"polygon = [{ring}]",
        "dwellings = 300",
        "tenure = { rental = 0.5, tenant_owned = 0.3, owner_occupied = 0.2 }",
        "",
        "[[services]]",
        'name = "Ny F-6-skola"',
        'category = "school"',
        f"point = [{cx + 150.0:.1f}, {cy:.1f}]",
    ]
    bridge = _footbridge(town)
    if bridge is not None:
        (ax, ay), (bx, by) = bridge
        lines += [
            "",
            "[[links]]",
            'name = "Gångbro över älven"',
            f"coordinates = [[{ax:.1f}, {ay:.1f}], [{bx:.1f}, {by:.1f}]]",
            'modes = ["walk", "bike"]',
        ]
    lines += _bus_line(town, (cx + 150.0, cy), (cx, cy))
    return "\n".join(lines) + "\n"


def write_town_scenario(town: Town, path: str | Path) -> Path:
    """Write :func:`town_scenario` to ``path`` (a ``.toml`` file) and return it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(town_scenario(town), encoding="utf-8")
    tmp.replace(path)
    return path
