"""The core layers that came from TensorFlow Addons, against independent references:
numpy formulas, an exact simplex projection by bisection, finite differences."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_core import EmbeddingBag, NoisyDense, PolynomialCrossing, Snake, Sparsemax

from zoo.testing.helpers import dtype_policy
from zoo.testing.seams import gradients

rng = np.random.default_rng(0)


def numpy_of(x) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(x))


def weighted_sum_gradients(layer, x, projection):
    """Gradients of sum(layer(x) * projection) w.r.t. x and the trainable weights."""
    _, (dx,), dweights = gradients(
        lambda t: keras.ops.sum(keras.ops.multiply(layer(t), projection)), [x], layer
    )
    return dx, dweights


# -- Sparsemax -------------------------------------------------------------------


def simplex_projection(z: np.ndarray) -> np.ndarray:
    """The Euclidean projection of each row of z onto the simplex, by bisection on the
    threshold tau of sum(max(z - tau, 0)) = 1 (no sorting, unlike the layer)."""
    z = np.asarray(z, dtype=np.float64)
    low = z.max(axis=-1, keepdims=True) - 1.0  # the sum is >= 1 here
    high = z.max(axis=-1, keepdims=True)  # and 0 here
    for _ in range(200):
        tau = (low + high) / 2
        too_big = np.maximum(z - tau, 0).sum(axis=-1, keepdims=True) > 1
        low, high = np.where(too_big, tau, low), np.where(too_big, high, tau)
    return np.maximum(z - (low + high) / 2, 0)


def test_sparsemax_of_the_issue_example():
    x = np.array([[0.1, 0.2, 0.3]], dtype="float32")
    np.testing.assert_allclose(numpy_of(Sparsemax()(x)), [[0.23333, 0.33333, 0.43333]], atol=1e-5)


@pytest.mark.parametrize("scale", [0.1, 1.0, 3.0, 30.0])
def test_sparsemax_is_the_exact_simplex_projection(scale):
    z = (scale * rng.normal(size=(64, 12))).astype("float32")
    out = numpy_of(Sparsemax()(z))
    np.testing.assert_allclose(out, simplex_projection(z), atol=2e-6 * max(1.0, scale))
    np.testing.assert_allclose(out.sum(axis=-1), 1.0, atol=1e-5)
    assert (out >= 0).all()
    if scale >= 3.0:
        assert (out == 0).any(), "large logits must give exact zeros"


def test_sparsemax_along_another_axis():
    z = rng.normal(size=(3, 5, 4)).astype("float32")
    out = numpy_of(Sparsemax(axis=1)(z))
    expected = np.moveaxis(simplex_projection(np.moveaxis(z, 1, -1)), -1, 1)
    np.testing.assert_allclose(out, expected, atol=1e-6)


def test_sparsemax_is_exact_for_large_logits():
    # Without the shift by the maximum, the cumulative sums of 1e6-sized logits would
    # swallow the differences of 0.1 in float32.
    z = np.array([[1e6, 1e6 + 0.1, 1e6 + 0.2]], dtype="float32")
    np.testing.assert_allclose(
        numpy_of(Sparsemax()(z)), simplex_projection(z.astype(np.float64)), atol=2e-2
    )
    np.testing.assert_allclose(numpy_of(Sparsemax()(z)).sum(), 1.0, atol=1e-6)


@pytest.mark.parametrize("jit_compile", [False, True])
def test_sparsemax_of_undefined_rows_is_nan_and_leaves_the_others(jit_compile):
    # A row with +inf, only -inf, or a NaN has no projection: NaN there (TF Addons'
    # sparsemax, and softmax), not zeros; -inf beside finite logits is just a zero.
    inf, nan = np.inf, np.nan
    z = np.array(
        [
            [0, inf, 0],
            [-inf, -inf, -inf],
            [0, nan, 1],
            [-inf, inf, 0],
            [0, -inf, 0],
            [0.1, 0.2, 0.3],
        ],
        dtype="float32",
    )
    model = keras.Sequential([keras.Input((3,)), Sparsemax()])
    model.compile(jit_compile=jit_compile)
    out = model.predict(z, verbose=0)
    assert np.isnan(out[:4]).all()
    np.testing.assert_allclose(out[4], [0.5, 0.0, 0.5], atol=1e-6)
    np.testing.assert_allclose(out[5], simplex_projection(z[5:])[0], atol=1e-6)


def test_sparsemax_gradient_matches_finite_differences_and_the_jacobian():
    z = np.array([[0.1, 0.2, 0.3, -1.0, 0.25], [2.0, -0.5, 1.9, 0.0, 1.2]], dtype="float32")
    projection = rng.normal(size=z.shape).astype("float32")
    dz, _ = weighted_sum_gradients(Sparsemax(), z, projection)
    # Central differences of the independent projection, in float64.
    step, numeric = 1e-6, np.zeros(z.shape)
    for index in np.ndindex(z.shape):
        shifted = [z.astype(np.float64) for _ in range(2)]
        shifted[0][index] += step
        shifted[1][index] -= step
        values = [(simplex_projection(s) * projection).sum() for s in shifted]
        numeric[index] = (values[0] - values[1]) / (2 * step)
    np.testing.assert_allclose(dz, numeric, atol=1e-4)
    # The Jacobian on the support S: delta_ij - 1/|S| (Martins & Astudillo 2016, eq. 13).
    out = simplex_projection(z)
    for row in range(len(z)):
        support = out[row] > 0
        jacobian = np.diag(support.astype(float)) - np.outer(support, support) / support.sum()
        np.testing.assert_allclose(dz[row], jacobian @ projection[row], atol=1e-5)


def test_sparsemax_under_mixed_precision_computes_in_float16_and_agrees():
    z = rng.normal(size=(8, 10)).astype("float32")
    with dtype_policy("mixed_float16"):
        out = numpy_of(Sparsemax()(z))
    assert out.dtype == np.float16
    np.testing.assert_allclose(out.astype("float32"), simplex_projection(z), atol=2e-3)


def test_sparsemax_rejects_the_batch_axis():
    with pytest.raises(ValueError, match="axis"):
        Sparsemax(axis=0)(np.zeros((2, 3), "float32"))


# -- Snake -----------------------------------------------------------------------


@pytest.mark.parametrize("frequency", [0.5, 1.0, 3.0])
def test_snake_is_its_formula_with_its_gradients(frequency):
    x = rng.normal(size=(6, 7)).astype("float32")
    layer = Snake(frequency_initializer=keras.initializers.Constant(frequency))
    expected = x + np.sin(frequency * x) ** 2 / frequency
    np.testing.assert_allclose(numpy_of(layer(x)), expected, rtol=1e-5, atol=1e-6)
    projection = rng.normal(size=x.shape).astype("float32")
    dx, (dfrequency,) = weighted_sum_gradients(layer, x, projection)
    np.testing.assert_allclose(dx, projection * (1 + np.sin(2 * frequency * x)), atol=1e-5)
    # d/df sin(fx)^2 / f = x sin(2fx) / f - sin(fx)^2 / f^2
    d_df = x * np.sin(2 * frequency * x) / frequency - np.sin(frequency * x) ** 2 / frequency**2
    np.testing.assert_allclose(dfrequency, (projection * d_df).sum(), rtol=1e-4)


def test_snake_regularizer_and_constraint_apply_to_the_frequency():
    layer = Snake(
        frequency_initializer=keras.initializers.Constant(3.0),
        frequency_regularizer=keras.regularizers.L2(0.5),
        frequency_constraint=keras.constraints.MaxNorm(2.0),
    )
    layer(np.ones((2, 3), "float32"))
    np.testing.assert_allclose(numpy_of(layer.losses[0]), 0.5 * 9.0, rtol=1e-6)
    assert layer.frequency.constraint is layer.frequency_constraint
    restored = Snake.from_config(layer.get_config())
    assert isinstance(restored.frequency_regularizer, keras.regularizers.L2)
    assert isinstance(restored.frequency_constraint, keras.constraints.MaxNorm)


# -- NoisyDense ------------------------------------------------------------------


def noisy_reference(layer: NoisyDense, x: np.ndarray) -> np.ndarray:
    w = {v.name: numpy_of(v) for v in layer.weights}
    kernel = w["mu_kernel"] + w["sigma_kernel"] * w["eps_kernel"]
    bias = w["mu_bias"] + w["sigma_bias"] * w["eps_bias"]
    return x @ kernel + bias


@pytest.mark.parametrize("use_factorised", [True, False])
def test_noisy_dense_is_a_dense_layer_on_noisy_weights(use_factorised):
    x = rng.normal(size=(5, 6)).astype("float32")
    layer = NoisyDense(4, use_factorised=use_factorised, seed=3)
    np.testing.assert_allclose(numpy_of(layer(x)), noisy_reference(layer, x), atol=1e-5)
    # The noise is held between calls, in training or not, until reset_noise().
    np.testing.assert_array_equal(numpy_of(layer(x, training=True)), numpy_of(layer(x)))
    before = numpy_of(layer(x))
    layer.reset_noise()
    after = numpy_of(layer(x))
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, noisy_reference(layer, x), atol=1e-5)
    layer.remove_noise()
    mean = x @ numpy_of(layer.mu_kernel) + numpy_of(layer.mu_bias)
    np.testing.assert_allclose(numpy_of(layer(x)), mean, atol=1e-5)


def test_noisy_dense_initialisation_follows_the_paper():
    d = 16
    layer = NoisyDense(200, sigma=0.3, seed=0)
    layer.build((None, d))
    bound = 1 / np.sqrt(d)
    assert np.abs(numpy_of(layer.mu_kernel)).max() <= bound
    assert np.abs(numpy_of(layer.mu_kernel)).max() > 0.9 * bound  # uniform, not narrower
    np.testing.assert_allclose(numpy_of(layer.sigma_kernel), 0.3 / np.sqrt(d), rtol=1e-6)
    np.testing.assert_allclose(numpy_of(layer.sigma_bias), 0.3 / np.sqrt(d), rtol=1e-6)
    independent = NoisyDense(200, sigma=0.3, use_factorised=False, seed=0)
    independent.build((None, d))
    assert np.abs(numpy_of(independent.mu_kernel)).max() <= np.sqrt(3 / d)
    np.testing.assert_allclose(numpy_of(independent.sigma_kernel), 0.017, rtol=1e-6)


def test_factorised_noise_is_an_outer_product_of_signed_square_roots():
    layer = NoisyDense(4000, seed=1)
    layer.build((None, 3))
    eps_kernel, eps_bias = numpy_of(layer.eps_kernel), numpy_of(layer.eps_bias)
    # eps_kernel[i, j] = f(a_i) f(b_j) and eps_bias = f(b): each row is a multiple of eps_bias.
    rows = eps_kernel / eps_bias
    np.testing.assert_allclose(rows, rows[:, :1] * np.ones_like(rows), rtol=1e-3)
    # f(e) = sign(e) sqrt(|e|) of a standard normal e: E f^2 = E|e| = sqrt(2/pi), E f = 0.
    np.testing.assert_allclose(np.mean(eps_bias**2), np.sqrt(2 / np.pi), atol=0.05)
    assert abs(np.mean(eps_bias)) < 0.05


def test_independent_noise_is_standard_normal_per_entry():
    layer = NoisyDense(500, use_factorised=False, seed=2)
    layer.build((None, 20))
    eps = numpy_of(layer.eps_kernel)
    assert abs(eps.mean()) < 0.02 and abs(eps.std() - 1) < 0.02
    assert np.linalg.matrix_rank(eps[:20, :20]) == 20  # not an outer product


def test_noisy_dense_gradients_reach_the_noise_scales():
    x = rng.normal(size=(5, 6)).astype("float32")
    layer = NoisyDense(3, seed=4)
    layer(x)
    projection = rng.normal(size=(5, 3)).astype("float32")
    _, found = weighted_sum_gradients(layer, x, projection)
    grads = {w.name: g for w, g in zip(layer.trainable_weights, found, strict=True)}
    np.testing.assert_allclose(grads["mu_kernel"], x.T @ projection, atol=1e-5)
    np.testing.assert_allclose(
        grads["sigma_kernel"], (x.T @ projection) * numpy_of(layer.eps_kernel), atol=1e-5
    )
    np.testing.assert_allclose(
        grads["sigma_bias"], projection.sum(axis=0) * numpy_of(layer.eps_bias), atol=1e-5
    )


def test_noisy_dense_is_reproducible_with_a_seed_and_regularizes_both_kernels():
    x = np.ones((2, 4), "float32")
    a, b = NoisyDense(3, seed=7), NoisyDense(3, seed=7)
    np.testing.assert_array_equal(numpy_of(a(x)), numpy_of(b(x)))
    layer = NoisyDense(3, kernel_regularizer="l1", bias_regularizer="l2", activity_regularizer="l2")
    layer(x)
    assert len(layer.losses) == 5  # mu and sigma of kernel and bias, and the output


def test_noisy_dense_casts_integer_input_as_tf_addons_did():
    layer = NoisyDense(2, seed=0)
    ints = np.array([[1, 2, 3]], dtype="int32")
    np.testing.assert_allclose(
        numpy_of(layer(ints)), numpy_of(layer(ints.astype("float32"))), atol=1e-6
    )


# -- PolynomialCrossing ----------------------------------------------------------


@pytest.mark.parametrize("projection_dim", [None, 1, 3])
@pytest.mark.parametrize("use_bias", [True, False])
def test_polynomial_crossing_is_the_dcn_formula(projection_dim, use_bias):
    x0, x = (rng.normal(size=(5, 6)).astype("float32") for _ in range(2))
    layer = PolynomialCrossing(
        projection_dim=projection_dim,
        diag_scale=0.7,
        use_bias=use_bias,
        bias_initializer="random_normal",
    )
    out = numpy_of(layer([x0, x]))
    w = {v.name: numpy_of(v) for v in layer.weights}
    kernel = w["kernel"] if projection_dim is None else w["kernel_u"] @ w["kernel_v"]
    expected = x0 * (x @ kernel + 0.7 * x) + x + (w["bias"] if use_bias else 0)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_polynomial_crossing_takes_a_single_tensor_as_the_first_of_a_stack():
    x0 = rng.normal(size=(4, 6)).astype("float32")
    layer = PolynomialCrossing(kernel_initializer="glorot_uniform")
    np.testing.assert_allclose(numpy_of(layer(x0)), numpy_of(layer((x0, x0))), atol=1e-6)
    inputs = keras.Input((6,))
    first = PolynomialCrossing()(inputs)
    second = PolynomialCrossing(projection_dim=2)([inputs, first])
    model = keras.Model(inputs, second)
    assert model(x0).shape == (4, 6)


def test_polynomial_crossing_errors_name_what_was_wrong():
    x = np.zeros((3, 5), "float32")
    with pytest.raises(ValueError, match="tuple or list of size 2"):
        PolynomialCrossing()([x, x, x])
    with pytest.raises(ValueError, match="smaller than last_dim / 2"):
        PolynomialCrossing(projection_dim=3)([x, x])
    with pytest.raises(ValueError, match="same shape"):
        PolynomialCrossing()([x, np.zeros((3, 4), "float32")])
    with pytest.raises(ValueError, match="projection_dim"):
        PolynomialCrossing(projection_dim=-1)


# -- EmbeddingBag ----------------------------------------------------------------


def bag_reference(table, indices, weights=None, combiner="sum", mask_zero=False):
    rows = table[indices]
    scale = np.ones(indices.shape) if weights is None else weights
    if mask_zero:
        scale = scale * (indices != 0)
    total = (rows * scale[..., None]).sum(axis=-2)
    if combiner == "sum":
        return total
    count = (indices != 0).sum(-1, keepdims=True) if mask_zero else indices.shape[-1]
    return total / np.maximum(count, 1)


@pytest.mark.parametrize("combiner", ["sum", "mean"])
@pytest.mark.parametrize("mask_zero", [False, True])
def test_embedding_bag_sums_or_averages_the_rows(combiner, mask_zero):
    indices = rng.integers(0, 7, size=(4, 3, 5)).astype("int32")
    indices[0, 0] = 0  # an empty bag when index 0 is padding
    layer = EmbeddingBag(7, 4, combiner=combiner, mask_zero=mask_zero)
    out = numpy_of(layer(indices))
    table = numpy_of(layer.embeddings)
    expected = bag_reference(table, indices, combiner=combiner, mask_zero=mask_zero)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    if mask_zero:
        np.testing.assert_array_equal(out[0, 0], 0.0)
        np.testing.assert_array_equal(numpy_of(layer.compute_mask(indices)), indices.any(-1))


def test_embedding_bag_weights_and_their_gradients():
    indices = rng.integers(0, 6, size=(8, 4)).astype("int32")
    weights = rng.uniform(size=indices.shape).astype("float32")
    layer = EmbeddingBag(6, 3)
    out = numpy_of(layer(indices, weights))
    table = numpy_of(layer.embeddings)
    np.testing.assert_allclose(out, bag_reference(table, indices, weights), rtol=1e-5)
    projection = rng.normal(size=out.shape).astype("float32")
    _, dweights, (dtable,) = gradients(
        lambda i, w: keras.ops.sum(keras.ops.multiply(layer(i, w), projection)),
        [indices, weights],
        layer,
    )
    # Each row's gradient is the sum of the upstream of every bag it is in, weighted.
    expected = np.zeros_like(table)
    np.add.at(expected, indices, weights[..., None] * projection[:, None, :])
    np.testing.assert_allclose(dtable, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        dweights[1], np.einsum("bkd,bd->bk", table[indices], projection), rtol=1e-5
    )


def test_embedding_bag_errors_name_what_was_wrong():
    layer = EmbeddingBag(5, 2, combiner="mean")
    with pytest.raises(ValueError, match="integer indices"):
        layer(np.zeros((2, 3), "float32"))
    indices = np.zeros((2, 3), "int32")
    with pytest.raises(ValueError, match="combiner"):
        layer(indices, np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"\(2, 4\)"):
        EmbeddingBag(5, 2)(indices, np.ones((2, 4), "float32"))
    with pytest.raises(ValueError, match="combiner"):
        EmbeddingBag(5, 2, combiner="max")


def test_embedding_bag_under_mixed_precision_keeps_a_float32_table():
    indices = rng.integers(0, 9, size=(3, 4)).astype("int32")
    with dtype_policy("mixed_float16"):
        layer = EmbeddingBag(9, 5)
        out = numpy_of(layer(indices))
    assert layer.embeddings.dtype == "float32" and out.dtype == np.float16
    np.testing.assert_allclose(out, bag_reference(numpy_of(layer.embeddings), indices), atol=2e-3)
