"""Read and validate the tables of a data pack: areas, statistics, cells and opportunity layers.

Every reader returns what it could read together with a list of :class:`~jamlik.errors.Problem`
(and :class:`~jamlik.errors.ProblemWarning`) describing everything wrong with the input, so that
``jamlik pack check`` can report all problems at once. Readers never raise on bad data; the pack
loader (:mod:`jamlik.ingest.pack`) decides whether the problems are fatal.

Problems name the place in the file as people look it up: in a CSV its *line*, the header being
line 1 so the first data row is line 2 (sv "rad 2", en "line 2"; as the GTFS validator's
``csvRowNumber``); in a Parquet table its record and in a vector layer its feature, from 1. The
readers keep that number as the table's index (named ``line``, ``record`` or ``feature``), so
every later check can name it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely

from jamlik.errors import Problem, ProblemWarning
from jamlik.i18n import format_number, t
from jamlik.ingest._lines import LINE, with_lines
from jamlik.ingest.crs_checks import check_coordinates, check_geometries

__all__ = [
    "format_rows",
    "parse_crs",
    "read_areas",
    "read_points",
    "read_statistics_table",
    "read_table",
    "unit_of",
]

#: Column names reserved in :meth:`Pack.statistics` and in cell tables.
RESERVED_COLUMNS = frozenset({"area_id", "year", "pop_total", "id", "x", "y", "geometry"})
_MAX_LISTED = 8


def format_rows(rows: Sequence[int] | np.ndarray) -> int | str:
    """Return one row number, or a short text listing the first rows and how many more there are.

    Parameters
    ----------
    rows
        The numbers as the problem names them: file lines (header = line 1), or record or
        feature numbers from 1 (see the module docstring).
    """
    numbers = [int(r) for r in rows]
    if len(numbers) == 1:
        return numbers[0]
    shown = ", ".join(str(n) for n in numbers[:_MAX_LISTED])
    more = len(numbers) - _MAX_LISTED
    return f"{shown} {t('problem.more', n=more)}" if more > 0 else shown


def unit_of(index: pd.Index) -> str:
    """Return what a reader's index counts: ``line`` (CSV), ``record`` (Parquet) or ``feature``."""
    return str(index.name) if index.name in ("record", "feature") else LINE


def parse_crs(
    value: str, *, file: str, column: str | None, require_metric: bool
) -> tuple[pyproj.CRS | None, list[Problem]]:
    """Parse a CRS; with ``require_metric`` a geographic or non-metre CRS is a problem."""
    try:
        crs = pyproj.CRS.from_user_input(value)
    except pyproj.exceptions.CRSError:
        return None, [Problem(file, t("ingest.table.unknown_crs", crs=value), None, column)]
    if not require_metric:
        return crs, []
    if crs.is_geographic or not crs.is_projected:
        msg = t("ingest.table.geographic_crs", crs=value, name=crs.name)
        return None, [Problem(file, msg, None, column)]
    units = {axis.unit_name for axis in crs.axis_info}
    if not units <= {"metre", "meter"}:
        msg = t("ingest.table.not_metres", crs=value, name=crs.name, units=sorted(units))
        return None, [Problem(file, msg, None, column)]
    return crs, []


def _sniff_separator(path: Path) -> str:
    with path.open(encoding="utf-8-sig", errors="replace") as handle:
        sample = handle.read(65536)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def read_table(path: Path, *, label: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a CSV (separator sniffed among ``, ; TAB``) or Parquet table with every column as text.

    Columns are kept as strings (missing cells as NaN) so that ids keep leading zeros and
    non-numeric values can be reported by row; callers convert the columns they need. The
    index holds each row's line in the CSV (header = line 1), or its record number from 1 in a
    Parquet table.
    """
    if not path.is_file():
        return None, [Problem(label, t("ingest.table.file_missing", path=str(path)))]
    parquet = path.suffix.lower() in {".parquet", ".pq"}
    text = ""
    if not parquet:
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            return None, [Problem(label, t("table.not_utf8", line=line))]
    try:
        if parquet:
            frame = pd.read_parquet(path)
            frame = frame.astype(str).where(frame.notna(), np.nan)
            frame.index = pd.RangeIndex(1, len(frame) + 1, name="record")
        else:
            frame = pd.read_csv(
                io.StringIO(text), sep=_sniff_separator(path), dtype=str, skipinitialspace=True
            )
            frame = with_lines(frame, text)
    except (OSError, ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        return None, [Problem(label, t("ingest.table.unreadable", reason=exc))]
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, []


def _missing_columns(
    frame: pd.DataFrame, wanted: Mapping[str, str | None], *, label: str
) -> list[Problem]:
    problems = []
    for key, column in wanted.items():
        if column is not None and column not in frame.columns:
            have = ", ".join(map(str, frame.columns))
            msg = t("ingest.table.missing_column", column=column, key=key, have=have)
            problems.append(Problem(label, msg, None, column))
    return problems


def _apply_filter(
    frame: pd.DataFrame, filters: Mapping[str, Any], *, label: str
) -> tuple[pd.DataFrame, list[Problem]]:
    problems = _missing_columns(frame, {f"filter.{k}": k for k in filters}, label=label)
    if problems:
        return frame, problems
    keep = np.ones(len(frame), dtype=bool)
    for column, value in filters.items():
        keep &= (frame[column].astype(str).str.strip() == str(value)).to_numpy()
    if not keep.any():
        problems.append(Problem(label, t("ingest.table.filter_empty", filter=dict(filters))))
    return frame.loc[keep], problems


#: No statistical area or cell anywhere holds more people (or jobs) than this.
MAX_COUNT = 50_000_000


def to_counts(
    frame: pd.DataFrame, column: str, *, label: str, what: str, empty_as_zero: bool = False
) -> tuple[np.ndarray, list[Problem]]:
    """Convert a text column of counts to float; report empty, non-numeric and negative values.

    The index of ``frame`` holds the rows' numbers as problems name them (:func:`read_table`).
    With ``empty_as_zero`` empty cells become 0 and are reported as a warning only.
    """
    raw = frame[column]
    pos = np.asarray(frame.index)
    unit = unit_of(frame.index)
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    problems: list[Problem] = []
    missing = np.flatnonzero(raw.isna().to_numpy())
    if missing.size and empty_as_zero:
        values[missing] = 0.0
        msg = t("ingest.table.empty_as_zero", what=what, n=missing.size)
        problems.append(ProblemWarning(label, msg, format_rows(pos[missing]), column, unit))
    elif missing.size:
        msg = t("ingest.table.empty_count", what=what)
        problems.append(Problem(label, msg, format_rows(pos[missing]), column, unit))
    bad = np.flatnonzero(np.isnan(values) & raw.notna().to_numpy())
    if bad.size:
        sample = ", ".join(repr(str(v)) for v in raw.iloc[bad[:3]])
        msg = t("ingest.table.not_a_number", what=what, sample=sample)
        problems.append(Problem(label, msg, format_rows(pos[bad]), column, unit))
    bad = np.flatnonzero(~np.isfinite(values) & ~np.isnan(values))
    if bad.size:
        msg = t("ingest.table.infinite", what=what)
        problems.append(Problem(label, msg, format_rows(pos[bad]), column, unit))
    negative = np.flatnonzero(values < 0)
    if negative.size:
        msg = t("ingest.table.negative", what=what, value=f"{values[negative[0]]:g}")
        problems.append(Problem(label, msg, format_rows(pos[negative]), column, unit))
    absurd = np.flatnonzero(np.isfinite(values) & (values > MAX_COUNT))
    if absurd.size:
        limit = format_number(MAX_COUNT)
        msg = t("ingest.table.absurd", what=what, value=f"{values[absurd[0]]:g}", limit=limit)
        problems.append(Problem(label, msg, format_rows(pos[absurd]), column, unit))
    return values, problems


def _groups_within_total(
    total: np.ndarray,
    groups: Mapping[str, np.ndarray],
    columns: Mapping[str, str],
    *,
    label: str,
    positions: np.ndarray,
    unit: str,
) -> list[Problem]:
    problems = []
    for name, values in groups.items():
        over = np.flatnonzero((values > total) & (total >= 0))
        if over.size:
            first = over[0]
            msg = t("ingest.table.group_over_total", name=name, value=f"{values[first]:g}",
                    total=f"{total[first]:g}")  # fmt: skip
            problems.append(Problem(label, msg, format_rows(positions[over]), columns[name], unit))
    return problems


def _duplicates(values: pd.Series, *, label: str, column: str, what: str) -> list[Problem]:
    """Report repeated values; the index of ``values`` holds the rows' numbers.

    ``what`` names the values: ``area_ids``, ``area_years`` or ``ids``.
    """
    dup = values.duplicated(keep=False).to_numpy()
    if not dup.any():
        return []
    ids = list(dict.fromkeys(values[dup].astype(str)))
    shown = ", ".join(ids[:_MAX_LISTED])
    if len(ids) > _MAX_LISTED:
        shown += " " + t("problem.more", n=len(ids) - _MAX_LISTED)
    msg = t(f"ingest.table.not_unique.{what}", shown=shown)
    rows = format_rows(np.asarray(values.index)[dup])
    return [Problem(label, msg, rows, column, unit_of(values.index))]


def read_areas(
    path: Path,
    *,
    label: str,
    layer: str | None,
    id_column: str,
    name_column: str | None,
    filters: Mapping[str, Any],
    declared_crs: str | None,
    pack_crs: pyproj.CRS | None,
) -> tuple[gpd.GeoDataFrame | None, frozenset[str], list[Problem]]:
    """Read the area polygons.

    Returns
    -------
    areas
        Index ``area_id`` (text), column ``name``, polygons in the pack CRS; ``None`` when the
        file cannot be used at all.
    all_ids
        Every id in the file before ``filter`` (statistics rows for filtered-out areas are fine).
    problems
        Everything found wrong.
    """
    if not path.is_file():
        return (
            None,
            frozenset(),
            [Problem(label, t("ingest.table.file_missing", path=str(path)))],
        )
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(path)]
    except (pyogrio.errors.DataSourceError, OSError) as exc:
        return None, frozenset(), [Problem(label, t("ingest.table.not_vector", reason=exc))]
    if layer is None and len(layers) > 1:
        msg = t("ingest.table.several_layers", layers=", ".join(layers))
        return None, frozenset(), [Problem(label, msg, None, "layer")]
    if layer is not None and layer not in layers:
        msg = t("ingest.table.unknown_layer", layer=layer, layers=", ".join(layers))
        return None, frozenset(), [Problem(label, msg, None, "layer")]
    try:
        frame = pyogrio.read_dataframe(path, layer=layer)
    except (pyogrio.errors.DataSourceError, OSError, ValueError) as exc:
        return None, frozenset(), [Problem(label, t("ingest.table.layer_unreadable", reason=exc))]
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="feature")
    problems = _missing_columns(frame, {"id": id_column, "name": name_column}, label=label)
    if problems:
        return None, frozenset(), problems
    ids = frame[id_column]
    null = np.flatnonzero(ids.isna().to_numpy())
    if null.size:
        rows = format_rows(frame.index[null])
        problems.append(Problem(label, t("ingest.table.area_id_empty"), rows, id_column, "feature"))
    frame[id_column] = ids.astype(str).str.strip()
    problems += _duplicates(frame[id_column], label=label, column=id_column, what="area_ids")
    all_ids = frozenset(frame[id_column])
    frame, filter_problems = _apply_filter(frame, filters, label=label)
    frame = frame.copy()
    problems += filter_problems
    positions = np.asarray(frame.index)
    geometry = frame.geometry.to_numpy()
    empty = shapely.is_missing(geometry) | shapely.is_empty(geometry)
    if empty.any():
        msg = t("ingest.table.no_geometry")
        problems.append(Problem(label, msg, format_rows(positions[empty]), "geometry", "feature"))
    kind = shapely.get_type_id(geometry)
    not_polygon = ~empty & ~np.isin(kind, [3, 6])
    if not_polygon.any():
        msg = t("ingest.table.not_polygon")
        rows = format_rows(positions[not_polygon])
        problems.append(Problem(label, msg, rows, "geometry", "feature"))
    invalid = ~empty & ~not_polygon & ~shapely.is_valid(geometry)
    if invalid.any():
        msg = t("ingest.table.made_valid")
        rows = format_rows(positions[invalid])
        problems.append(ProblemWarning(label, msg, rows, "geometry", "feature"))
        frame.loc[invalid, frame.geometry.name] = shapely.make_valid(geometry[invalid])
    crs_problems, frame = _to_pack_crs(frame, label=label, declared=declared_crs, pack_crs=pack_crs)
    problems += crs_problems
    out = gpd.GeoDataFrame(
        {
            "name": frame[name_column].fillna(frame[id_column]).astype(str)
            if name_column
            else frame[id_column]
        },
        geometry=frame.geometry.to_numpy(),
        crs=frame.crs,
    )
    out.index = pd.Index(frame[id_column].to_numpy(), name="area_id")
    return out, all_ids, problems


def _to_pack_crs(
    frame: gpd.GeoDataFrame, *, label: str, declared: str | None, pack_crs: pyproj.CRS | None
) -> tuple[list[Problem], gpd.GeoDataFrame]:
    problems: list[Problem] = []
    if declared is not None:
        crs, problems = parse_crs(declared, file=label, column="crs", require_metric=False)
        if crs is None:
            return problems, frame
        if frame.crs is not None and not pyproj.CRS(frame.crs).equals(crs):
            msg = t("ingest.table.crs_differs", declared=declared, name=frame.crs.name)
            return [Problem(label, msg, None, "crs")], frame
        frame = frame.set_crs(crs, allow_override=True)
    if frame.crs is None:
        msg = t("ingest.table.no_crs")
        return [Problem(label, msg, None, "crs")], frame
    problems += check_geometries(
        frame.geometry.to_numpy(), crs=pyproj.CRS(frame.crs), label=label,
        rows=np.asarray(frame.index), unit="feature", pack_crs=pack_crs,
    )  # fmt: skip
    if pack_crs is not None and not pyproj.CRS(frame.crs).equals(pack_crs):
        msg = t("ingest.table.reprojected", name=frame.crs.name, pack_crs=pack_crs.name)
        problems.append(ProblemWarning(label, msg, None, "crs"))
        frame = frame.to_crs(pack_crs)
    return problems, frame


def read_statistics_table(
    path: Path,
    *,
    label: str,
    area_id: str,
    year: str | None,
    total: str | None,
    groups: Mapping[str, str],
    filters: Mapping[str, Any],
    attributes: Sequence[str] | None,
    known_ids: frozenset[str] | None,
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read one statistics table into long form.

    Returns a frame with columns ``area_id``, ``year`` (nullable integer, all missing for a
    snapshot table), ``pop_total`` when ``total`` is set, one column per group name and the
    attribute columns: the listed ``attributes`` or else every other all-numeric column.
    """
    frame, problems = read_table(path, label=label)
    if frame is None:
        return None, problems
    wanted: dict[str, str | None] = {"area_id": area_id, "year": year, "total": total}
    wanted |= {f"groups.{name}": col for name, col in groups.items()}
    wanted |= {f"attributes[{i}]": col for i, col in enumerate(attributes or [])}
    problems += _missing_columns(frame, wanted, label=label)
    if problems:
        return None, problems
    frame, filter_problems = _apply_filter(frame, filters, label=label)
    problems += filter_problems
    positions = np.asarray(frame.index)
    unit = unit_of(frame.index)
    out = pd.DataFrame(index=frame.index)
    ids = frame[area_id].astype(str).str.strip()
    empty_ids = frame[area_id].isna().to_numpy()
    if empty_ids.any():
        msg = t("ingest.table.row_area_id_empty")
        problems.append(Problem(label, msg, format_rows(positions[empty_ids]), area_id, unit))
    if known_ids is not None:
        unknown = ~ids.isin(known_ids).to_numpy() & ~empty_ids
        if unknown.any():
            names = ", ".join(dict.fromkeys(ids[unknown].tolist()[:_MAX_LISTED]))
            msg = t("ingest.table.unknown_area_ids", names=names)
            problems.append(Problem(label, msg, format_rows(positions[unknown]), area_id, unit))
    out["area_id"] = ids
    if year is not None:
        years = pd.to_numeric(frame[year], errors="coerce")
        bad = (years.isna() | (years.round() != years)).to_numpy()
        if bad.any():
            msg = t("ingest.table.bad_year")
            problems.append(Problem(label, msg, format_rows(positions[bad]), year, unit))
        out["year"] = years.round().astype("Int64")
        keys = out["area_id"] + "/" + out["year"].astype(str)
        problems += _duplicates(keys, label=label, column=area_id, what="area_years")
    else:
        out["year"] = pd.array([pd.NA] * len(out), dtype="Int64")
        problems += _duplicates(out["area_id"], label=label, column=area_id, what="area_ids")
    counts: dict[str, np.ndarray] = {}
    if total is not None:
        tot, found = to_counts(frame, total, label=label, what=t("ingest.table.population"))
        problems += found
        out["pop_total"] = tot
    for name, column in groups.items():
        values, found = to_counts(frame, column, label=label, what=name)
        problems += found
        counts[name] = values
        out[name] = values
    if total is not None:
        problems += _groups_within_total(
            out["pop_total"].to_numpy(), counts, groups, label=label, positions=positions,
            unit=unit,
        )  # fmt: skip
    used = {area_id, year, total, *groups.values(), *filters}
    candidates = attributes if attributes is not None else [c for c in frame if c not in used]
    for column in candidates:
        numeric = pd.to_numeric(frame[column], errors="coerce")
        if attributes is None and bool((numeric.isna() & frame[column].notna()).any()):
            continue  # text column (names, labels): not kept
        if attributes is not None and bool((numeric.isna() & frame[column].notna()).any()):
            bad = np.flatnonzero((numeric.isna() & frame[column].notna()).to_numpy())
            msg = t("ingest.table.attribute_not_number")
            problems.append(Problem(label, msg, format_rows(positions[bad]), column, unit))
        if column in RESERVED_COLUMNS or column in groups:
            continue
        out[column] = numeric.to_numpy(dtype=float)
    return out.reset_index(drop=True), problems


def read_points(
    path: Path,
    *,
    label: str,
    id_column: str | None,
    x: str,
    y: str,
    crs: str | None,
    pack_crs: pyproj.CRS | None,
    counts: Mapping[str, str],
    filters: Mapping[str, Any],
    empty_as_zero: bool = False,
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a table of points (cells or opportunities) and project it to the pack CRS.

    Parameters
    ----------
    counts
        Output column name -> source column of non-negative counts.

    Returns
    -------
    DataFrame
        Columns ``id`` (text; the data row's number from 1 when ``id_column`` is None), ``x``,
        ``y`` (pack CRS, metres) and one float column per entry of ``counts``; the index holds
        the rows' numbers as problems name them (:func:`read_table`).
    """
    frame, problems = read_table(path, label=label)
    if frame is None:
        return None, problems
    wanted: dict[str, str | None] = {"id": id_column, "x": x, "y": y}
    wanted |= dict(counts)
    problems += _missing_columns(frame, wanted, label=label)
    if problems:
        return None, problems
    ordinal = pd.Series(np.arange(1, len(frame) + 1), index=frame.index)
    frame, filter_problems = _apply_filter(frame, filters, label=label)
    problems += filter_problems
    positions = np.asarray(frame.index)
    unit = unit_of(frame.index)
    out = pd.DataFrame(index=frame.index)
    if id_column is not None:
        out["id"] = frame[id_column].astype(str).str.strip()
        problems += _duplicates(out["id"], label=label, column=id_column, what="ids")
    else:
        out["id"] = ordinal.loc[frame.index].astype(str)
    coords = {}
    for column in (x, y):
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values)
        if bad.any():
            msg = t("ingest.table.bad_coordinate")
            problems.append(Problem(label, msg, format_rows(positions[bad]), column, unit))
        coords[column] = values
    source_crs = pack_crs
    if crs is not None:
        source_crs, crs_problems = parse_crs(crs, file=label, column="crs", require_metric=False)
        problems += crs_problems
    if source_crs is not None:
        problems += check_coordinates(
            coords[x], coords[y], crs=source_crs, label=label, column=x, rows=positions,
            unit=unit, pack_crs=pack_crs,
        )  # fmt: skip
    if source_crs is not None and pack_crs is not None:
        transformer = pyproj.Transformer.from_crs(source_crs, pack_crs, always_xy=True)
        px, py = transformer.transform(coords[x], coords[y])
        out["x"], out["y"] = np.asarray(px, dtype=float), np.asarray(py, dtype=float)
        bad = ~(np.isfinite(out["x"].to_numpy()) & np.isfinite(out["y"].to_numpy()))
        bad &= np.isfinite(coords[x]) & np.isfinite(coords[y])
        if bad.any():
            msg = t("ingest.table.cannot_project", name=source_crs.name)
            problems.append(Problem(label, msg, format_rows(positions[bad]), x, unit))
    for name, column in counts.items():
        values, found = to_counts(
            frame, column, label=label, what=name, empty_as_zero=empty_as_zero
        )
        problems += found
        out[name] = values
    return out, problems
