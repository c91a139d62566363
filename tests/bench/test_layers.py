"""The timing core's logic on small layers: structure, ratios, failures (no timing thresholds).

Every test runs on whichever backend Keras runs on (``KERAS_BACKEND``), in that
backend's modes; the record's layout across backends is tested with plain data.
"""

from __future__ import annotations

import math

import keras
import pytest

from zoo import records
from zoo.backends import current
from zoo.bench import layers as bench
from zoo.registry import Registered
from zoo.registry.entries import LayerEntry, Twin


def _item(entry: LayerEntry) -> Registered:
    return Registered(entry=entry, kind="layer", plugin="test", family="test")


class TwoOutputs(keras.layers.Layer):
    """Returns two tensors and adds a loss, as a VAE-like model does."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")

    def call(self, inputs):
        self.add_loss(keras.ops.mean(inputs**2))
        return inputs * self.w, inputs + self.w


class Broken(keras.layers.Layer):
    def call(self, inputs):
        raise RuntimeError("cannot run")


DENSE = LayerEntry(
    keras.layers.Dense,
    config={"units": 3},
    input_shape=(4, 5),
    trainable_weights=2,
    twin=Twin("keras.layers.Dense", lambda config: keras.layers.Dense(**config)),
)


#: The backend's first mode: the one Keras' fit uses on a CPU (TF graph, JAX jit, torch eager).
MODE = bench.MODES[0]


def _quick(entry: LayerEntry, **kwargs) -> dict:
    options = {"batches": (2, 8), "rounds": 3, "round_seconds": 0.001, "modes": (MODE,)}
    return bench.bench_layer(_item(entry), **{**options, **kwargs})


def test_result_has_every_size_phase_and_the_paired_ratio():
    result = _quick(DENSE, bandwidth_gb_per_s=10.0)
    assert result["twin"] == "keras.layers.Dense" and result["plugin"] == "test"
    assert [size["batch"] for size in result["sizes"]] == [2, 8]
    size = result["sizes"][-1]
    assert size["input_shape"] == [8, 5] and size["elements"] == 40
    # input, output and weights, in float32
    assert size["bytes"] == 4 * (8 * 5 + 8 * 3 + 5 * 3 + 3)
    assert size["flops"] == 2 * 8 * 3 * 5
    for phase in bench.PHASES:
        timing = size[MODE][phase]
        assert timing["zoo"]["median_s"] > 0 and timing["twin"]["median_s"] > 0
        assert timing["zoo"]["iqr_s"] >= 0
        assert timing["zoo"]["rounds"] == timing["twin"]["rounds"] == 3
        # zoo/twin, as the median of the rounds' ratios: between the extremes
        assert timing["ratio"] > 0
    assert result["headline"]["batch"] == 8
    assert result["headline"][f"{MODE}_ratio"] == size[MODE]["backward"]["ratio"]
    for other in bench.MODES[1:]:
        assert result["headline"][f"{other}_ratio"] is None  # not timed
    fastest = size[MODE]["forward"]["zoo"]["median_s"]
    assert result["bandwidth_fraction"] == pytest.approx(size["bytes"] / fastest / 10e9)


def test_a_layer_without_twin_gets_zoo_timings_only():
    result = _quick(LayerEntry(keras.layers.ReLU, input_shape=(4, 5)), batches=(2,))
    timing = result["sizes"][0][MODE]["backward"]
    assert timing["zoo"]["median_s"] > 0
    assert timing["twin"] is None and timing["ratio"] is None
    assert result["twin"] is None and result["headline"][f"{MODE}_ratio"] is None


def test_several_outputs_and_added_losses_are_differentiated_together():
    layer = TwoOutputs()
    x = bench.example_batch(LayerEntry(TwoOutputs, input_shape=(2, 3)), 2)
    layer(x)
    gradients = bench.make_step(layer, x, MODE, "backward")()
    first, second, loss = bench.upstream_gradients(layer, x)
    # The upstream gradients are random, one per output, and 1 for the loss.
    assert first.shape == second.shape == x.shape and float(loss) == 1.0
    assert float(keras.ops.max(keras.ops.abs(first - second))) > 0.1
    # d/dx of sum(first * x * w) + sum(second * (x + w)) + mean(x**2), with w = 1
    expected = first + second + 2 * x / 6
    assert len(gradients) == 2
    assert keras.ops.convert_to_numpy(gradients[0]) == pytest.approx(
        keras.ops.convert_to_numpy(expected)
    )


def test_a_bench_sample_shape_replaces_the_example_input_for_timing():
    entry = LayerEntry(keras.layers.ReLU, input_shape=(4, 5), bench_sample_shape=(3, 7))
    assert tuple(bench.example_batch(entry, 16).shape) == (16, 3, 7)
    result = _quick(entry, batches=(2,))
    assert result["sizes"][0]["input_shape"] == [2, 3, 7]
    assert tuple(bench.example_batch(DENSE, 16).shape) == (16, 5)


def test_what_cannot_be_timed_is_recorded_not_raised():
    result = _quick(LayerEntry(Broken, input_shape=(4, 5)))
    assert "cannot run" in result["error"] and result["headline"] is None
    summary = bench.summarize_run({"Broken": result}, modes=(MODE,))
    assert "Broken" in summary["errors"]


def test_steps_take_turns_after_warming_up():
    calls = []
    steps = {"zoo": lambda: calls.append("zoo"), "twin": lambda: calls.append("twin")}
    samples = bench.time_alternating(steps, rounds=4, round_seconds=0, warmup=2)
    assert calls[:4] == ["zoo", "zoo", "twin", "twin"]
    # Each round's pair back to back, the first of a round alternating.
    assert calls[-8:] == ["zoo", "twin", "twin", "zoo", "zoo", "twin", "twin", "zoo"]
    assert len(samples["zoo"]) == len(samples["twin"]) == 4


def test_summary_is_the_geometric_mean_of_headline_ratios():
    layers = {
        name: {"headline": {"batch": 8, "graph_ratio": r, "xla_ratio": None}, "sizes": []}
        for name, r in {"a": 0.5, "b": 2.0, "c": None}.items()
    }
    summary = bench.summarize_run(layers, modes=("graph", "xla"))
    assert summary["geomean_graph_ratio"] == pytest.approx(1.0)
    assert summary["max_graph_ratio"] == 2.0 and summary["worst_graph_layer"] == "b"
    assert summary["geomean_xla_ratio"] is None
    assert math.isclose(bench.geomean([2.0, 8.0]), 4.0)


def test_the_ratio_is_the_median_of_each_rounds_zoo_over_twin():
    # Round 2 is hit by a neighbour on the zoo's turn only; the median ignores it.
    assert bench.paired_ratio([1.0, 9.0, 2.0], [2.0, 2.0, 2.0]) == 1.0
    assert bench.paired_ratio([1.0, 2.0], [2.0, 2.0]) == 0.75


# -- every mode of the backend ----------------------------------------------------


@pytest.mark.parametrize("mode", bench.MODES)
def test_every_mode_gives_the_gradients_of_the_upstream(mode):
    # Compiled or not, the backward step is the vector-Jacobian product of the upstream
    # gradient, with respect to the input and each trainable weight, in that order.
    layer = keras.layers.Dense(3)
    x = bench.example_batch(DENSE, 4)
    layer(x)
    bench.seam().fresh()
    outputs = bench.make_step(layer, x, mode, "forward")()
    dx, dkernel, dbias = (
        keras.ops.convert_to_numpy(g) for g in bench.make_step(layer, x, mode, "backward")()
    )
    (upstream,) = (keras.ops.convert_to_numpy(g) for g in bench.upstream_gradients(layer, x))
    kernel, inputs = keras.ops.convert_to_numpy(layer.kernel), keras.ops.convert_to_numpy(x)
    assert keras.ops.convert_to_numpy(outputs) == pytest.approx(
        keras.ops.convert_to_numpy(layer(x)), abs=1e-5
    )
    assert dx == pytest.approx(upstream @ kernel.T, abs=1e-5)
    assert dkernel == pytest.approx(inputs.T @ upstream, abs=1e-5)
    assert dbias == pytest.approx(upstream.sum(axis=0), abs=1e-5)


class ShapeOnly(keras.layers.Layer):
    """No weights, and an output that depends on the input's shape alone (a sinusoidal
    position encoding)."""

    def call(self, inputs):
        features = keras.ops.cast(keras.ops.arange(keras.ops.shape(inputs)[-1]), "float32")
        return keras.ops.broadcast_to(keras.ops.sin(features), keras.ops.shape(inputs))


@pytest.mark.parametrize("mode", bench.MODES)
def test_a_backward_step_with_nothing_to_differentiate_is_empty(mode):
    # PyTorch's autograd raised (nothing requires a gradient); the step has no gradient.
    layer = ShapeOnly()
    x = bench.example_batch(DENSE, 4)
    layer(x)
    bench.seam().fresh()
    (dx,) = bench.make_step(layer, x, mode, "backward")()
    assert dx is None or not keras.ops.convert_to_numpy(dx).any()


def test_a_mode_of_another_backend_is_refused():
    others = [m for b, modes in bench.BACKEND_MODES.items() if b != current() for m in modes]
    layer = keras.layers.Dense(3)
    layer(bench.example_batch(DENSE, 2))
    for mode in set(others) - set(bench.MODES):
        with pytest.raises(ValueError, match=f"{mode!r} is not one of {current()}'s"):
            bench.make_step(layer, bench.example_batch(DENSE, 2), mode, "forward")


def test_the_machine_names_the_backend_and_its_framework_versions():
    from zoo.bench import machine

    info = machine.machine_info()
    assert info["backend"] == current() and info["keras"] == keras.__version__
    for package in machine.FRAMEWORKS[current()]:
        assert info[package], package


# -- the record of every backend ---------------------------------------------------


def _part(ratio: float) -> dict:
    return {"modes": ["jit"], "layers": {"Linear": {"ratio": ratio}}, "summary": {}}


def test_each_backend_replaces_only_its_own_part_of_the_record():
    record = records.merge_record({}, "torch", _part(1.0))
    record = records.merge_record(record, "jax", _part(2.0))
    record = records.merge_record(record, "torch", _part(3.0))
    # Backends in their fixed order, whichever ran first.
    assert list(record["backends"]) == ["jax", "torch"]
    assert record["backends"]["jax"] == _part(2.0) and record["backends"]["torch"] == _part(3.0)


def test_a_record_from_before_the_backends_is_tensorflows():
    old = {"machine": {"tensorflow": "2.21.0"}, "layers": {"Linear": {}}, "summary": {}}
    parts = records.backend_records(old)
    assert list(parts) == ["tensorflow"] and parts["tensorflow"]["modes"] == ["graph", "xla"]
    merged = records.merge_record(old, "jax", _part(1.0))
    assert merged["backends"]["tensorflow"]["layers"] == {"Linear": {}}
    assert records.backend_records({}) == {}


def _timed(zoo_s: float, twin_s: float) -> dict:
    return {"zoo": {"median_s": zoo_s}, "twin": {"median_s": twin_s}, "ratio": zoo_s / twin_s}


def _layer_record(modes: dict[str, float]) -> dict:
    sizes = [
        {
            "batch": batch,
            "input_shape": [batch, 8],
            **{
                mode: {"forward": _timed(1e-3, 1e-3), "backward": _timed(r * 1e-3, 1e-3)}
                for mode, r in modes.items()
            },
        }
        for batch in (1, 16)
    ]
    headline = {"batch": 16, **{f"{mode}_ratio": r for mode, r in modes.items()}}
    return {"sizes": sizes, "headline": headline}


def test_the_docs_show_a_cost_table_per_backend_and_one_plot():
    import zoo
    from zoo.docgen import pages as docs

    torch_layer = _layer_record({"eager": 0.9})
    torch_layer["sizes"][1]["compiled"] = {
        phase: {"zoo": None, "twin": None, "ratio": None, "error": "BackendCompilerFailed: no"}
        for phase in bench.PHASES
    }
    record = records.merge_record({}, "tensorflow", {"layers": {"Dense": _layer_record({})}})
    jax_layer = _layer_record({"jit": 0.5})
    jax_part = {"modes": ["jit"], "machine": {"jax": "0.1"}, "layers": {"Linear": jax_layer}}
    record = records.merge_record(record, "jax", jax_part)
    torch_part = {"modes": ["eager", "compiled"], "layers": {"Linear": torch_layer}}
    record = records.merge_record(record, "torch", torch_part)
    item = zoo.get_registry().get("Linear")
    lines, files = docs.cost_section(item, record)
    page = "\n".join(lines)
    # TensorFlow measured nothing for it: no heading; JAX and PyTorch each get their own.
    assert "### TensorFlow" not in page and "### JAX" in page and "### PyTorch" in page
    assert "JAX 0.1" in page
    assert "| 16×8 | jit | forward + backward | 500 µs | 1 ms | 0.50× |" in page
    assert "| 16×8 | compiled | forward + backward | — | — | — |" in page
    assert "*Not timed:* compiled, forward: BackendCompilerFailed: no" in page
    assert list(files) == ["reference/core/Linear-cost.svg"]
    assert "![Cost of Linear against batch size](Linear-cost.svg)" in page
    home = docs.catalogue(zoo.get_registry(), record)
    assert "| vs twin, JAX | vs twin, PyTorch |" in home
    # The time is the first backend's (TensorFlow measured no Linear), the ratios each one's.
    assert "| — | — | 0.50× | 0.90× |" in home


def test_the_summary_table_fits_80_columns():
    from rich.console import Console

    from zoo.cli.bench import _bench_table

    modes = ("eager", "compiled")
    layers = {
        "ActivityRegularization": _layer_record({"eager": 1.234, "compiled": 12.5}),
        "InstanceNormalization": _layer_record({"eager": 0.5, "compiled": 0.75}),
        "Broken": {"headline": None, "error": "could not build", "sizes": []},
    }
    for size in layers["InstanceNormalization"]["sizes"]:  # the widest durations: 1.23 ms
        size["eager"]["forward"] = _timed(1.234e-3, 1e-3)
        size["eager"]["backward"] = _timed(1.234e-3, 1.234e-3)
    console = Console(width=80, record=True)
    console.print(_bench_table("torch", modes, layers, list(layers)))
    text = console.export_text()
    assert "…" not in text and max(map(len, text.splitlines())) <= 80
    assert "compiled" in text and "12.50" in text and "1.23 ms" in text and "error" in text
