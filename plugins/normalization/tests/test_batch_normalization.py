"""BatchNormalization against an independent numpy implementation of the paper."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_normalization import BatchNormalization

numpy_of = keras.ops.convert_to_numpy


def broadcast(values: np.ndarray, rank: int, axis: int) -> np.ndarray:
    """`values` (one per channel) shaped to broadcast along `axis` of a rank-`rank` array."""
    shape = [1] * rank
    shape[axis] = -1
    return values.reshape(shape)


def reference_steps(batches, axis, momentum, epsilon, gamma, beta):
    """Training outputs and moving statistics after each batch, in numpy."""
    channels = batches[0].shape[axis]
    moving_mean, moving_variance = np.zeros(channels), np.ones(channels)
    outputs = []
    for x in batches:
        reduce = tuple(i for i in range(x.ndim) if i != axis % x.ndim)
        mean, variance = x.mean(axis=reduce), x.var(axis=reduce)  # biased, as in the paper
        g, m, v, b = (broadcast(t, x.ndim, axis) for t in (gamma, mean, variance, beta))
        outputs.append(g * (x - m) / np.sqrt(v + epsilon) + b)
        moving_mean = momentum * moving_mean + (1 - momentum) * mean
        moving_variance = momentum * moving_variance + (1 - momentum) * variance
    return outputs, moving_mean, moving_variance


@pytest.mark.parametrize(("axis", "shape"), [(-1, (8, 5, 3)), (1, (6, 3, 4, 4))])
def test_training_and_moving_statistics_match_numpy(rng, axis, shape, most_precise):
    # Exact to rounding: float64 where the backend computes in it, else float32 (whose
    # rounding, ~1e-7 relative, on values up to ~10 gives errors up to ~1e-6).
    atol, statistics_atol = (1e-10, 1e-12) if most_precise == "float64" else (1e-5, 1e-5)
    momentum, epsilon = 0.7, 1e-3
    batches = [rng.normal(2.0 * i, 1.0 + i, size=shape).astype(most_precise) for i in range(4)]
    channels = shape[axis]
    gamma = rng.uniform(0.5, 2.0, channels).astype(most_precise)
    beta = rng.normal(size=channels).astype(most_precise)
    layer = BatchNormalization(axis=axis, momentum=momentum, epsilon=epsilon, dtype=most_precise)
    layer.build(shape)
    layer.gamma.assign(gamma)
    layer.beta.assign(beta)

    # The reference in float64, from the very values the layer sees.
    gamma, beta = gamma.astype("float64"), beta.astype("float64")
    expected, moving_mean, moving_variance = reference_steps(
        [x.astype("float64") for x in batches], axis, momentum, epsilon, gamma, beta
    )
    for x, want in zip(batches, expected, strict=True):
        np.testing.assert_allclose(numpy_of(layer(x, training=True)), want, atol=atol)
    np.testing.assert_allclose(numpy_of(layer.moving_mean), moving_mean, atol=statistics_atol)
    np.testing.assert_allclose(
        numpy_of(layer.moving_variance), moving_variance, atol=statistics_atol
    )

    # Inference uses the moving statistics and changes nothing.
    x = batches[0].astype("float64")
    b = lambda v: broadcast(v, x.ndim, axis)  # noqa: E731
    want = b(gamma) * (x - b(moving_mean)) / np.sqrt(b(moving_variance) + epsilon) + b(beta)
    np.testing.assert_allclose(numpy_of(layer(batches[0], training=False)), want, atol=atol)
    np.testing.assert_allclose(numpy_of(layer.moving_mean), moving_mean, atol=statistics_atol)


def test_frozen_layer_runs_in_inference_mode_without_updates(rng):
    x = rng.normal(3.0, 2.0, size=(16, 4)).astype("float32")
    layer = BatchNormalization()
    layer(x, training=True)
    before = [numpy_of(w) for w in layer.weights]
    layer.trainable = False
    np.testing.assert_allclose(
        numpy_of(layer(x, training=True)), numpy_of(layer(x, training=False))
    )
    assert not layer.trainable_weights
    for weight, old in zip(layer.weights, before, strict=True):
        np.testing.assert_array_equal(numpy_of(weight), old)


def test_moving_statistics_match_keras_under_fit(rng):
    x = rng.normal(1.0, 3.0, size=(32, 6, 6, 4)).astype("float32")
    y = rng.normal(size=(32, 6, 6, 4)).astype("float32")
    models = []
    for layer in (BatchNormalization(momentum=0.9), keras.layers.BatchNormalization(momentum=0.9)):
        model = keras.Sequential([keras.Input((6, 6, 4)), layer])
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
        models.append(model)
    for ours, theirs in zip(models[0].weights, models[1].weights, strict=True):
        assert ours.name == theirs.name
        np.testing.assert_allclose(numpy_of(ours), numpy_of(theirs), atol=1e-5)


def test_mask_excludes_positions_from_statistics(rng):
    x = rng.normal(size=(4, 7, 3)).astype("float32")
    mask = rng.uniform(size=(4, 7)) > 0.3
    layer = BatchNormalization(momentum=0.0)
    y = numpy_of(layer(x, training=True, mask=mask))
    kept = x[mask]  # (positions, channels)
    want = (x - kept.mean(axis=0)) / np.sqrt(kept.var(axis=0) + 1e-3)
    np.testing.assert_allclose(y, want, atol=1e-5)
    np.testing.assert_allclose(numpy_of(layer.moving_variance), kept.var(axis=0), rtol=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"momentum": 1.5}, "momentum"),
        ({"epsilon": 0.0}, "epsilon"),
        ({"epsilon": -1e-3}, "epsilon"),
        ({"axis": 1.0}, "axis"),
        ({"center": "yes"}, "center"),
        ({"synchronized": 1}, "synchronized"),
    ],
)
def test_invalid_arguments_are_named(kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        BatchNormalization(**kwargs)


def test_batch_axis_is_rejected_at_build():
    with pytest.raises(ValueError, match="axis=0"):
        BatchNormalization(axis=0)(np.ones((2, 3), "float32"))


@pytest.mark.backends("tensorflow")  # synchronized statistics are TensorFlow's (tf.distribute)
def test_synchronized_without_strategy_equals_local_statistics(rng):
    x = rng.normal(size=(8, 5)).astype("float32")
    local, synced = BatchNormalization(), BatchNormalization(synchronized=True)
    np.testing.assert_allclose(
        numpy_of(synced(x, training=True)), numpy_of(local(x, training=True)), atol=1e-5
    )
    assert synced.get_config()["synchronized"] is True


@pytest.mark.backends("jax", "torch")
def test_synchronized_is_refused_where_keras_cannot_synchronize():
    with pytest.raises(ValueError, match="`synchronized`"):
        BatchNormalization(synchronized=True)


def _train_through_poisoned_batches(layer: keras.layers.Layer, rng) -> list[np.ndarray]:
    """The layer's moving statistics after `train_on_batch` on a good batch, then after
    an empty batch and a batch holding one NaN sample (issue #30, case 7). The empty
    batch is given to the layer in training mode directly: on JAX and PyTorch, Keras'
    `train_on_batch` fails on it before any layer runs (its loss is not a scalar)."""
    model = keras.Sequential([keras.Input((5,)), layer])
    model.compile("sgd", "mse")
    good = rng.normal(3.0, 2.0, size=(16, 5)).astype("float32")
    poisoned = good.copy()
    poisoned[3] = np.nan
    model.train_on_batch(good, good)
    after_good = [numpy_of(w) for w in layer.non_trainable_weights]
    layer(good[:0], training=True)
    model.train_on_batch(poisoned, poisoned)
    return after_good, [numpy_of(w) for w in layer.non_trainable_weights]


@pytest.mark.parametrize("renorm", [False, True])
def test_empty_and_nan_batches_leave_moving_statistics_finite(rng, renorm):
    after_good, after_poison = _train_through_poisoned_batches(
        BatchNormalization(momentum=0.5, renorm=renorm), rng
    )
    for good, now in zip(after_good, after_poison, strict=True):
        assert np.isfinite(now).all()
        np.testing.assert_allclose(now, good, rtol=1e-6)


def test_skip_nonfinite_updates_false_moves_to_nan_as_keras_does(rng):
    _, ours = _train_through_poisoned_batches(
        BatchNormalization(momentum=0.5, skip_nonfinite_updates=False), rng
    )
    _, keras_twin = _train_through_poisoned_batches(
        keras.layers.BatchNormalization(momentum=0.5), rng
    )
    assert all(np.isnan(w).all() for w in keras_twin)
    assert all(np.isnan(w).all() for w in ours)


def test_empty_batch_never_moves_statistics(rng):
    layer = BatchNormalization(momentum=0.5, skip_nonfinite_updates=False)
    layer(rng.normal(size=(4, 5)).astype("float32"), training=True)
    before = [numpy_of(w) for w in layer.non_trainable_weights]
    layer(np.zeros((0, 5), "float32"), training=True)
    for old, now in zip(before, layer.non_trainable_weights, strict=True):
        np.testing.assert_array_equal(numpy_of(now), old)
