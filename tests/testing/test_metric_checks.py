"""Each conformance check of metrics fails on a metric with the bug it is meant to catch,
naming the metric and the check, and passes on the same metric without the bug."""

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
class MeanGap(keras.metrics.Metric):
    """The (weighted) mean over samples of the mean absolute gap, times `scale`.

    Example:

    >>> print(1 + 1)
    2
    """

    def __init__(self, scale=1.0, name="mean_gap", dtype=None):
        if not (isinstance(scale, int | float) and not isinstance(scale, bool)) or not (
            math.isfinite(scale) and scale > 0
        ):
            raise ValueError(f"Invalid `scale`: expected a number > 0, received scale={scale!r}.")
        super().__init__(name=name, dtype=dtype)
        self.scale = scale
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def gaps(self, y_true, y_pred):
        y_true = ops.cast(y_true, self.dtype)
        y_pred = ops.cast(y_pred, self.dtype)
        return ops.mean(ops.abs(y_true - y_pred), axis=-1)

    def update_state(self, y_true, y_pred, sample_weight=None):
        gaps = self.gaps(y_true, y_pred)
        weights = (
            ops.ones_like(gaps) if sample_weight is None else ops.cast(sample_weight, gaps.dtype)
        )
        self.total.assign_add(ops.sum(gaps * weights))
        self.count.assign_add(ops.sum(weights))

    def result(self):
        return self.scale * ops.divide_no_nan(self.total, self.count)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


@serializable
class ForgetsScale(MeanGap):
    def get_config(self):
        config = super().get_config()
        del config["scale"]
        return config


@serializable
class OffByALittle(MeanGap):
    def result(self):
        return super().result() * 1.01


@serializable
class LastBatchOnly(MeanGap):
    """Assigns instead of adding: only the last batch counts."""

    def update_state(self, y_true, y_pred, sample_weight=None):
        gaps = self.gaps(y_true, y_pred)
        self.total.assign(ops.sum(gaps))
        self.count.assign(ops.cast(ops.shape(gaps)[0], self.dtype))


@serializable
class ForgetsCount(MeanGap):
    """The bug the issue names: a reset_state that forgets a variable."""

    def reset_state(self):
        self.total.assign(ops.zeros((), dtype=self.total.dtype))


@serializable
class IgnoresSampleWeight(MeanGap):
    def update_state(self, y_true, y_pred, sample_weight=None):
        super().update_state(y_true, y_pred)


def reference(config, y_true, y_pred, sample_weight):
    gaps = np.abs(y_true.astype("float64") - y_pred.astype("float64")).mean(axis=-1)
    weights = np.ones_like(gaps) if sample_weight is None else sample_weight.astype("float64")
    return config.get("scale", 1.0) * (gaps * weights).sum() / weights.sum()


def batch(seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(8, 3)).astype("float32"), rng.normal(size=(8, 3)).astype("float32")


def entry(cls, **overrides) -> zoo.MetricEntry:
    fields = {"config": {"scale": 2.0}, "example_batch": batch, "reference": reference}
    return zoo.MetricEntry(cls, **{**fields, **overrides})


BUGS = [
    ("metric_config_roundtrip", ForgetsScale, "lacks __init__ argument(s) ['scale']"),
    ("metric_reference", OffByALittle, "after 3 batches vs reference"),
    ("metric_reference", LastBatchOnly, "after 3 batches vs reference"),
    ("metric_reset_state", ForgetsCount, "leaves mean_gap/count as it was counted"),
    ("metric_sample_weight", IgnoresSampleWeight, "with sample_weight"),
    # evaluate() resets the metrics fit() left: the forgotten count shows there.
    ("metric_fit", ForgetsCount, "evaluate (compiled) over 3 batches"),
    ("metric_jit_compile", ForgetsCount, "evaluate (jit_compile=True) over 3 batches"),
    ("metric_keras_file", MeanGap, "loading in a new process failed"),
]


def outcome(name: str, check: str):
    return run(Case(zoo.get_registry().get(name, "metric"), CHECKS[check]))


@pytest.mark.parametrize(
    ("check", "cls", "message"),
    [pytest.param(*bug, marks=[pytest.mark.slow] if CHECKS[bug[0]].slow else []) for bug in BUGS],
    ids=[f"{b[0]}-{b[1].__name__}" for b in BUGS],
)
def test_metric_check_fails_on_its_bug_and_passes_without_it(plugin, check, cls, message):
    names = [cls] if cls is MeanGap else [cls, MeanGap]
    plugin(*(entry(c) for c in names))
    bad = outcome(cls.__name__, check)
    assert not bad.passed, f"{check} did not catch {cls.__name__}"
    assert cls.__name__ in bad.error and repr(check) in bad.error
    assert message in bad.error, bad.error
    # For a new process the control must be a metric that process can import: an
    # installed family's.
    control_name = "HammingLoss" if check == "metric_keras_file" else "MeanGap"
    control = outcome(control_name, check)
    assert control.passed, control.error


def test_invalid_configs_applies_to_metrics(plugin):
    # The check of every kind updates a metric on its example batch (zoo.testing.uses).
    plugin(entry(MeanGap, invalid_configs=(({"scale": -1.0}, "scale"),)))
    assert outcome("MeanGap", "invalid_configs").passed


def test_every_metric_check_has_a_bug_it_catches_here():
    caught = {check for check, *_ in BUGS}
    metric_checks = {name for name, c in CHECKS.items() if c.kinds == ("metric",)}
    assert metric_checks <= caught, sorted(metric_checks - caught)


def test_the_compiled_model_checks_do_not_apply_to_a_metric_keras_cannot_compile(plugin):
    plugin(entry(MeanGap, compiled=False))
    item = zoo.get_registry().get("MeanGap", "metric")
    compiled = {"metric_fit", "metric_jit_compile", "metric_keras_file"}
    assert {name for name in compiled if CHECKS[name].applies(item)} == set()
    assert CHECKS["metric_reference"].applies(item)
