"""jamlik: equal access (jämlik tillgång), segregation and social impact assessment.

The package is laid out as the pipeline it runs::

    ingest → networks → routing → indicators → scenarios → ska → report / web / cli

with ``storage`` beside it. Heavy parts are imported lazily.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
