"""The timing core's logic on small layers: structure, ratios, failures (no timing thresholds)."""

from __future__ import annotations

import math

import keras
import pytest

from zoo import bench
from zoo.entries import LayerEntry, Twin
from zoo.registry import Registered


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


def _quick(entry: LayerEntry, **kwargs) -> dict:
    options = {"batches": (2, 8), "rounds": 3, "round_seconds": 0.001, "modes": ("graph",)}
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
        timing = size["graph"][phase]
        assert timing["zoo"]["median_s"] > 0 and timing["twin"]["median_s"] > 0
        assert timing["zoo"]["iqr_s"] >= 0
        assert timing["zoo"]["rounds"] == timing["twin"]["rounds"] == 3
        # zoo/twin, as the median of the rounds' ratios: between the extremes
        assert timing["ratio"] > 0
    assert result["headline"]["batch"] == 8
    assert result["headline"]["graph_ratio"] == size["graph"]["backward"]["ratio"]
    assert result["headline"]["xla_ratio"] is None  # not timed
    fastest = size["graph"]["forward"]["zoo"]["median_s"]
    assert result["bandwidth_fraction"] == pytest.approx(size["bytes"] / fastest / 10e9)


def test_a_layer_without_twin_gets_zoo_timings_only():
    result = _quick(LayerEntry(keras.layers.ReLU, input_shape=(4, 5)), batches=(2,))
    timing = result["sizes"][0]["graph"]["backward"]
    assert timing["zoo"]["median_s"] > 0
    assert timing["twin"] is None and timing["ratio"] is None
    assert result["twin"] is None and result["headline"]["graph_ratio"] is None


def test_several_outputs_and_added_losses_are_differentiated_together():
    layer = TwoOutputs()
    x = bench.example_batch(LayerEntry(TwoOutputs, input_shape=(2, 3)), 2)
    layer(x)
    gradients = bench.make_step(layer, x, "graph", "backward")()
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
    summary = bench.summarize_run({"Broken": result})
    assert "Broken" in summary["errors"]


def test_steps_take_turns_after_warming_up():
    calls = []
    steps = {"zoo": lambda: calls.append("zoo"), "twin": lambda: calls.append("twin")}
    samples = bench.time_alternating(steps, rounds=4, round_seconds=0, warmup=2)
    assert calls[:4] == ["zoo", "zoo", "twin", "twin"]
    assert calls[-2:] == ["zoo", "twin"]
    assert len(samples["zoo"]) == len(samples["twin"]) == 4


def test_summary_is_the_geometric_mean_of_headline_ratios():
    layers = {
        name: {"headline": {"batch": 8, "graph_ratio": r, "xla_ratio": None}, "sizes": []}
        for name, r in {"a": 0.5, "b": 2.0, "c": None}.items()
    }
    summary = bench.summarize_run(layers)
    assert summary["geomean_graph_ratio"] == pytest.approx(1.0)
    assert summary["max_graph_ratio"] == 2.0 and summary["worst_graph_layer"] == "b"
    assert summary["geomean_xla_ratio"] is None
    assert math.isclose(bench.geomean([2.0, 8.0]), 4.0)


def test_the_ratio_is_the_median_of_each_rounds_zoo_over_twin():
    # Round 2 is hit by a neighbour on the zoo's turn only; the median ignores it.
    assert bench.paired_ratio([1.0, 9.0, 2.0], [2.0, 2.0, 2.0]) == 1.0
    assert bench.paired_ratio([1.0, 2.0], [2.0, 2.0]) == 0.75
