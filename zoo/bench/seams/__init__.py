"""What differs per backend in the bench, one module per backend, as Keras lays out
``keras/src/backend/``: ``zoo.bench.seams.<name>`` for each `zoo.backends.Backend`,
every module with the same functions:

- ``step(layer, x, mode, upstream)``: a callable running the layer's forward pass
  (``upstream`` None) or forward and backward from ``upstream`` in ``mode``, and
  waiting for the result (JAX dispatches asynchronously);
- ``matmul_flops(layer, x)``: FLOPs of the matrix products one forward call runs;
- ``train_step(model, data)``: a callable running one compiled training step of a
  compiled model as `fit` calls it, and waiting for it;
- ``apply_step(optimizer, variables, grads)``: a callable applying ``grads`` to
  ``variables`` with ``optimizer`` as the backend's trainer does, and waiting for it;
- ``loss_step(loss, y_true, y_pred)``: a callable computing the loss and its gradient
  with respect to ``y_pred``, compiled as a train step is, and waiting for it;
- ``peak_memory(step)``: peak device bytes over two calls of ``step``, ``None`` where
  the device does not report it (CPUs);
- ``fresh()``: drop compiled code from earlier steps before compiling new ones.
- ``inference(fn, layer, mode)``: ``fn``, a call of ``layer``'s, compiled for
  inference in ``mode`` (decoding one token per call);
- ``wait(value)``: ``value`` once computed (JAX dispatches asynchronously).

Each module imports its framework when a function is called, so a process imports
only the framework it runs on. The helpers below are shared by them.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

import keras
import numpy as np

from zoo.backends import backend

Step = Callable[[], Any]


def seam(name: str | None = None) -> ModuleType:
    """The seam module of backend ``name`` (default: this process's)."""
    return importlib.import_module(f"{__name__}.{backend(name).name}")


def is_float(tensor: Any) -> bool:
    return bool(keras.backend.is_float_dtype(keras.backend.standardize_dtype(tensor.dtype)))


def float_outputs(outputs: Any) -> list[Any]:
    return [t for t in keras.tree.flatten(outputs) if is_float(t)]


def targets(outputs: Any, losses: Iterable[Any]) -> list[Any]:
    """What the backward pass differentiates: every float output, and every added loss.

    Several outputs (a model returning a tuple) are differentiated together,
    which is the gradient of their sum.
    """
    return float_outputs(outputs) + [loss for loss in losses if is_float(loss)]


def product_flops(output_shape: Iterable[int], inner: int) -> int:
    """2 per multiply-add of a product with this output shape and inner dimension."""
    return 2 * math.prod(output_shape) * inner


def fit_once(model: keras.Model, data: tuple[np.ndarray, ...]) -> None:
    """One `fit` step on ``data``, which builds what the train step needs and compiles it."""
    x, y = data[0], data[1] if len(data) > 1 else None
    model.fit(x, y, batch_size=len(x), epochs=1, verbose=0, shuffle=False)
