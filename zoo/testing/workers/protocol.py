"""Long-lived helper processes of the kit, spoken to in JSON lines.

Starting Python with TensorFlow costs seconds, so each kind of helper process
(loading in a new process, training on two logical devices) is started once
per session and answers all of that session's requests: one JSON request a
line on its stdin, one JSON answer a line on its stdout, marked, so that
whatever else its libraries print there is skipped.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ANSWER = "zoo-answer: "


class Turn:
    """One thread at a time runs Keras code in the asking process (its floatx, random
    seeds and warnings filters are the process's), in the order they asked; a thread
    that waits on a helper process gives its turn away meanwhile (``waiting``), so the
    helper's work and the other thread's checks overlap."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._queue: deque[int] = deque()
        self._owner: int | None = None
        self._local = threading.local()

    @property
    def queued(self) -> float:
        """Seconds this thread has waited for its turn (not for a helper)."""
        return getattr(self._local, "queued", 0.0)

    @contextlib.contextmanager
    def taken(self) -> Iterator[None]:
        self._acquire()
        try:
            yield
        finally:
            self._release()

    @contextlib.contextmanager
    def waiting(self) -> Iterator[None]:
        """While this thread waits on a helper process, another may take the turn."""
        if self._owner != threading.get_ident():
            yield
            return
        self._release()
        try:
            yield
        finally:
            self._acquire()

    def _acquire(self) -> None:
        me, start = threading.get_ident(), time.perf_counter()
        with self._changed:
            self._queue.append(me)
            self._changed.wait_for(lambda: self._owner is None and self._queue[0] == me)
            self._queue.popleft()
            self._owner = me
        self._local.queued = self.queued + time.perf_counter() - start

    def _release(self) -> None:
        with self._changed:
            self._owner = None
            self._changed.notify_all()


#: The asking process's one turn (see ``Turn``); without ``taken`` it is never waited on.
turn = Turn()


class Worker:
    """A ``python -m module`` process, started on first use and again if it died."""

    def __init__(self, module: str, env: dict[str, str] | None = None) -> None:
        self.module = module
        self.env = env or {}
        self._process: subprocess.Popen[str] | None = None
        # Its stderr, for the reason when it dies (a pipe nobody reads could fill up).
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (lives with the worker)

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        process = self._start()
        assert process.stdin is not None and process.stdout is not None, "opened with PIPE"
        process.stdin.write(json.dumps(request) + "\n")
        process.stdin.flush()
        with turn.waiting():
            for line in process.stdout:
                if line.startswith(ANSWER):
                    answer: dict[str, Any] = json.loads(line[len(ANSWER) :])
                    return answer
        self._stderr.seek(0)
        last = "".join(self._stderr.readlines()[-15:])
        raise RuntimeError(f"the worker process `python -m {self.module}` died; it said:\n{last}")

    @classmethod
    def on_host_devices(cls, module: str, count: int) -> Worker:
        """A worker whose JAX sees ``count`` CPU devices (XLA fixes them at its start)."""
        return cls(module, env={"XLA_FLAGS": f"--xla_force_host_platform_device_count={count}"})

    def start(self) -> None:
        """Start the process now (it imports its libraries while the caller goes on)."""
        self._start()

    def _start(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            self._stderr.seek(0)
            self._stderr.truncate()
            self._process = subprocess.Popen(
                [sys.executable, "-m", self.module],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                text=True,
                env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **self.env},
            )
            atexit.register(self._process.kill)
        return self._process


def serve(handle: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """The worker's side: answer each request with ``handle``; an error is an answer too."""
    for line in sys.stdin:
        try:
            answer = handle(json.loads(line))
        except Exception as error:  # reported to the asking process
            answer = {"error": f"{type(error).__name__}: {error}"}
        print(ANSWER + json.dumps(answer), flush=True)


# -- training requests: a saved model and its data, in a folder both sides see ----------


@contextlib.contextmanager
def training_request(
    path: Path,
    x: Any,
    targets: list[Any] | None,
    modules: list[str],
    **extra: Any,
) -> Iterator[tuple[Path, dict[str, Any]]]:
    """A folder holding ``x`` and ``targets`` (``None`` for a model with its own loss) and
    the request that names it with the model saved at ``path`` and the ``modules`` the
    worker imports first; the folder lives until the ``with`` ends, answers included."""
    import numpy as np

    with tempfile.TemporaryDirectory() as folder:
        arrays = {"x": x, **{f"y_{i}": y for i, y in enumerate(targets or [])}}
        np.savez(Path(folder) / "data.npz", **arrays)
        request = {
            "model": str(path),
            "folder": folder,
            "targets": len(targets) if targets is not None else None,
            "modules": modules,
            **extra,
        }
        yield Path(folder), request


def training_data(request: dict[str, Any], sequence: type = list) -> tuple[Any, Any]:
    """The worker's side of ``training_request``: imports the request's modules and gives
    ``x`` and the targets as ``fit`` takes them (``None``, one array, or a ``sequence``)."""
    import numpy as np

    for module in request["modules"]:
        importlib.import_module(module)
    data = np.load(Path(request["folder"]) / "data.npz")
    count = request["targets"]
    targets = None if count is None else sequence(data[f"y_{i}"] for i in range(count))
    if targets is not None and len(targets) == 1:
        targets = targets[0]
    return data["x"], targets
