"""Numerical robustness of every layer: constant inputs, mixed precision, epsilon."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_normalization import (
    BatchNormalization,
    GroupNormalization,
    InstanceNormalization,
    LayerNormalization,
    RMSNormalization,
    WeightNormalization,
)

from zoo.testing import seams

NORMALIZERS = {
    "batch": lambda: BatchNormalization(),
    "layer": lambda: LayerNormalization(),
    "group": lambda: GroupNormalization(groups=2),
    "instance": lambda: InstanceNormalization(),
    "rms": lambda: RMSNormalization(),
}

numpy_of = keras.ops.convert_to_numpy


@pytest.mark.parametrize("value", [0.0, 3.0])
@pytest.mark.parametrize("name", sorted(NORMALIZERS))
def test_constant_input_gives_finite_outputs_and_gradients(name, value):
    layer = NORMALIZERS[name]()
    x = np.full((4, 3, 3, 4), value, "float32")
    y = numpy_of(layer(x, training=True))
    weights = keras.ops.convert_to_tensor(np.arange(y.size, dtype="float32").reshape(y.shape) / 100)

    def loss(inputs):
        return keras.ops.sum(keras.ops.multiply(layer(inputs, training=True), weights))

    _, input_gradients, weight_gradients = seams.gradients(loss, [x], layer)
    assert np.isfinite(y).all()
    for gradient in [*input_gradients, *weight_gradients]:
        assert gradient is not None and np.isfinite(gradient).all()


@pytest.mark.parametrize("name", sorted(NORMALIZERS))
def test_large_float16_input_under_mixed_float16(name, rng, dtype_policy):
    # Around 1e4 the float16 sum of squares overflows (max 65504): statistics
    # must be taken in float32.
    x = (1e4 + 100.0 * rng.normal(size=(4, 3, 3, 4))).astype("float16")
    with dtype_policy("mixed_float16"):
        layer = NORMALIZERS[name]()
        y = layer(x, training=True)
        reference = NORMALIZERS[name]()
    assert keras.backend.standardize_dtype(y.dtype) == "float16"
    assert all(w.dtype == "float32" for w in layer.weights)
    y = numpy_of(y).astype("float32")
    assert np.isfinite(y).all()
    expected = numpy_of(reference(x.astype("float32"), training=True))
    np.testing.assert_allclose(y, expected, atol=0.05 * max(1.0, np.abs(expected).max()))


def test_weight_normalization_under_mixed_float16(rng, dtype_policy):
    x = rng.normal(size=(4, 8)).astype("float16")
    with dtype_policy("mixed_float16"):
        layer = WeightNormalization(keras.layers.Dense(4))
        y = layer(x)
    assert keras.backend.standardize_dtype(y.dtype) == "float16"
    assert {w.dtype for w in layer.weights} == {"float32"}
    assert np.isfinite(numpy_of(y)).all()


def test_zero_kernel_column_stays_finite(rng):
    layer = WeightNormalization(keras.layers.Dense(3, kernel_initializer="zeros"))
    x = rng.normal(size=(2, 4)).astype("float32")
    layer(x)
    _, _, gradients = seams.gradients(lambda t: keras.ops.sum(layer(t)), [x], layer)
    for gradient in gradients:
        assert gradient is not None and np.isfinite(gradient).all()


@pytest.mark.parametrize("name", sorted(NORMALIZERS))
@pytest.mark.parametrize("epsilon", [0, -1e-5, float("nan"), "small"])
def test_epsilon_must_be_positive(name, epsilon):
    cls = type(NORMALIZERS[name]())
    with pytest.raises(ValueError, match=r"`epsilon`.*epsilon="):
        cls(epsilon=epsilon)


@pytest.mark.parametrize("name", sorted(NORMALIZERS))
def test_integer_input_is_rejected(name):
    with pytest.raises(ValueError, match="floating-point"):
        NORMALIZERS[name]()(np.ones((2, 3, 3, 4), "int32"))
