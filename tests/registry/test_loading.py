"""Installed plugins that misbehave are reported by name and the rest keep working.

Each test lays out real distributions (dist-info with a ``zoo`` entry point)
and runs ``zoo`` in a new process that sees them.
"""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.framework


def listing(site, env=None, broken=False) -> dict:
    """`zoo list --json`; it exits 1 exactly when some plugin is broken."""
    result = site.zoo("list", "--json", env=env)
    assert result.returncode == (1 if broken else 0), result.stderr
    return json.loads(result.stdout)


def test_plugin_raising_at_import_is_listed_as_broken(site):
    site.install(
        "zoo-broken",
        {"broken": "zoo_broken_plugin"},
        {"zoo_broken_plugin": "raise RuntimeError('the plugin is broken on purpose')"},
    )
    data = listing(site, broken=True)
    broken = {p["name"]: p for p in data["plugins"]}["broken"]
    assert broken["broken"] is True
    assert "RuntimeError" in broken["errors"][0]
    assert "the plugin is broken on purpose" in broken["errors"][0]
    assert {"Linear", "RunningSum", "MLPBlock", "Maxout"} <= {
        layer["name"] for layer in data["layers"]
    }
    # `import zoo` itself works and warns, naming the plugin and the error.
    result = site("python", "-c", "import zoo; print(len(zoo.get_registry().layers()))")
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 4
    assert "zoo plugin 'broken'" in result.stderr and "RuntimeError" in result.stderr
    # The table view names it too.
    table = site.zoo("list")
    assert table.returncode == 1  # listed in full, and the fault signalled
    assert "broken" in table.stdout and "RuntimeError" in table.stdout


def test_missing_module_duplicate_name_and_old_api_are_reported(site):
    site.install("zoo-ghost", {"ghost": "zoo_no_such_module"}, {})
    site.install(
        "zoo-impostor",
        {"core": "zoo_impostor"},
        {"zoo_impostor": "raise AssertionError('must never be imported')"},
    )
    site.install(
        "zoo-ancient",
        {"ancient": "zoo_ancient"},
        {"zoo_ancient": "ZOO_PLUGIN_API = 0\n"},
    )
    data = listing(site, broken=True)
    plugins = {p["name"]: p for p in data["plugins"]}
    assert "ModuleNotFoundError" in plugins["ghost"]["errors"][0]
    # The impostor comes first on sys.path (PYTHONPATH), and still the official plugin
    # keeps its name and is loaded; the impostor is listed as broken, not imported.
    assert plugins["core"]["distribution"] == "keras-zoo-core", plugins["core"]
    assert not plugins["core"]["broken"]
    assert "Linear" in {layer["name"] for layer in data["layers"]}
    impostor = plugins["core (zoo-impostor)"]
    assert impostor["broken"] and impostor["distribution"] == "zoo-impostor"
    message = impostor["errors"][0]
    assert "entry point name 'core' belongs to the official plugin 'core'" in message
    assert "'keras-zoo-core'" in message and "'zoo-impostor'" in message
    assert "must never be imported" not in " ".join(
        sum((p["errors"] for p in plugins.values()), [])
    )
    assert "plugin API 0" in plugins["ancient"]["errors"][0]


def test_two_unofficial_plugins_of_one_name_are_both_reported_and_neither_loaded(site):
    for distribution in ("zoo-shapes-a", "zoo-shapes-b"):
        module = distribution.replace("-", "_")
        site.install(distribution, {"shapes": module}, {module: "raise AssertionError('imported')"})
    plugins = {p["name"]: p for p in listing(site, broken=True)["plugins"]}
    assert "shapes" not in plugins
    first, second = plugins["shapes (zoo-shapes-a)"], plugins["shapes (zoo-shapes-b)"]
    assert "also by 'zoo-shapes-b'" in first["errors"][0], first
    assert "also by 'zoo-shapes-a'" in second["errors"][0], second
    assert all("none of them is loaded" in p["errors"][0] for p in (first, second))
    assert not plugins["core"]["broken"]


SQUATTER = """
import keras
import zoo
import zoo_core  # the official plugin first: the take-over below is Keras' last word


@keras.saving.register_keras_serializable(package="zoo_squatter")
class Linear(keras.layers.Layer):
    \"\"\"The official core plugin's layer name, in a package of its own.\"\"\"

    def call(self, inputs):
        return inputs


class Hijack(keras.layers.Layer):
    def call(self, inputs):
        return inputs * 0


keras.saving.register_keras_serializable(package="zoo_core", name="Linear")(Hijack)


@zoo.hookimpl
def register_layers():
    return [zoo.LayerEntry(Linear)]
"""


@pytest.mark.slow  # new `zoo` processes, alike on every backend (run in CI's slow leg)
def test_a_plugin_taking_the_official_names_is_the_broken_one(site):
    # Registered name 'Linear' and Keras name 'zoo_core>Linear' both taken by an unknown
    # distribution imported before core: core keeps both, the squatter is named broken.
    site.install("zoo-squatter", {"squatter": "zoo_squatter"}, {"zoo_squatter": SQUATTER})
    data = listing(site, broken=True)
    plugins = {p["name"]: p for p in data["plugins"]}
    assert not plugins["core"]["broken"], plugins["core"]["errors"]
    errors = " | ".join(plugins["squatter"]["errors"])
    assert "layer 'Linear' is the official plugin 'core''s (keras-zoo-core)" in errors
    assert "plugin 'squatter''s one is not registered" in errors
    assert "zoo_squatter.Hijack under the Keras name 'zoo_core>Linear'" in errors
    assert "the official plugin 'core' (keras-zoo-core)" in errors
    (linear,) = [layer for layer in data["layers"] if layer["name"] == "Linear"]
    assert (linear["plugin"], linear["keras_name"]) == ("core", "zoo_core>Linear")
    # `import zoo` gives Keras' name back before anything can load a model with it.
    script = (
        "import zoo, keras, zoo_core\n"
        "assert keras.saving.get_registered_object('zoo_core>Linear') is zoo_core.Linear\n"
        "print('core keeps it')"
    )
    result = site("python", "-c", script)
    assert result.returncode == 0 and "core keeps it" in result.stdout, result.stderr[-2000:]
    table = site.zoo("list")
    assert table.returncode == 1 and "squatter" in table.stdout


@pytest.mark.slow  # new `zoo` processes, alike on every backend (run in CI's slow leg)
def test_environment_selects_and_blocks_plugins(site):
    only_core = listing(site, env={"ZOO_PLUGINS": "core"})
    assert [p["name"] for p in only_core["plugins"]] == ["core"]
    without_core = listing(site, env={"ZOO_DISABLE_PLUGINS": "core"})
    assert "core" not in [p["name"] for p in without_core["plugins"]]
    assert "Linear" not in [layer["name"] for layer in without_core["layers"]]


def test_importing_a_plugin_before_zoo_leaves_it_whole(site):
    # The plugin imports zoo, which loads plugins while the first is half-imported.
    script = (
        "import warnings; warnings.simplefilter('error')\n"
        "import zoo_core\n"
        "import zoo\n"
        "registry = zoo.get_registry()\n"
        "assert not registry.broken(), [p.errors for p in registry.broken()]\n"
        "print(sorted(item.name for item in registry.all(plugin='core')))\n"
    )
    result = site("python", "-c", script)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "'Linear'" in result.stdout and "'FixupNormal'" in result.stdout


@pytest.mark.slow  # two more `zoo` processes; the listing tests above cover the loading
def test_zoo_check_fails_for_the_broken_plugin_only(site):
    site.install("zoo-ghost", {"ghost": "zoo_no_such_module"}, {})
    # A cheap check keeps this quick; what matters is the exit status.
    fault = site.zoo("check", "ghost", "--check", "invalid_configs")
    assert fault.returncode == 1
    assert "plugin ghost is broken" in fault.stderr and "ModuleNotFoundError" in fault.stderr
    others = site.zoo("check", "core", "--check", "invalid_configs")
    assert others.returncode == 0, others.stdout[-2000:] + others.stderr[-2000:]
    assert "0 failed" in others.stdout


@pytest.mark.slow  # one new process per family; core is checked in the default run above
@pytest.mark.parametrize(
    "family",
    [
        "regularizing",
        "normalization",
        "vae",
        "vision",
        "transformer",
        "losses",
        "sequence",
        "optimizers",
    ],
)
def test_importing_any_family_before_zoo_leaves_every_plugin_whole(site, family):
    # Their plugin modules import the family's classes at the top, as core's does.
    script = (
        "import warnings; warnings.simplefilter('error')\n"
        f"import zoo_{family}\n"
        "import zoo\n"
        "registry = zoo.get_registry()\n"
        "assert not registry.broken(), [p.errors for p in registry.broken()]\n"
        f"print(len(registry.all(plugin='{family}')))\n"
    )
    result = site("python", "-c", script)
    assert result.returncode == 0, result.stderr[-2000:]
    assert int(result.stdout.strip()) > 0


@pytest.mark.slow  # new `zoo` processes, alike on every backend (run in CI's slow leg)
@pytest.mark.parametrize(
    "source",
    [
        "import sys\nsys.exit(3)\n",
        "raise SystemExit('leaving on purpose')\n",
        "import zoo\n\n@zoo.hookimpl\ndef register_layers():\n    raise SystemExit(4)\n",
    ],
    ids=["sys.exit at import", "SystemExit at import", "SystemExit in a hook"],
)
def test_plugin_that_exits_is_broken_and_the_process_goes_on(site, source):
    site.install("zoo-quitter", {"quitter": "zoo_quitter"}, {"zoo_quitter": source})
    plugins = {p["name"]: p for p in listing(site, broken=True)["plugins"]}
    assert "SystemExit" in plugins["quitter"]["errors"][0], plugins["quitter"]
    assert not plugins["core"]["broken"]
    # Importing zoo then Keras (which loads the plugins) must not end the program.
    result = site("python", "-c", "import zoo, keras\nprint('still here')")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "still here"
