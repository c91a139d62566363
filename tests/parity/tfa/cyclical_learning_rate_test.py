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
# ==============================================================================
"""Tests for Cyclical Learning Rate."""
# Ported from tensorflow/addons,
# tensorflow_addons/optimizers/tests/cyclical_learning_rate_test.py
# (commit d208d752e98c310280938efa939117bf635a60a8; the original beside,
# originals/optimizers/cyclical_learning_rate_test.py.txt). Edits are marked `# zoo:`;
# the imports changed (TF Addons' module -> zoo_optimizers, tensorflow ->
# the tf_compat stand-in).

import keras  # zoo: keras.ops.convert_to_numpy for .numpy()
import numpy as np
import pytest

# zoo: the schedules are the package's (TF Addons: cyclical_learning_rate.*)
import zoo_optimizers as cyclical_learning_rate


def _maybe_serialized(lr_decay, serialize_and_deserialize):
    if serialize_and_deserialize:
        serialized = lr_decay.get_config()
        return lr_decay.from_config(serialized)
    else:
        return lr_decay


@pytest.mark.parametrize("serialize", [True, False])
def test_triangular_cyclical_learning_rate(serialize):
    initial_learning_rate = 0.1
    max_learning_rate = 1
    step_size = 40
    triangular_cyclical_lr = cyclical_learning_rate.TriangularCyclicalLearningRate(
        initial_learning_rate=initial_learning_rate,
        maximal_learning_rate=max_learning_rate,
        step_size=step_size,
    )
    triangular_cyclical_lr = _maybe_serialized(triangular_cyclical_lr, serialize)

    expected = np.concatenate(
        [
            np.linspace(initial_learning_rate, max_learning_rate, num=step_size + 1),
            np.linspace(max_learning_rate, initial_learning_rate, num=step_size + 1)[1:],
        ]
    )

    for step, expected_value in enumerate(expected):
        np.testing.assert_allclose(triangular_cyclical_lr(step), expected_value, 1e-6)


@pytest.mark.parametrize("serialize", [True, False])
def test_triangular2_cyclical_learning_rate(serialize):
    initial_lr = 0.1
    maximal_lr = 1
    step_size = 30
    triangular2_lr = cyclical_learning_rate.Triangular2CyclicalLearningRate(
        initial_learning_rate=initial_lr,
        maximal_learning_rate=maximal_lr,
        step_size=step_size,
    )
    triangular2_lr = _maybe_serialized(triangular2_lr, serialize)

    middle_lr = (maximal_lr + initial_lr) / 2
    expected = np.concatenate(
        [
            np.linspace(initial_lr, maximal_lr, num=step_size + 1),
            np.linspace(maximal_lr, initial_lr, num=step_size + 1)[1:],
            np.linspace(initial_lr, middle_lr, num=step_size + 1)[1:],
            np.linspace(middle_lr, initial_lr, num=step_size + 1)[1:],
        ]
    )

    for step, expected_value in enumerate(expected):
        # zoo: keras.ops.convert_to_numpy (JAX arrays have no .numpy())
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(triangular2_lr(step)), expected_value, 1e-6
        )


@pytest.mark.parametrize("serialize", [True, False])
def test_exponential_cyclical_learning_rate(serialize):
    initial_learning_rate = 0.1
    maximal_learning_rate = 1
    step_size = 2000
    gamma = 0.996

    step = 0
    exponential_cyclical_lr = cyclical_learning_rate.ExponentialCyclicalLearningRate(
        initial_learning_rate=initial_learning_rate,
        maximal_learning_rate=maximal_learning_rate,
        step_size=step_size,
        gamma=gamma,
    )
    exponential_cyclical_lr = _maybe_serialized(exponential_cyclical_lr, serialize)

    for i in range(0, 8001):
        non_bounded_value = np.abs(i / 2000.0 - 2 * np.floor(1 + i / (2 * 2000)) + 1)
        expected = initial_learning_rate + (
            maximal_learning_rate - initial_learning_rate
        ) * np.maximum(0, (1 - non_bounded_value)) * (gamma**i)
        # zoo: keras.ops.convert_to_numpy (JAX arrays have no .numpy())
        computed = keras.ops.convert_to_numpy(exponential_cyclical_lr(step))
        # zoo: rtol 2e-6 (was 1e-6): gamma ** i in float32 differs from TensorFlow's pow by
        # one rounding (1.0005e-6 relative at worst)
        np.testing.assert_allclose(computed, expected, 2e-6)
        step += 1  # noqa: SIM113 (TF Addons' line)


@pytest.mark.parametrize("serialize", [True, False])
def test_custom_cyclical_learning_rate(serialize):
    initial_learning_rate = 0.1
    maximal_learning_rate = 1
    step_size = 4000

    # zoo: registered: get_config serializes scale_fn by Keras' registry (for .keras
    # files), so from_config finds a function only by its registered name
    @keras.saving.register_keras_serializable(package="tfa_parity")
    def scale_fn(x):
        return 1 / (5 ** (x * 0.0001))

    custom_cyclical_lr = cyclical_learning_rate.CyclicalLearningRate(
        initial_learning_rate=initial_learning_rate,
        maximal_learning_rate=maximal_learning_rate,
        step_size=step_size,
        scale_fn=scale_fn,
    )
    custom_cyclical_lr = _maybe_serialized(custom_cyclical_lr, serialize)

    for step in range(1, 8001):
        cycle = np.floor(1 + step / (2 * step_size))
        non_bounded_value = np.abs(step / step_size - 2 * cycle + 1)
        expected = initial_learning_rate + (
            maximal_learning_rate - initial_learning_rate
        ) * np.maximum(0, 1 - non_bounded_value) * scale_fn(cycle)
        # zoo: keras.ops.convert_to_numpy (JAX arrays have no .numpy())
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(custom_cyclical_lr(step)), expected, 1e-6, 1e-6
        )


@pytest.mark.parametrize("serialize", [True, False])
def test_custom_cyclical_learning_rate_with_scale_mode(serialize):
    initial_learning_rate = 0.1
    maximal_learning_rate = 1
    step_size = 4000
    scale_mode = "iterations"

    # zoo: registered: get_config serializes scale_fn by Keras' registry (for .keras
    # files), so from_config finds a function only by its registered name
    @keras.saving.register_keras_serializable(package="tfa_parity")
    def scale_fn(x):
        return 1 / (5 ** (x * 0.0001))

    custom_cyclical_lr = cyclical_learning_rate.CyclicalLearningRate(
        initial_learning_rate=initial_learning_rate,
        maximal_learning_rate=maximal_learning_rate,
        step_size=step_size,
        scale_fn=scale_fn,
        scale_mode=scale_mode,
    )
    custom_cyclical_lr = _maybe_serialized(custom_cyclical_lr, serialize)

    for step in range(1, 8001):
        cycle = np.floor(1 + step / (2 * step_size))
        non_bounded_value = np.abs(step / step_size - 2 * cycle + 1)
        expected = initial_learning_rate + (
            maximal_learning_rate - initial_learning_rate
        ) * np.maximum(0, 1 - non_bounded_value) * scale_fn(step)
        # zoo: keras.ops.convert_to_numpy (JAX arrays have no .numpy())
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(custom_cyclical_lr(step)), expected, 1e-6, 1e-6
        )
