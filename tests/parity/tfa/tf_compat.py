"""The few TensorFlow names TF Addons' loss, metric, CRF and RNN-cell tests use, on Keras 3.

The ported tests import this as ``tf`` (their one edited import line), so their
bodies keep TF Addons' spelling (``tf.constant(..., shape=...)``,
``tf.keras.losses.Reduction.SUM``, ``tf.float16``) and run on every Keras
backend: a constant is a tensor of the backend Keras runs on, a dtype its
name, a reduction Keras 3's string for it, ``tf.squeeze`` or ``tf.reduce_logsumexp``
the `keras.ops` function of the same meaning (TensorFlow's argument names where they
differ). Anything TensorFlow-only stays in the tests that need it, behind a
TensorFlow-backend skip.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import keras as _keras
import numpy as np

float16, bfloat16, float32, float64 = "float16", "bfloat16", "float32", "float64"
int32, int64 = "int32", "int64"
dtypes = SimpleNamespace(
    float16=float16, half=float16, float32=float32, float64=float64, int32=int32, int64=int64
)


def constant(value: Any, dtype: Any = None, shape: Any = None) -> Any:
    """``tf.constant``: the value (reshaped to ``shape``) as a tensor of Keras' backend."""
    array = np.asarray(value)
    if shape is not None:
        # A single value fills the shape, as in tf.constant(1.0, shape=[4, 2]).
        array = (
            np.full(shape, array.item(), dtype=array.dtype)
            if array.size == 1
            else np.reshape(array, shape)
        )
    if dtype is not None:
        dtype = _keras.backend.standardize_dtype(dtype)
    elif array.dtype == np.float64:
        dtype = "float32"  # tf.constant makes float32 of Python floats
    return _keras.ops.convert_to_tensor(array, dtype=dtype)


def convert_to_tensor(value: Any, dtype: Any = None, name: Any = None) -> Any:
    # `name` names a graph node in TensorFlow; eager tensors of Keras 3 have none.
    return _keras.ops.convert_to_tensor(value, dtype=dtype)


def ones(shape: Any, dtype: Any = None) -> Any:
    return _keras.ops.ones(shape, dtype=dtype)


def constant_initializer(value: Any = 0) -> Any:
    return _keras.initializers.Constant(value)


def reduce_max(value: Any, axis: Any = None) -> Any:
    return _keras.ops.max(value, axis=axis)


def abs(value: Any) -> Any:  # TensorFlow's name; the builtin is shadowed in this module only
    return _keras.ops.absolute(value)


def divide(x: Any, y: Any) -> Any:
    return _keras.ops.divide(x, y)


def _reduce_sum(value: Any, axis: Any = None) -> Any:
    return _keras.ops.sum(_keras.ops.convert_to_tensor(value), axis=axis)


def _multiply(x: Any, y: Any) -> Any:
    # A TensorFlow IndexedSlices (the conditional-gradient tests' sparse gradients) is
    # made dense first, as tf.math.multiply did.
    return _keras.ops.multiply(_keras.ops.convert_to_tensor(x), _keras.ops.convert_to_tensor(y))


#: ``tf.linalg.eig`` and ``tf.math.count_nonzero`` (the ESN cell's tests), ``tf.math.reduce_sum``
#: and ``tf.math.multiply`` (the conditional-gradient tests').
linalg = SimpleNamespace(eig=_keras.ops.eig)
math = SimpleNamespace(
    count_nonzero=_keras.ops.count_nonzero, reduce_sum=_reduce_sum, multiply=_multiply
)


def zeros(shape: Any, dtype: Any = None) -> Any:
    return _keras.ops.zeros(shape, dtype=dtype)


def _embedding_lookup(params: Any, ids: Any) -> Any:
    """``tf.nn.embedding_lookup``: the rows ``ids`` of ``params`` (a list of tensors is
    their rows one after the other). On TensorFlow it is TensorFlow's, of the Keras
    variables' own ``tf.Variable``, so that its gradient is sparse (``IndexedSlices``),
    as the tests expect."""
    listed = params if isinstance(params, list | tuple) else [params]
    if _keras.backend.backend() == "tensorflow":
        import tensorflow

        unwrapped = [p.value if isinstance(p, _keras.Variable) else p for p in listed]
        return tensorflow.nn.embedding_lookup(
            unwrapped if isinstance(params, list | tuple) else unwrapped[0], ids
        )
    table = _keras.ops.concatenate([_keras.ops.convert_to_tensor(p) for p in listed], axis=0)
    return _keras.ops.take(table, _keras.ops.convert_to_tensor(ids), axis=0)


nn = SimpleNamespace(embedding_lookup=_embedding_lookup)


def expand_dims(value: Any, axis: int) -> Any:
    return _keras.ops.expand_dims(_keras.ops.convert_to_tensor(value), axis)


def squeeze(value: Any, axis: Any = None) -> Any:
    if isinstance(axis, list | tuple):
        axis = tuple(axis) if len(axis) > 1 else axis[0]
    return _keras.ops.squeeze(_keras.ops.convert_to_tensor(value), axis=axis)


def reduce_logsumexp(value: Any, axis: Any = None) -> Any:
    if isinstance(value, list | tuple):
        value = _keras.ops.stack([_keras.ops.convert_to_tensor(item) for item in value])
    return _keras.ops.logsumexp(value, axis=axis)


#: ``tf.keras.losses.Reduction``'s members as Keras 3 spells them.
Reduction = SimpleNamespace(
    NONE="none", SUM="sum", SUM_OVER_BATCH_SIZE="sum_over_batch_size", AUTO="sum_over_batch_size"
)


class _Losses(SimpleNamespace):
    """``tf.keras.losses``: Keras 3's, with ``Reduction``."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_keras.losses, name)


class _Optimizers(SimpleNamespace):
    """``tf.keras.optimizers``: Keras 3's, without ``legacy`` (Keras 3's raises an
    ImportError where TF Addons' tests test ``hasattr(..., "legacy")``)."""

    def __getattr__(self, name: str) -> Any:
        if name == "legacy":
            raise AttributeError(name)
        return getattr(_keras.optimizers, name)


class _Keras(SimpleNamespace):
    """``tf.keras``: Keras 3, whose ``losses`` has ``Reduction`` too."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_keras, name)


keras = _Keras(
    losses=_Losses(Reduction=Reduction),
    models=_keras.models,
    layers=_keras.layers,
    Sequential=_keras.Sequential,
    Model=_keras.Model,
    Input=_keras.Input,
    metrics=_keras.metrics,
    optimizers=_Optimizers(),
)


def matmul(a: Any, b: Any, transpose_a: bool = False, transpose_b: bool = False) -> Any:
    """``tf.matmul`` with its transpose flags (the N-pair tests' similarity matrices)."""
    a, b = _keras.ops.convert_to_tensor(a), _keras.ops.convert_to_tensor(b)
    a = _keras.ops.transpose(a) if transpose_a else a
    b = _keras.ops.transpose(b) if transpose_b else b
    return _keras.ops.matmul(a, b)


def function(fn: Any) -> Any:
    """``tf.function``: TensorFlow's on the TensorFlow backend (the streaming-correlation
    tests trace a metric's update in a graph); elsewhere the function itself, run eagerly,
    since JAX and PyTorch have no graph of that kind to check (Keras compiles fit's steps
    on every backend, which those tests also run)."""
    if _keras.backend.backend() == "tensorflow":
        import tensorflow

        return tensorflow.function(fn)
    return fn


# -- TF Addons' optimizer tests ----------------------------------------------------


class Variable(_keras.Variable):
    """``tf.Variable``: a Keras variable, with ``read_value`` (its value as numpy)."""

    def __init__(self, initial_value: Any, dtype: Any = None, name: Any = None) -> None:
        super().__init__(initial_value, dtype=dtype, name=name)

    def read_value(self) -> Any:
        return _keras.ops.convert_to_numpy(self.value)


def IndexedSlices(values: Any, indices: Any, dense_shape: Any) -> Any:  # noqa: N802 (TF's name)
    """``tf.IndexedSlices``: a sparse gradient, which Keras 3 has on TensorFlow only
    (the tests using it skip elsewhere)."""
    import tensorflow as _tf

    return _tf.IndexedSlices(values, indices, dense_shape)


#: ``tf.random.set_seed``: Keras' seed, for every backend.
random = SimpleNamespace(set_seed=_keras.utils.set_random_seed)

half = float16


def device(name: Any) -> Any:
    """``tf.device``: no placement; Keras 3 places tensors itself (the tests run on CPU)."""
    import contextlib

    return contextlib.nullcontext()
