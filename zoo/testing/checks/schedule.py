"""Conformance checks of learning-rate schedules
(``keras.optimizers.schedules.LearningRateSchedule`` subclasses).

A schedule is a function of the step: its rates at steps ``0 .. N - 1`` are
checked against the independent numpy reference its entry gives. Then where a
user puts it: its config round-trips (also through
``keras.optimizers.schedules.serialize``/``deserialize``), and as a Keras
optimizer's ``learning_rate`` it drives ``fit`` compiled as Keras compiles by
default on the backend the kit runs on, the optimizer's rate after ``fit``
being the schedule's at the step reached.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from zoo.registry import Registered, ScheduleEntry
from zoo.testing.helpers import assert_config_roundtrip, config_json
from zoo.testing.kit import Column, check
from zoo.testing.uses import uses


def schedule_entry(item: Registered) -> ScheduleEntry:
    """``item.entry`` as a schedule's entry."""
    if not isinstance(item.entry, ScheduleEntry):
        raise TypeError(f"{item.name} is not a schedule entry")
    return item.entry


def rates(schedule: Any, steps: int) -> np.ndarray:
    """The schedule's rates at steps ``0 .. steps - 1``, as float64."""
    return np.array(
        [float(keras.ops.convert_to_numpy(schedule(step))) for step in range(steps)], "float64"
    )


def reference_rates(entry: ScheduleEntry, steps: int) -> np.ndarray:
    assert entry.reference is not None, "declares no numpy reference"
    return np.asarray(entry.reference(entry.make_config(), list(range(steps))), "float64")


@uses("schedule")
def use_schedule(item: Registered, schedule: Any) -> Any:
    """A schedule is used by asking its rates at its entry's steps."""
    return rates(schedule, schedule_entry(item).steps)


@check("schedule")
def check_schedule_reference(item: Registered) -> None:
    """Its rates at steps 0 .. N - 1 are its independent numpy reference's."""
    entry = schedule_entry(item)
    want = reference_rates(entry, entry.steps)
    assert want.shape == (entry.steps,), f"the reference gives shape {want.shape}"
    np.testing.assert_allclose(
        rates(entry.make(), entry.steps),
        want,
        atol=entry.atol,
        rtol=entry.rtol,
        err_msg=f"the rates at steps 0..{entry.steps - 1} vs the numpy reference",
    )


@check("schedule", column=Column(10, "serializable"))
def check_schedule_config_roundtrip(item: Registered) -> None:
    """get_config() holds every __init__ argument; from_config() and
    keras.optimizers.schedules.deserialize() rebuild a schedule of the same rates."""
    entry = schedule_entry(item)
    schedule = entry.make()
    config = assert_config_roundtrip(entry, schedule)
    revived = keras.optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(schedule))
    cls: type[Any] = entry.cls
    assert type(revived) is cls, f"Keras deserializes it as {type(revived).__name__}"
    assert config_json(revived.get_config()) == config_json(config)
    np.testing.assert_allclose(
        rates(revived, entry.steps),
        rates(schedule, entry.steps),
        rtol=1e-7,
        err_msg="the rates of the deserialized schedule",
    )


@check("schedule", column=Column(20, "compiled"))
def check_schedule_fit(item: Registered) -> None:
    """As keras.optimizers.SGD(learning_rate=schedule) it drives fit: the loss stays
    finite, and the optimizer's rate after fit is the schedule's at the step reached."""
    entry = schedule_entry(item)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype("float32")
    y = (x @ rng.normal(size=(3, 1))).astype("float32")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    optimizer = keras.optimizers.SGD(learning_rate=entry.make())
    model.compile(optimizer=optimizer, loss="mean_squared_error")
    history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    losses = history.history["loss"]
    assert np.isfinite(losses).all(), f"fit reports the losses {losses}"
    steps = int(keras.ops.convert_to_numpy(optimizer.iterations))
    assert steps == 8, f"fit took {steps} optimizer steps, not 8"
    np.testing.assert_allclose(
        float(keras.ops.convert_to_numpy(optimizer.learning_rate)),
        reference_rates(entry, steps + 1)[steps],
        atol=entry.atol,
        rtol=entry.rtol,
        err_msg=f"the optimizer's rate after {steps} steps vs the reference",
    )
