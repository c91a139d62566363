"""What differs per Keras backend, for the kit: the one seam between the checks
and TensorFlow, JAX or PyTorch.

Everything else in the kit is written with ``keras`` and ``numpy`` alone. Here,
and only here, the kit takes gradients (a TensorFlow tape, ``jax.grad`` over
the variables' values in a ``keras.StatelessScope``, torch autograd) and knows
the most precise float each computes in. Compiled execution and data-parallel training go through
Keras itself (``Model.compile(jit_compile=True)``; ``zoo.testing.workers.data_parallel``).
The backend is the one Keras runs on, chosen by ``KERAS_BACKEND``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import keras
import numpy as np

from zoo.backends import BACKENDS, current

__all__ = ["BACKENDS", "current", "gradients", "most_precise"]

#: Backends with a string tensor type, where a string input reaches a layer as strings
#: (elsewhere Keras has nothing to hold them and refuses or converts them itself).
STRING_TENSORS = ("tensorflow",)


Gradients = tuple[float, list[np.ndarray | None], list[np.ndarray | None]]


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
        return _GRADIENTS[current()](objective, inputs, layer)

    def over_floats(*values: Any) -> Any:
        merged = list(inputs)
        for i, value in zip(floating, values, strict=True):
            merged[i] = value
        return objective(*merged)

    loss, found, weights = _GRADIENTS[current()](over_floats, [inputs[i] for i in floating], layer)
    by_input: list[np.ndarray | None] = [None] * len(inputs)
    for i, gradient in zip(floating, found, strict=True):
        by_input[i] = gradient
    return loss, by_input, weights


def _tensorflow_gradients(objective, inputs, layer) -> Gradients:
    import tensorflow as tf

    tensors = [tf.constant(x) for x in inputs]
    with tf.GradientTape() as tape:
        tape.watch(tensors)
        loss = objective(*tensors)
    found = tape.gradient(loss, [*tensors, *layer.trainable_weights])
    return _numpy_result(loss, found, len(tensors))


def _jax_gradients(objective, inputs, layer) -> Gradients:
    import jax

    trainable = list(layer.trainable_weights)
    others = [v for v in layer.variables if not any(v is t for t in trainable)]

    def pure(input_values, trainable_values):
        mapping = [*zip(trainable, trainable_values, strict=True), *((v, v.value) for v in others)]
        # collect_losses: else the losses layers add (add_loss) vanish from `layer.losses`.
        with keras.StatelessScope(state_mapping=mapping, collect_losses=True) as scope:
            loss = objective(*input_values)
        # Updates of the other variables leave the trace as values, applied below.
        return loss, [scope.get_current_value(v) for v in others]

    (loss, updates), found = jax.value_and_grad(pure, argnums=(0, 1), has_aux=True)(
        [jax.numpy.asarray(x) for x in inputs], [v.value for v in trainable]
    )
    for variable, value in zip(others, updates, strict=True):
        variable.assign(value)
    return _numpy_result(loss, [*found[0], *found[1]], len(inputs))


def _torch_gradients(objective, inputs, layer) -> Gradients:
    import torch

    tensors = [keras.ops.convert_to_tensor(x).detach().requires_grad_(True) for x in inputs]
    loss = objective(*tensors)
    sources = [*tensors, *(v.value for v in layer.trainable_weights)]
    found = torch.autograd.grad(loss, sources, allow_unused=True)
    return _numpy_result(loss, list(found), len(tensors))


def _numpy_result(loss: Any, found: list[Any], count: int) -> Gradients:
    arrays = [None if g is None else np.asarray(keras.ops.convert_to_numpy(g)) for g in found]
    return float(keras.ops.convert_to_numpy(loss)), arrays[:count], arrays[count:]


_GRADIENTS = {
    "tensorflow": _tensorflow_gradients,
    "jax": _jax_gradients,
    "torch": _torch_gradients,
}


#: The most precise float Keras computes in, per backend: float64 stays float64 on
#: TensorFlow only (``keras.backend.result_type`` turns it into float32 on JAX and
#: PyTorch, as JAX does without its 64-bit mode).
MOST_PRECISE = {"tensorflow": "float64", "jax": "float32", "torch": "float32"}


@contextlib.contextmanager
def most_precise() -> Iterator[str]:
    """Compute in the most precise float Keras offers on this backend (floatx and the
    dtype policy); yields its name."""
    dtype = MOST_PRECISE[current()]
    previous = keras.config.floatx(), keras.config.dtype_policy()
    keras.config.set_floatx(dtype)
    keras.config.set_dtype_policy(dtype)
    try:
        yield dtype
    finally:
        keras.config.set_floatx(previous[0])
        keras.config.set_dtype_policy(previous[1])
