"""The pages of the example scripts (``examples/*.py``)."""

from __future__ import annotations

import inspect
from pathlib import Path

from zoo.docgen.markdown import fenced


def example_page(path: Path, figures: Path) -> str:
    """The page of the example script ``path``: its docstring, how to run it, the figures
    and output a full run recorded under ``figures``, and its source."""
    source = path.read_text()
    module = compile(source, str(path), "exec")
    doc = module.co_consts[0] if module.co_consts and isinstance(module.co_consts[0], str) else ""
    title = doc.strip().splitlines()[0] if doc.strip() else path.stem
    lines = [f"# {title}\n", inspect.cleandoc(doc).partition("\n")[2] + "\n"]
    lines += ["Run it:\n", fenced("sh", f"uv run python examples/{path.name} --help")]
    recorded = figures / path.stem
    for figure in sorted(recorded.glob("*.png")):
        lines.append(f"![{figure.stem}](../assets/examples/{path.stem}/{figure.name})\n")
    printed = recorded / "output.txt"
    if printed.exists():
        # Progress bars redraw with carriage returns; keep what the last draw showed.
        text = [line.split("\r")[-1] for line in printed.read_text().splitlines()]
        lines += [
            "What a full run printed (its last lines):\n",
            fenced("text", "\n".join(text[-20:])),
        ]
    lines += ["## Source\n", fenced("python", source)]
    return "\n".join(lines)
