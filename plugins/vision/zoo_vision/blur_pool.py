"""`BlurPool2D`: anti-aliased downsampling with a fixed binomial filter (Zhang 2019)."""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np
from keras import ops

from zoo.ops import padding
from zoo.validation import check_choice, check_positive_int, require, require_float_input
from zoo_vision._layout import channels_of, check_data_format

_PADDING_MODES = ("reflect", "constant", "symmetric")


@keras.saving.register_keras_serializable(package="zoo_vision")
class BlurPool2D(keras.layers.Layer):
    """Blurs each channel with a fixed binomial filter, then subsamples by `strides`.

    The filter is the outer product of the binomial coefficients
    `C(filter_size - 1, k) / 2**(filter_size - 1)` (`[1, 2, 1] / 4` for size 3),
    applied per channel after padding each spatial side by
    `(strides - 1 + filter_size - 1) // 2` (reflected by default): timm's
    `BlurPool2d` with `filt_size`, `stride` and `pad_mode`. It has no weights.

    Args:
        filter_size: Integer > 1, the filter's size.
        strides: Positive integer, the subsampling step.
        padding_mode: `"reflect"` (timm's default), `"symmetric"` or
            `"constant"` (zeros).
        data_format: `"channels_last"` or `"channels_first"`; `None` for
            `keras.config.image_data_format()`.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        4-D tensor `(batch, height, width, channels)` (channels last) or
        `(batch, channels, height, width)`.

    Output shape:
        The spatial sizes become `(size + 2 * pad - filter_size) // strides + 1`.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_vision import BlurPool2D
    >>> x = np.ones((1, 8, 8, 2), dtype="float32")
    >>> y = keras.ops.convert_to_numpy(BlurPool2D()(x))
    >>> print(y.shape, np.allclose(y, 1.0))  # a constant stays constant
    (1, 4, 4, 2) True

    References:
        Zhang, 2019, Making Convolutional Networks Shift-Invariant Again
        (https://arxiv.org/abs/1904.11486).
    """

    def __init__(
        self,
        filter_size: int = 3,
        strides: int = 2,
        padding_mode: str = "reflect",
        data_format: str | None = None,
        **kwargs: Any,
    ):
        filter_size = check_positive_int("filter_size", filter_size)
        require(filter_size > 1, "filter_size", filter_size, "an integer > 1")
        strides = check_positive_int("strides", strides)
        padding_mode = check_choice("padding_mode", padding_mode, _PADDING_MODES)
        data_format = check_data_format(data_format)
        super().__init__(**kwargs)
        self.filter_size = filter_size
        self.strides = strides
        self.padding_mode = padding_mode
        self.data_format = data_format
        self.input_spec = keras.InputSpec(ndim=4)

    @property
    def _pad(self) -> int:
        return (self.strides - 1 + self.filter_size - 1) // 2

    def build(self, input_shape: Any) -> None:
        channels = channels_of(self, input_shape, self.data_format)
        row = np.array([math.comb(self.filter_size - 1, k) for k in range(self.filter_size)])
        row = row / 2 ** (self.filter_size - 1)
        # A constant, not a weight: (size, size, channels, 1), depthwise conv's layout.
        self._filter = np.repeat(np.outer(row, row)[:, :, None, None], channels, axis=2)
        axis = 3 if self.data_format == "channels_last" else 1
        self.input_spec = keras.InputSpec(ndim=4, axes={axis: channels})

    def call(self, inputs: Any) -> Any:
        require_float_input(self, inputs)
        pad = self._pad
        spatial = ((pad, pad), (pad, pad))
        widths = ((0, 0), *spatial, (0, 0))
        if self.data_format == "channels_first":
            widths = ((0, 0), (0, 0), *spatial)
        # No padding at all (filter_size 2, strides 1) is not padded: Keras' PyTorch
        # backend sends all-zero widths to torch's reflect padding as a 2-element list,
        # which torch refuses for a 4-D tensor.
        padded = padding.pad(inputs, widths, mode=self.padding_mode) if pad else inputs
        kernel = ops.cast(self._filter, inputs.dtype)
        return ops.depthwise_conv(
            padded, kernel, self.strides, "valid", data_format=self.data_format
        )

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = list(input_shape)
        axes = (1, 2) if self.data_format == "channels_last" else (2, 3)
        for a in axes:
            if shape[a] is not None:
                shape[a] = (shape[a] + 2 * self._pad - self.filter_size) // self.strides + 1
        return tuple(shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "filter_size": self.filter_size,
            "strides": self.strides,
            "padding_mode": self.padding_mode,
            "data_format": self.data_format,
        }
