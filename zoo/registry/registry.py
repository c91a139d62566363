"""What the plugins registered: families and their objects of every kind
(``KINDS``), with where each came from.

Everything downstream (the CLI, the conformance kit, the benchmarks, the
docs) reads this and nothing else, so it never needs to know a family by name.
The registry is collected on first use and rebuilt whenever the set of plugins
changes, so a plugin registered later (a test's, say) is not missed.
"""

from __future__ import annotations

import difflib
import warnings
from dataclasses import dataclass, field
from typing import Any

from zoo.registry import loading as plugin_loading
from zoo.registry.entries import Entry, Family
from zoo.registry.kinds import KINDS, Kind
from zoo.versions import is_official, official_distribution

__all__ = ["KINDS", "Kind", "Registered", "Registry", "custom_objects", "get_registry"]


@dataclass(frozen=True)
class Registered:
    """One registered object: its entry, its kind, and who registered it."""

    entry: Entry
    kind: str
    plugin: str
    family: str

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def cls(self) -> type:
        return self.entry.cls

    @property
    def keras_name(self) -> str:
        import keras  # here, not at the top: `import zoo` stays light (zoo.registry.lazy)

        name: str = keras.saving.get_registered_name(self.entry.cls)
        return name


@dataclass
class Registry:
    plugins: dict[str, plugin_loading.Plugin]
    families: dict[str, Family] = field(default_factory=dict)
    objects: dict[str, dict[str, Registered]] = field(
        default_factory=lambda: {kind: {} for kind in KINDS}
    )

    def all(self, kind: str | None = None, plugin: str | None = None) -> list[Registered]:
        """Registered objects, optionally of one kind and/or from one plugin."""
        kinds = [kind] if kind else list(self.objects)
        return [
            item
            for k in kinds
            for item in self.objects[k].values()
            if plugin is None or item.plugin == plugin
        ]

    def layers(self, plugin: str | None = None) -> list[Registered]:
        return self.all("layer", plugin)

    def get(self, name: str, kind: str | None = None) -> Registered:
        """The object registered under ``name``; ``KeyError`` with suggestions if none."""
        found = [item for item in self.all(kind) if item.name == name]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            kinds = ", ".join(item.kind for item in found)
            raise KeyError(f"{name!r} names several objects ({kinds}); say which kind")
        known = sorted({item.name for item in self.all(kind)})
        close = difflib.get_close_matches(name, known, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"no {kind or 'object'} named {name!r} is registered.{hint}")

    def family_of(self, plugin: str) -> Family:
        return self.families[plugin]

    def broken(self) -> list[plugin_loading.Plugin]:
        return [p for p in self.plugins.values() if p.broken]


_cache: tuple[plugin_loading.ZooPluginManager, int, Registry] | None = None


def get_registry(manager: plugin_loading.ZooPluginManager | None = None) -> Registry:
    """The registry of every plugin of ``manager`` (the process's by default),
    collected now if its plugins changed since last asked."""
    global _cache
    manager = (manager or plugin_loading.default_manager()).ready()
    if _cache is None or _cache[0] is not manager or _cache[1] != manager.generation:
        _cache = (manager, manager.generation, _collect(manager))
    return _cache[2]


def custom_objects() -> dict[str, type]:
    """Every registered class by its Keras name, for ``load_model(custom_objects=...)``."""
    return {item.keras_name: item.cls for item in get_registry().all()}


def _fail(plugin: plugin_loading.Plugin, message: str) -> None:
    if message not in plugin.errors:
        plugin.errors.append(message)
        warnings.warn(
            f"zoo plugin {plugin.name!r}: {message}",
            plugin_loading.PluginWarning,
            stacklevel=4,
        )


def _call(manager: Any, hook: str, plugin: plugin_loading.Plugin) -> Any:
    """Call one plugin's implementation of ``hook``; ``None`` if it has none or fails."""
    for impl in getattr(manager.hook, hook).get_hookimpls():
        if impl.plugin_name == plugin.name:
            try:
                return impl.function()
            except KeyboardInterrupt:
                raise
            except BaseException as error:  # a plugin's bug (its sys.exit() too) stops it alone
                _fail(plugin, f"hook {hook} raised {type(error).__name__}: {error}")
                return None
    return None


def _keras_problem(
    cls: type,
    plugin: plugin_loading.Plugin | None = None,
    plugins: dict[str, plugin_loading.Plugin] | None = None,
) -> str | None:
    """Why Keras could not rebuild ``cls`` from a saved file, if it could not.

    A Keras name of ``plugin``'s own package that another plugin's class took over (Keras
    keeps the last registration) is given back to ``plugin``, and the other plugin is
    marked broken for it: the name's package says whose it is."""
    import keras

    name = keras.saving.get_registered_name(cls)
    if ">" not in name:
        return f"{cls.__qualname__} is not registered with keras.saving.register_keras_serializable"
    package = name.split(">")[0]
    home = cls.__module__.split(".")[0]
    other = keras.saving.get_registered_object(name)
    if other is not cls:
        other_home = getattr(other, "__module__", "").split(".")[0]
        taker = next(
            (
                p
                for p in (plugins or {}).values()
                if p is not plugin and plugin_loading.package_of(p.target) == other_home
            ),
            None,
        )
        if (
            plugin is not None
            and taker is not None
            and package == home == plugin_loading.package_of(plugin.target)
        ):
            keras.saving.get_custom_objects()[name] = cls
            _fail(
                taker,
                f"registers {getattr(other, '__module__', '?')}."
                f"{getattr(other, '__qualname__', other)} under the "
                f"Keras name {name!r}, which is plugin {plugin.name!r}'s; the name is given "
                f"back to plugin {plugin.name!r}",
            )
            return None
        return (
            f"Keras name {name!r} of {cls.__module__}.{cls.__qualname__} now points to "
            f"{getattr(other, '__module__', '?')}.{getattr(other, '__qualname__', other)}"
            ": two classes were registered under one name and Keras kept the last"
        )
    if package != home:
        return (
            f"{cls.__qualname__} is registered under package {package!r}, "
            f"but lives in {home!r}; register it with package={home!r}"
        )
    return None


def _collect(manager: plugin_loading.ZooPluginManager) -> Registry:
    registry = Registry(plugins=manager.plugins())
    # Every plugin's entries first, then the names more than one plugin registers.
    claims: dict[tuple[str, str], list[Registered]] = {}
    for plugin in registry.plugins.values():
        if not manager.has_plugin(plugin.name):
            continue
        family = _call(manager, "register_family", plugin)
        if family is None:
            family = Family(name=plugin.name, description="")
        elif not isinstance(family, Family):
            _fail(plugin, f"register_family returned {family!r}, not a zoo.Family")
            family = Family(name=plugin.name, description="")
        registry.families[plugin.name] = family
        for kind, spec in KINDS.items():
            hook, entry_type = spec.hook, spec.entry_type
            entries = _call(manager, hook, plugin)
            if entries is None:
                continue
            if not isinstance(entries, list | tuple):
                _fail(plugin, f"{hook} returned {type(entries).__name__}, not a list")
                continue
            for entry in entries:
                if not isinstance(entry, entry_type):
                    _fail(
                        plugin,
                        f"{hook} returned {entry!r}, not a zoo.{entry_type.__name__}",
                    )
                    continue
                problem = _keras_problem(entry.cls, plugin, registry.plugins)
                if problem:
                    _fail(plugin, problem)
                    continue
                claims.setdefault((kind, entry.name), []).append(
                    Registered(entry=entry, kind=kind, plugin=plugin.name, family=family.name)
                )
    for (kind, name), claimants in claims.items():
        winner = _settle(kind, name, claimants, registry.plugins)
        if winner is not None:
            registry.objects[kind][name] = winner
    return registry


def _official(plugin: plugin_loading.Plugin) -> bool:
    return is_official(plugin.name, plugin.distribution)


def _settle(
    kind: str, name: str, claimants: list[Registered], plugins: dict[str, plugin_loading.Plugin]
) -> Registered | None:
    """Who keeps ``name`` when several plugins register it: the official family, if one
    of them is; otherwise nobody. Every other claimant is marked broken, naming both."""
    if len(claimants) == 1:
        return claimants[0]
    official = [c for c in claimants if _official(plugins[c.plugin])]
    winner = official[0] if len(official) == 1 else None
    for claimant in claimants:
        if claimant is winner:
            continue
        if winner is not None:
            _fail(
                plugins[claimant.plugin],
                f"{kind} {name!r} is the official plugin {winner.plugin!r}'s "
                f"({official_distribution(winner.plugin)}); plugin {claimant.plugin!r}'s one "
                "is not registered",
            )
        else:
            others = ", ".join(repr(c.plugin) for c in claimants if c is not claimant)
            _fail(
                plugins[claimant.plugin],
                f"{kind} {name!r} is registered by plugin {claimant.plugin!r} and also by "
                f"plugin {others}; neither one is registered until the clash is resolved",
            )
    return winner
