"""WeightNormalization against Salimans & Kingma (2016), written in numpy."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_normalization import WeightNormalization

from zoo.testing import seams

numpy_of = keras.ops.convert_to_numpy


def normalized(v: np.ndarray, g: np.ndarray) -> np.ndarray:
    """w = g * v / ||v||, the norm per output unit (last axis) over every other axis."""
    norm = np.sqrt((v**2).reshape(-1, v.shape[-1]).sum(axis=0))
    return g * v / norm


def test_dense_uses_the_reparameterized_kernel(rng):
    layer = WeightNormalization(keras.layers.Dense(3, activation="tanh"), data_init=False)
    x = rng.normal(size=(5, 4)).astype("float32")
    layer(x)
    g = np.array([0.5, 2.0, 3.0], "float32")
    layer.g.assign(g)
    v, bias = numpy_of(layer.layer.kernel), rng.normal(size=3).astype("float32")
    layer.layer.bias.assign(bias)
    want = np.tanh(x @ normalized(v, g) + bias)
    np.testing.assert_allclose(numpy_of(layer(x)), want, atol=1e-5)
    # Nothing was written into the wrapped layer's kernel.
    np.testing.assert_array_equal(numpy_of(layer.layer.kernel), v)


def test_conv2d_norm_is_over_all_but_the_output_axis(rng):
    layer = WeightNormalization(keras.layers.Conv2D(4, 3, use_bias=False), data_init=False)
    x = rng.normal(size=(2, 6, 6, 3)).astype("float32")
    layer(x)
    g = rng.uniform(0.5, 2.0, 4).astype("float32")
    layer.g.assign(g)
    twin = keras.layers.Conv2D(4, 3, use_bias=False)
    twin(x)
    twin.kernel.assign(normalized(numpy_of(layer.layer.kernel), g))
    np.testing.assert_allclose(numpy_of(layer(x)), numpy_of(twin(x)), atol=1e-5)


def test_g_starts_at_the_kernel_norm_so_outputs_are_unchanged(rng):
    dense = keras.layers.Dense(3)
    layer = WeightNormalization(dense, data_init=False)
    x = rng.normal(size=(4, 5)).astype("float32")
    y = numpy_of(layer(x))
    np.testing.assert_allclose(y, x @ numpy_of(dense.kernel) + numpy_of(dense.bias), atol=1e-5)


def test_output_does_not_depend_on_the_length_of_v(rng):
    layer = WeightNormalization(keras.layers.Dense(3))
    x = rng.normal(size=(4, 5)).astype("float32")
    before = numpy_of(layer(x))
    layer.layer.kernel.assign(7.0 * layer.layer.kernel)
    np.testing.assert_allclose(numpy_of(layer(x)), before, atol=1e-5)


def test_gradient_of_g_matches_the_formula(rng, most_precise):
    layer = WeightNormalization(keras.layers.Dense(2, use_bias=False), dtype=most_precise)
    x = rng.normal(size=(3, 4)).astype(most_precise)
    layer(x)
    _, _, gradients = seams.gradients(lambda t: keras.ops.sum(layer(t)), [x], layer)
    (grad_g,) = (g for w, g in zip(layer.trainable_weights, gradients, strict=True) if w is layer.g)
    v = numpy_of(layer.layer.kernel).astype("float64")
    # d/dg sum(x @ (g v / |v|)) = sum over samples of x @ (v / |v|)
    want = (x.astype("float64") @ (v / np.linalg.norm(v, axis=0))).sum(axis=0)
    # Exact to rounding: float64 where the backend computes in it, else float32 (~1e-7
    # relative on sums of a few terms of order 1).
    np.testing.assert_allclose(grad_g, want, atol=1e-10 if most_precise == "float64" else 1e-5)


def test_wrapped_layer_is_built_lazily_and_config_round_trips():
    dense = keras.layers.Dense(3, name="inner")
    layer = WeightNormalization(dense, name="wn")
    assert not dense.built and not layer.weights
    config = layer.get_config()
    assert config["layer"]["config"]["units"] == 3
    clone = WeightNormalization.from_config(config)
    assert isinstance(clone.layer, keras.layers.Dense) and clone.layer is not dense
    assert clone.layer.name == "inner" and not clone.layer.built
    assert clone.get_config() == config


def test_dtype_is_shared_with_the_wrapped_layer():
    layer = WeightNormalization(keras.layers.Dense(3), dtype="float64")
    assert layer.layer.dtype_policy.name == "float64"
    assert WeightNormalization(keras.layers.Dense(3, dtype="float64")).dtype == "float64"


def test_rejects_what_is_not_a_layer():
    with pytest.raises(ValueError, match="`layer`"):
        WeightNormalization("dense")


def test_rejects_a_layer_without_kernel():
    layer = WeightNormalization(keras.layers.LayerNormalization())
    with pytest.raises(ValueError, match="`layer`.*kernel"):
        layer(np.ones((2, 3), "float32"))


# -- data-dependent initialization (Salimans & Kingma 2016, section 3) ---------


def data_init_reference(x, v, axes):
    """g and bias that standardize t = x . v / |v| on this batch, per output unit."""
    t = x.reshape(-1, x.shape[-1]) @ (v / np.sqrt((v**2).sum(axis=axes)))
    g = 1.0 / np.sqrt(t.var(axis=0) + 1e-10)
    return g, -t.mean(axis=0) * g


def test_data_init_standardizes_the_first_batch_before_the_activation(rng):
    dense = keras.layers.Dense(3, activation="relu", bias_initializer="ones")
    layer = WeightNormalization(dense)
    x = rng.normal(2.0, 4.0, size=(32, 5)).astype("float32")
    y = numpy_of(layer(x))
    g, bias = data_init_reference(x.astype("float64"), numpy_of(dense.kernel), axes=0)
    v = numpy_of(dense.kernel)
    pre = x @ (g * v / np.linalg.norm(v, axis=0)) + bias
    np.testing.assert_allclose(y, np.maximum(pre, 0.0), atol=1e-4)
    np.testing.assert_allclose(pre.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(pre.std(axis=0), 1.0, atol=1e-5)
    # Kept as offsets of g and the bias (which themselves are unchanged).
    np.testing.assert_allclose(numpy_of(layer.g) + numpy_of(layer.g_offset), g, rtol=1e-5)
    np.testing.assert_allclose(numpy_of(dense.bias) + numpy_of(layer.bias_offset), bias, atol=1e-5)
    assert float(numpy_of(layer.initialized)) == 1.0


def test_data_init_happens_once(rng):
    # A seeded kernel and a few hundred positions per batch: with an unseeded kernel and
    # 48 positions a filter's spread over the second batch once fell below twice the
    # first's by chance (JAX).
    kernel = keras.initializers.GlorotUniform(seed=3)
    layer = WeightNormalization(keras.layers.Conv1D(4, 3, kernel_initializer=kernel))
    x = rng.normal(size=(48, 10, 2)).astype("float32")
    layer(x)
    offsets = numpy_of(layer.g_offset), numpy_of(layer.bias_offset)
    other = rng.normal(5.0, 3.0, size=(48, 10, 2)).astype("float32")
    y = numpy_of(layer(other))
    np.testing.assert_array_equal(numpy_of(layer.g_offset), offsets[0])
    np.testing.assert_array_equal(numpy_of(layer.bias_offset), offsets[1])
    # Not standardized anew: the second batch has three times the first's spread, and
    # so (with the first batch's offsets) its pre-activations about three times theirs.
    spread = y.std(axis=(0, 1))
    assert np.all(spread > 2.0), f"the second batch was standardized anew: std {spread}"


def test_data_init_of_a_convolution_is_per_filter(rng):
    conv = keras.layers.Conv2D(3, 2)
    layer = WeightNormalization(conv)
    x = rng.normal(1.0, 2.0, size=(4, 5, 5, 2)).astype("float32")
    y = numpy_of(layer(x)).reshape(-1, 3)
    np.testing.assert_allclose(y.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(y.std(axis=0), 1.0, atol=1e-4)


def test_symbolic_and_frozen_calls_do_not_initialize(rng):
    inputs = keras.Input(shape=(4,))
    layer = WeightNormalization(keras.layers.Dense(2))
    keras.Model(inputs, layer(inputs))
    assert float(numpy_of(layer.initialized)) == 0.0
    layer.trainable = False
    layer(rng.normal(size=(8, 4)).astype("float32"))
    assert float(numpy_of(layer.initialized)) == 0.0
    assert not np.any(numpy_of(layer.g_offset))


def test_data_init_in_compiled_fit_is_kept(rng):
    # The first step initializes inside the compiled step (tf.function, jax.jit,
    # torch); the flag and the offsets it sets stay, and the second batch does not redo it.
    x = rng.normal(3.0, 2.0, size=(32, 4)).astype("float32")
    inputs = keras.Input(shape=(4,))
    layer = WeightNormalization(keras.layers.Dense(3))
    model = keras.Model(inputs, layer(inputs))
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    model.fit(x, np.zeros((32, 3), "float32"), batch_size=16, shuffle=False, verbose=0)
    assert float(numpy_of(layer.initialized)) == 1.0
    g, bias = data_init_reference(x[:16].astype("float64"), numpy_of(layer.layer.kernel), 0)
    # With a learning rate of 0, g + offset is what the first batch set.
    np.testing.assert_allclose(numpy_of(layer.g) + numpy_of(layer.g_offset), g, rtol=1e-4)
    np.testing.assert_allclose(
        numpy_of(layer.layer.bias) + numpy_of(layer.bias_offset), bias, atol=1e-4
    )


def test_training_after_data_init_moves_g_as_if_assigned(rng):
    # The offset is constant: the gradient of g is the gradient of g + offset.
    layer = WeightNormalization(keras.layers.Dense(2, use_bias=False))
    x = rng.normal(size=(6, 3)).astype("float32")
    layer(x)
    _, _, found = seams.gradients(lambda t: keras.ops.sum(layer(t)), [x], layer)
    (grad_g,) = (g for w, g in zip(layer.trainable_weights, found, strict=True) if w is layer.g)
    v = numpy_of(layer.layer.kernel)
    np.testing.assert_allclose(grad_g, (x @ (v / np.linalg.norm(v, axis=0))).sum(0), rtol=1e-4)


# -- remove() and recurrent layers --------------------------------------------


@pytest.mark.parametrize("data_init", [True, False])
def test_remove_gives_the_plain_layer_computing_the_same(rng, data_init):
    dense = keras.layers.Dense(3, activation="tanh")
    layer = WeightNormalization(dense, data_init=data_init)
    x = rng.normal(size=(7, 4)).astype("float32")
    y = numpy_of(layer(x))
    removed = layer.remove()
    assert removed is dense
    np.testing.assert_allclose(numpy_of(removed(x)), y, atol=1e-6)
    np.testing.assert_allclose(
        np.linalg.norm(numpy_of(dense.kernel), axis=0),
        numpy_of(layer.g) + (numpy_of(layer.g_offset) if data_init else 0.0),
        rtol=1e-5,
    )


def test_remove_before_building_is_a_clear_error():
    with pytest.raises(ValueError, match="remove"):
        WeightNormalization(keras.layers.Dense(2)).remove()


def simple_rnn_reference(x, kernel, recurrent, bias):
    h = np.zeros((x.shape[0], kernel.shape[1]))
    for step in range(x.shape[1]):
        h = np.tanh(x[:, step] @ kernel + h @ recurrent + bias)
    return h


def test_simple_rnn_normalizes_the_recurrent_kernel(rng):
    rnn = keras.layers.SimpleRNN(3)
    layer = WeightNormalization(rnn, data_init=False)
    x = rng.normal(size=(2, 5, 4)).astype("float32")
    layer(x)
    g = np.array([0.5, 1.0, 2.0], "float32")
    layer.g.assign(g)
    cell = rnn.cell
    recurrent = normalized(numpy_of(cell.recurrent_kernel), g)
    want = simple_rnn_reference(x, numpy_of(cell.kernel), recurrent, numpy_of(cell.bias))
    np.testing.assert_allclose(numpy_of(layer(x)), want, atol=1e-5)
    assert layer.is_rnn and tuple(layer.g.shape) == (3,)


@pytest.mark.parametrize("cls, gates", [(keras.layers.LSTM, 4), (keras.layers.GRU, 3)])
def test_gated_recurrent_layers_have_one_g_per_gate_unit(rng, cls, gates):
    with pytest.warns(UserWarning, match="data_init"):
        layer = WeightNormalization(cls(2))
    x = rng.normal(size=(3, 4, 5)).astype("float32")
    y = numpy_of(layer(x))
    assert tuple(layer.g.shape) == (2 * gates,) and layer.bias_offset is None
    removed = layer.remove()
    np.testing.assert_allclose(numpy_of(removed(x)), y, atol=1e-6)


def test_rejects_a_data_init_that_is_not_a_boolean():
    with pytest.raises(ValueError, match="data_init"):
        WeightNormalization(keras.layers.Dense(2), data_init="yes")


@pytest.mark.parametrize("policy", ["float32", "mixed_float16"])
def test_data_init_on_a_constant_first_batch_stays_finite(policy):
    # A constant batch has no spread to standardize: the scale would be 1/sqrt(epsilon)
    # (1e5), and under mixed_float16 every later output and gradient overflowed.
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        keras.utils.set_random_seed(0)
        layer = WeightNormalization(keras.layers.Dense(3))
        constant = np.ones((8, 4), dtype="float32")
        first = keras.ops.convert_to_numpy(layer(constant)).astype("float32")
        assert np.isfinite(first).all()
        assert np.abs(keras.ops.convert_to_numpy(layer.g + layer.g_offset)).max() < 100
        later = np.random.default_rng(1).normal(size=(8, 4)).astype("float32")
        value, (input_gradient,), gradients = seams.gradients(
            lambda x: keras.ops.sum(keras.ops.cast(layer(x), "float32")), [later], layer
        )
        assert np.isfinite(value)
        for gradient in [input_gradient, *gradients]:
            assert np.isfinite(np.asarray(gradient, dtype="float32")).all()
    finally:
        keras.config.set_dtype_policy(previous)
