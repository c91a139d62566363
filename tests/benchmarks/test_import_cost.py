"""`import zoo` (every installed plugin) costs at most 10% more than `import keras`.

`import zoo` loads the plugins when Keras is imported (so that `zoo --help` needs
neither), hence `import zoo, keras` is what pays for them.

Measured in fresh processes, alternating the two so that machine drift hits
both alike; the medians are compared.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.benchmark

ROUNDS = 7


def _import_seconds(module: str) -> float:
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True, env=environment)
    return time.perf_counter() - start


def test_import_zoo_costs_at_most_ten_percent_more_than_keras():
    _import_seconds("keras")  # warm the file cache for both
    _import_seconds("zoo, keras")
    keras_times, zoo_times = [], []
    for _ in range(ROUNDS):
        keras_times.append(_import_seconds("keras"))
        zoo_times.append(_import_seconds("zoo, keras"))
    keras_s, zoo_s = statistics.median(keras_times), statistics.median(zoo_times)
    ratio = zoo_s / keras_s
    print(f"import keras {keras_s:.2f} s, import zoo {zoo_s:.2f} s, ratio {ratio:.3f}")
    assert ratio <= 1.10, f"import zoo takes {ratio:.2f}x import keras ({zoo_s:.2f} s)"
