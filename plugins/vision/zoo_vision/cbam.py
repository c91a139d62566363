"""`CBAM`: channel attention, then spatial attention (Woo et al. 2018)."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from zoo.validation import (
    check_bool,
    check_positive_int,
    check_synchronized,
    require,
    require_float_input,
)
from zoo_vision._bottleneck import add_bottleneck_weights, bottleneck
from zoo_vision._channels import check_reduction, pooled, reduced_width, reduction_config
from zoo_vision._layout import (
    channel_axis,
    channel_spec,
    channels_of,
    check_data_format,
    spatial_axes,
)

#: PyTorch's (and so timm's and the paper code's) batch normalization defaults, in
#: Keras' terms: Keras' own defaults (momentum 0.99, epsilon 1e-3) would give other
#: numbers for the same weights.
_NORM_MOMENTUM = 0.9
_NORM_EPSILON = 1e-5


@keras.saving.register_keras_serializable(package="zoo_vision")
class CBAM(keras.layers.Layer):
    """Convolutional block attention module: a channel gate, then a spatial gate.

    Channel attention: the feature map is average-pooled and max-pooled over
    its spatial axes; both vectors go through one shared bottleneck
    (channels -> reduced -> channels, `activation` between), and the sigmoid
    of their sum gates each channel. Spatial attention: the mean and the
    maximum over the channels of that result, stacked as two channels, go
    through a `spatial_kernel_size` x `spatial_kernel_size` convolution (one
    output channel, no bias, "same" padding) and a batch normalization; the
    sigmoid gates each position. This is timm's `CbamModule` with its
    defaults (no bias in the bottleneck; PyTorch's batch normalization
    momentum and epsilon).

    The batch normalization makes `training=True` normalize with the batch's
    statistics (and update its moving ones); in inference it uses the moving
    statistics, so each sample's output depends on that sample alone. It is
    the zoo's `BatchNormalization` (keras-zoo-normalization): the same numbers
    as Keras', but an empty or NaN training batch does not ruin its moving
    statistics.

    Args:
        ratio: Float in (0, 1], the bottleneck width as a fraction of the
            channels (rounded to the nearest multiple of `divisor`, at least
            `divisor`).
        reduced_channels: Positive integer, the bottleneck width itself;
            `None` to compute it from `ratio`.
        divisor: Positive integer the computed width is a multiple of.
        spatial_kernel_size: Odd positive integer, the spatial convolution's
            size.
        activation: Activation inside the bottleneck.
        use_bias: Whether the bottleneck's two maps have biases (the paper's
            code has them; timm's default has not).
        kernel_initializer: Initializer of the bottleneck's and the spatial
            convolution's kernels.
        data_format: `"channels_last"` or `"channels_first"`; `None` for
            `keras.config.image_data_format()`.
        synchronized: Whether, in training under a `tf.distribute` strategy,
            the spatial gate's batch normalization takes its statistics over
            the global batch (all replicas) instead of each replica's share;
            TensorFlow only, as `zoo_normalization.BatchNormalization`'s argument.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        4-D tensor: `(batch, height, width, channels)` for `"channels_last"`,
        `(batch, channels, height, width)` for `"channels_first"`.

    Output shape:
        The shape of the input.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_vision import CBAM
    >>> layer = CBAM(ratio=0.25, spatial_kernel_size=3)
    >>> x = np.random.default_rng(0).normal(size=(2, 6, 6, 8)).astype("float32")
    >>> y = keras.ops.convert_to_numpy(layer(x))
    >>> print(y.shape)
    (2, 6, 6, 8)
    >>> print([tuple(w.shape) for w in layer.trainable_weights])
    [(8, 2), (2, 8), (3, 3, 2, 1), (1,), (1,)]
    >>> print(bool((np.abs(y) <= np.abs(x)).all()))  # two gates in (0, 1)
    True

    References:
        Woo et al., 2018, CBAM: Convolutional Block Attention Module
        (https://arxiv.org/abs/1807.06521).
    """

    def __init__(
        self,
        ratio: float = 1 / 16,
        reduced_channels: int | None = None,
        divisor: int = 1,
        spatial_kernel_size: int = 7,
        activation: Any = "relu",
        use_bias: bool = False,
        kernel_initializer: Any = "glorot_uniform",
        data_format: str | None = None,
        synchronized: bool = False,
        **kwargs: Any,
    ):
        ratio, reduced_channels, divisor = check_reduction(ratio, reduced_channels, divisor)
        spatial_kernel_size = check_positive_int("spatial_kernel_size", spatial_kernel_size)
        require(
            spatial_kernel_size % 2 == 1,
            "spatial_kernel_size",
            spatial_kernel_size,
            "an odd positive integer (the convolution is centred on each position)",
        )
        use_bias = check_bool("use_bias", use_bias)
        data_format = check_data_format(data_format)
        synchronized = check_synchronized(synchronized)
        super().__init__(**kwargs)
        self.ratio = ratio
        self.reduced_channels = reduced_channels
        self.divisor = divisor
        self.spatial_kernel_size = spatial_kernel_size
        self.activation = keras.activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.data_format = data_format
        self.synchronized = synchronized
        # Imported here, not at the top: importing keras loads every zoo plugin, so a
        # program that imports zoo_normalization first would meet it half-initialized
        # when this plugin's module is loaded.
        from zoo_normalization import BatchNormalization

        self.spatial_norm = BatchNormalization(
            axis=channel_axis(data_format),
            momentum=_NORM_MOMENTUM,
            epsilon=_NORM_EPSILON,
            synchronized=synchronized,
            dtype=self.dtype_policy,
            name="spatial_norm",
        )
        self.input_spec = keras.InputSpec(ndim=4)

    def build(self, input_shape: Any) -> None:
        channels = channels_of(self, input_shape, self.data_format)
        reduced = reduced_width(channels, self.ratio, self.reduced_channels, self.divisor)
        add_bottleneck_weights(self, channels, reduced, self.kernel_initializer)
        # The spatial branch sees two channels, the mean and the maximum, and makes one:
        # keras.layers.Conv2D's kernel layout, (size, size, 2, 1).
        size = self.spatial_kernel_size
        self.spatial_kernel = self.add_weight(
            name="spatial_kernel", shape=(size, size, 2, 1), initializer=self.kernel_initializer
        )
        gate = list(input_shape)
        gate[channel_axis(self.data_format)] = 1
        self.spatial_norm.build(tuple(gate))
        self.input_spec = channel_spec(4, self.data_format, channels)

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        require_float_input(self, inputs)
        axes = spatial_axes(self.data_format, 4)
        mean = ops.squeeze(pooled(inputs, axes, "mean"), axis=axes)
        peak = ops.squeeze(pooled(inputs, axes, "max"), axis=axes)
        channel_gates = ops.sigmoid(bottleneck(self, mean) + bottleneck(self, peak))
        x = inputs * ops.expand_dims(channel_gates, axis=axes)
        axis = channel_axis(self.data_format)
        stacked = ops.concatenate([pooled(x, (axis,), "mean"), pooled(x, (axis,), "max")], axis)
        # The 2 -> 1 convolution as a depthwise one summed over its two channels: the
        # same numbers, but PyTorch cannot take the gradient of a 1-filter Conv2D's
        # kernel at batch size 1 ("slow_conv2d: grad_weight must be contiguous").
        per_channel = ops.depthwise_conv(
            stacked, self.spatial_kernel, 1, "same", data_format=self.data_format
        )
        logits = ops.sum(per_channel, axis=axis, keepdims=True)
        logits = self.spatial_norm(logits, training=training)
        return x * ops.sigmoid(logits)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            **reduction_config(self),
            "spatial_kernel_size": self.spatial_kernel_size,
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "data_format": self.data_format,
            "synchronized": self.synchronized,
        }
