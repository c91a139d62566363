# Copyright 2019 The TensorFlow Authors. All Rights Reserved.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.
# =============================================================================
"""Ported from tensorflow/addons, tensorflow_addons/layers/tests/normalizations_test.py
(Apache-2.0): see DIFFERENCES.md beside this file for every edit. Tests that feed
TensorFlow tensors or use TensorFlow as their oracle carry the backends marker."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from zoo_normalization import (
    FilterResponseNormalization,
    GroupNormalization,
    InstanceNormalization,
)

TF_ONLY = pytest.mark.backends("tensorflow")
# Deliberate differences (DIFFERENCES.md), kept as strict xfails so that a change shows.
# Not strict: with neither center nor scale there are no weights to miss, and it passes.
KERAS3_LAZY_SHAPE = pytest.mark.xfail(
    strict=False, reason="Keras 3: compute_output_shape() does not build the layer's weights"
)
FLOAT16 = pytest.param(
    np.float16,
    marks=pytest.mark.xfail(
        strict=True,
        reason="statistics in float32 under float16, not TF Addons' float16 arithmetic",
    ),
)


# ------------Tests to ensure proper inheritance. If these suceed you can
# test for Instance norm by setting Groupnorm groups = -1
def test_inheritance():
    assert issubclass(InstanceNormalization, GroupNormalization)
    assert InstanceNormalization.build == GroupNormalization.build
    assert InstanceNormalization.call == GroupNormalization.call


def test_groups_after_init():
    layers = InstanceNormalization()
    assert layers.groups == -1


def test_weights():
    # Check if weights get initialized correctly
    layer = GroupNormalization(groups=1, scale=False, center=False)
    layer.build((None, 3, 4))
    assert len(layer.trainable_weights) == 0
    assert len(layer.weights) == 0

    layer = InstanceNormalization()
    layer.build((None, 3, 4))
    assert len(layer.trainable_weights) == 2
    assert len(layer.weights) == 2


def test_apply_normalization():
    # Through the public API: the input of TF Addons' private _apply_normalization,
    # [[[2, 2], [3, 3]]], is the (1, 4) input [[2, 2, 3, 3]] in its two groups.
    inputs = np.array([[2.0, 2.0, 3.0, 3.0]], dtype=np.float32)
    layer = GroupNormalization(groups=2, axis=1, scale=False, center=False)
    normalized_input = keras.ops.convert_to_numpy(layer(inputs)).reshape(1, 2, 2)
    np.testing.assert_equal(normalized_input, np.array([[[0.0, 0.0], [0.0, 0.0]]]))


@pytest.mark.usefixtures("maybe_run_functions_eagerly")
def test_reshape():
    # Through the public API: TF Addons checked the grouped shape its private
    # _reshape_into_groups made; here the input is reshaped to that expected shape in
    # numpy, normalized over each group there, and compared with the layer's output.
    def run_reshape_test(axis, group, input_shape, expected_shape):
        group_layer = GroupNormalization(groups=group, axis=axis, epsilon=1e-3)

        inputs = np.random.normal(size=input_shape).astype(np.float32)
        outputs = keras.ops.convert_to_numpy(group_layer(inputs))
        grouped = inputs.reshape(expected_shape).astype(np.float64)
        reduction = tuple(i for i in range(1, len(expected_shape)) if i != axis)
        mean = grouped.mean(axis=reduction, keepdims=True)
        variance = grouped.var(axis=reduction, keepdims=True)
        expected = ((grouped - mean) / np.sqrt(variance + 1e-3)).reshape(input_shape)
        np.testing.assert_allclose(outputs, expected, rtol=1e-4, atol=1e-4)

    input_shape = (10, 10, 10)
    expected_shape = [10, 10, 5, 2]
    run_reshape_test(2, 5, input_shape, expected_shape)

    input_shape = (10, 10, 10)
    expected_shape = [10, 2, 5, 10]
    run_reshape_test(1, 2, input_shape, expected_shape)

    input_shape = (10, 10, 10)
    expected_shape = [10, 10, 10]
    run_reshape_test(1, -1, input_shape, expected_shape)

    input_shape = (10, 10, 10)
    expected_shape = [10, 1, 10, 10]
    run_reshape_test(1, 1, input_shape, expected_shape)


@TF_ONLY
@pytest.mark.parametrize("center", [True, False])
@pytest.mark.parametrize("scale", [True, False])
def test_feature_input(center, scale):
    shape = (10, 100)
    for groups in [-1, 1, 2, 5]:
        _test_random_shape_on_all_axis_except_batch(shape, groups, center, scale)


@TF_ONLY
@pytest.mark.parametrize("center", [True, False])
@pytest.mark.parametrize("scale", [True, False])
def test_picture_input(center, scale):
    shape = (10, 30, 30, 3)
    for groups in [-1, 1, 3]:
        _test_random_shape_on_all_axis_except_batch(shape, groups, center, scale)


def _test_random_shape_on_all_axis_except_batch(shape, groups, center, scale):
    inputs = tf.random.normal(shape)
    for axis in range(1, len(shape)):
        _test_specific_layer(inputs, axis, groups, center, scale)


def _get_reshaped_weights(layer, input_shape):
    # TF Addons' private GroupNormalization._get_reshaped_weights, through the
    # public weights: gamma and beta in the grouped input's broadcast shape.
    channels = input_shape[layer.axis]
    groups = channels if layer.groups == -1 else layer.groups
    broadcast_shape = [1] * len(input_shape)
    if channels // groups != 1:
        broadcast_shape[layer.axis] = channels // groups
        broadcast_shape.insert(layer.axis, groups)
    else:
        broadcast_shape[layer.axis] = groups
    gamma = None if layer.gamma is None else np.reshape(layer.gamma.numpy(), broadcast_shape)
    beta = None if layer.beta is None else np.reshape(layer.beta.numpy(), broadcast_shape)
    return gamma, beta


@pytest.mark.usefixtures("maybe_run_functions_eagerly")
def _test_specific_layer(inputs, axis, groups, center, scale):
    input_shape = inputs.shape

    # Get Output from Keras model
    layer = GroupNormalization(axis=axis, groups=groups, center=center, scale=scale)
    model = keras.models.Sequential()
    model.add(layer)
    outputs = model.predict(inputs, steps=1)
    assert not np.isnan(outputs).any()

    is_instance_norm = False
    # Create shapes
    if groups == -1:
        groups = input_shape[axis]
    if (input_shape[axis] // groups) == 1:
        is_instance_norm = True
    np_inputs = inputs
    reshaped_dims = list(np_inputs.shape)
    if not is_instance_norm:
        reshaped_dims[axis] = reshaped_dims[axis] // groups
        reshaped_dims.insert(axis, groups)
        reshaped_inputs = np.reshape(np_inputs, tuple(reshaped_dims))
    else:
        reshaped_inputs = np_inputs

    group_reduction_axes = list(range(1, len(reshaped_dims)))
    if not is_instance_norm:
        axis = -2 if axis == -1 else axis - 1
    else:
        axis = -1 if axis == -1 else axis - 1
    group_reduction_axes.pop(axis)

    # Calculate mean and variance
    mean = np.mean(reshaped_inputs, axis=tuple(group_reduction_axes), keepdims=True)
    variance = np.var(reshaped_inputs, axis=tuple(group_reduction_axes), keepdims=True)

    # Get gamma and beta initalized by layer
    gamma, beta = _get_reshaped_weights(layer, input_shape)
    if gamma is None:
        gamma = 1.0
    if beta is None:
        beta = 0.0

    # Get ouput from Numpy
    zeroed = reshaped_inputs - mean
    rsqrt = 1 / np.sqrt(variance + 1e-5)
    output_test = gamma * zeroed * rsqrt + beta

    # compare outputs
    output_test = tf.reshape(output_test, input_shape)
    np.testing.assert_almost_equal(tf.reduce_mean(output_test - outputs), 0, decimal=7)


def _create_and_fit_sequential_model(layer, shape):
    # Helperfunction for quick evaluation
    np.random.seed(0x2020)
    model = keras.models.Sequential()
    model.add(layer)
    model.add(keras.layers.Dense(32))
    model.add(keras.layers.Dense(1))

    model.compile(optimizer=keras.optimizers.RMSprop(0.01), loss="categorical_crossentropy")
    layer_shape = (10,) + shape
    input_batch = np.random.rand(*layer_shape)
    output_batch = np.random.rand(*(10, 1))
    model.fit(x=input_batch, y=output_batch, epochs=1, batch_size=1)
    return model


def test_groupnorm_flat():
    # Check basic usage of groupnorm_flat
    # Testing for 1 == LayerNorm, 16 == GroupNorm, -1 == InstanceNorm

    groups = [-1, 16, 1]
    shape = (64,)
    for i in groups:
        model = _create_and_fit_sequential_model(GroupNormalization(groups=i), shape)
        assert hasattr(model.layers[0], "gamma")
        assert hasattr(model.layers[0], "beta")


def test_instancenorm_flat():
    # Check basic usage of instancenorm
    model = _create_and_fit_sequential_model(InstanceNormalization(), (64,))
    assert hasattr(model.layers[0], "gamma")
    assert hasattr(model.layers[0], "beta")


def test_initializer():
    # Check if the initializer for gamma and beta is working correctly
    layer = GroupNormalization(
        groups=32,
        beta_initializer="random_normal",
        beta_constraint="NonNeg",
        gamma_initializer="random_normal",
        gamma_constraint="NonNeg",
    )

    model = _create_and_fit_sequential_model(layer, (64,))

    weights = np.array(model.layers[0].get_weights())
    negativ = weights[weights < 0.0]
    assert len(negativ) == 0


def test_axis_error():
    with pytest.raises(ValueError):
        GroupNormalization(axis=0)


@pytest.mark.usefixtures("maybe_run_functions_eagerly")
def test_groupnorm_conv():
    # Check if Axis is working for CONV nets
    # Testing for 1 == LayerNorm, 5 == GroupNorm, -1 == InstanceNorm
    np.random.seed(0x2020)
    groups = [-1, 5, 1]
    for i in groups:
        model = keras.models.Sequential()
        model.add(GroupNormalization(axis=1, groups=i, input_shape=(20, 20, 3)))
        model.add(keras.layers.Conv2D(5, (1, 1), padding="same"))
        model.add(keras.layers.Flatten())
        model.add(keras.layers.Dense(1, activation="softmax"))
        model.compile(optimizer=keras.optimizers.RMSprop(0.01), loss="mse")
        x = np.random.randint(1000, size=(10, 20, 20, 3))
        y = np.random.randint(1000, size=(10, 1))
        model.fit(x=x, y=y, epochs=1)
        assert hasattr(model.layers[0], "gamma")


@pytest.mark.xfail(
    strict=True, reason="Keras 3: constraints.get() makes an instance of a constraint class"
)
@pytest.mark.usefixtures("maybe_run_functions_eagerly")
def test_regularizations():
    layer = GroupNormalization(gamma_regularizer="l1", beta_regularizer="l1", groups=4, axis=2)
    layer.build((None, 4, 4))
    assert len(layer.losses) == 2
    max_norm = keras.constraints.max_norm
    layer = GroupNormalization(groups=2, gamma_constraint=max_norm, beta_constraint=max_norm)
    layer.build((None, 3, 4))
    assert layer.gamma.constraint == max_norm
    assert layer.beta.constraint == max_norm


@pytest.mark.usefixtures("maybe_run_functions_eagerly")
def test_groupnorm_correctness_1d():
    np.random.seed(0x2020)
    model = keras.models.Sequential()
    norm = GroupNormalization(input_shape=(10,), groups=2)
    model.add(norm)
    model.compile(loss="mse", optimizer="rmsprop")

    x = np.random.normal(loc=5.0, scale=10.0, size=(1000, 10))
    model.fit(x, x, epochs=5, verbose=0)
    out = model.predict(x)
    out -= norm.beta.numpy()
    out /= norm.gamma.numpy()

    np.testing.assert_allclose(out.mean(), 0.0, atol=1e-1)
    np.testing.assert_allclose(out.std(), 1.0, atol=1e-1)


@pytest.mark.usefixtures("maybe_run_functions_eagerly")
def test_groupnorm_2d_different_groups():
    np.random.seed(0x2020)
    groups = [2, 1, 10]
    for i in groups:
        model = keras.models.Sequential()
        norm = GroupNormalization(axis=1, groups=i, input_shape=(10, 3))
        model.add(norm)
        # centered and variance are 5.0 and 10.0, respectively
        model.compile(loss="mse", optimizer="rmsprop")
        x = np.random.normal(loc=5.0, scale=10.0, size=(1000, 10, 3))
        model.fit(x, x, epochs=5, verbose=0)
        out = model.predict(x)
        out -= np.reshape(norm.beta.numpy(), (1, 10, 1))
        out /= np.reshape(norm.gamma.numpy(), (1, 10, 1))

        np.testing.assert_allclose(
            out.mean(axis=(0, 1), dtype=np.float32), (0.0, 0.0, 0.0), atol=1e-1
        )
        np.testing.assert_allclose(
            out.std(axis=(0, 1), dtype=np.float32), (1.0, 1.0, 1.0), atol=1e-1
        )


@pytest.mark.usefixtures("maybe_run_functions_eagerly")
def test_groupnorm_convnet():
    np.random.seed(0x2020)
    model = keras.models.Sequential()
    norm = GroupNormalization(axis=1, input_shape=(3, 4, 4), groups=3)
    model.add(norm)
    model.compile(loss="mse", optimizer="sgd")

    # centered = 5.0, variance  = 10.0
    x = np.random.normal(loc=5.0, scale=10.0, size=(1000, 3, 4, 4))
    model.fit(x, x, epochs=4, verbose=0)
    out = model.predict(x)
    out -= np.reshape(norm.beta.numpy(), (1, 3, 1, 1))
    out /= np.reshape(norm.gamma.numpy(), (1, 3, 1, 1))

    np.testing.assert_allclose(
        np.mean(out, axis=(0, 2, 3), dtype=np.float32), (0.0, 0.0, 0.0), atol=1e-1
    )
    np.testing.assert_allclose(
        np.std(out, axis=(0, 2, 3), dtype=np.float32), (1.0, 1.0, 1.0), atol=1e-1
    )


@pytest.mark.usefixtures("maybe_run_functions_eagerly")
def test_groupnorm_convnet_no_center_no_scale():
    np.random.seed(0x2020)
    model = keras.models.Sequential()
    norm = GroupNormalization(axis=-1, groups=2, center=False, scale=False, input_shape=(3, 4, 4))
    model.add(norm)
    model.compile(loss="mse", optimizer="sgd")
    # centered and variance are  5.0 and 10.0, respectively
    x = np.random.normal(loc=5.0, scale=10.0, size=(1000, 3, 4, 4))
    model.fit(x, x, epochs=4, verbose=0)
    out = model.predict(x)

    np.testing.assert_allclose(
        np.mean(out, axis=(0, 2, 3), dtype=np.float32), (0.0, 0.0, 0.0), atol=1e-1
    )
    np.testing.assert_allclose(
        np.std(out, axis=(0, 2, 3), dtype=np.float32), (1.0, 1.0, 1.0), atol=1e-1
    )


@TF_ONLY
@KERAS3_LAZY_SHAPE
@pytest.mark.usefixtures("maybe_run_functions_eagerly")
@pytest.mark.parametrize("center", [True, False])
@pytest.mark.parametrize("scale", [True, False])
def test_group_norm_compute_output_shape(center, scale):
    target_variables_len = [center, scale].count(True)
    target_trainable_variables_len = [center, scale].count(True)
    layer1 = GroupNormalization(groups=2, center=center, scale=scale)
    layer1.build(input_shape=[8, 28, 28, 16])  # build()
    assert len(layer1.variables) == target_variables_len
    assert len(layer1.trainable_variables) == target_trainable_variables_len

    layer2 = GroupNormalization(groups=2, center=center, scale=scale)
    layer2.compute_output_shape(input_shape=[8, 28, 28, 16])  # compute_output_shape()
    assert len(layer2.variables) == target_variables_len
    assert len(layer2.trainable_variables) == target_trainable_variables_len

    layer3 = GroupNormalization(groups=2, center=center, scale=scale)
    layer3(tf.random.normal(shape=[8, 28, 28, 16]))  # call()
    assert len(layer3.variables) == target_variables_len
    assert len(layer3.trainable_variables) == target_trainable_variables_len


@TF_ONLY
@KERAS3_LAZY_SHAPE
@pytest.mark.usefixtures("maybe_run_functions_eagerly")
@pytest.mark.parametrize("center", [True, False])
@pytest.mark.parametrize("scale", [True, False])
def test_instance_norm_compute_output_shape(center, scale):
    target_variables_len = [center, scale].count(True)
    target_trainable_variables_len = [center, scale].count(True)
    layer1 = InstanceNormalization(groups=2, center=center, scale=scale)
    layer1.build(input_shape=[8, 28, 28, 16])  # build()
    assert len(layer1.variables) == target_variables_len
    assert len(layer1.trainable_variables) == target_trainable_variables_len

    layer2 = InstanceNormalization(groups=2, center=center, scale=scale)
    layer2.compute_output_shape(input_shape=[8, 28, 28, 16])  # compute_output_shape()
    assert len(layer2.variables) == target_variables_len
    assert len(layer2.trainable_variables) == target_trainable_variables_len

    layer3 = InstanceNormalization(groups=2, center=center, scale=scale)
    layer3(tf.random.normal(shape=[8, 28, 28, 16]))  # call()
    assert len(layer3.variables) == target_variables_len
    assert len(layer3.trainable_variables) == target_trainable_variables_len


def calculate_frn(x, beta=0.2, gamma=1, eps=1e-6, learned_epsilon=False, dtype=np.float32):
    if learned_epsilon:
        eps = eps + 1e-4
    eps = tf.cast(eps, dtype=dtype)
    nu2 = tf.reduce_mean(tf.square(x), axis=[1, 2], keepdims=True)
    x = x * tf.math.rsqrt(nu2 + tf.abs(eps))
    return gamma * x + beta


def set_random_seed():
    seed = 0x2020
    np.random.seed(seed)
    tf.random.set_seed(seed)


@TF_ONLY
@pytest.mark.usefixtures("maybe_run_functions_eagerly")
@pytest.mark.parametrize("dtype", [FLOAT16, np.float32, np.float64])
def test_with_beta(dtype):
    set_random_seed()
    inputs = np.random.rand(28, 28, 1).astype(dtype)
    inputs = np.expand_dims(inputs, axis=0)
    frn = FilterResponseNormalization(
        beta_initializer="ones", gamma_initializer="ones", dtype=dtype
    )
    frn.build((None, 28, 28, 1))
    observed = frn(inputs)
    expected = calculate_frn(inputs, beta=1, gamma=1, dtype=dtype)
    np.testing.assert_allclose(expected[0], observed[0])


@TF_ONLY
@pytest.mark.usefixtures("maybe_run_functions_eagerly")
@pytest.mark.parametrize("dtype", [FLOAT16, np.float32, np.float64])
def test_with_gamma(dtype):
    set_random_seed()
    inputs = np.random.rand(28, 28, 1).astype(dtype)
    inputs = np.expand_dims(inputs, axis=0)
    frn = FilterResponseNormalization(
        beta_initializer="zeros", gamma_initializer="ones", dtype=dtype
    )
    frn.build((None, 28, 28, 1))
    observed = frn(inputs)
    expected = calculate_frn(inputs, beta=0, gamma=1, dtype=dtype)
    np.testing.assert_allclose(expected[0], observed[0])


@TF_ONLY
@pytest.mark.usefixtures("maybe_run_functions_eagerly")
@pytest.mark.parametrize("dtype", [FLOAT16, np.float32, np.float64])
def test_with_epsilon(dtype):
    set_random_seed()
    inputs = np.random.rand(28, 28, 1).astype(dtype)
    inputs = np.expand_dims(inputs, axis=0)
    frn = FilterResponseNormalization(
        beta_initializer=keras.initializers.Constant(0.5),
        gamma_initializer="ones",
        learned_epsilon=True,
        dtype=dtype,
    )
    frn.build((None, 28, 28, 1))
    observed = frn(inputs)
    expected = calculate_frn(inputs, beta=0.5, gamma=1, learned_epsilon=True, dtype=dtype)
    np.testing.assert_allclose(expected[0], observed[0])


@pytest.mark.usefixtures("maybe_run_functions_eagerly")
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_keras_model(dtype):
    set_random_seed()
    frn = FilterResponseNormalization(
        beta_initializer="ones", gamma_initializer="ones", dtype=dtype
    )
    random_inputs = np.random.rand(10, 32, 32, 3).astype(dtype)
    random_labels = np.random.randint(2, size=(10,)).astype(dtype)
    input_layer = keras.layers.Input(shape=(32, 32, 3))
    x = frn(input_layer)
    x = keras.layers.Flatten()(x)
    out = keras.layers.Dense(1, activation="sigmoid")(x)
    model = keras.models.Model(input_layer, out)
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    model.fit(random_inputs, random_labels, epochs=2)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_serialization(dtype):
    frn = FilterResponseNormalization(
        beta_initializer="ones", gamma_initializer="ones", dtype=dtype
    )
    serialized_frn = keras.layers.serialize(frn)
    new_layer = keras.layers.deserialize(serialized_frn)
    assert frn.get_config() == new_layer.get_config()


@pytest.mark.usefixtures("maybe_run_functions_eagerly")
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_eps_gards(dtype):
    set_random_seed()
    random_inputs = np.random.rand(10, 32, 32, 3).astype(np.float32)
    random_labels = np.random.randint(2, size=(10,)).astype(np.float32)
    input_layer = keras.layers.Input(shape=(32, 32, 3))
    frn = FilterResponseNormalization(
        beta_initializer="ones", gamma_initializer="ones", learned_epsilon=True
    )
    x = frn(input_layer)
    # Read once the layer is built: its weights are made in build(), not __init__().
    initial_eps_value = frn.eps_learned.numpy()[0]
    x = keras.layers.Flatten()(x)
    out = keras.layers.Dense(1, activation="sigmoid")(x)
    model = keras.models.Model(input_layer, out)
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    model.fit(random_inputs, random_labels, epochs=1)
    final_eps_value = frn.eps_learned.numpy()[0]
    assert initial_eps_value != final_eps_value


@pytest.mark.usefixtures("maybe_run_functions_eagerly")
def test_filter_response_normalization_save(tmpdir):
    input_layer = keras.layers.Input(shape=(32, 32, 3))
    frn = FilterResponseNormalization()(input_layer)
    model = keras.Model(input_layer, frn)
    filepath = str(tmpdir / "test.h5")
    model.save(filepath)
    filepath = str(tmpdir / "test.keras")
    model.save(filepath)


@KERAS3_LAZY_SHAPE
@pytest.mark.usefixtures("maybe_run_functions_eagerly")
def test_filter_response_norm_compute_output_shape():
    target_variables_len = 2
    target_trainable_variables_len = 2
    layer1 = FilterResponseNormalization()
    layer1.build(input_shape=[8, 28, 28, 16])  # build()
    assert len(layer1.variables) == target_variables_len
    assert len(layer1.trainable_variables) == target_trainable_variables_len

    layer2 = FilterResponseNormalization()
    layer2.compute_output_shape(input_shape=[8, 28, 28, 16])  # compute_output_shape()
    assert len(layer2.variables) == target_variables_len
    assert len(layer2.trainable_variables) == target_trainable_variables_len

    layer3 = FilterResponseNormalization()
    layer3(keras.random.normal(shape=[8, 28, 28, 16]))  # call()
    assert len(layer3.variables) == target_variables_len
    assert len(layer3.trainable_variables) == target_trainable_variables_len
