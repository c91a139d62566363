"""Installed plugins that misbehave are reported by name and the rest keep working.

Each test lays out real distributions (dist-info with a ``zoo`` entry point)
and runs ``zoo`` in a new process that sees them.
"""

from __future__ import annotations

import json

import pytest


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
    plugins = {p["name"]: p for p in listing(site, broken=True)["plugins"]}
    assert "ModuleNotFoundError" in plugins["ghost"]["errors"][0]
    # Whichever comes first on sys.path keeps the name; the other is reported, not loaded.
    second = [p for p in plugins.values() if p["name"].startswith("core (")]
    assert len(second) == 1, plugins
    assert "entry point name 'core' is already taken by distribution" in second[0]["errors"][0]
    assert {plugins["core"]["distribution"], second[0]["distribution"]} == {
        "keras-zoo-core",
        "zoo-impostor",
    }
    assert "plugin API 0" in plugins["ancient"]["errors"][0]


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
@pytest.mark.parametrize("family", ["regularizing", "normalization", "vae"])
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
