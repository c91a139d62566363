"""The core family against independent references, and its argument checks."""

from __future__ import annotations

import subprocess
import sys

import keras
import numpy as np
import pytest
from zoo_core import DeltaOrthogonal, FixupNormal, Linear, Maxout, MLPBlock, RunningSum

rng = np.random.default_rng(0)


def numpy_of(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


@pytest.mark.parametrize(("num_units", "axis"), [(2, -1), (4, -1), (3, 1)])
def test_maxout_is_the_max_of_consecutive_groups(num_units, axis):
    x = rng.normal(size=(5, 6, 12)).astype("float32")
    moved = np.moveaxis(x, axis, -1)
    groups = moved.reshape(*moved.shape[:-1], num_units, moved.shape[-1] // num_units)
    expected = np.moveaxis(groups.max(axis=-1), -1, axis)
    np.testing.assert_array_equal(numpy_of(Maxout(num_units, axis=axis)(x)), expected)


def test_running_sum_keeps_total_count_and_mean_in_training_only():
    layer = RunningSum()
    batches = [rng.normal(size=(n, 3)).astype("float32") for n in (4, 2, 7)]
    for batch in batches:
        np.testing.assert_array_equal(numpy_of(layer(batch, training=True)), batch)
    layer(rng.normal(size=(9, 3)).astype("float32"), training=False)
    seen = np.concatenate(batches)
    np.testing.assert_allclose(numpy_of(layer.total), seen.sum(axis=0), rtol=1e-5)
    assert float(numpy_of(layer.count)) == len(seen)
    np.testing.assert_allclose(numpy_of(layer.mean), seen.mean(axis=0), rtol=1e-5)
    layer.trainable = False
    layer(batches[0], training=True)
    assert float(numpy_of(layer.count)) == len(seen), "a frozen RunningSum kept counting"
    layer.reset_state()
    assert float(numpy_of(layer.count)) == 0 and not numpy_of(layer.total).any()


def test_linear_matches_the_formula():
    layer = Linear(3, activation="tanh")
    x = rng.normal(size=(4, 5)).astype("float32")
    y = numpy_of(layer(x))
    kernel, bias = (numpy_of(w) for w in layer.weights)
    np.testing.assert_allclose(y, np.tanh(x @ kernel + bias), rtol=1e-5, atol=1e-6)


def test_mlp_block_layers_chain_with_relu_and_a_linear_output():
    block = MLPBlock(units=(6, 1))
    x = rng.normal(size=(4, 5)).astype("float32")
    y = numpy_of(block(x))
    k0, b0, k1, b1 = (numpy_of(w) for w in block.weights)
    np.testing.assert_allclose(y, np.maximum(x @ k0 + b0, 0) @ k1 + b1, rtol=1e-5, atol=1e-6)
    assert [linear.units for linear in block.linears] == [6, 1]


@pytest.mark.parametrize(
    ("make", "argument"),
    [
        (lambda: Linear(0), "units"),
        (lambda: Linear(2.5), "units"),
        (lambda: Linear(3, use_bias="yes"), "use_bias"),
        (lambda: MLPBlock(units=()), "units"),
        (lambda: MLPBlock(units=(4, -1)), "units"),
        (lambda: Maxout(0), "num_units"),
        (lambda: Maxout(2, axis=1.5), "axis"),
        (lambda: DeltaOrthogonal(gain=0), "gain"),
        (lambda: FixupNormal(num_branches=0), "num_branches"),
        (lambda: FixupNormal(num_branches=4, branch_depth=1), "branch_depth"),
        (lambda: FixupNormal(num_branches=4, seed="x"), "seed"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(make, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        make()


def test_bad_inputs_raise_value_errors_that_say_which():
    with pytest.raises(ValueError, match="num_units"):
        Maxout(5)(np.zeros((2, 8), "float32"))
    layer = Linear(3)
    layer(np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match=r"axis -1 of input shape to have value 4"):
        layer(np.zeros((2, 5), "float32"))
    with pytest.raises(ValueError, match="floating-point input, received dtype int32"):
        Linear(3)(np.zeros((2, 4), "int32"))
    with pytest.raises(ValueError, match="in_channels <= out_channels"):
        DeltaOrthogonal()((3, 3, 8, 4))
    with pytest.raises(ValueError, match="convolution kernels"):
        DeltaOrthogonal()((8, 4))


def test_initializers_follow_their_papers():
    kernel = numpy_of(DeltaOrthogonal(gain=2.0, seed=1)((5, 5, 3, 6)))
    centre = kernel[2, 2]
    np.testing.assert_allclose(centre @ centre.T, 4.0 * np.eye(3), atol=1e-4)
    rest = kernel.copy()
    rest[2, 2] = 0
    assert not rest.any()
    weights = numpy_of(FixupNormal(num_branches=9, branch_depth=3, seed=2)((300, 400)))
    expected = np.sqrt(2 / 300) * 9 ** (-1 / 4)
    assert abs(weights.std() / expected - 1) < 0.02
    again = numpy_of(FixupNormal(num_branches=9, branch_depth=3, seed=2)((300, 400)))
    np.testing.assert_array_equal(weights, again)


def test_a_model_of_every_core_layer_loads_in_a_new_process(tmp_path):
    inputs = keras.Input(shape=(8,))
    x = Linear(16, activation="relu", kernel_initializer=FixupNormal(num_branches=2))(inputs)
    x = RunningSum()(x)
    x = Maxout(num_units=8)(x)
    outputs = MLPBlock(units=(8, 1))(x)
    model = keras.Model(inputs, outputs)
    data = rng.normal(size=(32, 8)).astype("float32")
    model.compile(optimizer="adam", loss="mse")
    model.fit(data, data[:, :1], epochs=1, batch_size=8, verbose=0)
    model.save(tmp_path / "core.keras")
    np.save(tmp_path / "x.npy", data)
    expected = model.predict(data, verbose=0)
    script = (
        "import sys, numpy as np, keras, zoo\n"
        "folder = sys.argv[1]\n"
        "model = keras.saving.load_model(folder + '/core.keras')\n"
        "np.save(folder + '/y.npy', model.predict(np.load(folder + '/x.npy'), verbose=0))\n"
        "np.save(folder + '/count.npy', keras.ops.convert_to_numpy(model.layers[2].count))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy"), expected)
    assert float(np.load(tmp_path / "count.npy")) == 32.0


@pytest.mark.parametrize("skip", [True, False])
def test_running_sum_leaves_a_nan_batch_out_unless_told_not_to(skip):
    layer = RunningSum(skip_nonfinite_updates=skip)
    layer(np.array([[1.0, 2.0], [3.0, 4.0]], "float32"), training=True)
    layer(np.array([[np.nan, 0.0]], "float32"), training=True)
    count, mean = (keras.ops.convert_to_numpy(w) for w in (layer.count, layer.mean))
    if skip:
        assert count == 2.0
        np.testing.assert_array_equal(mean, [2.0, 3.0])
    else:
        assert count == 3.0 and np.isnan(mean[0])
