"""``zoo list``: the installed plugins and what each registers."""

from __future__ import annotations

import argparse
import json
from typing import Any

from zoo.cli.console import print_whole, table
from zoo.cli.targets import registry as load_registry


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("list", help="list installed plugins and what they register")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.set_defaults(run=run)


def _describe(item: Any, registry: Any) -> dict[str, Any]:
    entry = item.entry
    return {
        "name": item.name,
        "kind": item.kind,
        "family": item.family,
        "plugin": item.plugin,
        "version": registry.plugins[item.plugin].version,
        "keras_name": item.keras_name,
        "summary": entry.summary,
        "twin": entry.twin.name if entry.twin else None,
    }


def run(args: argparse.Namespace) -> int:
    from zoo.registry import KINDS
    from zoo.registry.loading import hooks_of

    registry = load_registry()
    plugins = [
        {
            "name": p.name,
            "target": p.target,
            "distribution": p.distribution,
            "version": p.version,
            "family": registry.families[p.name].name if p.name in registry.families else None,
            "hooks": hooks_of(p.name),
            "status": "broken" if p.broken else "ok",
            "broken": p.broken,
            "errors": p.errors,
        }
        for p in registry.plugins.values()
    ]
    objects = {
        KINDS[k].plural: [_describe(i, registry) for i in registry.all(k)] for k in registry.objects
    }
    if args.json:
        print(json.dumps({"plugins": plugins, **objects}, indent=2))
        return _status(plugins)
    shown = table(title="Plugins")
    for column in ("plugin", "distribution", "version", "status"):
        shown.add_column(column, no_wrap=column != "status")
    for p in plugins:
        status = "[red]broken: " + "; ".join(p["errors"]) + "[/red]" if p["broken"] else "ok"
        shown.add_row(p["name"], p["distribution"] or "(in-process)", p["version"] or "", status)
    print_whole(shown)
    for kind, rows in objects.items():
        if not rows:
            continue
        shown = table(title=kind.capitalize())
        for column in ("name", "family", "plugin", "version", "Keras name", "twin"):
            shown.add_column(column, no_wrap=True)
        for row in rows:
            shown.add_row(
                row["name"],
                row["family"],
                row["plugin"],
                row["version"] or "",
                row["keras_name"],
                row["twin"] or "",
            )
        print_whole(shown)
    return _status(plugins)


def _status(plugins: list[dict[str, Any]]) -> int:
    """1 when a plugin is broken (its error is in the listing), as `pip check` does."""
    return 1 if any(p["broken"] for p in plugins) else 0
