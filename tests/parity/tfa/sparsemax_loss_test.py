# Copyright 2016 The TensorFlow Authors. All Rights Reserved.
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


# Ported from tensorflow/addons, tensorflow_addons/losses/tests/sparsemax_loss_test.py
# (commit d208d752e98c310280938efa939117bf635a60a8; the original beside,
# originals/losses/sparsemax_loss_test.py.txt). Edits are marked `# zoo:`; the imports
# changed (TF Addons' modules -> zoo_losses, tensorflow -> the tf_compat stand-in,
# test_utils -> the layer_test stand-in).
import keras  # zoo: Keras' own serialization, for test_serialization
import numpy as np
import pytest
from zoo_losses import SparsemaxLoss, sparsemax, sparsemax_loss

from tests.parity.tfa import layer_test as test_utils

# zoo: Keras computes in float64 on TensorFlow only (DIFFERENCES.md).
DTYPES = ["float32", pytest.param("float64", marks=pytest.mark.backends("tensorflow"))]

test_obs = 17


def _np_sparsemax(z):
    z = z - np.mean(z, axis=1)[:, np.newaxis]

    # sort z
    z_sorted = np.sort(z, axis=1)[:, ::-1]

    # calculate k(z)
    z_cumsum = np.cumsum(z_sorted, axis=1)
    k = np.arange(1, z.shape[1] + 1)
    z_check = 1 + k * z_sorted > z_cumsum
    # use argmax to get the index by row as .nonzero() doesn't
    # take an axis argument. np.argmax return the first index, but the last
    # index is required here, use np.flip to get the last index and
    # `z.shape[axis]` to compensate for np.flip afterwards.
    k_z = z.shape[1] - np.argmax(z_check[:, ::-1], axis=1)

    # calculate tau(z)
    tau_sum = z_cumsum[np.arange(0, z.shape[0]), k_z - 1]
    tau_z = ((tau_sum - 1) / k_z).reshape(-1, 1)

    # calculate p
    return np.maximum(0, z - tau_z)


def _np_sparsemax_loss(z, q):
    z = z - np.mean(z, axis=1)[:, np.newaxis]

    # Calculate q^T * z
    z_k = np.sum(q * z, axis=1)

    # calculate sum over S(z)
    p = _np_sparsemax(z)
    s = p > 0
    # z_i^2 - tau(z)^2 = p_i (2 * z_i - p_i) for i \in S(z)
    s_sum = np.sum(s * p * (2 * z - p), axis=1)

    # because q is binary, sum([q_1^2, q_2^2, ...]) is just sum(q)
    q_norm = np.sum(q, axis=1)

    return 0.5 * s_sum + 0.5 * q_norm - z_k


@pytest.mark.parametrize("dtype", DTYPES)  # zoo: float64 on TensorFlow only
def test_sparsemax_loss_constructor_aginst_numpy(dtype):
    """check sparsemax-loss construcor against numpy."""
    random = np.random.RandomState(1)

    z = random.uniform(low=-3, high=3, size=(test_obs, 10))
    q = np.zeros((test_obs, 10))
    q[np.arange(0, test_obs), random.randint(0, 10, size=test_obs)] = 1

    loss_object = SparsemaxLoss()
    tf_loss_op = keras.ops.convert_to_numpy(loss_object(q, z.astype(dtype)))  # zoo: numpy
    np_loss = np.mean(_np_sparsemax_loss(z, q).astype(dtype))

    test_utils.assert_allclose_according_to_type(np_loss, tf_loss_op)
    assert np_loss.shape == tf_loss_op.shape


@pytest.mark.parametrize("dtype", DTYPES)  # zoo: float64 on TensorFlow only
def test_gradient_against_estimate(dtype):
    """check sparsemax-loss Rop, against estimated-loss Rop."""
    random = np.random.RandomState(7)

    # sparsemax is not a smooth function so gradient estimation is only
    # possible for float64.
    if dtype != "float64":
        return

    z = random.uniform(low=-3, high=3, size=(test_obs, 10)).astype(dtype)
    q = np.zeros((test_obs, 10)).astype(dtype)
    q[np.arange(0, test_obs), np.random.randint(0, 10, size=test_obs)] = 1

    # zoo: tf.test.compute_gradient is TensorFlow's; the gradient of the summed loss
    # (the Jacobian's column sums) from zoo.testing.seams against central differences.
    from zoo.testing.seams import gradients

    def total(logits):
        return keras.ops.sum(sparsemax_loss(logits, sparsemax(logits), q))

    _, (jacob_sym,), _ = gradients(total, [z], keras.layers.Layer())
    jacob_num = np.zeros_like(z)
    step = 1e-6
    for index in np.ndindex(z.shape):
        up, down = z.copy(), z.copy()
        up[index] += step
        down[index] -= step
        jacob_num[index] = (
            keras.ops.convert_to_numpy(total(up)) - keras.ops.convert_to_numpy(total(down))
        ) / (2 * step)
    test_utils.assert_allclose_according_to_type(jacob_sym, jacob_num)


def _tf_sparsemax_loss(z, q, dtype):
    z = z.astype(dtype)
    q = q.astype(dtype)

    tf_sparsemax_op = sparsemax(z)
    tf_loss_op = sparsemax_loss(z, tf_sparsemax_op, q)
    tf_loss_out = keras.ops.convert_to_numpy(tf_loss_op)  # zoo: numpy (eager on every backend)

    return tf_loss_op, tf_loss_out


@pytest.mark.parametrize("dtype", DTYPES)  # zoo: float64 on TensorFlow only
def test_sparsemax_loss_positive(dtype):
    """check sparsemax-loss proposition 4."""
    random = np.random.RandomState(5)

    z = random.uniform(low=-3, high=3, size=(test_obs, 10))
    q = np.zeros((test_obs, 10))
    q[np.arange(0, test_obs), random.randint(0, 10, size=test_obs)] = 1

    tf_loss_op, tf_loss_out = _tf_sparsemax_loss(z, q, dtype)

    test_utils.assert_allclose_according_to_type(np.abs(tf_loss_out), tf_loss_out)
    assert np.zeros(test_obs).shape == tf_loss_op.shape


@pytest.mark.parametrize("dtype", DTYPES)  # zoo: float64 on TensorFlow only
def test_sparsemax_loss_constructor_not_from_logits(dtype):
    """check sparsemax-loss construcor throws when from_logits=True."""
    with pytest.raises(ValueError):
        SparsemaxLoss(from_logits=False)


@pytest.mark.parametrize("dtype", DTYPES)  # zoo: float64 on TensorFlow only
def test_sparsemax_loss_against_numpy(dtype):
    """check sparsemax-loss kernel against numpy."""
    random = np.random.RandomState(1)

    z = random.uniform(low=-3, high=3, size=(test_obs, 10))
    q = np.zeros((test_obs, 10))
    q[np.arange(0, test_obs), random.randint(0, 10, size=test_obs)] = 1

    tf_loss_op, tf_loss_out = _tf_sparsemax_loss(z, q, dtype)
    np_loss = _np_sparsemax_loss(z, q).astype(dtype)

    test_utils.assert_allclose_according_to_type(np_loss, tf_loss_out)
    assert np_loss.shape == tf_loss_op.shape


@pytest.mark.parametrize("dtype", DTYPES)  # zoo: float64 on TensorFlow only
def test_sparsemax_loss_of_nan(dtype):
    """check sparsemax-loss transfers nan."""
    q = np.asarray([[0, 0, 1], [0, 0, 1], [0, 0, 1]])
    z_nan = np.asarray([[0, np.nan, 0], [0, np.nan, np.nan], [np.nan, np.nan, np.nan]]).astype(
        dtype
    )

    _, tf_loss_nan = _tf_sparsemax_loss(z_nan, q, dtype)
    np.testing.assert_equal(np.asanyarray([np.nan, np.nan, np.nan]), tf_loss_nan)


@pytest.mark.parametrize("dtype", DTYPES)  # zoo: float64 on TensorFlow only
def test_sparsemax_loss_of_inf(dtype):
    """check sparsemax-loss is infinity safe."""
    q = np.asarray([[0, 0, 1], [0, 0, 1], [0, 0, 1], [0, 0, 1]])
    z_neg = np.asarray(
        [
            [0, -np.inf, 0],
            [0, -np.inf, -np.inf],
            [-np.inf, -np.inf, 0],
            [-np.inf, -np.inf, -np.inf],
        ]
    ).astype(dtype)
    z_pos = np.asarray(
        [
            [0, np.inf, 0],
            [0, np.inf, np.inf],
            [np.inf, np.inf, 0],
            [np.inf, np.inf, np.inf],
        ]
    ).astype(dtype)
    z_mix = np.asarray(
        [
            [0, np.inf, 0],
            [0, np.inf, -np.inf],
            [-np.inf, np.inf, 0],
            [-np.inf, np.inf, -np.inf],
        ]
    ).astype(dtype)

    _, tf_loss_neg = _tf_sparsemax_loss(z_neg, q, dtype)
    np.testing.assert_equal(np.asanyarray([0.25, np.inf, 0, np.nan]), tf_loss_neg)

    _, tf_loss_pos = _tf_sparsemax_loss(z_pos, q, dtype)
    np.testing.assert_equal(np.asanyarray([np.nan, np.nan, np.nan, np.nan]), tf_loss_pos)

    _, tf_loss_mix = _tf_sparsemax_loss(z_mix, q, dtype)
    np.testing.assert_equal(np.asanyarray([np.nan, np.nan, np.nan, np.nan]), tf_loss_mix)


@pytest.mark.parametrize("dtype", DTYPES)  # zoo: float64 on TensorFlow only
def test_constant_add(dtype):
    """check sparsemax-loss proposition 3."""
    random = np.random.RandomState(4)

    z = random.uniform(low=-3, high=3, size=(test_obs, 10))
    c = random.uniform(low=-3, high=3, size=(test_obs, 1))
    q = np.zeros((test_obs, 10))
    q[np.arange(0, test_obs), np.random.randint(0, 10, size=test_obs)] = 1

    _, tf_loss_zpc = _tf_sparsemax_loss(z + c, q, dtype)
    _, tf_loss_z = _tf_sparsemax_loss(z, q, dtype)

    test_utils.assert_allclose_according_to_type(
        tf_loss_zpc, tf_loss_z, float_atol=5e-6, float_rtol=5e-6
    )


@pytest.mark.parametrize("dtype", DTYPES)  # zoo: float64 on TensorFlow only
def test_sparsemax_loss_zero(dtype):
    """check sparsemax-loss proposition 5."""
    random = np.random.RandomState(6)

    # construct z and q, such that z_k >= 1 + max_{j!=k} z_k holds for
    # delta_0 = 1.
    z = random.uniform(low=-3, high=3, size=(test_obs, 10))
    z[:, 0] = np.max(z, axis=1) + 1.05

    q = np.zeros((test_obs, 10))
    q[:, 0] = 1

    tf_loss_op, tf_loss_out = _tf_sparsemax_loss(z, q, dtype)

    tf_sparsemax_op = keras.ops.convert_to_numpy(sparsemax(z.astype(dtype)))  # zoo: numpy

    test_utils.assert_allclose_according_to_type(np.zeros(test_obs), tf_loss_out)
    assert np.zeros(test_obs).shape == tf_loss_op.shape

    test_utils.assert_allclose_according_to_type(q, tf_sparsemax_op)
    assert q.shape == tf_sparsemax_op.shape


def test_serialization():  # zoo: no maybe_run_functions_eagerly fixture (TF-only)
    ref_fn = sparsemax_loss

    # zoo: Keras 3's serialize/deserialize (no legacy format; the function is registered
    # as zoo_losses>sparsemax_loss, as TF Addons' was as Addons>sparsemax_loss).
    config = keras.losses.serialize(ref_fn)
    fn = keras.losses.deserialize(config)
    assert ref_fn.__name__ == fn.__name__
