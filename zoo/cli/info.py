"""``zoo info NAME``: one registered object, its signature, weights and config."""

from __future__ import annotations

import argparse
import inspect
import json
from typing import Any

from zoo.cli.console import console, errors, table
from zoo.cli.targets import registry as load_registry


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("info", help="show one registered object")
    from zoo.registry.kinds import KINDS

    kinds = ", ".join(KINDS)
    parser.add_argument("name", help=f"the name of a registered object (of a kind: {kinds})")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    registry = load_registry()
    try:
        item = registry.get(args.name)
    except KeyError as error:
        errors.print(f"[red]{error.args[0]}[/red]")
        return 2
    entry = item.entry
    console.rule(f"[bold]{item.name}[/bold] ({item.kind}, family {item.family})")
    console.print(entry.summary)
    console.print(f"\n[bold]Signature[/bold]  {item.name}{inspect.signature(entry.cls)}")
    console.print(f"[bold]Keras name[/bold] {item.keras_name}")
    console.print(f"[bold]Keras twin[/bold] {entry.twin.name if entry.twin else '(none)'}")
    obj = entry.make()
    if item.kind == "layer":
        from zoo.testing.helpers import example_input

        obj(example_input(entry))
        weights = table(title=f"Weights on input shape {entry.input_shape}")
        for column in ("name", "shape", "dtype", "trainable"):
            weights.add_column(column)
        for weight in obj.weights:
            weights.add_row(
                weight.path,
                str(tuple(weight.shape)),
                weight.dtype,
                str(weight.trainable),
            )
        console.print(weights)
    import keras

    # The registered object's config: a cell's, not the RNN's it is called in.
    from zoo.registry import LayerEntry

    held = entry.held(obj) if isinstance(entry, LayerEntry) else obj
    config = keras.saving.serialize_keras_object(held.get_config())
    console.print("[bold]Config[/bold]")
    console.print_json(json.dumps(config, default=str))
    return 0
