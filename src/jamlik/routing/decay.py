"""Distance-decay functions ``f(c)`` that weight an opportunity by the cost ``c`` of reaching it.

A gravity (potential) accessibility measure sums the opportunities an origin can reach, each
weighted by how far away it is (Hansen 1959; Geurs & van Wee 2004)::

    A_i = sum_j W_j * f(c_ij)

where ``W_j`` is the weight (count, capacity) of opportunity ``j`` and ``c_ij`` the travel cost.
Each class below is one ``f``; its parameters are in the **cost unit of the graph** (seconds for
travel-time graphs, metres for distance graphs). The names and parameterisations follow the R
package ``accessibility`` (Pereira & Herszenhut, IPEA, 2023: ``decay_binary``,
``decay_linear``, ``decay_exponential``, ``decay_logistic``); the Gaussian form is the one
reviewed by Kwan (1998).

Every function has two forms that give the same numbers:

* :meth:`DecayFunction.evaluate` — vectorised numpy, for users and tests;
* :meth:`DecayFunction.compiled` — a ``(kind, p0, p1)`` triple that the compiled search kernels
  evaluate with :func:`decay_value` inside their inner loop.

Each function also has a :attr:`~DecayFunction.support`: the cost beyond which it is treated as
zero. The engine stops its searches there. For the smooth functions (exponential, Gaussian,
logistic) the support is where ``f`` falls below ``tolerance`` (default 0.001), unless
``max_cost`` is given.

References
----------
Hansen, W. G. (1959). How accessibility shapes land use. *Journal of the American Institute of
Planners* 25(2), 73-76.
Kwan, M.-P. (1998). Space-time and integral measures of individual accessibility.
*Geographical Analysis* 30(3), 191-216.
Geurs, K. T. & van Wee, B. (2004). Accessibility evaluation of land-use and transport
strategies. *Journal of Transport Geography* 12(2), 127-140.
Bauer, J. & Groneberg, D. A. (2016). Measuring spatial accessibility of health care providers.
*PLoS ONE* 11(7), e0159148 (the logistic form).
Pereira, R. H. M. & Herszenhut, D. (2023). *accessibility: Transport Accessibility Measures*,
R package, IPEA.
"""

from __future__ import annotations

import math
from typing import Annotated, ClassVar

import numba
import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "DecayFunction",
    "ExponentialDecay",
    "GaussianDecay",
    "LinearDecay",
    "LogisticDecay",
    "StepDecay",
    "decay_value",
]

FloatArray = npt.NDArray[np.float64]

#: Kind codes understood by :func:`decay_value`.
STEP, LINEAR, EXPONENTIAL, GAUSSIAN, LOGISTIC = 0, 1, 2, 3, 4

PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]


@numba.njit(cache=True, inline="always")
def decay_value(kind: int, p0: float, p1: float, cost: float) -> float:  # pragma: no cover
    """Evaluate decay ``kind`` with parameters ``p0, p1`` at ``cost`` (numba-callable).

    The codes are 0 step (``p0`` = threshold), 1 linear (``p0`` = threshold), 2 exponential
    (``p0`` = rate), 3 Gaussian (``p0`` = sigma), 4 logistic (``p0`` = midpoint, ``p1`` = sd).
    """
    if kind == STEP:
        return 1.0 if cost <= p0 else 0.0
    if kind == LINEAR:
        return 1.0 - cost / p0 if cost <= p0 else 0.0
    if kind == EXPONENTIAL:
        return math.exp(-p0 * cost)
    if kind == GAUSSIAN:
        z = cost / p0
        return math.exp(-0.5 * z * z)
    # logistic, normalised so that f(0) = 1
    s = math.pi / (math.sqrt(3.0) * p1)
    return (1.0 + math.exp(-s * p0)) / (1.0 + math.exp(s * (cost - p0)))


class DecayFunction(BaseModel):
    """Base class of the decay functions (frozen pydantic models).

    Attributes
    ----------
    label
        Name used in output columns (``<category>_decay_<label>``); defaults to the kind.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ClassVar[str] = ""
    code: ClassVar[int] = -1
    label: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")

    @property
    def name(self) -> str:
        """Label used in column names."""
        return self.label or self.kind

    @property
    def support(self) -> float:
        """Cost beyond which the function is zero (or treated as zero)."""
        raise NotImplementedError

    def params(self) -> tuple[float, float]:
        """Return the two numeric parameters passed to :func:`decay_value`."""
        raise NotImplementedError

    def compiled(self) -> tuple[int, float, float]:
        """Return ``(kind_code, p0, p1)`` for the compiled kernels."""
        p0, p1 = self.params()
        return self.code, p0, p1

    def evaluate(self, cost: npt.ArrayLike) -> FloatArray:
        """Return ``f(cost)`` for an array of costs (``inf`` gives 0).

        Values beyond :attr:`support` are 0, as in the engine.
        """
        c = np.asarray(cost, dtype=np.float64)
        out = self._formula(c)
        return np.where(c <= self.support, out, 0.0)

    def _formula(self, c: FloatArray) -> FloatArray:
        raise NotImplementedError


class StepDecay(DecayFunction):
    """Binary (cumulative-opportunity) decay.

        f(c) = 1 if c <= T else 0

    ``decay_binary(cutoff)`` in the R package ``accessibility``; the cumulative-opportunities
    measure of Geurs & van Wee (2004).
    """

    kind: ClassVar[str] = "step"
    code: ClassVar[int] = STEP
    threshold: PositiveFloat

    @property
    def support(self) -> float:
        """The threshold ``T``."""
        return self.threshold

    def params(self) -> tuple[float, float]:
        """Return ``(T, 0)``."""
        return self.threshold, 0.0

    def _formula(self, c: FloatArray) -> FloatArray:
        return (c <= self.threshold).astype(np.float64)


class LinearDecay(DecayFunction):
    """Linear decay to zero at the threshold ``T``.

        f(c) = 1 - c / T if c <= T else 0

    ``decay_linear(cutoff)`` in the R package ``accessibility``.
    """

    kind: ClassVar[str] = "linear"
    code: ClassVar[int] = LINEAR
    threshold: PositiveFloat

    @property
    def support(self) -> float:
        """The threshold ``T``."""
        return self.threshold

    def params(self) -> tuple[float, float]:
        """Return ``(T, 0)``."""
        return self.threshold, 0.0

    def _formula(self, c: FloatArray) -> FloatArray:
        with np.errstate(invalid="ignore"):
            return np.where(c <= self.threshold, 1.0 - c / self.threshold, 0.0)


class _Smooth(DecayFunction):
    """A decay without a natural end: truncated at ``max_cost`` or where f < ``tolerance``."""

    max_cost: PositiveFloat | None = None
    tolerance: float = Field(default=1e-3, gt=0, lt=1)

    @property
    def support(self) -> float:
        """``max_cost`` if given, else the cost where ``f`` falls to ``tolerance``."""
        if self.max_cost is not None:
            return self.max_cost
        return self._inverse(self.tolerance)

    def _inverse(self, value: float) -> float:
        raise NotImplementedError


class ExponentialDecay(_Smooth):
    """Negative exponential decay with rate ``beta`` (per cost unit).

        f(c) = exp(-beta * c)

    ``decay_exponential(decay_value)`` in the R package ``accessibility``; Hansen (1959),
    Geurs & van Wee (2004).
    """

    kind: ClassVar[str] = "exponential"
    code: ClassVar[int] = EXPONENTIAL
    beta: PositiveFloat

    def params(self) -> tuple[float, float]:
        """Return ``(beta, 0)``."""
        return self.beta, 0.0

    def _formula(self, c: FloatArray) -> FloatArray:
        return np.exp(-self.beta * c)

    def _inverse(self, value: float) -> float:
        return -math.log(value) / self.beta


class GaussianDecay(_Smooth):
    """Gaussian decay with spread ``sigma`` (cost unit).

        f(c) = exp(-c**2 / (2 * sigma**2))

    The Gaussian form reviewed by Kwan (1998) (there written ``exp(-c**2 / v)`` with
    ``v = 2 sigma^2``).
    """

    kind: ClassVar[str] = "gaussian"
    code: ClassVar[int] = GAUSSIAN
    sigma: PositiveFloat

    def params(self) -> tuple[float, float]:
        """Return ``(sigma, 0)``."""
        return self.sigma, 0.0

    def _formula(self, c: FloatArray) -> FloatArray:
        return np.exp(-0.5 * (c / self.sigma) ** 2)

    def _inverse(self, value: float) -> float:
        return self.sigma * math.sqrt(-2.0 * math.log(value))


class LogisticDecay(_Smooth):
    """Logistic decay around the midpoint ``midpoint`` with standard deviation ``sd``.

        f(c) = (1 + exp(-s * m)) / (1 + exp(s * (c - m))),  s = pi / (sqrt(3) * sd)

    ``decay_logistic(cutoff, sd)`` in the R package ``accessibility`` (Bauer & Groneberg
    2016); normalised so that ``f(0) = 1`` and ``f(m) ~ 1/2``.
    """

    kind: ClassVar[str] = "logistic"
    code: ClassVar[int] = LOGISTIC
    midpoint: PositiveFloat
    sd: PositiveFloat

    def params(self) -> tuple[float, float]:
        """Return ``(midpoint, sd)``."""
        return self.midpoint, self.sd

    def _formula(self, c: FloatArray) -> FloatArray:
        s = math.pi / (math.sqrt(3.0) * self.sd)
        with np.errstate(over="ignore"):
            return (1.0 + math.exp(-s * self.midpoint)) / (1.0 + np.exp(s * (c - self.midpoint)))

    def _inverse(self, value: float) -> float:
        s = math.pi / (math.sqrt(3.0) * self.sd)
        # (1 + a) / (1 + e^{s(c-m)}) = v  =>  c = m + ln((1 + a) / v - 1) / s
        a = math.exp(-s * self.midpoint)
        return self.midpoint + math.log((1.0 + a) / value - 1.0) / s
