"""What an optimizer's update costs beside Adam's: one step of each over the same
ten-million-parameter set of variables and gradients, timed in alternating rounds in
one process (the layer bench's machinery), compiled as each backend's trainer
compiles it (`zoo.bench.seams`: ``apply_step``).

The update alone, not a training step: a step adds the forward and backward passes of
whatever model holds the weights, which cost the same whatever the optimizer and would
only dilute the ratio. Written by ``zoo bench --optimizers`` into the backend's part
of the benchmark record (``"optimizers"``), read by each optimizer's page.
"""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np

from zoo.bench.paired import timed_each, timed_pair
from zoo.bench.seams import seam
from zoo.registry import Registered

#: Ten variables of a million parameters: a small model's worth, large enough that the
#: update, not the call overhead, is what is timed.
SHAPES: tuple[tuple[int, ...], ...] = ((1000, 1000),) * 10
ROUNDS = 15
ROUND_SECONDS = 0.1
SIDES = ("zoo", "twin")
#: What the ratio is to, and what is timed, for the CLI and the pages.
TWIN = "Adam"
#: The timed side's column on the pages.
SIDE = "this one"
WHAT = (
    "one update of ten million parameters (ten 1000x1000 variables), compiled as `fit` "
    "compiles it, beside Keras' `Adam`"
)
#: Its field in a backend's part of the benchmark record.
FIELD = "optimizers"


def twin() -> keras.optimizers.Optimizer:
    """What every optimizer is timed beside: Keras' Adam at its defaults."""
    return keras.optimizers.Adam()


def _problem(seed: int = 0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=shape).astype("float32") for shape in SHAPES]
    # Small gradients: a thousand steps must leave the weights and slots finite.
    grads = [(1e-3 * rng.normal(size=shape)).astype("float32") for shape in SHAPES]
    return weights, grads


def timed_updates(
    sides: dict[str, keras.optimizers.Optimizer], rounds: int = ROUNDS
) -> dict[str, Any]:
    """Seconds per update of the ``"zoo"`` and the ``"twin"`` optimizer, each over its own
    copy of the same variables and gradients, and their ratio."""
    weights, grads = _problem()
    steps = {}
    for side in SIDES:
        variables = [keras.Variable(w, name=f"w{i}") for i, w in enumerate(weights)]
        tensors = [keras.ops.convert_to_tensor(g) for g in grads]
        steps[side] = seam().apply_step(sides[side], variables, tensors)
    return timed_pair(steps, rounds, ROUND_SECONDS)


def bench_optimizer(item: Registered, rounds: int = ROUNDS) -> dict[str, Any]:
    """Seconds per update of ``item``'s example optimizer and of Adam, and their ratio."""
    return timed_updates({"zoo": item.entry.make(), "twin": twin()}, rounds)


def bench_all(items: list[Registered], rounds: int = ROUNDS) -> dict[str, Any]:
    """The ``"optimizers"`` field of a backend's part of the benchmark record."""
    return {
        **timed_each(items, bench_optimizer, rounds),
        "parameters": sum(math.prod(shape) for shape in SHAPES),
    }
