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
"""Tests for Conditional Random Field layer."""
# Ported from tensorflow/addons, tensorflow_addons/layers/tests/crf_test.py
# (commit 3088b404d4eafe76800f1c2887c535c684bd3611). Edits are marked `# zoo:`; every
# input, expected value and tolerance is TF Addons'. The test's own `ModelWithCRFLoss`
# trained with `tf.GradientTape` in `train_step`; here it overrides Keras 3's
# backend-independent `compute_loss` instead, and is registered with a config so that
# `.keras` files reload it. See DIFFERENCES.md, "crf_layer_test.py".

import itertools
import math
import os
import tempfile

import keras  # zoo: Keras 3 for tf.keras
import numpy as np
import pytest
from zoo_sequence import (
    CRF,  # zoo: was tensorflow_addons.layers.crf
    crf_log_likelihood,  # zoo: was tensorflow_addons.text.crf
)

from tests.parity.tfa import layer_test as test_utils  # zoo: TF Addons' test_utils


def get_test_data():
    x = np.array(
        [
            [
                # O   B-X  I-X  B-Y  I-Y
                [0.0, 1.0, 0.0, 0.0, 0.0],
                [0.0, 0.0, 1.0, 0.0, 0.0],
                [0.0, 0.0, 1.0, 0.0, 0.0],
            ],
            [
                # O   B-X  I-X  B-Y  I-Y
                [0.0, 1.0, 0.0, 0.0, 0.0],
                [0.0, 1.0, 0.0, 0.0, 0.0],
                [0.0, 1.0, 0.0, 0.0, 0.0],
            ],
        ]
    )
    y = np.array([[1, 2, 2], [1, 1, 1]])  # B-X  I-X  I-X  # B-X  B-X  B-X
    return x, y


def get_test_data_extended():
    logits = np.array(
        [
            [[0, 0, 0.5, 0.5, 0.2], [0, 0, 0.3, 0.3, 0.1], [0, 0, 0.9, 10, 1]],
            [[0, 0, 0.2, 0.5, 0.2], [0, 0, 3, 0.3, 0.1], [0, 0, 0.9, 1, 1]],
        ]
    )
    tags = np.array([[2, 3, 4], [3, 2, 2]])

    transitions = np.array(
        [
            [0.1, 0.2, 0.3, 0.4, 0.5],
            [0.8, 0.3, 0.1, 0.7, 0.9],
            [-0.3, 2.1, -5.6, 3.4, 4.0],
            [0.2, 0.4, 0.6, -0.3, -0.4],
            [1.0, 1.0, 1.0, 1.0, 1.0],
        ]
    )

    boundary_values = np.ones((5,))
    crf_layer = CRF(
        units=5,
        use_kernel=False,  # disable kernel transform
        chain_initializer=keras.initializers.Constant(transitions),
        use_boundary=True,
        boundary_initializer=keras.initializers.Constant(boundary_values),
        name="crf_layer",
    )
    return logits, tags, transitions, boundary_values, crf_layer


@pytest.mark.usefixtures("run_with_mixed_precision_policy")
def test_keras_model_inference():
    logits, _, _, _, crf_layer = get_test_data_extended()

    input_tensor = keras.layers.Input(shape=(3, 5))
    decoded_sequence, _, _, _ = crf_layer(input_tensor)
    model = keras.Model(input_tensor, decoded_sequence)

    model.predict(logits, verbose=0)
    keras.ops.convert_to_numpy(model(logits))  # zoo: for .numpy()


@pytest.mark.usefixtures("run_with_mixed_precision_policy")
def test_unmasked_viterbi_decode():
    x_np, y_np = get_test_data()

    transitions = np.ones([5, 5])
    boundary_value = np.ones(5)

    layer = CRF(
        units=5,
        use_kernel=False,  # disable kernel transform
        chain_initializer=keras.initializers.Constant(transitions),
        use_boundary=True,
        boundary_initializer=keras.initializers.Constant(boundary_value),
    )

    decoded_sequence, _, _, _ = layer(x_np)
    decoded_sequence = keras.ops.convert_to_numpy(decoded_sequence)  # zoo: for .numpy()
    np.testing.assert_equal(decoded_sequence, y_np)
    assert decoded_sequence.dtype == np.int32


@keras.saving.register_keras_serializable(package="tfa_crf_layer_test")  # zoo: for reloading
class ModelWithCRFLoss(keras.Model):
    """Wrapper around the base model for custom training logic."""

    def __init__(self, base_model, **kwargs):  # zoo: **kwargs, for from_config
        super().__init__(**kwargs)
        self.base_model = base_model
        # zoo: the two numbers TF Addons' train_step returned, as Keras 3 metrics
        self.crf_loss_tracker = keras.metrics.Mean(name="crf_loss")
        self.internal_losses_tracker = keras.metrics.Mean(name="internal_losses")

    def call(self, inputs):
        return self.base_model(inputs)

    # zoo: Keras 3's compute_loss (called by fit, evaluate and train_on_batch on every
    # backend) in place of TF Addons' compute_loss + GradientTape train_step/test_step.
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        _, potentials, sequence_length, chain_kernel = y_pred

        # we now add the CRF loss:
        crf_loss = -crf_log_likelihood(potentials, y, sequence_length, chain_kernel)[0]

        if sample_weight is not None:
            crf_loss = crf_loss * sample_weight

        crf_loss = keras.ops.mean(crf_loss)
        internal_losses = keras.ops.convert_to_tensor(0.0) + sum(self.losses)
        self.crf_loss_tracker.update_state(crf_loss)
        self.internal_losses_tracker.update_state(internal_losses)
        return crf_loss + internal_losses

    def get_config(self):  # zoo: Keras 3 saves the config, not the Python code
        return {
            **super().get_config(),
            "base_model": keras.saving.serialize_keras_object(self.base_model),
        }

    @classmethod
    def from_config(cls, config):
        base_model = keras.saving.deserialize_keras_object(config.pop("base_model"))
        return cls(base_model, **config)


@pytest.mark.usefixtures("run_with_mixed_precision_policy")
def test_traing():
    x_np, y_np = get_test_data()
    get_some_model(x_np, y_np)


def get_some_model(x_np, y_np, sanity_check=True):
    x_input = keras.layers.Input(shape=x_np.shape[1:])
    crf_outputs = CRF(5, name="L")(x_input)
    base_model = keras.Model(x_input, crf_outputs)

    model = ModelWithCRFLoss(base_model)

    model.compile("adam")
    if sanity_check:
        model.fit(x=x_np, y=y_np, verbose=0)
        model.evaluate(x_np, y_np, verbose=0)
    model.predict(x_np, verbose=0)
    return model


@pytest.mark.usefixtures("run_with_mixed_precision_policy")
def test_mask_right_padding():
    x_np, y_np = get_test_data()
    mask = np.array([[1, 1, 1], [1, 1, 0]])

    x = keras.layers.Input(shape=x_np.shape[1:])

    crf_layer_outputs = CRF(5)(x, mask=keras.ops.convert_to_tensor(mask))  # zoo: tf.constant

    base_model = keras.Model(x, crf_layer_outputs)
    model = ModelWithCRFLoss(base_model)

    # check shape inference
    model.compile("adam")
    old_weights = model.get_weights()
    model.fit(x_np, y_np, verbose=0)
    new_weights = model.get_weights()

    # we check that the weights were updated during the training phase.
    with pytest.raises(AssertionError):
        assert_all_equal(old_weights, new_weights)

    model.predict(x_np, verbose=0)


@pytest.mark.usefixtures("run_with_mixed_precision_policy")
def test_mask_left_padding():
    x_np, y_np = get_test_data()
    mask = np.array([[0, 1, 1], [1, 1, 1]])

    x = keras.layers.Input(shape=x_np.shape[1:])
    crf_layer_outputs = CRF(5)(x, mask=keras.ops.convert_to_tensor(mask))  # zoo: tf.constant

    base_model = keras.Model(x, crf_layer_outputs)
    model = ModelWithCRFLoss(base_model)

    # we can only check the value of the mask
    # if we run eagerly. It's kind of a debug mode
    # otherwise we're wasting computation.
    model.compile("adam", run_eagerly=True)

    with pytest.raises(NotImplementedError) as context:
        keras.ops.convert_to_numpy(model(x_np))  # zoo: for .numpy()

    assert "CRF layer do not support left padding" in str(context.value)


def clone(model: ModelWithCRFLoss, inference_only=True):
    with tempfile.TemporaryDirectory() as tmpdir:
        file_path = os.path.join(tmpdir, "my_model.keras")  # zoo: .keras, not .tf
        model.save(file_path)
        new_model = keras.models.load_model(file_path)

    if not inference_only:
        # since tf doesn't save the python code of train_step and test_step
        # we need to call the wrapper again.
        # This may change, maybe later on tf will save train_step and test_step.
        new_model_with_wrapper = ModelWithCRFLoss(new_model.base_model)

        # zoo: a fresh Adam, as the original's (never used: sanity_check=False);
        # Keras 3 refuses an optimizer built for another model's variables.
        new_model_with_wrapper.compile(optimizer="adam")
        new_model = new_model_with_wrapper

    return new_model


def assert_all_equal(array_list1, array_list2):
    for arr1, arr2 in zip(array_list1, array_list2, strict=False):
        np.testing.assert_equal(np.array(arr1), np.array(arr2))


@pytest.mark.usefixtures("run_with_mixed_precision_policy")
@pytest.mark.parametrize("inference_only", [True, False])
def test_serialization(inference_only):
    x_np, y_np = get_test_data()
    model = get_some_model(x_np, y_np, sanity_check=False)

    new_model = clone(model, inference_only)
    if inference_only:
        assert_all_equal(model.predict(x_np, verbose=0), new_model.predict(x_np, verbose=0))
        assert_all_equal(model.get_weights(), new_model.get_weights())
    else:
        original_loss = model.train_on_batch(x_np, y_np, return_dict=True)["crf_loss"]
        clone_loss = new_model.train_on_batch(x_np, y_np, return_dict=True)["crf_loss"]
        assert_all_equal(model.get_weights(), new_model.get_weights())
        assert original_loss == clone_loss


@pytest.mark.usefixtures("run_with_mixed_precision_policy")
@pytest.mark.usefixtures("maybe_run_functions_eagerly")
def test_numerical_accuracy():
    logits, tags, transitions, boundary_values, crf_layer = get_test_data_extended()

    x_input = keras.layers.Input(shape=logits.shape[1:])
    crf_outputs = crf_layer(x_input)
    base_model = keras.Model(x_input, crf_outputs)
    model = ModelWithCRFLoss(base_model)

    model.compile()
    log_likelihood = model.train_on_batch(logits, tags, return_dict=True)["crf_loss"]

    # The manually computed log likelihood should
    # equal the result of crf.forward.
    expected_log_likelihood = compute_log_likelihood(logits, tags, transitions, boundary_values)
    unbatched_log_likelihood = -2 * log_likelihood

    test_utils.assert_allclose_according_to_type(
        expected_log_likelihood, unbatched_log_likelihood, rtol=5e-5
    )


def compute_log_likelihood(logits, tags, transitions, boundary_values):
    # Now compute the log-likelihood manually
    manual_log_likelihood = 0.0

    # For each instance, manually compute the numerator
    # (which is just the score for the logits and actual tags)
    # and the denominator
    # (which is the log-sum-exp of the scores
    # for the logits across all possible tags)
    for logits_i, tags_i in zip(logits, tags, strict=True):
        numerator = score_logits(logits_i, tags_i, transitions, boundary_values)
        all_scores = [
            score_logits(logits_i, tags_j, transitions, boundary_values)
            for tags_j in itertools.product(range(5), repeat=3)
        ]
        denominator = math.log(sum(math.exp(score) for score in all_scores))
        # And include them in the manual calculation.
        manual_log_likelihood += numerator - denominator

    return manual_log_likelihood


def score_logits(logits, tags, transitions, boundary_values):
    """Computes the likelihood score for the given sequence of tags, given
    the provided logits (and the transition weights in the CRF model)"""
    # Start with transitions from START and to END
    total = boundary_values[tags[0]] + boundary_values[tags[-1]]
    # Add in all the intermediate transitions
    for tag, next_tag in zip(tags, tags[1:], strict=False):
        total += transitions[tag, next_tag]
    # Add in the logits for the observed tags
    for logit, tag in zip(logits, tags, strict=True):
        total += logit[tag]
    return total
