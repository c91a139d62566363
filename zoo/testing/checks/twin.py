"""Conformance checks learnt from running Keras' own test files against the zoo
(tests/parity): each catches, without Keras' tests, a difference those tests
found once.

They apply to objects whose twin is a drop-in class: a twin named by its class
path, optionally with arguments fixed in parentheses
(``keras.layers.GroupNormalization(groups=-1)``), not a composite such as
``keras.Sequential of keras.layers.Dense``.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import keras
import numpy as np

from zoo.backends import where
from zoo.registry import Registered, Twin
from zoo.testing.helpers import (
    assert_like_twin,
    assert_same,
    example_input,
    init_arguments,
    layer_entry,
)
from zoo.testing.kit import check

#: Arguments every Keras layer takes through ``**kwargs`` (``keras.layers.Layer``'s).
_BASE_LAYER_ARGUMENTS = frozenset(init_arguments(keras.layers.Layer))


def _drop_in(item: Registered) -> bool:
    """Whether the twin is one class (its name a class path, with fixed arguments)."""
    twin = item.entry.twin
    return twin is not None and " " not in twin.name.split("(", 1)[0].strip()


def _twin_spec(item: Registered) -> Twin:
    """The entry's twin, for the checks that apply only where there is one."""
    twin = item.entry.twin
    assert twin is not None, f"{item.name} has no twin; the check should not apply to it"
    return twin


def _fixed_arguments(item: Registered) -> set[str]:
    """The twin arguments its name fixes, e.g. ``groups`` of ``...(groups=-1)``."""
    _, _, fixed = _twin_spec(item).name.partition("(")
    return set(re.findall(r"(\w+)\s*=", fixed))


def _twin_of(item: Registered) -> Any:
    """The twin itself (a cell's twin is a cell), built from the example config."""
    return _twin_spec(item).build(item.entry.make_config())


def _quietly_built_twin(item: Registered) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return _twin_of(item)


@check("layer", "initializer", "regularizer", "constraint", applies=_drop_in)
def check_twin_arguments(item: Registered) -> None:
    """It accepts every constructor argument of its twin, or says why one is left out."""
    twin_class = type(_quietly_built_twin(item))
    twin_arguments = set(init_arguments(twin_class))
    left_out = dict(_twin_spec(item).left_out)
    unknown = sorted(set(left_out) - twin_arguments)
    assert not unknown, (
        f"Twin.left_out names {unknown}, which {twin_class.__name__} does not take "
        f"(its arguments: {sorted(twin_arguments)})"
    )
    unexplained = sorted(name for name, reason in left_out.items() if not reason.strip())
    assert not unexplained, f"Twin.left_out gives no reason for {unexplained}"
    accepted = set(init_arguments(item.cls))
    if item.kind == "layer":
        accepted |= _BASE_LAYER_ARGUMENTS
    missing = sorted(twin_arguments - accepted - set(left_out) - _fixed_arguments(item))
    assert not missing, (
        f"lacks the twin's argument(s) {missing}: code written for "
        f"{twin_class.__module__.split('.')[0]}'s {twin_class.__name__} passes them. "
        "Accept them, or list each in Twin.left_out with the reason"
    )


@check("layer", applies=_drop_in)
def check_twin_supports_masking(item: Registered) -> None:
    """It passes masks on exactly when its twin does (`supports_masking`)."""
    entry = layer_entry(item)
    layer = entry.make()
    twin = entry.as_layer(_quietly_built_twin(item))
    assert bool(layer.supports_masking) == bool(twin.supports_masking), (
        f"supports_masking is {layer.supports_masking}, but {_twin_spec(item).name}'s is "
        f"{twin.supports_masking}: behind keras.layers.Masking one keeps the mask and "
        "the other drops it"
    )


def _variant_input(x: np.ndarray, rank: int) -> np.ndarray | None:
    """The example input at another rank: an extra axis of size 2 after the batch
    axis (higher), or the second axis folded into the batch (lower)."""
    if rank > x.ndim:
        return np.stack([x, x * 0.5 + 0.25], axis=1)
    if x.ndim < 3:
        return None
    return x.reshape((-1, *x.shape[2:]))


def _outcome(layer: Any, x: np.ndarray) -> tuple[Any, BaseException | None]:
    try:
        return layer(x, training=False), None
    except Exception as error:  # what we compare is whether it raises at all
        return None, error


@check("layer", applies=lambda item: _drop_in(item) and len(layer_entry(item).input_shape) >= 2)
def check_other_rank_after_build(item: Registered) -> None:
    """Built on the example input, it takes (or refuses) inputs of another rank as its twin does."""
    entry = layer_entry(item)
    twin_spec = _twin_spec(item)
    x = example_input(entry)
    layer = entry.make(**twin_spec.overrides)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        twin = entry.make_twin()
    layer(x)
    twin(x)
    twin_spec.copy_weights(layer, twin)
    tolerance = {"atol": twin_spec.atol, "rtol": twin_spec.rtol}
    tried = 0
    for rank in (x.ndim + 1, x.ndim - 1):
        other = _variant_input(x, rank)
        if other is None:
            continue
        tried += 1
        expected, twin_error = _outcome(twin, other)
        actual, error = _outcome(layer, other)
        shape = tuple(other.shape)
        if twin_error is None:
            assert error is None, (
                f"built on {tuple(x.shape)}, it refuses an input of shape {shape} "
                f"(rank {rank}) that {twin_spec.name} takes: {type(error).__name__}: {error}"
            )
            assert_same(actual, expected, f"output at rank {rank} vs {twin_spec.name}", **tolerance)
        else:
            assert error is not None, (
                f"built on {tuple(x.shape)}, it takes an input of shape {shape} (rank "
                f"{rank}) that {twin_spec.name} refuses ({type(twin_error).__name__})"
            )
    assert tried, "no input of another rank to try"


def _non_default_axes(item: Registered) -> list[int]:
    """Channel axes other than the last (the default) of the example input."""
    return list(range(1, len(layer_entry(item).input_shape) - 1))


def _masks_on_other_axes(item: Registered) -> bool:
    if not _drop_in(item) or "axis" not in init_arguments(item.cls):
        return False
    if len(layer_entry(item).input_shape) < 3:
        return False
    return bool(item.entry.make().supports_masking)


def _masked(x: np.ndarray) -> np.ndarray:
    """`x` with some positions all zeros (masked by `keras.layers.Masking(0.0)`): a
    different set in each sample, so a mask applied along the wrong axis shows."""
    x = np.array(x)
    for sample in range(x.shape[0]):
        x[sample, sample % x.shape[1]] = 0.0
        x[sample, ..., (sample + 1) % x.shape[-2], :] = 0.0
    return x


def _behind_masking(layer: Any, shape: tuple[int, ...]) -> keras.Model:
    inputs = keras.Input(shape[1:])
    return keras.Model(inputs, layer(keras.layers.Masking(0.0)(inputs)))


# Not on PyTorch: there Keras' own layer normalization hands "continuous" axes that
# are not the last ones (axis=1 of a rank-3 input) to torch's layer_norm, which
# refuses them, so the twin is no reference. What this check catches (which axis a
# mask is expanded at) is keras.ops code that runs alike on every backend.
@check("layer", applies=_masks_on_other_axes, backends=where("inner_axis_layer_norm"))
def check_masking_on_other_axes(item: Registered) -> None:
    """Behind `keras.layers.Masking`, with `axis` not the last, it computes what its
    twin does: a Keras mask covers every axis but the last, whatever `axis` is."""
    entry = layer_entry(item)
    twin_spec = _twin_spec(item)
    tried = []
    for axis in _non_default_axes(item):
        # The example's channels moved to `axis` (channels-first for axis=1), so the
        # weights keep their sizes (and group counts still divide them).
        x = _masked(np.moveaxis(example_input(entry), -1, axis))
        config = {**entry.make_config(), "axis": axis}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                twin = twin_spec.build(config)
                twin_model = _behind_masking(twin, x.shape)
        except (ValueError, TypeError):
            continue  # an axis the twin itself refuses for this input (group sizes, say)
        tried.append(axis)
        layer = entry.cls(**config)
        model = _behind_masking(layer, x.shape)
        twin_spec.copy_weights(layer, twin)
        what = f"axis={axis}, behind keras.layers.Masking, vs {twin_spec.name}"
        state = f"non-trainable state after masked training calls, {what}"
        assert_like_twin(model, twin_model, x, twin_spec, what, trained=(layer, twin, state))
    assert tried, (
        f"its twin takes none of the axes {_non_default_axes(item)} for the example input "
        f"of shape {entry.input_shape} with its channels moved there"
    )
