"""Weight constraints: `MaxNorm`, `NonNeg`, `UnitNorm`, `MinMaxNorm` and `Clip`.

A constraint is applied to a weight after each optimizer update (pass it as a
layer's `kernel_constraint` or `bias_constraint`); it maps the updated weight
to the nearest (or a nearer) weight that satisfies it.
"""

from __future__ import annotations

import keras
from keras import ops

from zoo.validation import (
    check_axis,
    check_fraction,
    check_non_negative,
    check_positive,
    is_real,
    require,
)


def _norms(w, axis):
    return ops.sqrt(ops.sum(ops.square(w), axis=axis, keepdims=True))


def _rescale(w, norms, desired):
    """`w` scaled so that its norms become `desired` (up to Keras' epsilon)."""
    return w * (desired / (keras.config.epsilon() + norms))


@keras.saving.register_keras_serializable(package="zoo_regularizing")
class MaxNorm(keras.constraints.Constraint):
    """Rescales each unit's incoming weights so their L2 norm is at most `max_value`.

    Norms are taken over `axis`, and only the weight vectors longer than
    `max_value` change. Max-norm regularization goes well with dropout
    (Srivastava et al., 2014).

    Args:
        max_value: Positive float, the largest norm allowed.
        axis: Integer or list of integers, the axes the norm runs over. For a
            `Dense` kernel `(input_dim, units)`, `0` constrains the incoming
            weights of each unit; for a `Conv2D` kernel
            `(rows, cols, in_channels, filters)` (channels last), `[0, 1, 2]`
            constrains each filter.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_regularizing import MaxNorm
    >>> w = np.array([[3.0, 0.3], [4.0, 0.4]], dtype="float32")
    >>> print(keras.ops.convert_to_numpy(MaxNorm(max_value=1.0)(w)).round(3))
    [[0.6 0.3]
     [0.8 0.4]]

    References:
        Equivalent to `keras.constraints.MaxNorm`, against which it is tested.
    """

    def __init__(self, max_value: float = 2.0, axis=0):
        check_positive("max_value", max_value)
        self.max_value = max_value
        self.axis = check_axis("axis", axis, allow_many=True)

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        return _rescale(w, norms, ops.clip(norms, 0, self.max_value))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


@keras.saving.register_keras_serializable(package="zoo_regularizing")
class NonNeg(keras.constraints.Constraint):
    """Sets negative weights to zero.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_regularizing import NonNeg
    >>> w = np.array([-1.0, 0.0, 2.5], dtype="float32")
    >>> print(keras.ops.convert_to_numpy(NonNeg()(w)))
    [0.  0.  2.5]

    References:
        Equivalent to `keras.constraints.NonNeg`, against which it is tested.
    """

    def __init__(self):
        """`NonNeg` takes no arguments."""

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        return ops.maximum(w, ops.zeros_like(w))

    def get_config(self):
        return {}


@keras.saving.register_keras_serializable(package="zoo_regularizing")
class UnitNorm(keras.constraints.Constraint):
    """Rescales each unit's incoming weights to an L2 norm of 1.

    Args:
        axis: Integer or list of integers, the axes the norm runs over
            (`0` for the incoming weights of each unit of a `Dense` kernel,
            `[0, 1, 2]` for each filter of a channels-last `Conv2D` kernel).

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_regularizing import UnitNorm
    >>> w = np.array([[3.0, 0.0], [4.0, 2.0]], dtype="float32")
    >>> print(keras.ops.convert_to_numpy(UnitNorm(axis=0)(w)).round(3))
    [[0.6 0. ]
     [0.8 1. ]]

    References:
        Equivalent to `keras.constraints.UnitNorm`, against which it is tested.
    """

    def __init__(self, axis=0):
        self.axis = check_axis("axis", axis, allow_many=True)

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        return w / (keras.config.epsilon() + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


@keras.saving.register_keras_serializable(package="zoo_regularizing")
class MinMaxNorm(keras.constraints.Constraint):
    """Moves each unit's incoming weight norm into `[min_value, max_value]`.

    Each weight vector (norm over `axis`) is rescaled to the norm
    `rate * clip(norm, min_value, max_value) + (1 - rate) * norm`: with
    `rate=1` the norm lands in the interval at once, with a smaller `rate` it
    moves there a step at a time.

    Args:
        min_value: Non-negative float, the smallest norm allowed.
        max_value: Float `>= min_value`, the largest norm allowed.
        rate: Float in `[0, 1]`, how far to move the norm into the interval
            at each application.
        axis: Integer or list of integers, the axes the norm runs over
            (`0` for the incoming weights of each unit of a `Dense` kernel).

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_regularizing import MinMaxNorm
    >>> w = np.array([[0.3, 3.0, 0.6], [0.4, 4.0, 0.8]], dtype="float32")
    >>> constraint = MinMaxNorm(min_value=1.0, max_value=2.0)
    >>> w = keras.ops.convert_to_numpy(constraint(w))
    >>> print(np.linalg.norm(w, axis=0).round(3))
    [1. 2. 1.]

    References:
        Equivalent to `keras.constraints.MinMaxNorm`, against which it is tested.
    """

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate=1.0, axis=0):
        check_non_negative("min_value", min_value)
        require(
            is_real(max_value) and max_value >= min_value,
            "max_value",
            max_value,
            f"a number >= min_value={min_value!r}",
        )
        check_fraction("rate", rate)
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = check_axis("axis", axis, allow_many=True)

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        desired = (
            self.rate * ops.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        )
        return _rescale(w, norms, desired)

    def get_config(self):
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "rate": self.rate,
            "axis": self.axis,
        }


@keras.saving.register_keras_serializable(package="zoo_regularizing")
class Clip(keras.constraints.Constraint):
    """Clips every weight to the interval `[min_value, max_value]`.

    Weight clipping keeps a network's weights bounded, as in the critic of
    the original Wasserstein GAN (`Clip(-0.01, 0.01)`).

    Args:
        min_value: Float, the smallest weight allowed.
        max_value: Float `>= min_value`, the largest weight allowed.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_regularizing import Clip
    >>> w = np.array([-2.0, -0.5, 0.25, 3.0], dtype="float32")
    >>> print(keras.ops.convert_to_numpy(Clip(min_value=-1.0, max_value=1.0)(w)))
    [-1.   -0.5   0.25  1.  ]

    References:
        Arjovsky et al., 2017, Wasserstein GAN (https://arxiv.org/abs/1701.07875),
        for its use; the formula is checked against numpy in the family's tests.
    """

    def __init__(self, min_value: float, max_value: float):
        require(is_real(min_value), "min_value", min_value, "a finite number")
        require(
            is_real(max_value) and max_value >= min_value,
            "max_value",
            max_value,
            f"a finite number >= min_value={min_value!r}",
        )
        self.min_value = min_value
        self.max_value = max_value

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        return ops.clip(w, self.min_value, self.max_value)

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value}
