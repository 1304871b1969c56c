"""Bad --out paths are refused before any computing, and never overwrite an input."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jamlik.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
TAMPERE = ROOT / "packs" / "tampere"
OSM = (ROOT / ".." / "shared" / "data" / "osm_gtfs_tampere" / "tampere.osm.pbf").resolve()
GTFS = (ROOT / ".." / "shared" / "data" / "osm_gtfs_tampere" / "tampere_gtfs.zip").resolve()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def points(tmp_path: Path) -> Path:
    path = tmp_path / "points.csv"
    path.write_text("id,lon,lat\na,23.76,61.50\nb,23.77,61.49\n", encoding="utf-8")
    return path


def _commands(tmp: Path, points: Path, out: Path | None) -> list[list[str]]:
    """Each command with ``--out out`` (``None``: its own first input file)."""
    table = tmp / "table.csv"
    table.write_text("id,g,t\nA,1,3\nB,2,3\n", encoding="utf-8")
    own = out or points
    rows = out or table
    return [
        ["access", str(TAMPERE), "--out", str(own)],
        ["travel-times", "--osm", str(OSM), "--origins", str(points), "--destinations",
         str(points), "--out", str(own)],
        ["transit-times", "--gtfs", str(GTFS), "--date", "2021-12-14", "--depart", "07:00",
         "--origins", str(points), "--destinations", str(points), "--out", str(own)],
        ["segregation", "--input", str(table), "--id", "id", "--group", "g", "--total", "t",
         "--out", str(rows)],
        ["equity", "--input", str(table), "--value", "g", "--out", str(rows)],
    ]  # fmt: skip


def test_out_equal_to_an_input_is_refused_and_the_input_kept(tmp_path: Path, points: Path) -> None:
    runner = CliRunner()
    for args in _commands(tmp_path, points, None)[1:]:
        target = Path(args[-1])
        before = _digest(target)
        result = runner.invoke(app, args, env={"JAMLIK_LANG": "en"})
        assert result.exit_code == 2, (args[0], result.output)
        assert "would overwrite an input" in result.output, args[0]
        assert _digest(target) == before


def test_out_that_is_a_folder_or_under_a_file(tmp_path: Path, points: Path) -> None:
    runner = CliRunner()
    folder = tmp_path / "a_folder"
    folder.mkdir()
    blocker = tmp_path / "a_file"
    blocker.write_text("x", encoding="utf-8")
    for out, message in (
        (folder, "is a folder"),
        (blocker / "out.csv", "part of the path is a file"),
    ):
        for args in _commands(tmp_path, points, out)[1:]:
            if args[0] == "segregation" and out == folder:
                continue  # a name without a suffix is its result folder (see below)
            result = runner.invoke(app, args, env={"JAMLIK_LANG": "en"})
            assert result.exit_code == 2, (args[0], result.output)
            assert message in result.output, (args[0], result.output)


def test_access_refuses_a_pack_file_as_output(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "pack.toml").write_text((TAMPERE / "pack.toml").read_text(encoding="utf-8"))
    areas = pack / "areas.gpkg"
    areas.write_bytes(b"not really a geopackage")
    result = CliRunner().invoke(
        app, ["access", str(pack), "--out", str(areas)], env={"JAMLIK_LANG": "en"}
    )
    assert result.exit_code == 2
    assert "would overwrite an input" in result.output
    assert areas.read_bytes() == b"not really a geopackage"


def test_folder_outputs_refuse_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "report"
    blocker.write_text("x", encoding="utf-8")
    for args in (
        ["vulnerability", str(ROOT / "packs" / "kungalv"), "--out", str(blocker)],
        ["cohesion", str(TAMPERE), "--out", str(blocker)],
    ):
        result = CliRunner().invoke(app, args, env={"JAMLIK_LANG": "en"})
        assert result.exit_code == 2, (args[0], result.output)
        assert "is a file; give a folder" in result.output


def test_access_refuses_a_data_file_the_pack_names_outside_its_folder(tmp_path: Path) -> None:
    data = tmp_path / "shared"
    data.mkdir()
    areas = data / "areas.gpkg"
    areas.write_bytes(b"the real areas")
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "pack.toml").write_text(
        '[pack]\nname = "p"\ncrs = "EPSG:3006"\n\n'
        '[areas]\npath = "../shared/areas.gpkg"\nid = "id"\n',
        encoding="utf-8",
    )
    for args in (["access", str(pack)], ["scenario", "run", str(pack), str(tmp_path / "s.toml")]):
        result = CliRunner().invoke(app, [*args, "--out", str(areas)], env={"JAMLIK_LANG": "en"})
        assert result.exit_code == 2, result.output
        assert "would overwrite an input" in result.output
    assert areas.read_bytes() == b"the real areas"


def test_an_existing_output_is_replaced_only_with_overwrite(tmp_path: Path) -> None:
    """Every command that writes an output refuses an existing one, before computing."""
    runner = CliRunner()
    pack = str(ROOT / "packs" / "kungalv")
    scenario = tmp_path / "plan.toml"
    scenario.write_text('name = "x"\n', encoding="utf-8")
    folder_commands = [
        ["access", str(TAMPERE)],
        ["scenario", "compare", str(TAMPERE), str(scenario)],
        ["report", str(TAMPERE)],
        ["vulnerability", pack],
        ["cohesion", str(TAMPERE)],
        ["sdg-11-2-1", str(TAMPERE)],
        ["targets", pack, str(scenario)],
    ]
    for args in folder_commands:
        # A folder an earlier run wrote (its manifest lists its files): refused without the option.
        out = tmp_path / f"out_{args[0]}"
        out.mkdir()
        (out / "old.csv").write_text("a\n1\n", encoding="utf-8")
        (out / ".jamlik-result.json").write_text('{"files": ["old.csv"]}', encoding="utf-8")
        result = runner.invoke(app, [*args, "--out", str(out)], env={"JAMLIK_LANG": "en"})
        assert result.exit_code == 2, (args[0], result.output)
        assert "already exists" in result.output and "--overwrite" in result.output, args[0]
        # A folder jamlik did not write: refused even with --overwrite, and left untouched.
        (out / ".jamlik-result.json").unlink()
        again = [*args, "--out", str(out), "--overwrite"]
        result = runner.invoke(app, again, env={"JAMLIK_LANG": "en"})
        assert result.exit_code == 2, (args[0], result.output)
        assert "jamlik did not write" in " ".join(result.output.split()), args[0]
        assert sorted(p.name for p in out.iterdir()) == ["old.csv"]
    for args, name in (
        (["access", str(TAMPERE)], "access.gpkg"),
        (["scenario", "run", str(TAMPERE), str(scenario)], "run.gpkg"),
    ):
        existing = tmp_path / name
        existing.write_bytes(b"an earlier result")
        result = runner.invoke(app, [*args, "--out", str(existing)], env={"JAMLIK_LANG": "en"})
        assert result.exit_code == 2, (args[0], result.output)
        assert "already exists" in result.output
        assert existing.read_bytes() == b"an earlier result"
    # The one-file commands too: an existing file is kept unless --overwrite is given.
    existing = tmp_path / "earlier.csv"
    existing.write_text("an earlier result", encoding="utf-8")
    points = tmp_path / "p.csv"
    points.write_text("id,lon,lat\na,23.76,61.50\n", encoding="utf-8")
    for args in _commands(tmp_path, points, existing)[1:]:
        result = runner.invoke(app, args, env={"JAMLIK_LANG": "en"})
        assert result.exit_code == 2, (args[0], result.output)
        assert "already exists" in result.output, (args[0], result.output)
        assert existing.read_text(encoding="utf-8") == "an earlier result", args[0]
