"""What differs per Keras backend, for the kit: the one seam between the checks
and TensorFlow, JAX or PyTorch.

Everything else in the kit is written with ``keras`` and ``numpy`` alone. Here,
and only here, the kit takes gradients (a TensorFlow tape, ``jax.grad`` over
the variables' values in a ``keras.StatelessScope``, torch autograd), each backend
in a module of its own named after it (``zoo.testing.seams.<name>``, with the same
functions: ``gradients``, ``data_parallel_scope``, ``traces``, ``fresh``), as Keras lays out
``keras/src/backend/``; the facts (the most precise float, string tensors) are the
backend's record in ``zoo.backends``. Compiled execution and data-parallel training go through
Keras itself (``Model.compile(jit_compile=True)``; ``zoo.testing.workers.data_parallel``).
The backend is the one Keras runs on, chosen by ``KERAS_BACKEND``.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterator, Sequence
from types import ModuleType
from typing import Any

import keras
import numpy as np

from zoo.backends import ALL, BACKENDS, backend, current, where

__all__ = ["BACKENDS", "current", "gradients", "most_precise", "seam"]

#: Backends with a string tensor type, where a string input reaches a layer as strings
#: (elsewhere Keras has nothing to hold them and refuses or converts them itself).
STRING_TENSORS: tuple[str, ...] = where("string_tensors")


Gradients = tuple[float, list[np.ndarray | None], list[np.ndarray | None]]


def seam(name: str | None = None) -> ModuleType:
    """The kit's seam module of backend ``name`` (default: this process's)."""
    return importlib.import_module(f"{__name__}.{backend(name).name}")


def gradients(
    objective: Callable[..., Any], inputs: Sequence[np.ndarray], layer: keras.layers.Layer
) -> Gradients:
    """The value of ``objective(*inputs)``, a scalar computed with ``layer``, and its
    gradients with respect to each input and each of ``layer.trainable_weights``, as
    numpy arrays.

    A gradient is ``None`` where the backend says the objective does not depend on
    that input or weight at all (TensorFlow, torch); JAX gives zeros there. Inputs
    that are not floating-point (indices) are passed as they are and get ``None``. Updates
    the objective makes to the layer's other variables (moving statistics, seed
    states) are kept, as an eager call keeps them. The objective sees the losses
    layers add (``layer.losses``) on every backend.
    """
    inputs = list(inputs)
    floating = [i for i, x in enumerate(inputs) if np.issubdtype(np.asarray(x).dtype, np.inexact)]
    if len(floating) == len(inputs):
        every: Gradients = seam().gradients(objective, inputs, layer)
        return every

    def over_floats(*values: Any) -> Any:
        merged = list(inputs)
        for i, value in zip(floating, values, strict=True):
            merged[i] = value
        return objective(*merged)

    loss, found, weights = seam().gradients(over_floats, [inputs[i] for i in floating], layer)
    by_input: list[np.ndarray | None] = [None] * len(inputs)
    for i, gradient in zip(floating, found, strict=True):
        by_input[i] = gradient
    return loss, by_input, weights


def numpy_result(loss: Any, found: list[Any], count: int) -> Gradients:
    arrays = [None if g is None else np.asarray(keras.ops.convert_to_numpy(g)) for g in found]
    return float(keras.ops.convert_to_numpy(loss)), arrays[:count], arrays[count:]


def count_calls(layer: Any, run: Callable[[], Any]) -> int:
    """How many times ``layer.call`` ran while ``run()`` ran (inside a traced step:
    how many times the step was traced)."""
    original = layer.call
    count = [0]

    def counted(*args: Any, **kwargs: Any) -> Any:
        count[0] += 1
        return original(*args, **kwargs)

    layer.call = counted
    try:
        run()
    finally:
        del layer.call  # the class's own method again
    return count[0]


#: The most precise float Keras computes in, per backend: float64 stays float64 on
#: TensorFlow only (``keras.backend.result_type`` turns it into float32 on JAX and
#: PyTorch, as JAX does without its 64-bit mode).
MOST_PRECISE: dict[str, str] = {b.name: b.most_precise for b in ALL}


@contextlib.contextmanager
def most_precise() -> Iterator[str]:
    """Compute in the most precise float Keras offers on this backend (floatx and the
    dtype policy); yields its name."""
    dtype = backend().most_precise
    previous = keras.config.floatx(), keras.config.dtype_policy()
    keras.config.set_floatx(dtype)
    keras.config.set_dtype_policy(dtype)
    try:
        yield dtype
    finally:
        keras.config.set_floatx(previous[0])
        keras.config.set_dtype_policy(previous[1])
