"""The SKA report: HTML and PDF render, pages are not blank, texts and numbers are right.

Oracles: the tables of the workbook and the GeoPackage against the report's own tables and
against values recomputed here by hand from the per-resident access (weighted means, people
counted one by one); the PDF's pages as pixels (pypdfium2); the translation catalogue.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pypdfium2 as pdfium
import pytest
from typer.testing import CliRunner

from jamlik.cli.main import app
from jamlik.datasets import generate_town, write_town_pack, write_town_scenario
from jamlik.errors import DataError
from jamlik.i18n import catalogue, t
from jamlik.ingest import load_pack
from jamlik.report import write_report
from jamlik.report.content import ReportContent, build_content
from jamlik.report.render import summary_lines
from jamlik.report.tables import KEY_CATEGORIES, ReportTables, report_tables
from jamlik.report.write import render_report, report_layers
from jamlik.scenarios.compare import per_origin_values
from jamlik.ska.matrix import load_ska_rules

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:fontTools.*")


@pytest.fixture(scope="module")
def town_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("report_town")
    town = generate_town(n_nodes=1500, seed=11)
    pack = write_town_pack(town, root / "pack", seed=11)
    plan = write_town_scenario(town, root / "plan.toml")
    return pack, plan


@pytest.fixture(scope="module")
def swedish(
    town_files: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[ReportContent, ReportTables, dict[str, Path]]:
    pack, plan = town_files
    content = build_content(load_pack(pack), scenarios=[plan], language="sv")
    written = render_report(content, tmp_path_factory.mktemp("report_sv"))
    return content, report_tables(content), written


@pytest.fixture(scope="module")
def english(
    town_files: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    pack, plan = town_files
    return write_report(
        pack, scenarios=[plan], out_dir=tmp_path_factory.mktemp("report_en"), language="en"
    )


def _pdf_text(path: Path) -> str:
    pdf = pdfium.PdfDocument(path)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def _html_text(path: Path) -> str:
    return _html_text_of(path.read_text(encoding="utf-8"))


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00ad", "")).replace("- ", "")


def test_every_file_is_written(
    swedish: tuple[ReportContent, ReportTables, dict[str, Path]],
) -> None:
    _, _, written = swedish
    assert set(written) == {"html", "pdf", "xlsx", "gpkg"}
    for path in written.values():
        assert path.is_file() and path.stat().st_size > 1000
    assert not list(written["html"].parent.glob(".*")), "temporary files were left behind"


def test_first_pdf_pages_are_not_blank_and_the_map_page_has_a_map(
    swedish: tuple[ReportContent, ReportTables, dict[str, Path]],
) -> None:
    _, _, written = swedish
    pdf = pdfium.PdfDocument(written["pdf"])
    try:
        assert len(pdf) >= 6
        caption = t("report.map_today_caption", "sv")[:30]
        map_page = None
        for i in range(len(pdf)):
            page = pdf[i]
            pixels = np.asarray(page.render(scale=0.5).to_pil().convert("L"), dtype=np.float64)
            if i < 3:
                assert pixels.std() > 10.0, f"page {i + 1} looks blank"
            if map_page is None and caption in page.get_textpage().get_text_range():
                map_page = pixels
        assert map_page is not None, "no page carries the map's caption"
        # The map: streets, water and coloured areas cover a good part of the page.
        assert (map_page < 235).mean() > 0.15
        assert len(np.unique(map_page.astype(np.uint8))) > 50
    finally:
        pdf.close()


@pytest.mark.parametrize("language", ["sv", "en"])
def test_html_and_pdf_hold_the_summary_matrix_and_aspects(
    language: str,
    swedish: tuple[ReportContent, ReportTables, dict[str, Path]],
    english: dict[str, Path],
) -> None:
    written = swedish[2] if language == "sv" else english
    rules = load_ska_rules()
    for text in (_html_text(written["html"]), _squash(_pdf_text(written["pdf"]))):
        text = _squash(text)
        for key in ("report.h_summary", "report.h_matrix", "report.h_inventory",
                    "report.h_consequences", "report.h_follow_up", "report.h_sources"):  # fmt: skip
            assert t(key, language) in text, key
        for aspect in rules.aspects.values():
            assert getattr(aspect, language) in text
        for perspective in rules.perspectives.values():
            assert getattr(perspective, language) in text
        assert t("report.own_assessment", language) in text  # identity: the planner's cells
        assert "CC0" in text  # the pack's source and licence
    other = "en" if language == "sv" else "sv"
    html = _html_text(written["html"])
    assert t("report.h_matrix", other) not in html


def test_summary_counts_people_as_the_tables_do(
    swedish: tuple[ReportContent, ReportTables, dict[str, Path]],
) -> None:
    content, tables, written = swedish
    lines = summary_lines(content, tables)
    html = _html_text(written["html"])
    for line in lines:
        assert _squash(line) in _squash(html)
    scen = tables.scenarios[0]
    school = scen.winners[
        (scen.winners["category"] == "school") & (scen.winners["group"] == "pop_total")
    ]
    gain = f"{school['gain'].iloc[0]:,.0f}".replace(",", "\u202f")
    assert any(gain in line and "skola" in line for line in lines)


def test_group_table_equals_a_weighted_mean_by_hand(
    swedish: tuple[ReportContent, ReportTables, dict[str, Path]],
) -> None:
    content, tables, _ = swedish
    values = per_origin_values(content.today)
    residents = content.today.residents
    assert residents is not None
    for category in ("grocery", "school"):
        for group, profile in (
            ("pop_total", "adult"),
            ("age_6_15", "child"),
            ("age_65_plus", "senior"),
        ):
            minutes = values[f"{category}_nearest_1_min_{profile}"].reindex(residents["node"])
            w = residents[group].to_numpy(dtype=np.float64)
            x = minutes.to_numpy(dtype=np.float64)
            ok = np.isfinite(x) & (w > 0)
            expected = float((x[ok] * w[ok]).sum() / w[ok].sum())
            no_access = float(w[~np.isfinite(x)].sum() / w.sum())
            row = tables.groups[
                (tables.groups["category"] == category) & (tables.groups["group"] == group)
            ]
            assert row["profile"].iloc[0] == profile
            assert row["minutes"].iloc[0] == pytest.approx(expected, rel=1e-9)
            assert row["no_access_share"].iloc[0] == pytest.approx(no_access, abs=1e-12)


def test_winners_are_people_counted_one_by_one(
    swedish: tuple[ReportContent, ReportTables, dict[str, Path]],
) -> None:
    content, tables, _ = swedish
    part = content.scenarios[0]
    before = per_origin_values(part.comparison.today)
    after = per_origin_values(part.comparison.plan)
    staying = part.comparison.staying
    x0 = before["school_nearest_1_min_child"].reindex(staying["node"]).to_numpy()
    x1 = after["school_nearest_1_min_child"].reindex(staying["node"]).to_numpy()
    children = staying["age_6_15"].to_numpy(dtype=np.float64)
    gain = 0.0
    for a, b, people in zip(x0, x1, children, strict=True):
        if (np.isnan(a) and not np.isnan(b)) or (b < a - 0.5):
            gain += people
    row = tables.scenarios[0].winners
    row = row[(row["category"] == "school") & (row["group"] == "age_6_15")]
    assert row["gain"].iloc[0] == gain
    assert gain > 0  # the new school is closer for some children


def _sheet(book: openpyxl.Workbook, name: str) -> pd.DataFrame:
    rows = list(book[name].values)
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_workbook_tables_equal_the_computed_ones(
    swedish: tuple[ReportContent, ReportTables, dict[str, Path]],
) -> None:
    _, tables, written = swedish
    book = openpyxl.load_workbook(written["xlsx"], read_only=True)
    layers = report_layers(tables)
    assert set(layers) <= set(book.sheetnames)
    for name in ("groups", "areas", "p1_winners_losers", "p1_area_change", "p1_ska_matrix"):
        expected = pd.DataFrame(layers[name]).drop(columns=["geometry"], errors="ignore")
        got = _sheet(book, name)
        assert list(got.columns) == [str(c) for c in expected.columns]
        for column in expected.columns:
            e, g = expected[column], got[column]
            if pd.api.types.is_numeric_dtype(e) and e.dtype != bool:
                assert np.allclose(
                    e.to_numpy(dtype=np.float64), g.to_numpy(dtype=np.float64), equal_nan=True
                ), (name, column)
            else:
                assert [str(v) for v in e.fillna("")] == ["" if v is None else str(v) for v in g], (
                    name,
                    column,
                )
    book.close()


def test_geopackage_has_area_polygons_with_the_same_values(
    swedish: tuple[ReportContent, ReportTables, dict[str, Path]],
) -> None:
    content, tables, written = swedish
    layers = dict(pyogrio.list_layers(written["gpkg"]))
    assert layers["areas"] in ("Polygon", "MultiPolygon")
    assert layers["p1_area_change"] in ("Polygon", "MultiPolygon")
    assert {"groups", "p1_winners_losers", "p1_ska_matrix", "sources", "notes"} <= set(layers)
    areas = pyogrio.read_dataframe(written["gpkg"], layer="areas")
    assert len(areas) == len(content.pack.areas())
    expected = tables.area_layer.set_index("area_id")
    for category in [c for c in KEY_CATEGORIES if c in expected.columns]:
        got = areas.set_index("area_id")[category].reindex(expected.index)
        assert np.allclose(got.to_numpy(float), expected[category].to_numpy(float), equal_nan=True)
    delta = pyogrio.read_dataframe(written["gpkg"], layer="p1_area_change").set_index("area_id")
    school = tables.scenarios[0].area_change.set_index("area_id")["school"]
    assert np.allclose(
        delta["school"].reindex(school.index).to_numpy(float), school.to_numpy(float)
    )
    assert (delta["school"] < 0).any()  # the new school brings some area closer


def test_catalogue_is_complete_for_the_report(
    swedish: tuple[ReportContent, ReportTables, dict[str, Path]],
) -> None:
    _, tables, _ = swedish
    root = Path(__file__).resolve().parents[1] / "src" / "jamlik"
    sources = [
        *(root / "report").rglob("*.py"),
        root / "cli" / "report.py",
        root / "cli" / "demo.py",
    ]
    texts = "\n".join(p.read_text(encoding="utf-8") for p in sources)
    template = (root / "report" / "templates" / "report.html.j2").read_text(encoding="utf-8")
    keys = set(re.findall(r"\bt\(\s*\"(report\.[a-z_.]+)\"", texts))
    keys |= set(re.findall(r"[\"'](report\.[a-z_.]+)[\"']", template))
    keys |= {
        f"report.method_{k}" for k in ("access", "groups", "transit", "scenario", "ska", "limits")
    }
    keys |= {f"report.day.{d}" for d in ("weekday", "saturday", "sunday")}
    keys |= {f"report.category.{c}" for c in KEY_CATEGORIES}
    keys |= {f"report.kind.{k}" for k in ("homes", "removed_homes", "services", "closed_services",
                                           "links", "closures", "transit_lines", "headway_changes",
                                           "closed_stops")}  # fmt: skip
    keys |= {f"report.group.{g}" for g in tables.groups["group"].unique()}
    for name, frame in report_layers(tables).items():
        if name.endswith("resident_changes"):
            continue  # listed in the workbook only, under its run's own column names
        keys |= {
            f"report.col.{c}" for c in frame.columns if c != "geometry" and c not in KEY_CATEGORIES
        }
    entries = catalogue()
    missing = sorted(k for k in keys if k not in entries)
    assert not missing, f"missing report texts: {missing}"
    for key in keys:
        assert entries[key]["sv"].strip() and entries[key]["en"].strip(), key
    assert len(keys) > 150


def test_a_scenario_of_another_pack_is_refused_naming_the_file(
    town_files: tuple[Path, Path], tmp_path: Path
) -> None:
    pack, _ = town_files
    other = tmp_path / "elsewhere.toml"
    other.write_text(
        '[scenario]\nname = "elsewhere"\ncrs = "EPSG:3006"\n\n[[services]]\nname = "Skola"\n'
        'category = "school"\npoint = [674000.0, 6580000.0]\n',
        encoding="utf-8",
    )
    with pytest.raises(DataError, match="elsewhere.toml"):
        write_report(pack, scenarios=[other], out_dir=tmp_path / "out")
    assert not (tmp_path / "out" / "report.html").exists()
    result = CliRunner().invoke(
        app, ["report", str(pack), "--scenario", str(other), "--out", str(tmp_path / "cli")]
    )
    assert result.exit_code == 2
    assert "elsewhere.toml" in result.output
    assert "Traceback" not in result.output


def test_an_unwritable_out_is_refused(town_files: tuple[Path, Path], tmp_path: Path) -> None:
    pack, _ = town_files
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(DataError, match="a-file"):
        write_report(pack, out_dir=blocker / "report")
    with pytest.raises(DataError, match="a-file"):
        write_report(pack, out_dir=blocker)
    result = CliRunner().invoke(app, ["report", str(pack), "--out", str(blocker / "report")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_unknown_language_is_refused(town_files: tuple[Path, Path], tmp_path: Path) -> None:
    with pytest.raises(DataError, match="fi"):
        write_report(town_files[0], out_dir=tmp_path, language="fi")


def test_new_line_stops_count_as_stops_to_walk_to(
    town_files: tuple[Path, Path], swedish: tuple[ReportContent, ReportTables, dict[str, Path]]
) -> None:
    from jamlik.ingest.scenario import load_scenario
    from jamlik.report.content import _access_part

    plan = load_scenario(town_files[1])
    line = plan.transit_lines[0]
    walked = _access_part(plan, {"school", "transit_stop"})
    assert walked.transit_lines == [] and walked.headway_changes == [] and walked.closed_stops == []
    stops = [s for s in walked.services if s.category == "transit_stop"]
    assert [s.point for s in stops] == line.stops
    assert len(walked.services) == len(plan.services) + len(line.stops)
    assert _access_part(plan, {"school"}).services == plan.services  # no such category: none
    content, tables, _ = swedish
    winners = tables.scenarios[0].winners
    everyone = winners[(winners["category"] == "transit_stop") & (winners["group"] == "pop_total")]
    assert everyone["gain"].iloc[0] > 0 and everyone["loss"].iloc[0] == 0
    assert any(plan.scenario.name in note for note in content.scenarios[0].notes)


def test_cli_report_without_a_plan_in_english(
    town_files: tuple[Path, Path], tmp_path: Path
) -> None:
    out = tmp_path / "today"
    result = CliRunner().invoke(
        app, ["report", str(town_files[0]), "--out", str(out), "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    assert t("report.step_access", "en") in result.output
    assert t("report.notes_header", "en", n=1).split("(")[0] in result.output  # notes in console
    html = _html_text(out / "report.html")
    assert t("report.summary_no_plan", "en") in html
    assert t("report.h_matrix", "en") not in html  # no plan, no matrix
    assert {name for name, _ in pyogrio.list_layers(out / "report.gpkg")} >= {"areas", "groups"}


def test_html_escapes_what_the_plan_says(
    swedish: tuple[ReportContent, ReportTables, dict[str, Path]],
) -> None:
    import dataclasses

    from jamlik.report.render import render_html

    content, tables, _ = swedish
    title = '<script>alert("x")</script> & Co'
    scen = dataclasses.replace(tables.scenarios[0], title=title)
    html = render_html(content, dataclasses.replace(tables, scenarios=(scen,)), {})
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in html


def test_dialogue_summary_gets_its_own_section_only_when_given(
    swedish: tuple[ReportContent, ReportTables, dict[str, Path]],
) -> None:
    import dataclasses

    from jamlik.report.render import render_html

    content, tables, _ = swedish
    assert t("report.h_dialogue", "sv") not in render_html(content, tables, {})
    dialogue = pd.DataFrame({"tema": ["Trygghet vid bron"], "bidrag": [12]})
    html = render_html(dataclasses.replace(content, dialogue=dialogue), tables, {})
    text = _html_text_of(html)
    assert t("report.h_dialogue", "sv") in text
    assert "Trygghet vid bron" in text and " 12 " in text


def _html_text_of(html: str) -> str:
    html = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_plans_bus_line_is_counted_in_transit_travel_times(swedish) -> None:  # noqa: ANN001
    content, tables = swedish[0], swedish[1]
    (part,) = content.scenarios
    assert part.scenario.transit_lines, "the sample plan has a bus line"
    change = tables.scenarios[0].transit_change
    assert not change.empty
    # Today's side, run on the feed written back as GTFS, equals today's own transit run.
    today = tables.transit_hours.rename(columns={"minutes": "before"})
    merged = change.merge(today, on=["day_type", "hour", "category"], suffixes=("", "_today"))
    assert len(merged) == len(change)
    np.testing.assert_allclose(merged["before"], merged["before_today"], equal_nan=True)
    np.testing.assert_allclose(change["delta"], change["after"] - change["before"], equal_nan=True)
    # The line changes transit access somewhere; the shares without access stand beside it.
    moved = (change["delta"].abs() > 1e-9) | (
        (change["no_access_after"] - change["no_access_before"]).abs() > 1e-9
    )
    assert moved.any()
    assert any("räknas i tabellen" in n for n in part.notes)


def test_the_plans_bus_line_reaches_the_ska_matrix_and_the_transit_winners(
    swedish: tuple[ReportContent, ReportTables, dict[str, Path]],
) -> None:
    content, tables, written = swedish
    (part,) = content.scenarios
    transit = part.comparison.transit
    assert transit is not None and set(transit.profiles) == {"adult", "child", "senior"}
    cells = part.assessment.matrix.cells.set_index(["aspect", "scale", "perspective"])
    cell = cells.loc[("vardagsliv", "narmiljo", "alla")]
    assert cell["verdict"] == "+"
    assert "med kollektivtrafik (Buss 10)" in cell["evidence"]
    # Seniors by transit at 08 on a weekday, counted one resident at a time from the raw runs
    staying = part.comparison.staying
    origin = transit.origin_of_node.reindex(staying["node"]).to_numpy()
    times = []
    for run in (transit.today, transit.plan):
        assert run is not None and run.per_origin is not None
        raw = run.per_origin
        raw = raw[(raw["profile"] == "senior") & (raw["day_type"] == "weekday")]
        raw = raw[raw["hour"] == 8].set_index("origin")["grocery_nearest_min_transit"]
        times.append(raw.to_dict())
    gain = 0.0
    for o, seniors in zip(origin, staying["age_65_plus"], strict=True):
        a, b = times[0][o], times[1][o]
        if (np.isnan(a) and not np.isnan(b)) or b < a - 0.5:
            gain += seniors
    row = tables.scenarios[0].transit_winners
    row = row[(row["category"] == "grocery") & (row["group"] == "age_65_plus")]
    row = row[(row["day_type"] == "weekday") & (row["hour"] == 8)]
    assert row["profile"].iloc[0] == "senior"
    assert row["gain"].iloc[0] == pytest.approx(gain, rel=1e-12)
    assert gain > 0 and row["loss"].iloc[0] == 0
    html = _html_text(written["html"])
    assert t("report.h_transit_winners", "sv") in html
    book = openpyxl.load_workbook(written["xlsx"], read_only=True)
    assert "p1_transit_winners" in book.sheetnames
    book.close()
