"""The channel bottleneck of squeeze-and-excitation and of CBAM's channel branch: a
reduce map to the squeeze's width, an activation, an expand map back to the channels,
each with an optional bias."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops


def add_bottleneck_weights(
    layer: keras.layers.Layer,
    channels: int,
    reduced: int,
    kernel_initializer: Any,
    bias_initializer: Any = "zeros",
) -> None:
    """`reduce_kernel`, `reduce_bias`, `expand_kernel`, `expand_bias` on `layer` (the
    biases only with `layer.use_bias`), created in the order they are applied."""
    layer.reduce_kernel = layer.add_weight(
        name="reduce_kernel", shape=(channels, reduced), initializer=kernel_initializer
    )
    if layer.use_bias:
        layer.reduce_bias = layer.add_weight(
            name="reduce_bias", shape=(reduced,), initializer=bias_initializer
        )
    layer.expand_kernel = layer.add_weight(
        name="expand_kernel", shape=(reduced, channels), initializer=kernel_initializer
    )
    if layer.use_bias:
        layer.expand_bias = layer.add_weight(
            name="expand_bias", shape=(channels,), initializer=bias_initializer
        )


def bottleneck(layer: keras.layers.Layer, vector: Any) -> Any:
    """`expand(activation(reduce(vector)))` of `(batch, channels)` vectors, with the
    weights `add_bottleneck_weights` made and `layer.activation`."""
    hidden = ops.matmul(vector, layer.reduce_kernel)
    if layer.use_bias:
        hidden = hidden + layer.reduce_bias
    out = ops.matmul(layer.activation(hidden), layer.expand_kernel)
    if layer.use_bias:
        out = out + layer.expand_bias
    return out
