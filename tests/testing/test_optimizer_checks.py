"""Each conformance check of optimizers fails on an optimizer with the bug it is meant to
catch, naming the optimizer and the check, and passes on the same optimizer without the bug."""

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
class HeavyBall(keras.optimizers.Optimizer):
    """SGD with momentum: `v = momentum * v - lr * g; w = w + v`.

    Example:

    >>> print(1 + 1)
    2
    """

    def __init__(self, learning_rate=0.125, momentum=0.5, name="HeavyBall", **kwargs):
        if not (isinstance(momentum, float) and 0 <= momentum < 1):
            raise ValueError(f"Invalid `momentum`: expected [0, 1), received {momentum!r}.")
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.momentum = momentum

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._velocities = self.add_optimizer_variables(var_list, "velocity")

    def velocity(self, variable):
        return self._velocities[self._get_variable_index(variable)]

    def update_step(self, gradient, variable, learning_rate):
        lr = ops.cast(learning_rate, variable.dtype)
        velocity = self.velocity(variable)
        self.assign(velocity, self.momentum * velocity - lr * gradient)
        self.assign_add(variable, velocity)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum}


@serializable
class ForgetsMomentum(HeavyBall):
    def get_config(self):
        config = super().get_config()
        del config["momentum"]
        return config


@serializable
class NoMomentum(HeavyBall):
    def update_step(self, gradient, variable, learning_rate):
        lr = ops.cast(learning_rate, variable.dtype)
        self.assign_sub(variable, lr * gradient)


@serializable
class SharesOneVelocity(HeavyBall):
    """Right with one variable (the reference problem), wrong with a model's several."""

    def velocity(self, variable):
        return self._velocities[0]


@serializable
class LosesSlots(HeavyBall):
    """Its velocities start again from zero after loading."""

    def load_own_variables(self, store):
        pass


@serializable
class AcceptsAnyMomentum(HeavyBall):
    def __init__(self, learning_rate=0.125, momentum=0.5, name="AcceptsAnyMomentum", **kwargs):
        keras.optimizers.Optimizer.__init__(self, learning_rate=learning_rate, name=name, **kwargs)
        self.momentum = momentum


def reference(config, start, grads):
    w, v, out = start.copy(), np.zeros_like(start), []
    for g in grads:
        v = config.get("momentum", 0.5) * v - config.get("learning_rate", 0.125) * g
        w = w + v
        out.append(w.copy())
    return out


def entry(cls, **overrides) -> zoo.OptimizerEntry:
    fields = {"config": {"learning_rate": 0.125, "momentum": 0.5}, "reference": reference}
    return zoo.OptimizerEntry(cls, **{**fields, **overrides})


BUGS = [
    ("optimizer_config_roundtrip", ForgetsMomentum, "lacks __init__ argument(s) ['momentum']"),
    ("optimizer_reference", NoMomentum, "the weights after step 2 vs the numpy reference"),
    ("optimizer_fit", SharesOneVelocity, "fit failed"),
    ("optimizer_keras_file", LosesSlots, "the optimizer's state was not restored"),
]


def outcome(name: str, check: str):
    return run(Case(zoo.get_registry().get(name, "optimizer"), CHECKS[check]))


@pytest.mark.parametrize(("check", "cls", "message"), BUGS, ids=[b[0] for b in BUGS])
def test_optimizer_check_fails_on_its_bug_and_passes_without_it(plugin, check, cls, message):
    plugin(entry(cls), entry(HeavyBall))
    bad = outcome(cls.__name__, check)
    assert not bad.passed, f"{check} did not catch {cls.__name__}"
    assert cls.__name__ in bad.error and repr(check) in bad.error
    assert message in bad.error, bad.error
    # A new process imports the installed plugins only: the control of the .keras check
    # must be an optimizer that process can import.
    control = outcome("RectifiedAdam" if check == "optimizer_keras_file" else "HeavyBall", check)
    assert control.passed, control.error


def test_invalid_configs_applies_to_optimizers(plugin):
    # The check of every kind takes steps with the optimizer (zoo.testing.uses).
    invalid = (({"momentum": 1.5}, "momentum"),)
    plugin(*(entry(cls, invalid_configs=invalid) for cls in (AcceptsAnyMomentum, HeavyBall)))
    bad = outcome("AcceptsAnyMomentum", "invalid_configs")
    assert not bad.passed and "accepted without an error" in bad.error, bad.error
    assert outcome("HeavyBall", "invalid_configs").passed


def test_entry_fields_are_checked():
    with pytest.raises(ValueError, match="OptimizerEntry of HeavyBall: field 'steps' must be"):
        zoo.OptimizerEntry(HeavyBall, steps=1)
    with pytest.raises(TypeError, match="OptimizerEntry of HeavyBall: field 'formula' must be"):
        zoo.OptimizerEntry(HeavyBall, formula=3)


def test_every_optimizer_check_has_a_bug_it_catches_here():
    caught = {check for check, *_ in BUGS}
    optimizer_checks = {name for name, c in CHECKS.items() if c.kinds == ("optimizer",)}
    assert optimizer_checks <= caught, sorted(optimizer_checks - caught)
