"""Conformance checks of source and docs: the docstring example runs, and no
private API is imported."""

from __future__ import annotations

import ast
import doctest
import functools
import importlib
import io
import sys
from pathlib import Path

from zoo.registry import KINDS, Registered
from zoo.testing.kit import check

PRIVATE = ("keras.src", "tensorflow.python")


def private_imports(path: Path) -> list[str]:
    """``file:line module`` for each import of a private Keras/TensorFlow module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if any(name == p or name.startswith(p + ".") for p in PRIVATE):
                found.append(f"{path}:{node.lineno} imports {name}")
                break
    return found


@functools.cache
def _package_private_imports(package: str) -> tuple[str, ...]:
    module = importlib.import_module(package)
    file = module.__file__
    assert file is not None, f"{package} is a namespace package, not a plugin's module"
    root = Path(file).parent
    files = sorted(root.rglob("*.py")) if root.name == package else [Path(file)]
    return tuple(hit for path in files for hit in private_imports(path))


@check(*KINDS)
def check_no_private_imports(item: Registered) -> None:
    """Its package imports no private API (keras.src, tensorflow.python)."""
    package = item.cls.__module__.split(".")[0]
    hits = _package_private_imports(package)
    assert not hits, "imports private APIs:\n" + "\n".join(hits)


def run_example(cls: type) -> tuple[int, str]:
    """Run the doctest examples of ``cls``'s docstring; (failures, report)."""
    finder = doctest.DocTestFinder(recurse=False)
    tests = [t for t in finder.find(cls, cls.__name__, globs={}) if t.examples]
    if not tests:
        return -1, "its docstring has no runnable Example (>>> lines)"
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    report = io.StringIO()
    stdout = sys.stdout
    try:
        for test in tests:
            runner.run(test, out=report.write)
    finally:
        sys.stdout = stdout
    return runner.failures, report.getvalue()


@check(*KINDS)
def check_docstring_example(item: Registered) -> None:
    """Its docstring Example runs and prints what the docstring says."""
    failures, report = run_example(item.cls)
    assert failures == 0, f"docstring example: {report}"
