"""Weight regularizers: `L1L2` and `GroupLasso`."""

from __future__ import annotations

import keras
from keras import ops

from zoo.validation import check_non_negative


@keras.saving.register_keras_serializable(package="zoo_regularizing")
class L1L2(keras.regularizers.Regularizer):
    """Penalizes weights by `l1 * sum(abs(w)) + l2 * sum(w ** 2)`.

    Pass it as a layer's `kernel_regularizer` (or `bias_regularizer`): the
    layer adds the penalty of its weight to its losses, and `fit` adds those
    to the training loss. `l1` pushes weights to exactly zero, `l2` shrinks
    them all.

    Args:
        l1: Non-negative float, the L1 factor.
        l2: Non-negative float, the L2 factor.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_regularizing import L1L2
    >>> w = np.array([[1.0, -2.0], [0.5, 0.0]], dtype="float32")
    >>> print(round(float(L1L2(l1=0.1, l2=0.01)(w)), 4))
    0.4025
    >>> layer = keras.layers.Dense(2, kernel_regularizer=L1L2(l2=0.01))
    >>> _ = layer(np.ones((1, 3), dtype="float32"))
    >>> print(len(layer.losses))
    1

    References:
        Equivalent to `keras.regularizers.L1L2`, against which it is tested.
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = check_non_negative("l1", l1)
        self.l2 = check_non_negative("l2", l2)

    def __call__(self, x):
        x = ops.convert_to_tensor(x)
        penalty = ops.convert_to_tensor(0.0, dtype=x.dtype)
        if self.l1:
            penalty = penalty + ops.cast(self.l1, x.dtype) * ops.sum(ops.abs(x))
        if self.l2:
            penalty = penalty + ops.cast(self.l2, x.dtype) * ops.sum(ops.square(x))
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


@keras.saving.register_keras_serializable(package="zoo_regularizing")
class GroupLasso(keras.regularizers.Regularizer):
    """Penalizes the sum over output units of the L2 norm of each unit's weights.

    For a weight `w` whose last axis indexes the output units (a `Dense`
    kernel `(input_dim, units)`, a `Conv2D` kernel
    `(rows, cols, in_channels, filters)`), the penalty is
    `strength * sum_j ||w[..., j]||_2`: an L1 penalty over groups, an L2 norm
    within each. It drives whole units' weights to exactly zero together,
    pruning units rather than single connections. Yuan and Lin weight each
    group's norm by the square root of its size; all groups here have the
    same size, so that factor is left to `strength`. The gradient of a norm
    at an all-zero unit is taken as 0 (a subgradient), not NaN.

    Args:
        strength: Non-negative float, the factor of the penalty.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_regularizing import GroupLasso
    >>> w = np.array([[3.0, 0.0, 1.0], [4.0, 0.0, 0.0]], dtype="float32")
    >>> print(round(float(GroupLasso(strength=0.1)(w)), 4))
    0.6

    References:
        Yuan and Lin, 2006, Model selection and estimation in regression with
        grouped variables (https://doi.org/10.1111/j.1467-9868.2005.00532.x).
    """

    def __init__(self, strength: float = 0.01):
        self.strength = check_non_negative("strength", strength)

    def __call__(self, x):
        x = ops.convert_to_tensor(x)
        if len(x.shape) == 0:
            x = ops.reshape(x, (1,))
        squares = ops.reshape(ops.square(x), (-1, x.shape[-1]))
        sum_of_squares = ops.sum(squares, axis=0)
        nonzero = sum_of_squares > 0
        # sqrt has an infinite gradient at 0: take it where the sum is positive only.
        safe = ops.where(nonzero, sum_of_squares, ops.ones_like(sum_of_squares))
        norms = ops.where(nonzero, ops.sqrt(safe), ops.zeros_like(sum_of_squares))
        return ops.cast(self.strength, x.dtype) * ops.sum(norms)

    def get_config(self):
        return {"strength": self.strength}
