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
from zoo_optimizers import (
    COCOB,
    AdaBelief,
    ConditionalGradient,
    LazyAdam,
    NovoGrad,
    ProximalAdagrad,
    RectifiedAdam,
    Yogi,
)
from zoo_optimizers._references import (
    adam_reference,
    cocob_reference,
    conditional_gradient_reference,
    novograd_reference,
    proximal_adagrad_reference,
    rectified_reference,
    yogi_reference,
)

from zoo.testing import seams

STEPS = 12
LONG = 20  # the newer optimizers' checks take twenty steps


@pytest.fixture(autouse=True)
def precise():
    """float64 where the backend computes in it (float32 on JAX and PyTorch)."""
    with seams.most_precise() as dtype:
        yield dtype


def tolerance() -> dict:
    if keras.config.floatx() == "float64":
        return {"rtol": 1e-8, "atol": 1e-12}
    return {"rtol": 2e-5, "atol": 1e-6}


def gradients(shape=(3, 4), seed=0, steps=STEPS) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) * (1 + t % 3) for t in range(steps)]


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


NOVOGRAD_CASES = {
    "defaults": {},
    "grad averaging": {"grad_averaging": True},
    "weight decay": {"weight_decay": 0.1},
    "amsgrad": {"amsgrad": True, "beta_2": 0.5},
    "everything": {"grad_averaging": True, "weight_decay": 0.05, "amsgrad": True, "beta_1": 0.5},
}


@pytest.mark.parametrize("case", NOVOGRAD_CASES)
def test_novograd_follows_the_paper(case):
    kwargs = NOVOGRAD_CASES[case]
    grads = gradients(steps=LONG)
    want = novograd_reference(START, grads, lr=0.01, **kwargs)
    got = run(NovoGrad(learning_rate=0.01, **kwargs), START, grads)
    np.testing.assert_allclose(got, want, **tolerance())


@pytest.mark.parametrize("kwargs", [{}, {"beta_1": 0.5, "beta_2": 0.9, "epsilon": 1e-3}])
def test_lazy_adam_on_dense_gradients_is_adam(kwargs):
    grads = gradients(steps=LONG)
    want = adam_reference(START, grads, lr=0.01, **kwargs)
    got = run(LazyAdam(learning_rate=0.01, **kwargs), START, grads)
    np.testing.assert_allclose(got, want, **tolerance())
    # And Keras' own Adam on the same gradients (the same rule, written apart; Keras
    # keeps its betas in float32, hence the float32 tolerance).
    adam = run(keras.optimizers.Adam(learning_rate=0.01, **kwargs), START, grads)
    np.testing.assert_allclose(got, adam, rtol=2e-5, atol=1e-6)


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="Keras 3 gives optimizers sparse gradients (tf.IndexedSlices) on TensorFlow only",
)
def test_lazy_adam_moves_only_the_rows_of_sparse_gradients():
    import tensorflow as tf

    rng = np.random.default_rng(3)
    start = rng.normal(size=(6, 3))
    # Rows each step touches, one repeated (its two slices are summed).
    touched = [[0, 2, 2], [1, 2], [5, 0], [3, 3, 4], [2]] * 4
    dense, slices = [], []
    for rows in touched:
        values = rng.normal(size=(len(rows), 3))
        full = np.zeros_like(start)
        np.add.at(full, rows, values)
        dense.append(full)
        slices.append(tf.IndexedSlices(tf.constant(values), tf.constant(rows), tf.constant([6, 3])))
    dtype = keras.config.floatx()
    variable = keras.Variable(start, dtype=dtype)
    optimizer = LazyAdam(learning_rate=0.05)
    got = []
    for g in slices:
        optimizer.apply(
            [tf.IndexedSlices(tf.cast(g.values, dtype), g.indices, g.dense_shape)], [variable]
        )
        got.append(keras.ops.convert_to_numpy(variable))
    want = adam_reference(start, dense, lr=0.05, rows=touched)
    np.testing.assert_allclose(got, want, **tolerance())
    # Not Adam: Adam decays the moments of untouched rows and moves them too.
    adam = adam_reference(start, dense, lr=0.05)
    assert not np.allclose(got[-1], adam[-1])


def test_lazy_adam_trains_an_embedding_in_fit():
    # Rows never looked up stay put: absent from the sparse gradient on TensorFlow,
    # zero in the dense one elsewhere (Adam moves nothing with zero moments).
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((2,), dtype="int32"),
            keras.layers.Embedding(10, 4),
            keras.layers.Flatten(),
            keras.layers.Dense(1),
        ]
    )
    model.compile(LazyAdam(0.01), "mse")
    table = keras.ops.convert_to_numpy(model.layers[0].embeddings)
    x = np.array([[1, 2], [2, 3]] * 8, dtype="int32")
    model.fit(x, np.ones((16, 1), "float32"), batch_size=4, epochs=2, verbose=0)
    after = keras.ops.convert_to_numpy(model.layers[0].embeddings)
    np.testing.assert_array_equal(after[[0, 4, 5, 6, 7, 8, 9]], table[[0, 4, 5, 6, 7, 8, 9]])
    assert not np.allclose(after[[1, 2, 3]], table[[1, 2, 3]])


@pytest.mark.parametrize("alpha", [100.0, 1.0, 10.0])
def test_cocob_follows_the_paper(alpha):
    grads = gradients(steps=LONG)
    want = cocob_reference(START, grads, alpha=alpha)
    got = run(COCOB(alpha=alpha), START, grads)
    np.testing.assert_allclose(got, want, **tolerance())


CONDITIONAL_CASES = {
    "frobenius": {"lambda_": 0.5},
    "defaults": {},
    "nuclear": {"ord": "nuclear", "lambda_": 0.5},
}


@pytest.mark.parametrize("shape", [(3, 4), (5,), (2, 3, 2)])
@pytest.mark.parametrize("case", CONDITIONAL_CASES)
def test_conditional_gradient_follows_the_paper(case, shape):
    kwargs = CONDITIONAL_CASES[case]
    start = np.random.default_rng(1).normal(size=shape)
    grads = gradients(shape=shape, steps=LONG)
    want = conditional_gradient_reference(start, grads, lr=0.9, **kwargs)
    got = run(ConditionalGradient(learning_rate=0.9, **kwargs), start, grads)
    np.testing.assert_allclose(got, want, **tolerance())


PROXIMAL_CASES = {
    "defaults": {},
    "l2": {"l2_regularization_strength": 0.5},
    "l1 and l2": {"l1_regularization_strength": 0.05, "l2_regularization_strength": 0.5},
    "no start": {"initial_accumulator_value": 0.0, "l1_regularization_strength": 0.01},
}


@pytest.mark.parametrize("case", PROXIMAL_CASES)
def test_proximal_adagrad_follows_the_paper(case):
    kwargs = PROXIMAL_CASES[case]
    names = {"l1_regularization_strength": "l1", "l2_regularization_strength": "l2"}
    grads = gradients(steps=LONG)
    want = proximal_adagrad_reference(
        START, grads, lr=0.1, **{names.get(k, k): v for k, v in kwargs.items()}
    )
    got = run(ProximalAdagrad(learning_rate=0.1, **kwargs), START, grads)
    np.testing.assert_allclose(got, want, **tolerance())


def test_proximal_adagrad_l1_sets_small_weights_to_zero():
    got = run(ProximalAdagrad(0.5, l1_regularization_strength=10.0), START, gradients())
    assert np.all(got[-1] == 0.0)


RATED = {
    "NovoGrad": (NovoGrad, novograd_reference),
    "LazyAdam": (LazyAdam, adam_reference),
    "ConditionalGradient": (ConditionalGradient, conditional_gradient_reference),
    "ProximalAdagrad": (ProximalAdagrad, proximal_adagrad_reference),
}


@pytest.mark.parametrize("rate", ["float", "tensor", "schedule"])
@pytest.mark.parametrize("name", RATED)
def test_learning_rate_may_be_a_float_tensor_or_schedule(name, rate):
    cls, reference = RATED[name]
    # ConditionalGradient's rate is a weight in [0, 1].
    value = 0.75 if name == "ConditionalGradient" else 0.05
    if rate == "schedule":
        learning_rate = keras.optimizers.schedules.ExponentialDecay(value, 4, 0.5)
        lr = lambda t: value * 0.5 ** (t / 4)  # noqa: E731 (the schedule, step from 0)
    elif rate == "tensor":
        learning_rate, lr = keras.ops.convert_to_tensor(value), value
    else:
        learning_rate, lr = value, value
    grads = gradients(steps=LONG)
    want = reference(START, grads, lr=lr)
    got = run(cls(learning_rate=learning_rate), START, grads)
    # Keras keeps a float or tensor rate in a float32 variable.
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize(
    ("cls", "kwargs", "name"),
    [
        (NovoGrad, {"beta_1": 1.0}, "beta_1"),
        (NovoGrad, {"weight_decay": -0.1}, "weight_decay"),
        (NovoGrad, {"grad_averaging": "yes"}, "grad_averaging"),
        (LazyAdam, {"amsgrad": True}, "amsgrad"),
        (LazyAdam, {"epsilon": -1.0}, "epsilon"),
        (COCOB, {"alpha": 0.5}, "alpha"),
        (COCOB, {"learning_rate": 0.1}, "learning_rate"),
        (ConditionalGradient, {"learning_rate": 0.5, "ord": "l1"}, "ord"),
        (ConditionalGradient, {"learning_rate": 0.5, "lambda_": -1.0}, "lambda_"),
        (ProximalAdagrad, {"initial_accumulator_value": -0.1}, "initial_accumulator_value"),
        (ProximalAdagrad, {"l2_regularization_strength": -1.0}, "l2_regularization_strength"),
    ],
)
def test_new_bad_arguments_are_named(cls, kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        cls(**kwargs)


@pytest.mark.parametrize("cls", [NovoGrad, LazyAdam, COCOB, ProximalAdagrad])
def test_config_round_trip(cls):
    optimizer = cls()
    again = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    assert type(again) is cls
    assert again.get_config() == optimizer.get_config()


def test_conditional_gradient_config_round_trip():
    optimizer = ConditionalGradient(0.5, lambda_=0.1, ord="nuclear")
    again = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    assert again.get_config() == optimizer.get_config()


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
