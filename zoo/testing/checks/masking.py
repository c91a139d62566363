"""Conformance check of masking: behind `keras.layers.Masking`, a layer that
says it supports masking keeps the mask for the layers after it, and computes
what its Keras twin computes with the mask, training included.

Masks cover every axis but the last, so the check applies to layers whose
example input has three axes or more, and that support masking themselves or
whose twin does (then they must too).
"""

from __future__ import annotations

import warnings
from typing import Any

import keras
import numpy as np

from zoo.registry import Registered
from zoo.testing.helpers import assert_like_twin, example_input, layer_entry
from zoo.testing.kit import Column, check


def _supports_masking(item: Registered) -> bool:
    entry = layer_entry(item)
    if len(entry.input_shape) < 3:
        return False
    if entry.make().supports_masking:
        return True
    return entry.twin is not None and entry.make_twin().supports_masking


def _masked_input(item: Registered) -> tuple[np.ndarray, np.ndarray]:
    """The example input with every sample's second row of axis 1 all zeros, and
    the mask `keras.layers.Masking(0.0)` makes of it."""
    x = np.array(example_input(layer_entry(item)))
    x[:, 1] = 0.0
    mask = keras.ops.convert_to_numpy(keras.layers.Masking(0.0).compute_mask(x))
    return x, mask


def _behind_masking(layer: Any, shape: tuple[int, ...]) -> keras.Model:
    inputs = keras.Input(shape[1:])
    return keras.Model(inputs, layer(keras.layers.Masking(0.0)(inputs)))


@check("layer", applies=_supports_masking, column=Column(80, "masking"))
def check_masking(item: Registered) -> None:
    """Behind `keras.layers.Masking` it keeps the mask and computes what its twin does."""
    entry = layer_entry(item)
    x, mask = _masked_input(item)
    assert not mask.all() and mask.any(), "the check's input must mask some positions"
    # Compared with its twin: built as the twin's overrides say.
    layer = entry.make(**(entry.twin.overrides if entry.twin else {}))
    # Without support of its own the check applies only because its twin has it.
    assert layer.supports_masking, (
        f"{entry.twin.name if entry.twin else 'its twin'} supports masking but {item.name} "
        "does not: behind keras.layers.Masking, Keras would drop the mask at this layer"
    )
    model = _behind_masking(layer, x.shape)
    kept = layer.compute_mask(x, mask)
    kept = None if kept is None else keras.ops.convert_to_numpy(kept)
    assert kept is not None and np.array_equal(kept, mask), (
        "the mask it hands to the next layer is not the one it was given"
    )
    if entry.twin is None:
        model(x, training=False)
        return
    twin = entry.make_twin()
    what = f"output behind keras.layers.Masking vs {entry.twin.name}"
    with warnings.catch_warnings():
        # A twin without masking support warns that it drops the mask: not our concern.
        warnings.simplefilter("ignore", UserWarning)
        twin_model = _behind_masking(twin, x.shape)
        entry.twin.copy_weights(layer, twin)
        assert_like_twin(model, twin_model, x, entry.twin, what)
