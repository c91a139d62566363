"""`zoo bench --optimizers`: the record it writes beside the layers' timings, on a
small set of variables (the real run updates ten million parameters); no timing is
asserted."""

from __future__ import annotations

import json

import pytest

from zoo import cli
from zoo.backends import current
from zoo.bench import optimizers as bench


@pytest.fixture(autouse=True)
def small(monkeypatch):
    monkeypatch.setattr(bench, "SHAPES", ((64, 32), (32,)))


def test_each_optimizer_is_timed_beside_adam_keeping_the_layers_timings(tmp_path):
    output = tmp_path / "latest.json"
    layers = {"Linear": {"sizes": []}}
    output.write_text(json.dumps({"backends": {current(): {"layers": layers}}}))
    argv = ["bench", "--optimizers", "RectifiedAdam", "Lookahead", "--rounds", "3"]
    assert cli.main([*argv, "--output", str(output)]) == 0
    part = json.loads(output.read_text())["backends"][current()]
    assert part["layers"] == layers
    timed = part["optimizers"]
    assert timed["parameters"] == 64 * 32 + 32 and timed["machine"]["backend"] == current()
    assert set(timed["results"]) == {"RectifiedAdam", "Lookahead"}
    for result in timed["results"].values():
        assert result["zoo"]["median_s"] > 0 and result["adam"]["rounds"] == 3
        q1, q3 = result["ratio_quartiles"]
        assert q1 <= result["ratio"] <= q3


def test_naming_an_optimizer_updates_it_and_keeps_the_others(tmp_path):
    output = tmp_path / "latest.json"
    kept = {"Yogi": {"ratio": 1.0}}
    output.write_text(json.dumps({"backends": {current(): {"optimizers": {"results": kept}}}}))
    argv = ["bench", "--optimizers", "RectifiedAdam", "--rounds", "1", "--output", str(output)]
    assert cli.main(argv) == 0
    results = json.loads(output.read_text())["backends"][current()]["optimizers"]["results"]
    assert results["Yogi"] == kept["Yogi"] and "ratio" in results["RectifiedAdam"]


def test_models_and_optimizers_together_are_refused(capsys):
    assert cli.main(["bench", "--models", "--optimizers"]) == 2
    assert "--models and --optimizers are separate runs" in capsys.readouterr().err


def test_the_compiled_update_is_the_optimizers_update():
    import keras
    import numpy as np

    from zoo.bench.seams import seam

    weights, grads = bench._problem()
    variables = [keras.Variable(w) for w in weights]
    keras_grads = [keras.ops.convert_to_tensor(g) for g in grads]
    step = seam().apply_step(keras.optimizers.SGD(1.0), variables, keras_grads)
    step()
    if current() != "jax":  # JAX's step threads its state; the Variables are not written
        for variable, w, g in zip(variables, weights, grads, strict=True):
            np.testing.assert_allclose(keras.ops.convert_to_numpy(variable), w - g, atol=1e-6)
