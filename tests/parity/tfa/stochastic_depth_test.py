# Ported from tensorflow/addons, tensorflow_addons/layers/tests/stochastic_depth_test.py
# (commit 0587cde08dfcb014516f4be56e38b7646a6eb721, Apache-2.0). Edits, each marked
# "port:" below and listed in DIFFERENCES.md: the imports, tf.* -> keras.*, the two
# seeds, the first test's name (TF Addons' was never collected by pytest) and its last
# call (layer_test takes one input and runs inference only); every expected number kept.
import keras
import numpy as np
import pytest
from zoo_regularizing import StochasticDepth

from tests.parity.tfa import layer_test as test_utils

# port: TF Addons' 1111 and 2222 picked a keep and a drop on TensorFlow 2's random
# stream; 8 and 4 do so on Keras 3's, on each of its backends.
_KEEP_SEED = 8
_DROP_SEED = 4


@pytest.mark.parametrize("seed", [_KEEP_SEED, _DROP_SEED])
@pytest.mark.parametrize("training", [True, False])
def test_stochastic_depth(seed, training):  # port: was stochastic_depth_test
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)  # port: was tf.random.set_seed(seed)

    survival_probability = 0.5

    shortcut = np.asarray([[0.2, 0.1, 0.4]]).astype(np.float32)
    residual = np.asarray([[0.2, 0.4, 0.5]]).astype(np.float32)

    if training:
        if seed == _KEEP_SEED:
            # shortcut + residual
            expected_output = np.asarray([[0.4, 0.5, 0.9]]).astype(np.float32)
        elif seed == _DROP_SEED:
            # shortcut
            expected_output = np.asarray([[0.2, 0.1, 0.4]]).astype(np.float32)
    else:
        # shortcut + p_l * residual
        expected_output = np.asarray([[0.3, 0.3, 0.65]]).astype(np.float32)

    # port: was test_utils.layer_test(StochasticDepth, kwargs=..., input_data=[shortcut,
    # residual], expected_output=expected_output), which takes one input array and
    # predicts in inference only; the layer is called directly, with `training`.
    layer = StochasticDepth(survival_probability=survival_probability)
    output = layer([shortcut, residual], training=training)
    test_utils.numeric_test(keras.ops.convert_to_numpy(output), expected_output)


@pytest.mark.usefixtures("run_with_mixed_precision_policy")
def test_with_mixed_precision_policy():
    policy = keras.mixed_precision.global_policy()

    shortcut = np.asarray([[0.2, 0.1, 0.4]])
    residual = np.asarray([[0.2, 0.4, 0.5]])

    # port: dtypes compared by name (PyTorch's torch.float16 is not equal to "float16").
    output = StochasticDepth()([shortcut, residual])
    assert keras.backend.standardize_dtype(output.dtype) == policy.compute_dtype

    output = StochasticDepth()([shortcut, residual], training=True)
    assert keras.backend.standardize_dtype(output.dtype) == policy.compute_dtype


def test_serialization():
    stoch_depth = StochasticDepth(survival_probability=0.5)
    serialized_stoch_depth = keras.layers.serialize(stoch_depth)
    new_layer = keras.layers.deserialize(serialized_stoch_depth)
    assert stoch_depth.get_config() == new_layer.get_config()
