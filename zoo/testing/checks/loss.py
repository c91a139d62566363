"""Conformance checks of losses (``keras.losses.Loss`` subclasses).

A loss is checked against the independent numpy reference its entry gives,
on the entry's example batch: its unreduced value, then every ``reduction``
with and without ``sample_weight``, each reduced by numpy here, not by
Keras. Then it must do its job where a user puts it: compiled into a model
that trains (also under XLA and mixed precision) and that saves to ``.keras``
and loads, loss and all, in a fresh process.

The model the checks compile is ``y_pred -> Dense(identity)``: fed the example
predictions it first outputs them unchanged, so its evaluated loss is the
reference's value; and its kernel gets the loss's gradient, so it trains.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import keras
import numpy as np

from zoo.registry import REDUCTIONS, LossEntry, Registered
from zoo.testing import seams
from zoo.testing.helpers import assert_config_roundtrip, config_json, dtype_policy, to_numpy
from zoo.testing.kit import Column, check
from zoo.testing.uses import uses
from zoo.testing.workers import fresh_process


def loss_entry(item: Registered) -> LossEntry:
    """``item.entry`` as a loss's entry."""
    if not isinstance(item.entry, LossEntry):
        raise TypeError(f"{item.name} is not a loss entry")
    return item.entry


def sample_weights(size: int, seed: int = 3) -> np.ndarray:
    """Positive, unequal weights (a loss ignoring them cannot match), one per sample."""
    return np.random.default_rng(seed).uniform(0.2, 2.0, size=(size,)).astype("float32")


def reduced(values: np.ndarray, weights: np.ndarray | None, reduction: str | None) -> np.ndarray:
    """What Keras documents each ``reduction`` to give, in numpy: the (weighted) values
    themselves, their sum, or that sum over the number of values, or over the weights'
    sum (``mean_with_sample_weight``)."""
    values = np.asarray(values, dtype="float64")
    if weights is not None:
        w = np.asarray(weights, dtype="float64")
        # A weight per sample scales every value of that sample.
        values = values * w.reshape(w.shape + (1,) * max(values.ndim - w.ndim, 0))
    if reduction in (None, "none") or values.ndim == 0:
        return values
    total = values.sum()
    if reduction == "sum":
        return np.asarray(total)
    if reduction == "mean_with_sample_weight" and weights is not None:
        return np.asarray(total / np.sum(weights, dtype="float64"))
    return np.asarray(total / values.size)


def reference_values(entry: LossEntry, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    assert entry.reference is not None, "declares no numpy reference"
    return np.asarray(entry.reference(entry.make_config(), y_true, y_pred), dtype="float64")


def _value(loss: Any, y_true: Any, y_pred: Any, weights: Any = None) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(loss(y_true, y_pred, sample_weight=weights)))


def _close(got: np.ndarray, want: np.ndarray, entry: LossEntry, what: str) -> None:
    assert np.shape(got) == np.shape(want), f"{what}: shape {np.shape(got)}, not {np.shape(want)}"
    np.testing.assert_allclose(got, want, atol=entry.atol, rtol=entry.rtol, err_msg=what)


@uses("loss")
def use_loss(item: Registered, loss: Any) -> Any:
    """A loss is used on the example batch."""
    y_true, y_pred = loss_entry(item).batch()
    return loss(y_true, y_pred)


def identity_model(y_pred: np.ndarray) -> keras.Model:
    """``y_pred -> Dense(identity)``: outputs its input until it trains."""
    width = y_pred.shape[-1]
    inputs = keras.Input(shape=y_pred.shape[1:])
    dense = keras.layers.Dense(width, kernel_initializer="identity", bias_initializer="zeros")
    return keras.Model(inputs, dense(inputs))


def _evaluate(model: keras.Model, y_pred: np.ndarray, y_true: np.ndarray) -> float:
    # One batch: a loss over the batch's pairs must see the whole example batch.
    return float(np.ravel(model.evaluate(y_pred, y_true, batch_size=len(y_pred), verbose=0))[0])


def _default_value(entry: LossEntry, y_true: np.ndarray, y_pred: np.ndarray) -> float:
    reduction = entry.make_config().get("reduction", "sum_over_batch_size")
    return float(reduced(reference_values(entry, y_true, y_pred), None, reduction))


@check("loss", column=Column(10, "serializable"))
def check_loss_config_roundtrip(item: Registered) -> None:
    """get_config() holds every __init__ argument; from_config() and Keras' own
    deserialization rebuild the same loss."""
    entry = loss_entry(item)
    loss = entry.make()
    config = assert_config_roundtrip(entry, loss)
    revived = keras.losses.deserialize(keras.losses.serialize(loss))
    cls: type[Any] = entry.cls
    assert type(revived) is cls, f"Keras deserializes it as {type(revived).__name__}"
    assert config_json(revived.get_config()) == config_json(config)


@check("loss")
def check_loss_reference(item: Registered) -> None:
    """On its example batch it computes what its independent numpy reference does."""
    entry = loss_entry(item)
    y_true, y_pred = entry.batch()
    loss = entry.make()
    want = reference_values(entry, y_true, y_pred)
    if entry.per_sample:
        assert want.ndim >= 1 and want.shape[0] == len(y_pred), (
            f"the reference gives shape {want.shape}, not one value per sample"
        )
    unreduced = np.asarray(keras.ops.convert_to_numpy(loss.call(y_true, y_pred)))
    _close(unreduced, want, entry, "call() vs the numpy reference")
    _close(
        _value(loss, y_true, y_pred),
        np.asarray(_default_value(entry, y_true, y_pred)),
        entry,
        "the loss (its default reduction) vs the numpy reference",
    )


@check("loss")
def check_loss_reductions(item: Registered) -> None:
    """Every reduction, with and without sample_weight, gives what numpy gives on the
    reference's values."""
    entry = loss_entry(item)
    y_true, y_pred = entry.batch()
    values = reference_values(entry, y_true, y_pred)
    weights = sample_weights(len(y_pred))
    for reduction in REDUCTIONS:
        loss = entry.cls(**{**entry.make_config(), "reduction": reduction})
        _close(
            _value(loss, y_true, y_pred),
            reduced(values, None, reduction),
            entry,
            f"reduction={reduction!r}",
        )
        # One value for the batch is broadcast against the weights before the reduction
        # (Keras' rule): unequal weights would only scale it, so ones are used.
        used = weights if entry.per_sample else np.ones_like(weights)
        _close(
            _value(loss, y_true, y_pred, used),
            reduced(values, used, reduction),
            entry,
            f"reduction={reduction!r} with sample_weight",
        )


@check("loss", applies=lambda item: loss_entry(item).differentiable)
def check_loss_gradients(item: Registered) -> None:
    """Its gradient with respect to the predictions is finite and not all zero."""
    entry = loss_entry(item)
    y_true, y_pred = entry.batch()
    loss = entry.make()
    try:
        found = seams.gradients(lambda p: loss(y_true, p), [y_pred], keras.layers.Identity())
    except RuntimeError as error:
        # PyTorch refuses to differentiate a value no gradient path reaches.
        if "does not require grad" not in str(error):
            raise
        raise AssertionError("no gradient reaches the predictions") from error
    value, (gradient,) = found[0], found[1]
    assert np.isfinite(value), f"the loss is {value}"
    assert gradient is not None, "no gradient reaches the predictions"
    assert np.isfinite(gradient).all(), "its gradient is not finite"
    assert np.any(gradient != 0), "its gradient with respect to the predictions is all zero"


def _fit_check(item: Registered, jit_compile: bool) -> None:
    entry = loss_entry(item)
    y_true, y_pred = entry.batch()
    model = identity_model(y_pred)
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss=entry.make(), jit_compile=jit_compile)
    what = "jit_compile=True" if jit_compile else "compiled"
    np.testing.assert_allclose(
        _evaluate(model, y_pred, y_true),
        _default_value(entry, y_true, y_pred),
        atol=max(entry.atol, 1e-5),
        rtol=max(entry.rtol, 1e-4),
        err_msg=f"evaluate ({what}) vs the numpy reference",
    )
    before = [np.array(w) for w in to_numpy(model.trainable_weights)]
    try:
        history = model.fit(y_pred, y_true, batch_size=len(y_pred), epochs=2, verbose=0)
    except (ValueError, RuntimeError) as error:
        # TensorFlow's optimizer refuses a step no gradient reaches, and PyTorch's autograd
        # a loss without a gradient path; JAX steps with zeros, caught below as unchanged
        # weights.
        if "No gradients" not in str(error) and "does not require grad" not in str(error):
            raise
        raise AssertionError(f"fit ({what}): no gradient flows from the loss") from error
    losses = history.history["loss"]
    assert np.isfinite(losses).all(), f"fit ({what}) reports the losses {losses}"
    after = to_numpy(model.trainable_weights)
    assert any(not np.array_equal(a, b) for a, b in zip(before, after, strict=True)), (
        f"fit ({what}) changed no weight: no gradient flows from the loss"
    )


@check("loss", column=Column(20, "compiled"))
def check_loss_fit(item: Registered) -> None:
    """Compiled into a model, evaluate gives the reference's value and fit trains."""
    _fit_check(item, jit_compile=False)


@check("loss", slow=True, column=Column(20, "compiled"))
def check_loss_jit_compile(item: Registered) -> None:
    """With jit_compile=True (XLA, jax.jit, torch.compile) evaluate gives the reference's
    value and fit trains."""
    _fit_check(item, jit_compile=True)


@check("loss", column=Column(10, "serializable"))
def check_loss_keras_file(item: Registered) -> None:
    """A model compiled with it saves to .keras and, loaded in a new process after
    `import zoo`, evaluates to the same loss."""
    entry = loss_entry(item)
    y_true, y_pred = entry.batch()
    model = identity_model(y_pred)
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss=entry.make())
    model.fit(y_pred, y_true, batch_size=len(y_pred), epochs=1, verbose=0)
    expected = _evaluate(model, y_pred, y_true)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        loaded = fresh_process.load_and_predict(path, y_pred, y_true)
    assert loaded.evaluated is not None and "loss" in loaded.evaluated, (
        "the loaded model evaluated no loss: it lost its compiled loss"
    )
    np.testing.assert_allclose(
        loaded.evaluated["loss"],
        expected,
        rtol=1e-5,
        atol=1e-6,
        err_msg="the loss a new process evaluates after loading",
    )


@check("loss", column=Column(30, "mixed precision"))
def check_loss_mixed_float16(item: Registered) -> None:
    """On float16 predictions and in a model under mixed_float16 its value is finite and
    near float32's, and the model trains."""
    entry = loss_entry(item)
    y_true, y_pred = entry.batch()
    want = _default_value(entry, y_true, y_pred)
    scale = max(1.0, abs(want))
    half = float(_value(entry.make(), y_true, y_pred.astype("float16")))
    assert np.isfinite(half), f"on float16 predictions the loss is {half}"
    assert abs(half - want) / scale <= entry.mixed_precision_atol, (
        f"on float16 predictions the loss is {half}, not near float32's {want} "
        f"(stated tolerance {entry.mixed_precision_atol})"
    )
    with dtype_policy("mixed_float16"):
        model = identity_model(y_pred)
        model.compile(optimizer=keras.optimizers.SGD(0.01), loss=entry.make())
        # Unshuffled: the value is compared, and a loss of a [batch, batch] similarity
        # matrix (N-pair) depends on the order of its rows against its columns.
        history = model.fit(
            y_pred, y_true, batch_size=len(y_pred), epochs=1, shuffle=False, verbose=0
        )
    losses = history.history["loss"]
    assert np.isfinite(losses).all(), f"fit under mixed_float16 reports the losses {losses}"
    assert abs(losses[0] - want) / scale <= entry.mixed_precision_atol, (
        f"fit under mixed_float16 reports {losses[0]}, not near float32's {want}"
    )
