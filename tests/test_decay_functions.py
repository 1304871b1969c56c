"""Decay functions: hand-computed values, numpy form == compiled form, supports, bad input."""

from __future__ import annotations

import math

import numpy as np
import pydantic
import pytest

from jamlik.routing.decay import (
    DecayFunction,
    ExponentialDecay,
    GaussianDecay,
    LinearDecay,
    LogisticDecay,
    StepDecay,
    decay_value,
)

ALL: list[DecayFunction] = [
    StepDecay(threshold=600),
    LinearDecay(threshold=900),
    ExponentialDecay(beta=0.004),
    GaussianDecay(sigma=400),
    LogisticDecay(midpoint=600, sd=150),
]


def test_step_and_linear_by_hand() -> None:
    step = StepDecay(threshold=10)
    assert step.evaluate([0, 9.99, 10, 10.01]).tolist() == [1, 1, 1, 0]
    lin = LinearDecay(threshold=10)
    assert lin.evaluate([0, 2.5, 5, 10, 12]).tolist() == [1, 0.75, 0.5, 0, 0]


def test_smooth_functions_by_hand() -> None:
    # exp(-0.1 * 10) = e^-1; Gaussian at one sigma = e^-1/2.
    assert ExponentialDecay(beta=0.1).evaluate(10.0) == pytest.approx(math.exp(-1))
    assert GaussianDecay(sigma=5).evaluate(5.0) == pytest.approx(math.exp(-0.5))
    # Logistic (R package `accessibility`, decay_logistic): f(0) = 1 exactly and, at the
    # midpoint m with s = pi / (sqrt(3) sd), f(m) = (1 + e^{-s m}) / 2.
    lg = LogisticDecay(midpoint=30, sd=10)
    s = math.pi / (math.sqrt(3) * 10)
    assert lg.evaluate(0.0) == pytest.approx(1.0)
    assert lg.evaluate(30.0) == pytest.approx((1 + math.exp(-s * 30)) / 2)
    assert lg.evaluate(40.0) == pytest.approx((1 + math.exp(-s * 30)) / (1 + math.exp(s * 10)))


@pytest.mark.parametrize("f", ALL, ids=lambda f: f.kind)
def test_compiled_form_equals_numpy_form(f: DecayFunction) -> None:
    costs = np.random.default_rng(1).uniform(0, 2000, 500)
    costs = costs[costs <= f.support]
    kind, p0, p1 = f.compiled()
    compiled = np.array([decay_value(kind, p0, p1, c) for c in costs])
    np.testing.assert_allclose(compiled, f.evaluate(costs), rtol=1e-12, atol=0)


@pytest.mark.parametrize("f", ALL, ids=lambda f: f.kind)
def test_monotone_from_one_and_zero_beyond_support(f: DecayFunction) -> None:
    costs = np.linspace(0, f.support, 200)
    values = f.evaluate(costs)
    assert values[0] == pytest.approx(1.0)
    assert np.all(np.diff(values) <= 1e-15)
    assert f.evaluate([f.support * 1.01, np.inf]).tolist() == [0.0, 0.0]


def test_support_of_smooth_functions() -> None:
    # The default support is where f falls to the tolerance.
    for f in (
        ExponentialDecay(beta=0.01),
        GaussianDecay(sigma=100),
        LogisticDecay(midpoint=300, sd=60),
    ):
        assert f._formula(np.array([f.support]))[0] == pytest.approx(1e-3)
    assert ExponentialDecay(beta=0.01, max_cost=250).support == 250
    assert StepDecay(threshold=42).support == 42


def test_names_and_labels() -> None:
    assert ExponentialDecay(beta=1).name == "exponential"
    assert ExponentialDecay(beta=1, label="exp_fast").name == "exp_fast"


@pytest.mark.parametrize(
    "make",
    [
        lambda: StepDecay(threshold=0),
        lambda: LinearDecay(threshold=-5),
        lambda: ExponentialDecay(beta=float("nan")),
        lambda: GaussianDecay(sigma=float("inf")),
        lambda: LogisticDecay(midpoint=10, sd=0),
        lambda: ExponentialDecay(beta=1, label="Bad Label"),
        lambda: StepDecay(threshold=10, unknown=1),
    ],
)
def test_bad_parameters_are_refused(make: object) -> None:
    with pytest.raises(pydantic.ValidationError):
        make()  # type: ignore[operator]
    assert issubclass(pydantic.ValidationError, ValueError)
