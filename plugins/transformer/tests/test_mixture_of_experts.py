"""MixtureOfExperts against a numpy reference written from the papers, with its weights."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from zoo_transformer import MixtureOfExperts

from zoo.testing.helpers import as_numpy


def _reference(layer, x, capacity_factor=None):
    """Token by token: softmax router, top-k renormalized, SwiGLU experts; capacity counted
    over assignments in order; the Switch load-balancing and z losses."""
    router, gate, up, down = (as_numpy(w).astype("float64") for w in layer.weights)
    tokens = x.reshape(-1, x.shape[-1]).astype("float64")
    experts, k = router.shape[1], layer.top_k
    logits = tokens @ router
    probabilities = np.exp(logits - logits.max(-1, keepdims=True))
    probabilities /= probabilities.sum(-1, keepdims=True)
    capacity = (
        math.inf
        if capacity_factor is None
        else math.ceil(capacity_factor * len(tokens) * k / experts)
    )
    taken = np.zeros(experts)
    outputs = np.zeros_like(tokens)
    fraction = np.zeros(experts)
    for t, token in enumerate(tokens):
        chosen = np.argsort(-probabilities[t], kind="stable")[:k]
        weights = probabilities[t, chosen] / probabilities[t, chosen].sum()
        for e, w in zip(chosen, weights, strict=True):
            fraction[e] += 1
            taken[e] += 1
            if taken[e] > capacity:
                continue
            g = token @ gate[e]
            hidden = g / (1 + np.exp(-g)) * (token @ up[e])
            outputs[t] += w * (hidden @ down[e])
    fraction /= len(tokens) * k
    balance = experts * np.sum(fraction * probabilities.mean(0))
    z = np.log(np.exp(logits).sum(-1))
    loss = layer.load_balancing_weight * balance + layer.router_z_loss_weight * np.mean(z**2)
    return outputs.reshape(x.shape), loss


@pytest.mark.parametrize(
    ("top_k", "capacity_factor", "z_weight"), [(2, None, 0.0), (1, 1.0, 1e-2), (2, 0.5, 0.0)]
)
def test_mixture_of_experts_equals_the_reference(top_k, capacity_factor, z_weight):
    layer = MixtureOfExperts(
        num_experts=4,
        hidden_dim=6,
        top_k=top_k,
        capacity_factor=capacity_factor,
        router_z_loss_weight=z_weight,
    )
    x = np.random.default_rng(0).normal(size=(3, 5, 8)).astype("float32")
    layer.build(x.shape)
    rng = np.random.default_rng(1)
    layer.set_weights([rng.normal(size=w.shape).astype("float32") for w in layer.weights])
    expected, expected_loss = _reference(layer, x, capacity_factor)
    ours = as_numpy(layer(x))
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-4)
    (loss,) = layer.losses
    np.testing.assert_allclose(float(as_numpy(loss)), expected_loss, rtol=1e-5)
    if capacity_factor == 0.5:
        # Some assignments were dropped: tokens whose experts were full get less.
        assert not np.allclose(ours, _reference(layer, x)[0], atol=1e-4)


def test_mixture_of_experts_trains_with_its_loss():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((5, 8))
    moe = MixtureOfExperts(num_experts=4, hidden_dim=8, top_k=2, load_balancing_weight=1.0)
    model = keras.Model(inputs, moe(inputs))
    model.compile("adam", "mse")
    x = np.random.default_rng(2).normal(size=(16, 5, 8)).astype("float32")
    history = model.fit(x, 0.5 * x, epochs=3, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    # The loss Keras reports is the mean squared error plus the layer's load balance.
    outputs = as_numpy(model(x))
    (balance,) = (float(as_numpy(loss)) for loss in model.losses)
    assert balance > 0.5  # num_experts * sum(f * P) is about 1 when balanced
    mse = float(np.mean((outputs - 0.5 * x) ** 2))
    reported = model.evaluate(x, 0.5 * x, batch_size=16, verbose=0)
    np.testing.assert_allclose(reported, mse + balance, rtol=1e-4)
