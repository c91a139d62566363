"""The `zoo` command, run as a user runs it: the installed console script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ZOO = Path(sys.executable).parent / "zoo"


def zoo(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(ZOO), *args], capture_output=True, text=True, timeout=600)


def test_list_json_shows_the_core_family():
    result = zoo("list", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    core = [layer for layer in data["layers"] if layer["plugin"] == "core"]
    assert {layer["name"] for layer in core} == {"Linear", "RunningSum", "MLPBlock", "Maxout"}
    linear = next(layer for layer in core if layer["name"] == "Linear")
    assert linear["keras_name"] == "zoo_core>Linear"
    assert linear["twin"] == "keras.layers.Dense"
    assert linear["version"] == "0.1.0"
    assert {i["name"] for i in data["initializers"]} >= {"DeltaOrthogonal", "FixupNormal"}
    plugin = next(p for p in data["plugins"] if p["name"] == "core")
    assert plugin["distribution"] == "zoo-core" and not plugin["broken"]


def test_info_shows_signature_weights_config_and_twin():
    result = zoo("info", "Linear")
    assert result.returncode == 0, result.stderr
    for expected in ("units", "kernel", "bias", "keras.layers.Dense", "zoo_core>Linear"):
        assert expected in result.stdout


def test_check_runs_the_kit_and_reports_a_count():
    result = zoo("check", "core", "--check", "config_roundtrip", "--check", "lazy_weights")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "8 passed, 0 failed" in result.stdout


def test_unknown_names_exit_2_with_a_suggestion():
    result = zoo("check", "Linaer")
    assert result.returncode == 2
    assert "Did you mean Linear" in result.stderr
    result = zoo("info", "Nope")
    assert result.returncode == 2
