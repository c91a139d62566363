"""`EfficientChannelAttention`: ECA-Net's gate from a 1-D convolution over pooled channels."""

from __future__ import annotations

import math
from typing import Any

import keras
from keras import ops

from zoo.ops.padding import pad
from zoo.validation import (
    check_positive,
    check_positive_int,
    is_real,
    require,
    require_float_input,
)
from zoo_vision._channels import pooled
from zoo_vision._layout import channel_spec, channels_of, check_data_format, spatial_axes


def adaptive_kernel_size(channels: int, gamma: float, beta: float) -> int:
    """ECA-Net's kernel size for `channels`: `|log2(channels) + beta| / gamma`, truncated,
    then the odd number at or above it, at least 3 (timm's `EcaModule` rule)."""
    t = int(abs(math.log2(channels) + beta) / gamma)
    return max(t if t % 2 else t + 1, 3)


@keras.saving.register_keras_serializable(package="zoo_vision")
class EfficientChannelAttention(keras.layers.Layer):
    """Efficient channel attention (ECA): a channel gate without a bottleneck.

    Every channel is averaged over the spatial axes; a 1-D convolution (no
    bias, zero padding, odd `kernel_size`) slides along the channel axis of
    that vector, so each channel's gate sees its `kernel_size - 1`
    neighbours; a sigmoid gives the gates, which multiply the input. Unless
    `kernel_size` is given, it adapts to the channel count `C` found at build:
    `t = int(|log2(C) + beta| / gamma)`, then `t` (or `t + 1` if even), at
    least 3, as in the paper and timm's `EcaModule` (timm computes
    `log2` as `math.log(C, 2)`, which can differ in the last bit).

    Args:
        kernel_size: Odd positive integer, the convolution's width; `None`
            to adapt it to the channel count.
        gamma: Positive float of the adaptive rule.
        beta: Float of the adaptive rule.
        kernel_initializer: Initializer of the convolution's `(kernel_size,)`
            kernel.
        data_format: `"channels_last"` or `"channels_first"`; `None` for
            `keras.config.image_data_format()`.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        Tensor of rank >= 3: `(batch, *spatial, channels)` for
        `"channels_last"`, `(batch, channels, *spatial)` for
        `"channels_first"`.

    Output shape:
        The shape of the input.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_vision import EfficientChannelAttention
    >>> layer = EfficientChannelAttention()
    >>> x = np.random.default_rng(0).normal(size=(2, 8, 8, 64)).astype("float32")
    >>> y = keras.ops.convert_to_numpy(layer(x))
    >>> print(y.shape, layer.kernel_size_for(64), tuple(layer.kernel.shape))
    (2, 8, 8, 64) 3 (3,)
    >>> print(EfficientChannelAttention().kernel_size_for(512))  # |9 + 1| / 2 = 5
    5

    References:
        Wang et al., 2020, ECA-Net: Efficient Channel Attention for Deep
        Convolutional Neural Networks (https://arxiv.org/abs/1910.03151).
    """

    def __init__(
        self,
        kernel_size: int | None = None,
        gamma: float = 2.0,
        beta: float = 1.0,
        kernel_initializer: Any = "glorot_uniform",
        data_format: str | None = None,
        **kwargs: Any,
    ):
        kernel_size = check_positive_int("kernel_size", kernel_size, allow_none=True)
        require(
            kernel_size is None or kernel_size % 2 == 1,
            "kernel_size",
            kernel_size,
            "None or an odd positive integer (the convolution is centred on each channel)",
        )
        gamma = check_positive("gamma", gamma)
        require(is_real(beta), "beta", beta, "a finite number")
        data_format = check_data_format(data_format)
        super().__init__(**kwargs)
        self.kernel_size = kernel_size
        self.gamma = gamma
        self.beta = float(beta)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.data_format = data_format
        self.input_spec = keras.InputSpec(min_ndim=3)

    def kernel_size_for(self, channels: int) -> int:
        """The convolution's width on `channels` channels."""
        if self.kernel_size is not None:
            return self.kernel_size
        return adaptive_kernel_size(channels, self.gamma, self.beta)

    def build(self, input_shape: Any) -> None:
        channels = channels_of(self, input_shape, self.data_format)
        self.kernel = self.add_weight(
            name="kernel",
            shape=(self.kernel_size_for(channels),),
            initializer=self.kernel_initializer,
        )
        self.input_spec = channel_spec(len(input_shape), self.data_format, channels)

    def call(self, inputs: Any) -> Any:
        require_float_input(self, inputs)
        rank = len(inputs.shape)
        axes = spatial_axes(self.data_format, rank)
        squeezed = ops.squeeze(pooled(inputs, axes, "mean"), axis=axes)  # (batch, channels)
        width = self.kernel.shape[0]
        channels = squeezed.shape[-1]
        half = (width - 1) // 2
        padded = pad(squeezed, ((0, 0), (half, half)))
        kernel = ops.cast(self.kernel, squeezed.dtype)
        # A cross-correlation along the channels, written as `width` shifted sums: the
        # kernel is a few taps wide, and this is keras.ops on every backend.
        mixed = sum(kernel[j] * padded[:, j : j + channels] for j in range(width))
        return inputs * ops.expand_dims(ops.sigmoid(mixed), axis=axes)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "kernel_size": self.kernel_size,
            "gamma": self.gamma,
            "beta": self.beta,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "data_format": self.data_format,
        }
