"""Importing Keras without TensorFlow's C++ start-up lines on the terminal.

TensorFlow's native libraries write to file descriptor 2 as they load ("I0000 ...
oneDNN custom operations are on", "cudart_stub", "cpu_feature_guard"), some of them
before ``TF_CPP_MIN_LOG_LEVEL`` is read, and one more when it first looks for its
devices ("E0000 ... cuInit"). The ``zoo`` command imports Keras (and through it the
plugins), and has TensorFlow find its devices, with descriptor 2 pointed at a file,
then writes back what was captured except those lines, or all of it if the import
failed.

That covers the lines TensorFlow writes as it starts, not those it writes later, at
the first operation of a kind: "E0000 ... oneDNN supports DT_HALF only on platforms
with AVX-512" comes at the first float16 operation, on some CPUs only. So the ``zoo``
command runs with ``filter_stderr()``: for the rest of the process (and of the
processes it starts, which inherit the descriptor), whatever is written to
descriptor 2 passes through a thread that drops those lines and forwards the rest.
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import importlib.util
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from zoo.backends import ALL

#: The framework whose import this module quiets: the backend whose record says its
#: import is noisy (TensorFlow).
_NOISY = next(b.module for b in ALL if b.noisy_import)

#: Lines TensorFlow's C++ side writes while it starts: glog's "I0000 00:00:..." form,
#: absl's note before its log is set up, cpu_feature_guard's second line.
START_UP_LINE = re.compile(
    r"^([IWEF]\d{4} \d\d:\d\d:\d\d|WARNING: All log messages before absl::InitializeLog"
    r"|To enable the following instructions:)"
)


#: The thread of ``filter_stderr``, once it runs.
_filtering: list[threading.Thread] = []


def quiet_environment() -> None:
    """Ask TensorFlow for errors only, in this process and in those it starts, unless
    the user chose a level."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@contextlib.contextmanager
def start_up_lines_dropped() -> Iterator[None]:
    """Within the block, descriptor 2 goes to a file; after it, everything but
    TensorFlow's start-up lines is written to stderr (everything, on an exception)."""
    quiet_environment()
    if _filtering:  # the whole process is filtered already (the zoo program)
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        failed = True
        try:
            yield
            failed = False
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode(errors="replace")
            kept = (
                text
                if failed
                else "".join(
                    line for line in text.splitlines(keepends=True) if not START_UP_LINE.match(line)
                )
            )
            sys.stderr.write(kept)
            sys.stderr.flush()


class _QuietLoader:
    """Wraps TensorFlow's loader: executes it with its start-up lines dropped, and has
    it find its devices there too."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def create_module(self, spec: Any) -> ModuleType | None:
        created: ModuleType | None = self.loader.create_module(spec)
        return created

    def exec_module(self, module: ModuleType) -> None:
        module.__loader__ = self.loader
        if module.__spec__ is not None:
            module.__spec__.loader = self.loader
        with start_up_lines_dropped():
            self.loader.exec_module(module)
            # TensorFlow looks for its devices at the first operation, not at import,
            # and says "E0000 ... failed call to cuInit" where no GPU is, at any log
            # level below 3 (a user's TF_CPP_MIN_LOG_LEVEL=2 lets it through): here,
            # not in the middle of a command's output.
            module.config.list_physical_devices()


class _QuietFinder:
    """Finds TensorFlow with ``_QuietLoader``, until it is imported (a lookup alone,
    ``importlib.util.find_spec``, leaves it in place)."""

    def __init__(self) -> None:
        self._looking = False

    def find_spec(
        self, fullname: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != _NOISY or self._looking or _NOISY in sys.modules:
            return None
        self._looking = True  # the other finders' answer, not this one's again
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            self._looking = False
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)  # type: ignore[assignment]
        return spec


def import_keras() -> None:
    """Import Keras (its backend, and with it every installed zoo plugin) quietly; and
    TensorFlow quietly whenever it is first imported later, on another backend (by a
    check, a plugin or a library)."""
    if _NOISY not in sys.modules and not any(
        isinstance(finder, _QuietFinder) for finder in sys.meta_path
    ):
        sys.meta_path.insert(0, _QuietFinder())
    if "keras" in sys.modules:
        return
    with start_up_lines_dropped():
        import keras  # noqa: F401


def filter_stderr() -> None:
    """For the rest of this process, drop TensorFlow's C++ log lines from descriptor 2,
    whenever they come (once; later calls do nothing).

    Python's own ``sys.stderr`` keeps writing to the terminal directly (so that rich
    still sees a terminal there); descriptor 2, where native libraries and child
    processes write, becomes a pipe read by a thread."""
    if _filtering:
        return
    quiet_environment()
    sys.stderr.flush()
    terminal = os.dup(2)
    read, write = os.pipe()
    os.dup2(write, 2)
    os.close(write)
    sys.stderr = open(  # noqa: SIM115 (it lives as long as the process)
        os.dup(terminal),
        "w",
        encoding=sys.stderr.encoding,
        errors=sys.stderr.errors,
        buffering=1,
    )

    def forward() -> None:
        with open(read, "rb") as lines:
            for line in iter(lines.readline, b""):
                if not START_UP_LINE.match(line.decode(errors="replace")):
                    os.write(terminal, line)

    thread = threading.Thread(target=forward, name="zoo-stderr-filter", daemon=True)
    thread.start()
    _filtering.append(thread)

    def drain() -> None:
        # The thread ends once no descriptor writes to the pipe: ours closed here, the
        # children's when they end.
        sys.stderr.flush()
        os.dup2(terminal, 2)
        thread.join(timeout=5)

    import atexit

    atexit.register(drain)
