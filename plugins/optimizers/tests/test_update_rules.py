"""Each optimizer's steps against the update rule of its paper, written in numpy here.

The references follow the papers' notation (and TF Addons' documented choices: where
weight decay and the warm-up enter, epsilon inside AdaBelief's second moment), not
the implementation; float64 variables keep the comparison tight.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_optimizers import AdaBelief, RectifiedAdam, Yogi

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


def warmed_up(lr, t, total_steps, warmup_proportion, min_lr):
    if total_steps <= 0:
        return lr
    warmup = total_steps * warmup_proportion
    decay_steps = max(total_steps - warmup, 1)
    if t <= warmup:
        return lr * t / warmup
    return lr + (min_lr - lr) / decay_steps * min(t - warmup, decay_steps)


def rectified_reference(
    start,
    grads,
    *,
    lr=0.01,
    beta_1=0.9,
    beta_2=0.999,
    epsilon=1e-7,
    weight_decay=0.0,
    amsgrad=False,
    sma_threshold=5.0,
    total_steps=0,
    warmup_proportion=0.1,
    min_lr=0.0,
    belief=False,
    rectify=True,
):
    """RAdam (Liu et al., 2020, algorithm 2), or AdaBelief (Zhuang et al., 2020,
    algorithm 2) with `belief=True`."""
    w = start.astype("float64").copy()
    m, v, v_max = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    rho_inf = 2 / (1 - beta_2) - 1
    out = []
    for t, g in enumerate(grads, start=1):
        m = beta_1 * m + (1 - beta_1) * g
        if belief:
            v = beta_2 * v + (1 - beta_2) * (g - m) ** 2 + epsilon
        else:
            v = beta_2 * v + (1 - beta_2) * g**2
        if amsgrad:
            v_max = np.maximum(v_max, v)
            v_used = v_max
        else:
            v_used = v
        m_hat = m / (1 - beta_1**t)
        v_hat = np.sqrt(v_used / (1 - beta_2**t))
        rho = rho_inf - 2 * t * beta_2**t / (1 - beta_2**t)
        if not rectify:
            step = m_hat / (v_hat + epsilon)
        elif rho >= sma_threshold:
            r = np.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
            step = r * m_hat / (v_hat + epsilon)
        else:
            step = m_hat
        rate = warmed_up(lr, t, total_steps, warmup_proportion, min_lr)
        w = w - rate * (step + weight_decay * w)
        out.append(w.copy())
    return out


def yogi_reference(
    start,
    grads,
    *,
    lr=0.01,
    beta1=0.9,
    beta2=0.999,
    epsilon=1e-3,
    l1=0.0,
    l2=0.0,
    initial_accumulator_value=1e-6,
    activation="sign",
):
    """Yogi (Zaheer et al., 2018, algorithm 2) with Adam's bias correction folded into
    the rate, then FTRL's proximal step for l1 |w| + l2/2 w^2."""
    w = start.astype("float64").copy()
    m = np.zeros_like(w)
    v = np.full_like(w, initial_accumulator_value)
    out = []
    for t, g in enumerate(grads, start=1):
        m = beta1 * m + (1 - beta1) * g
        push = np.sign(g**2 - v) if activation == "sign" else np.tanh(10 * (g**2 - v))
        v = v + (1 - beta2) * push * g**2
        rate = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t) / (np.sqrt(v) + epsilon)
        z = w - rate * m
        w = np.where(np.abs(z) > l1 * rate, z - np.sign(z) * l1 * rate, 0.0) / (1 + l2 * rate)
        out.append(w.copy())
    return out


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
