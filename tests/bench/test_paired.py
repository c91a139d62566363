"""`zoo bench --optimizers` (optimizers, and the schedules driving Adam) and `--losses`:
the record each writes beside the layers' timings, on small problems (the real runs
update ten million parameters and take 1024 rows); no timing is asserted."""

from __future__ import annotations

import json
import math

import pytest

import zoo
from zoo import cli
from zoo.backends import current
from zoo.bench import losses, schedules
from zoo.bench import optimizers as bench


@pytest.fixture(autouse=True)
def small(monkeypatch):
    monkeypatch.setattr(bench, "SHAPES", ((64, 32), (32,)))
    monkeypatch.setattr(losses, "ROWS", 64)


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
        assert result["zoo"]["median_s"] > 0 and result["twin"]["rounds"] == 3
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


def test_a_schedule_is_timed_driving_adam_beside_adam_at_a_constant_rate():
    item = zoo.get_registry().get("TriangularCyclicalLearningRate")
    result = schedules.bench_schedule(item, rounds=3)
    assert math.isfinite(result["ratio"]) and result["ratio"] > 0
    assert result["zoo"]["rounds"] == result["twin"]["rounds"] == 3
    assert result["zoo"]["median_s"] > 0 and result["twin"]["median_s"] > 0
    q1, q3 = result["ratio_quartiles"]
    assert q1 <= result["ratio"] <= q3


def test_naming_schedules_times_them_into_their_own_field_keeping_the_optimizers(tmp_path):
    output = tmp_path / "latest.json"
    kept = {"results": {"Yogi": {"ratio": 1.0}}}
    output.write_text(json.dumps({"backends": {current(): {"optimizers": kept}}}))
    argv = [
        "bench",
        "--optimizers",
        "TriangularCyclicalLearningRate",
        "ExponentialCyclicalLearningRate",
    ]
    assert cli.main([*argv, "--rounds", "2", "--output", str(output)]) == 0
    part = json.loads(output.read_text())["backends"][current()]
    assert part["optimizers"] == kept
    timed = part["schedules"]
    assert timed["parameters"] == 64 * 32 + 32 and timed["machine"]["backend"] == current()
    results = timed["results"]
    assert set(results) == {"TriangularCyclicalLearningRate", "ExponentialCyclicalLearningRate"}
    for result in results.values():
        assert math.isfinite(result["ratio"]) and result["ratio"] > 0
        assert result["twin"]["rounds"] == 2


def test_an_optimizer_and_a_schedule_named_together_are_each_timed_into_its_field(tmp_path):
    output = tmp_path / "latest.json"
    argv = ["bench", "--optimizers", "RectifiedAdam", "CyclicalLearningRate", "--rounds", "1"]
    assert cli.main([*argv, "--output", str(output)]) == 0
    part = json.loads(output.read_text())["backends"][current()]
    assert set(part["optimizers"]["results"]) == {"RectifiedAdam"}
    assert set(part["schedules"]["results"]) == {"CyclicalLearningRate"}


def test_naming_no_optimizer_or_schedule_is_refused(capsys):
    assert cli.main(["bench", "--optimizers", "Linear"]) == 2
    assert "no optimizer or schedule to time" in capsys.readouterr().err


def test_two_kinds_of_run_together_are_refused(capsys):
    assert cli.main(["bench", "--models", "--optimizers"]) == 2
    assert "--models and --optimizers are separate runs" in capsys.readouterr().err
    assert cli.main(["bench", "--optimizers", "--losses"]) == 2


def test_each_loss_is_timed_beside_a_cross_entropy_keeping_the_optimizers(tmp_path):
    output = tmp_path / "latest.json"
    kept = {"results": {"Yogi": {"ratio": 1.0}}}
    output.write_text(json.dumps({"backends": {current(): {"optimizers": kept}}}))
    argv = ["bench", "--losses", "ContrastiveLoss", "PinballLoss", "--rounds", "2"]
    assert cli.main([*argv, "--output", str(output)]) == 0
    part = json.loads(output.read_text())["backends"][current()]
    assert part["optimizers"] == kept
    results = part["losses"]["results"]
    assert set(results) == {"ContrastiveLoss", "PinballLoss"}
    # Without a bench_batch, the example batches joined to ROWS rows.
    assert [results[name]["batch"][0] for name in sorted(results)] == [64, 64]
    assert all(r["ratio"] > 0 and r["twin"]["rounds"] == 2 for r in results.values())


def test_a_loss_step_is_the_losss_gradient():
    import keras
    import numpy as np

    from zoo.bench.seams import seam

    y_true = np.zeros((4, 3), "float32")
    y_pred = np.arange(12, dtype="float32").reshape(4, 3)
    step = seam().loss_step(
        keras.losses.MeanSquaredError(), *map(keras.ops.convert_to_tensor, (y_true, y_pred))
    )
    found = step()
    gradient = found[-1] if isinstance(found, tuple | list) else found
    # d/dp mean((p - 0)^2) = 2 p / size
    np.testing.assert_allclose(keras.ops.convert_to_numpy(gradient), 2 * y_pred / 12, rtol=1e-6)


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
