"""`PoincareNormalize`: projects vectors into the Poincare ball."""

from __future__ import annotations

import math
from numbers import Real

import keras
from keras import ops

from zoo.validation import is_int, require
from zoo_normalization._common import statistics_input

#: Squared norms below this are treated as this: such vectors are far inside the
#: ball and left as they are, and the reciprocal square root and its derivative
#: stay finite in float32 (a zero vector would otherwise give 0 * inf, NaN, in the
#: gradient; a floor of 1e-30 still does, its derivative 5e44 overflowing).
_MIN_SQUARED_NORM = 1e-12


@keras.saving.register_keras_serializable(package="zoo_normalization")
class PoincareNormalize(keras.layers.Layer):
    """Projects each vector into the Poincare ball of radius `1 - epsilon`.

    Each 1-D slice of the input along `axis` (or each slice over the axes of
    a list) whose Euclidean norm exceeds `1 - epsilon` is scaled down to
    that norm; slices already inside are left as they are:
    `x * min(1, (1 - epsilon) / norm(x))` (Nickel & Kiela, 2017). Used to
    keep embeddings inside the unit ball of the Poincare model of hyperbolic
    space. It has no weights; the norm is computed in float32 (float64 for
    float64 inputs) whatever the compute dtype.

    The arguments and their defaults are TF Addons'
    (`tfa.layers.PoincareNormalize`), including an `axis` that may be the
    batch axis or `None` (the whole tensor as one vector), as there.

    Args:
        axis: The axis (an integer), axes (a list of integers) or `None`
            (every axis) along which to take the norm (default `1`).
        epsilon: The distance kept from the ball's edge, a number in
            `[0, 1)` (default `1e-5`).
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        Any shape with the `axis` axes present.

    Output shape:
        The input shape.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_normalization import PoincareNormalize
    >>> x = np.array([[3.0, 4.0], [0.3, 0.4]], dtype="float32")
    >>> y = keras.ops.convert_to_numpy(PoincareNormalize(epsilon=0.1)(x))
    >>> print(y.round(4))
    [[0.54 0.72]
     [0.3  0.4 ]]
    >>> print(np.linalg.norm(y, axis=1).round(4))
    [0.9 0.5]

    References:
        Nickel & Kiela, 2017, Poincare Embeddings for Learning Hierarchical
        Representations (https://arxiv.org/abs/1705.08039). TF Addons'
        `tfa.layers.PoincareNormalize`, whose tests it passes
        (tests/parity/tfa).
    """

    def __init__(
        self,
        axis: int | list[int] | None = 1,
        epsilon: float = 1e-5,
        **kwargs,
    ):
        require(
            axis is None
            or is_int(axis)
            or (
                isinstance(axis, list | tuple)
                and len(axis) > 0
                and all(is_int(a) for a in axis)
                and len(set(axis)) == len(axis)
            ),
            "axis",
            axis,
            "an integer, a non-empty list of distinct integers, or None (every axis)",
        )
        require(
            isinstance(epsilon, Real)
            and not isinstance(epsilon, bool)
            and math.isfinite(epsilon)
            and 0 <= epsilon < 1,
            "epsilon",
            epsilon,
            "a number in [0, 1), the distance kept from the edge of the unit ball",
        )
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, list | tuple) else axis
        self.epsilon = float(epsilon)
        self.supports_masking = True
        # The norm is computed in float32 from the raw input: no autocast.
        self.autocast = False

    def build(self, input_shape):
        rank = len(input_shape)
        axes = list(range(rank)) if self.axis is None else self.axis
        axes = axes if isinstance(axes, list) else [axes]
        for a in axes:
            if not -rank <= a < rank:
                raise ValueError(
                    f"Invalid `axis`: expected axes of an input of rank {rank}, received "
                    f"axis={self.axis} for input shape {tuple(input_shape)}."
                )
        resolved = sorted(a % rank for a in axes)
        if len(set(resolved)) != len(resolved):
            raise ValueError(
                f"Invalid `axis`: expected distinct axes, received axis={self.axis} that "
                f"name the same axis twice for an input of rank {rank}."
            )
        self._axes = resolved
        self.input_spec = keras.InputSpec(ndim=rank)

    def call(self, inputs):
        x, dtype = statistics_input(self, inputs)
        square_sum = ops.sum(ops.square(x), axis=self._axes, keepdims=True)
        inv_norm = ops.rsqrt(ops.maximum(square_sum, _MIN_SQUARED_NORM))
        factor = ops.minimum((1.0 - self.epsilon) * inv_norm, 1.0)
        return ops.cast(x * factor, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}
