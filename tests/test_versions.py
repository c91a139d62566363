"""zoo.versions and the backend Keras will run on, read without importing Keras: what
`zoo --version` prints is the installed metadata, and `zoo.backends.selected()` is the
backend Keras itself then picks."""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT
from zoo.backends import ALL
from zoo.versions import (
    DISTRIBUTION_NAME,
    ENTRY_POINT_GROUP,
    OFFICIAL_FAMILIES,
    is_official,
    official_distribution,
)

pytestmark = pytest.mark.framework

ZOO = Path(sys.executable).parent / "zoo"

SELECTED_AND_KERAS = """
from zoo.backends import selected
chosen = selected()
import keras
print(chosen, keras.backend.backend())
"""


def test_zoo_version_names_every_distribution_from_its_metadata():
    done = subprocess.run([str(ZOO), "--version"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"{DISTRIBUTION_NAME} {importlib.metadata.version(DISTRIBUTION_NAME)}"
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        assert ep.dist is not None
        assert f"{ep.dist.name} {ep.dist.version} (plugin {ep.name})" in lines, lines
    assert f"keras {importlib.metadata.version('keras')}" in lines


@pytest.mark.parametrize("configured", [b.name for b in ALL[1:]])
def test_the_backend_found_without_keras_is_the_one_keras_picks(tmp_path, configured):
    # Keras' configuration file names one backend, then KERAS_BACKEND overrides it.
    (tmp_path / "keras.json").write_text(json.dumps({"backend": configured}))
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    env["KERAS_HOME"] = str(tmp_path)
    for extra, expected in (({}, configured), ({"KERAS_BACKEND": ALL[0].name}, ALL[0].name)):
        done = subprocess.run(
            [sys.executable, "-c", SELECTED_AND_KERAS],
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.split()[-2:] == [expected, expected], done.stdout


def test_the_official_families_are_the_workspace_plugins():
    """OFFICIAL_FAMILIES is the one place the framework names them: each folder of plugins/
    is one, as its distribution's name and entry point say."""
    found = {}
    for pyproject in sorted((ROOT / "plugins").glob("*/pyproject.toml")):
        project = tomllib.loads(pyproject.read_text())["project"]
        (entry_point,) = project["entry-points"][ENTRY_POINT_GROUP]
        assert project["name"] == official_distribution(entry_point)
        found[entry_point] = project["name"]
    assert set(OFFICIAL_FAMILIES) == set(found)
    assert is_official("core", "Keras_Zoo.Core") and not is_official("core", "zoo-impostor")
    assert not is_official("shapes", "keras-zoo-shapes")
