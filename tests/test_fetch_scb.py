"""SCB's PxWebApi 2 client: JSON-stat 2.0 decoding, query splitting, statistics per area.

Oracles: the recorded JSON-stat answer decoded by hand (its value array is short enough to
read), an itertools.product decode of the same cube, hypothesis for the splitting (every cell
once, every call within the limit), and the fake server's cell function summed in plain loops.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
import respx
from hypothesis import given, settings
from hypothesis import strategies as st

from _fetch_fake import RECORDED, SCB, FakeServices, cell_value, metadata
from jamlik.ingest.connectors.http import FetchError, HttpClient
from jamlik.ingest.connectors.pxweb import PxWebApi, parse_jsonstat2, plan_queries
from jamlik.ingest.connectors.scb_stats import fetch_statistic, load_tables_file


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the ingest's messages."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


def _spec(name: str):  # noqa: ANN202
    return next(s for s in load_tables_file().statistics if s.name == name)


def test_recorded_jsonstat2_decodes_by_hand() -> None:
    doc = json.loads((RECORDED / "scb" / "TAB6574.data.json").read_text("utf-8"))
    table = parse_jsonstat2(doc)
    assert list(table.columns) == [
        "Region",
        "Alder",
        "Kon",
        "ContentsCode",
        "Tid",
        "value",
        "status",
    ]
    assert len(table) == 8
    # row-major: Region slowest, then Alder, then Kon; value[6] is null with status "..".
    row = table.loc[
        (table.Region == "1281R002_RegSO2025") & (table.Alder == "80-") & (table.Kon == "1")
    ]
    assert np.isnan(row["value"].iloc[0]) and row["status"].iloc[0] == ".."
    row = table.loc[
        (table.Region == "1281R001_RegSO2025") & (table.Alder == "80-") & (table.Kon == "2")
    ]
    assert row["value"].iloc[0] == 20.0
    assert table.loc[table.Region == "1281R001_RegSO2025", "value"].sum() == 31 + 29 + 12 + 20


def test_jsonstat2_decode_matches_itertools_product_on_a_larger_cube() -> None:
    rng = np.random.default_rng(3)
    dims = {"A": ["a0", "a1", "a2"], "B": ["b0", "b1"], "C": ["c0", "c1", "c2", "c3"], "D": ["d"]}
    values = rng.integers(0, 1000, size=3 * 2 * 4).astype(float).tolist()
    # index given in list form for one dimension (JSON-stat allows both)
    doc = {
        "id": list(dims),
        "size": [len(v) for v in dims.values()],
        "dimension": {
            k: {"category": {"index": v if k == "C" else {c: i for i, c in enumerate(v)}}}
            for k, v in dims.items()
        },
        "value": values,
    }
    table = parse_jsonstat2(doc)
    expected = list(itertools.product(*dims.values()))
    got = list(table[list(dims)].itertuples(index=False, name=None))
    assert got == expected
    assert table["value"].tolist() == values


def test_sparse_value_object_and_errors() -> None:
    doc = {
        "id": ["R", "T"],
        "size": [2, 2],
        "dimension": {
            "R": {"category": {"index": {"x": 0, "y": 1}}},
            "T": {"category": {"index": ["1", "2"]}},
        },
        "value": {"1": 5, "3": 7},
    }
    table = parse_jsonstat2(doc)
    assert np.isnan(table["value"][0]) and table["value"][1] == 5 and table["value"][3] == 7
    with pytest.raises(FetchError, match="values for 4 cells"):
        parse_jsonstat2({**doc, "value": [1, 2, 3]})
    with pytest.raises(FetchError, match="JSON-stat"):
        parse_jsonstat2({"label": "an error page"})


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 30), min_size=1, max_size=4),
    max_cells=st.integers(1, 500),
)
def test_plan_queries_asks_for_every_cell_once_within_the_limit(
    sizes: list[int], max_cells: int
) -> None:
    selection = {f"V{i}": [f"c{j}" for j in range(n)] for i, n in enumerate(sizes)}
    plans = plan_queries(selection, max_cells=max_cells)
    cells = []
    for plan in plans:
        assert math.prod(len(v) for v in plan.values()) <= max_cells
        cells += list(itertools.product(*plan.values()))
    assert sorted(cells) == sorted(itertools.product(*selection.values()))


def test_large_query_is_split_to_the_stated_cell_limit(tmp_path: Path) -> None:
    spec = _spec("population_age_sex")
    codes = ["1281R001", "1281R002", "1281R003", "1280R001"]
    with respx.mock(assert_all_called=False) as mock:
        fake = FakeServices(mock, max_cells=40)  # 17 bands x 2 sexes = 34 cells per area
        with HttpClient(cache_dir=tmp_path) as client:
            api = PxWebApi(client, base_url=SCB)
            result = fetch_statistic(api, spec, area_codes=codes, suffix="_RegSO2025", year=2024)
            assert api.limits().calls == 30 and api.limits().window_s == 10
    cells = [c for _, c in fake.data_calls]
    assert len(cells) == math.ceil(4 * 34 / 40) and max(cells) <= 40 and sum(cells) == 4 * 34
    assert metadata("TAB6574")["id"][0] == "Region"
    alder = spec.select["Alder"]
    for code in codes:
        row = result.table.set_index("area_id").loc[code]
        cells = {
            (kon, band): cell_value(
                "TAB6574",
                {
                    "Region": f"{code}_RegSO2025",
                    "Alder": band,
                    "Kon": kon,
                    "ContentsCode": "000007Y7",
                    "Tid": "2024",
                },
            )
            for kon in ("1", "2")
            for band in alder
        }
        assert row["pop_total"] == sum(cells.values())
        assert row["women"] == sum(v for (kon, _), v in cells.items() if kon == "2")
        assert row["age_65_plus"] == sum(
            v for (_, band), v in cells.items() if band in {"65-69", "70-74", "75-79", "80-"}
        )
        assert row["women"] + row["men"] == row["pop_total"]
        assert (
            row["age_0_14"] + row["age_15_19"] + row["age_20_64"] + row["age_65_plus"]
            == row["pop_total"]
        )
    assert result.year == 2024 and result.notes == ()


def test_labels_rules_missing_year_and_suppressed_values(tmp_path: Path) -> None:
    with respx.mock(assert_all_called=False) as mock:
        FakeServices(mock)
        with HttpClient(cache_dir=tmp_path) as client:
            api = PxWebApi(client, base_url=SCB)
            born = fetch_statistic(
                api, _spec("birth_region"), area_codes=["1281R001"], suffix="_RegSO2025", year=2024
            )
            edu = fetch_statistic(
                api, _spec("education"), area_codes=["1281R001"], suffix="_RegSO2025", year=2024
            )
            econ = fetch_statistic(
                api,
                _spec("economic_standard"),
                area_codes=["1281R001", "1281R003"],
                suffix="_RegSO2025",
                year=2024,
            )
    cell = {"Region": "1281R001_RegSO2025", "Kon": "1+2", "ContentsCode": "000007Y9", "Tid": "2024"}
    sweden = cell_value("TAB6572", {**cell, "Fodelseregion": "010"})
    abroad = sum(cell_value("TAB6572", {**cell, "Fodelseregion": c}) for c in ("020", "030", "040"))
    assert born.table["born_in_sweden"].iloc[0] == sweden
    assert born.table["born_abroad"].iloc[0] == abroad
    # TAB6534 has no 2024 in the recording: 2023 is used and said.
    assert edu.year == 2023 and any("has no 2024" in n for n in edu.notes)
    cell = {"Region": "1281R001_RegSO2025", "ContentsCode": "000007Z6", "Tid": "2023"}
    levels = {
        c: cell_value("TAB6534", {**cell, "UtbildningsNiva": c})
        for c in ["1", "2", "3", "4", "5", "6", "US"]
    }
    assert edu.table["education_known_25_65"].iloc[0] == sum(
        v for c, v in levels.items() if c != "US"
    )
    assert edu.table["post_secondary_25_65"].iloc[0] == levels["5"] + levels["6"]
    assert edu.table["low_education_25_65"].iloc[0] == levels["1"] + levels["2"]  # by label
    table = econ.table.set_index("area_id")
    assert np.isnan(table.loc["1281R003", "low_economic_standard_pct"])  # ".." stays missing
    expected = cell_value(
        "TAB6685",
        {"Region": "1281R001_RegSO2025", "Alder": "tot", "ContentsCode": "000008AC", "Tid": "2024"},
    )
    assert table.loc["1281R001", "low_economic_standard_pct"] == expected


def test_a_code_not_in_the_table_stops_with_the_data_file_named(tmp_path: Path) -> None:
    spec = _spec("population_age_sex")
    bad = spec.model_copy(update={"select": {**spec.select, "ContentsCode": ["BE0101N1"]}})
    with respx.mock(assert_all_called=False) as mock:
        FakeServices(mock)
        with HttpClient(cache_dir=tmp_path) as client, pytest.raises(FetchError) as info:
            fetch_statistic(
                PxWebApi(client, base_url=SCB),
                bad,
                area_codes=["1281R001"],
                suffix="_RegSO2025",
                year=2024,
            )
    message = str(info.value)
    assert "TAB6574" in message and "BE0101N1" in message and "scb_tables.toml" in message


def test_a_single_value_rule_that_matches_several_cells_is_refused(tmp_path: Path) -> None:
    spec = _spec("economic_standard")
    bad = spec.model_copy(
        update={"columns": {"low": {"kind": "value"}}}  # both contents codes match
    )
    with respx.mock(assert_all_called=False) as mock:
        FakeServices(mock)
        with (
            HttpClient(cache_dir=tmp_path) as client,
            pytest.raises(FetchError, match="single value"),
        ):
            fetch_statistic(
                PxWebApi(client, base_url=SCB),
                bad,
                area_codes=["1281R001"],
                suffix="_RegSO2025",
                year=2024,
            )


def test_unknown_table_is_a_clear_error(tmp_path: Path) -> None:
    spec = _spec("population_age_sex").model_copy(update={"table": "TAB0000"})
    with respx.mock(assert_all_called=False) as mock:
        FakeServices(mock)
        with HttpClient(cache_dir=tmp_path) as client, pytest.raises(FetchError, match="404"):
            fetch_statistic(
                PxWebApi(client, base_url=SCB), spec, area_codes=["1281R001"], suffix="", year=2024
            )


def test_the_shipped_data_file_is_valid_and_complete() -> None:
    tables = load_tables_file()
    names = {s.name for s in tables.statistics}
    wanted = {"population_age_sex", "birth_region", "economic_standard", "employment", "education",
              "dwellings_tenure", "households", "area_type", "rents", "net_income"}  # fmt: skip
    assert wanted <= names
    for spec in tables.statistics:
        assert set(spec.groups) <= set(spec.columns), spec.name
        assert spec.total is None or spec.total in spec.columns
    assert tables.division(2024).regso_suffix == "_RegSO2025"
    assert tables.division(2023).regso_suffix == ""
