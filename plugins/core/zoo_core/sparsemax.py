"""`Sparsemax`: the Euclidean projection of logits onto the probability simplex."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from zoo.validation import check_axis, require_float_input


def sparsemax(logits: Any, axis: int = -1) -> Any:
    """The sparsemax of `logits` along `axis`: the point of the probability simplex
    nearest to them, `max(logits - tau, 0)` with `tau` such that the outputs sum to 1.

    Computed in float32 at least (float64 stays float64) and returned in the
    logits' dtype. Its gradient is the exact one of the projection: on the
    support `S` (the non-zero outputs), `d out_i / d z_j = [i in S](delta_ij - [j in S] / |S|)`.

    Args:
        logits: Floating-point tensor.
        axis: The axis to project along.

    Returns:
        A tensor of the shape and dtype of `logits`, non-negative, summing to 1 along `axis`;
        NaN along `axis` where the projection is undefined (a NaN or a +inf logit there,
        or only -inf ones), as TF Addons' sparsemax.
    """
    dtype = keras.backend.standardize_dtype(logits.dtype)
    # float16 cumulative sums lose the threshold; the projection is computed in float32.
    work = "float64" if dtype == "float64" else "float32"
    z = ops.moveaxis(ops.cast(logits, work), axis, -1)
    # The projection commutes with a shift; shifting by the maximum keeps the cumulative
    # sums small, so the threshold does not cancel catastrophically for large logits.
    peak = ops.stop_gradient(ops.max(z, axis=-1, keepdims=True))
    # A row with a +inf logit, or only -inf ones, or a NaN has no projection (the
    # threshold would be inf - inf): its output is NaN, as softmax's and TF Addons'
    # sparsemax's, not a row of zeros that is no distribution. Without branching, so
    # it compiles; the other rows are untouched.
    undefined = ops.logical_or(
        ops.logical_not(ops.isfinite(peak)), ops.isnan(ops.sum(z, axis=-1, keepdims=True))
    )
    z = z - peak
    descending = ops.flip(ops.sort(z, axis=-1), axis=-1)
    rank = ops.cast(ops.arange(1, ops.shape(z)[-1] + 1), work)
    # Entry k of the sorted logits is in the support iff 1 + k z_(k) > z_(1) + ... + z_(k)
    # (Martins & Astudillo 2016, eq. 8): a prefix of the sorted order.
    in_support = 1.0 + rank * descending > ops.cumsum(descending, axis=-1)
    size = ops.sum(ops.cast(in_support, work), axis=-1, keepdims=True)
    top = ops.sum(ops.where(in_support, descending, 0.0), axis=-1, keepdims=True)
    threshold = (top - 1.0) / size
    # The threshold is found on sorted values; the gradient is taken through a recomputation
    # on the unsorted ones with the support held fixed, which is exactly the projection's
    # Jacobian and needs no gradient of sort. (An entry equal to the threshold changes
    # nothing: with or without it the mean below is the same.)
    support = z > ops.stop_gradient(threshold)
    count = ops.sum(ops.cast(support, work), axis=-1, keepdims=True)
    threshold = (ops.sum(ops.where(support, z, 0.0), axis=-1, keepdims=True) - 1.0) / count
    outputs = ops.where(support, z - threshold, 0.0)
    outputs = ops.where(undefined, float("nan"), outputs)
    return ops.cast(ops.moveaxis(outputs, -1, axis), dtype)


@keras.saving.register_keras_serializable(package="zoo_core")
class Sparsemax(keras.layers.Layer):
    """Sparsemax: the projection of the logits onto the probability simplex.

    Like softmax it maps logits to probabilities (non-negative, summing to 1
    along `axis`), but it is the Euclidean projection onto the simplex,
    `max(z - tau, 0)`, so small logits get exactly zero probability. The
    threshold `tau` is found exactly by sorting; the gradient is the
    projection's own. (Keras 3.15.1's `keras.activations.sparsemax` gives
    wrong values whenever more than one output is non-zero,
    keras-team/keras#23425; this layer does not use it.)

    Args:
        axis: Integer, the axis along which the projection is taken (default:
            the last).
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        Any floating-point tensor with at least one axis besides the batch.

    Output shape:
        The input shape.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_core import Sparsemax
    >>> x = np.array([[0.1, 0.2, 0.3], [0.0, 1.5, 0.2]], dtype="float32")
    >>> y = keras.ops.convert_to_numpy(Sparsemax()(x))
    >>> print(np.round(y, 4))
    [[0.2333 0.3333 0.4333]
     [0.     1.     0.    ]]
    >>> print(np.round(y.sum(axis=-1), 4))
    [1. 1.]

    References:
        Martins & Astudillo, 2016, From Softmax to Sparsemax: A Sparse Model of
        Attention and Multi-Label Classification (https://arxiv.org/abs/1602.02068).
        TensorFlow Addons' `tfa.layers.Sparsemax`, whose arguments it keeps.
    """

    def __init__(self, axis: int = -1, **kwargs):
        axis = check_axis("axis", axis)
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True
        self.input_spec = keras.InputSpec(min_ndim=2)

    def build(self, input_shape):
        rank = len(input_shape)
        if rank < 2 or not -rank <= self.axis < rank or self.axis % rank == 0:
            raise ValueError(
                f"Invalid `axis`: expected an axis other than the batch axis of an input "
                f"of rank >= 2, received axis={self.axis} for input shape {tuple(input_shape)}."
            )

    def call(self, inputs):
        require_float_input(self, inputs)
        return sparsemax(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
