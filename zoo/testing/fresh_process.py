"""Loading saved models in a new Python process that imports only ``zoo``.

That a ``.keras`` file loads in the process that saved it proves little: the
classes are already imported there. The real question is whether a user's
fresh process, after ``import zoo``, can rebuild it. Starting Python with
TensorFlow costs seconds, so one worker process serves every load of a test
session; it imports nothing of the zoo but ``zoo`` itself.

Run as ``python -m zoo.testing.fresh_process``: it reads one JSON request a
line on stdin and answers one JSON line on stdout.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ANSWER = "zoo-answer: "
_worker: subprocess.Popen | None = None


@dataclass
class Loaded:
    outputs: list[np.ndarray]
    non_trainable: list[np.ndarray]
    config: str


def _start() -> subprocess.Popen:
    global _worker
    if _worker is None or _worker.poll() is not None:
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
        _worker = subprocess.Popen(
            [sys.executable, "-m", "zoo.testing.fresh_process"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        atexit.register(_worker.kill)
    return _worker


def load_and_predict(path: Path, inputs: np.ndarray | None) -> Loaded:
    """Load ``path`` in the worker and predict ``inputs`` (inference mode)."""
    worker = _start()
    with tempfile.TemporaryDirectory() as folder:
        request = {"model": str(path), "folder": folder}
        if inputs is not None:
            np.save(Path(folder) / "inputs.npy", inputs)
        worker.stdin.write(json.dumps(request) + "\n")
        worker.stdin.flush()
        answer = read_answer(worker, "zoo.testing.fresh_process")
        if "error" in answer:
            raise AssertionError(f"loading in a new process failed: {answer['error']}")
        arrays = np.load(Path(folder) / "answer.npz")
        outputs = [arrays[f"output_{i}"] for i in range(answer["outputs"])]
        state = [arrays[f"state_{i}"] for i in range(answer["non_trainable"])]
        return Loaded(outputs, state, answer["config"])


def read_answer(worker: subprocess.Popen, module: str) -> dict[str, Any]:
    """The next answer of a worker started as ``python -m module``."""
    # Skip whatever else the worker's libraries print on stdout.
    for line in worker.stdout:
        if line.startswith(ANSWER):
            return json.loads(line[len(ANSWER) :])
    raise RuntimeError(f"the worker process died; run `python -m {module}` to see why")


def _serve() -> None:
    import keras

    import zoo  # noqa: F401  (the point: this import alone must be enough)

    for line in sys.stdin:
        request = json.loads(line)
        folder = Path(request["folder"])
        try:
            # Explicitly safe: no zoo object may need unsafe (lambda, pickled) deserialization.
            model = keras.saving.load_model(request["model"], safe_mode=True)
            arrays: dict[str, Any] = {}
            outputs = []
            if (folder / "inputs.npy").exists():
                inputs = np.load(folder / "inputs.npy")
                outputs = keras.tree.flatten(model(inputs, training=False))
            for i, output in enumerate(outputs):
                arrays[f"output_{i}"] = keras.ops.convert_to_numpy(output)
            for i, weight in enumerate(model.non_trainable_weights):
                arrays[f"state_{i}"] = keras.ops.convert_to_numpy(weight)
            np.savez(folder / "answer.npz", **arrays)
            config = json.dumps(
                keras.saving.serialize_keras_object(model.get_config()),
                sort_keys=True,
                default=str,
            )
            answer = {
                "outputs": len(outputs),
                "non_trainable": len(model.non_trainable_weights),
                "config": config,
            }
        except Exception as error:  # reported to the asking process
            answer = {"error": f"{type(error).__name__}: {error}"}
        print(ANSWER + json.dumps(answer), flush=True)


if __name__ == "__main__":
    _serve()
