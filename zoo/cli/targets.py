"""What the commands act on: the registry of the installed plugins, loaded quietly, and
the plugins and objects named on a command line."""

from __future__ import annotations

from typing import Any

from zoo.cli.console import errors


def registry() -> Any:
    """The registry, Keras imported first through ``zoo.quiet``."""
    import warnings

    from zoo.quiet import import_keras
    from zoo.registry.loading import PluginWarning

    # Broken plugins are shown in the output; a warning on top would say it twice.
    warnings.simplefilter("ignore", PluginWarning)
    import_keras()
    import zoo

    return zoo.get_registry()


def resolve_targets(registry: Any, names: list[str]) -> tuple[list[str], list[str]] | None:
    """Plugins and object names from a mix of both; None (after a message) if unknown."""
    plugins, objects = [], []
    families = {family.name: plugin for plugin, family in registry.families.items()}
    for name in names:
        if name in registry.plugins:
            plugins.append(name)
        elif name in families:
            plugins.append(families[name])
        else:
            try:
                objects.append(registry.get(name).name)
            except KeyError as error:
                known = ", ".join(sorted(registry.plugins))
                errors.print(f"[red]{error.args[0]} Installed plugins: {known}.[/red]")
                return None
    return plugins, objects


def selected(registry: Any, kind: str, names: list[str], what: str) -> list[Any] | None:
    """The registered objects of ``kind`` that ``names`` (plugins or objects; none: all)
    select; None, after a message, if a name is unknown or nothing is selected."""
    chosen = selected_kinds(registry, (kind,), names, what)
    return None if chosen is None else chosen[kind]


def selected_kinds(
    registry: Any, kinds: tuple[str, ...], names: list[str], what: str
) -> dict[str, list[Any]] | None:
    """``selected`` for a command acting on several kinds: the objects of each kind that
    ``names`` select, the kinds with none left out; None, after a message, if a name is
    unknown or nothing of any kind is selected."""
    targets = resolve_targets(registry, names)
    if targets is None:
        return None
    plugins, objects = targets
    chosen = {}
    for kind in kinds:
        items = [
            item
            for item in registry.all(kind)
            if not (plugins or objects) or item.plugin in plugins or item.name in objects
        ]
        if items:
            chosen[kind] = items
    if not chosen:
        errors.print(f"[red]no {what}[/red]")
        return None
    return chosen


def version(registry: Any, plugin: str) -> str | None:
    found: str | None = registry.plugins[plugin].version
    return found
