"""Absurd option values for every command: refused, naming the option as typed.

Each case gives the command line (inputs that are sound) with one option set to a value that
cannot be right: negative, NaN, 1e308, text for a number, an impossible date or hour, an
unknown name. The message must name the option as typed (``--speed-kmh``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bad_input._corpus import Case, assert_case
from bad_input.conftest import TOWN_DATE, Inputs

BASE = {
    "access": ["access", "{town}", "--profiles", "adult", "--out", "{tmp}/a.gpkg"],
    "access-transit": ["access", "{town}", "--mode", "transit", "--date", TOWN_DATE,
                       "--out", "{tmp}/a.csv"],
    "travel-times": ["travel-times", "--osm", "{town}/town.osm.pbf", "--origins", "{points}",
                     "--destinations", "{points}", "--out", "{tmp}/tt.csv"],
    "transit-times": ["transit-times", "--gtfs", "{town}/town_gtfs.zip", "--date", TOWN_DATE,
                      "--depart", "07:00", "--origins", "{points}", "--destinations",
                      "{points}", "--out", "{tmp}/tr.csv"],
    "departures": ["departures", "{town}", "--out", "{tmp}/d.csv"],
    "sdg-11-2-1": ["sdg-11-2-1", "{town}", "--date", TOWN_DATE, "--out", "{tmp}/sdg"],
    "segregation": ["segregation", "--input", "{stats}", "--id", "regsokod", "--group",
                    "born_abroad", "--total", "pop_total", "--year", "2023",
                    "--out", "{tmp}/s.json"],
    "equity": ["equity", "--input", "{stats}", "--value", "pop_total", "--year", "2023",
               "--out", "{tmp}/e.json"],
    "fca": ["fca", "--demand", "{demand}", "--supply", "{supply}", "--cost", "{cost}",
            "--out", "{tmp}/f.csv"],
    "vulnerability": ["vulnerability", "{town}", "--out", "{tmp}/v"],
    "cohesion": ["cohesion", "{town}", "--out", "{tmp}/c"],
    "scenario run": ["scenario", "run", "{town}", "{plan}", "--out", "{tmp}/s.gpkg"],
    "scenario compare": ["scenario", "compare", "{town}", "{plan}", "--transit-date", TOWN_DATE,
                         "--out", "{tmp}/sc"],
    "demo": ["demo", "--out", "{tmp}/demo"],
    "sample-town": ["sample-town", "{tmp}/town"],
    "report": ["report", "{town}", "--out", "{tmp}/r"],
    "serve": ["serve"],
    "fetch": ["fetch", "--no-gtfs", "--osm", "none", "--out", "{tmp}/fetched"],
}  # fmt: skip

#: (base command, the bad option and value): the message names ``option value`` or, for a
#: value the option's type cannot parse, the option and the value
OPTIONS: list[tuple[str, list[str]]] = [
    ("access", ["--cutoffs", "nan"]),
    ("access", ["--cutoffs", "-5"]),
    ("access", ["--k", "-3"]),
    ("access", ["--grid-m", "-1"]),
    ("access", ["--threshold", "nan"]),
    ("access", ["--year", "1e308"]),
    ("access", ["--year", "1899"]),
    ("access", ["--detour", "0.5"]),
    ("access", ["--mode", "fly"]),
    ("access", ["--detail", "everything"]),
    ("access", ["--profiles", "martian"]),
    ("access", ["--categories", "casinos"]),
    ("access-transit", ["--hours", "25-30"]),
    ("access-transit", ["--day-type", "funday"]),
    ("access-transit", ["--date", "2025-02-30"]),
    ("access-transit", ["--origin-cell-m", "nan"]),
    ("travel-times", ["--speed-kmh", "-1"]),
    ("travel-times", ["--speed-kmh", "nan"]),
    ("travel-times", ["--speed-kmh", "1e308"]),
    ("travel-times", ["--max-snap-m", "-5"]),
    ("travel-times", ["--max-snap-m", "nan"]),
    ("travel-times", ["--mode", "fly"]),
    ("transit-times", ["--date", "2025-13-01"]),
    ("transit-times", ["--depart", "25:99"]),
    ("transit-times", ["--percentiles", "150"]),
    ("transit-times", ["--percentiles", "half"]),
    ("transit-times", ["--walk-speed-kmh", "nan"]),
    ("transit-times", ["--walk-speed-kmh", "-4"]),
    ("transit-times", ["--max-walk-m", "nan"]),
    ("transit-times", ["--detour-factor", "nan"]),
    ("transit-times", ["--window-min", "1e308"]),
    ("transit-times", ["--profile", "martian"]),
    ("transit-times", ["--on-request", "sometimes"]),
    ("departures", ["--date", "someday"]),
    ("sdg-11-2-1", ["--window", "20:00-06:00"]),
    ("sdg-11-2-1", ["--window", "morning"]),
    ("sdg-11-2-1", ["--rule", "often"]),
    ("sdg-11-2-1", ["--distances", "-400"]),
    ("sdg-11-2-1", ["--distances", "nan"]),
    ("sdg-11-2-1", ["--detour", "nan"]),
    ("segregation", ["--atkinson-b", "1.5"]),
    ("segregation", ["--atkinson-b", "nan"]),
    ("segregation", ["--year", "1899"]),
    ("segregation", ["--permutations", "0"]),
    ("equity", ["--atkinson-e", "nan"]),
    ("equity", ["--atkinson-e", "-1"]),
    ("equity", ["--year", "3000"]),
    ("fca", ["--method", "magic"]),
    ("fca", ["--max-minutes", "-5"]),
    ("fca", ["--max-minutes", "nan"]),
    ("fca", ["--weights", "5:a"]),
    ("fca", ["--decay-power", "nan"]),
    ("fca", ["--min-minutes", "-1"]),
    ("vulnerability", ["--fdr", "2"]),
    ("vulnerability", ["--top-k", "0"]),
    ("vulnerability", ["--permutations", "5"]),
    ("vulnerability", ["--year", "1800"]),
    ("cohesion", ["--minutes", "nan"]),
    ("cohesion", ["--radii", "-400"]),
    ("cohesion", ["--vulnerable-areas", "NOPE"]),
    ("cohesion", ["--year", "1800"]),
    ("scenario run", ["--profiles", "martian"]),
    ("scenario run", ["--categories", "casinos"]),
    ("scenario compare", ["--transit-hours", "30-40"]),
    ("scenario compare", ["--transit-date", "someday"]),
    ("scenario compare", ["--vulnerable", "NOPE"]),
    ("scenario compare", ["--transit-cell-m", "nan"]),
    ("demo", ["--nodes", "-5"]),
    ("demo", ["--nodes", "1e308"]),
    ("sample-town", ["--nodes", "10"]),
    ("sample-town", ["--nodes", "1000000000"]),
    ("sample-town", ["--seed", "abc"]),
    ("report", ["--lang", "xx"]),
    ("serve", ["--db", "nonsense://"]),
    ("serve", ["--port", "0"]),
    ("fetch", ["--kommun", "99999"]),
    ("fetch", ["--lan", "abc"]),
    ("fetch", ["--level", "block"]),
    ("fetch", ["--kommun", "1482", "--buffer-m", "nan"]),
    ("fetch", ["--kommun", "1482", "--buffer-m", "-5"]),
]


def _argv(inputs: Inputs, tmp: Path, base: str, option: list[str]) -> list[str]:
    stats = inputs.gr_stats
    values = {"town": inputs.town, "points": inputs.points, "stats": stats, "tmp": tmp,
              "demand": inputs.demand, "supply": inputs.supply, "cost": inputs.cost,
              "plan": inputs.plan}  # fmt: skip
    return [part.format(**values) for part in BASE[base]] + option


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reaching uvicorn is an exit 0: the case then fails as a silent accept."""
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: None)


@pytest.mark.usefixtures("no_server")
@pytest.mark.parametrize(("base", "option"), OPTIONS, ids=[f"{b}{''.join(o)}" for b, o in OPTIONS])
def test_absurd_option(inputs: Inputs, tmp_path: Path, base: str, option: list[str]) -> None:
    name, value = option[-2], option[-1]
    argv = _argv(inputs, tmp_path, base, option)
    assert_case(Case(f"{base} {name} {value}", argv, (name,)))


@pytest.mark.parametrize(
    ("base", "option", "swedish"),
    [
        ("cohesion", ["--minutes", "nan"], "inte ett ändligt tal"),
        ("access-transit", ["--hours", "25-30"], "timmar på dygnet 0–23"),
        ("travel-times", ["--mode", "fly"], "välj walk eller bike"),
        ("report", ["--lang", "xx"], "välj sv eller en"),
    ],
)
def test_option_errors_in_swedish(
    inputs: Inputs, tmp_path: Path, base: str, option: list[str], swedish: str
) -> None:
    argv = _argv(inputs, tmp_path, base, option)
    assert_case(Case(f"sv {base} {option[0]}", argv, (option[0], swedish)), language="sv")
