"""Family tests of `Sampling`: the draws have the mean and variance asked for."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_vae import Sampling

from zoo.testing import seams
from zoo.testing.helpers import as_numpy


def statistics(n: int, mean: list[float], variance: list[float]) -> tuple[np.ndarray, np.ndarray]:
    z_mean = np.tile(np.array(mean, dtype="float32"), (n, 1))
    z_log_var = np.tile(np.log(np.array(variance, dtype="float32")), (n, 1))
    return z_mean, z_log_var


def test_samples_have_the_given_mean_and_variance():
    n, mean, variance = 50_000, [-2.0, 0.0, 3.0], [0.25, 1.0, 4.0]
    z = as_numpy(Sampling(seed=11)(statistics(n, mean, variance), training=True))
    assert z.shape == (n, 3)
    mean, variance = np.array(mean), np.array(variance)
    # Five standard errors: of the mean, sigma / sqrt(n);
    # of the variance, sigma^2 sqrt(2 / (n - 1)).
    assert np.all(np.abs(z.mean(axis=0) - mean) < 5 * np.sqrt(variance / n))
    assert np.all(np.abs(z.var(axis=0, ddof=1) - variance) < 5 * variance * np.sqrt(2 / (n - 1)))


def test_samples_are_gaussian():
    n = 50_000
    z = as_numpy(Sampling(seed=3)(statistics(n, [1.0], [9.0]), training=True))[:, 0]
    standardized = (z - 1.0) / 3.0
    # Fractions within 1 and 2 standard deviations of a normal distribution.
    for k, expected in ((1, 0.682689), (2, 0.954500)):
        observed = np.mean(np.abs(standardized) < k)
        assert abs(observed - expected) < 5 * np.sqrt(expected * (1 - expected) / n)
    # Third and fourth standardized moments of a normal: 0 and 3.
    assert abs(np.mean(standardized**3)) < 5 * np.sqrt(15 / n)
    assert abs(np.mean(standardized**4) - 3) < 5 * np.sqrt(96 / n)


def test_a_pair_and_the_concatenated_tensor_give_the_same_draws():
    z_mean, z_log_var = statistics(64, [0.5, -0.5], [2.0, 0.5])
    pair = as_numpy(Sampling(seed=4)((z_mean, z_log_var), training=True))
    both = np.concatenate([z_mean, z_log_var], axis=-1)
    concatenated = as_numpy(Sampling(seed=4)(both, training=True))
    np.testing.assert_array_equal(pair, concatenated)


def test_the_draw_is_mean_plus_scaled_standard_normal_noise():
    rng = np.random.default_rng(0)
    z_mean = rng.normal(size=(32, 4)).astype("float32")
    z_log_var = rng.normal(size=(32, 4)).astype("float32")
    unit = as_numpy(
        Sampling(seed=9)((np.zeros_like(z_mean), np.zeros_like(z_log_var)), training=True)
    )
    z = as_numpy(Sampling(seed=9)((z_mean, z_log_var), training=True))
    np.testing.assert_allclose(z, z_mean + np.exp(0.5 * z_log_var) * unit, rtol=1e-5, atol=1e-6)


def test_seeded_layers_repeat_and_new_calls_draw_anew():
    z_mean, z_log_var = statistics(16, [0.0, 0.0], [1.0, 1.0])
    a, b = Sampling(seed=42), Sampling(seed=42)
    first_a = as_numpy(a((z_mean, z_log_var), training=True))
    np.testing.assert_array_equal(first_a, as_numpy(b((z_mean, z_log_var), training=True)))
    assert not np.array_equal(first_a, as_numpy(a((z_mean, z_log_var), training=True)))


def test_it_samples_on_every_call_by_default_as_the_tutorials_layer():
    # The tutorials' loop calls the model without training=True; predict passes False.
    z_mean, z_log_var = statistics(8, [1.0, 2.0], [3.0, 4.0])
    layer = Sampling(seed=1)
    unset, inference = (
        as_numpy(layer((z_mean, z_log_var))),
        as_numpy(layer((z_mean, z_log_var), training=False)),
    )
    assert not np.allclose(unset, z_mean) and not np.allclose(inference, z_mean)
    assert not np.array_equal(unset, inference)


def test_deterministic_inference_is_an_explicit_choice():
    z_mean, z_log_var = statistics(8, [1.0, 2.0], [3.0, 4.0])
    layer = Sampling(seed=1, mean_in_inference=True)
    np.testing.assert_array_equal(as_numpy(layer((z_mean, z_log_var))), z_mean)
    np.testing.assert_array_equal(as_numpy(layer((z_mean, z_log_var), training=False)), z_mean)
    assert not np.allclose(as_numpy(layer((z_mean, z_log_var), training=True)), z_mean)
    assert Sampling.from_config(layer.get_config()).mean_in_inference is True
    with pytest.raises(ValueError, match="mean_in_inference"):
        Sampling(mean_in_inference="yes")


def test_gradients_follow_the_reparameterization():
    z_mean, z_log_var = statistics(8, [1.0, 2.0], [3.0, 0.5])
    layer = Sampling(seed=5)
    _, (d_mean, d_log_var), _ = seams.gradients(
        lambda m, v: keras.ops.sum(layer((m, v), training=True)), [z_mean, z_log_var], layer
    )
    # The draw the gradients were taken at: the first of a twin with the same seed.
    z = as_numpy(Sampling(seed=5)((z_mean, z_log_var), training=True))
    epsilon = (z - z_mean) / np.exp(0.5 * z_log_var)
    np.testing.assert_allclose(d_mean, 1.0)
    np.testing.assert_allclose(d_log_var, 0.5 * np.exp(0.5 * z_log_var) * epsilon, rtol=1e-4)


def test_wrong_arguments_and_inputs_are_refused():
    with pytest.raises(ValueError, match="seed"):
        Sampling(seed="one")
    with pytest.raises(ValueError, match="even size"):
        Sampling()(np.zeros((2, 3), dtype="float32"))
    with pytest.raises(ValueError, match="same shape"):
        Sampling().compute_output_shape([(2, 3), (2, 4)])
    with pytest.raises(ValueError, match="floating-point"):
        Sampling()(np.zeros((2, 4), dtype="int32"))
