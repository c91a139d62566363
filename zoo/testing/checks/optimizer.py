"""Conformance checks of optimizers (``keras.optimizers.Optimizer`` subclasses).

An optimizer's promise is its update rule: it is checked step by step against
the independent numpy reference its entry gives, on a small deterministic
problem in float32 (state such as moments carries between the steps, so
twenty steps test it). Then where a user puts it: it trains a small model with
``fit`` on the backend the kit runs on, its config round-trips, and a model
compiled with it, saved to ``.keras`` mid-training, continues with the same
next updates after loading, both in this process (a state the optimizer forgot
to restore shows there) and in a new process that imports only ``zoo``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import keras
import numpy as np

from zoo.registry import OptimizerEntry, Registered
from zoo.testing.helpers import assert_config_roundtrip, config_json, to_numpy
from zoo.testing.kit import Column, check
from zoo.testing.uses import uses
from zoo.testing.workers import fresh_process

BATCH = 16


def optimizer_entry(item: Registered) -> OptimizerEntry:
    """``item.entry`` as an optimizer's entry."""
    if not isinstance(item.entry, OptimizerEntry):
        raise TypeError(f"{item.name} is not an optimizer entry")
    return item.entry


def steps_of(optimizer: Any, start: np.ndarray, grads: list[np.ndarray]) -> list[np.ndarray]:
    """The float32 weight after each step of ``optimizer`` given ``grads`` in turn."""
    variable = keras.Variable(start, dtype="float32")
    seen = []
    for g in grads:
        optimizer.apply([keras.ops.convert_to_tensor(g, dtype="float32")], [variable])
        seen.append(np.asarray(keras.ops.convert_to_numpy(variable)))
    return seen


@uses("optimizer")
def use_optimizer(item: Registered, optimizer: Any) -> Any:
    """An optimizer is used by taking two steps on its example problem."""
    start, grads = optimizer_entry(item).problem()
    return steps_of(optimizer, start, grads[:2])


def regression(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A small regression a two-layer model fits: 64 samples of 5 features."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(64, 5)).astype("float32")
    y = (np.tanh(x @ rng.normal(size=(5, 1))) + 0.1).astype("float32")
    return x, y


def compiled_model(optimizer: Any) -> keras.Model:
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [keras.Input((5,)), keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(1)]
    )
    model.compile(optimizer=optimizer, loss="mean_squared_error")
    return model


def _fit(model: keras.Model, x: np.ndarray, y: np.ndarray, epochs: int = 1) -> Any:
    return model.fit(x, y, batch_size=BATCH, epochs=epochs, shuffle=False, verbose=0)


@check("optimizer", column=Column(10, "serializable"))
def check_optimizer_config_roundtrip(item: Registered) -> None:
    """get_config() holds every __init__ argument; from_config() and Keras' own
    deserialization rebuild the same optimizer."""
    entry = optimizer_entry(item)
    optimizer = entry.make()
    config = assert_config_roundtrip(entry, optimizer)
    revived = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    cls: type[Any] = entry.cls
    assert type(revived) is cls, f"Keras deserializes it as {type(revived).__name__}"
    assert config_json(revived.get_config()) == config_json(config)


@check("optimizer")
def check_optimizer_reference(item: Registered) -> None:
    """Step by step (float32, on a small deterministic problem) it updates the weights as
    its independent numpy reference does."""
    entry = optimizer_entry(item)
    assert entry.reference is not None, "declares no numpy reference"
    start, grads = entry.problem()
    got = steps_of(entry.make(), start, grads)
    want = entry.reference(
        entry.make_config(), start.astype("float64"), [g.astype("float64") for g in grads]
    )
    assert len(want) == len(grads), f"the reference gives {len(want)} steps, not {len(grads)}"
    for step, (ours, theirs) in enumerate(zip(got, want, strict=True), start=1):
        np.testing.assert_allclose(
            ours,
            np.asarray(theirs),
            atol=entry.atol,
            rtol=entry.rtol,
            err_msg=f"the weights after step {step} vs the numpy reference",
        )


@check("optimizer", column=Column(20, "compiled"))
def check_optimizer_fit(item: Registered) -> None:
    """It trains a small Dense model with fit (compiled as Keras compiles by default on
    this backend): the loss decreases and stays finite."""
    x, y = regression()
    model = compiled_model(optimizer_entry(item).make())
    try:
        losses = _fit(model, x, y, epochs=4).history["loss"]
    except Exception as error:  # the point: any error in fit is the finding
        raise AssertionError(f"fit failed: {type(error).__name__}: {error}") from error
    assert np.isfinite(losses).all(), f"fit reports the losses {losses}"
    assert losses[-1] < losses[0], f"fit did not decrease the loss: {losses}"


@check("optimizer", column=Column(10, "serializable"))
def check_optimizer_keras_file(item: Registered) -> None:
    """A model compiled with it, saved to .keras mid-training and loaded (in this process,
    and in a new one after `import zoo`), takes the same next updates as the model that
    was not saved: its state (moments, slow weights, iterations) is restored."""
    x, y = regression()
    model = compiled_model(optimizer_entry(item).make())
    _fit(model, x, y)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        _fit(model, x, y)
        want = to_numpy(model(x, training=False))
        loaded = keras.saving.load_model(path)
        assert type(loaded.optimizer) is item.cls, (
            f"the loaded model's optimizer is a {type(loaded.optimizer).__name__}"
        )
        _fit(loaded, x, y)
        np.testing.assert_allclose(
            to_numpy(loaded(x, training=False))[0],
            want[0],
            rtol=1e-5,
            atol=1e-6,
            err_msg="predictions after one more epoch, loaded in this process vs never "
            "saved: the optimizer's state was not restored",
        )
        fresh = fresh_process.load_and_predict(path, x, y, fit={"epochs": 1, "batch_size": BATCH})
    np.testing.assert_allclose(
        fresh.outputs[0],
        want[0],
        rtol=1e-5,
        atol=1e-6,
        err_msg="predictions after one more epoch, loaded in a new process vs never saved",
    )
