"""Deselects the Keras tests that are not about a zoo class, marks the deliberate
differences as expected failures, registers Keras' own test markers, and writes
the per-layer record the docs show (``--parity-record PATH``)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from pathlib import Path

import keras
import pytest

from tests.parity.generator import load_differences, original_name, zoo_names_used
from zoo.records import read_record, write_record, zoo_records

RECORD = zoo_records().parity


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--parity-record",
        action="store_true",
        help=f"write how many of Keras' own tests pass per zoo class to {RECORD}",
    )


def pytest_configure(config: pytest.Config) -> None:
    # A marker of Keras' own conftest; every backend we run on trains.
    config.addinivalue_line("markers", "requires_trainable_backend: a Keras test marker")
    config._parity = {"zoo": {}, "outcomes": defaultdict(dict), "differences": []}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    differences = load_differences()
    config._parity["differences"] = differences
    kept, deselected = [], []
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.parity)
        cls = getattr(item, "cls", None)
        used = zoo_names_used(cls, item.obj) if cls is not None else None
        if used is None:  # not a generated Keras test
            kept.append(item)
            continue
        if not used:
            deselected.append(item)
            continue
        kept.append(item)
        config._parity["zoo"][item.nodeid] = sorted(used)
        suite = cls.__parity_suite__
        name = original_name(item.obj)
        for difference in differences:
            if difference.zoo in used and difference.covers(suite.test_file, name, item.name):
                # A wording difference runs, strictly: one that no longer shows is a
                # stale entry. A feature left out is not run (quantization tests are
                # most of Dense's file, and slow).
                item.add_marker(
                    pytest.mark.xfail(
                        strict=True,
                        run=difference.kind == "error wording",
                        reason=f"deliberate ({difference.kind}): {difference.reason}",
                    )
                )
                item.user_properties.append(("deliberate", difference.reason))
                break
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    config = report.config if hasattr(report, "config") else None
    del config  # reports carry no config; the session hook below reads this store
    outcome = "xfailed" if hasattr(report, "wasxfail") else report.outcome
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        _OUTCOMES[report.nodeid] = outcome


_OUTCOMES: dict[str, str] = {}


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if not config.getoption("--parity-record"):
        return
    zoo = config._parity["zoo"]
    if not zoo:
        return
    layers: dict[str, dict] = defaultdict(
        lambda: {"passed": 0, "failed": 0, "skipped": 0, "deliberate": 0, "suites": set()}
    )
    for nodeid, names in zoo.items():
        outcome = _OUTCOMES.get(nodeid)
        if outcome is None:
            continue
        for name in names:
            counts = layers[name]
            key = {"passed": "passed", "xfailed": "deliberate", "skipped": "skipped"}
            counts[key.get(outcome, "failed")] += 1
    suites = {}
    for item in session.items:
        cls = getattr(item, "cls", None)
        if item.nodeid in zoo:
            for name in zoo[item.nodeid]:
                layers[name]["suites"].add(cls.__parity_suite__.test_file)
    del suites
    record = read_record(RECORD)
    record["keras"] = keras.__version__
    record["differences"] = [
        {
            "zoo": d.zoo,
            "test_file": d.test_file,
            "tests": list(d.tests),
            "kind": d.kind,
            "reason": d.reason,
        }
        for d in config._parity["differences"]
    ]
    record.setdefault("backends", {})[keras.backend.backend()] = {
        "date": datetime.date.today().isoformat(),
        "layers": {
            name: {**counts, "suites": sorted(counts["suites"])}
            for name, counts in sorted(layers.items())
        },
    }
    write_record(RECORD, record, sort_keys=True)
