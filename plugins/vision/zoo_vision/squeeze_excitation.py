"""`SqueezeExcitation`: channel gating from globally pooled features (SE-Net)."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from zoo.validation import check_bool, require_float_input
from zoo_vision._bottleneck import add_bottleneck_weights, bottleneck
from zoo_vision._channels import check_reduction, pooled, reduced_width, reduction_config
from zoo_vision._layout import (
    channel_spec,
    channels_of,
    check_data_format,
    spatial_axes,
)


@keras.saving.register_keras_serializable(package="zoo_vision")
class SqueezeExcitation(keras.layers.Layer):
    """Squeeze-and-excitation: rescales each channel by a gate computed from all of them.

    Squeeze: average every channel over the spatial axes. Excite: a bottleneck
    of two fully connected maps (channels -> reduced -> channels, with
    `activation` between them), then `gate_activation`, gives one factor per
    channel and sample, which multiplies the input. This is the block
    `keras.applications.EfficientNetB0` writes inline (global average pooling,
    two 1x1 convolutions, multiply) and timm's `SqueezeExcite`.

    The reduced width is `reduced_channels` if given, else
    `channels * ratio` rounded to the nearest multiple of `divisor` (at least
    `divisor`), as timm's `make_divisible(..., round_limit=0.)` rounds it.
    EfficientNet computes its width from the block's input channels before the
    expansion (`max(1, int(filters_in * se_ratio))`): pass it as
    `reduced_channels` to rebuild that block.

    Args:
        ratio: Float in (0, 1], the reduced width as a fraction of the channels.
        reduced_channels: Positive integer, the reduced width itself (then
            `ratio` and `divisor` are unused); `None` to compute it from `ratio`.
        divisor: Positive integer the computed width is a multiple of (timm
            uses 8).
        activation: Activation of the reduced features (`"relu"`; EfficientNet
            uses `"swish"`).
        gate_activation: Activation giving the gates (`"sigmoid"`; MobileNetV3
            uses `"hard_sigmoid"`).
        use_bias: Whether both maps have a bias.
        kernel_initializer: Initializer of both kernels.
        bias_initializer: Initializer of both biases.
        data_format: `"channels_last"` or `"channels_first"`; `None` for
            `keras.config.image_data_format()`.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        Tensor of rank >= 3: `(batch, *spatial, channels)` for
        `"channels_last"`, `(batch, channels, *spatial)` for `"channels_first"`
        (1-D, 2-D or 3-D feature maps).

    Output shape:
        The shape of the input.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_vision import SqueezeExcitation
    >>> layer = SqueezeExcitation(ratio=0.25)
    >>> x = np.random.default_rng(0).normal(size=(2, 8, 8, 16)).astype("float32")
    >>> y = keras.ops.convert_to_numpy(layer(x))
    >>> print(y.shape, [tuple(w.shape) for w in layer.weights])
    (2, 8, 8, 16) [(16, 4), (4,), (4, 16), (16,)]
    >>> gate = y / x  # one factor per sample and channel, in (0, 1)
    >>> print(np.allclose(gate, gate[:, :1, :1, :], atol=1e-5))
    True
    >>> print(bool(((gate > 0) & (gate < 1)).all()))
    True

    References:
        Hu et al., 2018, Squeeze-and-Excitation Networks
        (https://arxiv.org/abs/1709.01507).
    """

    def __init__(
        self,
        ratio: float = 0.25,
        reduced_channels: int | None = None,
        divisor: int = 1,
        activation: Any = "relu",
        gate_activation: Any = "sigmoid",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        data_format: str | None = None,
        **kwargs: Any,
    ):
        ratio, reduced_channels, divisor = check_reduction(ratio, reduced_channels, divisor)
        use_bias = check_bool("use_bias", use_bias)
        data_format = check_data_format(data_format)
        super().__init__(**kwargs)
        self.ratio = ratio
        self.reduced_channels = reduced_channels
        self.divisor = divisor
        self.activation = keras.activations.get(activation)
        self.gate_activation = keras.activations.get(gate_activation)
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.data_format = data_format
        self.input_spec = keras.InputSpec(min_ndim=3)

    def build(self, input_shape: Any) -> None:
        channels = channels_of(self, input_shape, self.data_format)
        reduced = reduced_width(channels, self.ratio, self.reduced_channels, self.divisor)
        add_bottleneck_weights(
            self, channels, reduced, self.kernel_initializer, self.bias_initializer
        )
        self.input_spec = channel_spec(len(input_shape), self.data_format, channels)

    def gates(self, inputs: Any) -> Any:
        """The per-sample, per-channel factors, shaped to broadcast against `inputs`."""
        rank = len(inputs.shape)
        axes = spatial_axes(self.data_format, rank)
        squeezed = pooled(inputs, axes, "mean")
        # The channels moved last for the two maps, and back where they were after.
        squeezed = ops.squeeze(squeezed, axis=axes)
        gates = self.gate_activation(bottleneck(self, squeezed))
        return ops.expand_dims(gates, axis=axes)

    def call(self, inputs: Any) -> Any:
        require_float_input(self, inputs)
        return inputs * self.gates(inputs)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            **reduction_config(self),
            "activation": keras.activations.serialize(self.activation),
            "gate_activation": keras.activations.serialize(self.gate_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "data_format": self.data_format,
        }
