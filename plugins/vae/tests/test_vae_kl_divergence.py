"""Family tests of the KL term: `kl_divergence`, `KLDivergenceRegularizer` and what `VAE` adds,
against the closed form written independently in numpy."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_vae import VAE, KLDivergenceRegularizer, Sampling, kl_divergence

from zoo.testing.helpers import as_numpy


def kl_reference(mean: np.ndarray, log_var: np.ndarray) -> np.ndarray:
    """Per-sample KL(N(mean, sigma^2) || N(0, 1)):
    the sum of log(1/sigma) + (sigma^2 + mean^2)/2 - 1/2."""
    sigma = np.exp(0.5 * log_var.astype("float64"))
    return np.sum(np.log(1 / sigma) + (sigma**2 + mean.astype("float64") ** 2) / 2 - 0.5, axis=-1)


@pytest.fixture
def stats():
    rng = np.random.default_rng(0)
    return rng.normal(size=(10, 3)).astype("float32"), rng.normal(size=(10, 3)).astype("float32")


def test_kl_divergence_matches_the_closed_form(stats):
    mean, log_var = stats
    np.testing.assert_allclose(
        as_numpy(kl_divergence(mean, log_var)), kl_reference(mean, log_var), rtol=1e-5
    )


def test_kl_divergence_matches_a_monte_carlo_estimate():
    mean, log_var = np.array([[0.7, -1.2]]), np.array([[0.3, -0.8]])
    rng = np.random.default_rng(1)
    sigma = np.exp(0.5 * log_var)
    z = mean + sigma * rng.normal(size=(400_000, 2))
    log_q = -0.5 * (((z - mean) / sigma) ** 2 + np.log(2 * np.pi) + log_var)
    log_p = -0.5 * (z**2 + np.log(2 * np.pi))
    samples = np.sum(log_q - log_p, axis=-1)
    estimate, error = samples.mean(), samples.std() / np.sqrt(len(samples))
    assert abs(float(as_numpy(kl_divergence(mean, log_var))[0]) - estimate) < 5 * error


def test_kl_is_zero_at_the_prior_and_positive_elsewhere(stats):
    zeros = np.zeros((4, 3), dtype="float32")
    np.testing.assert_allclose(as_numpy(kl_divergence(zeros, zeros)), 0.0, atol=1e-7)
    assert np.all(as_numpy(kl_divergence(*stats)) > 0)


def test_regularizer_sums_the_kl_of_a_pair_or_a_concatenation(stats):
    mean, log_var = stats
    expected = 0.3 * kl_reference(mean, log_var).sum()
    regularizer = KLDivergenceRegularizer(strength=0.3)
    np.testing.assert_allclose(float(regularizer((mean, log_var))), expected, rtol=1e-5)
    both = np.concatenate([mean, log_var], axis=-1)
    np.testing.assert_allclose(float(regularizer(both)), expected, rtol=1e-5)


def test_as_activity_regularizer_it_adds_the_mean_per_sample_kl():
    x = np.random.default_rng(2).normal(size=(6, 5)).astype("float32")
    layer = keras.layers.Dense(4, activity_regularizer=KLDivergenceRegularizer(0.5))
    statistics = as_numpy(layer(x))
    assert len(layer.losses) == 1
    expected = 0.5 * kl_reference(statistics[:, :2], statistics[:, 2:]).mean()
    np.testing.assert_allclose(float(layer.losses[0]), expected, rtol=1e-5)


def test_a_model_regularized_by_it_trains_and_loads(tmp_path):
    inputs = keras.Input(shape=(8,))
    statistics = keras.layers.Dense(4, activity_regularizer=KLDivergenceRegularizer())(inputs)
    z = Sampling(seed=0)(statistics)
    outputs = keras.layers.Dense(8, activation="sigmoid")(z)
    model = keras.Model(inputs, outputs)
    x = np.random.default_rng(3).uniform(size=(32, 8)).astype("float32")
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(x, x, epochs=2, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(as_numpy(loaded(x)), as_numpy(model(x)), rtol=1e-6)


def test_vae_adds_beta_times_the_mean_kl_of_its_encoder():
    x = np.random.default_rng(4).uniform(size=(12, 8)).astype("float32")
    for beta in (1.0, 4.0):
        vae = VAE(original_dim=8, intermediate_dim=6, latent_dim=3, beta=beta, seed=0)
        vae(x, training=True)
        assert len(vae.losses) == 1
        mean, log_var, _ = (as_numpy(t) for t in vae.encoder(x))
        expected = beta * kl_reference(mean, log_var).mean()
        np.testing.assert_allclose(float(vae.losses[0]), expected, rtol=1e-5)


def test_kl_is_computed_in_float32_under_float16():
    mean = np.full((2, 2), 300.0, dtype="float16")  # 300 ** 2 overflows float16
    value = as_numpy(kl_divergence(mean, np.zeros_like(mean)))
    assert value.dtype == np.float32 and np.isfinite(value).all()


def test_wrong_arguments_and_inputs_are_refused():
    for strength in (-1.0, "1", float("nan"), True):
        with pytest.raises(ValueError, match="strength"):
            KLDivergenceRegularizer(strength=strength)
    with pytest.raises(ValueError, match="even size"):
        KLDivergenceRegularizer()(np.zeros((2, 3), dtype="float32"))
