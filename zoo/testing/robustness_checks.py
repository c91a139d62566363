"""Conformance checks of robustness: bad arguments and wrong inputs fail early and
clearly, and training spread over several devices gives what one device gives.

A user who passes ``rate=1.5`` or feeds integers should get a ``ValueError``
that names what was wrong, not a TensorFlow internal error deep inside a
graph, nor a silently wrong answer. What counts as bad for an object comes
from its registry entry (``invalid_configs``, ``rejects``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras
import numpy as np

from zoo.entries import WRONG_INPUTS, LayerEntry
from zoo.registry import KINDS, Registered
from zoo.testing import mirrored
from zoo.testing.kit import check
from zoo.testing.layer_checks import (
    assert_same,
    deterministic_in_training,
    example_input,
    is_model,
    model_around,
    to_numpy,
)
from zoo.testing.object_checks import example_weights, value_of


def _first_line(error: BaseException) -> str:
    # Keras wraps errors raised in call() in a long report; its head says enough.
    return " ".join(str(error).split())[:300]


def expect_value_error(action: Callable[[], Any], words: list[str], what: str) -> None:
    """``action()`` must raise ``ValueError`` whose message holds one of ``words``."""
    try:
        action()
    except ValueError as error:
        message = str(error)
        assert any(word in message for word in words), (
            f"{what} raised ValueError, but its message names none of {words}: {_first_line(error)}"
        )
        return
    except Exception as error:  # the point: anything but ValueError is a finding
        raise AssertionError(
            f"{what} raised {type(error).__name__}, not ValueError: {_first_line(error)}"
        ) from error
    raise AssertionError(f"{what} was accepted without an error")


def make_and_use(item: Registered, config: dict[str, Any]) -> None:
    """Make the object from ``config`` and use it once on the example input or weights."""
    obj = item.cls(**config)
    if item.kind == "layer":
        obj(example_input(item.entry))
    else:
        value_of(item, obj, example_weights(item.entry))


@check(*KINDS, applies=lambda item: bool(item.entry.invalid_configs))
def check_invalid_configs(item: Registered) -> None:
    """Each invalid config the entry declares raises ValueError naming the argument."""
    for overrides, word in item.entry.invalid_configs:
        config = {**item.entry.make_config(), **overrides}
        expect_value_error(
            lambda config=config: make_and_use(item, config),
            [word],
            f"{item.name}(**{overrides!r})",
        )


def wrong_input(kind: str, x: np.ndarray) -> np.ndarray:
    """The example input ``x`` made wrong in the way ``kind`` names (see ``WRONG_INPUTS``)."""
    if kind == "last_dimension":
        return np.concatenate([x, x[..., :1]], axis=-1)
    if kind == "lower_rank":
        return x[0]
    if kind == "higher_rank":
        return np.stack([x, x], axis=-2)
    if kind == "integer":
        return x.astype("int32")
    if kind == "string":
        return np.full(x.shape, "0.5")
    raise AssertionError(f"unknown wrong input {kind!r}; known: {WRONG_INPUTS}")


def _names_of(kind: str, bad: np.ndarray) -> list[str]:
    """What the error about ``bad`` must name: its shape, or its dtype."""
    if kind == "integer":
        return ["int32"]
    if kind == "string":
        return ["string"]
    return [str(tuple(bad.shape))]


@check("layer", applies=lambda item: bool(item.entry.rejects))
def check_wrong_inputs(item: Registered) -> None:
    """Wrong inputs it declares it rejects raise ValueError naming the shape or dtype."""
    entry: LayerEntry = item.entry
    unknown = sorted(set(entry.rejects) - set(WRONG_INPUTS))
    assert not unknown, f"rejects unknown wrong input(s) {unknown}; known: {WRONG_INPUTS}"
    x = example_input(entry)
    for kind in entry.rejects:
        layer = entry.make()
        layer(x)
        bad = wrong_input(kind, x)
        expect_value_error(
            lambda layer=layer, bad=bad: layer(bad),
            _names_of(kind, bad),
            f"a call on {kind.replace('_', ' ')} input of shape {bad.shape}, dtype {bad.dtype}",
        )


def _distributed_model(entry: LayerEntry, x: np.ndarray) -> keras.Model:
    config = {**entry.make_config(), **entry.distributed_config}
    if isinstance(entry.cls, type) and issubclass(entry.cls, keras.Model):
        model = entry.cls(**config)
        model(x)
        return model
    return model_around(entry.cls(**config), entry)


# Slow: a few seconds a layer, after the worker's start.
@check("layer", slow=True)
def check_mirrored_strategy(item: Registered) -> None:
    """Trained under MirroredStrategy on two CPUs, it reaches one device's weights."""
    entry: LayerEntry = item.entry
    # Each replica gets a batch of the example's size.
    x = example_input(entry, batch=mirrored.REPLICAS * entry.input_shape[0])
    model = _distributed_model(entry, x)
    random = not deterministic_in_training(model, x)
    targets = None
    if not (is_model(item) and entry.own_loss):
        rng = np.random.default_rng(3)
        targets = [rng.normal(size=y.shape).astype("float32") for y in to_numpy(model(x))]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        trained = mirrored.train_both(path, x, targets, [item.cls.__module__])
    losses = trained.mirrored_losses
    assert np.isfinite(losses).all(), f"training losses under MirroredStrategy: {losses}"
    for weight in trained.mirrored_weights:
        assert np.isfinite(weight).all(), "weights are not finite after mirrored training"
    if random:
        # Each replica draws its own noise, so only finiteness can be compared.
        return
    what = f"after {mirrored.STEPS} steps under MirroredStrategy vs one device"
    assert_same(trained.mirrored_weights, trained.single_weights, f"weights {what}", 1e-4, 1e-4)
    assert_same(trained.mirrored_outputs, trained.single_outputs, f"outputs {what}", 1e-4, 1e-4)
