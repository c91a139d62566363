"""Entry points -> plugin loading -> the registry: what the installed plugins ship.

- ``entries``: what a plugin returns from its hooks, one entry per object (the entry
  types of losses, metrics, callbacks, optimizers and schedules in ``loss_entry``,
  ``metric_entry``, ``callback_entry``, ``optimizer_entry`` and ``schedule_entry``);
- ``field_types``: whether an entry's field holds its annotated type (its validation);
- ``hookspecs``: the hooks a plugin implements;
- ``kinds``: the kinds of object (layer, initializer, loss, metric, ...), each its entry type,
  hook and page template;
- ``loading``: finding and importing the plugins (the plugin manager);
- ``registry``: what they registered, collected on first use;
- ``lazy``: loading them right after Keras is imported;
- ``missing``: what a model file naming a class of a plugin not loaded is told.

Everything downstream (the kit, the bench, the docs, the CLI) imports from here.
"""

from zoo.registry.callback_entry import CallbackEntry
from zoo.registry.entries import WRONG_INPUTS, Entry, Family, LayerEntry, ObjectEntry, Twin
from zoo.registry.hookspecs import hookimpl
from zoo.registry.kinds import KINDS, Kind
from zoo.registry.loading import Plugin, PluginWarning, ZooPluginManager, load_plugins
from zoo.registry.loss_entry import REDUCTIONS, LossEntry
from zoo.registry.metric_entry import MetricEntry
from zoo.registry.optimizer_entry import OptimizerEntry
from zoo.registry.registry import Registered, Registry, custom_objects, get_registry
from zoo.registry.schedule_entry import ScheduleEntry

__all__ = [
    "KINDS",
    "REDUCTIONS",
    "WRONG_INPUTS",
    "CallbackEntry",
    "Entry",
    "Family",
    "Kind",
    "LayerEntry",
    "LossEntry",
    "MetricEntry",
    "ObjectEntry",
    "OptimizerEntry",
    "Plugin",
    "PluginWarning",
    "Registered",
    "Registry",
    "ScheduleEntry",
    "Twin",
    "ZooPluginManager",
    "custom_objects",
    "get_registry",
    "hookimpl",
    "load_plugins",
]
