"""`MaxPoolingWithArgmax2D` and its inverse `MaxUnpooling2D` (SegNet, ENet), with TF
Addons' arguments and `tf.nn.max_pool_with_argmax`'s indices."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from zoo.ops.padding import pad
from zoo.validation import is_positive_int, require, require_float_input

_PADDINGS = ("same", "valid")


def _pair(name: str, value: Any) -> tuple[int, int]:
    if is_positive_int(value):
        return (int(value), int(value))
    require(
        isinstance(value, list | tuple) and len(value) == 2 and all(map(is_positive_int, value)),
        name,
        value,
        "a positive integer or a pair of positive integers",
    )
    return (int(value[0]), int(value[1]))


def _padding(value: Any) -> str:
    """`"same"` or `"valid"`, in either case (TF Addons wrote `"SAME"`)."""
    require(
        isinstance(value, str) and value.lower() in _PADDINGS,
        "padding",
        value,
        '"same" or "valid" (either case)',
    )
    padded: str = value.lower()
    return padded


def _pooled_size(size: Any, pool: int, stride: int, padding: str) -> Any:
    if padding == "same":
        return (size + stride - 1) // stride
    return (size - pool) // stride + 1


def _unpooled_size(size: Any, pool: int, stride: int, padding: str) -> Any:
    """TF Addons' `_calculate_output_shape`, one axis."""
    if size is None:
        return None
    if padding == "same":
        return size * stride
    return (size - 1) * stride + pool


@keras.saving.register_keras_serializable(package="zoo_vision")
class MaxPoolingWithArgmax2D(keras.layers.Layer):
    """Max pooling that also returns where each maximum was: `tf.nn.max_pool_with_argmax`.

    Returns `(pooled, indices)`: `pooled` is `keras.layers.MaxPooling2D`'s
    output (with TensorFlow's "same" padding), `indices` the position of each
    maximum in its sample, flattened as `(y * width + x) * channels + c`
    (`tf.nn.max_pool_with_argmax` with `include_batch_in_index=False`), as
    int32 on every backend; on a tie, the first position in row-major order.
    `MaxUnpooling2D` with the same `pool_size`, `strides` and `padding` puts
    the maxima back.

    Args:
        pool_size: Positive integer or pair, the window.
        strides: Positive integer or pair; `None` for `pool_size`.
        padding: `"same"` (the default, as TF Addons' `MaxUnpooling2D`) or
            `"valid"`; upper case accepted.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        4-D tensor `(batch, height, width, channels)` (channels last only, as
        the indices are).

    Output shape:
        Two 4-D tensors `(batch, pooled_height, pooled_width, channels)`.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from zoo_vision import MaxPoolingWithArgmax2D, MaxUnpooling2D
    >>> x = np.array([1, 2, 4, 3, 8, 6, 7, 5], dtype="float32").reshape(1, 2, 4, 1)
    >>> pooled, indices = MaxPoolingWithArgmax2D()(x)
    >>> print(keras.ops.convert_to_numpy(pooled).ravel())
    [8. 7.]
    >>> print(keras.ops.convert_to_numpy(indices).ravel())
    [4 6]
    >>> print(keras.ops.convert_to_numpy(MaxUnpooling2D()(pooled, indices)).reshape(2, 4))
    [[0. 0. 0. 0.]
     [8. 0. 7. 0.]]

    References:
        Badrinarayanan et al., 2015, SegNet
        (https://arxiv.org/abs/1511.00561).
    """

    def __init__(
        self,
        pool_size: Any = (2, 2),
        strides: Any = None,
        padding: str = "same",
        **kwargs: Any,
    ):
        pool_size = _pair("pool_size", pool_size)
        strides = pool_size if strides is None else _pair("strides", strides)
        padding = _padding(padding)
        super().__init__(**kwargs)
        self.pool_size = pool_size
        self.strides = strides
        self.padding = padding
        self.input_spec = keras.InputSpec(ndim=4)

    def build(self, input_shape: Any) -> None:
        if None in tuple(input_shape)[1:]:
            raise ValueError(
                f"Layer {self.name!r} (MaxPoolingWithArgmax2D) needs the height, width "
                f"and channels at build, received input shape {tuple(input_shape)}."
            )
        self.input_spec = keras.InputSpec(shape=(None, *tuple(input_shape)[1:]))

    def call(self, inputs: Any) -> Any:
        require_float_input(self, inputs)
        height, width, channels = (int(n) for n in inputs.shape[1:])
        (pool_h, pool_w), (stride_h, stride_w) = self.pool_size, self.strides
        out_h = _pooled_size(height, pool_h, stride_h, self.padding)
        out_w = _pooled_size(width, pool_w, stride_w, self.padding)
        top = left = 0
        x = inputs
        if self.padding == "same":
            # TensorFlow's split: the odd pixel of padding goes after.
            total_h = max((out_h - 1) * stride_h + pool_h - height, 0)
            total_w = max((out_w - 1) * stride_w + pool_w - width, 0)
            top, left = total_h // 2, total_w // 2
            widths = ((0, 0), (top, total_h - top), (left, total_w - left), (0, 0))
            x = pad(x, widths, constant_values=float("-inf"))
        windows = [
            x[
                :,
                i : i + (out_h - 1) * stride_h + 1 : stride_h,
                j : j + (out_w - 1) * stride_w + 1 : stride_w,
                :,
            ]
            for i in range(pool_h)
            for j in range(pool_w)
        ]
        stacked = ops.stack(windows, axis=-1)
        pooled = ops.max(stacked, axis=-1)
        which = ops.cast(ops.argmax(stacked, axis=-1), "int32")
        rows = ops.reshape(ops.arange(out_h, dtype="int32"), (1, -1, 1, 1)) * stride_h
        cols = ops.reshape(ops.arange(out_w, dtype="int32"), (1, 1, -1, 1)) * stride_w
        y = rows + which // pool_w - top
        x_at = cols + which % pool_w - left
        c = ops.reshape(ops.arange(channels, dtype="int32"), (1, 1, 1, -1))
        indices = (y * width + x_at) * channels + c
        return pooled, indices

    def compute_output_shape(self, input_shape: Any) -> Any:
        batch, height, width, channels = input_shape
        sizes = [
            None if size is None else _pooled_size(size, pool, stride, self.padding)
            for size, pool, stride in zip(
                (height, width), self.pool_size, self.strides, strict=True
            )
        ]
        shape = (batch, *sizes, channels)
        return shape, shape

    def compute_output_spec(self, inputs: Any) -> Any:
        pooled, indices = self.compute_output_shape(tuple(inputs.shape))
        return (
            keras.KerasTensor(pooled, dtype=inputs.dtype),
            keras.KerasTensor(indices, dtype="int32"),
        )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "strides": self.strides,
            "padding": self.padding,
        }


@keras.saving.register_keras_serializable(package="zoo_vision")
class MaxUnpooling2D(keras.layers.Layer):
    """Puts the outputs of a max pooling back where their maxima were; zeros elsewhere.

    TF Addons' `MaxUnpooling2D`: called on `(updates, indices)`, the pooled
    values and `MaxPoolingWithArgmax2D`'s (or `tf.nn.max_pool_with_argmax`'s)
    indices, it returns a map of the pooled input's size (`"same"`: the
    pooled size times `strides`; `"valid"`: `(pooled - 1) * strides +
    pool_size`) with each update at its index; updates sharing an index are
    added, as TF Addons' `scatter_nd` added them.

    Args:
        pool_size: Positive integer or pair, the pooling's window.
        strides: Positive integer or pair, the pooling's strides.
        padding: The pooling's padding, `"same"` or `"valid"` (either case).
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        updates: 4-D tensor `(batch, height, width, channels)`, the pooled values.
        indices: Tensor of the same shape, each update's position in its
            sample flattened as `(y * width + x) * channels + c` (integers, or
            floats holding integers, as TF Addons accepted).

    Output shape:
        `(batch, unpooled_height, unpooled_width, channels)`.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from zoo_vision import MaxUnpooling2D
    >>> updates = np.array([13.0, 4.0], dtype="float32").reshape(1, 1, 2, 1)
    >>> indices = np.array([1, 6]).reshape(1, 1, 2, 1)
    >>> print(keras.ops.convert_to_numpy(MaxUnpooling2D()(updates, indices)).reshape(2, 4))
    [[ 0. 13.  0.  0.]
     [ 0.  0.  4.  0.]]

    References:
        Zeiler and Fergus, 2013, Visualizing and Understanding Convolutional
        Networks (https://arxiv.org/abs/1311.2901); Badrinarayanan et al., 2015,
        SegNet (https://arxiv.org/abs/1511.00561).
    """

    def __init__(
        self,
        pool_size: Any = (2, 2),
        strides: Any = (2, 2),
        padding: str = "same",
        **kwargs: Any,
    ):
        pool_size = _pair("pool_size", pool_size)
        strides = _pair("strides", strides)
        padding = _padding(padding)
        super().__init__(**kwargs)
        self.pool_size = pool_size
        self.strides = strides
        self.padding = padding

    def _output_shape(self, shape: Any) -> tuple[Any, ...]:
        batch, height, width, channels = shape
        sizes = (
            _unpooled_size(size, pool, stride, self.padding)
            for size, pool, stride in zip(
                (height, width), self.pool_size, self.strides, strict=True
            )
        )
        return (batch, *sizes, channels)

    def call(self, updates: Any, indices: Any) -> Any:
        require_float_input(self, updates)
        _, out_h, out_w, channels = self._output_shape((None, *updates.shape[1:]))
        batch = ops.shape(updates)[0]
        per_sample = out_h * out_w * channels
        pooled = int(updates.shape[1]) * int(updates.shape[2]) * channels
        flat = ops.reshape(ops.cast(indices, "int32"), (-1, pooled))
        offsets = ops.reshape(ops.arange(batch, dtype="int32") * per_sample, (-1, 1))
        positions = ops.reshape(flat + offsets, (-1, 1))
        values = ops.reshape(updates, (-1,))
        out = ops.scatter(positions, values, (batch * per_sample,))
        return ops.reshape(out, (-1, out_h, out_w, channels))

    def compute_output_shape(self, updates_shape: Any, indices_shape: Any = None) -> Any:
        return self._output_shape(tuple(updates_shape))

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "strides": self.strides,
            "padding": self.padding,
        }
