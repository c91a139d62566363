"""The site's "Models" page: whole training steps, zoo models against Keras models,
from the record `zoo bench --models` writes (``docs/benchmarks/models.json``), with
a bar chart per backend drawn at build time."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from zoo import backends, records
from zoo.bench.architectures import MODELS as MODEL_SPECS

#: Written by `zoo bench --models`, beside the layer record; read, never run, at build time.
MODELS = records.MODELS
PAGE = "benchmarks/models.md"

_LABELS = {b.name: b.label for b in backends.ALL}
_STEP = {b.name: b.train_step for b in backends.ALL}


def load_record(path: Path) -> dict[str, Any]:
    return records.read_record(path)


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _memory(value: int | None) -> str:
    return "—" if value is None else f"{value / 2**20:.0f} MiB"


def _rate(timing: dict[str, Any]) -> str:
    """Training steps per second, or (a decoding run) tokens per second."""
    if "tokens_per_s" in timing:
        return f"{timing['tokens_per_s']:.3g} tokens"
    return f"{timing['steps_per_s']:.3g}"


def _per_second(timing: dict[str, Any]) -> float:
    return float(timing.get("tokens_per_s", timing.get("steps_per_s", 0.0)))


def runs_header() -> list[str]:
    """The columns of ``run_rows``."""
    header = ["model", "variant", "mode", "batch", "zoo /s", "reference /s", "ratio"]
    return [*header, "zoo peak memory", "reference peak memory"]


def run_rows(runs: list[dict[str, Any]]) -> list[list[str]]:
    """A row per model run of a backend's part: rates, ratio and peak memory."""
    rows = []
    for run in runs:
        cells = [run["model"], run["variant"], run["mode"], str(run["batch"])]
        if "error" in run:
            rows.append([*cells, "", "", f"error: {run['error'][:200]}", "", ""])
            continue
        zoo, keras = run["zoo"], run["keras"]
        rows.append(
            [
                *cells,
                _rate(zoo),
                _rate(keras),
                f"**{run['ratio']:.2f}**",
                _memory(zoo.get("peak_memory_bytes")),
                _memory(keras.get("peak_memory_bytes")),
            ]
        )
    return rows


def bar_chart(backend: str, runs: list[dict[str, Any]]) -> str | None:
    """SVG: steps per second of the zoo model and the Keras model, a pair of bars per
    model, variant, mode and batch size (log scale: the models differ a hundredfold)."""
    timed = [run for run in runs if "error" not in run]
    if not timed:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    labels = [f"{r['model']}\n{r['variant']}\n{r['mode']}, batch {r['batch']}" for r in timed]
    where = np.arange(len(timed))
    figure, axes = plt.subplots(figsize=(max(6.0, 1.1 * len(timed) + 1), 4.2))
    width = 0.4
    zoo = [_per_second(r["zoo"]) for r in timed]
    keras = [_per_second(r["keras"]) for r in timed]
    axes.bar(where - width / 2, zoo, width, label="zoo layers", color="tab:blue")
    axes.bar(where + width / 2, keras, width, label="reference", color="tab:orange")
    for x, run, top in zip(where, timed, np.maximum(zoo, keras), strict=True):
        axes.annotate(f"{run['ratio']:.2f}", (x, top), ha="center", va="bottom", fontsize="x-small")
    axes.set_xticks(where, labels, fontsize="x-small")
    axes.set_yscale("log")
    axes.set_ylabel("training steps (decoding: tokens) per second")
    axes.set_title(
        f"{_LABELS.get(backend, backend)}: per second (higher is faster); "
        "above each pair, zoo / reference time",
        fontsize="small",
    )
    axes.grid(True, axis="y", which="both", alpha=0.3)
    axes.legend(fontsize="small")
    figure.tight_layout()
    svg = io.StringIO()
    figure.savefig(svg, format="svg")
    plt.close(figure)
    return svg.getvalue()


def models_page(record: dict[str, Any]) -> dict[str, str]:
    """The Models page and its charts, by path; nothing if the record is empty."""
    parts = record.get("backends", {})
    if not parts:
        return {}
    files: dict[str, str] = {}
    lines = [
        "# Models\n",
        "What users feel: the time of one training step of a whole model (forward, "
        "backward and the optimizer's update), the model built from zoo layers against "
        "the same model built from the Keras built-ins they mirror, with the same weights. "
        "The step is the one `fit` runs, called as `fit` calls it: the trainer's compiled "
        "train step after `compile` and a first `fit` of one batch. The two models are "
        "timed in alternating rounds in one process, so that the machine's load hits both "
        "alike; *ratio* is the median over rounds of zoo / Keras step time (below 1: the "
        "zoo model trains faster). Written by `zoo bench --models --backend all`; the "
        "method and the analysis are in the [benchmark report](report.md#models).\n",
        "A few models have another reference, named in the table below: the Llama is "
        "timed beside keras-hub's; the mixture of experts beside a dense GatedMLP of the "
        "same active parameters; decoding (tokens per second, greedy, one compiled call "
        "per token) with the blocks' caches beside the same model recomputing the whole "
        "prefix for each token, and beside keras-hub's `generate`. Those against a "
        "reference of another kind are left out of the geometric mean; *target* is the "
        "largest ratio each aims at.\n",
    ]
    descriptions: dict[str, str] = {}
    for part in parts.values():
        descriptions.update(part.get("models", {}))
    if descriptions:
        specs = {spec.key: spec for spec in MODEL_SPECS}
        table = []
        for key, text in descriptions.items():
            spec = specs.get(key)
            reference = spec.reference if spec else "Keras built-ins"
            target = f"{spec.target:.2f}" if spec and spec.target is not None else ""
            table.append([key, text, reference, target])
        lines.append(_table(["model", "what", "reference", "target"], table))
    for backend, part in parts.items():
        machine = part.get("machine", {})
        versions = ", ".join(
            f"{label} {machine[name]}"
            for name, label in backends.FRAMEWORK_LABELS.items()
            if machine.get(name)
        )
        lines += [
            f"## {_LABELS.get(backend, backend)}\n",
            f"On {machine.get('cpu', 'an unrecorded machine')} ({machine.get('cores', '?')} "
            f"cores), {versions}, {machine.get('date', '')}; {part.get('rounds', '?')} "
            f"rounds; the step timed: {_STEP.get(backend, 'the trainer compiled step')}. "
            "Peak memory is what the backend reports for its device: — where it reports none "
            "(a CPU).\n",
        ]
        runs = part.get("runs", [])
        if runs:
            lines.append(_table(runs_header(), run_rows(runs)))
        summary = part.get("summary", {})
        for mode in part.get("modes", []):
            mean = summary.get(f"geomean_{mode}_ratio")
            if mean is not None:
                lines.append(
                    f"Geometric mean of the ratios at each model's largest batch ({mode}): "
                    f"**{mean:.2f}**; largest: {summary.get(f'max_{mode}_ratio'):.2f} "
                    f"({summary.get(f'worst_{mode}_model')}).\n"
                )
        for message in part.get("skipped", {}).values():
            lines.append(f"*Skipped:* {message}\n")
        svg = bar_chart(backend, runs)
        if svg:
            files[f"benchmarks/models-{backend}.svg"] = svg
            label = _LABELS.get(backend, backend)
            lines.append(f"![Training steps per second on {label}](models-{backend}.svg)\n")
    files[PAGE] = "\n".join(lines)
    return files
