"""Shared by the channel-attention layers: the reduced width and the pooled statistics."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from zoo.validation import check_positive, check_positive_int, require


def check_reduction(
    ratio: Any, reduced_channels: Any, divisor: Any
) -> tuple[float, int | None, int]:
    """The checked `(ratio, reduced_channels, divisor)` of a squeeze: `ratio` in (0, 1]."""
    ratio = check_positive("ratio", ratio)
    require(ratio <= 1, "ratio", ratio, "a number in (0, 1]")
    reduced_channels = check_positive_int("reduced_channels", reduced_channels, allow_none=True)
    divisor = check_positive_int("divisor", divisor)
    assert divisor is not None  # for mypy: allow_none is off
    return ratio, reduced_channels, divisor


def reduction_config(layer: keras.layers.Layer) -> dict[str, Any]:
    """The config of the arguments `check_reduction` checks, as the layer keeps them."""
    return {
        "ratio": layer.ratio,
        "reduced_channels": layer.reduced_channels,
        "divisor": layer.divisor,
    }


def reduced_width(channels: int, ratio: float, reduced_channels: int | None, divisor: int) -> int:
    """The squeeze's hidden width: `reduced_channels` if given, else `channels * ratio`
    rounded to the nearest multiple of `divisor` (halves up) and at least `divisor`:
    timm's `make_divisible(channels * ratio, divisor, round_limit=0.)`."""
    if reduced_channels is not None:
        return reduced_channels
    value = channels * ratio
    return max(divisor, int(value + divisor / 2) // divisor * divisor)


def pooled(inputs: Any, axes: tuple[int, ...], how: str) -> Any:
    """The mean (or max) over `axes`, kept as an axis of size 1 each; a mean is summed
    in float32 (float64 inputs stay float64) so that float16 inputs do not overflow or
    lose it."""
    if how == "max":
        shape = tuple(inputs.shape)
        if 0 in shape:
            # Keras' max refuses any empty tensor (eager TensorFlow, PyTorch), even when
            # only the batch is empty: its max over the other axes is an empty batch.
            kept = {axis % len(shape) for axis in axes}
            return ops.zeros([1 if i in kept else d for i, d in enumerate(shape)], inputs.dtype)
        return ops.max(inputs, axis=axes, keepdims=True)
    dtype = keras.backend.result_type(inputs.dtype, "float32")
    mean = ops.mean(ops.cast(inputs, dtype), axis=axes, keepdims=True)
    return ops.cast(mean, inputs.dtype)
