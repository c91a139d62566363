"""``zoo new NAME``: a new plugin, ``NAME-zoo-plugin/``, that passes the kit."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from zoo.cli.console import console, errors


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "new", help="write a new plugin, NAME-zoo-plugin/, that passes the kit"
    )
    parser.add_argument("name", metavar="NAME", help="the plugin's name, e.g. shapes")
    parser.add_argument(
        "--distribution",
        metavar="DIST",
        help="its distribution's name on the package index, and its folder's "
        "(default: NAME-zoo-plugin; keras-zoo-* is the official families' prefix)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from zoo.scaffold import ScaffoldError, create

    try:
        folder = create(args.name, Path.cwd(), args.distribution)
    except ScaffoldError as error:
        errors.print(f"[red]{error}[/red]", highlight=False, soft_wrap=True)
        return 2
    console.print(f"wrote {folder.name}/, a zoo plugin with one layer. Next:", highlight=False)
    console.print(
        f"  cd {folder.name}\n"
        "  pip install -e .                # or: uv pip install -e .\n"
        f"  zoo check {args.name}\n"
        "  zoo docs serve --check --bench",
        markup=False,
        highlight=False,
    )
    return 0
