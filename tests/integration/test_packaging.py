"""Each family installs alone with pip next to the framework and shows up in `zoo list`.

Slow: it makes a fresh virtualenv, installs the framework into it from uv's
cache, then pip-installs each plugin folder on its own.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tomllib

import pytest
from packaging.requirements import Requirement

from tests.conftest import ROOT
from zoo.testing import seams

FAMILIES = sorted(
    path.name for path in ROOT.joinpath("plugins").iterdir() if (path / "pyproject.toml").exists()
)

pytestmark = pytest.mark.slow


def sibling_families(family: str) -> list[str]:
    """The zoo's other families that ``family``'s distribution depends on."""
    project = tomllib.loads((ROOT / "plugins" / family / "pyproject.toml").read_text())
    names = [Requirement(spec).name for spec in project["project"]["dependencies"]]
    return [n.removeprefix("keras-zoo-") for n in names if n.removeprefix("keras-zoo-") in FAMILIES]


def run(*command: str, env=None) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env)
    assert result.returncode == 0, (
        f"{command} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    )
    return result


def test_each_family_installs_alone_next_to_the_framework(tmp_path):
    # `uv run` tells its children where uv is; by hand it is on PATH.
    uv = os.environ.get("UV") or shutil.which("uv")
    assert uv, "uv is needed to make the virtualenv (run the tests with `uv run pytest`)"
    venv = tmp_path / "venv"
    python = str(venv / "bin" / "python")
    run(uv, "venv", "--seed", "--python", "3.11", str(venv))
    # The framework with the backend these tests run on (keras-zoo depends on none).
    run(uv, "pip", "install", "--python", python, f"{ROOT}[{seams.current()}]")
    env = {**os.environ, "VIRTUAL_ENV": str(venv)}
    env.pop("PYTHONPATH", None)
    zoo = str(venv / "bin" / "zoo")
    alone = json.loads(run(zoo, "list", "--json", env=env).stdout)
    assert alone["plugins"] == [] and alone["layers"] == []
    for family in FAMILIES:
        # A family may need another (losses: core's sparsemax); with no index holding
        # it, pip gets that one's folder too, and nothing else.
        needed = [family, *sibling_families(family)]
        folders = [str(ROOT / "plugins" / name) for name in needed]
        run(python, "-m", "pip", "install", "--quiet", *folders, env=env)
        listing = json.loads(run(zoo, "list", "--json", env=env).stdout)
        assert sorted(p["name"] for p in listing["plugins"]) == sorted(needed)
        broken = [p for p in listing["plugins"] if p["broken"]]
        assert not broken, [p["errors"] for p in broken]
        # Not every family ships layers (the optimizers ship optimizers and schedules):
        # every family registers objects of some kind. `zoo list` imported it alone (a
        # family that fails to import is listed broken, above): no second process for a
        # plain `import zoo_<family>`, which costs a Keras start-up per family.
        shipped = [k for k, v in listing.items() if k != "plugins" and isinstance(v, list) and v]
        assert shipped, f"{family} registers no object of any kind"
        distributions = [f"keras-zoo-{name}" for name in needed]
        run(python, "-m", "pip", "uninstall", "--yes", "--quiet", *distributions, env=env)
