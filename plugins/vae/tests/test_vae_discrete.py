"""Family tests of the discrete latents: `VectorQuantizer` (nearest code, straight-through
gradient, its losses, the moving-average codebook, perplexity) and `GumbelSoftmaxSampling`
with `CategoricalKLRegularizer`, against formulas written here in numpy."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_vae import (
    CategoricalKLRegularizer,
    GumbelSoftmaxSampling,
    VectorQuantizer,
    code_perplexity,
)

from zoo.testing import seams
from zoo.testing.helpers import as_numpy


def quantizer_with(codebook: np.ndarray, **kwargs) -> VectorQuantizer:
    layer = VectorQuantizer(codebook.shape[0], codebook.shape[1], **kwargs)
    layer.build((None, codebook.shape[1]))
    layer.embeddings.assign(codebook)
    if layer.decay is not None:  # the moving averages start at the codebook
        layer.embedding_sum.assign(codebook)
    return layer


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(5, 7, 3)).astype("float32"), rng.normal(size=(6, 3)).astype("float32")


def test_each_vector_becomes_its_nearest_code(data):
    x, codebook = data
    quantized, codes = quantizer_with(codebook)(x, return_codes=True)
    distances = ((x[..., None, :] - codebook) ** 2).sum(-1)  # brute force, (5, 7, 6)
    np.testing.assert_array_equal(as_numpy(codes), distances.argmin(-1))
    np.testing.assert_allclose(as_numpy(quantized), codebook[distances.argmin(-1)], atol=1e-6)


def test_the_losses_are_commitment_and_codebook(data):
    x, codebook = data
    nearest = codebook[((x[..., None, :] - codebook) ** 2).sum(-1).argmin(-1)]
    squared = float(np.mean((x - nearest) ** 2))
    layer = quantizer_with(codebook, beta=0.4)
    layer(x)
    np.testing.assert_allclose(float(layer.losses[0]), 1.4 * squared, rtol=1e-5)
    ema = quantizer_with(codebook, beta=0.4, decay=0.9)
    ema(x)
    np.testing.assert_allclose(float(ema.losses[0]), 0.4 * squared, rtol=1e-5)


def test_the_input_gradient_is_the_identity(data):
    x, codebook = data
    layer = quantizer_with(codebook)
    weights = np.random.default_rng(1).normal(size=x.shape).astype("float32")
    _, (gradient,), _ = seams.gradients(
        lambda t: keras.ops.sum(keras.ops.multiply(layer(t), weights)), [x], layer
    )
    np.testing.assert_allclose(gradient, weights, rtol=1e-6)


def test_the_codebook_loss_moves_the_codes_toward_their_encodings(data):
    x, codebook = data
    layer = quantizer_with(codebook, beta=0.0)
    _, _, (gradient,) = seams.gradients(lambda t: (layer(t), sum(layer.losses))[1], [x], layer)
    codes = ((x[..., None, :] - codebook) ** 2).sum(-1).argmin(-1).ravel()
    flat = x.reshape(-1, 3)
    # d/de_k of mean((x - e_code)^2) over all entries: -2 / size * sum of (x - e_k) assigned.
    expected = np.zeros_like(codebook)
    for k in range(len(codebook)):
        expected[k] = -2.0 / x.size * (flat[codes == k] - codebook[k]).sum(0)
    np.testing.assert_allclose(gradient, expected, rtol=1e-4, atol=1e-6)


def test_ema_moves_codes_toward_their_assigned_encodings_without_a_gradient_step(data):
    x, codebook = data
    decay = 0.8
    layer = quantizer_with(codebook, decay=decay, epsilon=1e-5)
    assert not layer.trainable_weights  # the codebook learns by moving averages only
    flat = x.reshape(-1, 3)
    codes = ((flat[:, None, :] - codebook) ** 2).sum(-1).argmin(-1)
    layer(x, training=True)
    updated = as_numpy(layer.embeddings)
    # The averages, by hand: counts start at 1 and sums at the codes themselves.
    counts = decay * 1.0 + (1 - decay) * np.bincount(codes, minlength=len(codebook))
    sums = decay * codebook + (1 - decay) * np.stack(
        [flat[codes == k].sum(0) for k in range(len(codebook))]
    )
    total = counts.sum()
    smoothed = (counts + 1e-5) / (total + len(codebook) * 1e-5) * total
    np.testing.assert_allclose(updated, sums / smoothed[:, None], rtol=1e-4, atol=1e-6)
    for k in np.unique(codes):
        mean = flat[codes == k].mean(0)
        assert np.linalg.norm(updated[k] - mean) < np.linalg.norm(codebook[k] - mean)
    unused = np.setdiff1d(np.arange(len(codebook)), codes)
    np.testing.assert_allclose(updated[unused], codebook[unused], rtol=1e-4)
    before = as_numpy(layer.embeddings)
    layer(x)  # inference: no update
    np.testing.assert_array_equal(as_numpy(layer.embeddings), before)


def test_perplexity_measures_code_usage(data):
    x, codebook = data
    layer = quantizer_with(codebook)
    _, codes = layer(x, training=True, return_codes=True)
    usage = np.bincount(as_numpy(codes).ravel(), minlength=len(codebook)) / codes.shape[0] / 7
    expected = float(np.exp(-np.sum(usage[usage > 0] * np.log(usage[usage > 0]))))
    np.testing.assert_allclose(float(as_numpy(layer.perplexity)), expected, rtol=1e-4)
    np.testing.assert_allclose(code_perplexity(codes, len(codebook)), expected, rtol=1e-4)
    assert code_perplexity(np.zeros(10, "int32"), 6) == pytest.approx(1.0)


def _state(layer: VectorQuantizer) -> list[np.ndarray]:
    return [as_numpy(w) for w in layer.non_trainable_weights]


def test_empty_and_nan_batches_leave_the_ema_codebook_as_it_was(data):
    # Issue #30, case 7: one NaN encoding made its code NaN for good, and an empty
    # batch made the perplexity NaN (0 / 0).
    x, codebook = data
    layer = quantizer_with(codebook, decay=0.8)
    layer(x, training=True)
    before = _state(layer)
    poisoned = x.copy()
    poisoned[1, 2] = np.nan
    layer(x[:0], training=True)
    layer(poisoned, training=True)
    for old, now in zip(before, _state(layer), strict=True):
        np.testing.assert_array_equal(now, old)
    assert np.isfinite(as_numpy(layer.embeddings)).all()


def test_without_skipping_a_nan_sample_poisons_the_codebook(data):
    x, codebook = data
    layer = quantizer_with(codebook, decay=0.8, skip_nonfinite_updates=False)
    poisoned = x.copy()
    poisoned[1, 2] = np.nan
    layer(poisoned, training=True)
    assert not np.isfinite(as_numpy(layer.embeddings)).all()


def test_a_vq_model_trains_and_reloads(tmp_path):
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(2).normal(size=(64, 4)).astype("float32")
    inputs = keras.Input((4,))
    z = keras.layers.Dense(2)(inputs)
    z = VectorQuantizer(8, 2, decay=0.9)(z)
    model = keras.Model(inputs, keras.layers.Dense(4)(z))
    model.compile("adam", loss="mse")
    history = model.fit(x, x, epochs=3, batch_size=16, verbose=0).history
    assert np.isfinite(history["loss"]).all()
    model.save(tmp_path / "vq.keras")
    loaded = keras.saving.load_model(tmp_path / "vq.keras")
    np.testing.assert_allclose(as_numpy(loaded(x)), as_numpy(model(x)), atol=1e-6)


def test_quantizer_arguments_and_inputs_are_checked():
    for kwargs, name in (
        ({"num_embeddings": 0}, "num_embeddings"),
        ({"beta": -1.0}, "beta"),
        ({"decay": 1.5}, "decay"),
        ({"epsilon": -1.0}, "epsilon"),
    ):
        with pytest.raises(ValueError, match=name):
            VectorQuantizer(**{"num_embeddings": 4, "embedding_dim": 2, **kwargs})
    with pytest.raises(ValueError, match="shape"):
        VectorQuantizer(4, 2)(np.zeros((3, 5), "float32"))


# -- Gumbel-softmax ---------------------------------------------------------------------


def test_hard_samples_are_one_hot_with_the_categorical_frequencies():
    n, p = 40_000, np.array([0.6, 0.3, 0.1])
    logits = np.tile(np.log(p), (n, 1)).astype("float32")
    y = as_numpy(GumbelSoftmaxSampling(temperature=0.7, hard=True, seed=4)(logits))
    assert set(np.unique(y)) == {0.0, 1.0} and np.all(y.sum(-1) == 1)
    assert np.all(np.abs(y.mean(0) - p) < 5 * np.sqrt(p * (1 - p) / n))


def test_soft_samples_follow_the_formula_with_the_layers_noise():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(16, 5)).astype("float32")
    # The layer's Gumbel noise, recovered from a draw at temperature 1 with zero logits.
    unit = as_numpy(GumbelSoftmaxSampling(1.0, seed=9)(np.zeros_like(logits)))
    gumbel = np.log(unit)  # softmax(g) = exp(g) / sum(exp(g)): log recovers g up to a shift
    y = as_numpy(GumbelSoftmaxSampling(0.5, seed=9)(logits))
    expected = np.exp((logits + gumbel) / 0.5)
    np.testing.assert_allclose(y, expected / expected.sum(-1, keepdims=True), rtol=1e-4)


def test_hard_is_straight_through():
    logits = np.random.default_rng(1).normal(size=(4, 3)).astype("float32")
    weights = np.random.default_rng(2).normal(size=(4, 3)).astype("float32")
    grads = []
    for hard in (False, True):
        layer = GumbelSoftmaxSampling(0.5, hard=hard, seed=3)
        _, (g,), _ = seams.gradients(
            lambda t, layer=layer: keras.ops.sum(keras.ops.multiply(layer(t), weights)),
            [logits],
            layer,
        )
        grads.append(g)
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-5, atol=1e-6)
    assert np.any(grads[0] != 0)


def test_temperature_anneals_inside_compiled_steps():
    layer = GumbelSoftmaxSampling(5.0, seed=0, mean_in_inference=False)
    inputs = keras.Input((4,))
    model = keras.Model(inputs, layer(inputs))
    logits = np.tile([[4.0, 0.0, 0.0, 0.0]], (2000, 1)).astype("float32")
    hot = model.predict(logits, batch_size=2000, verbose=0)
    layer.set_temperature(0.05)
    cold = model.predict(logits, batch_size=2000, verbose=0)  # the same compiled function
    assert cold.max(-1).mean() > 0.95 > hot.max(-1).mean()
    with pytest.raises(ValueError, match="temperature"):
        layer.set_temperature(0.0)


def test_inference_can_be_deterministic_and_the_seed_state_is_saved(tmp_path):
    logits = np.random.default_rng(3).normal(size=(8, 4)).astype("float32")
    layer = GumbelSoftmaxSampling(0.5, seed=1, mean_in_inference=True)
    probabilities = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    np.testing.assert_allclose(as_numpy(layer(logits)), probabilities, rtol=1e-5)
    sampler = GumbelSoftmaxSampling(0.5, seed=1)
    inputs = keras.Input((4,))
    model = keras.Model(inputs, sampler(inputs))
    model(logits)
    model.save(tmp_path / "g.keras")
    loaded = keras.saving.load_model(tmp_path / "g.keras")
    np.testing.assert_allclose(as_numpy(loaded(logits)), as_numpy(model(logits)), rtol=1e-6)


def test_categorical_kl_against_uniform_matches_the_formula():
    logits = np.random.default_rng(4).normal(size=(6, 5)).astype("float32")
    q = np.exp(logits.astype("float64"))
    q /= q.sum(-1, keepdims=True)
    expected = 0.3 * np.sum(q * np.log(q * 5))
    np.testing.assert_allclose(float(CategoricalKLRegularizer(0.3)(logits)), expected, rtol=1e-5)
    layer = keras.layers.Dense(5, activity_regularizer=CategoricalKLRegularizer(1.0))
    out = as_numpy(layer(logits))
    p = np.exp(out.astype("float64"))
    p /= p.sum(-1, keepdims=True)
    np.testing.assert_allclose(
        float(layer.losses[0]), np.sum(p * np.log(p * 5)) / len(out), rtol=1e-4
    )
    with pytest.raises(ValueError, match="strength"):
        CategoricalKLRegularizer(-1.0)
