"""The hand-written gradients of layer/RMS/group/instance normalization, by finite differences."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from zoo_normalization import (
    GroupNormalization,
    InstanceNormalization,
    LayerNormalization,
    RMSNormalization,
    _arithmetic,
)

CASES = {
    "layer": lambda **kw: LayerNormalization(**kw),
    "layer-two-axes": lambda **kw: LayerNormalization(axis=[1, 3], **kw),
    "group": lambda **kw: GroupNormalization(groups=2, **kw),
    "group-channels-first": lambda **kw: GroupNormalization(groups=3, axis=1, **kw),
    "instance": lambda **kw: InstanceNormalization(**kw),
    "rms": lambda center, scale, **kw: RMSNormalization(**kw),
    "rms-two-axes": lambda center, scale, **kw: RMSNormalization(axis=[1, 2], **kw),
}


@pytest.mark.parametrize("compiled", ["eager", "xla"])
@pytest.mark.parametrize("sums", ["cpu-small", "cpu-large", "accelerator"])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_match_central_differences(name, affine, sums, compiled, rng, monkeypatch):
    # Which sums are matrix products depends on the device and on the input's
    # size (columns): every way, eagerly and compiled by XLA.
    monkeypatch.setattr(_arithmetic, "on_cpu", lambda: sums != "accelerator")
    if sums == "cpu-large":
        monkeypatch.setattr(_arithmetic, "_LIBRARY_PRODUCT_ELEMENTS", 0)
    layer = CASES[name](center=affine, scale=affine, dtype="float64")
    x = rng.normal(1.0, 2.0, size=(2, 6, 3, 4))
    layer.build(x.shape)
    for weight in layer.trainable_weights:
        weight.assign(rng.normal(size=weight.shape))
    projection = rng.normal(size=x.shape)
    xs = tf.Variable(x)

    def objective():
        return tf.reduce_sum(layer(xs) * projection)

    variables = [xs, *layer.trainable_weights]

    def gradient_of_objective():
        with tf.GradientTape() as tape:
            loss = objective()
        return tape.gradient(loss, variables)

    if compiled == "xla":
        gradient_of_objective = tf.function(gradient_of_objective, jit_compile=True)
    gradients = gradient_of_objective()
    step = 1e-6
    for variable, gradient in zip(variables, gradients, strict=True):
        values = keras.ops.convert_to_numpy(variable).copy()
        flat = np.ravel(gradient)
        for index in rng.choice(values.size, size=min(6, values.size), replace=False):
            estimates = []
            for sign in (1, -1):
                shifted = values.copy().reshape(-1)
                shifted[index] += sign * step
                variable.assign(shifted.reshape(values.shape))
                estimates.append(float(objective()))
            variable.assign(values)
            estimate = (estimates[0] - estimates[1]) / (2 * step)
            assert abs(estimate - flat[index]) <= 1e-5 * max(1.0, abs(estimate))
