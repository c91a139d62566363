"""Forward and forward+backward cost of registered layers, beside their Keras twins.

One timing core for `zoo bench` and the pytest-benchmark suite, on the Keras
backend this process runs on. For one registry entry it builds the zoo layer
and the twin (same config, same weights), and times, in each of the backend's
execution modes, the forward pass and the forward+backward pass (gradients
with respect to the input and every trainable weight, given a random upstream
gradient as a training step gets one: an upstream of ones lets the compiler
fold away work a real step does). The zoo layer and its twin are timed in
alternating rounds in the same run, so that a neighbour's load or a frequency
change hits both alike and cancels out of their ratio.

What differs per backend (how a step is compiled and differentiated, how
matrix-product FLOPs are counted) sits behind one seam, ``zoo.bench.seams``, a
module per backend; this module is written with ``keras`` and ``numpy`` alone,
and no framework is imported unless this process runs on it. The modes timed are
each backend's record's (``zoo.backends``):

- TensorFlow: ``graph`` (`tf.function`) and ``xla`` (``jit_compile=True``);
  gradients from `tf.GradientTape`.
- JAX: ``jit``, `jax.jit` over a stateless call of the layer (variables
  passed in as values in a `keras.StatelessScope`, as Keras' JAX trainer
  does); gradients from `jax.vjp`.
- PyTorch: ``eager`` (what Keras' torch trainer runs by default) and
  ``compiled`` (`torch.compile`); gradients from `torch.autograd.grad`.

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

from zoo.backends import ALL, backend, current
from zoo.bench.seams import Step, float_outputs, is_float, seam
from zoo.registry import Registered
from zoo.registry.entries import LayerEntry

#: Execution modes per backend, the one Keras' `fit` uses on a CPU by default first
#: (read from `zoo.backends`, kept here for the bench's readers).
BACKEND_MODES: dict[str, tuple[str, ...]] = {b.name: b.modes for b in ALL}
#: How the docs and tables name backends and modes.
BACKEND_LABELS: dict[str, str] = {b.name: b.label for b in ALL}
MODE_LABELS: dict[str, str] = {m: b.mode_label(m) for b in ALL for m in b.modes}
#: Batch sizes each layer is timed at, so the docs can draw cost against work.
BATCHES: tuple[int, ...] = (1, 16, 128, 1024)
#: "backward" means forward + backward, as a training step pays it.
PHASES: tuple[str, ...] = ("forward", "backward")
IMPLEMENTATIONS: tuple[str, ...] = ("zoo", "twin")
#: Alternating rounds per timing, and the length of one round: many short
#: rounds, so that the pairs are close in time and the median has company.
ROUNDS = 31
ROUND_SECONDS = 0.005


def modes(name: str | None = None) -> tuple[str, ...]:
    """The execution modes timed on backend ``name`` (default: this process's)."""
    return backend(name).modes


#: The modes of this process's backend.
MODES: tuple[str, ...] = modes()


# -- building ------------------------------------------------------------------


def sample_shape(entry: LayerEntry) -> tuple[int, ...]:
    """The shape of one timed sample: the entry's bench shape, or its example input's."""
    if entry.bench_sample_shape is not None:
        return tuple(entry.bench_sample_shape)
    return tuple(entry.input_shape[1:])


def _normal(shape: tuple[int, ...], seed: int, dtype: str = "float32") -> Any:
    values = np.random.default_rng(seed).normal(size=shape).astype("float32")
    return keras.ops.convert_to_tensor(values, dtype=dtype)


def example_batch(entry: LayerEntry, batch: int, seed: int = 0) -> Any:
    """A reproducible random input of ``batch`` timed samples, a tensor of the backend."""
    if entry.integer_input:
        # Indices (an embedding's input), drawn as the kit draws them.
        low, high = entry.input_range or (0, 2)
        shape = (batch, *sample_shape(entry))
        values = np.random.default_rng(seed).integers(int(low), int(high), size=shape)
        return keras.ops.convert_to_tensor(values, dtype=entry.input_dtype)
    return _normal((batch, *sample_shape(entry)), seed)


def build_pair(entry: LayerEntry) -> tuple[Any, Any | None]:
    """The zoo layer and its twin (or ``None``), built for the timed samples, same weights."""
    x = example_batch(entry, entry.input_shape[0])
    layer = entry.make()
    layer(x)
    if entry.twin is None:
        return layer, None
    twin = entry.make_twin(entry.make_config())
    twin(x)
    # Timing needs equal shapes; equal weights too where they copy across.
    with contextlib.suppress(Exception):
        entry.twin.copy_weights(layer, twin)
    return layer, twin


def upstream_gradients(layer: Any, x: Any, seed: int = 1) -> list[Any]:
    """What the backward pass starts from: a reproducible random gradient for each
    float output, as a training step gets from the layers above, and 1 for each
    added loss."""
    outputs = float_outputs(layer(x, training=True))
    gradients = [
        _normal(tuple(t.shape), seed + i, keras.backend.standardize_dtype(t.dtype))
        for i, t in enumerate(outputs)
    ]
    losses = [loss for loss in layer.losses if is_float(loss)]
    return gradients + [keras.ops.ones_like(loss) for loss in losses]


def make_step(layer: Any, x: Any, mode: str, phase: str) -> Step:
    """One call of ``layer`` on ``x`` in ``mode`` (not yet compiled: the first call does).

    The forward step returns the outputs; the backward step returns the
    gradients with respect to ``x`` and each of ``layer.trainable_variables``,
    in that order, from `upstream_gradients`.
    """
    if mode not in MODES:
        raise ValueError(f"mode {mode!r} is not one of {current()}'s: {', '.join(MODES)}")
    if phase not in PHASES:
        raise ValueError(f"phase {phase!r} is not one of {', '.join(PHASES)}")
    upstream = upstream_gradients(layer, x) if phase == "backward" else None
    step: Step = seam().step(layer, x, mode, upstream)
    return step


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
    the rounds run A, B, then B, A, and so on, so that neither step always
    runs first (after the other has warmed the caches, say); each round times
    enough calls to last about ``round_seconds``, so the clock's resolution
    does not matter.
    """
    for step in steps.values():
        for _ in range(warmup):
            step()
    calls = {name: _calls_per_round(step, round_seconds) for name, step in steps.items()}
    samples: dict[str, list[float]] = {name: [] for name in steps}
    order = list(steps)
    for turn in range(rounds):
        for name in order if turn % 2 == 0 else reversed(order):
            samples[name].append(_time_calls(steps[name], calls[name]))
    return samples


def summarize(samples: list[float]) -> dict[str, float]:
    """Median and interquartile range of per-call times, in seconds."""
    if len(samples) < 2:
        return {"median_s": samples[0], "iqr_s": 0.0, "rounds": len(samples)}
    q1, _, q3 = statistics.quantiles(samples, n=4)
    return {"median_s": statistics.median(samples), "iqr_s": q3 - q1, "rounds": len(samples)}


# -- work size -------------------------------------------------------------------


def _nbytes(tensor: Any) -> int:
    dtype = np.dtype(keras.backend.standardize_dtype(tensor.dtype).replace("bfloat16", "float16"))
    return int(math.prod(tensor.shape) * dtype.itemsize)


def work_size(layer: Any, x: Any) -> dict[str, Any]:
    """How much work one forward call is: elements in, bytes moved, FLOPs.

    Bytes moved is the least a forward call must touch: read the input and
    the weights, write the outputs. FLOPs count matrix products only (where
    a layer has none, FLOPs are not what bounds it, and are ``None``).
    """
    outputs = keras.tree.flatten(layer(x, training=True))
    out_bytes = sum(_nbytes(t) for t in outputs if None not in tuple(t.shape))
    weight_bytes = sum(_nbytes(w) for w in layer.weights)
    flops = seam().matmul_flops(layer, x)
    return {
        "batch": int(x.shape[0]),
        "input_shape": [int(d) for d in x.shape],
        "elements": int(math.prod(x.shape)),
        "bytes": int(_nbytes(x) + out_bytes + weight_bytes),
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
            try:  # one mode failing (a compiler refusing a layer) must not hide the others
                seam().fresh()
                steps = {"zoo": make_step(zoo_layer, x, mode, phase)}
                if twin_layer is not None:
                    steps["twin"] = make_step(twin_layer, x, mode, phase)
                samples = time_alternating(steps, rounds, round_seconds)
            except Exception as error:
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
    modes: Iterable[str] = MODES,
    rounds: int = ROUNDS,
    round_seconds: float = ROUND_SECONDS,
    bandwidth_gb_per_s: float | None = None,
    on_size: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Everything `zoo bench` records about one registered layer (see docs/benchmarks).

    Whatever cannot be built or timed is recorded under ``"error"`` instead of
    raised, so one layer cannot stop a run over the catalogue.
    """
    entry = item.entry
    assert isinstance(entry, LayerEntry), f"{item.name} is a {item.kind}: only layers are timed"
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

    def ratio(mode: str, phase: str) -> float | None:
        return ((top.get(mode) or {}).get(phase) or {}).get("ratio")

    result["headline"] = {
        "batch": top["batch"],
        **{f"{mode}_ratio": ratio(mode, "backward") for mode in MODES},
        **{f"{mode}_forward_ratio": ratio(mode, "forward") for mode in MODES},
    }
    fastest = _fastest_forward(top, modes)
    if bandwidth_gb_per_s and fastest:
        result["bandwidth_fraction"] = top["bytes"] / fastest / (bandwidth_gb_per_s * 1e9)
    return result


# -- a whole run ------------------------------------------------------------------


def geomean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v]
    return math.exp(sum(map(math.log, present)) / len(present)) if present else None


def summarize_run(
    layers: dict[str, dict[str, Any]], modes: Iterable[str] | None = None
) -> dict[str, Any]:
    """Geometric means and worst ratios over every layer with a twin (headline size),
    per mode (default: this backend's)."""
    modes = tuple(modes or MODES)
    headlines = {name: layer["headline"] for name, layer in layers.items() if layer.get("headline")}
    summary: dict[str, Any] = {"layers": len(layers), "errors": {}}
    for mode in modes:
        ratios = {n: h[f"{mode}_ratio"] for n, h in headlines.items() if h.get(f"{mode}_ratio")}
        summary[f"geomean_{mode}_ratio"] = geomean(ratios.values())
        summary[f"max_{mode}_ratio"] = max(ratios.values(), default=None)
        summary[f"worst_{mode}_layer"] = max(ratios, key=ratios.__getitem__, default=None)
        summary[f"layers_with_twin_{mode}"] = len(ratios)
    for name, layer in layers.items():
        problems = [layer["error"]] if "error" in layer else []
        for size in layer.get("sizes", []):
            if "error" in size:
                problems.append(f"batch {size['batch']}: {size['error']}")
            for mode in modes:
                for phase in PHASES:
                    error = ((size.get(mode) or {}).get(phase) or {}).get("error")
                    if error:
                        problems.append(f"batch {size['batch']} {mode} {phase}: {error}")
        if problems:
            summary["errors"][name] = problems
    return summary
