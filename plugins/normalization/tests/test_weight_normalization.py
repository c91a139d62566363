"""WeightNormalization against Salimans & Kingma (2016), written in numpy."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_normalization import WeightNormalization

from zoo.testing import backend

numpy_of = keras.ops.convert_to_numpy


def normalized(v: np.ndarray, g: np.ndarray) -> np.ndarray:
    """w = g * v / ||v||, the norm per output unit (last axis) over every other axis."""
    norm = np.sqrt((v**2).reshape(-1, v.shape[-1]).sum(axis=0))
    return g * v / norm


def test_dense_uses_the_reparameterized_kernel(rng):
    layer = WeightNormalization(keras.layers.Dense(3, activation="tanh"))
    x = rng.normal(size=(5, 4)).astype("float32")
    layer(x)
    g = np.array([0.5, 2.0, 3.0], "float32")
    layer.g.assign(g)
    v, bias = numpy_of(layer.layer.kernel), rng.normal(size=3).astype("float32")
    layer.layer.bias.assign(bias)
    want = np.tanh(x @ normalized(v, g) + bias)
    np.testing.assert_allclose(numpy_of(layer(x)), want, atol=1e-5)
    # Nothing was written into the wrapped layer's kernel.
    np.testing.assert_array_equal(numpy_of(layer.layer.kernel), v)


def test_conv2d_norm_is_over_all_but_the_output_axis(rng):
    layer = WeightNormalization(keras.layers.Conv2D(4, 3, use_bias=False))
    x = rng.normal(size=(2, 6, 6, 3)).astype("float32")
    layer(x)
    g = rng.uniform(0.5, 2.0, 4).astype("float32")
    layer.g.assign(g)
    twin = keras.layers.Conv2D(4, 3, use_bias=False)
    twin(x)
    twin.kernel.assign(normalized(numpy_of(layer.layer.kernel), g))
    np.testing.assert_allclose(numpy_of(layer(x)), numpy_of(twin(x)), atol=1e-5)


def test_g_starts_at_the_kernel_norm_so_outputs_are_unchanged(rng):
    dense = keras.layers.Dense(3)
    layer = WeightNormalization(dense)
    x = rng.normal(size=(4, 5)).astype("float32")
    y = numpy_of(layer(x))
    np.testing.assert_allclose(y, x @ numpy_of(dense.kernel) + numpy_of(dense.bias), atol=1e-5)


def test_output_does_not_depend_on_the_length_of_v(rng):
    layer = WeightNormalization(keras.layers.Dense(3))
    x = rng.normal(size=(4, 5)).astype("float32")
    before = numpy_of(layer(x))
    layer.layer.kernel.assign(7.0 * layer.layer.kernel)
    np.testing.assert_allclose(numpy_of(layer(x)), before, atol=1e-5)


def test_gradient_of_g_matches_the_formula(rng, most_precise):
    layer = WeightNormalization(keras.layers.Dense(2, use_bias=False), dtype=most_precise)
    x = rng.normal(size=(3, 4)).astype(most_precise)
    layer(x)
    _, _, gradients = backend.gradients(lambda t: keras.ops.sum(layer(t)), [x], layer)
    (grad_g,) = (g for w, g in zip(layer.trainable_weights, gradients, strict=True) if w is layer.g)
    v = numpy_of(layer.layer.kernel).astype("float64")
    # d/dg sum(x @ (g v / |v|)) = sum over samples of x @ (v / |v|)
    want = (x.astype("float64") @ (v / np.linalg.norm(v, axis=0))).sum(axis=0)
    # Exact to rounding: float64 where the backend computes in it, else float32 (~1e-7
    # relative on sums of a few terms of order 1).
    np.testing.assert_allclose(grad_g, want, atol=1e-10 if most_precise == "float64" else 1e-5)


def test_wrapped_layer_is_built_lazily_and_config_round_trips():
    dense = keras.layers.Dense(3, name="inner")
    layer = WeightNormalization(dense, name="wn")
    assert not dense.built and not layer.weights
    config = layer.get_config()
    assert config["layer"]["config"]["units"] == 3
    clone = WeightNormalization.from_config(config)
    assert isinstance(clone.layer, keras.layers.Dense) and clone.layer is not dense
    assert clone.layer.name == "inner" and not clone.layer.built
    assert clone.get_config() == config


def test_dtype_is_shared_with_the_wrapped_layer():
    layer = WeightNormalization(keras.layers.Dense(3), dtype="float64")
    assert layer.layer.dtype_policy.name == "float64"
    assert WeightNormalization(keras.layers.Dense(3, dtype="float64")).dtype == "float64"


def test_rejects_what_is_not_a_layer():
    with pytest.raises(ValueError, match="`layer`"):
        WeightNormalization("dense")


def test_rejects_a_layer_without_kernel():
    layer = WeightNormalization(keras.layers.LayerNormalization())
    with pytest.raises(ValueError, match="`layer`.*kernel"):
        layer(np.ones((2, 3), "float32"))
