"""`LayerScale`: a learned per-channel scale of a residual branch (CaiT, ConvNeXt)."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from zoo.validation import check_non_negative, require_float_input
from zoo_vision._layout import broadcast_shape, channel_spec, channels_of, check_data_format


@keras.saving.register_keras_serializable(package="zoo_vision")
class LayerScale(keras.layers.Layer):
    """Multiplies each channel by a learned scale, initialized to a small constant.

    Put at the end of a residual branch, before the shortcut is added
    (`y = x + LayerScale(1e-6)(f(x))`): the branch starts nearly switched off
    and the network learns how much of each channel to let through. This is
    the private `LayerScale` of `keras.applications.ConvNeXt*` with the
    channel count inferred at build, and timm's `LayerScale` (channels last)
    and `LayerScale2d` (channels first).

    Args:
        init_values: Float >= 0, the initial value of every scale
            (ConvNeXt uses `1e-6`, CaiT `1e-5` to `0.1` with depth).
        data_format: `"channels_last"` (channels on the last axis: images
            `(batch, height, width, channels)` or tokens `(batch, tokens,
            channels)`) or `"channels_first"` (`(batch, channels, ...)`);
            `None` for `keras.config.image_data_format()`.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        Tensor of rank >= 2, channels on the axis `data_format` names.

    Output shape:
        The shape of the input.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_vision import LayerScale
    >>> layer = LayerScale(init_values=0.1)
    >>> x = np.ones((2, 4, 4, 3), dtype="float32")
    >>> y = keras.ops.convert_to_numpy(layer(x))
    >>> print(y.shape, np.unique(y))
    (2, 4, 4, 3) [0.1]
    >>> print([tuple(w.shape) for w in layer.weights])
    [(3,)]

    References:
        Touvron et al., 2021, Going deeper with Image Transformers
        (https://arxiv.org/abs/2103.17239).
    """

    def __init__(
        self,
        init_values: float = 1e-5,
        data_format: str | None = None,
        **kwargs: Any,
    ):
        init_values = check_non_negative("init_values", init_values)
        data_format = check_data_format(data_format)
        super().__init__(**kwargs)
        self.init_values = init_values
        self.data_format = data_format
        self.input_spec = keras.InputSpec(min_ndim=2)
        # Scaling each channel leaves every position's validity as it was.
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        channels = channels_of(self, input_shape, self.data_format)
        self.gamma = self.add_weight(
            name="gamma",
            shape=(channels,),
            initializer=keras.initializers.Constant(self.init_values),
        )
        self.input_spec = channel_spec(len(input_shape), self.data_format, channels)

    def call(self, inputs: Any) -> Any:
        require_float_input(self, inputs)
        shape = broadcast_shape(len(inputs.shape), self.data_format, self.gamma.shape[0])
        return inputs * ops.cast(ops.reshape(self.gamma, shape), inputs.dtype)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "init_values": self.init_values,
            "data_format": self.data_format,
        }
