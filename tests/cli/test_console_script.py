"""The `zoo` command, run as a user runs it: the installed console script."""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.framework

ZOO = Path(sys.executable).parent / "zoo"


def zoo(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(ZOO), *args], capture_output=True, text=True, timeout=600)


# One `zoo list` (and one `--json`, `listing()` below) for the tests of this module: each
# run imports every family and their backends, seconds apiece.
@pytest.fixture(scope="module")
def listed_json() -> dict:
    return listing()


@pytest.fixture(scope="module")
def listed() -> str:
    result = zoo("list")
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_list_json_shows_the_core_family(listed_json):
    data = listed_json
    core = [layer for layer in data["layers"] if layer["plugin"] == "core"]
    assert {layer["name"] for layer in core} >= {"Linear", "RunningSum", "MLPBlock", "Maxout"}
    linear = next(layer for layer in core if layer["name"] == "Linear")
    assert linear["keras_name"] == "zoo_core>Linear"
    assert linear["twin"] == "keras.layers.Dense"
    assert linear["version"] == "0.2.0"
    assert {i["name"] for i in data["initializers"]} >= {"DeltaOrthogonal", "FixupNormal"}
    plugin = next(p for p in data["plugins"] if p["name"] == "core")
    assert plugin["distribution"] == "keras-zoo-core" and not plugin["broken"]


def test_list_and_info_show_losses(listed_json, listed):
    # A kind beyond layers, initializers, regularizers and constraints: its own section.
    data = listed_json
    losses = {item["name"]: item for item in data["losses"]}
    assert {"TripletSemiHardLoss", "PinballLoss", "GIoULoss"} <= set(losses)
    assert losses["PinballLoss"]["keras_name"] == "zoo_losses>PinballLoss"
    assert losses["PinballLoss"]["kind"] == "loss"
    assert "Losses" in listed
    result = zoo("info", "PinballLoss")
    assert result.returncode == 0, result.stderr
    for expected in ("(loss, family losses)", "tau", "zoo_losses>PinballLoss", "reduction"):
        assert expected in result.stdout


def test_list_and_info_show_metrics(listed_json, listed):
    data = listed_json
    metrics = {item["name"]: item for item in data["metrics"]}
    assert {"CohenKappa", "MatthewsCorrelationCoefficient", "HammingLoss"} <= set(metrics)
    assert metrics["CohenKappa"]["keras_name"] == "zoo_losses>CohenKappa"
    assert metrics["CohenKappa"]["kind"] == "metric"
    assert "Metrics" in listed
    result = zoo("info", "CohenKappa")
    assert result.returncode == 0, result.stderr
    for expected in ("(metric, family losses)", "num_classes", "zoo_losses>CohenKappa"):
        assert expected in result.stdout


def test_list_and_info_show_callbacks(listed_json, listed):
    data = listed_json
    callbacks = {item["name"]: item for item in data["callbacks"]}
    assert {"KLWarmup", "TimeStopping"} <= set(callbacks)
    assert callbacks["KLWarmup"]["keras_name"] == "zoo_vae>KLWarmup"
    assert callbacks["TimeStopping"]["kind"] == "callback"
    assert "Callbacks" in listed
    result = zoo("info", "TimeStopping")
    assert result.returncode == 0, result.stderr
    for expected in ("(callback, family losses)", "seconds", "zoo_losses>TimeStopping"):
        assert expected in result.stdout


def test_list_and_info_show_optimizers_and_schedules(listed_json, listed):
    data = listed_json
    optimizers = {item["name"]: item for item in data["optimizers"]}
    assert {"RectifiedAdam", "AdaBelief", "Yogi", "Lookahead"} <= set(optimizers)
    assert optimizers["Lookahead"]["keras_name"] == "zoo_optimizers>Lookahead"
    assert optimizers["Yogi"]["kind"] == "optimizer"
    schedules = {item["name"]: item for item in data["schedules"]}
    assert {"CyclicalLearningRate", "ExponentialCyclicalLearningRate"} <= set(schedules)
    assert schedules["CyclicalLearningRate"]["kind"] == "schedule"
    assert "Optimizers" in listed and "Schedules" in listed
    result = zoo("info", "Lookahead")
    assert result.returncode == 0, result.stderr
    for expected in ("(optimizer, family optimizers)", "sync_period", "zoo_optimizers>Lookahead"):
        assert expected in result.stdout
    result = zoo("info", "TriangularCyclicalLearningRate")
    assert result.returncode == 0, result.stderr
    assert "(schedule, family optimizers)" in result.stdout and "step_size" in result.stdout


def test_info_shows_signature_weights_config_and_twin():
    result = zoo("info", "Linear")
    assert result.returncode == 0, result.stderr
    for expected in ("units", "kernel", "bias", "keras.layers.Dense", "zoo_core>Linear"):
        assert expected in result.stdout


def test_check_runs_the_kit_and_reports_a_count():
    result = zoo("check", "core", "--check", "config_roundtrip", "--check", "lazy_weights")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "8 passed, 0 failed" in result.stdout


@pytest.mark.slow  # new `zoo` processes, alike on every backend (run in CI's slow leg)
def test_unknown_names_exit_2_with_a_suggestion():
    result = zoo("check", "Linaer")
    assert result.returncode == 2
    assert "Did you mean Linear" in result.stderr
    result = zoo("info", "Nope")
    assert result.returncode == 2


# -- an interactive command line ----------------------------------------------

HEAVY = ("keras", "tensorflow", "jax", "torch")

PROBE = """
import sys
import zoo.cli
try:
    zoo.cli.main(sys.argv[1:])
except SystemExit:
    pass
print(sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r}))
"""


def test_import_and_help_do_not_import_keras_or_tensorflow():
    # What makes `zoo --help` answer in a fraction of a second (no timing asserted: the
    # machine may be busy); each command imports Keras when it needs it.
    for argv in ([], ["--help"], ["check", "--help"], ["docs", "--help"], ["new", "--help"]):
        probe = PROBE.format(heavy=set(HEAVY))
        result = subprocess.run(
            [sys.executable, "-c", probe, *argv], capture_output=True, text=True, timeout=120
        )
        assert result.stdout.strip().splitlines()[-1] == "[]", (argv, result.stdout)


def start_up_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line[:5] in ("I0000", "W0000", "E0000") or "absl::InitializeLog" in line
    ]


#: No level chosen (the zoo asks for errors only), and the level many users set to quiet
#: TensorFlow, which still lets "E0000 ... failed call to cuInit" through at the first
#: operation.
LEVELS = (None, "2")


def run_with_level(
    command: list[str], level: str | None, extra: dict[str, str] | None = None, **options
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env.update(extra or {})
    if level is not None:
        env["TF_CPP_MIN_LOG_LEVEL"] = level
    return subprocess.run(command, capture_output=True, text=True, timeout=900, env=env, **options)


CHECK_LINEAR = ["check", "Linear", "--check", "config_roundtrip"]


@pytest.mark.parametrize(
    ("argv", "level", "backend"),
    [
        (["list"], None, None),
        ([*CHECK_LINEAR, "--check", "jit_compile"], "2", "tensorflow"),
        # On JAX, TensorFlow is imported later, by a library, outside Keras' import.
        pytest.param(
            CHECK_LINEAR,
            "2",
            "jax",
            marks=pytest.mark.skipif(not importlib.util.find_spec("jax"), reason="no JAX"),
        ),
        pytest.param(["info", "Linear"], "2", None, marks=pytest.mark.slow),
        pytest.param(
            ["check", "Linear", "--check", "keras_file"], None, None, marks=pytest.mark.slow
        ),
    ],
)
def test_no_tensorflow_start_up_line_reaches_the_terminal(argv, level, backend):
    extra = {"KERAS_BACKEND": backend} if backend else {}
    result = run_with_level([str(ZOO), *argv], level, extra)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not start_up_lines(result), start_up_lines(result)


@pytest.mark.slow
@pytest.mark.parametrize("level", LEVELS)
def test_no_start_up_line_from_a_docs_build(level, site, tmp_path_factory):
    # A tiny site: the one-layer plugin written from the guide, alone.
    site.install_project(ROOT / "tests" / "fixtures" / "zoo-squares")
    project = tmp_path_factory.mktemp("project")
    result = run_with_level(
        [str(ZOO), "docs", "build", "--plugin", "squares"],
        level,
        cwd=project,
        extra={"PYTHONPATH": str(site.folder)},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (project / "site" / "reference" / "squares" / "Square" / "index.html").exists()
    assert not start_up_lines(result), start_up_lines(result)


def test_list_piped_into_a_narrow_terminal_shows_every_name_whole():
    names = {item["name"] for kind in ("layers", "initializers") for item in listing()[kind]}
    keras_names = {item["keras_name"] for item in listing()["layers"]}
    env = {**os.environ, "COLUMNS": "40"}
    result = subprocess.run(
        [str(ZOO), "list"], capture_output=True, text=True, timeout=600, env=env
    )
    assert "…" not in result.stdout, result.stdout
    words = set(result.stdout.replace("│", " ").replace("┃", " ").split())
    assert names <= words, names - words
    assert keras_names <= words, keras_names - words


def test_list_json_says_each_plugins_distribution_version_hooks_and_status():
    core = next(p for p in listing()["plugins"] if p["name"] == "core")
    assert core["distribution"] == "keras-zoo-core" and core["version"] == "0.2.0"
    assert core["status"] == "ok"
    assert {"register_family", "register_layers", "register_initializers"} <= set(core["hooks"])


@functools.cache
def listing() -> dict:
    result = zoo("list", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
