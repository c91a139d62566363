"""Family tests of `ActivityRegularization`, `L1L2` and `GroupLasso`: numpy formulas."""

from __future__ import annotations

import os

import keras
import numpy as np
import pytest
from zoo_regularizing import L1L2, ActivityRegularization, GroupLasso

from zoo.testing import seams
from zoo.testing.helpers import as_numpy


def l1l2_reference(l1: float, l2: float, w: np.ndarray) -> float:
    w = w.astype("float64")
    return l1 * np.abs(w).sum() + l2 * (w**2).sum()


def group_lasso_reference(strength: float, w: np.ndarray) -> float:
    """strength * sum over output units j of sqrt(sum of w[..., j] ** 2)."""
    w = w.astype("float64")
    return strength * sum(np.sqrt((w[..., j] ** 2).sum()) for j in range(w.shape[-1]))


# ---------------------------------------------------------------- ActivityRegularization


def test_activity_regularization_is_the_identity_and_adds_the_penalty_per_sample():
    x = np.random.default_rng(0).normal(size=(5, 3, 4)).astype("float32")
    layer = ActivityRegularization(l1=0.02, l2=0.3)
    assert np.array_equal(as_numpy(layer(x)), x)
    assert len(layer.losses) == 1
    expected = l1l2_reference(0.02, 0.3, x) / 5
    np.testing.assert_allclose(float(layer.losses[0]), expected, rtol=1e-5)


def test_activity_regularization_losses_are_reset_at_each_call():
    layer = ActivityRegularization(l1=1.0)
    layer(np.ones((2, 3), dtype="float32"))
    layer(np.full((2, 3), 2.0, dtype="float32"))
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(layer.losses[0]), 6.0)  # 1.0 * 12 / 2


def test_activity_regularization_strength_does_not_depend_on_the_batch_size():
    row = np.random.default_rng(1).normal(size=(1, 6)).astype("float32")
    losses = []
    for batch in (1, 4, 16):
        layer = ActivityRegularization(l1=0.1, l2=0.1)
        layer(np.repeat(row, batch, axis=0))
        losses.append(float(layer.losses[0]))
    np.testing.assert_allclose(losses, losses[0], rtol=1e-5)


def test_activity_regularization_matches_keras_twin():
    x = np.random.default_rng(2).normal(size=(4, 8)).astype("float32")
    ours, theirs = (
        ActivityRegularization(0.01, 0.02),
        keras.layers.ActivityRegularization(0.01, 0.02),
    )
    np.testing.assert_array_equal(as_numpy(ours(x)), as_numpy(theirs(x)))
    np.testing.assert_allclose(float(ours.losses[0]), float(theirs.losses[0]), rtol=1e-6)


def test_activity_regularization_penalty_is_in_the_training_loss():
    x = np.random.default_rng(3).normal(size=(8, 4)).astype("float32")
    model = keras.Sequential([keras.Input((4,)), ActivityRegularization(l1=0.05, l2=0.01)])
    model.compile(loss="mse")
    model(x)
    assert len(model.losses) == 1  # collected from the layer
    # The output is the input, so the mse is 0 and the loss is the penalty alone.
    loss = model.evaluate(x, x, batch_size=8, verbose=0)
    np.testing.assert_allclose(loss, l1l2_reference(0.05, 0.01, x) / 8, rtol=1e-5)


def test_activity_regularization_penalty_is_float32_under_mixed_precision():
    layer = ActivityRegularization(l2=1.0, dtype="mixed_float16")
    x = np.full((2, 100, 100), 100.0, dtype="float32")  # sum of squares overflows float16
    layer(x)
    assert keras.backend.standardize_dtype(layer.losses[0].dtype) == "float32"
    np.testing.assert_allclose(float(layer.losses[0]), 1e8 / 2 * 2, rtol=1e-3)


@pytest.mark.parametrize(("name", "value"), [("l1", -0.1), ("l2", "big"), ("l2", float("inf"))])
def test_activity_regularization_rejects_bad_factors(name, value):
    with pytest.raises(ValueError, match=name):
        ActivityRegularization(**{name: value})


# ------------------------------------------------------------------------------- L1L2


def test_l1l2_matches_the_formula_and_the_keras_twin():
    w = np.random.default_rng(4).normal(size=(7, 3)).astype("float32")
    for l1, l2 in [(0.01, 0.0), (0.0, 0.02), (0.03, 0.004), (0.0, 0.0)]:
        value = float(L1L2(l1, l2)(w))
        np.testing.assert_allclose(value, l1l2_reference(l1, l2, w), rtol=1e-5, atol=1e-8)
        np.testing.assert_allclose(value, float(keras.regularizers.L1L2(l1, l2)(w)), rtol=1e-6)


def test_l1l2_rejects_negative_factors():
    with pytest.raises(ValueError, match=r"l1=-1"):
        L1L2(l1=-1)


# ------------------------------------------------------------------------- GroupLasso


@pytest.mark.parametrize("shape", [(6, 4), (3, 3, 2, 5), (7,)])
def test_group_lasso_matches_the_formula(shape):
    w = np.random.default_rng(5).normal(size=shape).astype("float32")
    value = float(GroupLasso(strength=0.07)(w))
    np.testing.assert_allclose(value, group_lasso_reference(0.07, w), rtol=1e-5)


def test_group_lasso_of_a_vector_is_its_l1_norm():
    w = np.array([3.0, -4.0, 0.0], dtype="float32")
    np.testing.assert_allclose(float(GroupLasso(strength=1.0)(w)), 7.0)


def test_group_lasso_gradient_is_finite_at_a_zero_unit():
    w = np.array([[3.0, 0.0], [4.0, 0.0]], dtype="float32")
    # The penalty is the objective, w its input; the layer argument is one without weights.
    _, (gradient,), _ = seams.gradients(GroupLasso(strength=1.0), [w], keras.layers.Identity())
    # d||w_j|| / dw = w_j / ||w_j||, and 0 (a subgradient) for the zero unit.
    np.testing.assert_allclose(gradient, [[0.6, 0.0], [0.8, 0.0]], rtol=1e-6)


def test_group_lasso_rejects_a_negative_strength():
    with pytest.raises(ValueError, match="strength"):
        GroupLasso(strength=-0.1)


# ------------------------------------------------------------- inside a Dense layer


@pytest.mark.parametrize(
    ("regularizer", "reference"),
    [
        (L1L2(l1=0.01, l2=0.02), lambda w: l1l2_reference(0.01, 0.02, w)),
        (GroupLasso(strength=0.03), lambda w: group_lasso_reference(0.03, w)),
    ],
)
def test_regularizers_in_a_dense_layer_fit_save_and_load(regularizer, reference, tmp_path):
    inputs = keras.Input((5,))
    dense = keras.layers.Dense(3, kernel_regularizer=regularizer)
    model = keras.Model(inputs, dense(inputs))
    model.compile("sgd", "mse")
    x = np.random.default_rng(6).normal(size=(16, 5)).astype("float32")
    history = model.fit(x, np.zeros((16, 3)), epochs=1, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    kernel = as_numpy(dense.kernel)
    np.testing.assert_allclose(float(model.losses[0]), reference(kernel), rtol=1e-5)

    path = os.fspath(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    again = loaded.layers[-1].kernel_regularizer
    assert type(again) is type(regularizer)
    assert again.get_config() == regularizer.get_config()
