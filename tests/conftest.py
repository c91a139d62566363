"""Shared fixtures: plugins made on the fly, real enough for importlib.metadata."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# The checkout: tests import it (``from tests.conftest import ROOT``) rather than
# counting their own folder's depth from ``__file__``, which a move would break.
ROOT = Path(__file__).resolve().parents[1]
ZOO = Path(sys.executable).parent / "zoo"


def write_distribution(
    folder: Path,
    distribution: str,
    entry_points: dict[str, str],
    modules: dict[str, str],
    version: str = "0.0.1",
) -> None:
    """Lay out an installed distribution (dist-info and modules) in ``folder``."""
    info = folder / f"{distribution.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {distribution}\nVersion: {version}\n"
    )
    lines = "\n".join(f"{name} = {target}" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[zoo]\n{lines}\n")
    for module, source in modules.items():
        (folder / f"{module}.py").write_text(textwrap.dedent(source))


@pytest.fixture
def site(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess]:
    """Run a command in a new process that also sees the distributions in ``tmp_path``."""

    def run(
        *command: str, env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> subprocess.CompletedProcess:
        environment = {**os.environ, **(env or {})}
        environment["PYTHONPATH"] = os.pathsep.join(
            [str(tmp_path), environment.get("PYTHONPATH", "")]
        )
        return subprocess.run(
            command, capture_output=True, text=True, env=environment, cwd=cwd, timeout=900
        )

    def install(distribution: str, entry_points: dict[str, str], modules: dict[str, str]):
        write_distribution(tmp_path, distribution, entry_points, modules)

    def install_project(project: Path) -> None:
        """Install a plugin's project folder as pip would, from its pyproject.toml: its
        packages (folders with an ``__init__.py``), name, version and entry points."""
        metadata = tomllib.loads((project / "pyproject.toml").read_text())["project"]
        for package in project.glob("*/__init__.py"):
            shutil.copytree(package.parent, tmp_path / package.parent.name)
        write_distribution(
            tmp_path,
            metadata["name"],
            metadata["entry-points"]["zoo"],
            {},
            version=metadata["version"],
        )

    def zoo(
        *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> subprocess.CompletedProcess:
        return run(str(ZOO), *args, env=env, cwd=cwd)

    run.folder = tmp_path
    run.install = install
    run.install_project = install_project
    run.zoo = zoo
    return run
