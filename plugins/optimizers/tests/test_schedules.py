"""The cyclical schedules against Smith's triangle, a piecewise-linear function of the
step (``zoo_optimizers._references``, shared with the plugin's entries), and as a
model's learning rate through fit, saving and loading."""

from __future__ import annotations

import doctest

import keras
import numpy as np
import pytest
import zoo_optimizers
from zoo_optimizers import (
    CyclicalLearningRate,
    ExponentialCyclicalLearningRate,
    RectifiedAdam,
    Triangular2CyclicalLearningRate,
    TriangularCyclicalLearningRate,
    Yogi,
    cyclical_learning_rate,
    rectified_adam,
    yogi,
)
from zoo_optimizers._references import triangle

LOW, HIGH, HALF = 0.01, 0.1, 5


def reference(step: int, scale: float) -> float:
    return LOW + (HIGH - LOW) * triangle(step, HALF) * scale


STEPS = range(0, 47)


def values(schedule) -> np.ndarray:
    return np.array([float(keras.ops.convert_to_numpy(schedule(step))) for step in STEPS])


def test_triangular_repeats_the_same_triangle():
    want = [reference(s, 1.0) for s in STEPS]
    np.testing.assert_allclose(
        values(TriangularCyclicalLearningRate(LOW, HIGH, HALF)), want, rtol=1e-6
    )


def test_triangular2_halves_the_height_each_cycle():
    want = [reference(s, 0.5 ** (s // (2 * HALF))) for s in STEPS]
    got = values(Triangular2CyclicalLearningRate(LOW, HIGH, HALF))
    np.testing.assert_allclose(got, want, rtol=1e-6)


@pytest.mark.parametrize("mode", ["iterations", "cycle"])
def test_exponential_decays_the_height(mode):
    gamma = 0.97
    schedule = ExponentialCyclicalLearningRate(LOW, HIGH, HALF, scale_mode=mode, gamma=gamma)
    exponent = {"iterations": lambda s: s, "cycle": lambda s: s // (2 * HALF) + 1}[mode]
    want = [reference(s, gamma ** exponent(s)) for s in STEPS]
    np.testing.assert_allclose(values(schedule), want, rtol=1e-5)


@keras.saving.register_keras_serializable(package="zoo_optimizers_tests")
def thirds(cycle):
    return 1.0 / (3.0 ** (cycle - 1.0))


def test_custom_scale_function_round_trips_when_registered():
    schedule = CyclicalLearningRate(LOW, HIGH, HALF, scale_fn=thirds)
    copy = keras.optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(schedule))
    np.testing.assert_allclose(values(copy), values(schedule))
    np.testing.assert_allclose(values(schedule)[15], reference(15, 1 / 3), rtol=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"step_size": 0}, "step_size"),
        ({"scale_mode": "epoch"}, "scale_mode"),
        ({"initial_learning_rate": -1.0}, "initial_learning_rate"),
        ({"gamma": 1.5}, "gamma"),
    ],
)
def test_bad_arguments_are_named(kwargs, name):
    arguments = {"initial_learning_rate": LOW, "maximal_learning_rate": HIGH, "step_size": 2}
    with pytest.raises(ValueError, match=f"`{name}`"):
        ExponentialCyclicalLearningRate(**{**arguments, **kwargs})


@pytest.mark.parametrize("optimizer_cls", [RectifiedAdam, Yogi])
def test_a_model_trains_with_a_cyclical_rate_and_reloads(tmp_path, optimizer_cls):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = x @ rng.normal(size=(4, 1)).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    schedule = Triangular2CyclicalLearningRate(1e-3, 5e-2, step_size=4)
    model.compile(optimizer_cls(learning_rate=schedule), "mse")
    history = model.fit(x, y, epochs=6, batch_size=16, verbose=0).history["loss"]
    assert history[-1] < history[0]
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert type(loaded.optimizer) is optimizer_cls
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    for theirs, ours in zip(loaded.optimizer.variables, model.optimizer.variables, strict=True):
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(theirs), keras.ops.convert_to_numpy(ours)
        )


@pytest.mark.parametrize("module", [cyclical_learning_rate, rectified_adam, yogi, zoo_optimizers])
def test_docstring_examples_print_what_they_say(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
