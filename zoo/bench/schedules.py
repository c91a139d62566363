"""What a learning-rate schedule costs: one update of Keras' Adam driven by the schedule
(its entry's example), beside Adam with a constant learning rate, over the same
ten-million-parameter set of variables and gradients, timed as `zoo.bench.optimizers`
times an optimizer beside Adam (alternating rounds in one process, compiled as each
backend's trainer compiles the update).

The schedule is evaluated inside the update, at the optimizer's step count, which
advances with every update timed: warm-up and rounds take it well past the first steps,
so what is timed is the schedule at ordinary steps, not at step 0. Written by
``zoo bench --optimizers`` into the backend's part of the benchmark record
(``"schedules"``), read by each schedule's page.
"""

from __future__ import annotations

import math
from typing import Any

import keras

from zoo.bench import optimizers
from zoo.bench.paired import timed_each
from zoo.registry import Registered

ROUNDS = optimizers.ROUNDS
#: What the ratio is to, and what is timed, for the CLI and the pages.
TWIN = "Adam at a constant rate"
#: The timed side's column on the pages.
SIDE = "Adam with this schedule"
WHAT = (
    "one Adam update of ten million parameters (ten 1000x1000 variables) driven by the "
    "schedule, compiled as `fit` compiles it, beside Adam with a constant learning rate"
)
#: Its field in a backend's part of the benchmark record.
FIELD = "schedules"


def bench_schedule(item: Registered, rounds: int = ROUNDS) -> dict[str, Any]:
    """Seconds per update of Adam driven by ``item``'s example schedule and of Adam at
    its constant default rate, and their ratio."""
    scheduled = keras.optimizers.Adam(learning_rate=item.entry.make())
    return optimizers.timed_updates({"zoo": scheduled, "twin": optimizers.twin()}, rounds)


def bench_all(items: list[Registered], rounds: int = ROUNDS) -> dict[str, Any]:
    """The ``"schedules"`` field of a backend's part of the benchmark record."""
    return {
        **timed_each(items, bench_schedule, rounds),
        "parameters": sum(math.prod(shape) for shape in optimizers.SHAPES),
    }
