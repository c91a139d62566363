"""Forward and forward+backward cost of registered layers, beside their Keras twins.

One timing core for `zoo bench` and the pytest-benchmark suite. For one
registry entry it builds the zoo layer and the twin (same config, same
weights), and times, inside `tf.function` with and without XLA, the forward
pass and the forward+backward pass (gradients with respect to the input and
every trainable weight, given a random upstream gradient as a training step
gets one: an upstream of ones, `tape.gradient`'s default, lets the compiler
fold away work a real step does). The zoo layer and its twin are timed in alternating
rounds in the same run, so that a neighbour's load or a frequency change hits
both alike and cancels out of their ratio.

Everything comes from the registry entry; nothing here knows a family or a
layer by name.
"""

from __future__ import annotations

import contextlib
import math
import statistics
import time
from collections.abc import Callable, Iterable
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from zoo.entries import LayerEntry
from zoo.registry import Registered

#: Batch sizes each layer is timed at, so the docs can draw cost against work.
BATCHES: tuple[int, ...] = (1, 16, 128, 1024)
#: Execution modes: plain graph (`tf.function`) and XLA (`jit_compile=True`).
MODES: dict[str, bool] = {"graph": False, "xla": True}
#: "backward" means forward + backward, as a training step pays it.
PHASES: tuple[str, ...] = ("forward", "backward")
IMPLEMENTATIONS: tuple[str, ...] = ("zoo", "twin")
#: Alternating rounds per timing, and the length of one round: many short
#: rounds, so that the pairs are close in time and the median has company.
ROUNDS = 31
ROUND_SECONDS = 0.005

Step = Callable[[], Any]


# -- building ------------------------------------------------------------------


def sample_shape(entry: LayerEntry) -> tuple[int, ...]:
    """The shape of one timed sample: the entry's bench shape, or its example input's."""
    if entry.bench_sample_shape is not None:
        return tuple(entry.bench_sample_shape)
    return tuple(entry.input_shape[1:])


def _normal(shape: tuple[int, ...], seed: int) -> tf.Tensor:
    return tf.constant(np.random.default_rng(seed).normal(size=shape).astype("float32"))


def example_batch(entry: LayerEntry, batch: int, seed: int = 0) -> tf.Tensor:
    """A reproducible random input of ``batch`` timed samples."""
    return _normal((batch, *sample_shape(entry)), seed)


def build_pair(entry: LayerEntry) -> tuple[Any, Any | None]:
    """The zoo layer and its twin (or ``None``), built for the timed samples, same weights."""
    x = example_batch(entry, entry.input_shape[0])
    layer = entry.make()
    layer(x)
    if entry.twin is None:
        return layer, None
    twin = entry.twin.build(entry.make_config())
    twin(x)
    # Timing needs equal shapes; equal weights too where they copy across.
    with contextlib.suppress(Exception):
        entry.twin.copy_weights(layer, twin)
    return layer, twin


def _float_outputs(outputs: Any) -> list[tf.Tensor]:
    return [t for t in keras.tree.flatten(outputs) if t.dtype.is_floating]


def _float_losses(layer: Any) -> list[tf.Tensor]:
    return [loss for loss in layer.losses if loss.dtype.is_floating]


def _targets(layer: Any, outputs: Any) -> list[tf.Tensor]:
    """What the backward pass differentiates: every output, and every added loss.

    Several outputs (a model returning a tuple) are differentiated together,
    which is the gradient of their sum.
    """
    return _float_outputs(outputs) + _float_losses(layer)


def make_step(layer: Any, x: tf.Tensor, mode: str, phase: str) -> Step:
    """One call of ``layer`` on ``x`` as a compiled function (not yet traced)."""
    jit = MODES[mode]
    if phase == "forward":

        @tf.function(jit_compile=jit, reduce_retracing=True)
        def forward(x):
            return layer(x, training=True)

        return lambda: forward(x)

    upstream = upstream_gradients(layer, x)

    @tf.function(jit_compile=jit, reduce_retracing=True)
    def backward(x, upstream):
        with tf.GradientTape() as tape:
            tape.watch(x)
            outputs = layer(x, training=True)
            targets = _targets(layer, outputs)
        return tape.gradient(targets, [x, *layer.trainable_variables], output_gradients=upstream)

    return lambda: backward(x, upstream)


def upstream_gradients(layer: Any, x: tf.Tensor, seed: int = 1) -> list[tf.Tensor]:
    """What the backward pass starts from: a reproducible random gradient for each
    float output, as a training step gets from the layers above, and 1 for each
    added loss."""
    outputs = _float_outputs(layer(x, training=True))
    gradients = [tf.cast(_normal(tuple(t.shape), seed + i), t.dtype) for i, t in enumerate(outputs)]
    return gradients + [tf.ones_like(loss) for loss in _float_losses(layer)]


# -- timing --------------------------------------------------------------------


def _time_calls(step: Step, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        step()
    return (time.perf_counter() - start) / calls


def _calls_per_round(step: Step, round_seconds: float) -> int:
    """How many calls make a round of about ``round_seconds`` (at least one)."""
    once = _time_calls(step, 1)
    calls = max(1, round(round_seconds / max(once, 1e-7)))
    # A second, longer estimate: the first call after warm-up is often slow.
    again = _time_calls(step, min(calls, 50))
    return max(1, round(round_seconds / max(again, 1e-7)))


def time_alternating(
    steps: dict[str, Step],
    rounds: int = ROUNDS,
    round_seconds: float = ROUND_SECONDS,
    warmup: int = 3,
) -> dict[str, list[float]]:
    """Seconds per call of each step, one sample per round, the steps taking turns.

    Every step is called ``warmup`` times first (tracing and compiling), then
    the rounds run A, B, A, B, ...; each round times enough calls to last
    about ``round_seconds``, so the clock's resolution does not matter.
    """
    for step in steps.values():
        for _ in range(warmup):
            step()
    calls = {name: _calls_per_round(step, round_seconds) for name, step in steps.items()}
    samples: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            samples[name].append(_time_calls(step, calls[name]))
    return samples


def summarize(samples: list[float]) -> dict[str, float]:
    """Median and interquartile range of per-call times, in seconds."""
    if len(samples) < 2:
        return {"median_s": samples[0], "iqr_s": 0.0, "rounds": len(samples)}
    q1, _, q3 = statistics.quantiles(samples, n=4)
    return {"median_s": statistics.median(samples), "iqr_s": q3 - q1, "rounds": len(samples)}


# -- work size -------------------------------------------------------------------


def _matmul_flops(graph: tf.Graph) -> int:
    """FLOPs of the matrix products in a traced graph (2 per multiply-add)."""
    flops = 0
    for op in graph.get_operations():
        if op.type not in ("MatMul", "BatchMatMulV2", "BatchMatMulV3"):
            continue
        a, out = op.inputs[0].shape, op.outputs[0].shape
        if not (a.is_fully_defined() and out.is_fully_defined()):
            continue
        transposed = op.get_attr("transpose_a" if op.type == "MatMul" else "adj_x")
        inner = a[-2] if transposed else a[-1]
        flops += 2 * math.prod(out) * inner
    return flops


def work_size(layer: Any, x: tf.Tensor) -> dict[str, Any]:
    """How much work one forward call is: elements in, bytes moved, FLOPs.

    Bytes moved is the least a forward call must touch: read the input and
    the weights, write the outputs. FLOPs count matrix products only (where
    a layer has none, FLOPs are not what bounds it, and are ``None``).
    """
    traced = tf.function(lambda x: layer(x, training=True)).get_concrete_function(
        tf.TensorSpec(x.shape, x.dtype)
    )
    outputs = traced.structured_outputs
    out_bytes = sum(
        math.prod(t.shape) * t.dtype.size
        for t in keras.tree.flatten(outputs)
        if t.shape.is_fully_defined()
    )
    weight_bytes = sum(math.prod(w.shape) * np.dtype(w.dtype).itemsize for w in layer.weights)
    flops = _matmul_flops(traced.graph)
    return {
        "batch": int(x.shape[0]),
        "input_shape": [int(d) for d in x.shape],
        "elements": int(math.prod(x.shape)),
        "bytes": int(x.shape.num_elements() * x.dtype.size + out_bytes + weight_bytes),
        "flops": int(flops) or None,
    }


# -- one layer ---------------------------------------------------------------------


def _error(error: BaseException) -> str:
    lines = (line.strip() for line in f"{type(error).__name__}: {error}".splitlines())
    return " ".join(line for line in lines if line)[:500]


def paired_ratio(zoo: list[float], twin: list[float]) -> float:
    """Median over rounds of zoo/twin, each round's pair timed back to back.

    A burst of load from a neighbour slows one round of each; the ratio
    within the round cancels it, and the median drops the rounds it hit
    unevenly, which the ratio of the two medians would not.
    """
    return statistics.median(z / t for z, t in zip(zoo, twin, strict=True))


def bench_size(
    zoo_layer: Any,
    twin_layer: Any | None,
    entry: LayerEntry,
    batch: int,
    modes: Iterable[str] = MODES,
    rounds: int = ROUNDS,
    round_seconds: float = ROUND_SECONDS,
) -> dict[str, Any]:
    """Timings of both phases in every mode at one batch size, with the work size."""
    x = example_batch(entry, batch)
    result = work_size(zoo_layer, x)
    for mode in modes:
        result[mode] = {}
        for phase in PHASES:
            steps = {"zoo": make_step(zoo_layer, x, mode, phase)}
            if twin_layer is not None:
                steps["twin"] = make_step(twin_layer, x, mode, phase)
            try:
                samples = time_alternating(steps, rounds, round_seconds)
            except Exception as error:  # one mode failing must not hide the others
                result[mode][phase] = {"zoo": None, "twin": None, "ratio": None}
                result[mode][phase]["error"] = _error(error)
                continue
            zoo = summarize(samples["zoo"])
            twin = ratio = None
            if "twin" in samples:
                twin = summarize(samples["twin"])
                ratio = paired_ratio(samples["zoo"], samples["twin"])
            result[mode][phase] = {"zoo": zoo, "twin": twin, "ratio": ratio}
    return result


def _fastest_forward(size: dict[str, Any], modes: Iterable[str]) -> float | None:
    times = [
        size[mode]["forward"]["zoo"]["median_s"]
        for mode in modes
        if mode in size and size[mode]["forward"].get("zoo")
    ]
    return min(times) if times else None


def bench_layer(
    item: Registered,
    batches: Iterable[int] = BATCHES,
    modes: Iterable[str] = tuple(MODES),
    rounds: int = ROUNDS,
    round_seconds: float = ROUND_SECONDS,
    bandwidth_gb_per_s: float | None = None,
    on_size: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Everything `zoo bench` records about one registered layer (see docs/benchmarks).

    Whatever cannot be built or timed is recorded under ``"error"`` instead of
    raised, so one layer cannot stop a run over the catalogue.
    """
    entry: LayerEntry = item.entry
    modes = tuple(modes)
    result: dict[str, Any] = {
        "plugin": item.plugin,
        "family": item.family,
        "twin": entry.twin.name if entry.twin else None,
        "sizes": [],
        "headline": None,
        "bandwidth_fraction": None,
    }
    try:
        zoo_layer, twin_layer = build_pair(entry)
    except Exception as error:
        result["error"] = f"could not build: {_error(error)}"
        return result
    for batch in batches:
        try:
            size = bench_size(zoo_layer, twin_layer, entry, batch, modes, rounds, round_seconds)
        except Exception as error:
            result["sizes"].append({"batch": batch, "error": _error(error)})
        else:
            result["sizes"].append(size)
        if on_size is not None:
            on_size(batch)
    timed = [size for size in result["sizes"] if "error" not in size]
    if not timed:
        result["error"] = "no size could be timed"
        return result
    top = max(timed, key=lambda size: size["batch"])
    result["headline"] = {
        "batch": top["batch"],
        **{
            f"{mode}_ratio": top[mode]["backward"]["ratio"] if mode in top else None
            for mode in MODES
        },
        **{
            f"{mode}_forward_ratio": top[mode]["forward"]["ratio"] if mode in top else None
            for mode in MODES
        },
    }
    fastest = _fastest_forward(top, modes)
    if bandwidth_gb_per_s and fastest:
        result["bandwidth_fraction"] = top["bytes"] / fastest / (bandwidth_gb_per_s * 1e9)
    return result


# -- a whole run ------------------------------------------------------------------


def geomean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v]
    return math.exp(sum(map(math.log, present)) / len(present)) if present else None


def summarize_run(layers: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Geometric means and worst ratios over every layer with a twin (headline size)."""
    headlines = {name: layer["headline"] for name, layer in layers.items() if layer["headline"]}
    summary: dict[str, Any] = {"layers": len(layers), "errors": {}}
    for mode in MODES:
        ratios = {n: h[f"{mode}_ratio"] for n, h in headlines.items() if h.get(f"{mode}_ratio")}
        summary[f"geomean_{mode}_ratio"] = geomean(ratios.values())
        summary[f"max_{mode}_ratio"] = max(ratios.values(), default=None)
        summary[f"worst_{mode}_layer"] = max(ratios, key=ratios.get, default=None)
        summary[f"layers_with_twin_{mode}"] = len(ratios)
    for name, layer in layers.items():
        problems = [layer["error"]] if "error" in layer else []
        for size in layer["sizes"]:
            if "error" in size:
                problems.append(f"batch {size['batch']}: {size['error']}")
            for mode in MODES:
                for phase in PHASES:
                    error = size.get(mode, {}).get(phase, {}).get("error")
                    if error:
                        problems.append(f"batch {size['batch']} {mode} {phase}: {error}")
        if problems:
            summary["errors"][name] = problems
    return summary
