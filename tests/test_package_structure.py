"""The shape of the framework package: the flow of its imports, one way, and modules
small enough to read.

entry points -> plugin loading -> registry -> {kit, bench, docs} -> CLI: each package
below imports only from the packages before it in ``LAYERS`` (and from itself), so the
import drawing has no upward arrow and no circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.framework

ZOO = ROOT / "zoo"

#: The framework's parts, lowest first. A module may import its own part and any part
#: before it; ``zoo`` itself (the package's ``__init__``, the façade users import) sits
#: after the registry and the layouts it re-exports.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("zoo.backends", "zoo.validation", "zoo.random_state", "zoo.quiet", "zoo.versions", "zoo.ops"),
    ("zoo.registry",),
    ("zoo.records", "zoo.layouts"),
    ("zoo",),
    ("zoo.testing",),
    ("zoo.bench",),
    ("zoo.docgen",),
    ("zoo.scaffold",),
    ("zoo.cli",),
)

MAX_LINES = 450
MAX_TOP_LEVEL_MODULES = 8


def part_of(module: str) -> str:
    """The part of ``LAYERS`` that holds ``module`` (its longest matching prefix)."""
    found = [
        part
        for layer in LAYERS
        for part in layer
        if module == part or module.startswith(part + ".") and part != "zoo"
    ]
    return max(found, key=len) if found else "zoo"


def rank(part: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if part in layer)


def module_name(path: Path) -> str:
    parts = path.relative_to(ZOO.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every zoo module ``path`` imports, at its top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name == "zoo" or name.startswith("zoo.")}


def modules() -> list[Path]:
    return sorted(ZOO.rglob("*.py"))


def test_no_import_goes_up_the_flow() -> None:
    upward = []
    for path in modules():
        here = part_of(module_name(path))
        for target in imports_of(path):
            there = part_of(target)
            if there != here and rank(there) > rank(here):
                upward.append(f"{module_name(path)} ({here}) imports {target} ({there})")
    assert not upward, "imports against the flow:\n" + "\n".join(sorted(upward))


def test_every_module_has_a_part() -> None:
    known = {part for layer in LAYERS for part in layer}
    homeless = [
        module_name(path)
        for path in modules()
        if part_of(module_name(path)) == "zoo" and module_name(path) != "zoo"
    ]
    assert not homeless, f"modules in no part of LAYERS {sorted(known)}: {homeless}"


def test_modules_are_short_enough_to_read() -> None:
    long = {
        str(path.relative_to(ZOO.parent)): count
        for path in modules()
        if (count := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_few_modules_at_the_top_level() -> None:
    top = sorted(path.name for path in ZOO.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top


def test_the_part_rule_itself_catches_an_upward_import(tmp_path: Path) -> None:
    # The scan above would pass vacuously if imports_of found nothing.
    module = tmp_path / "probe.py"
    module.write_text("def f():\n    from zoo.cli import main\n\nimport zoo.registry.entries\n")
    assert imports_of(module) >= {"zoo.cli", "zoo.cli.main", "zoo.registry.entries"}
    assert rank(part_of("zoo.cli.main")) > rank(part_of("zoo.registry.entries"))
