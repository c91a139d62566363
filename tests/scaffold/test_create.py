"""`zoo new NAME`: a plugin that passes the kit as written, from template files."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from zoo.scaffold import ScaffoldError, class_name, create
from zoo.versions import OFFICIAL_FAMILIES, official_distribution

pytestmark = pytest.mark.framework

ZOO = Path(sys.executable).parent / "zoo"


def test_the_plugin_is_written_from_the_template(tmp_path):
    folder = create("shapes", tmp_path)
    assert folder == tmp_path / "shapes-zoo-plugin"
    written = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
    assert written == {
        ".gitignore",
        "README.md",
        "pyproject.toml",
        "docs/index.md",
        "tests/test_conformance.py",
        "zoo_shapes/__init__.py",
        "zoo_shapes/plugin.py",
        "zoo_shapes/py.typed",
        "zoo_shapes/scale.py",
    }
    pyproject = (folder / "pyproject.toml").read_text()
    assert '[project.entry-points.zoo]\nshapes = "zoo_shapes.plugin"' in pyproject
    # The author's own name, not the official families' keras-zoo- prefix; the range of
    # framework releases is the installed one's minor series.
    assert 'name = "shapes-zoo-plugin"' in pyproject
    assert 'dependencies = ["keras-zoo>=0.2,<0.3"]' in pyproject
    assert "--zoo-plugin shapes" in pyproject
    layer = (folder / "zoo_shapes" / "scale.py").read_text()
    assert 'register_keras_serializable(package="zoo_shapes")' in layer
    assert "class ShapesScale(keras.layers.Layer):" in layer
    readme = (folder / "README.md").read_text()
    for command in ("pip install -e .", "zoo check shapes", "zoo docs serve --check --bench"):
        assert command in readme
    # Every placeholder was filled: no template syntax is left in any file.
    for path in folder.rglob("*"):
        if path.is_file():
            assert "$" not in path.read_text(), path


def test_the_example_class_is_named_after_the_plugin():
    assert class_name("shapes") == "ShapesScale"
    assert class_name("my_family") == "MyFamilyScale"


@pytest.mark.parametrize("name", ["My Family!", "shapes-2", "2shapes", "Shapes", "a__b", "x_", ""])
def test_a_bad_name_is_refused_saying_what_a_name_may_be(tmp_path, name):
    with pytest.raises(ScaffoldError, match="lowercase letters, digits and single underscores"):
        create(name, tmp_path)
    assert not list(tmp_path.iterdir())


def test_an_existing_folder_is_not_overwritten(tmp_path):
    (tmp_path / "shapes-zoo-plugin").mkdir()
    (tmp_path / "shapes-zoo-plugin" / "mine.txt").write_text("keep me")
    with pytest.raises(ScaffoldError, match="already exists: not overwriting it"):
        create("shapes", tmp_path)
    assert [p.name for p in (tmp_path / "shapes-zoo-plugin").iterdir()] == ["mine.txt"]


def test_the_command_exits_2_with_the_reason(tmp_path):
    result = subprocess.run(
        [str(ZOO), "new", "My Family!"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "'My Family!' is not a plugin name" in " ".join(result.stderr.split())
    result = subprocess.run([str(ZOO), "new", "shapes"], cwd=tmp_path, capture_output=True)
    assert result.returncode == 0 and (tmp_path / "shapes-zoo-plugin" / "pyproject.toml").exists()
    result = subprocess.run(
        [str(ZOO), "new", "shapes"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 2 and "already exists" in result.stderr


def run(*command: str, cwd: Path | None = None, env=None) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, timeout=1800, env=env, cwd=cwd)
    assert result.returncode == 0, (
        f"{command} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result


@pytest.mark.slow
def test_a_new_plugin_passes_the_kit_and_its_own_tests_out_of_the_box(tmp_path):
    """As a new author: scaffold, install next to the zoo in a fresh environment,
    `zoo check NAME`, then `pytest` inside the plugin."""
    uv = os.environ.get("UV") or shutil.which("uv")
    assert uv, "uv is needed to make the virtualenv (run the tests with `uv run pytest`)"
    venv = tmp_path / "venv"
    python = str(venv / "bin" / "python")
    run(uv, "venv", "--python", "3.11", str(venv))
    # keras-zoo depends on no backend: the default one, as a new author would install.
    run(uv, "pip", "install", "--python", python, f"{ROOT}[test,tensorflow]")
    run(str(venv / "bin" / "zoo"), "new", "shapes", cwd=tmp_path)
    plugin = tmp_path / "shapes-zoo-plugin"
    run(uv, "pip", "install", "--python", python, "-e", str(plugin))
    env = {**os.environ, "VIRTUAL_ENV": str(venv)}
    env.pop("PYTHONPATH", None)
    checked = run(str(venv / "bin" / "zoo"), "check", "shapes", env=env)
    assert " 0 failed" in checked.stdout, checked.stdout[-3000:]
    tested = run(str(venv / "bin" / "pytest"), "-q", "-p", "no:cacheprovider", cwd=plugin, env=env)
    summary = tested.stdout.strip().splitlines()[-1]
    assert re.search(r"\d+ passed", summary) and " failed" not in summary, summary


def test_the_author_names_the_distribution_and_a_bad_name_is_refused(tmp_path):
    folder = create("my_family", tmp_path, "acme-layers")
    assert folder == tmp_path / "acme-layers"
    assert 'name = "acme-layers"' in (folder / "pyproject.toml").read_text()
    assert create("my_family", tmp_path / "default").name == "my-family-zoo-plugin"
    with pytest.raises(ScaffoldError, match="distribution 'acme layers!' is not a distribution"):
        create("shapes", tmp_path, "acme layers!")
    assert not (tmp_path / "acme layers!").exists()


@pytest.mark.parametrize("family", OFFICIAL_FAMILIES)
def test_an_official_family_name_is_refused(tmp_path, family):
    with pytest.raises(ScaffoldError, match=f"'{family}' is the official family of distribution"):
        create(family, tmp_path)
    with pytest.raises(ScaffoldError, match=f"is the official family '{family}''s"):
        create("mine", tmp_path, official_distribution(family))
    assert not list(tmp_path.iterdir())


def test_a_name_of_an_installed_plugin_is_refused_in_one_line(site):
    site.install("acme-shapes", {"shapes": "acme_shapes"}, {"acme_shapes": ""})
    site.install("acme-rings", {"rings_plugin": "zoo_rings"}, {"zoo_rings": ""})
    out = site.folder / "out"
    out.mkdir()
    for args, clash in (
        (("core",), "'core' is the official family of distribution keras-zoo-core"),
        (("shapes",), "'shapes' clashes with the installed plugin 'shapes' of acme-shapes"),
        (("rings",), "'rings' clashes with the installed package zoo_rings"),
        (("mine", "--distribution", "acme-shapes"), "'acme-shapes' is installed already"),
    ):
        result = site.zoo("new", *args, cwd=out)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert clash in result.stderr and len(result.stderr.strip().splitlines()) == 1, (
            result.stderr
        )
    assert not list(out.iterdir())
