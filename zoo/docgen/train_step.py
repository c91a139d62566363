"""The headline of a layer's cost section: one training step of a model holding just the
layer beside one holding its Keras twin, per backend and ``jit_compile`` (`zoo bench
--mode train-step`, `zoo.bench.train_step`), from the ``"train_step"`` field of each
backend's part of the benchmark record."""

from __future__ import annotations

from typing import Any

from zoo import backends
from zoo.docgen.markdown import table
from zoo.records import backend_records

#: The field the train-step bench writes (`zoo.bench.train_step.FIELD`; not imported: the
#: docs build must not import a framework's bench).
FIELD = "train_step"
#: What each train-step mode passes to ``compile(jit_compile=...)``.
JIT_COMPILE = {"auto": '"auto"', "jit": "True"}


def resolved(backend: str, jit_compile: bool) -> str:
    """What the step ran as once Keras resolved ``jit_compile`` on ``backend``: its
    compiled mode, a graph (TensorFlow without XLA), or eager."""
    if backend not in backends.BACKENDS:
        return f"jit_compile={jit_compile}"
    record = backends.backend(backend)
    if jit_compile:
        return record.mode_label(record.modes[-1])
    return "graph" if record.graph_without_jit else "eager"


def _ms(timing: dict[str, Any] | None) -> str:
    return f"{timing['median_s'] * 1e3:.3g} ms" if timing else "—"


def train_step_rows(name: str, costs: dict[str, Any]) -> tuple[list[list[str]], list[str]]:
    """Rows (backend, jit_compile, input, zoo, twin, ratio with quartiles) for layer
    ``name``, and what could not be timed."""
    rows, problems = [], []
    for backend, part in backend_records(costs).items():
        field = part.get(FIELD, {})
        result = field.get("results", {}).get(name)
        if result is None:
            continue
        machine = field.get("machine", {})
        where = f"{backends.label(backend)} ({machine.get('cpu', '?')}, "
        where += f"{machine.get('cores', '?')} cores)"
        if "error" in result:
            problems.append(f"{backends.label(backend)}: {result['error']}")
        shape = "×".join(map(str, result.get("input_shape", [])))
        for mode, timing in result.get("modes", {}).items():
            jit = f"{JIT_COMPILE.get(mode, mode)}"
            if "error" in timing:
                problems.append(f"{backends.label(backend)}, jit_compile={jit}: {timing['error']}")
                continue
            cell = "—"
            if timing.get("ratio") is not None:
                q1, q3 = timing["ratio_quartiles"]
                cell = f"**{timing['ratio']:.2f}×** ({q1:.2f}-{q3:.2f})"
            ran = (
                f" → {resolved(backend, timing['jit_compile'])}" if "jit_compile" in timing else ""
            )
            rows.append(
                [where, f"{jit}{ran}", shape, _ms(timing["zoo"]), _ms(timing["twin"]), cell]
            )
    return rows, problems


def train_step_lines(name: str, costs: dict[str, Any]) -> list[str]:
    """The section's train-step part: a table with a row per backend and mode timed, or
    the command that times it."""
    lines = ["### Training step\n"]
    rows, problems = train_step_rows(name, costs)
    if not rows and not problems:
        return [
            *lines,
            f"*Not measured yet: `zoo bench --mode train-step {name} --backend all` "
            "measures it.*\n",
        ]
    lines.append(
        "What a user's `fit` pays: one training step (SGD, mean squared error) of a model "
        "holding just this layer, called as `fit` calls it (`model.train_function`), beside "
        "the same model holding the Keras twin, with `fit`'s default `jit_compile` (and "
        "`jit_compile=True` where that default is eager), in alternating rounds: median "
        "step time, and the median of the rounds' zoo / twin ratios with its quartiles.\n"
    )
    if rows:
        lines.append(
            table(["backend", "jit_compile", "input", "zoo", "twin", "ratio (quartiles)"], rows)
        )
    lines += [f"*Not timed:* {problem}\n" for problem in problems]
    return lines


def catalogue_backends(costs: dict[str, Any]) -> list[str]:
    """The backends whose record has any layer's train step, for the catalogue's columns."""
    return [
        backend
        for backend, part in backend_records(costs).items()
        if part.get(FIELD, {}).get("results")
    ]


def catalogue_cell(name: str, costs: dict[str, Any], backend: str) -> str:
    """Layer ``name``'s train-step ratio with `fit`'s default ``jit_compile`` on
    ``backend``, "—" where not timed."""
    part = backend_records(costs).get(backend, {})
    result = part.get(FIELD, {}).get("results", {}).get(name) or {}
    ratio = (result.get("modes", {}).get("auto") or {}).get("ratio")
    return "—" if ratio is None else f"{ratio:.2f}×"
