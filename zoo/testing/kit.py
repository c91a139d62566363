"""The conformance kit's skeleton: what a check is, and which checks apply to
which registered object.

A check is a plain function of one ``Registered`` object that raises
``AssertionError`` (or any error) when the object falls short. The pytest
plugin and ``zoo check`` both run the same ``cases()``.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace

from zoo.registry import Registered, get_registry
from zoo.testing.seams import BACKENDS, current
from zoo.testing.workers.protocol import turn


@dataclass(frozen=True, order=True)
class Column:
    """A column of the docs' support matrix: ticked where every check in it passed.
    ``position`` orders the columns (the checks that share a label give the same one)."""

    position: int
    label: str


@dataclass(frozen=True)
class Check:
    name: str
    function: Callable[[Registered], None]
    kinds: tuple[str, ...]
    applies: Callable[[Registered], bool]
    slow: bool
    #: The Keras backends it can apply on; elsewhere it is "n/a", never a pass.
    backends: tuple[str, ...] = BACKENDS
    #: Starts the helper processes it asks (without waiting for them), so that a run's
    #: Python, TensorFlow, JAX and PyTorch start-ups overlap instead of queueing.
    warm: Callable[[], None] | None = None
    #: The support-matrix column it counts towards, if any.
    column: Column | None = None

    @property
    def doc(self) -> str:
        return (self.function.__doc__ or "").strip().splitlines()[0]


CHECKS: dict[str, Check] = {}


def check(
    *kinds: str,
    slow: bool = False,
    applies: Callable[[Registered], bool] = lambda item: True,
    backends: tuple[str, ...] = BACKENDS,
    warm: Callable[[], None] | None = None,
    column: Column | None = None,
) -> Callable[[Callable[[Registered], None]], Callable[[Registered], None]]:
    """Declare a check of objects of ``kinds``; its name is the function's name. ``slow``,
    ``backends``, ``warm`` and the support-matrix ``column`` are the check's own metadata:
    the runner and the docs read them from ``CHECKS``, nothing else lists checks."""

    def declare(function: Callable[[Registered], None]) -> Callable[[Registered], None]:
        name = function.__name__.removeprefix("check_")
        if name in CHECKS:
            raise ValueError(f"two conformance checks are named {name!r}")
        clash = [
            other.name
            for other in CHECKS.values()
            if column
            and other.column
            and other.column.label == column.label
            and other.column != column
        ]
        if clash:
            assert column is not None, "a clash is only found for a check with a column"
            raise ValueError(
                f"check {name!r} puts support column {column.label!r} at {column.position}, "
                f"check {clash[0]!r} elsewhere"
            )
        CHECKS[name] = Check(name, function, kinds, applies, slow, backends, warm, column)
        return function

    return declare


def support_columns() -> dict[str, tuple[str, ...]]:
    """The support matrix's columns in order: label -> the checks that must all pass."""
    columns: dict[Column, list[str]] = {}
    for found in CHECKS.values():
        if found.column is not None:
            columns.setdefault(found.column, []).append(found.name)
    return {column.label: tuple(names) for column, names in sorted(columns.items())}


@dataclass(frozen=True)
class Case:
    """One check of one registered object."""

    item: Registered
    check: Check

    @property
    def id(self) -> str:
        return f"{self.item.plugin}/{self.item.name}/{self.check.name}"

    def run(self) -> None:
        try:
            self.check.function(self.item)
        except AssertionError as error:
            raise AssertionError(
                f"{self.item.kind} {self.item.name} (plugin {self.item.plugin}) fails "
                f"check {self.check.name!r}: {error}"
            ) from error


@dataclass(frozen=True)
class Outcome:
    case: Case
    error: str | None
    seconds: float

    @property
    def passed(self) -> bool:
        return self.error is None


def cases(
    plugins: list[str] | None = None,
    names: list[str] | None = None,
    checks: list[str] | None = None,
    include_slow: bool = True,
) -> list[Case]:
    """Every (object, check) pair of the chosen plugins, objects and checks that can
    apply on the current backend."""
    if checks:
        unknown = sorted(set(checks) - set(CHECKS))
        if unknown:
            raise ValueError(f"unknown conformance check(s) {unknown}; known: {sorted(CHECKS)}")
    selected = []
    for item in get_registry().all():
        if plugins and item.plugin not in plugins:
            continue
        if names and item.name not in names:
            continue
        for found in CHECKS.values():
            if item.kind not in found.kinds or not found.applies(item):
                continue
            if current() not in found.backends:
                continue
            if checks and found.name not in checks:
                continue
            if found.slow and not include_slow:
                continue
            selected.append(Case(item, found))
    return selected


def warm_up(selected: list[Case]) -> None:
    """Start, all at once, the helper processes the checks of ``selected`` will ask: each
    would otherwise start when its check comes, while the rest waits."""
    for found in {case.check.name: case.check for case in selected}.values():
        if found.warm is not None:
            found.warm()


def run_all(
    selected: list[Case],
    started: Callable[[Case], None] | None = None,
    finished: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Start the helper processes, run every case (``started`` is told each before it
    runs, ``finished`` its outcome: a progress bar's), and give the outcomes in the
    order of ``selected``.

    The checks that ask helper processes run in a second thread, the others in this one,
    taking turns (``protocol.turn``): one runs Keras code at a time, and while a helper
    process works on one check's request, the in-process checks go on. A case's seconds
    leave out its waits for the turn."""
    warm_up(selected)
    found: dict[int, Outcome] = {}

    def run_each(chosen: list[Case]) -> None:
        for case in chosen:
            with turn.taken():
                queued = turn.queued
                if started is not None:
                    started(case)
                outcome = run(case)
            # The turn is taken again after each helper's answer: not the check's time.
            waited = turn.queued - queued
            found[id(case)] = replace(outcome, seconds=max(0.0, outcome.seconds - waited))
            if finished is not None:
                finished(found[id(case)])

    helped = [case for case in selected if case.check.warm is not None]
    helping = threading.Thread(target=run_each, args=(helped,), daemon=True)
    helping.start()
    run_each([case for case in selected if case.check.warm is None])
    helping.join()
    return [found[id(case)] for case in selected]


def seconds_per_object(outcomes: list[Outcome]) -> dict[str, float]:
    """The seconds each object's checks took (``plugin/name``), the slowest first: where
    a run's time goes, for ``zoo check --durations``-like reporting."""
    total: dict[str, float] = {}
    for outcome in outcomes:
        key = f"{outcome.case.item.plugin}/{outcome.case.item.name}"
        total[key] = total.get(key, 0.0) + outcome.seconds
    return dict(sorted(total.items(), key=lambda pair: -pair[1]))


def run(case: Case) -> Outcome:
    """Run one case, catching whatever it raises into the outcome."""
    start = time.perf_counter()
    try:
        case.run()
    except Exception as error:  # a check's failure is a result, not a crash
        message = (
            str(error)
            if isinstance(error, AssertionError)
            else (
                f"{case.id} raised {type(error).__name__}: {error}\n"
                + "".join(traceback.format_exception(error)[-3:])
            )
        )
        return Outcome(case, message, time.perf_counter() - start)
    return Outcome(case, None, time.perf_counter() - start)
