"""Finding and loading plugins: entry points of group ``zoo``, one at a time.

pluggy's own ``load_setuptools_entrypoints`` stops at the first plugin that
fails to import, and silently skips a second entry point of the same name;
here each one is loaded under its own ``try``, and whatever goes wrong is
kept, warned about and shown by ``zoo list``, while the rest keep working.

Name clashes are never settled silently by the order of ``sys.path``. An official
family (``zoo.versions.OFFICIAL_FAMILIES``: plugin ``core`` of distribution
``keras-zoo-core``, ...) keeps its entry point name and its Keras names (``zoo_core>...``)
against any other distribution, which is listed as broken, naming both; two unofficial
distributions declaring one name are both listed as broken, and neither is imported.

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
from zoo.versions import (
    OFFICIAL_FAMILIES,
    framework_version,
    is_official,
    official_distribution,
)


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


def _distribution(ep: importlib.metadata.EntryPoint) -> str | None:
    return ep.dist.name if ep.dist else None


def package_of(target: str) -> str:
    """The top-level package of a module or entry point target: ``zoo_core.plugin`` ->
    ``zoo_core``."""
    return target.split(":")[0].split(".")[0]


def _keras_names() -> dict[str, Any]:
    """A copy of Keras' registered names (``package>Name`` -> class), if Keras is imported."""
    keras = sys.modules.get("keras")
    saving = getattr(keras, "saving", None)
    return dict(saving.get_custom_objects()) if saving is not None else {}


def _registered_in(package: str, key: str) -> Any:
    """The class of ``package`` (imported) that was registered with Keras as ``key``, if
    any: what a later registration of another class under ``key`` took the name from."""
    import keras

    for module_name, module in list(sys.modules.items()):
        if module_name != package and not module_name.startswith(f"{package}."):
            continue
        for value in list(vars(module).values()):
            if (
                isinstance(value, type)
                and value.__module__ == module_name
                and keras.saving.get_registered_name(value) == key
            ):
                return value
    return None


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
        #: The plugins ZOO_PLUGINS names, as read when loading (``None``: not set).
        self.selected: set[str] | None = None

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
        selected = self.selected = _env_names("ZOO_PLUGINS")
        disabled = _env_names("ZOO_DISABLE_PLUGINS")
        for name in sorted(disabled or ()):
            self.set_blocked(name)
        installed = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
        by_name: dict[str, list[importlib.metadata.EntryPoint]] = {}
        for ep in installed:
            # A blocked plugin is not imported at all, and not listed, as before.
            if (selected is not None and ep.name not in selected) or self.is_blocked(ep.name):
                continue
            by_name.setdefault(ep.name, []).append(ep)
        for eps in by_name.values():
            if len(eps) == 1:
                self._found_entry_point(eps[0])
            else:
                self._found_clash(eps)
        self._generation += 1
        _warn_unknown(installed.names, selected, disabled)

    def _found_clash(self, eps: list[importlib.metadata.EntryPoint]) -> None:
        """Several distributions declare one plugin name. The official family's own
        distribution keeps it, whatever the order on ``sys.path``, and the others are
        listed as broken, not imported; between unofficial ones, nobody wins: each is
        listed as broken, naming the others, and none is imported."""
        name = eps[0].name
        official = [ep for ep in eps if is_official(name, _distribution(ep))]
        for ep in eps:
            if official and ep is official[0]:
                self._found_entry_point(ep)
                continue
            plugin = self._plugin(ep)
            plugin.name = f"{name} ({plugin.distribution})"
            self._found[plugin.name] = plugin
            if official:
                _fail(
                    plugin,
                    f"entry point name {name!r} belongs to the official plugin {name!r} of "
                    f"distribution {official_distribution(name)!r}; this one, of "
                    f"{plugin.distribution!r}, is not loaded (an impostor of it)",
                )
            else:
                others = ", ".join(repr(_distribution(o)) for o in eps if o is not ep)
                _fail(
                    plugin,
                    f"entry point name {name!r} is declared by distribution "
                    f"{plugin.distribution!r} and also by {others}; none of them is loaded "
                    "until only one is installed",
                )

    @staticmethod
    def _plugin(ep: importlib.metadata.EntryPoint) -> Plugin:
        dist = ep.dist
        return Plugin(
            name=ep.name,
            target=ep.value,
            distribution=dist.name if dist else None,
            version=dist.version if dist else None,
        )

    def _found_entry_point(self, ep: importlib.metadata.EntryPoint) -> None:
        plugin = self._plugin(ep)
        self._found[ep.name] = plugin
        if _being_imported(ep):
            # The user imported this plugin first and it imported zoo: load it on first
            # use, when its import has finished, not half-way through.
            self._deferred[ep.name] = ep
            return
        self._load(ep, plugin)

    def _load(self, ep: importlib.metadata.EntryPoint, plugin: Plugin) -> None:
        before = _keras_names()
        try:
            module = ep.load()
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # a plugin's bug (its sys.exit() too) stops it alone
            _fail(plugin, f"import of {ep.value!r} failed: {type(error).__name__}: {error}")
            self._give_back(plugin, before)
            return
        self._give_back(plugin, before)
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

    def _give_back(self, plugin: Plugin, before: dict[str, Any]) -> None:
        """Keras names of another plugin's package (``zoo_core>Linear``) that importing
        ``plugin`` registered to a class of its own are given back (Keras keeps the last
        registration), and ``plugin`` is marked broken for it. So the official class is
        the one ``load_model`` finds, whichever plugin was imported last."""
        keras = sys.modules.get("keras")
        if keras is None:
            return
        names = keras.saving.get_custom_objects()  # Keras' own, live
        for key, obj in list(names.items()):
            if before.get(key) is obj or ">" not in key:
                continue
            package = key.split(">")[0]
            if package in (package_of(plugin.target), package_of(getattr(obj, "__module__", ""))):
                continue  # its own, or a class of that package imported through it
            owner = self._owner(package, plugin)
            if owner is None:
                continue  # nobody's package: the registry's own check reports it
            rightful = _registered_in(package, key) or before.get(key)
            if rightful is not None:
                names[key] = rightful
            else:
                del names[key]
            _fail(
                plugin,
                f"registers {getattr(obj, '__module__', '?')}."
                f"{getattr(obj, '__qualname__', obj)} under the Keras name {key!r}, which "
                f"belongs to {owner}; the name is left to it",
            )

    def _owner(self, package: str, plugin: Plugin) -> str | None:
        """Whose the Keras package ``package`` is, if it is another plugin's. The official
        families are released together and may keep each other's old names (a class that
        moved keeps its name as an alias): one is never taken for an impostor."""
        if is_official(plugin.name, plugin.distribution):
            return None
        for family in OFFICIAL_FAMILIES:
            if package == f"zoo_{family}":
                return f"the official plugin {family!r} ({official_distribution(family)})"
        for other in self._found.values():
            if other is not plugin and package_of(other.target) == package:
                return f"plugin {other.name!r} ({other.distribution or 'in-process'})"
        return None

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
    ``ZOO_DISABLE_PLUGINS=vae`` loads all but those. A model file that then fails to
    load for want of a zoo class says which plugin provides it (``zoo.registry.missing``).
    """
    from zoo.registry.missing import explain_missing_plugins

    default_manager().load_plugins()
    explain_missing_plugins()


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
