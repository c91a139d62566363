"""Regression tests of bugs found by running the core layers on every backend.

Written with keras and numpy alone: run them with ``KERAS_BACKEND=jax`` or
``torch`` as well as the default TensorFlow.
"""

from __future__ import annotations

import keras
import numpy as np
from zoo_core import RunningSum

numpy_of = keras.ops.convert_to_numpy


def test_running_sum_reset_state_after_fit():
    # On JAX, reset_state() raised (ops.zeros_like of a Keras Variable).
    x = np.arange(12, dtype="float32").reshape(4, 3)
    layer = RunningSum()
    model = keras.Sequential([keras.Input(shape=(3,)), layer])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, x, epochs=1, batch_size=4, verbose=0)
    np.testing.assert_allclose(numpy_of(layer.mean), x.mean(axis=0))
    layer.reset_state()
    for variable in (layer.total, layer.count, layer.mean):
        np.testing.assert_array_equal(numpy_of(variable), np.zeros(variable.shape))
    layer(x[:2], training=True)
    np.testing.assert_allclose(numpy_of(layer.mean), x[:2].mean(axis=0))
    assert float(numpy_of(layer.count)) == 2.0
