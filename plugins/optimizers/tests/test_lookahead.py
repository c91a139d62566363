"""Lookahead against the paper's algorithm in numpy, inside compiled fit steps, and
through saving and resuming."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_optimizers import Lookahead, RectifiedAdam
from zoo_optimizers._references import lookahead_reference

from zoo.testing import seams


@pytest.fixture(autouse=True)
def precise():
    with seams.most_precise() as dtype:
        yield dtype


@pytest.mark.parametrize(("sync_period", "slow_step_size"), [(6, 0.5), (3, 0.8), (1, 1.0)])
def test_follows_the_paper(sync_period, slow_step_size):
    rng = np.random.default_rng(0)
    start = rng.normal(size=(3, 2))
    grads = [rng.normal(size=(3, 2)) for _ in range(14)]
    dtype = keras.config.floatx()
    variable = keras.Variable(start, dtype=dtype)
    optimizer = Lookahead(
        # Rate and momentum exact in float32: Keras' SGD rounds them through it.
        keras.optimizers.SGD(0.125, momentum=0.5),
        sync_period=sync_period,
        slow_step_size=slow_step_size,
    )
    got = []
    for g in grads:
        optimizer.apply([keras.ops.convert_to_tensor(g, dtype=dtype)], [variable])
        got.append(np.asarray(keras.ops.convert_to_numpy(variable)))
    want = lookahead_reference(
        start, grads, lr=0.125, momentum=0.5, sync_period=sync_period, slow_step_size=slow_step_size
    )
    tolerance = 1e-12 if dtype == "float64" else 1e-5
    np.testing.assert_allclose(got, want, rtol=tolerance, atol=tolerance)
    assert int(keras.ops.convert_to_numpy(optimizer.iterations)) == len(grads)


def regression(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(96, 5)).astype("float32")
    y = (x @ rng.normal(size=(5, 1)) + 0.1).astype("float32")
    return x, y


def model_with(optimizer, jit_compile="auto", run_eagerly=False) -> keras.Model:
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [keras.Input((5,)), keras.layers.Dense(8, "tanh"), keras.layers.Dense(1)]
    )
    model.compile(optimizer, "mse", jit_compile=jit_compile, run_eagerly=run_eagerly)
    return model


def weights_of(model) -> list[np.ndarray]:
    return [np.asarray(keras.ops.convert_to_numpy(w)) for w in model.weights]


# Compiling (torch.compile on PyTorch) takes up to half a minute: a slow check.
@pytest.mark.parametrize("jit_compile", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_compiled_fit_equals_eager_fit(jit_compile):
    # On PyTorch jit_compile=True is torch.compile; Keras' default there is eager.
    x, y = regression()
    # Truly eager: on TensorFlow a traced step builds the optimizer inside the trace,
    # where the slow weights once started at zero.
    eager = model_with(Lookahead("adam", sync_period=3), jit_compile=False, run_eagerly=True)
    eager.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=False)
    compiled = model_with(Lookahead("adam", sync_period=3), jit_compile=jit_compile)
    compiled.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=False)
    for a, b in zip(weights_of(compiled), weights_of(eager), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_saved_mid_period_resumes_exactly(tmp_path):
    x, y = regression()
    # 6 batches an epoch: a sync period of 4 leaves the save between two syncs.
    straight = model_with(Lookahead(RectifiedAdam(0.01), sync_period=4))
    straight.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=False)

    first = model_with(Lookahead(RectifiedAdam(0.01), sync_period=4))
    first.fit(x, y, epochs=1, batch_size=16, verbose=0, shuffle=False)
    first.save(tmp_path / "half.keras")
    resumed = keras.saving.load_model(tmp_path / "half.keras")
    assert isinstance(resumed.optimizer, Lookahead)
    assert isinstance(resumed.optimizer.optimizer, RectifiedAdam)
    resumed.fit(x, y, epochs=1, batch_size=16, verbose=0, shuffle=False)
    for a, b in zip(weights_of(resumed), weights_of(straight), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_learning_rate_and_iterations_are_the_wrapped_optimizers():
    inner = keras.optimizers.Adam(0.01)
    optimizer = Lookahead(inner)
    optimizer.learning_rate = 0.5
    assert float(keras.ops.convert_to_numpy(inner.learning_rate)) == 0.5
    assert optimizer.iterations is inner.iterations


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"sync_period": 0}, "`sync_period`"),
        ({"slow_step_size": 1.5}, "`slow_step_size`"),
        ({"optimizer": 3}, "`optimizer`"),
        ({"learning_rate": 0.1}, "learning_rate"),
    ],
)
def test_bad_arguments_are_named(kwargs, words):
    with pytest.raises(ValueError, match=words):
        Lookahead(**{"optimizer": "sgd", **kwargs})
