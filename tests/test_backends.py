"""zoo.backends: one record per backend, the only place (with the per-backend seams)
that spells a backend's name."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

from tests.conftest import ROOT
from zoo import backends
from zoo.backends import ALL, BACKENDS, DEFAULT, backend, current, installed, where

pytestmark = pytest.mark.framework

ZOO = ROOT / "zoo"
#: The packages with a module per backend; each of their modules may name its backend.
SEAM_PACKAGES = ("zoo.bench.seams", "zoo.testing.seams")
#: Where a backend's name may be spelled: the records, and the seams.
ALLOWED = (ZOO / "backends.py", ZOO / "bench" / "seams", ZOO / "testing" / "seams")


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def backend_literals(path: Path) -> list[tuple[int, str]]:
    """The string constants of ``path`` (docstrings aside) that are a backend's name or
    its framework's import name, with their lines."""
    names = {b.name for b in ALL} | {b.module for b in ALL}
    tree = ast.parse(path.read_text(), str(path))
    docstrings = _docstrings(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value in names
        and id(node) not in docstrings
    ]


def _inside(path: Path, places: tuple[Path, ...]) -> bool:
    return any(path == place or place in path.parents for place in places)


def test_no_module_but_the_records_and_the_seams_names_a_backend() -> None:
    found = [
        f"{path.relative_to(ZOO.parent)}:{line}: {value!r}"
        for path in sorted(ZOO.rglob("*.py"))
        if not _inside(path, ALLOWED)
        for line, value in backend_literals(path)
    ]
    assert not found, "backend names outside zoo/backends.py and the seams:\n" + "\n".join(found)


def test_the_scan_finds_a_backend_name(tmp_path: Path) -> None:
    # The scan above must be able to fail: a literal is found, its docstring is not.
    module = tmp_path / "module.py"
    module.write_text('"""On tensorflow."""\nCHOICES = ("tensorflow", "jax")\n')
    assert backend_literals(module) == [(2, "tensorflow"), (2, "jax")]


def test_the_records_in_order_the_default_first() -> None:
    assert tuple(b.name for b in ALL) == BACKENDS
    assert DEFAULT is ALL[0]
    assert DEFAULT.name == "tensorflow"  # Keras' own default
    for record in ALL:
        assert backend(record.name) is record
        assert record.fit_mode == record.modes[0]
        assert len(record.mode_labels) == len(record.modes)
        assert record.most_precise in ("float64", "float32")
        assert record.module in record.distributions


def test_a_lookup_of_an_unknown_backend_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="no backend named 'numpy'.*" + ", ".join(BACKENDS)):
        backend("numpy")


def test_this_process_and_this_machine() -> None:
    assert backend() is backend(current())
    assert current() in installed()
    assert set(installed()) <= set(BACKENDS)


def test_facts_by_backend() -> None:
    assert where("string_tensors") == tuple(b.name for b in ALL if b.string_tensors)
    assert set(where("data_parallel")) == {b.name for b in ALL if b.data_parallel is not None}
    # Every data-parallel backend has an engine the distribution check can name.
    assert all(backend(name).distribution for name in where("data_parallel"))
    assert backends.mode_label(DEFAULT.modes[-1]) == DEFAULT.mode_labels[-1]
    assert backends.mode_label("unknown") == "unknown"
    assert backends.label("keras") == "keras"


@pytest.mark.parametrize("package", SEAM_PACKAGES)
def test_every_backend_has_a_seam_with_the_same_functions(package: str) -> None:
    # Importing a seam imports no framework (each function imports its own), so all
    # three import in any process.
    functions = {}
    for record in ALL:
        module = importlib.import_module(f"{package}.{record.name}")
        functions[record.name] = {
            name
            for name, value in vars(module).items()
            if inspect.isfunction(value)
            and value.__module__ == module.__name__
            and not name.startswith("_")
        }
    assert functions[DEFAULT.name], f"{package}.{DEFAULT.name} has no functions"
    assert all(found == functions[DEFAULT.name] for found in functions.values()), functions
    assert importlib.import_module(package).seam().__name__ == f"{package}.{current()}"


def test_a_ring_of_peers_compares_every_pair_once() -> None:
    peers = backends.ring_peers(list(backends.BACKENDS))
    pairs = [frozenset(pair) for pair in peers.items()]
    every_pair = {frozenset((a, b)) for a in backends.BACKENDS for b in backends.BACKENDS if a < b}
    assert sorted(map(sorted, pairs)) == sorted(map(sorted, every_pair))
    assert backends.ring_peers(["tensorflow"]) == {}


def test_the_cross_backend_peers_are_the_others_unless_chosen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(backends.PEERS_VARIABLE, raising=False)
    others = [name for name in backends.installed() if name != backends.selected()]
    assert backends.cross_backend_peers() == others
    if not others:
        return
    monkeypatch.setenv(backends.PEERS_VARIABLE, f"{others[-1]},{backends.selected()},nonsense")
    # Only installed backends other than this one: never itself, never an unknown name.
    assert backends.cross_backend_peers() == [others[-1]]
