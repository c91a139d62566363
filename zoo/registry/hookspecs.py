"""The hooks a zoo plugin implements.

A plugin is a module named by an entry point in the ``zoo`` group of its
distribution::

    [project.entry-points.zoo]
    myfamily = "my_package"

It implements the hooks below with ``@zoo.hookimpl``, only those it needs.
Each returns what the plugin ships; the framework collects the answers of
every installed plugin into the registry, and from the registry alone it
lists, tests, benchmarks and documents them.

The classes themselves must be registered with Keras at import time of the
plugin module, with ``keras.saving.register_keras_serializable(package=...)``
and the plugin's import name as the package, so that importing the plugin
is enough for ``keras.saving.load_model``.

A plugin module may set ``ZOO_PLUGIN_API = 1``, the version of these hooks
it was written for; a plugin for another version is reported, not loaded.
"""

# The hooks below are signatures: pluggy reads them and never calls them, so their
# bodies are the docstrings alone.
# mypy: disable-error-code="empty-body"

from __future__ import annotations

from typing import TYPE_CHECKING

from pluggy import HookimplMarker, HookspecMarker

if TYPE_CHECKING:
    from zoo.registry.callback_entry import CallbackEntry
    from zoo.registry.entries import Family, LayerEntry, ObjectEntry
    from zoo.registry.loss_entry import LossEntry
    from zoo.registry.metric_entry import MetricEntry
    from zoo.registry.optimizer_entry import OptimizerEntry
    from zoo.registry.schedule_entry import ScheduleEntry

hookspec = HookspecMarker("zoo")
hookimpl = HookimplMarker("zoo")

#: The version of the hooks below; bumped on an incompatible change.
PLUGIN_API = 1


@hookspec
def register_family() -> Family:
    """The family this plugin ships: its name and a one-paragraph description."""


@hookspec
def register_layers() -> list[LayerEntry]:
    """The layers (and models) of the family, one ``LayerEntry`` each."""


@hookspec
def register_initializers() -> list[ObjectEntry]:
    """The initializers of the family, one ``ObjectEntry`` each."""


@hookspec
def register_regularizers() -> list[ObjectEntry]:
    """The regularizers of the family, one ``ObjectEntry`` each."""


@hookspec
def register_constraints() -> list[ObjectEntry]:
    """The constraints of the family, one ``ObjectEntry`` each."""


@hookspec
def register_losses() -> list[LossEntry]:
    """The losses of the family, one ``LossEntry`` each."""


@hookspec
def register_metrics() -> list[MetricEntry]:
    """The metrics of the family, one ``MetricEntry`` each."""


@hookspec
def register_callbacks() -> list[CallbackEntry]:
    """The callbacks of the family, one ``CallbackEntry`` each."""


@hookspec
def register_optimizers() -> list[OptimizerEntry]:
    """The optimizers of the family, one ``OptimizerEntry`` each."""


@hookspec
def register_schedules() -> list[ScheduleEntry]:
    """The learning-rate schedules of the family, one ``ScheduleEntry`` each."""
