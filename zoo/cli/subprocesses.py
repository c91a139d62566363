"""Running ``zoo`` on another backend: Keras picks its backend once, at import, so a
command asked for another one (or for ``all``) runs itself again in a new process."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from typing import Any

from zoo.backends import BACKENDS


def add_backend_option(parser: argparse.ArgumentParser, help: str) -> None:
    """``--backend``, the one declaration every command that runs on a backend shares."""
    parser.add_argument("--backend", choices=[*BACKENDS, "all"], help=help)


def without(argv: list[str], option: str) -> list[str]:
    """``argv`` without ``option`` and its value (given as two words or with ``=``)."""
    kept, skip = [], False
    for word in argv:
        if skip:
            skip = False
        elif word == option:
            skip = True
        elif not word.startswith(option + "="):
            kept.append(word)
    return kept


def _command(backend: str, argv: list[str]) -> tuple[list[str], dict[str, str]]:
    env = {**os.environ, "KERAS_BACKEND": backend}
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return [sys.executable, "-m", "zoo.cli", *argv], env


def on_backend(backend: str, argv: list[str], **options: Any) -> subprocess.CompletedProcess[Any]:
    """Run ``zoo`` with ``argv`` in a new process on ``backend``."""
    command, env = _command(backend, argv)
    return subprocess.run(command, env=env, **options)


def start_on_backend(
    backend: str, argv: list[str], extra_env: dict[str, str] | None = None, **options: Any
) -> subprocess.Popen[Any]:
    """Start ``zoo`` with ``argv`` in a new process on ``backend`` (its environment
    with ``extra_env`` too), without waiting."""
    command, env = _command(backend, argv)
    return subprocess.Popen(command, env={**env, **(extra_env or {})}, **options)


def current_backend() -> str:
    """The backend this process runs on (importing Keras, quietly, to learn it)."""
    from zoo.backends import current
    from zoo.quiet import import_keras

    import_keras()
    return current()
