# Copyright 2020 The TensorFlow Authors. All Rights Reserved.
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
"""Tests for Snake layer.

Ported from tensorflow/addons, tensorflow_addons/layers/tests/snake_test.py:
tf.constant_initializer -> keras.initializers.Constant, the import of zoo_core, and
TF Addons' `snake` activation (the expected values) written out below.
"""

import keras
import numpy as np
import pytest
from zoo_core import Snake

from tests.parity.tfa import layer_test as test_utils


def snake(x, frequency=1):
    """tfa.activations.snake, as TF Addons computed it: x + (1 - cos(2 f x)) / (2 f)."""
    return x + (1 - np.cos(2 * frequency * x)) / (2 * frequency)


@pytest.mark.usefixtures("maybe_run_functions_eagerly")
@pytest.mark.parametrize(
    "dtype",
    [
        # Deliberate difference (DIFFERENCES.md): TF Addons' float16 numbers carry the
        # cancellation of 1 - cos(2fx); the zoo's sin(fx)**2 is a float16 ulp nearer the truth.
        pytest.param(np.float16, marks=pytest.mark.xfail(strict=True, reason="see DIFFERENCES.md")),
        np.float32,
        # Keras computes in float64 on TensorFlow only (DIFFERENCES.md).
        pytest.param(np.float64, marks=pytest.mark.backends("tensorflow")),
    ],
)
def test_layer(dtype):
    x = np.random.rand(2, 5).astype(dtype)
    a = np.random.randn()
    val = snake(x, a)
    test_utils.layer_test(
        Snake,
        kwargs={"frequency_initializer": keras.initializers.Constant(a), "dtype": dtype},
        input_data=x,
        expected_output=val,
    )
