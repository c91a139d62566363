"""Where the channels are: the one place the vision layers read `data_format`."""

from __future__ import annotations

from typing import Any

import keras

from zoo.validation import check_choice

DATA_FORMATS = ("channels_last", "channels_first")


def check_data_format(data_format: Any) -> str:
    """`data_format`, with `None` resolved to `keras.config.image_data_format()` as
    Keras' own convolution and pooling layers resolve it (and keep it in their config)."""
    if data_format is None:
        data_format = keras.config.image_data_format()
    return check_choice("data_format", data_format, DATA_FORMATS)


def channel_axis(data_format: str) -> int:
    return -1 if data_format == "channels_last" else 1


def spatial_axes(data_format: str, rank: int) -> tuple[int, ...]:
    """Every axis but the batch and the channels, for an input of `rank`."""
    if data_format == "channels_last":
        return tuple(range(1, rank - 1))
    return tuple(range(2, rank))


def channels_of(layer: keras.layers.Layer, input_shape: Any, data_format: str) -> int:
    """The channel count of `input_shape`, which must be known at build."""
    channels = input_shape[channel_axis(data_format)]
    if channels is None:
        raise ValueError(
            f"Layer {layer.name!r} ({type(layer).__name__}) needs the number of channels "
            f"at build ({data_format}), received input shape {tuple(input_shape)}."
        )
    return int(channels)


def channel_spec(rank: int, data_format: str, channels: int) -> keras.InputSpec:
    """The input spec of a built layer: its rank and channel count fixed, so another
    input raises Keras' `ValueError` naming the shape."""
    axis = rank - 1 if data_format == "channels_last" else 1
    return keras.InputSpec(ndim=rank, axes={axis: channels})


def broadcast_shape(rank: int, data_format: str, channels: int) -> tuple[int, ...]:
    """The shape that puts a per-channel vector on the channel axis of a `rank` input."""
    shape = [1] * rank
    shape[channel_axis(data_format)] = channels
    return tuple(shape[1:])
