"""The hand-written gradients of the normalizations: by finite differences, and batch
normalization's against automatic differentiation of its textbook definition."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from zoo_normalization import (
    BatchNormalization,
    GroupNormalization,
    InstanceNormalization,
    LayerNormalization,
    RMSNormalization,
    _arithmetic,
)

from zoo.testing import seams
from zoo.testing.helpers import central_difference

CASES = {
    "layer": lambda **kw: LayerNormalization(**kw),
    "layer-two-axes": lambda **kw: LayerNormalization(axis=[1, 3], **kw),
    "group": lambda **kw: GroupNormalization(groups=2, **kw),
    "group-channels-first": lambda **kw: GroupNormalization(groups=3, axis=1, **kw),
    "instance": lambda **kw: InstanceNormalization(**kw),
    "rms": lambda center, scale, **kw: RMSNormalization(**kw),
    "rms-two-axes": lambda center, scale, **kw: RMSNormalization(axis=[1, 2], **kw),
}


class Objective(keras.Model):
    """``objective(point)`` with the point held as a weight, next to the layer's own.

    One compiled training step by plain gradient descent with a unit learning rate
    moves every weight (the point included) by minus its gradient.
    """

    def __init__(self, objective, point: np.ndarray, layer: keras.layers.Layer):
        super().__init__(dtype=layer.dtype_policy)
        self.objective, self.layer = objective, layer
        self.point = self.add_weight(shape=point.shape, initializer="zeros")
        self.point.assign(point)

    def call(self, unused):
        return keras.ops.reshape(self.objective(self.point), (1, 1))


def compiled_gradients(objective, x: np.ndarray, layer: keras.layers.Layer):
    """The gradients of ``objective(x)`` with respect to `x` and each of the layer's
    trainable weights, taken by Keras' compiled training step (``jit_compile=True``:
    XLA, jax.jit or torch.compile)."""
    model = Objective(objective, x, layer)
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=1.0),
        loss=lambda _, value: keras.ops.sum(value),
        jit_compile=True,
    )
    variables = [model.point, *layer.trainable_weights]
    before = [keras.ops.convert_to_numpy(v).copy() for v in variables]
    model.train_on_batch(np.zeros((1, 1)), np.zeros((1, 1)))
    found = [old - keras.ops.convert_to_numpy(v) for v, old in zip(variables, before, strict=True)]
    for variable, old in zip(variables, before, strict=True):
        variable.assign(old)
    return found[:1], found[1:]


def assert_close_to_central_differences(
    objective, x, layer, input_gradient, weight_gradients, rng, step, tolerance
) -> None:
    """The input's gradient, then each trainable weight's, probed at a few entries."""
    probed = [(None, input_gradient)]
    probed += list(zip(layer.trainable_weights, weight_gradients, strict=True))
    for weight, gradient in probed:
        size = x.size if weight is None else math.prod(weight.shape)
        flat = np.ravel(gradient)
        for index in rng.choice(size, size=min(6, size), replace=False):
            estimate = central_difference(objective, x, weight, index, step)
            assert abs(estimate - flat[index]) <= tolerance * max(1.0, abs(estimate))


@pytest.mark.parametrize("compiled", ["eager", "compiled"])
@pytest.mark.parametrize("sums", ["cpu-small", "cpu-large", "accelerator"])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_match_central_differences(name, affine, sums, compiled, rng, monkeypatch):
    # Which sums are matrix products depends on the device and on the input's
    # size (columns): every way, eagerly and compiled (jit_compile=True).
    monkeypatch.setattr(_arithmetic, "on_cpu", lambda: sums != "accelerator")
    if sums == "cpu-large":
        monkeypatch.setattr(_arithmetic, "_LIBRARY_PRODUCT_ELEMENTS", 0)
    with seams.most_precise() as dtype:
        # float64 where the backend computes in it (TensorFlow); elsewhere float32, whose
        # rounding (~1e-7 relative) needs a wider step and tolerance.
        step, tolerance = (1e-6, 1e-5) if dtype == "float64" else (1e-3, 1e-2)
        layer = CASES[name](center=affine, scale=affine, dtype=dtype)
        x = rng.normal(1.0, 2.0, size=(2, 6, 3, 4)).astype(dtype)
        layer.build(x.shape)
        for weight in layer.trainable_weights:
            weight.assign(rng.normal(size=weight.shape).astype(dtype))
        projection = keras.ops.convert_to_tensor(rng.normal(size=x.shape).astype(dtype))

        def objective(inputs):
            return keras.ops.sum(keras.ops.multiply(layer(inputs), projection))

        if compiled == "compiled":
            input_gradients, weight_gradients = compiled_gradients(objective, x, layer)
        else:
            _, input_gradients, weight_gradients = seams.gradients(objective, [x], layer)
        assert_close_to_central_differences(
            objective, x, layer, input_gradients[0], weight_gradients, rng, step, tolerance
        )


#: Batch normalization's channel axis and input shape: channels last (the matrix view),
#: channels first, a middle axis, and a plain matrix.
BATCH_CASES = {
    "last": (-1, (6, 5, 4, 3)),
    "first": (1, (6, 3, 5, 4)),
    "middle": (2, (6, 5, 3, 4)),
    "matrix": (-1, (12, 5)),
}


def textbook_batch_normalization(layer: BatchNormalization, x):
    """``(x - mean) / sqrt(variance + epsilon) * gamma + beta`` with the batch's own
    statistics, in plain `keras.ops` for the backend to differentiate step by step."""
    rank = len(x.shape)
    axis = layer.axis % rank
    axes = [i for i in range(rank) if i != axis]
    shape = [x.shape[axis] if i == axis else 1 for i in range(rank)]
    mean = keras.ops.mean(x, axis=axes, keepdims=True)
    variance = keras.ops.mean(keras.ops.square(x - mean), axis=axes, keepdims=True)
    outputs = (x - mean) / keras.ops.sqrt(variance + layer.epsilon)
    if layer.scale:
        outputs = outputs * keras.ops.reshape(layer.gamma, shape)
    if layer.center:
        outputs = outputs + keras.ops.reshape(layer.beta, shape)
    return outputs


@pytest.mark.parametrize("compiled", ["eager", "compiled"])
@pytest.mark.parametrize(
    ("center", "scale"), [(True, True), (False, True), (True, False), (False, False)]
)
@pytest.mark.parametrize("case", sorted(BATCH_CASES))
def test_batch_normalization_gradients_match_autodiff(case, center, scale, compiled, rng):
    # The hand-written gradient of training mode, against the backend's own
    # differentiation of the textbook formula: the input's and gamma's and beta's.
    axis, shape = BATCH_CASES[case]
    layer = BatchNormalization(axis=axis, center=center, scale=scale, epsilon=0.01)
    x = rng.normal(2.0, 3.0, size=shape).astype("float32")
    layer.build(x.shape)
    for weight in layer.trainable_weights:
        weight.assign(rng.normal(size=weight.shape).astype("float32"))
    projection = keras.ops.convert_to_tensor(rng.normal(size=shape).astype("float32"))

    def objective(inputs):
        return keras.ops.sum(keras.ops.multiply(layer(inputs, training=True), projection))

    def reference(inputs):
        return keras.ops.sum(
            keras.ops.multiply(textbook_batch_normalization(layer, inputs), projection)
        )

    if compiled == "compiled":
        found_x, found_weights = compiled_gradients(objective, x, layer)
    else:
        _, found_x, found_weights = seams.gradients(objective, [x], layer)
    _, expected_x, expected_weights = seams.gradients(reference, [x], layer)
    assert len(found_weights) == int(center) + int(scale)
    for found, expected in zip(
        [*found_x, *found_weights], [*expected_x, *expected_weights], strict=True
    ):
        np.testing.assert_allclose(found, expected, rtol=1e-4, atol=1e-4)


def test_batch_normalization_gradients_match_central_differences(rng):
    with seams.most_precise() as dtype:
        step, tolerance = (1e-6, 1e-5) if dtype == "float64" else (1e-3, 1e-2)
        layer = BatchNormalization(axis=1, dtype=dtype)
        x = rng.normal(1.0, 2.0, size=(4, 3, 5, 2)).astype(dtype)
        layer.build(x.shape)
        for weight in layer.trainable_weights:
            weight.assign(rng.normal(size=weight.shape).astype(dtype))
        projection = keras.ops.convert_to_tensor(rng.normal(size=x.shape).astype(dtype))

        def objective(inputs):
            return keras.ops.sum(keras.ops.multiply(layer(inputs, training=True), projection))

        _, input_gradients, weight_gradients = seams.gradients(objective, [x], layer)
        assert_close_to_central_differences(
            objective, x, layer, input_gradients[0], weight_gradients, rng, step, tolerance
        )


def test_batch_normalization_gradient_is_exact_far_from_zero(rng):
    # The backward pass sums dy * x and subtracts mean * sum(dy): with inputs around
    # 1e3 it must still match the float64 textbook gradient as closely as float32
    # inputs allow (Keras' PyTorch gradient, through its one-pass variance, is off
    # by 3% there).
    x = rng.normal(1e3, 1.0, size=(32, 6, 6, 8)).astype("float32")
    upstream = rng.normal(size=x.shape)
    gamma = rng.normal(size=8)
    layer = BatchNormalization()
    layer.build(x.shape)
    layer.gamma.assign(gamma.astype("float32"))

    projection = keras.ops.convert_to_tensor(upstream.astype("float32"))

    def objective(inputs):
        return keras.ops.sum(keras.ops.multiply(layer(inputs, training=True), projection))

    _, (found,), _ = seams.gradients(objective, [x], layer)
    exact = x.astype("float64")
    count = exact.size // 8
    centered = exact - exact.mean(axis=(0, 1, 2))
    inv = 1.0 / np.sqrt(np.mean(centered**2, axis=(0, 1, 2)) + layer.epsilon)
    normalized = centered * inv
    expected = (gamma * inv / count) * (
        count * upstream
        - upstream.sum(axis=(0, 1, 2))
        - normalized * (upstream * normalized).sum(axis=(0, 1, 2))
    )
    assert np.max(np.abs(found - expected)) <= 1e-4 * np.max(np.abs(expected))
