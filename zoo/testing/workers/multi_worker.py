"""Training in two TensorFlow worker processes under
``tf.distribute.MultiWorkerMirroredStrategy``, as a cluster of two machines would,
on this machine.

Each worker is a process of its own, told its place in the cluster by a
``TF_CONFIG`` naming two free ``127.0.0.1`` ports; the strategy's collective ops
(the gradients' all-reduce, synchronized batch statistics) then cross process
boundaries over gRPC, which ``MirroredStrategy`` in one process never does.
A worker pays TensorFlow's start-up and the cluster's handshake once: one pair
serves every request of a session (every layer of a ``zoo check`` run).

Keras 3.15.1's ``Model.fit`` cannot run under this strategy (its symbolic build
and its metric reduction both fail on multi-worker values, keras-team/keras#20585),
so the workers drive the model's own public ``train_step`` with ``strategy.run``,
as ``fit`` would: one step per global batch, each worker reading its shard.

A request names a saved ``.keras`` model and its data; both workers train it for
``STEPS`` steps and write every variable of the model (weights, moving
statistics, seed states) for the asking process to compare with one device.
Everything is bounded in time: a pair that does not answer in ``TIMEOUT``
seconds is killed, process group and all, and started anew on the next request.

Run as ``python -m zoo.testing.workers.multi_worker`` with ``TF_CONFIG`` set: one JSON
request a line on stdin, one JSON answer a line on stdout. TensorFlow only.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from zoo.backends import where
from zoo.testing.workers.protocol import (
    ANSWER,
    serve,
    training_data,
    training_request,
    turn,
)

WORKERS = 2
#: Training steps of each run: enough for a difference to build up, few enough to be quick.
STEPS = 3
#: Seconds a pair may take to start and answer one request (TensorFlow's import and the
#: cluster's handshake take most of it on a loaded machine).
TIMEOUT = float(os.environ.get("ZOO_MULTI_WORKER_TIMEOUT", "300"))
#: Seconds the other workers get to answer once one has failed.
ERROR_GRACE = 20.0
ENGINE = "tf.distribute.MultiWorkerMirroredStrategy"
#: The backend the workers run on: the one whose record names this engine.
BACKEND = where("multi_worker")[0]


def free_ports(count: int) -> list[int]:
    """``count`` ports nobody listens on now (held open together, so all distinct)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def tf_config(ports: list[int], index: int) -> str:
    """The ``TF_CONFIG`` of worker ``index`` of a cluster on this machine's ``ports``."""
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    return json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})


class WorkerGroup:
    """``count`` processes of ``python -m module``, one cluster: each request goes to
    every one of them and waits for every answer, within a deadline."""

    def __init__(self, module: str, count: int = WORKERS) -> None:
        self.module = module
        self.count = count
        self._processes: list[subprocess.Popen[str]] = []
        self._answers: list[queue.Queue[dict[str, Any] | None]] = []
        self._stderr: list[Any] = []
        atexit.register(self.close)

    def ask(self, request: dict[str, Any], timeout: float = TIMEOUT) -> list[dict[str, Any]]:
        """Every worker's answer to ``request``; ``AssertionError`` naming what went wrong
        (and what the workers said) if one dies or they take longer than ``timeout``."""
        self.start()
        for process in self._processes:
            assert process.stdin is not None, "opened with PIPE"
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
        deadline = time.monotonic() + timeout
        answers = []
        for index, answers_of in enumerate(self._answers):
            try:
                with turn.waiting():
                    answer = answers_of.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                said = self._said()
                self.close()
                raise AssertionError(
                    f"the {self.count} workers of {ENGINE} did not answer within {timeout:.0f} s "
                    f"(worker {index} was silent; all killed). They said:\n{said}"
                ) from None
            if answer is None:
                said = self._said()
                self.close()
                raise AssertionError(f"worker {index} of {ENGINE} died. The workers said:\n{said}")
            if "error" in answer:
                # The others may wait forever in a collective the failed one left:
                # give them a little while to report, not the whole timeout.
                deadline = min(deadline, time.monotonic() + ERROR_GRACE)
            answers.append(answer)
        if any("error" in answer for answer in answers):
            # A worker that failed mid-step leaves the others' collectives waiting for
            # it: the cluster is not reusable.
            self.close()
        return answers

    def start(self) -> None:
        """Start the processes, unless every one is running."""
        if not self._alive():
            self.close()
            self._start()

    def close(self) -> None:
        """Kill every worker's process group (TensorFlow's own threads and children too)."""
        for process in self._processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        for stream in self._stderr:
            stream.close()
        self._processes, self._answers, self._stderr = [], [], []

    def _alive(self) -> bool:
        return bool(self._processes) and all(p.poll() is None for p in self._processes)

    def _start(self) -> None:
        ports = free_ports(self.count)
        for index in range(self.count):
            stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (lives with the worker)
            process = subprocess.Popen(
                [sys.executable, "-m", self.module],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                # Its own process group, so that killing it leaves nothing behind.
                start_new_session=True,
                env={
                    **os.environ,
                    "TF_CPP_MIN_LOG_LEVEL": "3",
                    "KERAS_BACKEND": BACKEND,
                    "TF_CONFIG": tf_config(ports, index),
                },
            )
            answers: queue.Queue[dict[str, Any] | None] = queue.Queue()
            threading.Thread(target=_read_answers, args=(process, answers), daemon=True).start()
            self._processes.append(process)
            self._answers.append(answers)
            self._stderr.append(stderr)

    def _said(self) -> str:
        parts = []
        for index, stream in enumerate(self._stderr):
            stream.seek(0)
            last = "".join(stream.readlines()[-12:])
            parts.append(f"--- worker {index} ---\n{last}")
        return "\n".join(parts)


def _read_answers(
    process: subprocess.Popen[str], answers: queue.Queue[dict[str, Any] | None]
) -> None:
    assert process.stdout is not None, "opened with PIPE"
    for line in process.stdout:
        if line.startswith(ANSWER):
            answers.put(json.loads(line[len(ANSWER) :]))
    answers.put(None)  # it died


_group = WorkerGroup("zoo.testing.workers.multi_worker")
start = _group.start


@dataclass
class Trained:
    """Every variable of the model as each worker ended with it, and its losses."""

    names: list[str]
    variables: list[list[np.ndarray]]  # per worker
    losses: list[list[float]]  # per worker
    seconds: list[float]  # per worker: the training alone, start-up excluded


def train(
    path: Path, x: np.ndarray, targets: list[np.ndarray] | None, modules: list[str]
) -> Trained:
    """Train the model saved at ``path`` on two workers for ``STEPS`` steps of the global
    batch ``x`` (each worker its half); ``targets`` ``None`` for a model with its own
    loss. ``modules`` are imported first (where the model's classes live)."""
    with training_request(path, x, targets, modules) as (folder, request):
        answers = _group.ask(request)
        errors = [f"worker {i}: {a['error']}" for i, a in enumerate(answers) if "error" in a]
        if errors:
            raise AssertionError(f"training under {ENGINE} failed: " + "; ".join(errors))
        variables = []
        for index, answer in enumerate(answers):
            found = np.load(Path(folder) / f"worker_{index}.npz")
            variables.append([found[f"v_{i}"] for i in range(len(answer["names"]))])
        return Trained(
            answers[0]["names"],
            variables,
            [a["losses"] for a in answers],
            [a["seconds"] for a in answers],
        )


def shutdown() -> None:
    """Stop the session's workers now (they are stopped at exit anyway)."""
    _group.close()


# -- the worker's side -------------------------------------------------------------


def _dataset(strategy: Any, arrays: tuple[Any, ...], global_batch: int) -> Any:
    import tensorflow as tf

    def shard(context: Any) -> Any:
        # Each worker reads its own share of every global batch, as files would be split.
        data = tf.data.Dataset.from_tensor_slices(arrays)
        data = data.shard(context.num_input_pipelines, context.input_pipeline_id)
        return data.batch(context.get_per_replica_batch_size(global_batch)).repeat()

    return strategy.distribute_datasets_from_function(shard)


def _answer(request: dict[str, Any], strategy: Any) -> dict[str, Any]:
    import keras
    import tensorflow as tf

    folder = Path(request["folder"])
    x, targets = training_data(request, sequence=tuple)
    with strategy.scope():
        model = keras.saving.load_model(request["model"], compile=False)
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss=None if targets is None else "mse")
        # Its slots now, in the strategy's scope: not later, inside a replica.
        model.optimizer.build(model.trainable_variables)
    arrays = (x,) if targets is None else (x, targets)
    batches = iter(_dataset(strategy, arrays, len(x)))

    @tf.function  # type: ignore[untyped-decorator]  # TensorFlow ships no types
    def step(batches: Any) -> Any:
        logs = strategy.run(model.train_step, args=(next(batches),))
        return strategy.experimental_local_results(logs["loss"])[0]

    start = time.perf_counter()
    losses = [float(step(batches)) for _ in range(STEPS)]
    seconds = time.perf_counter() - start
    values = [keras.ops.convert_to_numpy(v) for v in model.variables]
    task = json.loads(os.environ["TF_CONFIG"])["task"]["index"]
    np.savez(folder / f"worker_{task}.npz", **{f"v_{i}": v for i, v in enumerate(values)})
    return {"names": [v.path for v in model.variables], "losses": losses, "seconds": seconds}


if __name__ == "__main__":
    import tensorflow as tf

    # Before anything else runs: the strategy joins the cluster named in TF_CONFIG.
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    import zoo  # noqa: F401  (loads every plugin, which registers its classes)

    serve(lambda request: _answer(request, strategy))
