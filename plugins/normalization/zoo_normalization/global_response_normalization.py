"""`GlobalResponseNormalization`: ConvNeXt-V2's GRN, a channel contrast from global norms."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from zoo.validation import check_choice, require_float_input
from zoo_normalization._common import check_epsilon, statistics_dtype

_DATA_FORMATS = ("channels_last", "channels_first")


@keras.saving.register_keras_serializable(package="zoo_normalization")
class GlobalResponseNormalization(keras.layers.Layer):
    """Global response normalization (GRN), ConvNeXt-V2's channel normalization.

    Per sample, each channel's L2 norm over the spatial axes, `G`, is divided
    by the mean of `G` over the channels (plus `epsilon`), giving `N`; the
    output is `x + gamma * (x * N) + beta`, with `gamma` and `beta` learned
    per channel and zero at the start, so the layer begins as the identity.
    The norms are computed in float32 under mixed precision. This is timm's
    `GlobalResponseNorm` (its `weight` is `gamma`, its `bias` is `beta`;
    `channels_last=False` there is `data_format="channels_first"` here);
    `keras.applications` has none.

    Args:
        epsilon: Positive float added to the channel mean of the norms.
        gamma_initializer: Initializer of the per-channel scale (zeros).
        beta_initializer: Initializer of the per-channel offset (zeros).
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
    >>> from zoo_normalization import GlobalResponseNormalization
    >>> x = np.random.default_rng(0).normal(size=(2, 4, 4, 3)).astype("float32")
    >>> layer = GlobalResponseNormalization()
    >>> print(np.array_equal(keras.ops.convert_to_numpy(layer(x)), x))  # starts as the identity
    True
    >>> layer = GlobalResponseNormalization(gamma_initializer="ones")
    >>> y = keras.ops.convert_to_numpy(layer(x))
    >>> g = np.sqrt((x**2).sum(axis=(1, 2), keepdims=True))
    >>> print(np.allclose(y, x + x * g / (g.mean(axis=-1, keepdims=True) + 1e-6), atol=1e-5))
    True

    References:
        Woo et al., 2023, ConvNeXt V2: Co-designing and Scaling ConvNets with
        Masked Autoencoders (https://arxiv.org/abs/2301.00808).
    """

    def __init__(
        self,
        epsilon: float = 1e-6,
        gamma_initializer: Any = "zeros",
        beta_initializer: Any = "zeros",
        data_format: str | None = None,
        **kwargs: Any,
    ):
        epsilon = check_epsilon(epsilon)
        if data_format is None:
            data_format = keras.config.image_data_format()
        data_format = check_choice("data_format", data_format, _DATA_FORMATS)
        super().__init__(**kwargs)
        self.epsilon = epsilon
        self.gamma_initializer = keras.initializers.get(gamma_initializer)
        self.beta_initializer = keras.initializers.get(beta_initializer)
        self.data_format = data_format
        self.input_spec = keras.InputSpec(min_ndim=3)
        # The norms are computed in float32 from the raw input: no autocast.
        self.autocast = False

    def _channel_axis(self, rank: int) -> int:
        return rank - 1 if self.data_format == "channels_last" else 1

    def build(self, input_shape: Any) -> None:
        rank = len(input_shape)
        axis = self._channel_axis(rank)
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(
                f"Layer {self.name!r} (GlobalResponseNormalization) needs the number of "
                f"channels at build ({self.data_format}), received input shape "
                f"{tuple(input_shape)}."
            )
        self.gamma = self.add_weight(
            name="gamma", shape=(channels,), initializer=self.gamma_initializer
        )
        self.beta = self.add_weight(
            name="beta", shape=(channels,), initializer=self.beta_initializer
        )
        self.input_spec = keras.InputSpec(ndim=rank, axes={axis: channels})

    def call(self, inputs: Any) -> Any:
        require_float_input(self, inputs)
        rank = len(inputs.shape)
        axis = self._channel_axis(rank)
        spatial = tuple(a for a in range(1, rank) if a != axis)
        dtype = statistics_dtype(inputs)
        x = ops.cast(inputs, dtype)
        norms = ops.sqrt(ops.sum(ops.square(x), axis=spatial, keepdims=True))
        normalized = norms / (ops.mean(norms, axis=axis, keepdims=True) + self.epsilon)
        shape = [1] * rank
        shape[axis] = -1
        gamma = ops.reshape(ops.cast(self.gamma, dtype), shape[1:])
        beta = ops.reshape(ops.cast(self.beta, dtype), shape[1:])
        outputs = x + gamma * (x * normalized) + beta
        return ops.cast(outputs, self.compute_dtype)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "epsilon": self.epsilon,
            "gamma_initializer": keras.initializers.serialize(self.gamma_initializer),
            "beta_initializer": keras.initializers.serialize(self.beta_initializer),
            "data_format": self.data_format,
        }
