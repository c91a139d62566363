"""Finding and loading plugins: entry points of group ``zoo``, one at a time.

pluggy's own ``load_setuptools_entrypoints`` stops at the first plugin that
fails to import, and silently skips a second entry point of the same name;
here each one is loaded under its own ``try``, and whatever goes wrong is
kept, warned about and shown by ``zoo list``, while the rest keep working.

Importing a plugin is what registers its classes with Keras, so ``import zoo``
imports them all at once. Registering them with the plugin manager waits for
first use: a plugin that does ``import zoo`` is still half-imported while
``zoo`` loads it, and pluggy reads a plugin's hooks when it is registered.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
import warnings
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pluggy

from zoo.registry import hookspecs

ENTRY_POINT_GROUP = "zoo"


class PluginWarning(UserWarning):
    """A plugin could not be loaded, or one of its hooks failed."""


@dataclass
class Plugin:
    """An installed (or in-process) plugin and what went wrong with it."""

    name: str
    target: str
    distribution: str | None = None
    version: str | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def broken(self) -> bool:
        return bool(self.errors)


_manager = pluggy.PluginManager("zoo")
_manager.add_hookspecs(hookspecs)
_plugins: dict[str, Plugin] = {}
_pending: dict[str, Any] = {}
_deferred: dict[str, importlib.metadata.EntryPoint] = {}
_loaded = False
#: Bumped whenever the set of plugins changes, so the registry knows to rebuild.
generation = 0


def _env_names(variable: str) -> set[str] | None:
    value = os.environ.get(variable)
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


def _fail(plugin: Plugin, message: str) -> None:
    plugin.errors.append(message)
    warnings.warn(f"zoo plugin {plugin.name!r}: {message}", PluginWarning, stacklevel=3)


def load_plugins() -> None:
    """Import every installed plugin once; safe to call again.

    ``ZOO_PLUGINS=core,vae`` loads only those plugins;
    ``ZOO_DISABLE_PLUGINS=vae`` loads all but those.
    """
    global _loaded, generation
    if _loaded:
        return
    _loaded = True
    selected = _env_names("ZOO_PLUGINS")
    disabled = _env_names("ZOO_DISABLE_PLUGINS") or set()
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if (selected is not None and ep.name not in selected) or ep.name in disabled:
            continue
        dist = ep.dist
        plugin = Plugin(
            name=ep.name,
            target=ep.value,
            distribution=dist.name if dist else None,
            version=dist.version if dist else None,
        )
        if ep.name in _plugins:
            first = _plugins[ep.name]
            plugin.name = f"{ep.name} ({plugin.distribution})"
            _plugins[plugin.name] = plugin
            _fail(
                plugin,
                f"entry point name {ep.name!r} is already taken by distribution "
                f"{first.distribution!r}; this one is not loaded",
            )
            continue
        _plugins[ep.name] = plugin
        if _being_imported(ep):
            # The user imported this plugin first and it imported zoo: load it on first
            # use, when its import has finished, not half-way through.
            _deferred[ep.name] = ep
            continue
        _load(ep, plugin)
    generation += 1


def _being_imported(ep: importlib.metadata.EntryPoint) -> bool:
    # importlib marks a module's spec as initializing until its code has run.
    package = sys.modules.get(ep.module.split(".")[0])
    return bool(getattr(getattr(package, "__spec__", None), "_initializing", False))


def _load(ep: importlib.metadata.EntryPoint, plugin: Plugin) -> None:
    try:
        module = ep.load()
    except Exception as error:  # a plugin's bug must not stop the others
        _fail(plugin, f"import of {ep.value!r} failed: {type(error).__name__}: {error}")
        return
    api = getattr(module, "ZOO_PLUGIN_API", hookspecs.PLUGIN_API)
    if api != hookspecs.PLUGIN_API:
        _fail(
            plugin,
            f"written for plugin API {api!r}, but this zoo {_zoo_version()} "
            f"speaks plugin API {hookspecs.PLUGIN_API}",
        )
        return
    _pending[ep.name] = module


def _zoo_version() -> str:
    try:
        return importlib.metadata.version("zoo")
    except importlib.metadata.PackageNotFoundError:
        return "(not installed)"


def register(plugin: ModuleType | object, name: str) -> None:
    """Register a plugin in-process, without an entry point (tests, notebooks)."""
    global generation
    load_plugins()
    if name in _plugins:
        raise ValueError(f"a zoo plugin named {name!r} is already registered")
    _plugins[name] = Plugin(name=name, target=getattr(plugin, "__name__", repr(plugin)))
    _pending[name] = plugin
    generation += 1


def unregister(name: str) -> None:
    """Remove a plugin registered with ``register`` (or an installed one)."""
    global generation
    if name not in _plugins:
        raise ValueError(f"no zoo plugin named {name!r} is registered")
    del _plugins[name]
    _pending.pop(name, None)
    _deferred.pop(name, None)
    if _manager.has_plugin(name):
        _manager.unregister(name=name)
    generation += 1


def plugin_manager() -> pluggy.PluginManager:
    """The plugin manager, with every loaded plugin registered."""
    load_plugins()
    for name, ep in list(_deferred.items()):
        del _deferred[name]
        _load(ep, _plugins[name])
    for name, module in list(_pending.items()):
        del _pending[name]
        try:
            _manager.register(module, name=name)
        except Exception as error:  # e.g. a hook whose arguments match no hookspec
            _fail(_plugins[name], f"cannot be registered: {error}")
    return _manager


def plugins() -> dict[str, Plugin]:
    """Every plugin found, loaded or not, by name."""
    plugin_manager()
    return dict(_plugins)


def hooks_of(name: str) -> list[str]:
    """The hooks the plugin ``name`` implements, by name (none for a broken one)."""
    manager = plugin_manager()
    module = manager.get_plugin(name)
    if module is None:
        return []
    return sorted(caller.name for caller in manager.get_hookcallers(module) or [])
