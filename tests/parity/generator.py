"""Keras' own test files, read from the installed wheel and run against the zoo classes.

Each suite names one test file of the installed Keras (``keras/src/...``) and
the names in it to substitute: ``layers.BatchNormalization`` becomes the zoo's
class, and nothing else in the file changes, so a Keras upgrade re-tests the
zoo against the new Keras tests without anyone editing a file here.

Which of the file's tests apply is decided by rule, never one by one: a test
applies when its body *uses* a substituted name (calls it, takes an attribute
of it such as ``from_config``, or hands it to ``run_layer_test``). A test that
only names it (``assertIsInstance(obj, regularizers.L1L2)`` after
``regularizers.get``) is about Keras' own lookup, not about the zoo class, and
is deselected. Tests for backends not in use skip themselves, by Keras' own
markers.
"""

from __future__ import annotations

import ast
import fnmatch
import inspect
import re
import tomllib
import types
import unittest
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras

HERE = Path(__file__).parent
KERAS_SOURCE = Path(keras.__file__).parent / "src"
DIFFERENCES = HERE / "deliberate_differences.toml"


@dataclass(frozen=True)
class Suite:
    """One Keras test file run against zoo classes.

    Args:
        test_file: the file, relative to ``keras/src`` of the installed wheel.
        substitutions: dotted name in that file -> (zoo class name, the object
            put in its place: the zoo class, or a function making one).
        label: what the generated test classes are prefixed with (default:
            the zoo names joined), so two suites of one file do not clash.
    """

    test_file: str
    substitutions: dict[str, tuple[str, Callable[..., Any]]]
    label: str = ""

    @property
    def prefix(self) -> str:
        return self.label or "_".join(name for name, _ in self.substitutions.values())

    @property
    def path(self) -> Path:
        return KERAS_SOURCE / self.test_file


@dataclass(frozen=True)
class Difference:
    """A deliberate difference: tests of one suite that fail on purpose, and why."""

    zoo: str
    test_file: str
    tests: tuple[str, ...]
    kind: str
    reason: str

    def covers(self, test_file: str, *test_names: str) -> bool:
        """Whether a test of `test_file`, named any of `test_names` (its definition's
        name, and a parameterized case's), is one of this difference's."""
        return test_file == self.test_file and any(
            fnmatch.fnmatchcase(name, pattern) for name in test_names for pattern in self.tests
        )


KINDS = ("error wording", "feature left out")


def load_differences(path: Path = DIFFERENCES) -> list[Difference]:
    """The deliberate differences, each checked to have a kind we allow and a reason."""
    with path.open("rb") as file:
        raw = tomllib.load(file)
    differences = []
    for number, item in enumerate(raw.get("difference", []), start=1):
        missing = {"zoo", "test_file", "tests", "kind", "reason"} - set(item)
        if missing:
            raise ValueError(f"{path.name}: difference {number} lacks {sorted(missing)}")
        if item["kind"] not in KINDS:
            raise ValueError(
                f"{path.name}: difference {number} has kind {item['kind']!r}; "
                f"only {KINDS} may be deliberate"
            )
        if not item["reason"].strip():
            raise ValueError(f"{path.name}: difference {number} gives no reason")
        differences.append(
            Difference(
                zoo=item["zoo"],
                test_file=item["test_file"],
                tests=tuple(item["tests"]),
                kind=item["kind"],
                reason=" ".join(item["reason"].split()),
            )
        )
    return differences


def _placeholder(dotted: str) -> str:
    return "_zoo_under_test_" + dotted.replace(".", "_")


def _uses(function: ast.FunctionDef, placeholders: dict[str, str]) -> set[str]:
    """The zoo names whose placeholder `function` calls, takes an attribute of, or
    hands to ``run_layer_test``."""
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(function):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    used = set()
    for node in ast.walk(function):
        if not (isinstance(node, ast.Name) and node.id in placeholders):
            continue
        parent = parents.get(node)
        called = isinstance(parent, ast.Call) and parent.func is node
        attribute = isinstance(parent, ast.Attribute) and parent.value is node
        handed = (
            isinstance(parent, ast.Call)
            and parent.args[:1] == [node]
            and isinstance(parent.func, ast.Attribute)
            and parent.func.attr == "run_layer_test"
        )
        if called or attribute or handed:
            used.add(placeholders[node.id])
    return used


@dataclass
class Generated:
    """The test classes made from one suite, and what each test function is about."""

    suite: Suite
    classes: dict[str, type]
    uses: dict[tuple[str, str], set[str]]


def generate(suite: Suite) -> Generated:
    """Read the suite's Keras test file, substitute the names, and execute it."""
    source = suite.path.read_text()
    placeholders = {}
    namespace: dict[str, Any] = {}
    for dotted, (zoo_name, replacement) in suite.substitutions.items():
        placeholder = _placeholder(dotted)
        pattern = r"(?<![\w.])" + re.escape(dotted) + r"(?!\w)"
        source, count = re.subn(pattern, placeholder, source)
        if count == 0:
            raise ValueError(f"{suite.test_file} no longer mentions {dotted}")
        placeholders[placeholder] = zoo_name
        namespace[placeholder] = replacement
    tree = ast.parse(source)
    uses = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name.startswith("test"):
                    uses[(node.name, item.name)] = _uses(item, placeholders)
    module_name = "keras_parity." + suite.prefix + "." + Path(suite.test_file).stem
    module = types.ModuleType(module_name)
    module.__file__ = str(suite.path)
    module.__dict__.update(namespace)
    exec(compile(source, str(suite.path), "exec"), module.__dict__)
    classes = {}
    for name, value in module.__dict__.items():
        if isinstance(value, type) and issubclass(value, unittest.TestCase):
            if value.__module__ != module_name:
                continue  # an imported base class, such as keras' testing.TestCase
            value.__parity_suite__ = suite
            value.__parity_uses__ = {
                function: zoo for (owner, function), zoo in uses.items() if owner == name
            }
            classes[f"{suite.prefix}__{name}"] = value
    return Generated(suite, classes, uses)


def original_name(function: Any) -> str:
    """The name a (possibly parameterized) test method was defined under."""
    return inspect.unwrap(function).__name__


def zoo_names_used(cls: type, function: Any) -> set[str] | None:
    """The zoo names a generated test uses; None if ``cls`` is not a generated class."""
    name = original_name(function)
    for klass in cls.__mro__:
        uses = klass.__dict__.get("__parity_uses__")
        if uses is not None and name in uses:
            return uses[name]
    return None if "__parity_suite__" not in cls.__dict__ else set()
