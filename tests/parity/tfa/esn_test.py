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
"""Tests for Echo State recurrent Network (ESN)."""
# Ported from tensorflow/addons, tensorflow_addons/layers/tests/esn_test.py
# (commit d208d752e98c310280938efa939117bf635a60a8; the original beside,
# originals/layers/esn_test.py.txt). Edits are marked `# zoo:`; the imports changed (TF Addons'
# module -> zoo_sequence, tensorflow -> the tf_compat stand-in, tensorflow.keras ->
# keras). See DIFFERENCES.md.

import keras  # zoo: Keras 3 for tf.keras
import numpy as np
import pytest
from zoo_sequence import ESN

from tests.parity.tfa import layer_test as test_utils  # zoo: TF Addons' test_utils
from tests.parity.tfa import tf_compat as tf

# zoo: float64 on TensorFlow only: Keras computes float64 in float32 on JAX and PyTorch.
_DTYPES = [np.float16, np.float32] + (
    [np.float64] if keras.backend.backend() == "tensorflow" else []
)


@pytest.mark.usefixtures("maybe_run_functions_eagerly")
@pytest.mark.parametrize("dtype", _DTYPES)
# zoo: was `layer_test_esn`, a name pytest never collected (see DIFFERENCES.md).
def test_layer_esn(dtype):
    inp = np.asanyarray(
        [[[1.0, 1.0, 1.0, 1.0]], [[2.0, 2.0, 2.0, 2.0]], [[3.0, 3.0, 3.0, 3.0]]]
    ).astype(dtype)
    out = np.asarray([[2.5, 2.5, 2.5], [4.5, 4.5, 4.5], [6.5, 6.5, 6.5]]).astype(dtype)

    const_initializer = tf.constant_initializer(0.5)
    kwargs = {
        "units": 3,
        "connectivity": 1,
        "leaky": 1,
        "spectral_radius": 0.9,
        "use_norm2": True,
        "use_bias": True,
        "activation": None,
        "kernel_initializer": const_initializer,
        "recurrent_initializer": const_initializer,
        "bias_initializer": const_initializer,
        "dtype": np.dtype(dtype).name,  # zoo: Keras 3 takes a dtype's name
    }

    test_utils.layer_test(ESN, kwargs=kwargs, input_data=inp, expected_output=out)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_serialization(dtype):
    esn = ESN(
        units=3,
        connectivity=1,
        leaky=1,
        spectral_radius=0.9,
        use_norm2=False,
        use_bias=True,
        activation=None,
        kernel_initializer="ones",
        recurrent_initializer="ones",
        bias_initializer="ones",
    )
    serialized_esn = keras.layers.serialize(esn)  # zoo: keras for tf.keras
    new_layer = keras.layers.deserialize(serialized_esn)  # zoo: keras for tf.keras
    assert esn.get_config() == new_layer.get_config()
