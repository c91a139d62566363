"""What a layer costs where users feel it: one training step of a model holding just the
layer, beside the same model holding its Keras twin.

For one registry entry, the zoo layer and its twin are built with the same weights
(`zoo.bench.layers.build_pair`), each is put alone in a functional `keras.Model` on the
input the layer bench times (the entry's bench sample shape, batch ``BATCH``), and each
model is compiled as a user compiles it: ``compile(SGD, "mse", jit_compile=...)``, with
``"auto"``, what `fit` runs by default on each backend, and, where that default is eager
(`zoo.backends.Backend.fit_compiles`), also ``jit_compile=True``. The targets are a
fixed random tensor of the output's shape.

What is timed is the trainer's own step called as `fit` calls it each batch, through the
model bench's seam (``zoo.bench.seams.<backend>.train_step``): after one `fit` step (which
builds the optimizer and compiles the step), ``model.train_function`` on what `fit`
hands it (a `tf.data` iterator; JAX's state threaded from call to call; the batch
list on PyTorch). That is closer to `fit` than `train_on_batch`, which adds per-call
work `fit` does not (on JAX, reading every variable out and writing it back around the
step; everywhere, converting the logs to numpy), work the same for both models that
would only dilute their ratio. The two models' steps are timed in alternating rounds
(`zoo.bench.paired.timed_pair`): the ratio is the median over rounds of the round's
zoo / twin, with its quartiles.

Written by ``zoo bench --mode train-step`` into the backend's part of the benchmark
record (field ``"train_step"``), read first by each layer's page; the forward and
forward+backward timings of `zoo.bench.layers` stay as the diagnosis.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from zoo.backends import backend
from zoo.bench import layers as bench
from zoo.bench.paired import timed_each, timed_pair
from zoo.bench.seams import Step, seam
from zoo.registry import Registered
from zoo.registry.entries import LayerEntry

#: The ``--mode`` that selects this bench, and its field in a backend's part of the record.
MODE = "train-step"
FIELD = "train_step"
#: The train step's modes, each what ``compile(jit_compile=...)`` is given: `fit`'s
#: default first, then the compiled step where that default is eager.
JIT_COMPILE: dict[str, bool | str] = {"auto": "auto", "jit": True}
#: The batch the step is timed at (the issue's measurement: 32 samples).
BATCH = 32
#: Alternating rounds, and the length of one: a few steps of a small layer's model.
ROUNDS = 31
ROUND_SECONDS = 0.03
#: A small rate: thousands of steps on fixed targets must keep the weights finite (the
#: cost of a step does not depend on the rate).
LEARNING_RATE = 1e-4
SIDES = ("zoo", "twin")


def modes(name: str | None = None) -> tuple[str, ...]:
    """The train-step modes timed on backend ``name`` (default: this process's)."""
    return ("auto",) if backend(name).fit_compiles else ("auto", "jit")


def mode_label(mode: str) -> str:
    """How the docs and tables name a train-step mode: its ``jit_compile`` argument."""
    value = JIT_COMPILE.get(mode, mode)
    return f'jit_compile="{value}"' if isinstance(value, str) else f"jit_compile={value}"


def layer_model(layer: Any, x: Any) -> keras.Model:
    """A functional model holding just ``layer`` (already built), on inputs shaped as ``x``."""
    dtype = keras.backend.standardize_dtype(x.dtype)
    inputs = keras.Input(shape=tuple(x.shape[1:]), dtype=dtype)
    return keras.Model(inputs, layer(inputs))


def training_data(layer: Any, x: Any, seed: int = 2) -> tuple[Any, Any]:
    """``(x, y)`` as numpy, ``y`` a fixed random target for each of the layer's outputs."""
    rng = np.random.default_rng(seed)
    outputs = layer(x, training=True)
    targets = keras.tree.map_structure(
        lambda t: rng.normal(size=tuple(t.shape)).astype("float32"), outputs
    )
    return keras.ops.convert_to_numpy(x), targets


def compiled_step(layer: Any, x: Any, data: tuple[Any, Any], mode: str) -> tuple[Step, Any]:
    """The train step of ``layer``'s model compiled in ``mode``, called as `fit` calls it,
    and the ``jit_compile`` Keras resolved ``mode``'s argument to."""
    model = layer_model(layer, x)
    model.compile(
        optimizer=keras.optimizers.SGD(LEARNING_RATE),
        loss="mse",
        jit_compile=JIT_COMPILE[mode],
    )
    step: Step = seam().train_step(model, data)
    return step, model.jit_compile


def timed_mode(
    entry: LayerEntry,
    mode: str,
    batch: int = BATCH,
    rounds: int = ROUNDS,
    round_seconds: float = ROUND_SECONDS,
) -> dict[str, Any]:
    """Both models' train steps in ``mode``, timed in alternating rounds: each one's
    median time, and the paired ratio with its quartiles (only the zoo's without twin)."""
    if mode not in JIT_COMPILE:
        raise ValueError(f"mode {mode!r} is not a train-step mode: {', '.join(JIT_COMPILE)}")
    seam().fresh()
    # A pair of its own per mode: a step changes the weights, and compiles the model.
    built = dict(zip(SIDES, bench.build_pair(entry), strict=True))
    layers = {side: layer for side, layer in built.items() if layer is not None}
    x = bench.example_batch(entry, batch)
    data = training_data(layers["zoo"], x)
    steps, resolved = {}, {}
    for side, layer in layers.items():
        steps[side], resolved[side] = compiled_step(layer, x, data, mode)
    found: dict[str, Any] = {"jit_compile": bool(resolved["zoo"])}
    if "twin" in steps:
        return {**found, **timed_pair(steps, rounds, round_seconds)}
    samples = bench.time_alternating(steps, rounds, round_seconds, warmup=2)
    return {
        **found,
        "zoo": bench.summarize(samples["zoo"]),
        "twin": None,
        "ratio": None,
        "ratio_quartiles": None,
    }


def bench_layer(
    item: Registered,
    rounds: int = ROUNDS,
    batch: int = BATCH,
    timed_modes: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """What ``zoo bench --mode train-step`` records of one layer: per mode, the timings
    or what stopped them (one mode failing does not hide the others)."""
    entry = item.entry
    assert isinstance(entry, LayerEntry), f"{item.name} is a {item.kind}: only layers are timed"
    result: dict[str, Any] = {
        "plugin": item.plugin,
        "twin": entry.twin.name if entry.twin else None,
        "batch": batch,
        "input_shape": [batch, *bench.sample_shape(entry)],
        "modes": {},
    }
    for mode in timed_modes or modes():
        try:
            result["modes"][mode] = timed_mode(entry, mode, batch, rounds)
        except Exception as error:
            result["modes"][mode] = {"error": bench._error(error)}
    return result


def summarize_run(results: dict[str, Any], timed_modes: tuple[str, ...]) -> dict[str, Any]:
    """Per mode: the geometric mean and the largest ratio over the layers with a twin."""
    summary: dict[str, Any] = {}
    for mode in timed_modes:
        ratios = {
            name: timing["ratio"]
            for name, result in results.items()
            if (timing := result.get("modes", {}).get(mode)) and timing.get("ratio")
        }
        summary[f"geomean_{mode}_ratio"] = bench.geomean(ratios.values())
        summary[f"max_{mode}_ratio"] = max(ratios.values(), default=None)
        summary[f"worst_{mode}_layer"] = max(ratios, key=ratios.__getitem__, default=None)
    return summary


def bench_all(items: list[Registered], rounds: int = ROUNDS, batch: int = BATCH) -> dict[str, Any]:
    """The ``"train_step"`` field of a backend's part of the benchmark record."""
    timed = timed_each(items, lambda item, rounds: bench_layer(item, rounds, batch), rounds)
    return {
        **timed,
        "modes": list(modes()),
        "jit_compile": {mode: JIT_COMPILE[mode] for mode in modes()},
        "optimizer": "SGD",
        "loss": "mse",
        "round_seconds": ROUND_SECONDS,
        "summary": summarize_run(timed["results"], modes()),
    }
