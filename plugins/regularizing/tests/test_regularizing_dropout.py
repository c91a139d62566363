"""Family tests of `Dropout` and `StochasticDepth`: formulas checked with numpy."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_regularizing import Dropout, StochasticDepth

from zoo.testing.helpers import as_numpy


def binomial_bound(n: int, p: float, sigmas: float = 5.0) -> float:
    """How far an observed frequency of n draws may be from p, at `sigmas` std devs."""
    return sigmas * np.sqrt(p * (1 - p) / n)


# ----------------------------------------------------------------------------- Dropout


def test_dropout_keeps_a_fraction_and_rescales_the_kept_units():
    rate = 0.3
    x = np.random.default_rng(0).uniform(1.0, 2.0, size=(200, 500)).astype("float32")
    y = as_numpy(Dropout(rate, seed=1)(x, training=True))
    kept = y != 0
    assert abs(kept.mean() - (1 - rate)) < binomial_bound(x.size, 1 - rate)
    np.testing.assert_allclose(y[kept], x[kept] / (1 - rate), rtol=1e-6)


def test_dropout_is_the_identity_in_inference_and_with_rate_zero():
    x = np.random.default_rng(1).normal(size=(8, 16)).astype("float32")
    assert np.array_equal(as_numpy(Dropout(0.5, seed=0)(x)), x)
    assert np.array_equal(as_numpy(Dropout(0.5, seed=0)(x, training=False)), x)
    assert np.array_equal(as_numpy(Dropout(0.0, seed=0)(x, training=True)), x)


def test_dropout_seeded_masks_repeat_across_layers_and_change_across_calls():
    x = np.ones((16, 32), dtype="float32")
    a, b = Dropout(0.5, seed=42), Dropout(0.5, seed=42)
    first_a, first_b = as_numpy(a(x, training=True)), as_numpy(b(x, training=True))
    assert np.array_equal(first_a, first_b)
    assert not np.array_equal(as_numpy(a(x, training=True)), first_a)


def test_dropout_draws_exactly_like_keras_dropout():
    x = np.random.default_rng(2).normal(size=(6, 5, 4)).astype("float32")
    ours = Dropout(0.4, noise_shape=(None, 1, 4), seed=9)
    theirs = keras.layers.Dropout(0.4, noise_shape=(None, 1, 4), seed=9)
    for _ in range(3):
        np.testing.assert_array_equal(
            as_numpy(ours(x, training=True)), as_numpy(theirs(x, training=True))
        )


def test_dropout_noise_shape_shares_the_mask_along_axes_of_size_one():
    x = np.ones((10, 7, 12), dtype="float32")
    y = as_numpy(Dropout(0.5, noise_shape=(None, 1, None), seed=3)(x, training=True))
    assert np.array_equal(y, np.broadcast_to(y[:, :1, :], y.shape))
    assert (y == 0).any() and (y != 0).any()


@pytest.mark.parametrize("rate", [-0.1, 1.5, True, "0.5", float("nan")])
def test_dropout_rejects_rates_outside_zero_one(rate):
    with pytest.raises(ValueError, match="rate"):
        Dropout(rate)


def test_dropout_rate_one_drops_everything_in_training_only_as_keras_does():
    x = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
    layer = Dropout(1.0, seed=3)
    twin = keras.layers.Dropout(1.0, seed=3)
    assert np.array_equal(as_numpy(layer(x, training=True)), np.zeros_like(x))
    assert np.array_equal(as_numpy(layer(x, training=True)), as_numpy(twin(x, training=True)))
    assert np.array_equal(as_numpy(layer(x)), x)


def test_dropout_argument_messages_name_the_argument_and_value():
    with pytest.raises(ValueError, match=r"rate=1\.5"):
        Dropout(1.5)
    with pytest.raises(ValueError, match="seed"):
        Dropout(0.5, seed=1.5)
    with pytest.raises(ValueError, match="noise_shape"):
        Dropout(0.5, noise_shape=(None, 0))
    with pytest.raises(ValueError, match="noise_shape"):
        Dropout(0.5, noise_shape=(None, 1))(np.ones((2, 3, 4), dtype="float32"))


def test_dropout_rejects_integer_input():
    with pytest.raises(ValueError, match="floating-point"):
        Dropout(0.5)(np.ones((2, 3), dtype="int32"))


# ---------------------------------------------------------------------- StochasticDepth


def test_stochastic_depth_drops_or_keeps_each_sample_as_a_whole():
    rate = 0.4
    branch = np.random.default_rng(3).uniform(0.5, 1.5, size=(4000, 3, 5)).astype("float32")
    y = as_numpy(StochasticDepth(rate, seed=5)(branch, training=True))
    dropped = np.all(y == 0, axis=(1, 2))
    kept = ~dropped
    # Every sample is either entirely zero or entirely the input scaled by 1 / (1 - rate).
    np.testing.assert_allclose(y[kept], branch[kept] / (1 - rate), rtol=1e-6)
    assert abs(kept.mean() - (1 - rate)) < binomial_bound(len(branch), 1 - rate)


def test_stochastic_depth_matches_keras_dropout_with_one_draw_per_sample():
    x = np.random.default_rng(4).normal(size=(8, 4, 4, 2)).astype("float32")
    ours = StochasticDepth(0.5, seed=11)
    theirs = keras.layers.Dropout(0.5, noise_shape=(None, 1, 1, 1), seed=11)
    for _ in range(3):
        np.testing.assert_array_equal(
            as_numpy(ours(x, training=True)), as_numpy(theirs(x, training=True))
        )


def test_stochastic_depth_is_the_identity_in_inference_and_with_rate_zero():
    x = np.random.default_rng(5).normal(size=(4, 6)).astype("float32")
    assert np.array_equal(as_numpy(StochasticDepth(0.5)(x)), x)
    assert np.array_equal(as_numpy(StochasticDepth(0.0)(x, training=True)), x)


def test_stochastic_depth_seeded_reproducibility():
    x = np.ones((64, 3), dtype="float32")
    a = as_numpy(StochasticDepth(0.5, seed=8)(x, training=True))
    b = as_numpy(StochasticDepth(0.5, seed=8)(x, training=True))
    assert np.array_equal(a, b)


def test_stochastic_depth_trains_a_residual_block():
    inputs = keras.Input((8,))
    branch = keras.layers.Dense(8)(inputs)
    outputs = keras.layers.Add()([inputs, StochasticDepth(0.3, seed=1)(branch)])
    model = keras.Model(inputs, outputs)
    model.compile("sgd", "mse")
    x = np.random.default_rng(6).normal(size=(32, 8)).astype("float32")
    history = model.fit(x, x, epochs=1, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    # In inference, the block is the shortcut plus the full branch.
    dense = model.layers[1]
    np.testing.assert_allclose(as_numpy(model(x)), x + as_numpy(dense(x)), rtol=1e-5, atol=1e-6)


# `rate=None` is no longer among them: it means "not given", and with neither `rate`
# nor `survival_probability` the layer is TF Addons' default pair form (see
# test_regularizing_stochastic_depth.py).
@pytest.mark.parametrize("rate", [1.0, -0.5, "0.2"])
def test_stochastic_depth_rejects_bad_rates(rate):
    with pytest.raises(ValueError, match="rate"):
        StochasticDepth(rate)
