"""`zoo bench --mode train-step`: a training step of a model holding just the layer, beside
one holding its Keras twin, on the backend Keras runs on (``KERAS_BACKEND``): the timings
are finite, the record is written beside the layer bench's, and the layer page shows it
first. Few rounds at a small batch; no timing threshold is asserted. The tests that time
are slow (a model compiled per side and mode, `torch.compile` on PyTorch)."""

from __future__ import annotations

import json
import math

import keras
import pytest

import zoo
from zoo import cli, records
from zoo.backends import backend, current
from zoo.bench import train_step as bench
from zoo.docgen.pages import catalogue, cost_section
from zoo.docgen.train_step import resolved


def _check_timing(timing: dict, rounds: int) -> None:
    assert timing["zoo"]["median_s"] > 0 and timing["twin"]["median_s"] > 0
    assert timing["zoo"]["rounds"] == timing["twin"]["rounds"] == rounds
    assert math.isfinite(timing["ratio"]) and timing["ratio"] > 0
    q1, q3 = timing["ratio_quartiles"]
    assert 0 < q1 <= timing["ratio"] <= q3 and math.isfinite(q3)


def test_the_modes_are_fits_default_and_the_compiled_step_where_that_is_eager():
    for record in zoo.backends.ALL:
        expected = ("auto",) if record.fit_compiles else ("auto", "jit")
        assert bench.modes(record.name) == expected
    assert bench.mode_label("auto") == 'jit_compile="auto"'
    assert bench.mode_label("jit") == "jit_compile=True"


@pytest.mark.slow
def test_a_normalizations_train_step_has_a_finite_ratio_and_quartiles_in_every_mode():
    item = zoo.get_registry().get("LayerNormalization")
    result = bench.bench_layer(item, rounds=3, batch=4)
    assert result["input_shape"] == [4, *bench.bench.sample_shape(item.entry)]
    assert result["twin"] == "keras.layers.LayerNormalization"
    assert list(result["modes"]) == list(bench.modes())
    for mode, timing in result["modes"].items():
        assert "error" not in timing, timing
        _check_timing(timing, rounds=3)
        if mode == "jit":  # compiled where asked, whatever the backend's default
            assert timing["jit_compile"] is True


def test_the_model_holds_just_the_layer_with_a_target_per_output():
    layer = keras.layers.Dense(3)
    x = keras.ops.ones((4, 5))
    layer(x)
    model = bench.layer_model(layer, x)
    assert model.layers[-1] is layer and len(model.trainable_weights) == 2
    data_x, data_y = bench.training_data(layer, x)
    assert data_x.shape == (4, 5) and data_y.shape == (4, 3)


def test_a_layer_that_cannot_be_put_in_a_model_is_recorded_not_raised():
    item = zoo.get_registry().get("LayerNormalization")
    result = bench.bench_layer(item, rounds=2, batch=2, timed_modes=("nonsense",))
    assert "not a train-step mode" in result["modes"]["nonsense"]["error"]


@pytest.mark.slow
def test_the_cli_writes_the_train_step_field_keeping_the_layer_timings(tmp_path):
    output = tmp_path / "latest.json"
    layers = {"LayerNormalization": {"sizes": [], "headline": None}}
    kept = {"GroupNormalization": {"modes": {}}}
    part = {"layers": layers, "train_step": {"results": kept}}
    output.write_text(json.dumps({"backends": {current(): part}}))
    argv = ["bench", "--mode", "train-step", "LayerNormalization", "--rounds", "2"]
    assert cli.main([*argv, "--batch", "4", "--output", str(output)]) == 0
    part = json.loads(output.read_text())["backends"][current()]
    assert part["layers"] == layers
    field = part["train_step"]
    assert field["modes"] == list(bench.modes()) and field["machine"]["backend"] == current()
    assert field["results"]["GroupNormalization"] == kept["GroupNormalization"]
    result = field["results"]["LayerNormalization"]
    assert result["batch"] == 4
    for timing in result["modes"].values():
        _check_timing(timing, rounds=2)
    assert field["summary"]["geomean_auto_ratio"] > 0
    # The page reads it back from the record on disk, first in the cost section.
    record = records.read_record(output)
    item = zoo.get_registry().get("LayerNormalization")
    page = "".join(cost_section(item, record)[0])
    auto = result["modes"]["auto"]
    q1, q3 = auto["ratio_quartiles"]
    assert f"**{auto['ratio']:.2f}×** ({q1:.2f}-{q3:.2f})" in page
    assert f'| "auto" → {resolved(current(), auto["jit_compile"])} | 4×64×256 |' in page
    assert backend().label in page
    assert page.index("### Training step") < page.index("### Diagnosis")
    # And the catalogue's first cost column, before the forward+backward ones.
    home = catalogue(zoo.get_registry(), record)
    assert f"| train step vs twin, {backend().label} |" in home
    assert f"| {auto['ratio']:.2f}× |" in home


def test_the_page_names_what_the_step_ran_as():
    # Written from what Keras documents of jit_compile, not read from the backend records.
    assert resolved("tensorflow", False) == "graph" and resolved("tensorflow", True) == "XLA"
    assert resolved("jax", True) == "jit"
    assert resolved("torch", False) == "eager" and resolved("torch", True) == "compiled"


def test_a_page_without_a_train_step_record_names_the_command():
    item = zoo.get_registry().get("LayerNormalization")
    page = "".join(cost_section(item, {})[0])
    assert "*Not measured yet: `zoo bench --mode train-step LayerNormalization" in page


def test_other_modes_are_still_refused_for_layers(capsys):
    assert cli.main(["bench", "--mode", "graph", "LayerNormalization"]) == 2
    assert "--mode is for --models, or train-step for layers" in capsys.readouterr().err
    argv = ["bench", "--mode", "train-step", "LayerNormalization", "--batch", "2", "--batch", "4"]
    assert cli.main(argv) == 2
