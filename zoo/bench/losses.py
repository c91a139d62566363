"""What a loss costs beside a plain classification loss: its value and its gradient
with respect to the predictions on a batch of 1024 rows, beside Keras'
``CategoricalCrossentropy`` on 1024 one-hot labels and logits of 128 classes, timed in
alternating rounds in one process, compiled as each backend's trainer compiles a step
(`zoo.bench.seams`: ``loss_step``).

A metric-learning loss builds a 1024 x 1024 matrix of distances; the issue's budget for
it is 1.5x the cross-entropy. Written by ``zoo bench --losses`` into the backend's part
of the benchmark record (``"losses"``), read by each loss's page.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from zoo.bench.paired import timed_each, timed_pair
from zoo.bench.seams import seam
from zoo.registry import LossEntry, Registered

ROWS = 1024
CLASSES = 128
ROUNDS = 15
ROUND_SECONDS = 0.1
TWIN = "CategoricalCrossentropy"
#: The timed side's column on the pages.
SIDE = "this one"
WHAT = (
    f"the loss and its gradient on a batch of {ROWS} rows, compiled as `fit` compiles a "
    f"step, beside Keras' `CategoricalCrossentropy` on {ROWS} one-hot labels and logits of "
    f"{CLASSES} classes"
)
FIELD = "losses"


def twin_batch(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = np.eye(CLASSES, dtype="float32")[rng.integers(0, CLASSES, size=ROWS)]
    return labels, rng.normal(size=(ROWS, CLASSES)).astype("float32")


def bench_batch(entry: LossEntry) -> tuple[Any, Any]:
    """The entry's bench batch, else its example batches of seeds 0, 1, ... joined to
    ``ROWS`` rows."""
    if entry.bench_batch is not None:
        return entry.bench_batch()
    parts, rows, seed = [], 0, 0
    while rows < ROWS:
        parts.append(entry.batch(seed))
        rows, seed = rows + len(parts[-1][1]), seed + 1
    y_true, y_pred = (np.concatenate(side)[:ROWS] for side in zip(*parts, strict=True))
    return y_true, y_pred


def bench_loss(item: Registered, rounds: int = ROUNDS) -> dict[str, Any]:
    """Seconds per forward and backward of ``item``'s example loss on its bench batch and
    of the cross-entropy on its own, and their ratio."""
    assert isinstance(item.entry, LossEntry)
    y_true, y_pred = bench_batch(item.entry)
    sides = {
        "zoo": (item.entry.make(), y_true, y_pred),
        "twin": (keras.losses.CategoricalCrossentropy(from_logits=True), *twin_batch()),
    }
    steps = {
        side: seam().loss_step(loss, keras.ops.convert_to_tensor(t), keras.ops.convert_to_tensor(p))
        for side, (loss, t, p) in sides.items()
    }
    return {**timed_pair(steps, rounds, ROUND_SECONDS), "batch": list(np.shape(y_pred))}


def bench_all(items: list[Registered], rounds: int = ROUNDS) -> dict[str, Any]:
    """The ``"losses"`` field of a backend's part of the benchmark record."""
    return {**timed_each(items, bench_loss, rounds), "twin_batch": [ROWS, CLASSES]}
