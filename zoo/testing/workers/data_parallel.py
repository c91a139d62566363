"""Data-parallel training over two devices of this machine, with the engine each
backend provides:

- TensorFlow: ``tf.distribute.MirroredStrategy`` over two logical CPUs;
- JAX: ``keras.distribution.DataParallel`` over two host devices
  (``XLA_FLAGS=--xla_force_host_platform_device_count=2``);
- PyTorch: none that Keras drives in one process (``SUPPORTED``).

The engines are the backends' records' (``zoo.backends``), the code that sets each
up its seam's ``data_parallel_scope`` (``zoo.testing.seams``).

Both TensorFlow and JAX fix their devices the first time they use them, so the
two devices must be configured before anything else runs: in a process of its
own. As with loading in a new process (``fresh_process``), one worker serves
every request of a session, since starting a backend costs seconds.

A request names a saved ``.keras`` model and its training data; the worker
trains one copy on one device and another copy data-parallel over both, with
the same global batch, and sends back both sets of weights and predictions.

Run as ``python -m zoo.testing.workers.data_parallel``: one JSON request a line on
stdin, one JSON answer a line on stdout.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from zoo.backends import ALL
from zoo.testing.workers.protocol import Worker, serve, training_data, training_request

REPLICAS = 2
#: Training steps of each run: enough for a difference to build up, few enough to be quick.
STEPS = 3
#: The backends with a data-parallel engine this kit drives, and its name.
SUPPORTED: dict[str, str] = {b.name: b.data_parallel for b in ALL if b.data_parallel}
_worker = Worker.on_host_devices("zoo.testing.workers.data_parallel", REPLICAS)
start = _worker.start


@dataclass
class Trained:
    """What one device and two data-parallel replicas made of the same model and data."""

    single_weights: list[np.ndarray]
    parallel_weights: list[np.ndarray]
    single_outputs: list[np.ndarray]
    parallel_outputs: list[np.ndarray]
    parallel_losses: list[float]


def train_both(
    path: Path,
    x: np.ndarray,
    targets: list[np.ndarray] | None,
    modules: list[str],
) -> Trained:
    """Train the model saved at ``path`` for ``STEPS`` steps of the whole of ``x`` (one
    batch), on one device and data-parallel on two; ``targets`` ``None`` for a model
    with its own loss. ``modules`` are imported first (where the model's classes live)."""
    with training_request(path, x, targets, modules) as (folder, request):
        answer = _worker.ask(request)
        if "error" in answer:
            raise AssertionError(f"data-parallel training failed: {answer['error']}")
        found = np.load(folder / "answer.npz")

        def listed(prefix: str) -> list[np.ndarray]:
            return [found[f"{prefix}_{i}"] for i in range(answer[prefix])]

        return Trained(
            listed("single_weights"),
            listed("parallel_weights"),
            listed("single_outputs"),
            listed("parallel_outputs"),
            answer["losses"],
        )


def _train(request: dict[str, Any], parallel: Any, arrays: dict[str, Any]) -> list[float]:
    import keras

    x, targets = training_data(request)
    losses: list[float] = []
    for name, scope in (("single", contextlib.nullcontext()), ("parallel", parallel())):
        with scope:
            model = keras.saving.load_model(request["model"], compile=False)
            model.compile(
                optimizer=keras.optimizers.SGD(0.1),
                loss=None if targets is None else "mse",
            )
            history = model.fit(
                x, targets, batch_size=len(x), epochs=STEPS, shuffle=False, verbose=0
            )
            outputs = keras.tree.flatten(model.predict(x, batch_size=len(x), verbose=0))
        losses = [float(v) for v in history.history["loss"]]
        weights = [np.asarray(w) for w in model.get_weights()]
        for i, value in enumerate(weights):
            arrays[f"{name}_weights_{i}"] = value
        for i, value in enumerate(outputs):
            arrays[f"{name}_outputs_{i}"] = np.asarray(value)
        arrays[f"{name}_counts"] = (len(weights), len(outputs))
    return losses


def _answer(request: dict[str, Any], parallel: Any) -> dict[str, Any]:
    arrays: dict[str, Any] = {}
    losses = _train(request, parallel, arrays)
    answer: dict[str, Any] = {"losses": losses}
    for name in ("single", "parallel"):
        weights, outputs = arrays.pop(f"{name}_counts")
        answer[f"{name}_weights"] = weights
        answer[f"{name}_outputs"] = outputs
    np.savez(Path(request["folder"]) / "answer.npz", **arrays)
    return answer


if __name__ == "__main__":
    from zoo.testing import seams

    # Before anything else touches the devices.
    parallel = seams.seam().data_parallel_scope(REPLICAS)
    import zoo  # noqa: F401  (loads every plugin, which registers its classes)

    serve(lambda request: _answer(request, parallel))
