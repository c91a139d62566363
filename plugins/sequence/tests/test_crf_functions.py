"""The CRF functions against brute force in numpy: every tag sequence of tiny cases."""

from __future__ import annotations

import itertools

import keras
import numpy as np
import pytest
import zoo_sequence as crf

rng = np.random.default_rng(0)


def numpy_of(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def score(unary, transitions, tags):
    n = len(tags)
    return sum(unary[t, tags[t]] for t in range(n)) + sum(
        transitions[tags[t], tags[t + 1]] for t in range(n - 1)
    )


def brute_force(unary, transitions, length):
    """log Z, the best sequence and its score, over every tag sequence of `length`."""
    num_tags = unary.shape[1]
    if length == 0:
        return 0.0, [], None
    sequences = list(itertools.product(range(num_tags), repeat=length))
    scores = np.array([score(unary, transitions, s) for s in sequences])
    best = int(np.argmax(scores))
    return np.logaddexp.reduce(scores), list(sequences[best]), scores[best]


@pytest.fixture
def case():
    batch, steps, num_tags = 4, 5, 3
    unary = rng.normal(size=(batch, steps, num_tags)).astype("float32")
    transitions = rng.normal(size=(num_tags, num_tags)).astype("float32")
    lengths = np.array([5, 3, 1, 0], dtype="int32")
    tags = rng.integers(0, num_tags, size=(batch, steps)).astype("int32")
    return unary, transitions, lengths, tags


def test_log_norm_and_likelihood_match_brute_force(case):
    unary, transitions, lengths, tags = case
    log_norm = numpy_of(crf.crf_log_norm(unary, lengths, transitions))
    scores = numpy_of(crf.crf_sequence_score(unary, tags, lengths, transitions))
    likelihood, used = crf.crf_log_likelihood(unary, tags, lengths, transitions)
    for b, length in enumerate(lengths):
        expected, _, _ = brute_force(unary[b], transitions, length)
        np.testing.assert_allclose(log_norm[b], expected, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(
            scores[b], score(unary[b], transitions, tags[b][:length]), rtol=1e-5, atol=1e-5
        )
    np.testing.assert_allclose(numpy_of(likelihood), scores - log_norm, rtol=1e-5, atol=1e-5)
    assert used is transitions


def test_decode_matches_brute_force_and_numpy_viterbi(case):
    unary, transitions, lengths, _ = case
    tags, best = crf.crf_decode(unary, transitions, lengths)
    tags, best = numpy_of(tags), numpy_of(best)
    assert tags.dtype == np.int32 and tags.shape == unary.shape[:2]
    for b, length in enumerate(lengths):
        if length == 0:
            # As TF Addons: the best first-step potential; the tags are padding (0).
            np.testing.assert_allclose(best[b], unary[b, 0].max(), rtol=1e-6)
            assert not tags[b].any()
            continue
        _, expected, expected_score = brute_force(unary[b], transitions, length)
        assert list(tags[b][:length]) == expected
        assert not tags[b][length:].any()
        np.testing.assert_allclose(best[b], expected_score, rtol=1e-5, atol=1e-5)
        viterbi, viterbi_score = crf.viterbi_decode(unary[b][:length], transitions)
        assert viterbi == expected
        np.testing.assert_allclose(viterbi_score, expected_score, rtol=1e-5, atol=1e-5)


def test_multitag_score_sums_over_the_allowed_sequences(case):
    unary, transitions, lengths, _ = case
    bitmap = rng.random(size=unary.shape) < 0.6
    bitmap[..., 0] = True  # at least one allowed tag per step
    got = numpy_of(crf.crf_multitag_sequence_score(unary, bitmap, lengths, transitions))
    tags, _ = crf.crf_constrained_decode(unary, bitmap, transitions, lengths)
    tags = numpy_of(tags)
    for b, length in enumerate(lengths):
        allowed = [np.flatnonzero(bitmap[b, t]) for t in range(length)]
        scores = [score(unary[b], transitions, s) for s in itertools.product(*allowed)]
        expected = np.logaddexp.reduce(scores) if length else 0.0
        np.testing.assert_allclose(got[b], expected, rtol=1e-5, atol=1e-5)
        assert all(bitmap[b, t, tags[b, t]] for t in range(length))


def test_forward_and_backtrack_pieces_agree_with_decode(case):
    unary, transitions, lengths, _ = case
    full = np.full_like(lengths, unary.shape[1])
    pointers, last = crf.crf_decode_forward(unary[:, 1:], unary[:, 0], transitions, full - 1)
    pointers = numpy_of(pointers)
    assert pointers.shape == (4, 4, 3) and pointers.dtype == np.int32
    best_last = numpy_of(keras.ops.argmax(last, axis=1)).astype("int32")[:, None]
    walked = numpy_of(crf.crf_decode_backtrack(pointers[:, ::-1], best_last))[..., 0]
    decoded = np.concatenate([walked[:, ::-1], best_last], axis=1)
    tags, _ = crf.crf_decode(unary, transitions, full)
    np.testing.assert_array_equal(decoded, numpy_of(tags))
    alphas = numpy_of(crf.crf_forward(unary[:, 1:], unary[:, 0], transitions, full))
    np.testing.assert_allclose(
        np.logaddexp.reduce(alphas, axis=1),
        numpy_of(crf.crf_log_norm(unary, full, transitions)),
        rtol=1e-5,
    )


def test_long_sequences_stay_finite_and_stable():
    # Potentials of 50 over 300 steps: log Z ~ 1e4, far beyond exp's range (~88).
    unary = (50 * rng.normal(size=(2, 300, 4))).astype("float32")
    transitions = (10 * rng.normal(size=(4, 4))).astype("float32")
    lengths = np.array([300, 150], dtype="int32")
    log_norm = numpy_of(crf.crf_log_norm(unary, lengths, transitions))
    _, best = crf.crf_decode(unary, transitions, lengths)
    assert np.isfinite(log_norm).all()
    # log Z is at least the best path's score and at most that plus length * log(tags).
    best = numpy_of(best)
    assert (log_norm >= best - 1e-2 * abs(best)).all()
    assert (log_norm <= best + lengths * np.log(4) + 1e-3 * abs(best)).all()


def test_float16_inputs_run_in_float32_and_come_back_in_float16(case):
    unary, transitions, lengths, tags = case
    low, _ = crf.crf_log_likelihood(unary.astype("float16"), tags, lengths, transitions)
    full, _ = crf.crf_log_likelihood(unary, tags, lengths, transitions)
    assert keras.backend.standardize_dtype(low.dtype) == "float16"
    np.testing.assert_allclose(numpy_of(low), numpy_of(full), rtol=2e-3, atol=2e-2)


def test_log_likelihood_gradient_is_expected_counts_minus_observed(case):
    """d(-log p(y))/d unary = marginals - one_hot(y), within each length."""
    unary, transitions, lengths, tags = case
    lengths = np.array([5, 3, 2, 4], dtype="int32")
    unary_var = keras.Variable(unary)

    def loss():
        ll, _ = crf.crf_log_likelihood(unary_var, tags, lengths, transitions)
        return -keras.ops.sum(ll)

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            value = loss()
        grad = numpy_of(tape.gradient(value, unary_var.value))
    elif backend == "jax":
        import jax

        def fn(u):
            ll, _ = crf.crf_log_likelihood(u, tags, lengths, transitions)
            return -keras.ops.sum(ll)

        grad = np.asarray(jax.grad(fn)(unary))
    else:
        import torch

        u = torch.tensor(unary, requires_grad=True)
        ll, _ = crf.crf_log_likelihood(u, tags, lengths, transitions)
        (-ll.sum()).backward()
        grad = u.grad.numpy()
    for b, length in enumerate(lengths):
        sequences = list(itertools.product(range(3), repeat=int(length)))
        scores = np.array([score(unary[b], transitions, s) for s in sequences])
        probs = np.exp(scores - np.logaddexp.reduce(scores))
        marginals = np.zeros((5, 3))
        for p, s in zip(probs, sequences, strict=True):
            marginals[np.arange(length), s] += p
        observed = np.zeros((5, 3))
        observed[np.arange(length), tags[b][:length]] = 1
        np.testing.assert_allclose(grad[b], marginals - observed, atol=1e-5)


def test_compiles_under_the_backends_jit(case):
    unary, transitions, lengths, tags = case
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        decode = tf.function(crf.crf_decode, jit_compile=True)
        likelihood = tf.function(crf.crf_log_likelihood, jit_compile=True)
    elif backend == "jax":
        import jax

        decode = jax.jit(crf.crf_decode)
        likelihood = jax.jit(crf.crf_log_likelihood)
    else:
        pytest.skip("torch.compile of a Python-loop scan is not attempted in the fast tests")
    eager_tags, eager_best = crf.crf_decode(unary, transitions, lengths)
    tags_c, best_c = decode(unary, transitions, lengths)
    np.testing.assert_array_equal(numpy_of(tags_c), numpy_of(eager_tags))
    np.testing.assert_allclose(numpy_of(best_c), numpy_of(eager_best), rtol=1e-6)
    ll, _ = likelihood(unary, tags, lengths, transitions)
    eager_ll, _ = crf.crf_log_likelihood(unary, tags, lengths, transitions)
    np.testing.assert_allclose(numpy_of(ll), numpy_of(eager_ll), rtol=1e-5, atol=1e-5)
