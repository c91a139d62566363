"""Conformance checks of robustness: bad arguments and wrong inputs fail early and clearly.

A user who passes ``rate=1.5`` or feeds integers should get a ``ValueError``
that names what was wrong, not a TensorFlow internal error deep inside a
graph, nor a silently wrong answer. What counts as bad for an object comes
from its registry entry (``invalid_configs``, ``rejects``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from zoo.registry import KINDS, Registered
from zoo.registry.entries import WRONG_INPUTS
from zoo.testing import seams
from zoo.testing.helpers import example_input, layer_entry
from zoo.testing.kit import check
from zoo.testing.seams import STRING_TENSORS
from zoo.testing.uses import use, uses


def _head(error: BaseException) -> str:
    # Keras wraps errors raised in call() in a long report; its head says enough.
    return " ".join(str(error).split())[:300]


def expect_value_error(action: Callable[[], Any], words: list[str], what: str) -> None:
    """``action()`` must raise ``ValueError`` whose message holds one of ``words``."""
    try:
        action()
    except ValueError as error:
        message = str(error)
        assert any(word in message for word in words), (
            f"{what} raised ValueError, but its message names none of {words}: {_head(error)}"
        )
        return
    except Exception as error:  # the point: anything but ValueError is a finding
        raise AssertionError(
            f"{what} raised {type(error).__name__}, not ValueError: {_head(error)}"
        ) from error
    raise AssertionError(f"{what} was accepted without an error")


@uses("layer")
def call_layer(item: Registered, layer: Any) -> Any:
    """A layer is used by calling it on the example input (a cell inside its RNN)."""
    entry = layer_entry(item)
    return entry.as_layer(layer)(example_input(entry))


def make_and_use(item: Registered, config: dict[str, Any]) -> None:
    """Make the object from ``config`` and use it once on its kind's example data."""
    use(item, item.cls(**config))


@check(*KINDS, applies=lambda item: bool(item.entry.invalid_configs))
def check_invalid_configs(item: Registered) -> None:
    """Each invalid config the entry declares raises ValueError naming the argument."""
    for overrides, word in item.entry.invalid_configs:
        config = {**item.entry.make_config(), **overrides}
        expect_value_error(
            functools.partial(make_and_use, item, config),
            [word],
            f"{item.name}(**{overrides!r})",
        )


def wrong_input(kind: str, x: np.ndarray) -> np.ndarray:
    """The example input ``x`` made wrong in the way ``kind`` names (see ``WRONG_INPUTS``)."""
    if kind == "last_dimension":
        return np.concatenate([x, x[..., :1]], axis=-1)
    if kind == "lower_rank":
        lower: np.ndarray = x[0]
        return lower
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


@check("layer", applies=lambda item: bool(layer_entry(item).rejects))
def check_wrong_inputs(item: Registered) -> None:
    """Wrong inputs it declares it rejects raise ValueError naming the shape or dtype."""
    entry = layer_entry(item)
    unknown = sorted(set(entry.rejects) - set(WRONG_INPUTS))
    assert not unknown, f"rejects unknown wrong input(s) {unknown}; known: {WRONG_INPUTS}"
    x = example_input(entry)
    kinds = [k for k in entry.rejects if k != "string" or seams.current() in STRING_TENSORS]
    for kind in kinds:
        layer = entry.make()
        layer(x)
        bad = wrong_input(kind, x)
        expect_value_error(
            functools.partial(layer, bad),
            _names_of(kind, bad),
            f"a call on {kind.replace('_', ' ')} input of shape {bad.shape}, dtype {bad.dtype}",
        )
