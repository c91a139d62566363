"""What the outside suites say of each zoo object, for its page: a pytest plugin
(loaded by the root conftest.py) that counts the outcomes of the tests marked
``oracle(source, suite)`` per zoo object and backend, with the largest difference
from the oracle a test reported (``difference``), and with ``--oracle-record`` writes
them into ``docs/conformance/oracles.json`` (this backend's part; each suite the run
ran replaces its counts, the others are kept).

The zoo objects a test is about are those its code uses (``objects_of``): no test
lists them.
"""

from __future__ import annotations

import datetime
import dis
import types
from collections import defaultdict
from typing import Any

import keras
import numpy as np
import pytest

from zoo.records import read_record, write_record, zoo_records

RECORD = zoo_records().oracles

_current: list[pytest.Item] = []
_outcomes: dict[str, str] = {}


def difference(ours: Any, theirs: Any) -> float:
    """The largest absolute difference of ``ours`` from the oracle's ``theirs``, kept
    for the running test's record (its page shows the largest of each suite's)."""
    value = float(np.max(np.abs(np.asarray(ours, "float64") - np.asarray(theirs, "float64"))))
    if _current:
        _current[-1].user_properties.append(("max_difference", value))
    return value


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--oracle-record",
        action="store_true",
        help=f"write what the outside suites say of each zoo object to {RECORD}",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "oracle(source, suite): the test is an outside oracle's (source: TF Addons, "
        "keras-hub, timm, ...; suite: its test file or module); its outcome is recorded "
        "per zoo object for the pages (--oracle-record)",
    )


def _is_zoo(value: Any) -> bool:
    return isinstance(value, types.ModuleType) and value.__name__.startswith("zoo_")


def _names_used(code: types.CodeType, namespace: dict[str, Any]) -> set[str]:
    """The names of zoo objects ``code`` reads: a global bound to one, an attribute of
    a zoo package (``triplet.TripletSemiHardLoss`` after ``import zoo_losses as
    triplet``), or a name imported from a zoo package inside the test."""
    found: set[str] = set()
    instructions = list(dis.get_instructions(code))
    importing = ""
    for here, after in zip(instructions, [*instructions[1:], None], strict=True):
        if here.opname == "IMPORT_NAME":
            importing = str(here.argval)
        elif here.opname == "IMPORT_FROM" and importing.startswith("zoo_"):
            found.add(str(here.argval))
        elif here.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
            value = namespace.get(str(here.argval))
            if _is_zoo(value) and after and after.opname in ("LOAD_ATTR", "LOAD_METHOD"):
                found.add(str(after.argval))
            elif value is not None and getattr(value, "__module__", "").startswith("zoo_"):
                found.add(str(here.argval))
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            found |= _names_used(constant, namespace)
    return found


def _key(name: str) -> str:
    return name.replace("_", "").lower()


def objects_of(item: pytest.Item, registered: set[str]) -> list[str]:
    """The registered zoo objects ``item``'s test uses by name, or by the name of their
    function form (``triplet_semihard_loss`` for ``TripletSemiHardLoss``). Read from its
    code, not from names alone: Keras' twins have the same names (``keras.layers.Dropout``)."""
    code = getattr(getattr(item, "function", None), "__code__", None)
    module = getattr(item, "module", None)
    if code is None or module is None:
        return []
    by_key = {_key(name): name for name in registered}
    return sorted(
        {by_key[_key(name)] for name in _names_used(code, vars(module)) if _key(name) in by_key}
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    _current[:] = [item]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # An expected failure (a deliberate difference) that failed; one that passed passed.
    xfailed = hasattr(report, "wasxfail") and report.outcome == "skipped"
    outcome = "deliberate" if xfailed else report.outcome
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        _outcomes[report.nodeid] = outcome


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not session.config.getoption("--oracle-record"):
        return
    import zoo

    registered = {item.name for item in zoo.get_registry().all()}
    found: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for item in session.items:
        marker = item.get_closest_marker("oracle")
        outcome = _outcomes.get(item.nodeid)
        if marker is None or outcome is None:
            continue
        source, suite = marker.args
        differences = [v for k, v in item.user_properties if k == "max_difference"]
        for name in objects_of(item, registered):
            counts = found[name].setdefault(
                f"{source}: {suite}",
                {"source": source, "suite": suite, "passed": 0, "failed": 0, "skipped": 0,
                 "deliberate": 0},
            )  # fmt: skip
            counts[outcome if outcome in counts else "failed"] += 1
            if differences:
                counts["max_difference"] = max(counts.get("max_difference", 0.0), *differences)
    if not found:
        return
    record = read_record(RECORD)
    # A run of some suites updates what they say of each object; the other suites' counts
    # and the other objects are kept.
    part = record.setdefault("backends", {}).setdefault(keras.backend.backend(), {})
    objects = dict(part.get("objects", {}))
    for name, suites in found.items():
        objects[name] = {**objects.get(name, {}), **suites}
    part["date"] = datetime.date.today().isoformat()
    part["objects"] = {
        name: dict(sorted(suites.items())) for name, suites in sorted(objects.items())
    }
    write_record(RECORD, record, sort_keys=True)


def mark_ported(items: list[pytest.Item], folder: Any, source: str, pattern: str) -> None:
    """Mark the tests of the files in ``folder`` as ``source``'s: each file names the file
    it ports (``pattern``, a regular expression, finds it), the suite on the pages."""
    import re
    from pathlib import Path

    suites: dict[Path, str | None] = {}
    for item in items:
        path = Path(item.path)
        if Path(folder) not in path.parents:
            continue
        if path not in suites:
            found = re.search(pattern, path.read_text())
            suites[path] = found.group(0) if found else None
        if suites[path] is not None:
            item.add_marker(pytest.mark.oracle(source, suites[path]))


def assert_close(actual: Any, desired: Any, **tolerances: Any) -> None:
    """``numpy.testing.assert_allclose`` of the zoo's ``actual`` against the oracle's
    ``desired``, the difference kept for the page (``difference``)."""
    difference(actual, desired)
    np.testing.assert_allclose(actual, desired, **tolerances)
