"""`Maxout`: the maximum over groups of features."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from zoo.validation import check_axis, check_choice, check_positive_int, require_float_input

#: How features are assigned to the `num_units` groups.
GROUPINGS = ("contiguous", "strided")


@keras.saving.register_keras_serializable(package="zoo_core")
class Maxout(keras.layers.Layer):
    """The maximum over `num_units` groups of features.

    The `features` entries of `axis` are split into `num_units` groups of
    `k = features // num_units` entries, and each group is replaced by its
    maximum, so `axis` shrinks to `num_units`. `num_units` must divide
    `features`, which may be unknown until the layer is called (as in TF
    Addons).

    `grouping` says which features form a group:

    - `"contiguous"` (the default): consecutive blocks, group `i` is features
      `i*k, ..., i*k + k - 1`, as when the features are reshaped to
      `(..., num_units, k)`.
    - `"strided"`: every `num_units`-th feature, group `i` is features
      `i, i + num_units, i + 2*num_units, ...`, as when they are reshaped to
      `(..., k, num_units)`. This is what TF Addons' `Maxout` computes: use
      it for weights trained with TF Addons, which then give TF Addons'
      outputs.

    Both are maxout (Goodfellow et al. only need disjoint groups of `k`
    pieces); a layer trained with one learns the same function as with the
    other, with its preceding layer's outputs permuted.

    Args:
        num_units: Positive integer, the number of groups (and outputs).
        axis: The feature axis (default: the last).
        grouping: `"contiguous"` (consecutive features form a group) or
            `"strided"` (every `num_units`-th feature, TF Addons' order).
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
    >>> print(keras.ops.convert_to_numpy(Maxout(num_units=2)(x)))  # max(1, 5, -2), max(3, 0, 4)
    [[5. 4.]]
    >>> print(keras.ops.convert_to_numpy(Maxout(num_units=3)(x)))
    [[5. 3. 4.]]
    >>> print(keras.ops.convert_to_numpy(Maxout(2, grouping="strided")(x)))  # TF Addons'
    [[1. 5.]]

    References:
        Goodfellow et al., 2013, Maxout Networks (https://arxiv.org/abs/1302.4389).
    """

    def __init__(self, num_units: int, axis: int = -1, grouping: str = "contiguous", **kwargs: Any):
        num_units = check_positive_int("num_units", num_units)
        axis = check_axis("axis", axis)
        check_choice("grouping", grouping, GROUPINGS)
        super().__init__(**kwargs)
        self.num_units = num_units
        self.axis = axis
        self.grouping = grouping

    def _check_features(self, features: int | None, input_shape: Any) -> None:
        # Unknown features (None) are checked when the layer is called on real data.
        if features is not None and features % self.num_units:
            raise ValueError(
                f"Invalid `num_units`: expected a divisor of the number of features "
                f"({features} on axis {self.axis} of input shape {tuple(input_shape)}), "
                f"received num_units={self.num_units}."
            )

    def build(self, input_shape: Any) -> None:
        rank = len(input_shape)
        if not -rank <= self.axis < rank or self.axis % rank == 0:
            raise ValueError(
                f"Invalid `axis`: expected a feature axis of an input of rank {rank} "
                f"(not the batch axis), received axis={self.axis}."
            )
        features = input_shape[self.axis]
        self._check_features(features, input_shape)
        # A size unknown at build stays free, as in TF Addons: later calls may bring
        # any multiple of num_units.
        axes = {self.axis: features} if features is not None else None
        self.input_spec = keras.InputSpec(ndim=rank, axes=axes)

    def call(self, inputs: Any) -> Any:
        require_float_input(self, inputs)
        self._check_features(inputs.shape[self.axis], inputs.shape)
        x = ops.moveaxis(inputs, self.axis, -1)
        leading = tuple(ops.shape(x)[:-1])
        if self.grouping == "contiguous":
            groups = ops.reshape(x, (*leading, self.num_units, -1))
            return ops.moveaxis(ops.max(groups, axis=-1), -1, self.axis)
        groups = ops.reshape(x, (*leading, -1, self.num_units))
        return ops.moveaxis(ops.max(groups, axis=-2), -1, self.axis)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shape = list(input_shape)
        shape[self.axis] = self.num_units
        return tuple(shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "num_units": self.num_units,
            "axis": self.axis,
            "grouping": self.grouping,
        }
