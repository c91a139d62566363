"""`zoo bench` and the pytest-benchmark suite, run as a user runs them (slow: new processes).

No timing is asserted: only that each writes what it promises.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def test_zoo_bench_writes_the_json_the_docs_read(tmp_path):
    output = tmp_path / "bench.json"
    done = _run(
        sys.executable, "-m", "zoo.cli", "bench", "LayerNormalization",
        "--batch", "2", "--batch", "4", "--rounds", "3", "--output", str(output),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert str(output) in done.stdout
    record = json.loads(output.read_text())
    assert record["machine"]["cores"] >= 1 and record["bandwidth_gb_per_s"] > 0
    layer = record["layers"]["LayerNormalization"]
    assert layer["twin"] == "keras.layers.LayerNormalization"
    assert [size["batch"] for size in layer["sizes"]] == [2, 4]
    # timed on the entry's working-size sample, not the small example input
    assert layer["sizes"][0]["input_shape"][1:] == [64, 256]
    for mode in ("graph", "xla"):
        for phase in ("forward", "backward"):
            timing = layer["sizes"][-1][mode][phase]
            assert timing["zoo"]["median_s"] > 0 and timing["twin"]["median_s"] > 0
            assert timing["ratio"] > 0
    assert layer["headline"]["batch"] == 4 and layer["headline"]["xla_ratio"] > 0


def test_the_benchmark_suite_writes_pytest_benchmark_json(tmp_path):
    output = tmp_path / "suite.json"
    done = _run(
        sys.executable, "-m", "pytest", "tests/benchmarks/test_layers.py",
        "-k", "RunningSum or Linear-forward", "-p", "no:cacheprovider", "-q",
        f"--benchmark-json={output}",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:]
    benchmarks = json.loads(output.read_text())["benchmarks"]
    names = {b["name"] for b in benchmarks}
    assert "test_layer[Linear-forward-twin-xla]" in names
    assert {b["group"] for b in benchmarks} == {"Linear", "RunningSum"}
    assert all(b["stats"]["median"] > 0 for b in benchmarks)
