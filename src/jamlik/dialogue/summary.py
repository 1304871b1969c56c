"""Residents' contributions per area and per SKA aspect, and who took part (representativeness).

Rules the numbers follow
------------------------
* A contribution belongs to the statistical area that holds its representative point (a point
  itself; a point on a line or inside an area, ``shapely.point_on_surface``). Contributions
  outside every area are counted apart and named in a note.
* A category maps to one SKA aspect (``aspects.toml``; ``None``: no aspect). An aspect's count is
  the number of contributions in its categories.
* Representativeness counts *participants*, not contributions: contributions with the same
  participant token are one person, whose age band and home area are the first ones stated;
  a contribution without a token is a person of its own. For each group ``i`` with ``n_i``
  participants (among those who stated one) and ``P_i`` residents,
  ``share_i = n_i / Σn``, ``population_share_i = P_i / ΣP`` and ``ratio_i = share_i /
  population_share_i`` (1: heard in proportion; 0: not heard at all). A group is flagged
  ``under`` when ``ratio_i < under_ratio`` (default 0.5, i.e. heard at less than half its weight).
  With fewer than ``min_participants`` (default 30) stated answers the shares are too noisy to
  judge and a note says so (a χ² goodness-of-fit p-value is given as well; it is only
  indicative when an expected count is below 5, which another note says).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import stats

from jamlik.dialogue.categories import DEFAULT_CATEGORIES
from jamlik.errors import MissingColumnError
from jamlik.i18n import t

__all__ = [
    "DEFAULT_CATEGORIES",
    "DialogueSummary",
    "age_band_label",
    "dialogue_summary",
    "representativeness",
]


_AGE = re.compile(r"^age_(\d+)_(\d+|plus)$")


def age_band_label(group: str) -> str:
    """Return the label of an age group: ``age_6_15`` → ``6–15``, ``age_65_plus`` → ``65+``."""
    match = _AGE.match(group)
    if match is None:
        return group
    low, high = match.groups()
    return f"{low}+" if high == "plus" else f"{low}–{high}"


@dataclass(frozen=True)
class DialogueSummary:
    """What residents said and who said it.

    Attributes
    ----------
    per_area
        Index ``area_id``; ``name``, one count column per category, ``total``.
    per_aspect
        Index aspect key; ``sv``, ``en``, ``contributions``, one count column per category.
    by_age, by_home_area
        Representativeness tables (see :func:`representativeness`).
    outside
        Contributions outside every area.
    notes
        Warnings for the reader (too few participants, groups not heard, …).
    """

    per_area: pd.DataFrame
    per_aspect: pd.DataFrame
    by_age: pd.DataFrame
    by_home_area: pd.DataFrame
    outside: int
    participants: int
    contributions: int
    notes: tuple[str, ...]


def representativeness(
    participants: Mapping[str, int],
    population: Mapping[str, float],
    *,
    under_ratio: float = 0.5,
) -> pd.DataFrame:
    """Compare participants per group with residents per group.

    Parameters
    ----------
    participants
        Group -> number of participants who stated that group (groups absent count 0; groups
        not in ``population`` are ignored).
    population
        Group -> residents.
    under_ratio
        ``ratio`` below which a group is flagged as under-represented.

    Returns
    -------
    pandas.DataFrame
        Index group (in ``population``'s order); ``participants``, ``share``, ``population``,
        ``population_share``, ``ratio`` (NaN for a group without residents), ``under``.
    """
    groups = list(population)
    n = np.array([float(participants.get(g, 0)) for g in groups])
    pop = np.array([float(population[g]) for g in groups])
    share = n / n.sum() if n.sum() > 0 else np.zeros_like(n)
    pop_share = pop / pop.sum() if pop.sum() > 0 else np.full_like(pop, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(pop_share > 0, share / pop_share, np.nan)
    table = pd.DataFrame(
        {
            "participants": n.astype(int),
            "share": share,
            "population": pop,
            "population_share": pop_share,
            "ratio": ratio,
        },
        index=pd.Index(groups, name="group"),
    )
    table["under"] = table["ratio"] < under_ratio
    return table


def _chi2_p(table: pd.DataFrame) -> tuple[float, bool]:
    """χ² goodness-of-fit p-value of participants against population shares; small-count flag."""
    keep = table["population_share"] > 0
    observed = table.loc[keep, "participants"].to_numpy(dtype=float)
    if observed.sum() == 0 or keep.sum() < 2:
        return float("nan"), False
    expected = table.loc[keep, "population_share"].to_numpy() * observed.sum()
    result = stats.chisquare(observed, expected)
    return float(result.pvalue), bool((expected < 5).any())


def _people(contributions: pd.DataFrame) -> pd.DataFrame:
    """One row per participant with the first stated age band and home area."""
    frame = contributions[["participant", "age_band", "home_area"]].copy()
    anonymous = frame["participant"].isna()
    frame.loc[anonymous, "participant"] = [f"#anonymous-{i}" for i in range(int(anonymous.sum()))]
    return frame.groupby("participant", sort=False).agg({"age_band": "first", "home_area": "first"})


def dialogue_summary(
    contributions: gpd.GeoDataFrame,
    *,
    areas: gpd.GeoDataFrame,
    population: pd.DataFrame,
    categories: Sequence[Mapping[str, str]],
    aspects: Mapping[str, Mapping[str, str]],
    under_ratio: float = 0.5,
    min_participants: int = 30,
    language: str | None = None,
) -> DialogueSummary:
    """Aggregate contributions per area and SKA aspect, and compare participants with residents.

    Parameters
    ----------
    contributions
        One row per contribution: ``category``, ``participant`` (token or None), ``age_band``
        (an age group column of ``population`` or None), ``home_area`` (an area id or None),
        geometry in any CRS.
    areas
        Statistical areas: index ``area_id``, column ``name``, polygons.
    population
        Residents per area: index ``area_id``, ``pop_total`` and age group columns
        (``age_0_5`` …).
    categories
        The dialogue's categories: ``key`` and ``aspect`` (an aspect key or empty).
    aspects
        Aspect key -> ``{"sv": …, "en": …}`` (the ``[aspects]`` of ``aspects.toml``).
    under_ratio, min_participants
        See the module docstring.
    language
        Language of the notes.

    Raises
    ------
    MissingColumnError
        If ``contributions`` lacks one of the columns above.
    """
    needed = ["category", "participant", "age_band", "home_area"]
    missing = [c for c in needed if c not in contributions.columns]
    if missing:
        raise MissingColumnError(t("dialogue.contributions_missing_columns", missing=missing))
    keys = [c["key"] for c in categories]
    notes: list[str] = []

    # Areas go to the contributions' CRS (not the other way: pyproj warns on one point).
    points = gpd.GeoSeries(
        shapely.point_on_surface(contributions.geometry.to_numpy()),
        index=contributions.index,
        crs=contributions.crs,
    )
    located = gpd.sjoin(
        gpd.GeoDataFrame({"category": contributions["category"]}, geometry=points),
        areas[["geometry"]].to_crs(contributions.crs).rename_axis("area_id").reset_index(),
        how="left",
        predicate="within",
    )
    located = located[~located.index.duplicated(keep="first")]  # a point on a shared border
    outside = int(located["area_id"].isna().sum())
    counts = pd.crosstab(located["area_id"], located["category"])
    per_area = counts.reindex(index=areas.index, columns=keys, fill_value=0).astype(int)
    per_area.insert(0, "name", areas.get("name", areas.index))
    per_area["total"] = per_area[keys].sum(axis=1)
    if outside:
        notes.append(t("dialogue.note_outside", language, n=outside))

    by_category = contributions["category"].value_counts()
    rows = []
    for key, names in aspects.items():
        in_aspect = [c["key"] for c in categories if c.get("aspect") == key]
        row: dict[str, object] = {"aspect": key, "sv": names["sv"], "en": names["en"]}
        row.update({k: int(by_category.get(k, 0)) if k in in_aspect else 0 for k in keys})
        row["contributions"] = sum(int(by_category.get(k, 0)) for k in in_aspect)
        rows.append(row)
    per_aspect = pd.DataFrame(rows).set_index("aspect")

    people = _people(contributions)
    age_groups = [c for c in population.columns if _AGE.match(c)]
    by_age = representativeness(
        people["age_band"].value_counts().to_dict(),
        {g: float(population[g].sum()) for g in age_groups},
        under_ratio=under_ratio,
    )
    by_age.insert(0, "label", [age_band_label(g) for g in by_age.index])
    by_home = representativeness(
        people["home_area"].value_counts().to_dict(),
        population["pop_total"].astype(float).to_dict(),
        under_ratio=under_ratio,
    )
    by_home.insert(0, "label", per_area["name"].reindex(by_home.index).astype(str))
    for what, table in (("age", by_age), ("home_area", by_home)):
        stated = int(table["participants"].sum())
        p_value, small = _chi2_p(table)
        table.attrs.update({"stated": stated, "chi2_p": p_value})
        if stated < min_participants:
            notes.append(t(f"dialogue.note_few_{what}", language, n=stated, min=min_participants))
        elif small:
            notes.append(t("dialogue.note_chi2_small", language))
        unheard = table.index[(table["participants"] == 0) & (table["population"] > 0)]
        if stated and len(unheard):
            labels = ", ".join(table.loc[unheard, "label"].astype(str))
            notes.append(t(f"dialogue.note_unheard_{what}", language, groups=labels))
    return DialogueSummary(
        per_area=per_area,
        per_aspect=per_aspect,
        by_age=by_age,
        by_home_area=by_home,
        outside=outside,
        participants=len(people),
        contributions=len(contributions),
        notes=tuple(notes),
    )
