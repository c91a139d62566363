"""Each conformance check of callbacks fails on a callback with the bug it is meant to
catch, naming the callback and the check, and passes on the same callback without the bug."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import zoo
from zoo.testing import CHECKS, Case, run

# The registry wants a class's Keras package to be the package it lives in (``tests``
# under pytest's importlib mode); the module in the Keras name keeps planted classes of
# one name in two test modules from taking over each other's name.
PACKAGE, MODULE = __name__.split(".")[0], __name__.rsplit(".", 1)[-1]


def serializable(cls):
    name = f"{MODULE}.{cls.__name__}"
    return keras.saving.register_keras_serializable(package=PACKAGE, name=name)(cls)


EPOCHS = 4


@serializable
class EpochRate(keras.callbacks.Callback):
    """Sets the optimizer's learning rate to `rate / (1 + epoch)` as each epoch begins.

    Example:

    >>> print(1 + 1)
    2
    """

    def __init__(self, rate=0.1):
        if not (isinstance(rate, float | int) and not isinstance(rate, bool) and rate > 0):
            raise ValueError(f"Invalid `rate`: expected a number > 0, received rate={rate!r}.")
        super().__init__()
        self.rate = rate

    def position(self, epoch):
        return epoch

    def on_epoch_begin(self, epoch, logs=None):
        self.model.optimizer.learning_rate.assign(self.rate / (1 + self.position(epoch)))

    def get_config(self):
        return {"rate": self.rate}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@serializable
class ForgetsRate(EpochRate):
    def get_config(self):
        return {}


@serializable
class DoesNothing(EpochRate):
    def on_epoch_begin(self, epoch, logs=None):
        pass


@serializable
class CountsEpochs(EpochRate):
    """Counts the epochs it saw instead of reading the epoch index: a resumed training
    starts the count again at 0."""

    def __init__(self, rate=0.1):
        super().__init__(rate)
        self.seen = 0

    def position(self, epoch):
        self.seen += 1
        return self.seen - 1


@serializable
class AcceptsAnyRate(EpochRate):
    def __init__(self, rate=0.1):
        keras.callbacks.Callback.__init__(self)
        self.rate = rate


def training(seed):
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(8, 3)).astype("float32"), rng.normal(size=(8, 1)).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(1.0), loss="mean_squared_error")
    return model, {"x": x, "y": y, "epochs": EPOCHS, "batch_size": 4, "shuffle": False}


def learning_rate(model):
    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


def effect(model, history):
    rate = learning_rate(model)
    assert np.isclose(rate, 0.1 / EPOCHS), f"learning rate {rate}, not {0.1 / EPOCHS}"
    return rate


def entry(cls, **overrides) -> zoo.CallbackEntry:
    fields = {
        "config": {"rate": 0.1},
        "example": training,
        "effect": effect,
        "stateful": True,
        "state": learning_rate,
    }
    return zoo.CallbackEntry(cls, **{**fields, **overrides})


BUGS = [
    ("callback_config_roundtrip", ForgetsRate, "lacks __init__ argument(s) ['rate']"),
    ("callback_fit", DoesNothing, "its effect is not observed after fit"),
    ("callback_backup_and_restore", CountsEpochs, "its state after resuming from epoch 2"),
]


def outcome(name: str, check: str):
    return run(Case(zoo.get_registry().get(name, "callback"), CHECKS[check]))


@pytest.mark.parametrize(("check", "cls", "message"), BUGS, ids=[b[0] for b in BUGS])
def test_callback_check_fails_on_its_bug_and_passes_without_it(plugin, check, cls, message):
    plugin(entry(cls), entry(EpochRate))
    bad = outcome(cls.__name__, check)
    assert not bad.passed, f"{check} did not catch {cls.__name__}"
    assert cls.__name__ in bad.error and repr(check) in bad.error
    assert message in bad.error, bad.error
    control = outcome("EpochRate", check)
    assert control.passed, control.error


def test_an_effect_that_holds_without_the_callback_fails_the_fit_check(plugin):
    plugin(entry(EpochRate, effect=lambda model, history: len(history.epoch)))
    bad = outcome("EpochRate", "callback_fit")
    assert not bad.passed and "without the callback too" in bad.error, bad.error


def test_invalid_configs_applies_to_callbacks(plugin):
    # The check of every kind fits the example with the callback (zoo.testing.uses).
    invalid = (({"rate": -1.0}, "rate"),)
    plugin(*(entry(cls, invalid_configs=invalid) for cls in (AcceptsAnyRate, EpochRate)))
    bad = outcome("AcceptsAnyRate", "invalid_configs")
    assert not bad.passed and "accepted without an error" in bad.error, bad.error
    assert outcome("EpochRate", "invalid_configs").passed


def test_a_stateful_entry_needs_its_state():
    with pytest.raises(ValueError, match="CallbackEntry of EpochRate: field 'state' must be"):
        zoo.CallbackEntry(EpochRate, stateful=True)
    with pytest.raises(TypeError, match="CallbackEntry of EpochRate: field 'effect' must be"):
        zoo.CallbackEntry(EpochRate, effect="fewer epochs")


def test_every_callback_check_has_a_bug_it_catches_here():
    caught = {check for check, *_ in BUGS}
    callback_checks = {name for name, c in CHECKS.items() if c.kinds == ("callback",)}
    assert callback_checks <= caught, sorted(callback_checks - caught)
