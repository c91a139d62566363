"""The registry: what in-process plugins register, and the mistakes it catches."""

from __future__ import annotations

import warnings

import keras
import pytest

import zoo
from zoo.registry.loading import PluginWarning, register, unregister

PACKAGE = __name__.split(".")[0]


@keras.saving.register_keras_serializable(package=PACKAGE)
class Doubler(keras.layers.Layer):
    """Doubles its input.

    Example:

    >>> print(2 * 2)
    4
    """

    def call(self, inputs):
        return inputs * 2


@keras.saving.register_keras_serializable(package=PACKAGE, name="Tripler")
class Tripler(keras.layers.Layer):
    def call(self, inputs):
        return inputs * 3


@keras.saving.register_keras_serializable(package=PACKAGE)
class Shared(keras.layers.Layer):
    pass


class Unregistered(keras.layers.Layer):
    pass


class Plugin:
    """A plugin object that registers whatever it is given."""

    def __init__(self, layers=(), family=None, fail=None):
        self._layers = list(layers)
        self._family = family
        self._fail = fail

    @zoo.hookimpl
    def register_family(self):
        return self._family

    @zoo.hookimpl
    def register_layers(self):
        if self._fail:
            raise self._fail
        return self._layers


@pytest.fixture
def plugins():
    """Register in-process plugins for one test; unregister them after."""
    names = []

    def add(name, plugin):
        register(plugin, name=name)
        names.append(name)

    yield add
    for name in names:
        unregister(name)


def errors_of(name: str) -> list[str]:
    return zoo.get_registry().plugins[name].errors


def test_a_plugin_registered_later_is_seen(plugins):
    before = {item.name for item in zoo.get_registry().layers()}
    plugins("doubling", Plugin([zoo.LayerEntry(Doubler)], zoo.Family("doubling", "x2")))
    registry = zoo.get_registry()
    assert "Doubler" not in before
    item = registry.get("Doubler")
    assert (item.kind, item.plugin, item.family) == ("layer", "doubling", "doubling")
    assert item.keras_name == f"{PACKAGE}>Doubler"
    assert zoo.custom_objects()[f"{PACKAGE}>Doubler"] is Doubler
    assert {item.name for item in registry.layers()} >= before


def test_loading_twice_changes_nothing():
    first = {item.keras_name for item in zoo.get_registry().all()}
    zoo.load_plugins()
    zoo.load_plugins()
    assert {item.keras_name for item in zoo.get_registry().all()} == first


def test_same_name_from_two_plugins_names_both_and_keeps_the_first(plugins):
    plugins("first", Plugin([zoo.LayerEntry(Doubler)]))
    plugins("second", Plugin([zoo.LayerEntry(Doubler)]))
    with pytest.warns(PluginWarning, match="already registered by plugin 'first'"):
        registry = zoo.get_registry()
    assert registry.get("Doubler").plugin == "first"
    message = errors_of("second")[0]
    assert "'first'" in message and "'second'" in message


def test_a_failing_hook_is_reported_and_others_keep_working(plugins):
    plugins("failing", Plugin(fail=RuntimeError("no layers today")))
    with pytest.warns(PluginWarning, match="register_layers raised RuntimeError"):
        registry = zoo.get_registry()
    assert registry.plugins["failing"].broken
    assert registry.get("Linear").plugin == "core"


def test_malformed_entries_and_unregistered_classes_are_reported(plugins):
    plugins("sloppy", Plugin(["not an entry", zoo.LayerEntry(Unregistered)]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PluginWarning)
        registry = zoo.get_registry()
    problems = " | ".join(errors_of("sloppy"))
    assert "not a zoo.LayerEntry" in problems
    assert "Unregistered is not registered with keras.saving" in problems
    with pytest.raises(KeyError, match="Unregistered"):
        registry.get("Unregistered", "layer")


def test_a_keras_name_taken_over_by_another_class_is_caught(plugins):
    class Impostor(keras.layers.Layer):
        pass

    # Keras silently lets the second class take the name over.
    keras.saving.register_keras_serializable(package=PACKAGE, name="Shared")(Impostor)
    try:
        plugins("victim", Plugin([zoo.LayerEntry(Shared)]))
        with pytest.warns(PluginWarning, match="two classes were registered under one name"):
            zoo.get_registry()
    finally:
        keras.saving.register_keras_serializable(package=PACKAGE, name="Shared")(Shared)


def test_unknown_names_suggest_close_ones():
    with pytest.raises(KeyError, match="Did you mean Linear"):
        zoo.get_registry().get("Linaer")
