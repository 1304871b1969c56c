"""SKA (social konsekvensanalys): the social impact assessment as data.

Aspects × scales × perspectives (children, seniors), each cell linked to the indicators that
inform it and to editable rules (``aspects.toml``) that turn a measured change into + / 0 / −.
"""

from jamlik._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "OWN_ASSESSMENT": "jamlik.ska.matrix",
    "SKAMatrix": "jamlik.ska.matrix",
    "SKARules": "jamlik.ska.matrix",
    "complexity_level": "jamlik.ska.matrix",
    "indicator_column": "jamlik.ska.matrix",
    "load_ska_rules": "jamlik.ska.matrix",
    "ska_matrix": "jamlik.ska.matrix",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
