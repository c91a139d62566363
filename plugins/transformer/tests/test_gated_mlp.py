"""GatedMLP against the formula, written in numpy with the layer's weights."""

from __future__ import annotations

import math

import numpy as np
import pytest
from zoo_transformer import GatedMLP

from zoo.testing.helpers import as_numpy


def _erf(x: np.ndarray) -> np.ndarray:
    return np.vectorize(math.erf)(x)


ACTIVATIONS = {
    "silu": lambda z: z / (1.0 + np.exp(-z)),  # SwiGLU
    "gelu": lambda z: 0.5 * z * (1.0 + _erf(z / np.sqrt(2.0))),  # GEGLU (exact gelu)
    "relu": lambda z: np.maximum(z, 0.0),  # ReGLU
}


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize(("use_bias", "output_dim"), [(False, None), (True, 5)])
def test_gated_mlp_is_the_gated_linear_unit(activation, use_bias, output_dim):
    layer = GatedMLP(16, activation=activation, use_bias=use_bias, output_dim=output_dim)
    x = np.random.default_rng(0).normal(size=(3, 4, 8)).astype("float32")
    layer.build(x.shape)
    rng = np.random.default_rng(1)
    # Non-zero biases, so that a bias added in the wrong place shows.
    layer.set_weights([rng.normal(size=w.shape).astype("float32") for w in layer.weights])
    weights = {w.name: as_numpy(w).astype("float64") for w in layer.weights}
    x64 = x.astype("float64")
    gate = x64 @ weights["gate_kernel"] + weights.get("gate_bias", 0.0)
    up = x64 @ weights["up_kernel"] + weights.get("up_bias", 0.0)
    expected = (ACTIVATIONS[activation](gate) * up) @ weights["down_kernel"]
    expected = expected + weights.get("down_bias", 0.0)
    assert expected.shape == (3, 4, output_dim or 8)
    np.testing.assert_allclose(as_numpy(layer(x)), expected, rtol=1e-4, atol=1e-4)


def test_gated_mlp_refuses_another_width_after_build():
    layer = GatedMLP(4)
    layer(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"\(2, 5\)"):
        layer(np.zeros((2, 5), "float32"))
