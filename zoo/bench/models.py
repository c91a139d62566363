"""Whole training steps of real models, built from zoo layers and from Keras built-ins.

`zoo bench --models` and the pytest-benchmark suite (tests/benchmarks/test_models.py)
time, for each model of `zoo.bench.architectures`, one training step (forward,
backward and optimizer update) of the model built twice: once from zoo layers, looked
up by their registered names in the registry, and once from the Keras built-ins they mirror
(each entry's registered twin factory where that builds the right twin). The two
are timed in alternating rounds in the same process with zoo.bench's machinery,
so that a neighbour's load hits both alike and cancels out of their ratio.

What is timed is the step `fit` runs, called as `fit` calls it: after
`model.compile(...)` and one `train_on_batch` (which builds the model, the
optimizer and the metrics, and compiles the step), `model.make_train_function()`
gives the trainer's compiled step, and the timed call is the one `fit`'s loop
makes each batch:

- TensorFlow: ``model.train_function(iterator)`` on an iterator of a `tf.data`
  dataset repeating the batch (what `fit` hands it); the step is a `tf.function`,
  with XLA in the ``xla`` mode (``compile(jit_compile=True)``).
- JAX: ``logs, state = model.train_function(state, iterator)``, threading the
  state of values (trainable, non-trainable, optimizer and metric variables)
  from call to call as `fit` does, and waiting for the result
  (`jax.block_until_ready`: JAX dispatches asynchronously).
- PyTorch: ``model.train_function([batch])``, eager (Keras' default on
  PyTorch), or `torch.compile`d in the ``compiled`` mode.

Not `train_on_batch` in the timed loop: it adds per-call work `fit` does not
(on JAX, collecting every variable's value before the step and writing each back
after it; on every backend, converting the logs to numpy), which would count
against the smaller model. Callbacks and the progress bar are left out too: the
same for both models, they are no part of what the layers cost.

Nothing here names a family. The models need layers by their registered names;
a model whose layers are not all installed is skipped with a message naming the
missing ones.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import keras
import numpy as np

from zoo.bench import layers as bench
from zoo.bench.architectures import (  # noqa: F401  (the models' readers find them here too)
    CLASSES,
    MODELS,
    SEED,
    SIDES,
    Parts,
    copy_weights,
    missing_layers,
    missing_modules,
    select,
    skip_message,
)
from zoo.bench.model_spec import ModelSpec
from zoo.bench.seams import Step, seam
from zoo.registry import Registry

#: Alternating rounds per timing, fewer than the layer bench's: a step of the
#: larger models takes up to a second. A round lasts about ``ROUND_SECONDS``:
#: one call of a large model's step, several of the VAE's few milliseconds.
ROUNDS = 9
ROUND_SECONDS = 0.05


# -- building, compiling, stepping ------------------------------------------------


def build_pair(spec: ModelSpec, registry: Registry) -> tuple[keras.Model, keras.Model]:
    """The zoo model and the Keras model of ``spec``, the Keras one with the zoo one's
    weights (not compiled)."""
    if spec.pair is not None:
        return spec.pair(registry)
    assert spec.build is not None, f"{spec.key}: neither build nor pair"
    keras.utils.set_random_seed(SEED)
    sides = {side: Parts(registry, side) for side in SIDES}
    models = {side: spec.build(parts, spec.layer) for side, parts in sides.items()}
    copy_weights(sides["zoo"], sides["keras"])
    return models["zoo"], models["keras"]


def structure(model: keras.Model) -> dict[str, Any]:
    """What must be equal for a fair comparison: the trainable weights' shapes, in
    order, and the parameter counts."""
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    return {
        "trainable_shapes": [tuple(w.shape) for w in model.trainable_weights],
        "trainable": int(trainable),
        "non_trainable": int(model.count_params() - trainable),
    }


def compile_model(model: keras.Model, spec: ModelSpec, mode: str) -> None:
    """Compile as a user would, for the step ``mode`` (the backend's first mode is
    what ``jit_compile="auto"`` chooses on a CPU)."""
    jit = {"xla": True, "compiled": True, "jit": True}.get(mode, False)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=spec.loss() if spec.loss else None,
        jit_compile=jit,
    )


def make_step(model: keras.Model, data: tuple[np.ndarray, ...]) -> Step:
    """The compiled model's train step on ``data`` (one batch), called as `fit` calls
    it; a first `fit` of one step builds what the step needs and compiles it."""
    step: Step = seam().train_step(model, data)
    return step


def peak_memory(step: Step) -> int | None:
    """Peak device memory in bytes over two calls of ``step``, where the backend tells
    it (GPUs), else ``None``."""
    peak: int | None = seam().peak_memory(step)
    return peak


# -- a run -------------------------------------------------------------------------


def bench_model(
    spec: ModelSpec,
    registry: Registry,
    batches: Iterable[int] | None = None,
    modes: Iterable[str] | None = None,
    rounds: int = ROUNDS,
    on_batch: Callable[[int], None] | None = None,
) -> list[dict[str, Any]]:
    """One row per (mode, batch): steps per second of both sides, their ratio."""
    modes = tuple(modes or bench.MODES[:1])
    rows = []
    for mode in modes:
        for batch in batches or spec.batches:
            row: dict[str, Any] = {
                "model": spec.name,
                "variant": spec.variant,
                "mode": mode,
                "batch": batch,
            }
            try:
                row.update(_time_pair(spec, registry, mode, batch, rounds))
            except Exception as error:  # one model failing must not hide the others
                row["error"] = bench._error(error)
            rows.append(row)
            if on_batch is not None:
                on_batch(batch)
    return rows


def _time_pair(
    spec: ModelSpec, registry: Registry, mode: str, batch: int, rounds: int
) -> dict[str, Any]:
    seam().fresh()
    if spec.decode is not None:
        return _time_decoding(spec, registry, mode, batch, rounds)
    assert spec.data is not None, f"{spec.key}: no data"
    models = dict(zip(SIDES, build_pair(spec, registry), strict=True))
    data = spec.data(batch)
    steps, found = {}, {}
    for side, model in models.items():
        compile_model(model, spec, mode)
        steps[side] = make_step(model, data)
        found[side] = structure(model)
    peaks = {side: peak_memory(step) for side, step in steps.items()}
    # No warm-up beyond the first fit: finding the calls per round (one) runs each twice.
    samples = bench.time_alternating(steps, rounds, ROUND_SECONDS, warmup=0)
    result: dict[str, Any] = {}
    for side in SIDES:
        summary = bench.summarize(samples[side])
        result[side] = {
            **summary,
            "steps_per_s": 1.0 / summary["median_s"],
            "peak_memory_bytes": peaks[side],
            "parameters": found[side]["trainable"] + found[side]["non_trainable"],
        }
    result["ratio"] = bench.paired_ratio(samples["zoo"], samples["keras"])
    return result


def _time_decoding(
    spec: ModelSpec, registry: Registry, mode: str, batch: int, rounds: int
) -> dict[str, Any]:
    """Both sides' decoding in alternating rounds, after one call each (which traces and
    compiles); tokens per second counts the tokens generated in every sample."""
    assert spec.decode is not None
    steps = spec.decode(registry, mode, batch)
    for step in steps.values():
        step()
    samples = bench.time_alternating(steps, rounds, ROUND_SECONDS, warmup=0)
    result: dict[str, Any] = {}
    for side in SIDES:
        summary = bench.summarize(samples[side])
        result[side] = {**summary, "tokens_per_s": batch * spec.tokens / summary["median_s"]}
    result["ratio"] = bench.paired_ratio(samples["zoo"], samples["keras"])
    return result


def summarize_run(rows: list[dict[str, Any]], modes: Iterable[str]) -> dict[str, Any]:
    """Per mode: the geometric mean and the largest zoo/Keras ratio over the models, each
    at its largest batch timed (the models timed against a reference of another kind, a
    dense model or uncached decoding, are left out: their ratio says something else)."""
    apart = {spec.key for spec in MODELS if not spec.in_summary}
    summary: dict[str, Any] = {}
    for mode in modes:
        largest: dict[str, dict[str, Any]] = {}
        for row in rows:
            if f"{row['model']}/{row['variant']}" in apart:
                continue
            if row["mode"] == mode and row.get("ratio"):
                key = f"{row['model']}/{row['variant']}"
                if key not in largest or row["batch"] > largest[key]["batch"]:
                    largest[key] = row
        ratios = {key: row["ratio"] for key, row in largest.items()}
        summary[f"geomean_{mode}_ratio"] = bench.geomean(ratios.values())
        summary[f"max_{mode}_ratio"] = max(ratios.values(), default=None)
        summary[f"worst_{mode}_model"] = max(ratios, key=ratios.__getitem__, default=None)
    summary["errors"] = {
        f"{row['model']}/{row['variant']} batch {row['batch']} {row['mode']}": row["error"]
        for row in rows
        if "error" in row
    }
    return summary
