"""Each conformance check of losses fails on a loss with the bug it is meant to catch,
naming the loss and the check, and passes on the same loss without the bug."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from keras import ops

import zoo
from zoo.testing import CHECKS, Case, run

# The registry wants a class's Keras package to be the package it lives in (``tests``
# under pytest's importlib mode); the module in the Keras name keeps planted classes of
# one name in two test modules (the layer and the loss OffByALittle) from taking over
# each other's name.
PACKAGE, MODULE = __name__.split(".")[0], __name__.rsplit(".", 1)[-1]


def serializable(cls):
    name = f"{MODULE}.{cls.__name__}"
    return keras.saving.register_keras_serializable(package=PACKAGE, name=name)(cls)


@serializable
class ScaledSquare(keras.losses.Loss):
    """Half the mean squared error over the last axis, times `scale`.

    Example:

    >>> print(1 + 1)
    2
    """

    def __init__(
        self, scale=1.0, reduction="sum_over_batch_size", name="scaled_square", dtype=None
    ):
        if not (isinstance(scale, int | float) and not isinstance(scale, bool)) or not (
            math.isfinite(scale) and scale > 0
        ):
            raise ValueError(f"Invalid `scale`: expected a number > 0, received scale={scale!r}.")
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.scale = scale
        self.config_dtype = dtype

    def call(self, y_true, y_pred):
        return self.scale * ops.mean(ops.square(y_true - y_pred), axis=-1) / 2.0

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "dtype": self.config_dtype}


@serializable
class ForgetsScale(ScaledSquare):
    def get_config(self):
        config = super().get_config()
        del config["scale"]
        return config


@serializable
class OffByALittle(ScaledSquare):
    def call(self, y_true, y_pred):
        return super().call(y_true, y_pred) * 1.01


@serializable
class IgnoresSampleWeight(ScaledSquare):
    """The bug the issue names: a loss whose __call__ drops sample_weight."""

    def __call__(self, y_true, y_pred, sample_weight=None):
        return super().__call__(y_true, y_pred)


@serializable
class NoGradient(ScaledSquare):
    def call(self, y_true, y_pred):
        return super().call(y_true, ops.stop_gradient(y_pred))


@serializable
class PolicyDtype(ScaledSquare):
    """Computes in the global policy's dtype, where squares of 1000 times the error overflow
    float16."""

    def call(self, y_true, y_pred):
        dtype = keras.config.dtype_policy().compute_dtype
        error = 1000.0 * (ops.cast(y_true, dtype) - ops.cast(y_pred, dtype))
        return ops.cast(self.scale * ops.mean(ops.square(error), axis=-1) / 2e6, "float32")


def reference(config, y_true, y_pred):
    error = y_true.astype("float64") - y_pred.astype("float64")
    return config.get("scale", 1.0) * (error**2).mean(axis=-1) / 2.0


def batch(seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(8, 3)).astype("float32"), rng.normal(size=(8, 3)).astype("float32")


def entry(cls, **overrides) -> zoo.LossEntry:
    fields = {"config": {"scale": 2.0}, "example_batch": batch, "reference": reference}
    return zoo.LossEntry(cls, **{**fields, **overrides})


BUGS = [
    ("loss_config_roundtrip", ForgetsScale, "lacks __init__ argument(s) ['scale']"),
    ("loss_reference", OffByALittle, "call() vs the numpy reference"),
    ("loss_reductions", IgnoresSampleWeight, "with sample_weight"),
    ("loss_gradients", NoGradient, "gradient"),
    ("loss_fit", NoGradient, "no gradient flows from the loss"),
    ("loss_jit_compile", NoGradient, "no gradient flows from the loss"),
    ("loss_keras_file", ScaledSquare, "loading in a new process failed"),
    ("loss_mixed_float16", PolicyDtype, "under mixed_float16"),
]


def outcome(name: str, check: str):
    return run(Case(zoo.get_registry().get(name, "loss"), CHECKS[check]))


@pytest.mark.parametrize(
    ("check", "cls", "message"),
    [pytest.param(*bug, marks=[pytest.mark.slow] if CHECKS[bug[0]].slow else []) for bug in BUGS],
    ids=[f"{b[0]}-{b[1].__name__}" for b in BUGS],
)
def test_loss_check_fails_on_its_bug_and_passes_without_it(plugin, check, cls, message):
    names = [cls] if cls is ScaledSquare else [cls, ScaledSquare]
    plugin(*(entry(c) for c in names))
    bad = outcome(cls.__name__, check)
    assert not bad.passed, f"{check} did not catch {cls.__name__}"
    assert cls.__name__ in bad.error and repr(check) in bad.error
    assert message in bad.error, bad.error
    # For a new process the control must be a loss that process can import: an
    # installed family's.
    control_name = "PinballLoss" if check == "loss_keras_file" else "ScaledSquare"
    control = outcome(control_name, check)
    assert control.passed, control.error


def test_invalid_configs_applies_to_losses(plugin):
    # The check of every kind uses a loss on its example batch (zoo.testing.uses).
    plugin(entry(ScaledSquare, invalid_configs=(({"scale": -1.0}, "scale"),)))
    assert outcome("ScaledSquare", "invalid_configs").passed


def test_every_loss_check_has_a_bug_it_catches_here():
    caught = {check for check, *_ in BUGS}
    loss_checks = {name for name, c in CHECKS.items() if c.kinds == ("loss",)}
    assert loss_checks <= caught, sorted(loss_checks - caught)
