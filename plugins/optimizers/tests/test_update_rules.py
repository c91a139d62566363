"""Each optimizer's steps against the update rule of its paper, written in numpy in
``zoo_optimizers._references`` (which the plugin's entries give the zoo's kit too).

The references follow the papers' notation (and TF Addons' documented choices: where
weight decay and the warm-up enter, epsilon inside AdaBelief's second moment), not
the implementation; float64 variables keep the comparison tight, and these cases reach
arguments the kit's one example config does not.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_optimizers import AdaBelief, RectifiedAdam, Yogi
from zoo_optimizers._references import rectified_reference, yogi_reference

from zoo.testing import seams

STEPS = 12


@pytest.fixture(autouse=True)
def precise():
    """float64 where the backend computes in it (float32 on JAX and PyTorch)."""
    with seams.most_precise() as dtype:
        yield dtype


def tolerance() -> dict:
    if keras.config.floatx() == "float64":
        return {"rtol": 1e-8, "atol": 1e-12}
    return {"rtol": 2e-5, "atol": 1e-6}


def gradients(shape=(3, 4), seed=0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) * (1 + t % 3) for t in range(STEPS)]


def run(optimizer: keras.optimizers.Optimizer, start: np.ndarray, grads) -> list[np.ndarray]:
    """The variable after each step of `optimizer` given `grads` in turn."""
    dtype = keras.config.floatx()
    variable = keras.Variable(start, dtype=dtype)
    seen = []
    for g in grads:
        optimizer.apply([keras.ops.convert_to_tensor(g, dtype=dtype)], [variable])
        seen.append(np.asarray(keras.ops.convert_to_numpy(variable)))
    return seen


START = np.random.default_rng(1).normal(size=(3, 4))

RECTIFIED_CASES = {
    "defaults": {},
    "amsgrad": {"amsgrad": True},
    "weight decay": {"weight_decay": 0.1},
    "warm-up then decay": {"total_steps": 10, "warmup_proportion": 0.3, "min_lr": 1e-4},
    # The adaptive step from the fifth step on, within the test's twelve.
    "low threshold": {"sma_threshold": 4.5, "beta_2": 0.9},
}


@pytest.mark.parametrize("case", RECTIFIED_CASES)
def test_rectified_adam_follows_the_paper(case):
    kwargs = {"learning_rate": 0.01, **RECTIFIED_CASES[case]}
    reference_kwargs = {("lr" if k == "learning_rate" else k): v for k, v in kwargs.items()}
    want = rectified_reference(START, gradients(), **reference_kwargs)
    got = run(RectifiedAdam(**kwargs), START, gradients())
    np.testing.assert_allclose(got, want, **tolerance())


@pytest.mark.parametrize("rectify", [True, False])
@pytest.mark.parametrize("case", RECTIFIED_CASES)
def test_adabelief_follows_the_paper(case, rectify):
    kwargs = {"learning_rate": 0.01, "rectify": rectify, **RECTIFIED_CASES[case]}
    reference_kwargs = {("lr" if k == "learning_rate" else k): v for k, v in kwargs.items()}
    want = rectified_reference(START, gradients(), belief=True, epsilon=1e-14, **reference_kwargs)
    got = run(AdaBelief(**kwargs), START, gradients())
    np.testing.assert_allclose(got, want, **tolerance())


YOGI_CASES = {
    "defaults": {},
    "no momentum": {"beta1": 0.0},
    "tanh": {"activation": "tanh"},
    "l2": {"l2_regularization_strength": 0.5},
    "l1 and l2": {"l1_regularization_strength": 0.05, "l2_regularization_strength": 0.5},
    "large start": {"initial_accumulator_value": 4.0, "epsilon": 1e-6},
}


@pytest.mark.parametrize("case", YOGI_CASES)
def test_yogi_follows_the_paper(case):
    kwargs = YOGI_CASES[case]
    names = {"l1_regularization_strength": "l1", "l2_regularization_strength": "l2"}
    want = yogi_reference(
        START, gradients(), lr=0.05, **{names.get(k, k): v for k, v in kwargs.items()}
    )
    got = run(Yogi(learning_rate=0.05, **kwargs), START, gradients())
    np.testing.assert_allclose(got, want, **tolerance())


def test_l1_drives_small_weights_to_exactly_zero():
    got = run(Yogi(learning_rate=0.5, l1_regularization_strength=10.0), START, gradients())
    assert np.all(got[-1] == 0.0)


@pytest.mark.parametrize(
    ("cls", "kwargs", "name"),
    [
        (RectifiedAdam, {"beta_1": 1.0}, "beta_1"),
        (RectifiedAdam, {"epsilon": 0.0}, "epsilon"),
        (RectifiedAdam, {"total_steps": 2.5}, "total_steps"),
        (RectifiedAdam, {"warmup_proportion": 1.5}, "warmup_proportion"),
        (RectifiedAdam, {"weight_decay": -0.1}, "weight_decay"),
        (AdaBelief, {"rectify": "yes"}, "rectify"),
        (Yogi, {"activation": "relu"}, "activation"),
        (Yogi, {"initial_accumulator_value": 0.0}, "initial_accumulator_value"),
        (Yogi, {"l1_regularization_strength": -1.0}, "l1_regularization_strength"),
    ],
)
def test_bad_arguments_are_named(cls, kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        cls(**kwargs)
