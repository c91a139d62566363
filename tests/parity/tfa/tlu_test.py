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
"""Tests for TLU activation.

Ported from tensorflow/addons, tensorflow_addons/layers/tests/tlu_test.py (Apache-2.0):
see DIFFERENCES.md beside this file for every edit.
"""

import numpy as np
import pytest
from zoo_normalization import TLU

from tests.parity.tfa import layer_test as test_utils

# float64 is TensorFlow's alone: Keras computes in float32 on JAX and PyTorch.
FLOAT64 = pytest.param(np.float64, marks=pytest.mark.backends("tensorflow"))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, FLOAT64])
class TestTLU:
    def test_random(self, dtype):
        x = np.array([[-2.5, 0.0, 0.3]]).astype(dtype)
        val = np.array([[0.0, 0.0, 0.3]]).astype(dtype)
        test_utils.layer_test(TLU, kwargs={"dtype": dtype}, input_data=x, expected_output=val)

    def test_affine(self, dtype):
        x = np.array([[-2.5, 0.0, 0.3]]).astype(dtype)
        val = np.array([[-1.5, 1.0, 1.3]]).astype(dtype)
        test_utils.layer_test(
            TLU,
            kwargs={
                "affine": True,
                "dtype": dtype,
                "alpha_initializer": "ones",
                "tau_initializer": "ones",
            },
            input_data=x,
            expected_output=val,
        )
