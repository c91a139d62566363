"""Family tests of the constraints: numpy formulas, Keras twins, use in a Dense layer."""

from __future__ import annotations

import os

import keras
import numpy as np
import pytest
from zoo_regularizing import Clip, MaxNorm, MinMaxNorm, NonNeg, UnitNorm

from zoo.testing.helpers import as_numpy


def weights(shape=(6, 4), seed=0, scale=1.0) -> np.ndarray:
    return (scale * np.random.default_rng(seed).normal(size=shape)).astype("float32")


def column_norms(w: np.ndarray, axis=0) -> np.ndarray:
    return np.sqrt((w.astype("float64") ** 2).sum(axis=axis))


def test_clip_is_numpy_clip():
    w = weights(scale=2.0)
    np.testing.assert_array_equal(as_numpy(Clip(-0.5, 1.0)(w)), np.clip(w, -0.5, 1.0))


def test_clip_with_equal_bounds_is_constant():
    np.testing.assert_array_equal(as_numpy(Clip(0.25, 0.25)(weights())), np.full((6, 4), 0.25))


def test_clip_rejects_min_above_max_naming_both():
    with pytest.raises(ValueError, match=r"max_value.*min_value=1\.0.*max_value=0\.0"):
        Clip(min_value=1.0, max_value=0.0)
    with pytest.raises(ValueError, match="min_value"):
        Clip(min_value=None, max_value=1.0)


def test_max_norm_caps_long_columns_and_keeps_short_ones():
    w = weights()
    w[:, 0] *= 0.01  # a short column
    out = as_numpy(MaxNorm(max_value=1.0)(w))
    norms = column_norms(out)
    assert np.all(norms <= 1.0 + 1e-5)
    np.testing.assert_allclose(out[:, 0], w[:, 0], rtol=1e-5)
    long = column_norms(w) > 1.0
    np.testing.assert_allclose(norms[long], 1.0, rtol=1e-5)
    # Rescaled, not rotated: each column keeps its direction.
    np.testing.assert_allclose(out[:, long] * column_norms(w)[long], w[:, long], rtol=1e-4)


def test_unit_norm_over_several_axes_normalizes_each_filter():
    w = weights((3, 3, 2, 5), seed=1)
    out = as_numpy(UnitNorm(axis=[0, 1, 2])(w))
    np.testing.assert_allclose(column_norms(out, axis=(0, 1, 2)), 1.0, rtol=1e-5)


def test_min_max_norm_moves_norms_into_the_interval_at_the_given_rate():
    w = weights((5, 6), seed=2)
    w[:, :2] *= 0.05
    w[:, 2:4] *= 10.0
    norms = column_norms(w)
    out = as_numpy(MinMaxNorm(min_value=0.5, max_value=2.0, rate=1.0)(w))
    np.testing.assert_allclose(column_norms(out), np.clip(norms, 0.5, 2.0), rtol=1e-4)
    half = as_numpy(MinMaxNorm(min_value=0.5, max_value=2.0, rate=0.5)(w))
    expected = 0.5 * np.clip(norms, 0.5, 2.0) + 0.5 * norms
    np.testing.assert_allclose(column_norms(half), expected, rtol=1e-4)


def test_non_neg_zeroes_negative_weights_only():
    w = weights(seed=3)
    np.testing.assert_array_equal(as_numpy(NonNeg()(w)), np.where(w < 0, 0.0, w))


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (MaxNorm(1.5, axis=0), keras.constraints.MaxNorm(1.5, axis=0)),
        (NonNeg(), keras.constraints.NonNeg()),
        (UnitNorm(axis=1), keras.constraints.UnitNorm(axis=1)),
        (
            MinMaxNorm(0.3, 1.2, rate=0.7, axis=0),
            keras.constraints.MinMaxNorm(0.3, 1.2, rate=0.7, axis=0),
        ),
    ],
)
def test_constraints_match_their_keras_twins(ours, theirs):
    w = weights(seed=4, scale=1.5)
    np.testing.assert_allclose(as_numpy(ours(w)), as_numpy(theirs(w)), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: MaxNorm(max_value=0), "max_value"),
        (lambda: MaxNorm(axis="rows"), "axis"),
        (lambda: UnitNorm(axis=[]), "axis"),
        (lambda: MinMaxNorm(min_value=-1.0), "min_value"),
        (lambda: MinMaxNorm(min_value=2.0, max_value=1.0), "max_value"),
        (lambda: MinMaxNorm(rate=1.5), "rate"),
    ],
)
def test_constraints_reject_bad_arguments_naming_them(make, name):
    with pytest.raises(ValueError, match=name):
        make()


@pytest.mark.parametrize(
    ("constraint", "holds"),
    [
        (Clip(-0.1, 0.1), lambda k: np.all(np.abs(k) <= 0.1 + 1e-7)),
        (NonNeg(), lambda k: np.all(k >= 0)),
        (MaxNorm(0.5), lambda k: np.all(column_norms(k) <= 0.5 + 1e-5)),
        (UnitNorm(), lambda k: np.allclose(column_norms(k), 1.0, rtol=1e-5)),
        (
            MinMaxNorm(0.2, 0.4),
            lambda k: np.all((column_norms(k) > 0.2 - 1e-5) & (column_norms(k) < 0.4 + 1e-5)),
        ),
    ],
)
def test_constraints_hold_after_a_fit_step_and_survive_saving(constraint, holds, tmp_path):
    inputs = keras.Input((5,))
    dense = keras.layers.Dense(3, kernel_initializer="ones", kernel_constraint=constraint)
    model = keras.Model(inputs, dense(inputs))
    model.compile(keras.optimizers.SGD(0.1), "mse")
    x = np.random.default_rng(5).normal(size=(16, 5)).astype("float32")
    model.fit(x, np.ones((16, 3)), epochs=1, batch_size=16, verbose=0)
    assert holds(as_numpy(dense.kernel))

    path = os.fspath(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path).layers[-1].kernel_constraint
    assert type(loaded) is type(constraint)
    assert loaded.get_config() == constraint.get_config()
