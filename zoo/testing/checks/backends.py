"""Conformance check of the backends: the same numbers on every installed backend.

A layer's outputs and gradients, with the same weights on the same input, are
computed on TensorFlow, JAX and PyTorch, each in its own process (see
``zoo.testing.workers.cross_backend``), and must agree within the entry's
``backend_tolerance``. The input's gradient is compared only where one is due (the
entry's ``input_gradient``, and not for indices).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import keras
import numpy as np

from zoo.backends import cross_backend_peers
from zoo.registry import Registered
from zoo.testing import seams
from zoo.testing.helpers import (
    deterministic_in_training,
    example_input,
    layer_entry,
    model_around,
    to_numpy,
)
from zoo.testing.kit import Column, check
from zoo.testing.workers.cross_backend import ask, compute, start

_INPUT_GRADIENT = "the gradient w.r.t. the input"


def _names(model: keras.Model, outputs: int) -> list[str]:
    return [
        *(f"output {i}" for i in range(outputs)),
        _INPUT_GRADIENT,
        *(f"the gradient w.r.t. {w.path}" for w in model.trainable_weights),
    ]


def _start_the_peers() -> None:
    start(cross_backend_peers())


@check(
    "layer",
    slow=True,
    applies=lambda item: bool(cross_backend_peers()),
    warm=_start_the_peers,
    column=Column(90, "same on every backend"),
)
def check_cross_backend(item: Registered) -> None:
    """Outputs and gradients agree on every installed backend, with the same weights.

    Under ``zoo check --backend all`` each backend's process compares with the next one
    in a ring (``zoo.backends.ring_peers``): together they compare every pair once."""
    entry = layer_entry(item)
    x = example_input(entry)
    model = model_around(entry.make(), entry)
    # Random layers are compared in inference, where they are deterministic.
    training = deterministic_in_training(model, x)
    here = compute(model, x, training, seed=1)
    names = _names(model, len(to_numpy(model(x))))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        for other in cross_backend_peers():
            there = ask(other, path, x, training, [item.cls.__module__])
            assert len(there) == len(here), f"{len(there)} results on {other}, not {len(here)}"
            for name, a, b in zip(names, here, there, strict=True):
                if name == _INPUT_GRADIENT and not entry.differentiates_input:
                    continue  # indices, or values the output ignores: no gradient is due
                scale = max(1.0, float(np.max(np.abs(a))) if a.size else 1.0)
                error = float(np.max(np.abs(a - b))) / scale if a.size else 0.0
                assert error <= entry.backend_tolerance, (
                    f"{name} on {other} is {error:.3g} (relative) from {seams.current()}'s "
                    f"({training=}), more than the entry's backend_tolerance "
                    f"{entry.backend_tolerance}"
                )
