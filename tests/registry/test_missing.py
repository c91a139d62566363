"""A model file naming a zoo class that no loaded plugin registers: Keras' own error
(type and traceback) with one more line saying which distribution provides the class
and why it is not there (zoo.registry.missing). Real saved files, real plugins."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest

pytestmark = pytest.mark.framework

SAVE = """
import sys
import keras
import zoo
from zoo_core import Linear
keras.Sequential([keras.Input((3,)), Linear(2)]).save(sys.argv[1])
"""

LOAD = """
import sys
{prelude}
import zoo
import keras
try:
    keras.models.load_model(sys.argv[1])
except TypeError as error:
    print("NOTES", getattr(error, "__notes__", []))
keras.saving.load_model(sys.argv[1])  # uncaught: the traceback as Python prints it
"""


@pytest.fixture
def saved(site) -> Path:
    path = site.folder / "linear.keras"
    result = site("python", "-c", SAVE, str(path))
    assert result.returncode == 0, result.stderr[-2000:]
    return path


def without_core(folder: Path) -> str:
    """A copy of this environment's site-packages (symlinks) without keras-zoo-core: its
    metadata and the .pth of its editable install left out, so it is not installed."""
    farm = folder / "site-packages-without-core"
    farm.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if "keras_zoo_core" not in entry.name:
            (farm / entry.name).symlink_to(entry)
    return f"import site; site.addsitedir({str(farm)!r})"


def load(site, saved, prelude="", env=None, isolated=False):
    command = ["python", *(["-S"] if isolated else []), "-c", LOAD.format(prelude=prelude)]
    result = site(*command, str(saved), env=env)
    assert result.returncode == 1, result.stdout + result.stderr[-2000:]
    # Keras' error, its type and traceback kept, and one line more at the end.
    lines = result.stderr.strip().splitlines()
    message = "\n".join(lines[[i for i, line in enumerate(lines) if "Traceback" in line][-1] :])
    *_, keras_end, note = lines
    assert "\nTypeError: " in message and "Could not locate class 'Linear'" in keras_end
    assert "keras/src/saving" in result.stderr
    assert note in result.stdout  # the same line on the error caught from keras.models
    return note


@pytest.mark.parametrize(
    ("env", "why"),
    [
        (
            # The losses family imports zoo_core (its sparsemax), which would register Linear.
            {"ZOO_DISABLE_PLUGINS": "core,losses"},
            "installed but disabled by ZOO_DISABLE_PLUGINS: remove 'core' from it",
        ),
        ({"ZOO_PLUGINS": "vae"}, "installed but not loaded: ZOO_PLUGINS does not name it"),
    ],
    ids=["disabled", "not selected"],
)
def test_a_disabled_plugin_is_named_with_the_way_to_enable_it(site, saved, env, why):
    note = load(site, saved, env=env)
    assert note.startswith(
        "'zoo_core>Linear' comes from the zoo plugin 'core' of distribution keras-zoo-core, "
        f"which is {why}"
    ), note


def test_a_plugin_not_installed_is_named_with_the_pip_command(site, saved):
    note = load(site, saved, prelude=without_core(site.folder), isolated=True)
    assert note == (
        "'zoo_core>Linear' comes from the zoo plugin 'core' of distribution keras-zoo-core, "
        "which is not installed: pip install keras-zoo-core"
    )


def test_keras_load_model_is_wrapped_once_and_stays_keras():
    import keras

    import zoo  # noqa: F401 (loads the plugins, which wraps it)
    from zoo.registry.missing import explain_missing_plugins, missing_name

    wrapped = keras.saving.load_model
    explain_missing_plugins()
    assert keras.saving.load_model is wrapped is keras.models.load_model
    assert wrapped.__wrapped__.__module__.startswith("keras.")
    assert wrapped.__doc__ == wrapped.__wrapped__.__doc__
    # A class of someone else's package is none of the zoo's business.
    other = "Could not locate class 'Mine'. Full object config: {'registered_name': 'app>Mine'}"
    assert missing_name(other) is None
