"""`Maxout`: the maximum over groups of features."""

from __future__ import annotations

import keras
from keras import ops

from zoo.validation import is_positive_int, require, require_float_input


@keras.saving.register_keras_serializable(package="zoo_core")
class Maxout(keras.layers.Layer):
    """The maximum over `num_units` groups of consecutive features.

    The `features` entries of `axis` are split into `num_units` groups of
    `features // num_units` consecutive entries, and each group is replaced by
    its maximum, so `axis` shrinks to `num_units`. `num_units` must divide
    `features`.

    Args:
        num_units: Positive integer, the number of groups (and outputs).
        axis: The feature axis (default: the last).
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        N-D tensor with `features` entries on `axis`.

    Output shape:
        The input shape with `num_units` entries on `axis`.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_core import Maxout
    >>> x = np.array([[1.0, 5.0, -2.0, 3.0, 0.0, 4.0]])
    >>> print(keras.ops.convert_to_numpy(Maxout(num_units=2)(x)))
    [[5. 4.]]
    >>> print(keras.ops.convert_to_numpy(Maxout(num_units=3)(x)))
    [[5. 3. 4.]]

    References:
        Goodfellow et al., 2013, Maxout Networks (https://arxiv.org/abs/1302.4389).
    """

    def __init__(self, num_units: int, axis: int = -1, **kwargs):
        require(is_positive_int(num_units), "num_units", num_units, "a positive integer")
        require(
            isinstance(axis, int) and not isinstance(axis, bool),
            "axis",
            axis,
            "an integer",
        )
        super().__init__(**kwargs)
        self.num_units = num_units
        self.axis = axis

    def build(self, input_shape):
        rank = len(input_shape)
        if not -rank <= self.axis < rank or self.axis % rank == 0:
            raise ValueError(
                f"Invalid `axis`: expected a feature axis of an input of rank {rank} "
                f"(not the batch axis), received axis={self.axis}."
            )
        features = input_shape[self.axis]
        if features is None or features % self.num_units:
            raise ValueError(
                f"Invalid `num_units`: expected a divisor of the {features} features on "
                f"axis {self.axis} of input shape {input_shape}, "
                f"received num_units={self.num_units}."
            )
        self.input_spec = keras.InputSpec(ndim=rank, axes={self.axis: features})

    def call(self, inputs):
        require_float_input(self, inputs)
        x = ops.moveaxis(inputs, self.axis, -1)
        shape = ops.shape(x)
        groups = ops.reshape(x, (*shape[:-1], self.num_units, shape[-1] // self.num_units))
        return ops.moveaxis(ops.max(groups, axis=-1), -1, self.axis)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[self.axis] = self.num_units
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "num_units": self.num_units, "axis": self.axis}
