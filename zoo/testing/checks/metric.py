"""Conformance checks of metrics (``keras.metrics.Metric`` subclasses).

A metric is checked against the independent reference its entry gives (numpy,
or a library such as scikit-learn), over several example batches: fed to
``update_state`` one after the other, its ``result()`` must be the reference's
value over all of that data at once. Then ``reset_state`` must bring every
variable back, ``sample_weight`` must weigh samples as the reference does, and
it must do its job where a user puts it: compiled into a model whose ``fit``
and ``evaluate`` report it (also with ``jit_compile=True``), and saved with
that model to ``.keras`` and evaluated again in a fresh process.

The model the checks compile is ``y_pred -> Dense(identity)`` trained with a
learning rate of zero: fed the example predictions it outputs them unchanged,
so every value it reports for the metric is the reference's.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import keras
import numpy as np

from zoo.registry import MetricEntry, Registered
from zoo.testing.helpers import assert_config_roundtrip, config_json
from zoo.testing.kit import Column, check
from zoo.testing.uses import uses
from zoo.testing.workers import fresh_process


def metric_entry(item: Registered) -> MetricEntry:
    """``item.entry`` as a metric's entry."""
    if not isinstance(item.entry, MetricEntry):
        raise TypeError(f"{item.name} is not a metric entry")
    return item.entry


def example_batches(entry: MetricEntry) -> list[tuple[np.ndarray, np.ndarray]]:
    """The entry's ``batches`` example batches, seeds 0, 1, ..."""
    batches = []
    for seed in range(entry.batches):
        y_true, y_pred = entry.batch(seed)
        batches.append((np.asarray(y_true), np.asarray(y_pred)))
    return batches


def joined(batches: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """All the batches as one: what one pass over the whole data sees."""
    return (
        np.concatenate([y_true for y_true, _ in batches]),
        np.concatenate([y_pred for _, y_pred in batches]),
    )


def sample_weights(size: int, seed: int = 3) -> np.ndarray:
    """Positive, unequal weights (a metric ignoring them cannot match), one per sample."""
    return np.random.default_rng(seed).uniform(0.2, 2.0, size=(size,)).astype("float32")


def reference_result(
    entry: MetricEntry, y_true: np.ndarray, y_pred: np.ndarray, weights: np.ndarray | None = None
) -> np.ndarray:
    assert entry.reference is not None, "declares no reference"
    return np.asarray(
        entry.reference(entry.make_config(), y_true, y_pred, weights), dtype="float64"
    )


def result_of(metric: Any) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(metric.result()), dtype="float64")


def _close(got: np.ndarray, want: np.ndarray, entry: MetricEntry, what: str) -> None:
    assert np.shape(got) == np.shape(want), f"{what}: shape {np.shape(got)}, not {np.shape(want)}"
    np.testing.assert_allclose(got, want, atol=entry.atol, rtol=entry.rtol, err_msg=what)


def _state(metric: Any) -> list[np.ndarray]:
    return [np.array(keras.ops.convert_to_numpy(v.value)) for v in metric.variables]


@uses("metric")
def use_metric(item: Registered, metric: Any) -> Any:
    """A metric is used by updating it on the example batch and reading its result."""
    y_true, y_pred = metric_entry(item).batch()
    metric.update_state(y_true, y_pred)
    return metric.result()


def _compiled(item: Registered) -> bool:
    return metric_entry(item).compiled


@check("metric", column=Column(10, "serializable"))
def check_metric_config_roundtrip(item: Registered) -> None:
    """get_config() holds every __init__ argument; from_config() and Keras' own
    deserialization rebuild the same metric."""
    entry = metric_entry(item)
    metric = entry.make()
    config = assert_config_roundtrip(entry, metric)
    revived = keras.metrics.deserialize(keras.metrics.serialize(metric))
    cls: type[Any] = entry.cls
    assert type(revived) is cls, f"Keras deserializes it as {type(revived).__name__}"
    assert config_json(revived.get_config()) == config_json(config)


@check("metric")
def check_metric_reference(item: Registered) -> None:
    """update_state over several batches, then result(), gives the reference's value over
    all the data at once; so does one update_state on all of it."""
    entry = metric_entry(item)
    batches = example_batches(entry)
    y_true, y_pred = joined(batches)
    want = reference_result(entry, y_true, y_pred)
    metric = entry.make()
    for batch_true, batch_pred in batches:
        metric.update_state(batch_true, batch_pred)
    _close(result_of(metric), want, entry, f"result() after {len(batches)} batches vs reference")
    whole = entry.make()
    whole.update_state(y_true, y_pred)
    _close(result_of(whole), want, entry, "result() after one pass over all of it vs reference")


@check("metric")
def check_metric_reset_state(item: Registered) -> None:
    """reset_state() gives every variable its value in a new metric, so what comes after
    is counted alone."""
    entry = metric_entry(item)
    batches = example_batches(entry)
    fresh = entry.make()
    fresh.update_state(*batches[0])  # built, as the used one is
    fresh.reset_state()
    metric = entry.make()
    for batch in batches:
        metric.update_state(*batch)
    metric.reset_state()
    after, initial = _state(metric), _state(fresh)
    assert len(after) == len(initial), "reset_state() changed how many variables it holds"
    for variable, got, want in zip(metric.variables, after, initial, strict=True):
        np.testing.assert_array_equal(
            got, want, err_msg=f"reset_state() leaves {variable.path} as it was counted"
        )
    metric.update_state(*batches[-1])
    _close(
        result_of(metric),
        reference_result(entry, *batches[-1]),
        entry,
        "result() of one batch after reset_state() vs reference",
    )


@check("metric", applies=lambda item: metric_entry(item).sample_weight)
def check_metric_sample_weight(item: Registered) -> None:
    """Unequal sample weights, batch by batch, weigh samples as the reference does."""
    entry = metric_entry(item)
    batches = example_batches(entry)
    y_true, y_pred = joined(batches)
    weights = sample_weights(len(y_true))
    metric = entry.make()
    start = 0
    for batch_true, batch_pred in batches:
        metric.update_state(
            batch_true, batch_pred, sample_weight=weights[start:][: len(batch_true)]
        )
        start += len(batch_true)
    _close(
        result_of(metric),
        reference_result(entry, y_true, y_pred, weights),
        entry,
        "result() with sample_weight vs reference",
    )


def identity_model(y_pred: np.ndarray) -> keras.Model:
    """``y_pred -> Dense(identity)``: outputs its (float) input unchanged."""
    width = y_pred.shape[-1] if y_pred.ndim > 1 else 1
    inputs = keras.Input(shape=y_pred.shape[1:] or (1,))
    dense = keras.layers.Dense(width, kernel_initializer="identity", bias_initializer="zeros")
    outputs = dense(inputs)
    if y_pred.ndim == 1:
        outputs = keras.layers.Reshape(())(outputs)
    return keras.Model(inputs, outputs)


def _as_inputs(y_pred: np.ndarray) -> np.ndarray:
    x = y_pred.astype("float32")
    return x[:, None] if x.ndim == 1 else x


def _nothing(y_true: Any, y_pred: Any) -> Any:
    # A loss for fit that needs no particular targets; the learning rate is zero anyway.
    return keras.ops.mean(y_pred) * 0.0


def _saved_loss(y_true: np.ndarray, y_pred: np.ndarray) -> str:
    # TensorFlow's evaluate() wants a compiled loss, and a saved model's must load in the new
    # process after `import zoo` alone: one of Keras' own, that fits the shapes.
    if np.ndim(y_true) == np.ndim(y_pred) - 1:
        return "sparse_categorical_crossentropy"
    return "mean_squared_error"


def _metric_values(entry: MetricEntry, history: dict[str, Any], name: str, what: str) -> np.ndarray:
    assert name in history, f"{what} does not report the metric {name!r}: {sorted(history)}"
    return np.asarray(history[name], dtype="float64")


def _fit_check(item: Registered, jit_compile: bool) -> None:
    entry = metric_entry(item)
    batches = example_batches(entry)
    y_true, y_pred = joined(batches)
    want = reference_result(entry, y_true, y_pred)
    metric = entry.make()
    model = identity_model(y_pred)
    model.compile(
        optimizer=keras.optimizers.SGD(0.0),
        loss=_nothing,
        metrics=[metric],
        jit_compile=jit_compile,
    )
    what = "jit_compile=True" if jit_compile else "compiled"
    size = len(batches[0][0])
    x = _as_inputs(y_pred)
    history = model.fit(x, y_true, batch_size=size, epochs=1, shuffle=False, verbose=0).history
    reported = _metric_values(entry, history, metric.name, f"fit ({what})")
    _close(reported[-1], want, entry, f"fit ({what}) over {len(batches)} batches vs reference")
    evaluated = model.evaluate(x, y_true, batch_size=size, verbose=0, return_dict=True)
    reported = _metric_values(entry, evaluated, metric.name, f"evaluate ({what})")
    _close(reported, want, entry, f"evaluate ({what}) over {len(batches)} batches vs reference")


@check("metric", applies=_compiled, column=Column(20, "compiled"))
def check_metric_fit(item: Registered) -> None:
    """Compiled into a model, fit and evaluate report the reference's value over several
    batches."""
    _fit_check(item, jit_compile=False)


@check("metric", applies=_compiled, slow=True, column=Column(20, "compiled"))
def check_metric_jit_compile(item: Registered) -> None:
    """With jit_compile=True (XLA, jax.jit, torch.compile) fit and evaluate report the
    reference's value over several batches."""
    _fit_check(item, jit_compile=True)


@check("metric", applies=_compiled, column=Column(10, "serializable"))
def check_metric_keras_file(item: Registered) -> None:
    """A model compiled with it saves to .keras and, loaded in a new process after
    `import zoo`, evaluates the metric to the same value."""
    entry = metric_entry(item)
    y_true, y_pred = joined(example_batches(entry))
    metric = entry.make()
    model = identity_model(y_pred)
    model.compile(
        optimizer=keras.optimizers.SGD(0.0), loss=_saved_loss(y_true, y_pred), metrics=[metric]
    )
    x = _as_inputs(y_pred)
    expected = model.evaluate(x, y_true, batch_size=len(x), verbose=0, return_dict=True)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        loaded = fresh_process.load_and_predict(path, x, y_true)
    assert loaded.evaluated is not None and metric.name in loaded.evaluated, (
        f"the loaded model evaluated no {metric.name!r}: it lost its compiled metric "
        f"({sorted(loaded.evaluated or {})})"
    )
    np.testing.assert_allclose(
        loaded.evaluated[metric.name],
        expected[metric.name],
        rtol=1e-5,
        atol=1e-6,
        err_msg="the metric a new process evaluates after loading",
    )
