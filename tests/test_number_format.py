"""Numbers printed for people follow the language: sv `132 889` and `0,83`, en `132,889`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from jamlik.i18n import format_number

JAMLIK = str(Path(sys.executable).with_name("jamlik"))
NNBSP = "\u202f"


def test_swedish_and_english_grouping_and_decimals() -> None:
    assert format_number(132889, language="sv") == f"132{NNBSP}889"
    assert format_number(132889, language="en") == "132,889"
    assert format_number(0.834, 2, language="sv") == "0,83"
    assert format_number(0.834, 2, language="en") == "0.83"
    assert format_number(-1234567.25, 1, language="sv") == f"-1{NNBSP}234{NNBSP}567,2"


def test_pack_info_prints_swedish_numbers() -> None:
    root = Path(__file__).resolve().parents[1]
    for language, grouped in (("sv", f"1{NNBSP}"), ("en", "1,")):
        output = subprocess.run(
            [JAMLIK, "--lang", language, "pack", "info", str(root / "packs" / "gr")],
            check=True,
            capture_output=True,
            text=True,
            env={"COLUMNS": "200", "PATH": ""},
        ).stdout
        # GR has about 1.1 million residents: the total is printed grouped by thousands.
        assert grouped in output, output
