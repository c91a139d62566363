"""The registry: what in-process plugins register, and the mistakes it catches."""

from __future__ import annotations

import types
import warnings

import keras
import pytest

import zoo
from zoo.registry import KINDS, ZooPluginManager
from zoo.registry.loading import PluginWarning, register, unregister

pytestmark = pytest.mark.framework

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
def manager() -> ZooPluginManager:
    """A plugin manager of this test's own: the installed plugins, and what it adds."""
    return ZooPluginManager()


@pytest.fixture
def plugins(manager):
    """Add in-process plugins to this test's manager."""
    return lambda name, plugin: manager.add(plugin, name=name)


@pytest.fixture
def registry_of(manager):
    return lambda: zoo.get_registry(manager)


def errors_of(manager, name: str) -> list[str]:
    return zoo.get_registry(manager).plugins[name].errors


def test_a_plugin_registered_later_is_seen():
    # Through the public functions, on the process's own manager.
    before = {item.name for item in zoo.get_registry().layers()}
    register(Plugin([zoo.LayerEntry(Doubler)], zoo.Family("doubling", "x2")), name="doubling")
    try:
        registry = zoo.get_registry()
        assert "Doubler" not in before
        item = registry.get("Doubler")
        assert (item.kind, item.plugin, item.family) == ("layer", "doubling", "doubling")
        assert item.keras_name == f"{PACKAGE}>Doubler"
        assert zoo.custom_objects()[f"{PACKAGE}>Doubler"] is Doubler
        assert {item.name for item in registry.layers()} >= before
    finally:
        unregister("doubling")
    assert "Doubler" not in {item.name for item in zoo.get_registry().layers()}


def test_a_fresh_manager_is_its_own_and_rebuilds_when_its_plugins_change(manager, plugins):
    first = zoo.get_registry(manager)
    assert zoo.get_registry(manager) is first
    generation = manager.generation
    plugins("doubling", Plugin([zoo.LayerEntry(Doubler)]))
    assert manager.generation > generation
    assert zoo.get_registry(manager).get("Doubler").plugin == "doubling"
    # The process's registry never heard of it.
    with pytest.raises(KeyError):
        zoo.get_registry().get("Doubler")
    manager.remove("doubling")
    with pytest.raises(KeyError):
        zoo.get_registry(manager).get("Doubler")


def test_disabled_plugins_are_blocked_not_imported(monkeypatch):
    monkeypatch.setenv("ZOO_DISABLE_PLUGINS", "vae, regularizing")
    manager = ZooPluginManager()
    registry = zoo.get_registry(manager)
    assert manager.is_blocked("vae") and manager.is_blocked("regularizing")
    assert not manager.has_plugin("vae")
    assert "vae" not in registry.plugins and "core" in registry.plugins
    assert {item.plugin for item in registry.all()} & {"vae", "regularizing"} == set()
    # Blocked is blocked: pluggy refuses to register it even by hand.
    assert manager.register(object(), name="vae") is None


def test_every_kind_is_collected_from_its_hook(manager):
    registry = zoo.get_registry(manager)
    for kind in KINDS.values():
        items = registry.all(kind.name)
        assert items, f"no installed plugin ships a {kind.name}"
        assert all(isinstance(item.entry, kind.entry_type) for item in items)


def test_loading_twice_changes_nothing(manager):
    first = {item.keras_name for item in zoo.get_registry(manager).all()}
    generation = manager.generation
    manager.load_plugins()
    zoo.load_plugins()
    assert manager.generation == generation
    assert {item.keras_name for item in zoo.get_registry(manager).all()} == first


def test_same_name_from_two_plugins_names_both_and_keeps_it_for_neither(manager, plugins):
    plugins("first", Plugin([zoo.LayerEntry(Doubler)]))
    plugins("second", Plugin([zoo.LayerEntry(Doubler)]))
    with pytest.warns(PluginWarning, match="and also by plugin"):
        registry = zoo.get_registry(manager)
    with pytest.raises(KeyError):
        registry.get("Doubler")
    for name, other in (("first", "second"), ("second", "first")):
        message = errors_of(manager, name)[0]
        assert f"by plugin '{name}' and also by plugin '{other}'" in message


def test_a_name_of_the_official_family_stays_with_it(manager, plugins):
    @keras.saving.register_keras_serializable(package=PACKAGE, name="Linear")
    class Linear(keras.layers.Layer):
        pass

    plugins("imitation", Plugin([zoo.LayerEntry(Linear)]))
    with pytest.warns(PluginWarning, match="the official plugin 'core''s"):
        registry = zoo.get_registry(manager)
    assert registry.get("Linear").plugin == "core"
    assert not registry.plugins["core"].broken
    assert "plugin 'imitation''s one is not registered" in errors_of(manager, "imitation")[0]


def test_a_failing_hook_is_reported_and_others_keep_working(manager, plugins):
    plugins("failing", Plugin(fail=RuntimeError("no layers today")))
    with pytest.warns(PluginWarning, match="register_layers raised RuntimeError"):
        registry = zoo.get_registry(manager)
    assert registry.plugins["failing"].broken
    assert registry.get("Linear").plugin == "core"


def test_malformed_entries_and_unregistered_classes_are_reported(manager, plugins):
    plugins("sloppy", Plugin(["not an entry", zoo.LayerEntry(Unregistered)]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PluginWarning)
        registry = zoo.get_registry(manager)
    problems = " | ".join(errors_of(manager, "sloppy"))
    assert "not a zoo.LayerEntry" in problems
    assert "Unregistered is not registered with keras.saving" in problems
    with pytest.raises(KeyError, match="Unregistered"):
        registry.get("Unregistered", "layer")


def test_a_keras_name_taken_over_by_another_class_is_caught(manager, plugins):
    class Impostor(keras.layers.Layer):
        pass

    # Keras silently lets the second class take the name over.
    keras.saving.register_keras_serializable(package=PACKAGE, name="Shared")(Impostor)
    try:
        plugins("victim", Plugin([zoo.LayerEntry(Shared)]))
        with pytest.warns(PluginWarning, match="two classes were registered under one name"):
            zoo.get_registry(manager)
    finally:
        keras.saving.register_keras_serializable(package=PACKAGE, name="Shared")(Shared)


def test_a_keras_name_taken_from_its_package_is_given_back(manager, plugins):
    """Registered in process (or imported by the user before zoo), the take-over is seen
    when the registry is collected: the name goes back to the class of its package, and
    the plugin whose class took it is the broken one."""
    import zoo_core

    class Hijack(keras.layers.Layer):
        pass

    Hijack.__module__, Hijack.__qualname__ = "zoo_hijacker", "Hijack"
    plugins("hijacker", types.ModuleType("zoo_hijacker"))
    keras.saving.register_keras_serializable(package="zoo_core", name="Linear")(Hijack)
    try:
        with pytest.warns(PluginWarning, match="which is plugin 'core''s"):
            registry = zoo.get_registry(manager)
        assert keras.saving.get_registered_object("zoo_core>Linear") is zoo_core.Linear
        assert not registry.plugins["core"].broken
        assert registry.get("Linear").plugin == "core"
        assert (
            "registers zoo_hijacker.Hijack under the Keras name 'zoo_core>Linear'"
            in (errors_of(manager, "hijacker")[0])
        )
    finally:
        keras.saving.register_keras_serializable(package="zoo_core", name="Linear")(zoo_core.Linear)


def test_unknown_names_suggest_close_ones():
    with pytest.raises(KeyError, match="Did you mean Linear"):
        zoo.get_registry().get("Linaer")


@pytest.mark.parametrize(
    ("fields", "field", "error"),
    [
        ({"input_shape": [4, 8]}, "input_shape", TypeError),
        ({"input_shape": (4, 0)}, "input_shape", ValueError),
        ({"output_shape": ((4, 2), (4, -1))}, "output_shape", ValueError),
        ({"trainable_weights": "2"}, "trainable_weights", TypeError),
        ({"losses": -1}, "losses", ValueError),
        ({"twin": "keras.layers.Dense"}, "twin", TypeError),
        ({"rejects": ("last_dim",)}, "rejects", ValueError),
        ({"input_range": (1.0, 0.0)}, "input_range", ValueError),
        ({"backend_tolerance": 0}, "backend_tolerance", ValueError),
        ({"invalid_configs": (({"rate": -1},),)}, "invalid_configs", TypeError),
        ({"config": 3}, "config", TypeError),
    ],
)
def test_an_entry_with_a_wrong_field_is_refused_naming_entry_and_field(fields, field, error):
    with pytest.raises(error, match=f"LayerEntry of Doubler: field '{field}' must be"):
        zoo.LayerEntry(Doubler, **fields)


class Halving(keras.losses.Loss):
    def call(self, y_true, y_pred):
        return keras.ops.mean(y_pred - y_true, axis=-1) / 2


@pytest.mark.parametrize(
    ("fields", "field", "error"),
    [
        ({"example_batch": "a batch"}, "example_batch", TypeError),
        ({"per_sample": 1}, "per_sample", TypeError),
        ({"twin": "keras.losses.MeanSquaredError"}, "twin", TypeError),
        ({"atol": -1e-5}, "atol", ValueError),
        ({"mixed_precision_atol": 0.0}, "mixed_precision_atol", ValueError),
        ({"config_space": [("reduction", "sum")]}, "config_space", TypeError),
    ],
)
def test_every_kinds_entry_is_validated_as_a_layers_is(fields, field, error):
    # The checks live on the shared Entry base: a new kind's entry has them without an edit.
    with pytest.raises(error, match=f"LossEntry of Halving: field '{field}' must be"):
        zoo.LossEntry(Halving, **fields)


def test_a_metric_entry_needs_two_batches_to_check_accumulation():
    class Counting(keras.metrics.Mean):
        pass

    with pytest.raises(ValueError, match="MetricEntry of Counting: field 'batches' must be"):
        zoo.MetricEntry(Counting, batches=1)
    with pytest.raises(TypeError, match="MetricEntry of Counting: field 'sample_weight' must"):
        zoo.MetricEntry(Counting, sample_weight="yes")


def test_a_wrong_entry_breaks_its_plugin_at_registration(manager, plugins):
    class Careless:
        @zoo.hookimpl
        def register_layers(self):
            return [zoo.LayerEntry(Doubler, input_shape=[4, 8])]

    plugins("careless", Careless())
    with pytest.warns(PluginWarning, match="field 'input_shape' must be tuple"):
        registry = zoo.get_registry(manager)
    assert registry.plugins["careless"].broken
    assert "LayerEntry of Doubler" in errors_of(manager, "careless")[0]
    assert registry.get("Linear").plugin == "core"
