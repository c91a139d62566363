"""Conformance check of training across processes: two TensorFlow workers under
``tf.distribute.MultiWorkerMirroredStrategy`` (see ``zoo.testing.workers.multi_worker``)
reach what one device reaches on the same global batch.

What is compared, honestly:

- every layer: both workers end with the same variables (weights, moving
  statistics, seed states), and training stays finite;
- a layer deterministic in training: every variable equals one device's, within
  float32 round-off (the gradients' all-reduce adds in another order). This is
  where a statistic taken per worker instead of over the global batch shows
  (say, batch statistics left unsynchronized, or a running sum that forgets
  the other worker's share);
- a random layer: the workers draw their own noise for their own half of the
  batch, which no one-device run can reproduce; but each seed state must have
  advanced exactly as one device's did (as many draws a step), and both workers
  must agree on it, or a resumed or replicated run would draw other numbers.

JAX and PyTorch: "n/a" (JAX's multi-process engine is ``jax.distributed``
across hosts, checked in one process by ``data_parallel`` and ``model_parallel``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import keras
import numpy as np

from zoo.backends import where
from zoo.registry import Registered
from zoo.testing.checks.distribution import distributed_setup
from zoo.testing.kit import Column, check
from zoo.testing.workers import multi_worker


def _one_device(path: Path, x: np.ndarray, targets: list[np.ndarray] | None) -> list[np.ndarray]:
    """Every variable after ``STEPS`` steps of ``fit`` on the whole batch, on one device."""
    model = keras.saving.load_model(path, compile=False)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=None if targets is None else "mse")
    y = None if targets is None else (targets[0] if len(targets) == 1 else tuple(targets))
    model.fit(x, y, batch_size=len(x), epochs=multi_worker.STEPS, shuffle=False, verbose=0)
    return [np.asarray(keras.ops.convert_to_numpy(v)) for v in model.variables]


# Slow: a worker pair's start-up once a session (~10-90 s, with the machine's load),
# then a few seconds a layer.
@check(
    "layer",
    slow=True,
    backends=where("multi_worker"),
    warm=multi_worker.start,
    column=Column(60, "multi-worker"),
)
def check_multi_worker(item: Registered) -> None:
    """Trained by two worker processes under MultiWorkerMirroredStrategy, it reaches
    one device's variables (seed states only, for a random layer)."""
    x, model, random, targets = distributed_setup(item, multi_worker.WORKERS)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        trained = multi_worker.train(path, x, targets, [item.cls.__module__])
        single = _one_device(path, x, targets)
    engine = multi_worker.ENGINE
    for worker, losses in enumerate(trained.losses):
        assert np.isfinite(losses).all(), f"training losses of worker {worker}: {losses}"
    first, second = trained.variables
    for name, a, b in zip(trained.names, first, second, strict=True):
        assert np.isfinite(a).all(), f"{name} is not finite after training under {engine}"
        np.testing.assert_allclose(
            a, b, atol=1e-6, rtol=1e-6, err_msg=f"{name}: worker 0 and worker 1 disagree"
        )
    assert len(single) == len(first), (
        f"{len(first)} variables under {engine}, {len(single)} on one device"
    )
    what = f"after {multi_worker.STEPS} steps under {engine} vs one device"
    for name, found, expected in zip(trained.names, first, single, strict=True):
        seed_state = "int" in str(found.dtype)
        if random and not seed_state:
            continue  # each worker's own noise: nothing one device can reproduce
        np.testing.assert_allclose(
            found, expected, atol=1e-4, rtol=1e-4, err_msg=f"variable {name} {what}"
        )
