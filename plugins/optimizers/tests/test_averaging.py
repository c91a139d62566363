"""MovingAverage and SWA against their papers' (and TF Addons') averages in numpy for
20 steps, swapping and assigning the averages, inside compiled fit steps, and fit_bn
against the batch statistics computed in numpy."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_optimizers import SWA, MovingAverage, fit_bn
from zoo_optimizers._references import averaging_reference, ema_step, swa_step

from zoo.testing import seams

STEPS = 20
LR = 0.125  # exact in float32: Keras' SGD rounds its rate through it


@pytest.fixture(autouse=True)
def precise():
    with seams.most_precise() as dtype:
        yield dtype


def tolerance() -> dict:
    if keras.config.floatx() == "float64":
        return {"rtol": 1e-12, "atol": 1e-12}
    return {"rtol": 1e-5, "atol": 1e-5}


def problem(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(3, 4)), [rng.normal(size=(3, 4)) * (1 + t % 3) for t in range(STEPS)]


def run(optimizer, start, grads):
    """The weights and the averages after each step."""
    dtype = keras.config.floatx()
    variable = keras.Variable(start, dtype=dtype)
    weights, averages = [], []
    for g in grads:
        optimizer.apply([keras.ops.convert_to_tensor(g, dtype=dtype)], [variable])
        weights.append(keras.ops.convert_to_numpy(variable))
        averages.append(keras.ops.convert_to_numpy(optimizer.average_of(variable)))
    return variable, weights, averages


EMA_CASES = {
    "defaults": {},
    "decay 0.5": {"average_decay": 0.5},
    "num_updates": {"average_decay": 0.9, "num_updates": 3},
    "start_step": {"average_decay": 0.8, "start_step": 7},
    "dynamic decay": {"average_decay": 0.95, "dynamic_decay": True},
    "dynamic decay from a start": {"dynamic_decay": True, "start_step": 4},
}


@pytest.mark.parametrize("case", EMA_CASES)
def test_moving_average_follows_the_definition(case):
    kwargs = EMA_CASES[case]
    start, grads = problem()
    variable, weights, averages = run(
        MovingAverage(keras.optimizers.SGD(LR), **kwargs), start, grads
    )
    want_weights, want_averages = averaging_reference(
        start, grads, lr=LR, average=ema_step(**{"average_decay": 0.99, **kwargs})
    )
    np.testing.assert_allclose(weights, want_weights, **tolerance())
    np.testing.assert_allclose(averages, want_averages, **tolerance())


SWA_CASES = {
    "defaults": {},
    "every step": {"average_period": 1},
    "late start": {"start_averaging": 3, "average_period": 4},
    "start past a period": {"start_averaging": 11, "average_period": 3},
}


@pytest.mark.parametrize("case", SWA_CASES)
def test_swa_follows_the_paper(case):
    kwargs = SWA_CASES[case]
    start, grads = problem(1)
    optimizer = SWA(keras.optimizers.SGD(LR), **kwargs)
    variable, weights, averages = run(optimizer, start, grads)
    want_weights, want_averages = averaging_reference(
        start, grads, lr=LR, average=swa_step(**kwargs)
    )
    np.testing.assert_allclose(weights, want_weights, **tolerance())
    # Before the first snapshot TF Addons' average was zeros; here it is the starting
    # weights (so assigning it then leaves a usable model): compare from the first.
    first = kwargs.get("start_averaging", 0)
    np.testing.assert_allclose(averages[first:], want_averages[first:], **tolerance())
    optimizer.assign_average_vars([variable])
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(variable), want_averages[-1], **tolerance()
    )


def at_iteration(optimizer, variable, iteration: int) -> None:
    optimizer.build([variable])
    optimizer.iterations.assign(iteration)


def test_moving_average_start_is_compared_as_an_integer():
    # 2**24 + 1 is 2**24 in float32: a start compared in float32 would begin a step early.
    variable = keras.Variable([1.0, 2.0])
    optimizer = MovingAverage(keras.optimizers.SGD(1.0), average_decay=0.5, start_step=2**24 + 1)
    at_iteration(optimizer, variable, 2**24)
    optimizer.apply([keras.ops.convert_to_tensor([0.5, 0.5])], [variable])
    # Step 2**24 is before the start: the average is the weights.
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(optimizer.average_of(variable)), [0.5, 1.5]
    )
    optimizer.apply([keras.ops.convert_to_tensor([0.5, 0.5])], [variable])
    # Step 2**24 + 1 is the start: halfway between the average and the new weights.
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(optimizer.average_of(variable)), [0.25, 1.25]
    )


def test_swa_start_is_compared_as_an_integer():
    variable = keras.Variable([1.0])
    optimizer = SWA(keras.optimizers.SGD(1.0), start_averaging=2**24 + 1, average_period=2)
    at_iteration(optimizer, variable, 2**24)
    for _ in range(3):  # steps 2**24 (before), 2**24 + 1 (snapshot), 2**24 + 2 (between)
        optimizer.apply([keras.ops.convert_to_tensor([1.0])], [variable])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(optimizer.average_of(variable)), [-1.0])


def test_tf_addons_example_values():
    # TF Addons' moving_average_test.test_run and test_dynamic_decay, in one.
    var0, var1 = keras.Variable([1.0, 2.0]), keras.Variable([3.0, 4.0])
    grads = [keras.ops.convert_to_tensor([0.1, 0.1]), keras.ops.convert_to_tensor([0.01, 0.01])]
    optimizer = MovingAverage(keras.optimizers.SGD(2.0), average_decay=0.5)
    for _ in range(2):
        optimizer.apply(grads, [var0, var1])
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(optimizer.average_of(var0)), [0.75, 1.75], rtol=1e-6
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(optimizer.average_of(var1)), [2.975, 3.975], rtol=1e-6
    )
    var = keras.Variable([1.0, 2.0])
    dynamic = MovingAverage(keras.optimizers.SGD(2.0), average_decay=0.5, dynamic_decay=True)
    for _ in range(2):
        dynamic.apply(grads[:1], [var])
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(dynamic.average_of(var)), [0.64, 1.64], rtol=1e-6
    )


@pytest.mark.parametrize("cls", [MovingAverage, SWA])
def test_swapping_twice_restores_both(cls):
    variable = keras.Variable([1.0, 2.0])
    optimizer = (
        cls(keras.optimizers.SGD(2.0), average_period=1)
        if cls is SWA
        else cls(keras.optimizers.SGD(2.0), average_decay=0.5)
    )
    for _ in range(2):
        optimizer.apply([keras.ops.convert_to_tensor([0.1, 0.1])], [variable])
    weights = keras.ops.convert_to_numpy(variable)
    average = keras.ops.convert_to_numpy(optimizer.average_of(variable))
    assert not np.allclose(weights, average)
    optimizer.swap_weights()
    np.testing.assert_allclose(keras.ops.convert_to_numpy(variable), average)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(optimizer.average_of(variable)), weights)
    optimizer.swap_weights()
    np.testing.assert_allclose(keras.ops.convert_to_numpy(variable), weights)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(optimizer.average_of(variable)), average)


def regression(seed=0, n=64):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5)).astype("float32")
    y = (x @ rng.normal(size=(5, 1)) + 0.1).astype("float32")
    return x, y


def bn_model(optimizer=None) -> keras.Model:
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [
            keras.Input((5,)),
            keras.layers.Dense(4),
            keras.layers.BatchNormalization(momentum=0.9),
            keras.layers.Dense(1),
        ]
    )
    if optimizer is not None:
        model.compile(optimizer, "mse")
    return model


@pytest.mark.parametrize("cls", [MovingAverage, SWA])
def test_compiled_fit_keeps_the_same_averages_as_eager_fit(cls):
    x, y = regression()
    averages = []
    for run_eagerly in (True, False):
        optimizer = cls(
            keras.optimizers.SGD(0.05),
            **({"average_period": 2} if cls is SWA else {"average_decay": 0.7}),
        )
        model = bn_model()
        model.compile(optimizer, "mse", run_eagerly=run_eagerly)
        model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        before = [keras.ops.convert_to_numpy(v) for v in model.variables]
        # model.variables holds the BatchNormalization statistics too: left alone.
        optimizer.assign_average_vars(model.variables)
        after = [keras.ops.convert_to_numpy(v) for v in model.variables]
        for variable, old, new in zip(model.variables, before, after, strict=True):
            if not variable.trainable:
                np.testing.assert_array_equal(new, old)
        assert any(not np.allclose(o, n) for o, n in zip(before, after, strict=True))
        averages.append(after)
    for eager, compiled in zip(*averages, strict=True):
        np.testing.assert_allclose(compiled, eager, rtol=1e-5, atol=1e-6)


def test_round_trip_through_config():
    for optimizer in (
        MovingAverage(
            "adam", average_decay=0.5, num_updates=None, start_step=5, dynamic_decay=True
        ),
        SWA(keras.optimizers.SGD(2.0), start_averaging=3, average_period=4),
    ):
        again = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
        assert type(again) is type(optimizer)
        assert again.get_config() == optimizer.get_config()


def batch_statistics(model, x, batch_size):
    """The running mean over batches of the Dense layer's batch mean and (biased)
    variance, in numpy from the Dense layer's weights."""
    kernel, bias = (keras.ops.convert_to_numpy(w) for w in model.layers[0].weights)
    means, variances = [], []
    for start in range(0, len(x), batch_size):
        h = x[start : start + batch_size].astype("float64") @ kernel + bias
        means.append(h.mean(axis=0))
        variances.append(h.var(axis=0))
    return np.mean(means, axis=0), np.mean(variances, axis=0)


def test_fit_bn_averages_the_batch_statistics():
    x, y = regression(n=100)
    model = bn_model(SWA(keras.optimizers.SGD(0.05), average_period=1))
    model.fit(x, y, batch_size=20, epochs=1, verbose=0)
    weights = [keras.ops.convert_to_numpy(w) for w in model.trainable_weights]
    fit_bn(model, x, y, batch_size=30)  # batches of 30, 30, 30 and 10
    mean, variance = batch_statistics(model, x, 30)
    bn = model.layers[1]
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(bn.moving_mean), mean, rtol=1e-4, atol=1e-5
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(bn.moving_variance), variance, rtol=1e-4, atol=1e-5
    )
    assert bn.momentum == 0.9
    for old, new in zip(weights, model.trainable_weights, strict=True):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(new), old)


def test_fit_bn_takes_an_iterable_of_batches():
    x, y = regression(n=40)
    model = bn_model()
    model(x[:2])
    fit_bn(model, ((x[i : i + 10], y[i : i + 10]) for i in range(0, 40, 10)), steps=3)
    mean, variance = batch_statistics(model, x[:30], 10)
    bn = model.layers[1]
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(bn.moving_mean), mean, rtol=1e-4, atol=1e-5
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(bn.moving_variance), variance, rtol=1e-4, atol=1e-5
    )


def test_fit_bn_needs_a_built_model():
    model = keras.Sequential([keras.layers.Dense(2), keras.layers.BatchNormalization()])
    with pytest.raises(ValueError, match="built"):
        fit_bn(model, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="`model`"):
        fit_bn("model", np.zeros((4, 3)))


@pytest.mark.parametrize(
    ("cls", "kwargs", "name"),
    [
        (MovingAverage, {"average_decay": 1.5}, "average_decay"),
        (MovingAverage, {"num_updates": 1.0}, "num_updates"),
        (MovingAverage, {"start_step": -1}, "start_step"),
        (MovingAverage, {"dynamic_decay": "yes"}, "dynamic_decay"),
        (SWA, {"start_averaging": -1}, "start_averaging"),
        (SWA, {"average_period": 0}, "average_period"),
        (SWA, {"optimizer": None}, "optimizer"),
    ],
)
def test_bad_arguments_are_named(cls, kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        cls(**{"optimizer": "sgd", **kwargs})


def test_averages_before_building_are_refused():
    with pytest.raises(ValueError, match="built"):
        SWA("sgd").swap_weights()
