"""Model-parallel training on JAX: ``keras.distribution.ModelParallel`` over two host
devices (``XLA_FLAGS=--xla_force_host_platform_device_count=2``), the weights
sharded over a ``model`` axis by the layout ``zoo.layout_map`` makes from the
registered hints.

JAX fixes its devices when it first uses them, so this runs in a process of its
own, one per session (as ``zoo.testing.workers.data_parallel``). A request names a
saved ``.keras`` model and its data; the worker trains one copy unsharded and
one copy sharded (a mesh of shape ``(1, 2)``: the batch whole, the weights
split), and answers both sets of weights and which weights were split.

Run as ``python -m zoo.testing.workers.model_parallel``: one JSON request a line on
stdin, one JSON answer a line on stdout.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from zoo.testing.workers.protocol import Worker, serve, training_data, training_request

DEVICES = 2
#: Training steps of each run.
STEPS = 3
ENGINE = "keras.distribution.ModelParallel"
_worker = Worker.on_host_devices("zoo.testing.workers.model_parallel", DEVICES)
start = _worker.start


@dataclass
class Trained:
    """The unsharded and the sharded copies' weights after training, and which
    weights were split over the devices."""

    names: list[str]
    single_weights: list[np.ndarray]
    sharded_weights: list[np.ndarray]
    split: list[str]
    losses: list[float]


def train_both(
    path: Path,
    x: np.ndarray,
    targets: list[np.ndarray] | None,
    modules: list[str],
    hints: dict[str, dict[str, list[str | None]]] | None = None,
) -> Trained:
    """Train the model saved at ``path`` for ``STEPS`` steps of ``x`` (one batch),
    unsharded and sharded by its layout hints; ``targets`` ``None`` for a model with
    its own loss; ``modules`` are imported first (where the model's classes live).
    ``hints`` (Keras class name -> layout hint) add to the worker's registered ones:
    a plugin registered in this process only is unknown there."""
    with training_request(path, x, targets, modules, hints=hints or {}) as (folder, request):
        answer = _worker.ask(request)
        if "error" in answer:
            raise AssertionError(f"model-parallel training failed: {answer['error']}")
        found = np.load(Path(folder) / "answer.npz")
        count = len(answer["names"])
        return Trained(
            answer["names"],
            [found[f"single_{i}"] for i in range(count)],
            [found[f"sharded_{i}"] for i in range(count)],
            answer["split"],
            answer["losses"],
        )


def _fit(model: Any, x: np.ndarray, targets: Any) -> list[float]:
    import keras

    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=None if targets is None else "mse")
    history = model.fit(x, targets, batch_size=len(x), epochs=STEPS, shuffle=False, verbose=0)
    return [float(v) for v in history.history["loss"]]


def _answer(request: dict[str, Any]) -> dict[str, Any]:
    import jax
    import keras

    import zoo

    folder = Path(request["folder"])
    x, targets = training_data(request)

    single = keras.saving.load_model(request["model"], compile=False)
    mesh = keras.distribution.DeviceMesh(
        (1, DEVICES), ("batch", "model"), devices=jax.devices("cpu")[:DEVICES]
    )
    hints = zoo.layout_hints()
    for name, hint in request["hints"].items():
        hints[keras.saving.get_registered_object(name)] = {k: tuple(v) for k, v in hint.items()}
    layouts = zoo.layout_map(single, mesh, hints)
    _fit(single, x, targets)
    distribution = keras.distribution.ModelParallel(layout_map=layouts, batch_dim_name="batch")
    with distribution.scope():
        sharded = keras.saving.load_model(request["model"], compile=False)
        losses = _fit(sharded, x, targets)
    split = [
        v.path
        for v in sharded.variables
        if len(v.value.sharding.device_set) > 1 and not v.value.sharding.is_fully_replicated
    ]
    arrays = {}
    for i, (a, b) in enumerate(zip(single.variables, sharded.variables, strict=True)):
        arrays[f"single_{i}"] = keras.ops.convert_to_numpy(a)
        arrays[f"sharded_{i}"] = keras.ops.convert_to_numpy(b)
    np.savez(folder / "answer.npz", **arrays)
    return {"names": [v.path for v in sharded.variables], "split": split, "losses": losses}


if __name__ == "__main__":
    import zoo  # noqa: F401  (loads every plugin, which registers its classes)

    serve(_answer)
