"""Every help screen is wholly in the chosen language: a test walks every command in sv and en.

A line fails when it holds a word that belongs only to the other language. Identifiers are
ignored: option names, metavariables, defaults, command names, file and column names (anything
with `_`, `.`, `-`, `=`, `/` or a digit). Each language runs in a fresh process, as a user's
command does: help texts are read from the catalogue when a command's module is imported.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

#: Words that are English only (never Swedish), and Swedish only (never English).
ENGLISH = {
    "the", "of", "and", "with", "or", "from", "whose", "how", "many", "output", "folder",
    "file", "walking", "speed", "default", "only", "every", "between", "points", "to", "is",
    "each", "which", "when", "show", "message", "exit", "more", "errors", "given", "use",
    "uses", "write", "writes", "written", "should", "must", "for", "this", "that", "into",
    "travel", "times", "residents", "share", "within", "people",
}  # fmt: skip
SWEDISH = {
    "och", "för", "med", "att", "som", "eller", "från", "till", "varje", "inte", "är", "hur",
    "många", "mapp", "fil", "visa", "antal", "områden", "bara", "skriv", "skrivs", "invånare",
    "andel", "inom", "restider", "kör", "kontrollera", "krävs", "användning", "kommandon",
    "hjälp",
}  # fmt: skip

WALK = """
import json, sys
from typer.testing import CliRunner
from jamlik.cli.main import COMMANDS, app
subcommands = {"pack": ["check", "info"], "scenario": ["check", "run", "compare"]}
screens = [[]] + [[n] for n in COMMANDS]
screens += [[n, s] for n in COMMANDS for s in subcommands.get(n, [])]
out = []
for args in screens:
    result = CliRunner(env={"COLUMNS": "250"}).invoke(app, ["--lang", sys.argv[1], *args, "--help"])
    out.append([args, result.exit_code, result.output])
print(json.dumps(out))
"""
_IDENTIFIER = re.compile(r"(--?[\w-]+|<[^>]*>|\{[^}]*\}|\[[^\]]*:[^\]]*\]|\S*[-_.=\d/]\S*)")


def _words(line: str, commands: set[str]) -> set[str]:
    return set(re.findall(r"[a-zåäöé]+", _IDENTIFIER.sub(" ", line).lower())) - commands


@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_help_screen_is_in_one_language(language: str) -> None:
    foreign = (ENGLISH - SWEDISH) if language == "sv" else (SWEDISH - ENGLISH)
    done = subprocess.run(
        [sys.executable, "-c", WALK, language], capture_output=True, text=True, check=True
    )
    screens = json.loads(done.stdout)
    commands = {name for args, _, _ in screens for name in args}
    # Argument names ("{folder}" in a usage line) are identifiers too.
    commands |= {name for _, _, output in screens for name in re.findall(r"\{(\w+)\}", output)}
    wrong = []
    for args, code, output in screens:
        assert code == 0, (args, output)
        for line in output.splitlines():
            hits = _words(line, commands) & foreign
            if hits:
                wrong.append(f"{' '.join(args) or 'jamlik'}: {sorted(hits)} in {line.strip()!r}")
    assert len(screens) > 20 and not wrong, "\n".join(wrong)
