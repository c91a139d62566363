"""Computing on another backend: a worker process per installed backend
(``KERAS_BACKEND`` set before Keras starts, as a user would) loads a model saved
to ``.keras`` by the asking process, which also proves the file loads on that
backend, and computes its outputs and gradients on an input; the answers come
back as ``.npz`` files. The check is in ``backend_checks``.

Run as ``python -m zoo.testing.workers.cross_backend``: one JSON request a line on
stdin, one JSON answer a line on stdout.
"""

from __future__ import annotations

import importlib
import tempfile
from pathlib import Path
from typing import Any

import keras
import numpy as np

from zoo.testing import seams
from zoo.testing.helpers import projected, projections_for, to_numpy
from zoo.testing.workers.protocol import Worker, serve

_workers: dict[str, Worker] = {}


def compute(model: keras.Model, x: np.ndarray, training: bool, seed: int) -> list[np.ndarray]:
    """Outputs, the input's gradient and the trainable weights' gradients of a fixed
    random projection of the outputs, flattened into one list of arrays."""
    outputs = to_numpy(model(x, training=training))
    projections = projections_for(outputs, seed=seed)
    _, (input_gradient,), found = seams.gradients(
        lambda t: projected(model(t, training=training), projections), [x], model
    )
    sources = [x, *model.trainable_weights]
    return [
        *outputs,
        *(_dense(g, s) for g, s in zip([input_gradient, *found], sources, strict=True)),
    ]


def _dense(gradient: np.ndarray | None, like: Any) -> np.ndarray:
    # No gradient at all (TensorFlow, torch) is a zero gradient (as JAX gives it).
    shape = tuple(like.shape)
    return np.zeros(shape, "float32") if gradient is None else gradient


def _worker(name: str) -> Worker:
    return _workers.setdefault(
        name, Worker("zoo.testing.workers.cross_backend", env={"KERAS_BACKEND": name})
    )


def start(names: list[str]) -> None:
    """Start the workers on backends ``names``."""
    for name in names:
        _worker(name).start()


def ask(
    name: str, path: Path, x: np.ndarray, training: bool, modules: list[str]
) -> list[np.ndarray]:
    worker = _worker(name)
    with tempfile.TemporaryDirectory() as folder:
        np.save(Path(folder) / "x.npy", x)
        request = {"model": str(path), "folder": folder, "training": training}
        answer = worker.ask({**request, "modules": modules})
        if "error" in answer:
            raise AssertionError(f"on {name}: {answer['error']}")
        found = np.load(Path(folder) / "answer.npz")
        return [found[f"a_{i}"] for i in range(answer["count"])]


def _answer(request: dict[str, Any]) -> dict[str, Any]:
    for module in request["modules"]:
        importlib.import_module(module)
    folder = Path(request["folder"])
    model = keras.saving.load_model(request["model"], compile=False)
    arrays = compute(model, np.load(folder / "x.npy"), request["training"], seed=1)
    # Any: numpy's stub would match these keywords against its bool ``allow_pickle``.
    named: dict[str, Any] = {f"a_{i}": a for i, a in enumerate(arrays)}
    np.savez(folder / "answer.npz", **named)
    return {"count": len(arrays)}


if __name__ == "__main__":
    import zoo  # noqa: F401  (loads every plugin, which registers its classes)

    serve(_answer)
