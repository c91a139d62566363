"""What every command prints with: the terminal (made on first use), tables, and paths
as the user gave them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.table import Table


class _Console:
    """A rich Console made on first use: importing rich costs a third of `zoo --help`."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Any = None

    @property
    def rich(self) -> Any:
        """The Console itself, for what takes one (a Progress)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.rich, name)


console = _Console()
errors = _Console(stderr=True)


def table(*args: Any, **options: Any) -> Table:
    from rich.table import Table

    return Table(*args, **options)


def print_whole(table: Table) -> None:
    """Print ``table`` at its natural width at least, so that no name is ever cut to
    "ActivityRe…", in a narrow terminal (whose lines then wrap) or piped. (Its minimum
    width is not enough: rich still trims a no-wrap column there.)"""
    out = console.rich
    needed = out.measure(table, options=out.options.update_width(10**4)).maximum
    width = out.width
    out.width = max(width, needed)  # console.print(width=...) cannot exceed it
    try:
        out.print(table)
    finally:
        out.width = width


def shown(path: Path) -> str:
    """``path`` as the user would type it: relative to the current folder when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
