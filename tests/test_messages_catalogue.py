"""Every text a planner reads comes from the translation catalogue, in Swedish and English.

An AST walk over the packages converted so far fails on an error raised with a literal text
(``raise DataError(f"...")``), on a log line or warning with a literal text, and on a ``t()``
call whose key is missing or whose fields do not fill the texts. Then real cases run through
the CLI in both languages and check the words a planner sees.
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from jamlik.cli.main import app
from jamlik.datasets import generate_town, write_town_pack
from jamlik.errors import NegativeValueError
from jamlik.i18n import LANGUAGES, catalogue, format_general, format_number
from jamlik.indicators.equity import gini

SRC = Path(__file__).resolve().parents[1] / "src" / "jamlik"
PACKAGES = (
    "indicators",
    "networks",
    "routing",
    "runs",
    "web",
    "datasets",
    "dialogue",
    "scenarios",
    "ska",
    "report",
    "storage",
    "ingest",
    "cli",
)
#: Literal texts allowed on purpose, by file and exception class. Keep it short.
ALLOWED = {
    # A module's __getattr__ must raise AttributeError with Python's own wording (import
    # machinery and tools read it); no planner sees it.
    ("networks/__init__.py", "AttributeError"),
}
LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical"}
LOGGERS = {"log", "logger", "_log", "LOG"}


def _files() -> list[tuple[str, ast.Module]]:
    out = []
    for package in PACKAGES:
        for path in sorted((SRC / package).rglob("*.py")):
            rel = path.relative_to(SRC).as_posix()
            out.append((rel, ast.parse(path.read_text(encoding="utf-8"))))
    return out


FILES = _files()


def _is_text(node: ast.expr) -> bool:
    """A literal a person would read: words with a space, or an f-string with words in it.

    A bare identifier (``RejectedError("geometry", …)`` names a field) and format-only
    f-strings (``f"{source}: {detail}"``) are not texts.
    """
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(re.search(r"[^\W\d_]{2,}", node.value)) and " " in node.value.strip()
    if isinstance(node, ast.JoinedStr):
        return any(
            isinstance(v, ast.Constant) and re.search(r"[^\W\d_]{2,}", str(v.value))
            for v in node.values
        )
    if isinstance(node, ast.BinOp):  # "..." + f"..."
        return _is_text(node.left) or _is_text(node.right)
    return False


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def test_errors_are_raised_with_catalogue_texts() -> None:
    found = []
    for rel, tree in FILES:
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            cls = _name(node.exc.func)
            if not cls.endswith(("Error", "Exception")) or (rel, cls) in ALLOWED:
                continue
            texts = [*node.exc.args, *(k.value for k in node.exc.keywords)]
            if any(_is_text(a) for a in texts):
                found.append(f"{rel}:{node.lineno}: raise {cls} with a literal text")
    assert found == [], "use t(key, ...) from jamlik.i18n:\n" + "\n".join(found)


def test_log_lines_and_warnings_use_catalogue_texts() -> None:
    found = []
    for rel, tree in FILES:
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            owner = node.func.value
            owner_name = owner.id if isinstance(owner, ast.Name) else ""
            is_log = owner_name in LOGGERS and node.func.attr in LOG_METHODS - {"debug"}
            is_warn = owner_name == "warnings" and node.func.attr == "warn"
            if (is_log or is_warn) and node.args and _is_text(node.args[0]):
                found.append(f"{rel}:{node.lineno}: {owner_name}.{node.func.attr} with a text")
    assert found == [], "use t(key, ...) from jamlik.i18n:\n" + "\n".join(found)


def _fields(text: str) -> set[str]:
    return {
        name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(text) if name
    }


def test_catalogue_keys_exist_and_fields_fill_both_languages() -> None:
    texts = catalogue()
    found = []
    used = 0
    for rel, tree in FILES:
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _name(node.func) == "t" and node.args):
                continue
            key = node.args[0]
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                continue  # keys built at run time are checked by their own tests
            used += 1
            if key.value not in texts:
                found.append(f"{rel}:{node.lineno}: unknown key {key.value!r}")
                continue
            if any(k.arg is None for k in node.keywords):
                continue  # **values: the fields are not known here
            given = {k.arg for k in node.keywords if k.arg != "language"}
            for lang in LANGUAGES:
                missing = _fields(texts[key.value][lang]) - given
                if missing:
                    found.append(f"{rel}:{node.lineno}: {key.value} [{lang}] lacks {missing}")
    assert used > 300
    assert found == [], "\n".join(found)


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pack = write_town_pack(generate_town(n_nodes=500, seed=3), tmp_path_factory.mktemp("town"))
    return pack.parent


def _cli(monkeypatch: pytest.MonkeyPatch, lang: str, args: list[str]) -> tuple[int, str]:
    # --lang sets JAMLIK_LANG for the process; monkeypatch puts it back after the test.
    monkeypatch.setenv("JAMLIK_LANG", "sv")
    result = CliRunner().invoke(app, ["--lang", lang, *args], env={"COLUMNS": "300"})
    return result.exit_code, " ".join(result.output.split())


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("sv", "origins: ingen av de 1 punkterna ligger i OSM-utdraget (första: 18.07,59.33)"),
        ("en", "origins: none of the 1 points lies in the OSM extract (first: 18.07,59.33)"),
    ],
)
def test_travel_times_points_outside_the_town(
    town: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str, expected: str
) -> None:
    # Stockholm, far from the sample town near Kungälv; "origins" names the option --origins.
    (tmp_path / "o.csv").write_text("id,lon,lat\nstockholm,18.07,59.33\n")
    out = tmp_path / "od.csv"
    code, output = _cli(
        monkeypatch,
        lang,
        ["travel-times", "--osm", str(town / "town.osm.pbf"), "--origins",
         str(tmp_path / "o.csv"), "--destinations", str(tmp_path / "o.csv"), "--out", str(out)],
    )  # fmt: skip
    assert code == 2
    assert expected in output
    assert not out.exists()


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("sv", "t.csv: kolumn(er) saknas: 'g'; tabellen har: code, x, t."),
        ("en", "t.csv: missing column(s) 'g'; the table has: code, x, t."),
    ],
)
def test_segregation_bad_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str, expected: str
) -> None:
    csv = tmp_path / "t.csv"
    pd.DataFrame({"code": ["A", "B"], "x": [2, 8], "t": [10, 10]}).to_csv(csv, index=False)
    args = ["segregation", "--input", str(csv), "--id", "code", "--group", "g", "--total", "t"]
    code, output = _cli(monkeypatch, lang, [*args, "--out", str(tmp_path / "r.json")])
    assert code == 2
    assert expected in output


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("sv", "1 negativa värde(n): ojämlikhetsmåtten"), ("en", "1 negative value(s): the")],
)
def test_library_errors_follow_the_language_at_raise_time(
    monkeypatch: pytest.MonkeyPatch, lang: str, expected: str
) -> None:
    monkeypatch.setenv("JAMLIK_LANG", lang)
    with pytest.raises(NegativeValueError, match=re.escape(expected)):
        gini([-1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    ("lang", "general", "grouped"),
    [("sv", "0,001235", "132\u202f889,5"), ("en", "0.001235", "132,889.5")],
)
def test_numbers_for_people(lang: str, general: str, grouped: str) -> None:
    assert format_general(0.00123456, language=lang) == general
    assert format_number(132889.46, 1, language=lang) == grouped


@pytest.mark.parametrize(
    ("lang", "level", "decimal"), [("sv", "VARNING", "p ≤ 0,05"), ("en", "WARNING", "p ≤ 0.05")]
)
def test_console_warnings_in_the_language(
    town: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
    level: str,
    decimal: str,
) -> None:
    # The sample town has 20 areas: the small-sample warning of the hot-spot test is logged.
    code, output = _cli(
        monkeypatch, lang, ["vulnerability", str(town), "--out", str(tmp_path / "v")]
    )
    assert code == 0, output
    assert level in output and decimal in output
