"""Loading saved models in a new Python process that imports only ``zoo``.

That a ``.keras`` file loads in the process that saved it proves little: the
classes are already imported there. The real question is whether a user's
fresh process, after ``import zoo``, can rebuild it. Starting Python with
TensorFlow costs seconds, so one worker process serves every load of a test
session; it imports nothing of the zoo but ``zoo`` itself.

Run as ``python -m zoo.testing.workers.fresh_process``: it reads one JSON request a
line on stdin and answers one JSON line on stdout.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from zoo.testing.workers.protocol import Worker, serve

_worker = Worker("zoo.testing.workers.fresh_process")
start = _worker.start


@dataclass
class Loaded:
    outputs: list[np.ndarray]
    non_trainable: list[np.ndarray]
    config: str
    #: ``model.evaluate(inputs, targets, return_dict=True)`` where targets were given:
    #: the compiled loss and metrics as the loaded model computes them.
    evaluated: dict[str, Any] | None = None


def load_and_predict(
    path: Path,
    inputs: np.ndarray | None,
    targets: np.ndarray | None = None,
    fit: dict[str, Any] | None = None,
) -> Loaded:
    """Load ``path`` in the worker and predict ``inputs`` (inference mode); with
    ``targets``, also evaluate the compiled model on them in one batch. With ``fit``
    (``fit``'s keyword arguments, e.g. ``{"epochs": 1, "batch_size": 8}``), the loaded
    model first trains on ``inputs`` and ``targets``, unshuffled: what an optimizer
    restored with it does next."""
    with tempfile.TemporaryDirectory() as folder:
        request: dict[str, Any] = {"model": str(path), "folder": folder}
        if fit is not None:
            request["fit"] = fit
        if inputs is not None:
            np.save(Path(folder) / "inputs.npy", inputs)
        if targets is not None:
            np.save(Path(folder) / "targets.npy", targets)
        answer = _worker.ask(request)
        if "error" in answer:
            raise AssertionError(f"loading in a new process failed: {answer['error']}")
        arrays = np.load(Path(folder) / "answer.npz")
        outputs = [arrays[f"output_{i}"] for i in range(answer["outputs"])]
        state = [arrays[f"state_{i}"] for i in range(answer["non_trainable"])]
        return Loaded(outputs, state, answer["config"], answer.get("evaluated"))


def _answer(request: dict[str, Any]) -> dict[str, Any]:
    import keras

    folder = Path(request["folder"])
    # Explicitly safe: no zoo object may need unsafe (lambda, pickled) deserialization.
    model = keras.saving.load_model(request["model"], safe_mode=True)
    arrays: dict[str, Any] = {}
    outputs = []
    if (folder / "inputs.npy").exists():
        inputs = np.load(folder / "inputs.npy")
        if "fit" in request:
            targets = np.load(folder / "targets.npy")
            model.fit(inputs, targets, **request["fit"], shuffle=False, verbose=0)
        outputs = keras.tree.flatten(model(inputs, training=False))
    for i, output in enumerate(outputs):
        arrays[f"output_{i}"] = keras.ops.convert_to_numpy(output)
    for i, weight in enumerate(model.non_trainable_weights):
        arrays[f"state_{i}"] = keras.ops.convert_to_numpy(weight)
    np.savez(folder / "answer.npz", **arrays)
    config = json.dumps(
        keras.saving.serialize_keras_object(model.get_config()), sort_keys=True, default=str
    )
    answer: dict[str, Any] = {
        "outputs": len(outputs),
        "non_trainable": len(model.non_trainable_weights),
        "config": config,
    }
    if (folder / "targets.npy").exists():
        # One batch: a loss over the batch's pairs (a metric-learning loss) must see the
        # same batch as in the saving process.
        evaluated = model.evaluate(
            inputs,
            np.load(folder / "targets.npy"),
            batch_size=len(inputs),
            verbose=0,
            return_dict=True,
        )
        # A metric's result may be an array (a confusion matrix): nested lists of floats.
        answer["evaluated"] = {
            name: np.asarray(value, dtype="float64").tolist() for name, value in evaluated.items()
        }
    return answer


if __name__ == "__main__":
    import zoo  # noqa: F401  (the point: this import alone must be enough)

    serve(_answer)
