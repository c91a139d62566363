"""Conformance check of degenerate training batches: a layer that keeps state across
batches (moving statistics, a moving-average codebook) or normalizes must not let one
bad batch ruin it for good.

Keras' own BatchNormalization fails this: an empty batch or one NaN sample makes its
moving statistics NaN forever, and every later inference output with them.
"""

from __future__ import annotations

import keras
import numpy as np

from zoo.registry import Registered
from zoo.testing.helpers import example_input, layer_entry, to_numpy
from zoo.testing.kit import Column, check


def _keeps_state_or_normalizes(item: Registered) -> bool:
    entry = layer_entry(item)
    return not entry.integer_input and (entry.normalizes or entry.non_trainable_weights > 0)


def _float_state(layer: keras.layers.Layer) -> dict[str, np.ndarray]:
    """The layer's non-trainable floating-point weights (a seed's integer state aside)."""
    state = {}
    for weight in layer.non_trainable_weights:
        value = np.asarray(keras.ops.convert_to_numpy(weight))
        if np.issubdtype(value.dtype, np.floating):
            state[weight.path] = value
    return state


@check("layer", applies=_keeps_state_or_normalizes, column=Column(45, "degenerate batches"))
def check_degenerate_batches(item: Registered) -> None:
    """After a good training batch, an empty batch leaves the state as it was, a batch
    with one NaN sample leaves it finite, and inference outputs stay finite; a layer
    whose samples are independent keeps the NaN out of the other samples' outputs."""
    entry = layer_entry(item)
    x = example_input(entry)
    layer = entry.make()
    layer(x, training=True)
    before = _float_state(layer)

    empty = to_numpy(layer(x[:0], training=True))
    assert all(value.shape[:1] == (0,) for value in empty), (
        f"an empty batch gave outputs of shapes {[v.shape for v in empty]}, not empty ones"
    )
    for path, value in _float_state(layer).items():
        assert np.array_equal(value, before[path], equal_nan=True), (
            f"an empty training batch changed {path}"
        )

    poisoned = x.copy()
    poisoned[0] = np.nan
    outputs = to_numpy(layer(poisoned, training=True))
    for path, value in _float_state(layer).items():
        assert np.isfinite(value).all(), (
            f"one NaN sample in a training batch made {path} non-finite"
        )
    if entry.per_sample and len(x) > 1:
        for i, value in enumerate(outputs):
            rest = value[1:].astype("float32")
            assert np.isfinite(rest).all(), (
                f"one NaN sample in a training batch reached the other samples' output {i}"
            )
    for i, value in enumerate(to_numpy(layer(x, training=False))):
        assert np.isfinite(value.astype("float32")).all(), (
            f"after a NaN training batch, inference output {i} is not finite"
        )
