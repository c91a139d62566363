"""Finding and loading plugins: entry points of group ``zoo``, one at a time.

pluggy's own ``load_setuptools_entrypoints`` stops at the first plugin that
fails to import, and silently skips a second entry point of the same name;
here each one is loaded under its own ``try``, and whatever goes wrong is
kept, warned about and shown by ``zoo list``, while the rest keep working.

Importing a plugin is what registers its classes with Keras, so ``import zoo``
imports them all at once. Registering them with the plugin manager waits for
first use: a plugin that does ``import zoo`` is still half-imported while
``zoo`` loads it, and pluggy reads a plugin's hooks when it is registered.

The state lives in a ``ZooPluginManager`` (as pytest's lives in its
``PytestPluginManager``), so a test can build one afresh; the module-level
functions below are the public API and use the process's ``default_manager()``.
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
from zoo.versions import ENTRY_POINT_GROUP as ENTRY_POINT_GROUP
from zoo.versions import framework_version


class PluginWarning(UserWarning):
    """A plugin could not be loaded, or one of its hooks failed."""


class SelectionWarning(UserWarning):
    """ZOO_PLUGINS or ZOO_DISABLE_PLUGINS names a plugin that is not installed (not a
    PluginWarning: ``zoo list`` shows broken plugins itself, but not this)."""


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


def _env_names(variable: str) -> set[str] | None:
    value = os.environ.get(variable)
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


def _fail(plugin: Plugin, message: str) -> None:
    plugin.errors.append(message)
    warnings.warn(f"zoo plugin {plugin.name!r}: {message}", PluginWarning, stacklevel=3)


def _being_imported(ep: importlib.metadata.EntryPoint) -> bool:
    # importlib marks a module's spec as initializing until its code has run.
    package = sys.modules.get(ep.module.split(".")[0])
    return bool(getattr(getattr(package, "__spec__", None), "_initializing", False))


def _warn_unknown(
    installed: set[str], selected: set[str] | None, disabled: set[str] | None
) -> None:
    """A name in ZOO_PLUGINS or ZOO_DISABLE_PLUGINS that no installed plugin has is a typo
    the user would otherwise not see (``ZOO_PLUGINS=cor`` loads nothing at all)."""
    for variable, names in (("ZOO_PLUGINS", selected), ("ZOO_DISABLE_PLUGINS", disabled)):
        unknown = sorted((names or set()) - installed)
        if unknown:
            warnings.warn(
                f"{variable} names {', '.join(map(repr, unknown))}, which no installed zoo "
                f"plugin is called; installed: {', '.join(sorted(installed)) or 'none'}",
                SelectionWarning,
                stacklevel=4,
            )


class ZooPluginManager(pluggy.PluginManager):
    """The zoo's hooks and the plugins found for them, loaded once on first use."""

    def __init__(self) -> None:
        super().__init__("zoo")
        self.add_hookspecs(hookspecs)
        self._found: dict[str, Plugin] = {}
        # Imported, not yet registered with pluggy (see the module docstring).
        self._pending: dict[str, Any] = {}
        # Being imported by the user when found: imported on first use instead.
        self._deferred: dict[str, importlib.metadata.EntryPoint] = {}
        self._loaded = False
        self._generation = 0

    @property
    def generation(self) -> int:
        """Bumped whenever the set of plugins changes, so the registry knows to rebuild."""
        return self._generation

    def load_plugins(self) -> None:
        """Import every installed plugin once; safe to call again.

        ``ZOO_PLUGINS=core,vae`` loads only those plugins;
        ``ZOO_DISABLE_PLUGINS=vae`` blocks those (pluggy's ``set_blocked``).
        """
        if self._loaded:
            return
        self._loaded = True
        selected = _env_names("ZOO_PLUGINS")
        disabled = _env_names("ZOO_DISABLE_PLUGINS")
        for name in sorted(disabled or ()):
            self.set_blocked(name)
        installed = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
        for ep in installed:
            # A blocked plugin is not imported at all, and not listed, as before.
            if (selected is not None and ep.name not in selected) or self.is_blocked(ep.name):
                continue
            self._found_entry_point(ep)
        self._generation += 1
        _warn_unknown(installed.names, selected, disabled)

    def _found_entry_point(self, ep: importlib.metadata.EntryPoint) -> None:
        dist = ep.dist
        plugin = Plugin(
            name=ep.name,
            target=ep.value,
            distribution=dist.name if dist else None,
            version=dist.version if dist else None,
        )
        if ep.name in self._found:
            first = self._found[ep.name]
            plugin.name = f"{ep.name} ({plugin.distribution})"
            self._found[plugin.name] = plugin
            _fail(
                plugin,
                f"entry point name {ep.name!r} is already taken by distribution "
                f"{first.distribution!r}; this one is not loaded",
            )
            return
        self._found[ep.name] = plugin
        if _being_imported(ep):
            # The user imported this plugin first and it imported zoo: load it on first
            # use, when its import has finished, not half-way through.
            self._deferred[ep.name] = ep
            return
        self._load(ep, plugin)

    def _load(self, ep: importlib.metadata.EntryPoint, plugin: Plugin) -> None:
        try:
            module = ep.load()
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # a plugin's bug (its sys.exit() too) stops it alone
            _fail(plugin, f"import of {ep.value!r} failed: {type(error).__name__}: {error}")
            return
        api = getattr(module, "ZOO_PLUGIN_API", hookspecs.PLUGIN_API)
        if api != hookspecs.PLUGIN_API:
            _fail(
                plugin,
                f"written for plugin API {api!r}, but this zoo "
                f"{framework_version() or '(not installed)'} "
                f"speaks plugin API {hookspecs.PLUGIN_API}",
            )
            return
        self._pending[ep.name] = module

    def add(self, plugin: ModuleType | object, name: str) -> None:
        """Register a plugin in-process, without an entry point (tests, notebooks)."""
        self.load_plugins()
        if name in self._found:
            raise ValueError(f"a zoo plugin named {name!r} is already registered")
        self._found[name] = Plugin(name=name, target=getattr(plugin, "__name__", repr(plugin)))
        self._pending[name] = plugin
        self._generation += 1

    def remove(self, name: str) -> None:
        """Remove a plugin added with ``add`` (or an installed one)."""
        if name not in self._found:
            raise ValueError(f"no zoo plugin named {name!r} is registered")
        del self._found[name]
        self._pending.pop(name, None)
        self._deferred.pop(name, None)
        if self.has_plugin(name):
            self.unregister(name=name)
        self._generation += 1

    def ready(self) -> ZooPluginManager:
        """This manager, with every plugin found so far registered with pluggy."""
        self.load_plugins()
        for name, ep in list(self._deferred.items()):
            del self._deferred[name]
            self._load(ep, self._found[name])
        for name, module in list(self._pending.items()):
            del self._pending[name]
            try:
                self.register(module, name=name)
            except KeyboardInterrupt:
                raise
            except BaseException as error:  # e.g. a hook whose arguments match no hookspec
                _fail(self._found[name], f"cannot be registered: {error}")
        return self

    def plugins(self) -> dict[str, Plugin]:
        """Every plugin found, loaded or not, by name."""
        self.ready()
        return dict(self._found)

    def hooks_of(self, name: str) -> list[str]:
        """The hooks the plugin ``name`` implements, by name (none for a broken one)."""
        self.ready()
        module = self.get_plugin(name)
        if module is None:
            return []
        return sorted(caller.name for caller in self.get_hookcallers(module) or [])


_default: ZooPluginManager | None = None


def default_manager() -> ZooPluginManager:
    """The process's plugin manager, the one ``import zoo`` and the CLI use."""
    global _default
    if _default is None:
        _default = ZooPluginManager()
    return _default


def load_plugins() -> None:
    """Import every installed plugin once; safe to call again.

    ``ZOO_PLUGINS=core,vae`` loads only those plugins;
    ``ZOO_DISABLE_PLUGINS=vae`` loads all but those.
    """
    default_manager().load_plugins()


def register(plugin: ModuleType | object, name: str) -> None:
    """Register a plugin in-process, without an entry point (tests, notebooks)."""
    default_manager().add(plugin, name)


def unregister(name: str) -> None:
    """Remove a plugin registered with ``register`` (or an installed one)."""
    default_manager().remove(name)


def plugin_manager() -> ZooPluginManager:
    """The plugin manager, with every loaded plugin registered."""
    return default_manager().ready()


def plugins() -> dict[str, Plugin]:
    """Every plugin found, loaded or not, by name."""
    return default_manager().plugins()


def hooks_of(name: str) -> list[str]:
    """The hooks the plugin ``name`` implements, by name (none for a broken one)."""
    return default_manager().hooks_of(name)
