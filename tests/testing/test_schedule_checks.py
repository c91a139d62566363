"""Each conformance check of learning-rate schedules fails on a schedule with the bug it is
meant to catch, naming the schedule and the check, and passes on the same schedule without
the bug."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import ops

import zoo
from zoo.testing import CHECKS, Case, run

# The registry wants a class's Keras package to be the package it lives in (``tests``
# under pytest's importlib mode); the module in the Keras name keeps planted classes of
# one name in two test modules from taking over each other's name.
PACKAGE, MODULE = __name__.split(".")[0], __name__.rsplit(".", 1)[-1]


def serializable(cls):
    name = f"{MODULE}.{cls.__name__}"
    return keras.saving.register_keras_serializable(package=PACKAGE, name=name)(cls)


@serializable
class Halving(keras.optimizers.schedules.LearningRateSchedule):
    """`rate * 0.5 ** floor(step / period)`.

    Example:

    >>> print(1 + 1)
    2
    """

    def __init__(self, rate=0.1, period=3):
        if not (isinstance(period, int) and period > 0):
            raise ValueError(f"Invalid `period`: expected an integer > 0, received {period!r}.")
        self.rate = rate
        self.period = period

    def __call__(self, step):
        halvings = ops.floor(ops.cast(step, "float32") / self.period)
        return self.rate * ops.power(0.5, halvings)

    def get_config(self):
        return {"rate": self.rate, "period": self.period}


@serializable
class OffByOne(Halving):
    def __call__(self, step):
        return super().__call__(ops.cast(step, "float32") + 1.0)


@serializable
class ForgetsPeriod(Halving):
    def get_config(self):
        return {"rate": self.rate}


@serializable
class RightForIntsOnly(Halving):
    """Right when called with Python integers, constant for the optimizer's step."""

    def __call__(self, step):
        return super().__call__(step if isinstance(step, int) else 0)


@serializable
class AcceptsAnyPeriod(Halving):
    def __init__(self, rate=0.1, period=3):
        self.rate, self.period = rate, period


def reference(config, steps):
    return config["rate"] * 0.5 ** (np.asarray(steps) // config["period"])


def entry(cls, **overrides) -> zoo.ScheduleEntry:
    fields = {"config": {"rate": 0.1, "period": 3}, "reference": reference, "steps": 12}
    return zoo.ScheduleEntry(cls, **{**fields, **overrides})


BUGS = [
    ("schedule_reference", OffByOne, "the rates at steps 0..11 vs the numpy reference"),
    ("schedule_config_roundtrip", ForgetsPeriod, "lacks __init__ argument(s) ['period']"),
    ("schedule_fit", RightForIntsOnly, "the optimizer's rate after 8 steps vs the reference"),
]


def outcome(name: str, check: str):
    return run(Case(zoo.get_registry().get(name, "schedule"), CHECKS[check]))


@pytest.mark.parametrize(("check", "cls", "message"), BUGS, ids=[b[0] for b in BUGS])
def test_schedule_check_fails_on_its_bug_and_passes_without_it(plugin, check, cls, message):
    plugin(entry(cls), entry(Halving))
    bad = outcome(cls.__name__, check)
    assert not bad.passed, f"{check} did not catch {cls.__name__}"
    assert cls.__name__ in bad.error and repr(check) in bad.error
    assert message in bad.error, bad.error
    control = outcome("Halving", check)
    assert control.passed, control.error


def test_invalid_configs_applies_to_schedules(plugin):
    # The check of every kind asks the schedule's rates (zoo.testing.uses).
    invalid = (({"period": 0}, "period"),)
    plugin(*(entry(cls, invalid_configs=invalid) for cls in (AcceptsAnyPeriod, Halving)))
    bad = outcome("AcceptsAnyPeriod", "invalid_configs")
    assert not bad.passed and "accepted without an error" in bad.error, bad.error
    assert outcome("Halving", "invalid_configs").passed


def test_entry_fields_are_checked():
    with pytest.raises(ValueError, match="ScheduleEntry of Halving: field 'atol' must be"):
        zoo.ScheduleEntry(Halving, atol=-1.0)


def test_every_schedule_check_has_a_bug_it_catches_here():
    caught = {check for check, *_ in BUGS}
    schedule_checks = {name for name, c in CHECKS.items() if c.kinds == ("schedule",)}
    assert schedule_checks <= caught, sorted(schedule_checks - caught)
