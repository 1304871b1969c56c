"""Every segregation index equals PySAL `segregation` (≤ 1e-9) on the Göteborg-region RegSO data."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal.weights import Queen, Rook
from segregation import multigroup as mg
from segregation import singlegroup as sg
from segregation.singlegroup.atkinson import _atkinson

from jamlik.indicators.segregation.indices import (
    multigroup_indices,
    segregation_by,
    segregation_indices,
    spatial_dissimilarity,
    spatial_multigroup_indices,
    spatial_segregation_indices,
)

TOL = 1e-9
SINGLE = {
    "dissimilarity": sg.Dissim,
    "gini": sg.Gini,
    "entropy": sg.Entropy,
    "isolation": sg.Isolation,
    "exposure": sg.Interaction,
    "correlation_ratio": sg.CorrelationR,
}
MULTI = {
    "dissimilarity": mg.MultiDissim,
    "gini": mg.MultiGini,
    "information_theory": mg.MultiInfoTheory,
    "normalized_exposure": mg.MultiNormExposure,
    "relative_diversity": mg.MultiRelativeDiversity,
    "squared_cv": mg.MultiSquaredCoefVar,
}


@pytest.fixture(autouse=True)
def _interpreted_pysal_gini(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run PySAL's own Gini kernel interpreted: numba would spend ~20 s compiling it per run."""
    import segregation.singlegroup.gini as pysal_gini

    monkeypatch.setattr(pysal_gini, "_gini_vecp", pysal_gini._gini_vecp.py_func)


@pytest.fixture(scope="module")
def stats(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(
        shared_data / "gr_statistical_areas" / "regso_stats_gr_2020_2023.csv",
        dtype={"regsokod": str, "kommunkod": str},
    )


@pytest.fixture(scope="module")
def regso_2023(shared_data: Path, stats: pd.DataFrame) -> gpd.GeoDataFrame:
    polys = gpd.read_file(shared_data / "gr_statistical_areas" / "regso_gr_2025.gpkg")
    year = stats[stats["year"] == 2023][["regsokod", "born_abroad", "pop_total"]]
    out = polys.merge(year, on="regsokod", how="inner")
    assert len(out) == 300
    return out


def _pysal_single(frame: pd.DataFrame, b: float) -> dict[str, float]:
    out = {k: cls(frame, "born_abroad", "pop_total").statistic for k, cls in SINGLE.items()}
    out["atkinson"] = _atkinson(frame, "born_abroad", "pop_total", b=b)[0]
    return out


@pytest.mark.parametrize("year", [2020, 2021, 2022, 2023])
@pytest.mark.parametrize("b", [0.1, 0.5, 0.9])
def test_all_regso_equal_pysal(stats: pd.DataFrame, year: int, b: float) -> None:
    frame = stats[stats["year"] == year].reset_index(drop=True)
    assert len(frame) == 300
    ours = segregation_indices(frame, group="born_abroad", total="pop_total", atkinson_b=b)
    for name, expected in _pysal_single(frame, b).items():
        assert getattr(ours, name) == pytest.approx(expected, abs=TOL), name
    assert ours.n_areas == 300
    assert ours.group_share == pytest.approx(frame.born_abroad.sum() / frame.pop_total.sum())


def test_per_municipality_equal_pysal(stats: pd.DataFrame) -> None:
    frame = stats[stats["year"] == 2023]
    table = segregation_by(frame, by="kommunkod", group="born_abroad", total="pop_total")
    assert len(table) == 13
    for code, part in frame.groupby("kommunkod"):
        expected = _pysal_single(part.reset_index(drop=True), 0.5)
        for name, value in expected.items():
            assert table.loc[code, name] == pytest.approx(value, abs=TOL), (code, name)


def test_pysal_atkinson_class_ignores_b_but_we_honour_it(stats: pd.DataFrame) -> None:
    frame = stats[stats["year"] == 2023].reset_index(drop=True)
    cls_value = sg.Atkinson(frame, "born_abroad", "pop_total", b=0.9).statistic
    at_half = segregation_indices(frame, group="born_abroad", total="pop_total").atkinson
    at_09 = segregation_indices(
        frame, group="born_abroad", total="pop_total", atkinson_b=0.9
    ).atkinson
    assert cls_value == pytest.approx(at_half, abs=TOL)  # PySAL's class always uses b = 0.5
    assert at_09 != pytest.approx(at_half, abs=1e-3)


@pytest.mark.parametrize("contiguity", ["queen", "rook"])
def test_spatial_dissimilarity_equal_pysal(regso_2023: gpd.GeoDataFrame, contiguity: str) -> None:
    builder = Queen if contiguity == "queen" else Rook
    w = builder.from_dataframe(regso_2023, use_index=False, silence_warnings=True)
    plain = segregation_indices(regso_2023, group="born_abroad", total="pop_total")
    for standardize in (False, True):
        expected = sg.SpatialDissim(
            regso_2023, "born_abroad", "pop_total", w=w, standardize=standardize
        ).statistic
        ours = spatial_dissimilarity(
            regso_2023,
            group="born_abroad",
            total="pop_total",
            contiguity=contiguity,  # type: ignore[arg-type]
            standardize=standardize,
        )
        assert ours == pytest.approx(expected, abs=TOL)
        # spatial D is D minus a non-negative neighbour term
        assert ours <= plain.dissimilarity


def test_spatial_key_via_segregation_indices(regso_2023: gpd.GeoDataFrame) -> None:
    res = segregation_indices(regso_2023, group="born_abroad", total="pop_total", areas=regso_2023)
    w = Queen.from_dataframe(regso_2023, use_index=False, silence_warnings=True)
    expected = sg.SpatialDissim(regso_2023, "born_abroad", "pop_total", w=w).statistic
    assert res.spatial_dissimilarity == pytest.approx(expected, abs=TOL)
    assert res.to_dict()["contiguity"] == "queen"


@pytest.mark.parametrize(
    "groups",
    [
        ["born_abroad", "born_in_sweden"],
        ["dwellings_rental", "dwellings_tenant_owned", "dwellings_owner_occupied"],
    ],
)
def test_multigroup_equal_pysal(stats: pd.DataFrame, groups: list[str]) -> None:
    frame = stats[stats["year"] == 2023].reset_index(drop=True)
    ours = multigroup_indices(frame, groups=groups)
    for name, cls in MULTI.items():
        assert getattr(ours, name) == pytest.approx(cls(frame, groups).statistic, abs=TOL), name


def test_two_group_multigroup_d_equals_single_group_d(stats: pd.DataFrame) -> None:
    frame = stats[stats["year"] == 2022].reset_index(drop=True)
    multi = multigroup_indices(frame, groups=["born_abroad", "born_in_sweden"])
    single = segregation_indices(frame, group="born_abroad", total="pop_total")
    assert multi.dissimilarity == pytest.approx(single.dissimilarity, abs=1e-12)
    assert np.isclose(multi.gini, single.gini, atol=1e-12)


def test_local_environment_indices_equal_pysal_spatial_implicit(
    regso_2023: gpd.GeoDataFrame,
) -> None:
    """Egohood forms (area + queen neighbours) equal PySAL's classes called with ``w=``."""
    w = Queen.from_dataframe(regso_2023, use_index=False, silence_warnings=True)
    ours = spatial_segregation_indices(regso_2023, group="born_abroad", total="pop_total")
    classes = {**SINGLE, "atkinson": sg.Atkinson}  # PySAL's class uses b = 0.5, as we do here
    for name, cls in classes.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # libpysal inside PySAL
            expected = cls(regso_2023, "born_abroad", "pop_total", w=w).statistic
        assert getattr(ours, name) == pytest.approx(expected, abs=TOL), name
    plain = segregation_indices(regso_2023, group="born_abroad", total="pop_total")
    assert ours.dissimilarity < plain.dissimilarity  # smoothing over neighbours lowers D


def test_local_environment_multigroup_equal_pysal(shared_data: Path, stats: pd.DataFrame) -> None:
    polys = gpd.read_file(shared_data / "gr_statistical_areas" / "regso_gr_2025.gpkg")
    groups = ["dwellings_rental", "dwellings_tenant_owned", "dwellings_owner_occupied"]
    areas = polys.merge(stats[stats["year"] == 2021][["regsokod", *groups]], on="regsokod")
    w = Queen.from_dataframe(areas, use_index=False, silence_warnings=True)
    ours = spatial_multigroup_indices(areas, groups=groups)
    for name, cls in MULTI.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            expected = cls(areas, groups, w=w).statistic
        assert getattr(ours, name) == pytest.approx(expected, abs=TOL), name
