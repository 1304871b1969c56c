"""Lazy re-exports for package ``__init__`` modules.

A package lists its public names and the module of each; a name is imported on first use. So
``import jamlik.indicators`` (and so every command's start-up) does not pull in numba, geopandas
or matplotlib for names it never touches.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return ``__getattr__`` and ``__dir__`` for ``package`` exporting ``exports``.

    Parameters
    ----------
    package
        The package's ``__name__`` (for the error message).
    exports
        Public name -> module that defines it.
    """

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module protocol's name
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module), name)

    def __dir__() -> list[str]:  # noqa: N807 - the module protocol's name
        return sorted(exports)

    return __getattr__, __dir__
