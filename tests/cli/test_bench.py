"""`zoo bench` and the pytest-benchmark suite, run as a user runs them (slow: new processes).

No timing is asserted: only that each writes what it promises, on the backend it
was asked for, leaving the other backends' figures alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from zoo.backends import BACKENDS, current
from zoo.bench import layers as bench

pytestmark = pytest.mark.slow


def _run(*args: str, backend: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    if backend:
        env["KERAS_BACKEND"] = backend
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200, check=False
    )


def _bench(output: Path, *args: str, backend: str | None = None) -> subprocess.CompletedProcess:
    return _run(
        sys.executable, "-m", "zoo.cli", "bench", *args,
        "--rounds", "3", "--output", str(output), backend=backend,
    )  # fmt: skip


def _check_part(part: dict, backend: str, name: str, batches: list[int]) -> None:
    assert part["modes"] == list(bench.BACKEND_MODES[backend])
    assert part["machine"]["backend"] == backend and part["bandwidth_gb_per_s"] > 0
    assert part["machine"]["cores"] >= 1 and part["machine"]["keras"]
    layer = part["layers"][name]
    assert [size["batch"] for size in layer["sizes"]] == batches
    for mode in part["modes"]:
        for phase in ("forward", "backward"):
            timing = layer["sizes"][-1][mode][phase]
            assert timing["zoo"]["median_s"] > 0 and timing["twin"]["median_s"] > 0, timing
            assert timing["ratio"] > 0
        assert layer["headline"][f"{mode}_ratio"] > 0
    assert layer["headline"]["batch"] == batches[-1]


def test_zoo_bench_writes_the_json_the_docs_read(tmp_path):
    output = tmp_path / "bench.json"
    done = _bench(output, "LayerNormalization", "--batch", "2", "--batch", "4")
    assert done.returncode == 0, done.stderr[-2000:]
    assert str(output) in done.stdout.replace("\n", "")
    (backend,) = json.loads(output.read_text())["backends"]
    assert backend == current()
    part = json.loads(output.read_text())["backends"][backend]
    _check_part(part, backend, "LayerNormalization", [2, 4])
    layer = part["layers"]["LayerNormalization"]
    assert layer["twin"] == "keras.layers.LayerNormalization"
    # timed on the entry's working-size sample, not the small example input
    assert layer["sizes"][0]["input_shape"][1:] == [64, 256]


def test_one_backend_replaces_only_its_part_and_all_runs_each(tmp_path):
    output = tmp_path / "bench.json"
    # A record from before there were backends: TensorFlow's, and kept as such.
    old = {"machine": {"tensorflow": "0"}, "layers": {"Dense": {"headline": None}}, "summary": {}}
    output.write_text(json.dumps(old))
    # Asked for JAX where KERAS_BACKEND says TensorFlow: it runs on JAX all the same.
    done = _bench(output, "Linear", "--batch", "2", "--backend", "jax", backend="tensorflow")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "jax, at the largest batch, jit mode" in done.stdout
    record = json.loads(output.read_text())
    assert list(record["backends"]) == ["tensorflow", "jax"]
    assert record["backends"]["tensorflow"]["layers"] == old["layers"]
    _check_part(record["backends"]["jax"], "jax", "Linear", [2])

    done = _bench(output, "Linear", "--batch", "2", "--backend", "all")
    assert done.returncode == 0, done.stderr[-2000:]
    record = json.loads(output.read_text())
    assert list(record["backends"]) == list(BACKENDS)
    for backend in BACKENDS:
        _check_part(record["backends"][backend], backend, "Linear", [2])
        assert f"{backend}: ok; geometric mean of zoo/twin" in done.stdout
    # Naming a layer updates it: the old record's Dense stays beside the new Linear.
    assert "Dense" in record["backends"]["tensorflow"]["layers"]


def test_train_step_mode_on_every_backend_writes_each_ones_field(tmp_path):
    from zoo.bench import train_step

    output = tmp_path / "bench.json"
    old = {"backends": {"jax": {"layers": {"Linear": {"headline": None}}}}}
    output.write_text(json.dumps(old))
    done = _bench(output, "--mode", "train-step", "Linear", "--batch", "2", "--backend", "all")
    assert done.returncode == 0, done.stderr[-2000:]
    record = json.loads(output.read_text())
    assert list(record["backends"]) == list(BACKENDS)
    # The layer bench's figures are kept beside the new field.
    assert record["backends"]["jax"]["layers"] == old["backends"]["jax"]["layers"]
    for backend in BACKENDS:
        field = record["backends"][backend]["train_step"]
        assert field["modes"] == list(train_step.modes(backend))
        assert field["machine"]["backend"] == backend
        result = field["results"]["Linear"]
        assert result["input_shape"][0] == 2 and set(result["modes"]) == set(field["modes"])
        for timing in result["modes"].values():
            assert timing["zoo"]["median_s"] > 0 and timing["ratio"] > 0, timing
        assert f"{backend}: ok; geometric mean of zoo/twin: auto " in done.stdout


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
    for mode in bench.MODES:
        assert f"test_layer[Linear-forward-twin-{mode}]" in names
    assert {b["group"] for b in benchmarks} == {"Linear", "RunningSum"}
    assert {b["extra_info"]["backend"] for b in benchmarks} == {current()}
    assert all(b["stats"]["median"] > 0 for b in benchmarks)


@pytest.mark.parametrize("backend", [b for b in BACKENDS if b != "tensorflow"])
def test_zoo_bench_models_runs_on_the_backend_asked_for(tmp_path, backend):
    output = tmp_path / "models.json"
    done = _run(
        sys.executable, "-m", "zoo.cli", "bench", "--models", "vae", "--batch", "4",
        "--rounds", "1", "--backend", backend, "--output", str(output), backend="tensorflow",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"{backend}: one training step" in " ".join(done.stdout.split())
    part = json.loads(output.read_text())["backends"][backend]
    assert part["machine"]["backend"] == backend
    assert part["modes"] == [bench.BACKEND_MODES[backend][0]]
    (run,) = part["runs"]
    assert run["zoo"]["median_s"] > 0 and run["keras"]["median_s"] > 0 and run["ratio"] > 0


def test_the_model_benchmark_suite_writes_pytest_benchmark_json(tmp_path):
    output = tmp_path / "suite.json"
    done = _run(
        sys.executable, "-m", "pytest", "tests/benchmarks/test_models.py", "-k", "vae",
        "-p", "no:cacheprovider", "-q", f"--benchmark-json={output}",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:]
    benchmarks = json.loads(output.read_text())["benchmarks"]
    assert {b["extra_info"]["side"] for b in benchmarks} == {"zoo", "keras"}
    assert {b["group"] for b in benchmarks} == {"vae/digits batch 64", "vae/digits batch 512"}
    assert all(b["stats"]["median"] > 0 for b in benchmarks)
