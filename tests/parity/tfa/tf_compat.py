"""The few `tf.*` calls of TF Addons' CRF tests, on `keras.ops`, so they run on every backend.

A ported test imports this as ``tf`` and keeps its lines: ``tf.expand_dims``,
``tf.squeeze``, ``tf.constant``, ``tf.convert_to_tensor`` and ``tf.reduce_logsumexp``
are the `keras.ops` functions of the same meaning (TensorFlow's argument names where
they differ). Anything TensorFlow-only stays in the tests that need it, behind a
TensorFlow-backend skip.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops


def expand_dims(x: Any, axis: int) -> Any:
    return ops.expand_dims(ops.convert_to_tensor(x), axis)


def squeeze(x: Any, axis: Any = None) -> Any:
    if isinstance(axis, list | tuple):
        axis = tuple(axis) if len(axis) > 1 else axis[0]
    return ops.squeeze(ops.convert_to_tensor(x), axis=axis)


def constant(x: Any, dtype: Any = None) -> Any:
    return ops.convert_to_tensor(x, dtype=dtype)


def convert_to_tensor(x: Any, dtype: Any = None) -> Any:
    return ops.convert_to_tensor(x, dtype=dtype)


def reduce_logsumexp(x: Any, axis: Any = None) -> Any:
    if isinstance(x, list | tuple):
        x = ops.stack([ops.convert_to_tensor(item) for item in x])
    return ops.logsumexp(x, axis=axis)


#: ``tf.keras`` is Keras 3 itself.
keras = keras
