"""Swedish-sounding place and street names for the generated town.

Names are built from a first part (trees, landmarks, directions) and an ending (``-backen``,
``-dal``, ``-gatan``). They sound Swedish and use å, ä and ö, but the combinations are drawn at
random and do not describe any real place.
"""

from __future__ import annotations

import numpy as np

__all__ = ["TOWN_NAME", "place_names", "street_names"]

#: Name of the generated town. No real municipality of this name exists.
TOWN_NAME = "Älvvik"

_FIRST = (
    "Björk",
    "Ek",
    "Lind",
    "Ask",
    "Rönn",
    "Gran",
    "Tall",
    "Al",
    "Hassel",
    "Sälg",
    "Sjö",
    "Å",
    "Käll",
    "Hög",
    "Lugn",
    "Sol",
    "Mål",
    "Kvarn",
    "Kyrk",
    "Strand",
    "Bäck",
    "Hägg",
    "Äng",
    "Ljung",
    "Mos",
    "Öster",
    "Väster",
    "Norr",
    "Söder",
    "Sten",
    "Hjort",
    "Räv",
    "Trast",
    "Lärk",
    "Svan",
    "Tjäder",
    "Ör",
    "Näs",
    "Löv",
    "Fors",
    "Gärd",
    "Hallon",
    "Blåbärs",
    "Lingon",
    "Smed",
    "Skol",
    "Torg",
    "Bro",
    "Måns",
    "Göt",
)
_PLACE_END = (
    "backen",
    "dal",
    "ängen",
    "höjden",
    "vik",
    "by",
    "torp",
    "åsen",
    "lund",
    "gården",
    "slätt",
    "holmen",
    "hagen",
    "berg",
    "mossen",
    "kärr",
    "ås",
    "näs",
    "sjö",
    "fors",
)
_STREET_END = (
    "gatan",
    "vägen",
    "stigen",
    "gången",
    "backe",
    "allén",
    "gränd",
    "liden",
    "slingan",
    "svängen",
)


def _combos(rng: np.random.Generator, ends: tuple[str, ...], n: int) -> list[str]:
    """Draw ``n`` distinct first-part + ending combinations (numbered if there are too few)."""
    total = len(_FIRST) * len(ends)
    picks = rng.permutation(total)
    names = [_FIRST[k // len(ends)] + ends[k % len(ends)] for k in picks[: min(n, total)]]
    names = [name[0] + name[1:].lower() for name in names]
    for extra in range(n - len(names)):
        names.append(f"{names[extra % total]} {extra // total + 2}")
    return names


def place_names(rng: np.random.Generator, n: int) -> list[str]:
    """Return ``n`` distinct Swedish-sounding place names (``Björkbacken``, ``Ådal``, …)."""
    return _combos(rng, _PLACE_END, n)


def street_names(rng: np.random.Generator, n: int) -> list[str]:
    """Return ``n`` distinct Swedish-sounding street names (``Lindgatan``, ``Ängsstigen``, …)."""
    return _combos(rng, _STREET_END, n)
