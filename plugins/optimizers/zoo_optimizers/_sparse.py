"""Sparse gradients: the rows a `tf.IndexedSlices` gradient holds.

Keras 3 hands an optimizer a sparse gradient (an embedding's, or one made by hand)
on TensorFlow only; JAX and PyTorch give dense ones. TF Addons' optimizers
updated only those rows (their `_resource_apply_sparse`), which differs from the
dense update wherever a zero gradient still moves a weight or a moment.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops


def sparse_rows(gradient: Any) -> tuple[Any, Any] | None:
    """The rows and values of a TensorFlow `IndexedSlices` gradient, duplicates
    summed (as TF Addons' sparse apply received them), or None for a dense one."""
    if keras.backend.backend() != "tensorflow":
        return None
    import tensorflow as tf

    if not isinstance(gradient, tf.IndexedSlices):
        return None
    rows, positions = tf.unique(gradient.indices)
    values = tf.math.unsorted_segment_sum(gradient.values, positions, tf.shape(rows)[0])
    return rows, values


def densified(gradient: Any, variable: Any) -> tuple[Any, Any]:
    """The gradient as a dense tensor of `variable`'s shape (zero off the rows of a
    sparse one), and the rows of a sparse one (None for a dense one). For updates
    whose moments decay on every row while the variable moves on the rows only."""
    sparse = sparse_rows(gradient)
    if sparse is None:
        return gradient, None
    rows, values = sparse
    return ops.scatter(ops.expand_dims(rows, -1), values, ops.shape(variable)), rows


def take_rows(tensor: Any, rows: Any) -> Any:
    return ops.take(tensor, rows, axis=0)


def with_rows(tensor: Any, rows: Any, values: Any) -> Any:
    """`tensor` with its `rows` replaced by `values`."""
    return ops.scatter_update(tensor, ops.expand_dims(rows, -1), values)
