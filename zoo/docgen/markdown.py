"""The markdown pieces every generated page is made of."""

from __future__ import annotations

import numpy as np


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def fenced(language: str, text: str) -> str:
    return f"```{language}\n{text.rstrip()}\n```\n"


def shown(value: np.ndarray) -> str:
    """A number, or an array on one line, as a page shows a result."""
    if value.ndim == 0:
        return f"{float(value):.6g}"
    return f"`{np.array2string(value, precision=6, separator=', ').replace(chr(10), '')}`"
