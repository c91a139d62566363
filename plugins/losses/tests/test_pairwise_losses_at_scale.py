"""The pairwise losses written in O(batch^2) memory (semi-hard mining by sorting, the
lifted loss by rows) against their pair-by-pair definitions (the family's numpy
references), where ties decide (distances that are exact integers) and at larger
batches."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_losses import triplet_semihard_loss
from zoo_losses.plugin import _triplet_semihard


@pytest.mark.parametrize("seed", range(4))
def test_ties_between_negatives_and_positives_follow_the_strict_definition(seed):
    rng = np.random.default_rng(seed)
    # Points of a small grid: many pairs at exactly the same squared distance.
    embeddings = rng.integers(0, 3, size=(24, 2)).astype("float32")
    labels = rng.integers(0, 3, size=24).astype("int32")
    config = {"margin": 1.0, "distance_metric": "squared-L2"}
    found = triplet_semihard_loss(labels, embeddings, **config)
    expected = _triplet_semihard(config, labels, embeddings)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(found), expected, rtol=1e-6)


def test_a_larger_batch_of_unit_embeddings_matches_the_definition():
    rng = np.random.default_rng(7)
    embeddings = rng.normal(size=(96, 16))
    embeddings = (embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)).astype("float32")
    labels = rng.integers(0, 8, size=96).astype("int32")
    found = triplet_semihard_loss(labels, embeddings, margin=0.5)
    expected = _triplet_semihard({"margin": 0.5}, labels, embeddings)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(found), expected, rtol=1e-5)


def test_the_lifted_loss_by_rows_matches_the_definition():
    from zoo_losses import lifted_struct_loss
    from zoo_losses.plugin import _lifted_struct

    rng = np.random.default_rng(3)
    embeddings = rng.normal(size=(64, 8)).astype("float32")
    labels = rng.integers(0, 6, size=64).astype("int32")
    found = lifted_struct_loss(labels, embeddings, margin=1.0)
    expected = _lifted_struct({"margin": 1.0}, labels, embeddings)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(found), expected, rtol=1e-5)


def test_a_batch_of_one_label_gives_zero_and_finite_gradients():
    from zoo_losses import LiftedStructLoss

    from zoo.testing.seams import gradients

    loss = LiftedStructLoss()
    labels = np.zeros(6, "int32")
    embeddings = np.random.default_rng(0).normal(size=(6, 4)).astype("float32")
    value, (gradient,), _ = gradients(lambda e: loss(labels, e), [embeddings], keras.layers.Layer())
    assert value == 0.0 and np.isfinite(gradient).all()
