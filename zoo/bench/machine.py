"""What a benchmark ran on: the machine's description and its memory bandwidth.

Timings mean little without the machine beside them, and a layer's speed is
best judged against what the memory can deliver, so both are recorded in the
same run as the timings.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

from zoo.backends import ALL


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo where there is one)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def usable_cores() -> int:
    """The cores this process may run on (fewer than the machine's under a CPU mask)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


#: The distributions each Keras backend runs on, whose versions a record names.
FRAMEWORKS: dict[str, tuple[str, ...]] = {b.name: b.distributions for b in ALL}


def framework_versions(backend: str) -> dict[str, str | None]:
    """The installed version of each distribution ``backend`` runs on (None if missing).

    Read from the installed metadata, so that nothing is imported: a TensorFlow
    process that imports torch can crash (both bring their own LLVM).
    """
    found: dict[str, str | None] = {}
    for name in FRAMEWORKS[backend]:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    return found


def machine_info() -> dict[str, Any]:
    """CPU, cores, Python, the Keras backend with its framework's versions, Keras, and
    the date, for the JSON."""
    import keras

    backend = keras.backend.backend()
    return {
        "cpu": cpu_model(),
        "cores": usable_cores(),
        "machine_cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "backend": backend,
        **framework_versions(backend),
        "keras": keras.__version__,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }


def memory_bandwidth(megabytes: int = 256, repeats: int = 7) -> float:
    """Memory bandwidth in GB/s, from copying a large float32 array (best of ``repeats``).

    A copy reads and writes every byte once, so it moves twice the array's
    size. The array is far larger than any cache, so this is what a layer
    that streams its input through memory once can hope for at best. The
    best run is kept, as STREAM does: slower runs measure the neighbours.
    """
    source = np.ones(megabytes * 2**20 // 4, dtype=np.float32)
    target = np.empty_like(source)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        np.copyto(target, source)
        best = min(best, time.perf_counter() - start)
    return 2 * source.nbytes / best / 1e9
