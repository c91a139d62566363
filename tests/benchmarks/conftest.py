"""Benchmarks run only when asked for by path: `uv run pytest tests/benchmarks`.

The default run (`uv run pytest`) must neither collect nor run them: they
take minutes and their timings mean nothing on a busy machine. Selected by
path, they run whatever the default `-m 'not ... benchmark ...'` in
pyproject.toml says, unless the command line gives its own `-m`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

HERE = Path(__file__).parent.resolve()


def _selected(config: pytest.Config) -> bool:
    """Whether the command line names this folder (or something in it)."""
    for argument in config.args:
        path = Path(config.invocation_params.dir, argument.split("::")[0]).resolve()
        if path == HERE or HERE in path.parents:
            return True
    return False


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if not _selected(config) and HERE in (collection_path.resolve(), *collection_path.parents):
        return True
    return None


def pytest_configure(config: pytest.Config) -> None:
    user_gave_marks = any(
        argument == "-m" or argument.startswith("-m") for argument in config.invocation_params.args
    )
    if _selected(config) and not user_gave_marks:
        config.option.markexpr = ""
