"""FilterResponseNormalization, TLU and PoincareNormalize against their formulas in numpy."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_normalization import TLU, FilterResponseNormalization, PoincareNormalize

from zoo.testing import seams

numpy_of = keras.ops.convert_to_numpy


def frn_reference(x, gamma, beta, epsilon, axes=(1, 2)):
    """Singh & Krishnan (2020), eq. 1-2: gamma * x / sqrt(mean(x^2) + |eps|) + beta."""
    nu2 = (x.astype("float64") ** 2).mean(axis=axes, keepdims=True)
    return gamma * x / np.sqrt(nu2 + abs(epsilon)) + beta


def test_frn_matches_the_formula(rng):
    x = rng.normal(1.0, 3.0, size=(3, 5, 4, 6)).astype("float32")
    layer = FilterResponseNormalization(epsilon=1e-3)
    layer(x)
    gamma, beta = rng.normal(size=(2, 1, 1, 1, 6)).astype("float32")
    layer.gamma.assign(gamma)
    layer.beta.assign(beta)
    np.testing.assert_allclose(
        numpy_of(layer(x)), frn_reference(x, gamma, beta, 1e-3), rtol=1e-5, atol=1e-5
    )
    assert [tuple(w.shape) for w in layer.weights] == [(1, 1, 1, 6)] * 2


def test_frn_learned_epsilon_is_added_as_its_absolute_value(rng):
    x = rng.normal(size=(2, 3, 3, 4)).astype("float32") * 1e-2
    layer = FilterResponseNormalization(learned_epsilon=True)
    layer(x)
    assert layer.eps_learned.name == "learned_epsilon"
    np.testing.assert_allclose(numpy_of(layer.eps_learned), [1e-4])
    layer.eps_learned.assign([-0.01])
    np.testing.assert_allclose(
        numpy_of(layer(x)), frn_reference(x, 1.0, 0.0, 1e-6 + 0.01), rtol=1e-5, atol=1e-6
    )


def test_frn_other_spatial_axes(rng):
    x = rng.normal(size=(2, 7, 3)).astype("float32")
    y = numpy_of(FilterResponseNormalization(axis=[1])(x))
    np.testing.assert_allclose(y, frn_reference(x, 1.0, 0.0, 1e-6, axes=(1,)), rtol=1e-5)


def test_frn_statistics_in_float32_under_mixed_float16(dtype_policy):
    # Around 300, x**2 summed over 64 positions overflows float16 (max 65504).
    x = np.full((2, 8, 8, 3), 300.0, "float16")
    with dtype_policy("mixed_float16"):
        layer = FilterResponseNormalization()
        y = layer(x)
    assert keras.backend.standardize_dtype(y.dtype) == "float16"
    assert {w.dtype for w in layer.weights} == {"float32"}
    np.testing.assert_allclose(numpy_of(y).astype("float32"), 1.0, rtol=1e-3)


def test_frn_gradient_of_gamma_matches_the_formula(rng, most_precise):
    x = rng.normal(size=(2, 3, 3, 2)).astype(most_precise)
    layer = FilterResponseNormalization(dtype=most_precise)
    layer(x)
    _, _, found = seams.gradients(lambda t: keras.ops.sum(layer(t)), [x], layer)
    want = (x / np.sqrt((x**2).mean(axis=(1, 2), keepdims=True) + 1e-6)).sum(axis=(0, 1, 2))
    np.testing.assert_allclose(found[0].reshape(-1), want, rtol=1e-5)


@pytest.mark.parametrize(
    "kwargs",
    [{"axis": [0, 1]}, {"axis": [1, 3]}, {"axis": [2, 2]}, {"axis": 1}, {"epsilon": 0.0}],
)
def test_frn_refuses_bad_arguments(kwargs):
    with pytest.raises(ValueError, match="`(axis|epsilon)`"):
        FilterResponseNormalization(**kwargs)(np.ones((2, 3, 3, 4), "float32"))


def test_tlu_is_max_of_x_and_a_learned_threshold(rng):
    x = rng.normal(size=(4, 3, 5)).astype("float32")
    layer = TLU()
    layer(x)
    tau = rng.normal(size=(3, 5)).astype("float32")
    layer.tau.assign(tau)
    np.testing.assert_array_equal(numpy_of(layer(x)), np.maximum(x, tau))


def test_tlu_affine(rng):
    x = rng.normal(size=(4, 6)).astype("float32")
    layer = TLU(affine=True)
    layer(x)
    tau, alpha = rng.normal(size=(2, 6)).astype("float32")
    layer.tau.assign(tau)
    layer.alpha.assign(alpha)
    np.testing.assert_allclose(numpy_of(layer(x)), np.maximum(x, alpha * x + tau), rtol=1e-6)
    assert TLU().get_config()["alpha_initializer"]["class_name"] == "Zeros"


def poincare_reference(x, axes, epsilon):
    norm = np.sqrt((x.astype("float64") ** 2).sum(axis=axes, keepdims=True))
    return np.where(norm > 1 - epsilon, x * (1 - epsilon) / norm, x)


@pytest.mark.parametrize("axis", [1, -1, [1, 2], None, 0])
def test_poincare_projects_into_the_ball(rng, axis):
    x = rng.normal(scale=0.4, size=(5, 3, 4)).astype("float32")
    y = numpy_of(PoincareNormalize(axis=axis, epsilon=0.01)(x))
    axes = tuple(range(3)) if axis is None else tuple(np.atleast_1d(axis))
    np.testing.assert_allclose(y, poincare_reference(x, axes, 0.01), rtol=1e-5, atol=1e-7)
    assert np.sqrt((y.astype("float64") ** 2).sum(axis=axes)).max() <= 0.99 + 1e-6


def test_poincare_zero_vector_has_finite_gradient():
    layer = PoincareNormalize()
    x = np.zeros((2, 3), "float32")
    _, (gradient,), _ = seams.gradients(lambda t: keras.ops.sum(layer(t)), [x], layer)
    np.testing.assert_array_equal(gradient, np.ones((2, 3)))


@pytest.mark.parametrize("kwargs", [{"epsilon": 1.0}, {"epsilon": -0.1}, {"axis": "last"}])
def test_poincare_refuses_bad_arguments(kwargs):
    with pytest.raises(ValueError, match="`(axis|epsilon)`"):
        PoincareNormalize(**kwargs)
