"""Reports: the SKA report of a pack and its plans (HTML, PDF, Excel, GeoPackage), maps, charts.

:func:`write_report` is the entry point (the CLI's ``jamlik report`` and the web app's download
call it); :mod:`jamlik.report.maps` and :mod:`jamlik.report.charts` draw with matplotlib,
offline.
"""

from jamlik._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "write_report": "jamlik.report.write",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
