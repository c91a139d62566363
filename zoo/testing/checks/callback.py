"""Conformance checks of callbacks (``keras.callbacks.Callback`` subclasses).

A callback has no value to compare with a reference: what it promises is an
effect on training. So it is checked where a user puts it, in ``fit`` of the
small model its entry's ``example`` builds, on the backend the kit runs on:
``fit`` completes with it, the entry's ``effect`` (what its page says it does)
holds after that ``fit`` and does not without it, its config round-trips,
and a callback that drives state through training ends in the same state when
the training was interrupted and resumed under ``keras.callbacks.BackupAndRestore``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import keras
import numpy as np

from zoo.registry import CallbackEntry, Registered
from zoo.testing.helpers import assert_config_roundtrip, config_json
from zoo.testing.kit import Column, check
from zoo.testing.uses import uses


def callback_entry(item: Registered) -> CallbackEntry:
    """``item.entry`` as a callback's entry."""
    if not isinstance(item.entry, CallbackEntry):
        raise TypeError(f"{item.name} is not a callback entry")
    return item.entry


def fit_with(entry: CallbackEntry, callbacks: list[Any], seed: int = 0) -> tuple[Any, Any]:
    """A new example model fitted with ``callbacks``; (model, history)."""
    model, arguments = entry.training(seed)
    history = model.fit(**{**arguments, "verbose": 0, "callbacks": callbacks})
    return model, history


def measured(value: Any) -> np.ndarray:
    """What an effect or a state function returned, as float64 numbers."""
    if isinstance(value, dict):
        value = [value[key] for key in sorted(value)]
    return np.asarray(keras.tree.map_structure(keras.ops.convert_to_numpy, value), "float64")


@uses("callback")
def use_callback(item: Registered, callback: Any) -> Any:
    """A callback is used by fitting its example model with it; the losses of each epoch."""
    _, history = fit_with(callback_entry(item), [callback])
    return np.asarray(history.history.get("loss", [0.0]), dtype="float64")


@check("callback", column=Column(10, "serializable"))
def check_callback_config_roundtrip(item: Registered) -> None:
    """get_config() holds every __init__ argument; from_config() and Keras' own
    deserialization rebuild the same callback."""
    entry = callback_entry(item)
    callback = entry.make()
    config = assert_config_roundtrip(entry, callback)
    revived = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(callback))
    cls: type[Any] = entry.cls
    assert type(revived) is cls, f"Keras deserializes it as {type(revived).__name__}"
    assert config_json(revived.get_config()) == config_json(config)


@check("callback", column=Column(20, "compiled"))
def check_callback_fit(item: Registered) -> None:
    """It drives fit on this backend: fit with the example config completes; with the
    effect config, what its page says it does is observed, and is not without it."""
    entry = callback_entry(item)
    assert entry.effect is not None, "declares no effect to observe"
    _, history = fit_with(entry, [entry.make()])
    epochs = entry.training()[1].get("epochs", 1)
    assert history.epoch, "fit with the example config ran no epoch"
    model, history = fit_with(entry, [entry.make_effective()])
    try:
        entry.effect(model, history)
    except AssertionError as error:
        raise AssertionError(f"its effect is not observed after fit: {error}") from error
    model, history = fit_with(entry, [])
    try:
        entry.effect(model, history)
    except AssertionError:
        return
    raise AssertionError(
        f"its effect is observed after fit ({epochs} epochs) without the callback too: "
        "what the entry's effect checks is not the callback's doing"
    )


class Interrupted(RuntimeError):
    """Raised by ``Interrupt``: a training stopped as a killed job would be."""


class Interrupt(keras.callbacks.Callback):
    """Stops training by an error at the end of epoch ``epoch`` (after the backup)."""

    def __init__(self, epoch: int):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        if epoch == self.epoch:
            raise Interrupted(f"interrupted after epoch {epoch}")


@check("callback", applies=lambda item: callback_entry(item).stateful, column=Column(48, "resumes"))
def check_callback_backup_and_restore(item: Registered) -> None:
    """Training interrupted half-way and resumed under BackupAndRestore ends in the state
    it drives as training without interruption does."""
    entry = callback_entry(item)
    assert entry.state is not None, "a stateful entry without state"
    epochs = int(entry.training()[1].get("epochs", 1))
    assert epochs >= 2, f"its example fits {epochs} epoch(s); interrupting needs two or more"
    stop = epochs // 2 - 1
    model, _ = fit_with(entry, [entry.make()])
    want = measured(entry.state(model))
    with tempfile.TemporaryDirectory() as folder:
        backup = keras.callbacks.BackupAndRestore(str(Path(folder) / "backup"))
        try:
            fit_with(entry, [entry.make(), backup, Interrupt(stop)])
        except Interrupted:
            pass
        else:
            raise AssertionError("the interrupting callback did not stop training")
        model, history = fit_with(entry, [entry.make(), backup])
    assert len(history.epoch) == epochs - stop - 1, (
        f"BackupAndRestore resumed {len(history.epoch)} epochs, not {epochs - stop - 1}"
    )
    np.testing.assert_allclose(
        measured(entry.state(model)),
        want,
        rtol=1e-6,
        atol=1e-6,
        err_msg=f"its state after resuming from epoch {stop + 1} vs without interruption",
    )
