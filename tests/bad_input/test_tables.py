"""segregation, equity and fca on damaged CSV tables (real GR statistics, Porto Alegre hexagons)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bad_input._corpus import Case, assert_case, dropped, to_csv, write
from bad_input._tables import MUTATIONS, Table, good_table
from bad_input.conftest import Inputs


def _gr(inputs: Inputs) -> Table:
    rows = good_table(inputs.gr_stats, keep=lambda r: r[4] == "2023")
    return Table(rows, id="regsokod", number="pop_total", text="regsonamn",
                 swap=("born_abroad", "pop_total"))  # fmt: skip


def _segregation(inputs: Inputs, tmp: Path, mutation: str) -> Case:
    damaged = MUTATIONS[mutation](_gr(inputs), tmp, "stats.csv")
    argv = ["segregation", "--input", str(damaged.path), "--id", "regsokod", "--group",
            "born_abroad", "--total", "pop_total", "--out", str(tmp / "s.json")]  # fmt: skip
    return Case(f"segregation-{mutation}", argv, ("stats.csv", *damaged.names))


def _equity(inputs: Inputs, tmp: Path, mutation: str) -> Case:
    table = _gr(inputs)
    table = Table(table.rows, id="regsokod", number="mean_wage_income_tkr", text="regsonamn",
                  swap=("mean_wage_income_tkr", "regsonamn"))  # fmt: skip
    damaged = MUTATIONS[mutation](table, tmp, "stats.csv")
    argv = ["equity", "--input", str(damaged.path), "--value", "mean_wage_income_tkr", "--weight",
            "pop_total", "--group", "kommunkod", "--out", str(tmp / "e.json")]  # fmt: skip
    names = damaged.names
    if mutation == "dropped":  # equity has no id column: drop the value column instead
        path = write(tmp, "stats.csv", to_csv(dropped(table.rows, table.number)))
        names = (table.number,)
        argv[2] = str(path)
    if mutation == "duplicated":  # no id column: two equal rows may be two units, so a warning
        return Case("equity-duplicated", argv, ("stats.csv", f"lines {names[1]}"),
                    tolerated="equal in every column")  # fmt: skip
    return Case(f"equity-{mutation}", argv, ("stats.csv", *names))


def _fca(inputs: Inputs, tmp: Path, which: str, mutation: str) -> Case:
    tables = {
        "demand": Table(good_table(inputs.demand), id="id", number="demand"),
        "supply": Table(good_table(inputs.supply), id="id", number="capacity", row=2),
        "cost": Table(good_table(inputs.cost), id="origin_id", number="minutes", row=5),
    }
    damaged = MUTATIONS[mutation](tables[which], tmp, f"{which}_bad.csv")
    paths = {"demand": inputs.demand, "supply": inputs.supply, "cost": inputs.cost}
    paths[which] = damaged.path
    argv = ["fca", "--demand", str(paths["demand"]), "--supply", str(paths["supply"]),
            "--cost", str(paths["cost"]), "--out", str(tmp / "fca.csv")]  # fmt: skip
    names = damaged.names
    if which == "cost" and mutation == "duplicated":
        names = ("origin/destination pair", "line 6, line 402")
    return Case(f"fca-{which}-{mutation}", argv, (f"{which}_bad.csv", *names))


#: fca tables have no text column (latin-1 changes no byte), no pair to swap; a NaN (blank) cost
#: means "not reachable" by the fca contract, so it is not damage.
TABLE_MUTATIONS = [m for m in MUTATIONS if m not in ("swapped", "latin1")]
COST_MUTATIONS = [m for m in TABLE_MUTATIONS if m != "nan"]


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_segregation(inputs: Inputs, tmp_path: Path, mutation: str) -> None:
    assert_case(_segregation(inputs, tmp_path, mutation))


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_equity(inputs: Inputs, tmp_path: Path, mutation: str) -> None:
    assert_case(_equity(inputs, tmp_path, mutation))


@pytest.mark.parametrize(
    ("which", "mutation"),
    [(w, m) for w in ("demand", "supply") for m in TABLE_MUTATIONS]
    + [("cost", m) for m in COST_MUTATIONS],
)
def test_fca(inputs: Inputs, tmp_path: Path, which: str, mutation: str) -> None:
    assert_case(_fca(inputs, tmp_path, which, mutation))


@pytest.mark.parametrize("command", ["segregation", "equity", "fca"])
def test_a_folder_or_nothing_where_the_table_should_be(
    inputs: Inputs, tmp_path: Path, command: str
) -> None:
    good = tmp_path / "good"
    argv = {
        "segregation": lambda: _segregation(inputs, good, "negative").argv,
        "equity": lambda: _equity(inputs, good, "negative").argv,
        "fca": lambda: _fca(inputs, good, "demand", "negative").argv,
    }[command]()
    folder = tmp_path / "table.csv"
    folder.mkdir()
    for given in (folder, tmp_path / "absent.csv"):
        argv[2] = str(given)
        assert_case(Case(f"{command}-{given.name}", argv, (given.name,)))


@pytest.mark.parametrize(
    ("mutation", "swedish"),
    [
        ("latin1", "inte UTF-8-text"),
        ("truncated", "filen verkar avklippt"),
        ("header_only", "tabellen har inga rader"),
        ("huge", "orimligt stort"),
    ],
)
def test_table_errors_in_swedish(
    inputs: Inputs, tmp_path: Path, mutation: str, swedish: str
) -> None:
    case = _segregation(inputs, tmp_path, mutation)
    assert_case(Case(f"sv {case.id}", case.argv, ("stats.csv", swedish)), language="sv")
