"""`zoo check --backend all`: every installed backend checked side by side, one column
each, their records merged into one file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from zoo.backends import installed

pytestmark = pytest.mark.framework

ZOO = Path(sys.executable).parent / "zoo"
START_UP = ("I0000", "W0000", "E0000")


@pytest.mark.slow
def test_every_backend_side_by_side_in_one_table_and_one_record(tmp_path: Path) -> None:
    record = tmp_path / "conformance.json"
    argv = ["check", "Linear", "--check", "config_roundtrip", "--check", "keras_file"]
    done = subprocess.run(
        [str(ZOO), *argv, "--backend", "all", "--json", str(record), "--durations", "1"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    backends = installed()
    parts = json.loads(record.read_text())["backends"]
    assert sorted(parts) == sorted(backends)
    for backend in backends:
        assert parts[backend]["results"] == {
            "core/Linear/config_roundtrip": "pass",
            "core/Linear/keras_file": "pass",
        }, backend
        # Each backend's own --durations line, found in its output and shown.
        assert f"{backend}: slowest objects: core/Linear " in done.stdout, done.stdout
    assert "; ".join(f"{b}: 2 passed, 0 failed" for b in backends) in " ".join(done.stdout.split())
    assert not [line for line in done.stderr.splitlines() if line.startswith(START_UP)]


@pytest.mark.slow
def test_a_failure_on_one_backend_fails_the_run_and_is_shown(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(ZOO), "check", "NoSuchLayer", "--backend", "all"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    # Each backend's process refuses the unknown name: its message is shown, once each.
    assert done.returncode == 2 or done.returncode == 1, done.stdout + done.stderr
    assert "NoSuchLayer" in done.stdout + done.stderr
