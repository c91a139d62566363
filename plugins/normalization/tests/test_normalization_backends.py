"""Regression tests of bugs found by running the normalization layers on every backend.

Written with keras and numpy alone: run them with ``KERAS_BACKEND=jax`` or
``torch`` as well as the default TensorFlow.
"""

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
    _arithmetic,
)

from zoo.testing.seams import gradients

numpy_of = keras.ops.convert_to_numpy


def _weights(model: keras.Model) -> list[np.ndarray]:
    return [np.array(numpy_of(w)) for w in model.trainable_weights]


def test_weight_normalization_fit_moves_every_weight(rng):
    # On JAX, a scope of its own hid the trainer's: fit crashed, and the bias had no gradient.
    x = rng.normal(size=(16, 3)).astype("float32")
    y = rng.normal(size=(16, 4)).astype("float32")
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, WeightNormalization(keras.layers.Dense(4))(inputs))
    model.compile(optimizer="sgd", loss="mse")
    before = _weights(model)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    for weight, old, new in zip(model.trainable_weights, before, _weights(model), strict=True):
        assert not np.allclose(old, new), f"{weight.path} did not move"
    model.predict(x, verbose=0)


def test_weight_normalization_gradients_reach_every_weight(rng):
    layer = WeightNormalization(keras.layers.Dense(4))
    x = rng.normal(size=(5, 3)).astype("float32")
    layer(x)

    def objective(t):
        return keras.ops.sum(keras.ops.square(layer(t) - 1.0))

    _, _, found = gradients(objective, [x], layer)
    assert [w.name for w in layer.trainable_weights] == ["g", "kernel", "bias"]
    for weight, gradient in zip(layer.trainable_weights, found, strict=True):
        assert gradient is not None and np.any(gradient), f"no gradient reaches {weight.path}"


def test_weight_normalization_hands_on_the_wrapped_layers_losses_and_updates(rng):
    class Counting(keras.layers.Layer):
        def build(self, input_shape):
            self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], 2))
            self.calls = self.add_weight(
                name="calls", shape=(), initializer="zeros", trainable=False
            )

        def call(self, inputs):
            self.calls.assign(self.calls + 1.0)
            self.add_loss(keras.ops.sum(self.kernel) * 0.0 + 1.0)
            return keras.ops.matmul(inputs, self.kernel)

    layer = WeightNormalization(Counting())
    x = rng.normal(size=(8, 3)).astype("float32")
    layer(x)
    assert len(layer.losses) == 1
    model = keras.Sequential([keras.Input(shape=(3,)), layer])
    model.compile(optimizer="sgd", loss="mse")
    zeros = np.zeros((8, 2), "float32")
    plain = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2, use_bias=False)])
    plain.compile(optimizer="sgd", loss="mse")
    plain.layers[0].kernel.assign(layer.normalized_kernel())
    # The wrapped layer's loss of 1 is part of the training loss.
    assert model.evaluate(x, zeros, verbose=0) == pytest.approx(
        plain.evaluate(x, zeros, verbose=0) + 1.0, rel=1e-5
    )
    calls = float(numpy_of(layer.layer.calls))
    model.fit(x, zeros, epochs=2, batch_size=8, verbose=0)
    assert float(numpy_of(layer.layer.calls)) == calls + 2.0  # one per step


def test_on_cpu_never_raises():
    # Keras lists no devices on PyTorch: on_cpu() raised there on every call.
    assert isinstance(_arithmetic.on_cpu(), bool)


_NORMALIZATIONS = {
    "layer": LayerNormalization,
    "rms": RMSNormalization,
    "group": lambda: GroupNormalization(groups=2),
    "instance": InstanceNormalization,
}


@pytest.mark.parametrize(
    "name, shape",
    # Instance normalization of a matrix normalizes single values: nothing to learn.
    [
        pytest.param(name, shape, id=f"{name}-rank{len(shape)}")
        for shape in [(8, 6), (8, 5, 6)]
        for name in _NORMALIZATIONS
        if len(shape) > 2 or name != "instance"
    ],
)
def test_normalizations_fit(name, shape, rng):
    # On PyTorch, on_cpu() raised in every layer, normalization or gradient.
    x = rng.normal(size=shape).astype("float32")
    inputs = keras.Input(shape=shape[1:])
    model = keras.Model(inputs, _NORMALIZATIONS[name]()(inputs))
    model.compile(optimizer="sgd", loss="mse")
    before = _weights(model)
    model.fit(x, x * 0.5 + 1.0, epochs=1, batch_size=8, verbose=0)
    for weight, old, new in zip(model.trainable_weights, before, _weights(model), strict=True):
        assert not np.allclose(old, new), f"{weight.path} did not move"
    assert np.all(np.isfinite(model.predict(x, verbose=0)))


def test_batch_normalization_synchronized_as_keras():
    # Synchronized batch statistics are TensorFlow-only in Keras: elsewhere both refuse.
    def refused(cls) -> bool:
        try:
            cls(synchronized=True)
        except ValueError:
            return True
        return False

    assert refused(BatchNormalization) == refused(keras.layers.BatchNormalization)
    assert refused(BatchNormalization) == (keras.backend.backend() != "tensorflow")


@pytest.mark.parametrize(
    "make, axes",
    [
        pytest.param(lambda: BatchNormalization(), (0, 1, 2), id="batch"),
        pytest.param(lambda: BatchNormalization(axis=1), (0, 2, 3), id="batch_axis1"),
        pytest.param(lambda: InstanceNormalization(), (1, 2), id="instance"),
        pytest.param(lambda: GroupNormalization(groups=-1), (1, 2), id="group_of_one"),
    ],
)
def test_statistics_of_inputs_far_from_zero(make, axes, rng):
    # On PyTorch, Keras' moments take mean(x**2) - mean(x)**2: around 1e4 that gave NaN.
    x = (1e4 + rng.normal(size=(4, 5, 5, 4))).astype("float32")
    layer = make()
    y = numpy_of(layer(x, training=True))
    wide = x.astype("float64")
    mean = wide.mean(axis=axes, keepdims=True)
    want = (wide - mean) / np.sqrt(wide.var(axis=axes, keepdims=True) + layer.epsilon)
    np.testing.assert_allclose(y, want, atol=1e-2)
