"""The benchmark report's tables, written from the records when the site is built.

A hand-written page (the report's findings and method, ``docs/benchmarks/report.md``)
holds markers, one on a line of its own, ``<!-- zoo:records NAME -->``; the build writes
the page with each marker replaced by the tables ``NAME`` makes from the records
(``TABLES``), so that no number in a table is typed by hand or goes stale: a new layer,
backend, mode or phase in a record is a new row or column here with no edit. Backends
come from ``zoo.backends``, objects from the records and the registry, modes and phases
from the records themselves.
"""

from __future__ import annotations

import importlib
import math
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from zoo import backends

# The phases in the order the bench runs them, each including the one before (the
# forward pass, then the backward pass added, ...): read from the bench, so that a phase
# it adds takes its place here with no edit.
from zoo.bench.layers import PHASES
from zoo.bench.train_step import FIELD as TRAIN_STEP
from zoo.docgen.markdown import table
from zoo.docgen.models import run_rows, runs_header
from zoo.records import PAIRED_FIELDS, backend_records
from zoo.registry import KINDS, Registry

MARKER = re.compile(r"^<!-- zoo:records (?P<name>[\w-]+) -->$", re.MULTILINE)
#: What the bench's phases are called in tables; a phase not named here shows its key.
PHASE_LABELS = {"forward": "forward", "backward": "forward + backward"}
#: A largest size moving at least this much is larger than any CPU cache, so its speed is
#: the memory's: the layers whose step is compared with the machine's copy bandwidth.
STREAMING_BYTES = 2**26
#: The bench's inputs are float32 (``zoo.bench.layers.example_batch``).
_INPUT_ITEMSIZE = 4


def phase_label(phase: str) -> str:
    return PHASE_LABELS.get(phase, phase.replace("_", " ").replace("-", " "))


def _ratio(value: float | None) -> str:
    """Two decimals where a ratio is near 1, fewer digits where it is far above."""
    if value is None:
        return "—"
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _ratio_with_quartiles(timing: dict[str, Any]) -> str:
    """A paired timing's median ratio, with its quartiles in brackets where recorded."""
    q1, q3 = timing.get("ratio_quartiles") or (None, None)
    spread = f" ({_ratio(q1)}-{_ratio(q3)})" if q1 is not None else ""
    return f"{_ratio(timing['ratio'])}{spread}"


def machine_line(machine: dict[str, Any]) -> str:
    """A record part's machine, as the report's reader needs it beside the numbers."""
    versions = ", ".join(
        f"{label} {machine[name]}"
        for name, label in backends.FRAMEWORK_LABELS.items()
        if machine.get(name)
    )
    python = f", Python {machine['python']}" if machine.get("python") else ""
    return (
        f"{machine.get('cpu', 'an unrecorded machine')} ({machine.get('cores', '?')} cores)"
        f"{', ' + versions if versions else ''}{python}, {machine.get('date', 'undated')}"
    )


# -- layers ------------------------------------------------------------------------


def timed_sizes(costs: dict[str, Any]) -> list[dict[str, Any]]:
    return [size for size in costs.get("sizes", []) if "error" not in size]


def largest(costs: dict[str, Any]) -> dict[str, Any] | None:
    """The largest batch a layer was timed at (the headline size), ``None`` if none."""
    return max(timed_sizes(costs), key=lambda size: size["batch"], default=None)


def _cell(size: dict[str, Any] | None, mode: str, phase: str) -> dict[str, Any] | None:
    found = ((size or {}).get(mode) or {}).get(phase)
    return found if isinstance(found, dict) else None


def record_phases(layers: Iterable[dict[str, Any]], modes: Iterable[str]) -> list[str]:
    """Every phase the layers' records hold: the bench's order first, then any other in
    the order first met (a phase a newer bench records and this one does not know)."""
    modes = tuple(modes)
    found: dict[str, None] = {}
    for costs in layers:
        for size in timed_sizes(costs):
            for mode in modes:
                for phase, cell in (size.get(mode) or {}).items():
                    if isinstance(cell, dict) and "ratio" in cell:
                        found.setdefault(phase)
    known = [phase for phase in PHASES if phase in found]
    return known + [phase for phase in found if phase not in known]


def _modes(part: dict[str, Any], backend: str) -> tuple[str, ...]:
    if part.get("modes"):
        return tuple(part["modes"])
    return backends.backend(backend).modes if backend in backends.BACKENDS else ()


def _mode_label(mode: str) -> str:
    return backends.mode_label(mode)


def twinned(part: dict[str, Any], registry: Registry | None) -> list[str]:
    """The layers timed beside a twin on this backend, then the registered layers with a
    twin its record lacks (shown as not measured, never with a number)."""
    names = [name for name, costs in part.get("layers", {}).items() if costs.get("twin")]
    if registry is not None:
        names += [
            item.name
            for item in registry.layers()
            if item.entry.twin is not None and item.name not in part.get("layers", {})
        ]
    return names


def _geomean(values: list[float]) -> float | None:
    return math.exp(sum(map(math.log, values)) / len(values)) if values else None


def layer_tables(record: dict[str, Any], registry: Registry | None = None) -> str:
    """Per backend: each twinned layer's zoo / twin ratio at its largest size, a column
    per mode and phase the record holds, and the geometric mean of each column."""
    out = []
    for backend, part in backend_records(record).items():
        layers = part.get("layers", {})
        modes = _modes(part, backend)
        phases = record_phases(layers.values(), modes)
        columns = [(mode, phase) for mode in modes for phase in phases]
        header = ["layer", "twin", "batch"]
        header += [f"{_mode_label(m)}, {phase_label(p)}" for m, p in columns]
        header.append("not timed")
        rows: list[list[str]] = []
        kept: dict[tuple[str, str], list[float]] = {column: [] for column in columns}
        for name in twinned(part, registry):
            costs = layers.get(name)
            if costs is None:
                rows.append([name, "", "", *("" for _ in columns), "not measured"])
                continue
            top = largest(costs)
            cells, missing = [], []
            for column in columns:
                cell = _cell(top, *column)
                value = (cell or {}).get("ratio")
                if value is not None:
                    kept[column].append(value)
                elif cell and cell.get("error"):
                    missing.append(f"{_mode_label(column[0])} {phase_label(column[1])}")
                cells.append(_ratio(value))
            if top is None:
                missing = [costs.get("error") or "no size timed"]
            batch = str(top["batch"]) if top else ""
            rows.append([name, f"`{costs['twin']}`", batch, *cells, ", ".join(missing)])
        if not rows:
            continue
        means = [_ratio(_geomean(kept[column])) for column in columns]
        rows.append(["*geometric mean*", "", "", *means, ""])
        alone = [name for name, costs in layers.items() if not costs.get("twin")]
        out += [
            f"### {backends.label(backend)}\n",
            f"On {machine_line(part.get('machine', {}))}. Zoo / twin time at each layer's "
            "largest timed batch (below 1: the zoo layer is faster).\n",
            table(header, rows),
        ]
        if alone:
            out.append(f"Timed without a twin (no ratio): {', '.join(alone)}.\n")
    return "\n".join(out) or "*No layer timed yet: `zoo bench --backend all` times them.*\n"


def step_bytes(size: dict[str, Any], phase: str) -> int:
    """The least a call of ``phase`` must move at ``size``: the forward pass reads the
    input and weights and writes the output (the record's ``bytes``); a phase with the
    backward pass also reads the upstream gradient in the output's place and writes the
    input's gradient, one more input's worth (weights' gradients left out: a lower bound)."""
    if phase == PHASES[0]:
        return int(size["bytes"])
    return int(size["bytes"]) + int(size["elements"]) * _INPUT_ITEMSIZE


def bandwidth_tables(record: dict[str, Any]) -> str:
    """Per backend: the fraction of the machine's measured copy bandwidth the fullest
    step the record holds (a train step where there is one, else forward + backward)
    reaches at the largest size, zoo and twin, for the twinned layers whose largest size
    is larger than the caches."""
    out = []
    for backend, part in backend_records(record).items():
        bandwidth = part.get("bandwidth_gb_per_s")
        layers = part.get("layers", {})
        modes = _modes(part, backend)
        phases = record_phases(layers.values(), modes)
        if not bandwidth or not phases:
            continue
        phase = phases[-1]
        header = ["layer", "input", "least bytes a step moves"]
        header += [f"{_mode_label(mode)}: {side}" for mode in modes for side in ("zoo", "twin")]
        rows = []
        for name, costs in layers.items():
            top = largest(costs)
            if not costs.get("twin") or top is None or top.get("bytes", 0) < STREAMING_BYTES:
                continue
            moved = step_bytes(top, phase)
            cells = []
            for mode in modes:
                cell = _cell(top, mode, phase) or {}
                for side in ("zoo", "twin"):
                    seconds = (cell.get(side) or {}).get("median_s")
                    fraction = moved / seconds / (bandwidth * 1e9) if seconds else None
                    cells.append("—" if fraction is None else f"{fraction:.2f}")
            shape = "×".join(map(str, top.get("input_shape", [top["batch"]])))
            rows.append([name, shape, f"{moved / 2**20:.0f} MiB", *cells])
        if rows:
            out += [
                f"### {backends.label(backend)}\n",
                f"Copy bandwidth {bandwidth:.1f} GB/s (a 256 MiB numpy copy, best of its "
                f"runs, in the same run as the timings) on {machine_line(part.get('machine', {}))}"
                f". Step: {phase_label(phase)}.\n",
                table(header, rows),
            ]
    return "\n".join(out) or "*No copy bandwidth recorded yet.*\n"


# -- optimizers, schedules, losses ----------------------------------------------------


def _reference(field: str) -> str:
    """What the objects of ``field`` are timed beside (the bench module of that field)."""
    try:
        return str(importlib.import_module(f"zoo.bench.{field}").TWIN)
    except (ImportError, AttributeError):
        return "the reference"


def paired_tables(record: dict[str, Any], registry: Registry | None = None) -> str:
    """A table per kind timed beside one fixed Keras counterpart, a column per backend:
    the median of the rounds' ratios and its quartiles."""
    parts = backend_records(record)
    out = []
    for field in PAIRED_FIELDS:
        kinds = [kind for kind, spec in KINDS.items() if spec.plural == field]
        if not kinds:
            continue  # not a kind's objects (the layers' train steps: their own tables)
        timed = {b: part[field] for b, part in parts.items() if part.get(field, {}).get("results")}
        names = list(dict.fromkeys(n for t in timed.values() for n in t["results"]))
        if registry is not None:
            names += [i.name for k in kinds for i in registry.all(k) if i.name not in names]
        if not names:
            continue
        rows = []
        for name in names:
            cells = []
            for backend in timed:
                result = timed[backend]["results"].get(name)
                if result is None:
                    cells.append("not measured")
                elif "error" in result or result.get("ratio") is None:
                    cells.append("not timed")
                else:
                    cells.append(_ratio_with_quartiles(result))
            rows.append([name, *cells])
        machines = [
            f"{backends.label(b)}: {t.get('rounds', '?')} rounds on "
            + machine_line(t.get("machine", {}))
            for b, t in timed.items()
        ]
        out += [
            f"### {field.capitalize()} beside {_reference(field)}\n",
            table([kinds[0], *map(backends.label, timed)], rows)
            if timed
            else f"*None timed yet: `zoo bench --{field}` times them.*\n",
            *(f"{line}.\n" for line in machines),
        ]
    return "\n".join(out) or "*Nothing timed beside a fixed counterpart yet.*\n"


def train_step_tables(record: dict[str, Any]) -> str:
    """Per backend, each layer timed in a whole training step beside its twin
    (``zoo bench --mode train-step``): a column per compile mode, median ratio and
    quartiles."""
    out = []
    for backend, part in backend_records(record).items():
        timed = part.get(TRAIN_STEP, {})
        results = timed.get("results", {})
        if not results:
            continue
        modes = list(timed.get("modes") or dict.fromkeys(m for r in results.values() for m in r))
        rows = []
        for name, result in results.items():
            cells = []
            for mode in modes:
                cell = result.get("modes", {}).get(mode, {})
                if cell.get("ratio") is None:
                    cells.append("not timed")
                    continue
                cells.append(_ratio_with_quartiles(cell))
            rows.append([name, f"`{result.get('twin')}`", str(result.get("batch", "")), *cells])
        jit = timed.get("jit_compile", {})
        header = ["layer", "twin", "batch"]
        header += [f"jit_compile={jit.get(mode, mode)!s}" for mode in modes]
        out += [
            f"### {backends.label(backend)}\n",
            f"On {machine_line(timed.get('machine', {}))}; {timed.get('rounds', '?')} rounds; "
            f"{timed.get('optimizer', '?')} and {timed.get('loss', '?')}. Zoo / twin time of "
            "one training step, quartiles of the rounds' ratios in brackets.\n",
            table(header, rows),
        ]
    return "\n".join(out) or (
        "*No training step timed yet: `zoo bench --mode train-step --backend all` times them.*\n"
    )


# -- models ---------------------------------------------------------------------------


def model_tables(models: dict[str, Any]) -> str:
    """Per backend, every model run: steps per second of both sides and their ratio."""
    out = []
    for backend, part in backend_records(models).items():
        runs = part.get("runs", [])
        if not runs:
            continue
        out += [
            f"### {backends.label(backend)}\n",
            f"On {machine_line(part.get('machine', {}))}; {part.get('rounds', '?')} rounds.\n",
            table(runs_header(), run_rows(runs)),
        ]
        summary = part.get("summary", {})
        for mode in part.get("modes", []):
            mean = summary.get(f"geomean_{mode}_ratio")
            if mean is not None:
                out.append(
                    f"Geometric mean at each model's largest batch ({_mode_label(mode)}): "
                    f"**{mean:.2f}**.\n"
                )
    return "\n".join(out) or "*No model timed yet: `zoo bench --models` times them.*\n"


# -- the page ---------------------------------------------------------------------------

Tables = Callable[[dict[str, Any], dict[str, Any], Registry | None], str]

#: What each marker is replaced by, from (layer record, model record, registry).
TABLES: dict[str, Tables] = {
    "layers": lambda costs, models, registry: layer_tables(costs, registry),
    "bandwidth": lambda costs, models, registry: bandwidth_tables(costs),
    "paired": lambda costs, models, registry: paired_tables(costs, registry),
    "models": lambda costs, models, registry: model_tables(models),
    "train_step": lambda costs, models, registry: train_step_tables(costs),
}


def fill(
    text: str, costs: dict[str, Any], models: dict[str, Any], registry: Registry | None = None
) -> str:
    """``text`` with every marker replaced by its tables; an unknown marker is an error
    naming the known ones (a typo must not publish a page without its numbers)."""

    def replace(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in TABLES:
            raise ValueError(f"unknown table {name!r} in a page: one of {', '.join(TABLES)}")
        return TABLES[name](costs, models, registry).rstrip("\n") + "\n"

    return MARKER.sub(replace, text)


def filled_pages(
    docs_dir: Path, costs: dict[str, Any], models: dict[str, Any], registry: Registry | None
) -> dict[str, str]:
    """Every hand-written page of ``docs_dir`` holding a marker, by path, filled."""
    pages = {}
    for path in sorted(docs_dir.rglob("*.md")):
        text = path.read_text()
        if MARKER.search(text):
            pages[path.relative_to(docs_dir).as_posix()] = fill(text, costs, models, registry)
    return pages
