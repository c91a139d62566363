"""The ``zoo`` command: ``zoo list | info | check | bench | docs | new``.

Each command is one module here, owning its options (``add_parser``) and its work
(``run``); this module only puts them together. Heavy modules (Keras and TensorFlow,
the plugins, the conformance kit) are imported inside the commands that need them, so
``zoo --help`` answers at once; Keras is imported through ``zoo.quiet``, so
TensorFlow's C++ start-up lines stay off the terminal.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from zoo.cli import bench, check, docs, info, listing, new

#: The commands, in the order ``zoo --help`` lists them.
COMMANDS = (listing, info, check, bench, docs, new)


class _Versions(argparse.Action):
    """``zoo --version``: the framework's and every plugin distribution's version, read
    from the installed metadata (no plugin imported)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any) -> None:
        from zoo.versions import version_lines

        print("\n".join(version_lines()))
        parser.exit()


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="zoo",
        description="The Keras layer zoo: list, inspect and check installed layers.",
    )
    main.add_argument(
        "--version",
        action=_Versions,
        help="print the versions of keras-zoo, each installed plugin distribution, Keras "
        "and the backends, and exit",
    )
    commands = main.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(commands)
    return main


def main(argv: list[str] | None = None) -> int:
    """The ``zoo`` program (``argv`` None: its command line), or one command of it run
    in this process (``argv`` given)."""
    if argv is None:
        from zoo.quiet import filter_stderr

        filter_stderr()
        argv = sys.argv[1:]
    args = parser().parse_args(argv)
    args.argv = argv
    from zoo.records import RecordError

    try:
        return int(args.run(args))
    except RecordError as error:  # a damaged record: say which file, not a traceback
        from zoo.cli.console import errors

        errors.print(f"[red]{error}[/red]", highlight=False, soft_wrap=True)
        return 2
    except OSError as error:  # a folder or file it cannot read or write: name it
        from zoo.cli.console import errors

        where = f"{error.filename}: " if error.filename else ""
        errors.print(
            f"[red]zoo {args.command}: {where}{error.strerror or error}[/red]",
            highlight=False,
            soft_wrap=True,
        )
        return 2
