"""The cached attention layers against an independent numpy reference, and greedy decoding
with the cache against recomputing the whole prefix at every step."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_transformer import CachedGroupedQueryAttention, CachedMultiHeadAttention, RotaryEmbedding

from zoo.testing.helpers import as_numpy


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _rope(x: np.ndarray, positions: np.ndarray, wavelength: float = 10000.0) -> np.ndarray:
    """RoPE on (batch, length, heads, dim) in numpy, the rotate-half layout of Llama."""
    dim = x.shape[-1]
    theta = wavelength ** (-np.arange(0, dim, 2) / dim)
    angles = positions[:, None] * theta[None, :]
    cos = np.concatenate([np.cos(angles)] * 2, -1)[None, :, None, :]
    sin = np.concatenate([np.sin(angles)] * 2, -1)[None, :, None, :]
    x1, x2 = np.split(x, 2, axis=-1)
    return x * cos + np.concatenate([-x2, x1], -1) * sin


def _reference_gqa(layer, x, window=None, causal=True):
    """Grouped-query attention written from the paper with the layer's weights, float64."""
    wq, wk, wv, wo = (as_numpy(w).astype("float64") for w in layer.weights)
    x = x.astype("float64")
    q = np.einsum("btm,mnh->btnh", x, wq)
    k = np.einsum("bsm,mkh->bskh", x, wk)
    v = np.einsum("bsm,mkh->bskh", x, wv)
    length = x.shape[1]
    positions = np.arange(length, dtype="float64")
    if layer.rotary_embedding is not None:
        q, k = _rope(q, positions), _rope(k, positions)
    group = q.shape[2] // k.shape[2]
    k, v = np.repeat(k, group, axis=2), np.repeat(v, group, axis=2)
    scores = np.einsum("btnh,bsnh->bnts", q, k) / np.sqrt(q.shape[-1])
    i, j = np.arange(length)[:, None], np.arange(length)[None, :]
    visible = np.ones((length, length), bool)
    if causal:
        visible &= j <= i
    if window is not None:
        visible &= i - j < window
    scores = np.where(visible, scores, -np.inf)
    out = np.einsum("bnts,bsnh->btnh", _softmax(scores), v)
    return np.einsum("btnh,nhm->btm", out, wo)


@pytest.mark.parametrize(
    ("kv_heads", "window", "rotary"), [(2, None, True), (1, 3, True), (4, 2, False)]
)
def test_grouped_query_attention_equals_the_reference(kv_heads, window, rotary):
    layer = CachedGroupedQueryAttention(
        head_dim=4,
        num_query_heads=4,
        num_key_value_heads=kv_heads,
        use_bias=False,
        rotary_embedding=RotaryEmbedding() if rotary else None,
        sliding_window=window,
    )
    x = np.random.default_rng(0).normal(size=(2, 7, 12)).astype("float32")
    causal = np.tril(np.ones((7, 7), bool))
    ours = as_numpy(layer(x, attention_mask=causal))
    np.testing.assert_allclose(ours, _reference_gqa(layer, x, window), rtol=1e-4, atol=1e-5)


def test_grouped_query_attention_cache_equals_the_full_call():
    """Prefill 5 tokens, then 3 one at a time: the outputs are the full call's, and the
    cache holds the full call's rotated keys."""
    layer = CachedGroupedQueryAttention(
        head_dim=4,
        num_query_heads=4,
        num_key_value_heads=2,
        rotary_embedding=RotaryEmbedding(),
        sliding_window=4,
    )
    x = np.random.default_rng(1).normal(size=(2, 8, 12)).astype("float32")
    causal = np.tril(np.ones((8, 8), bool))
    full = as_numpy(layer(x, attention_mask=causal))
    cache = np.zeros((2, 2, 8, 2, 4), "float32")
    out, cache = layer(x[:, :5], cache=cache, cache_update_index=0, attention_mask=causal[:5])
    pieces = [as_numpy(out)]
    for i in range(5, 8):
        out, cache = layer(
            x[:, i : i + 1], cache=cache, cache_update_index=i, attention_mask=causal[i : i + 1]
        )
        pieces.append(as_numpy(out))
    np.testing.assert_allclose(np.concatenate(pieces, axis=1), full, rtol=1e-5, atol=1e-5)
    # The cache holds the full call's keys (rotated at their positions) and values.
    _, full_cache = layer(
        x, cache=np.zeros((2, 2, 8, 2, 4), "float32"), cache_update_index=0, attention_mask=causal
    )
    np.testing.assert_allclose(as_numpy(cache), as_numpy(full_cache), rtol=1e-5, atol=1e-5)


def test_a_cache_without_an_index_is_read_as_it_is():
    """keras-hub's static cache (cross-attention): the input's keys and values are ignored."""
    layer = CachedMultiHeadAttention(num_heads=2, key_dim=3)
    rng = np.random.default_rng(2)
    query, memory = rng.normal(size=(2, 3, 6)), rng.normal(size=(2, 5, 6))
    query, memory = query.astype("float32"), memory.astype("float32")
    expected = as_numpy(layer(query, memory))
    _, cache = layer(
        memory, memory, cache=np.zeros((2, 2, 5, 2, 3), "float32"), cache_update_index=0
    )
    output, same = layer(query, np.zeros_like(query), cache=cache)
    np.testing.assert_allclose(as_numpy(output), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(as_numpy(same), as_numpy(cache))


def test_cache_update_index_without_a_cache_is_refused():
    layer = CachedGroupedQueryAttention(head_dim=2, num_query_heads=2, num_key_value_heads=1)
    with pytest.raises(ValueError, match="cache_update_index"):
        layer(np.zeros((1, 3, 4), "float32"), cache_update_index=0)


class TinyLM(keras.Model):
    """Embedding, one attention block with a residual, a vocabulary head."""

    def __init__(self, attention: keras.layers.Layer, vocabulary: int = 11, width: int = 16):
        super().__init__()
        self.embed = keras.layers.Embedding(vocabulary, width)
        self.attention = attention
        self.head = keras.layers.Dense(vocabulary)

    def call(self, tokens, attention_mask=None, cache=None, cache_update_index=None):
        x = self.embed(tokens)
        if cache is None:
            y = self.attention(x, x, attention_mask=attention_mask)
            return self.head(x + y)
        y, cache = self.attention(
            x, x, attention_mask=attention_mask, cache=cache, cache_update_index=cache_update_index
        )
        return self.head(x + y), cache


def _greedy(model, prompt, steps, cache_shape):
    """Greedy decoding two ways: with the cache (one token per step after the prompt),
    and recomputing the whole prefix each step. Returns both token lists and logits."""
    total = prompt.shape[1] + steps
    causal = np.tril(np.ones((total, total), bool))
    # With the cache.
    cache = np.zeros(cache_shape(total), "float32")
    logits, cache = model(
        prompt, attention_mask=causal[: prompt.shape[1], :], cache=cache, cache_update_index=0
    )
    tokens, cached_logits = [int(np.argmax(as_numpy(logits)[0, -1]))], [as_numpy(logits)[0, -1]]
    for i in range(prompt.shape[1], total - 1):
        step = np.array([[tokens[-1]]], "int32")
        logits, cache = model(
            step, attention_mask=causal[i : i + 1], cache=cache, cache_update_index=i
        )
        cached_logits.append(as_numpy(logits)[0, -1])
        tokens.append(int(np.argmax(cached_logits[-1])))
    # Recomputing the prefix.
    sequence, recomputed, recomputed_logits = prompt, [], []
    for _ in range(steps):
        length = sequence.shape[1]
        logits = as_numpy(model(sequence, attention_mask=causal[:length, :length]))[0, -1]
        recomputed_logits.append(logits)
        recomputed.append(int(np.argmax(logits)))
        sequence = np.concatenate([sequence, [[recomputed[-1]]]], axis=1).astype("int32")
    return tokens, recomputed, np.array(cached_logits), np.array(recomputed_logits)


@pytest.mark.slow  # 33 + 32 model calls of new shapes: minutes on JAX, which traces each
@pytest.mark.parametrize("kind", ["multi_head", "grouped_query"])
def test_greedy_decoding_with_the_cache_equals_recomputing_the_prefix(kind):
    """32 tokens: the same tokens, logits within 1e-4 (issue 27's acceptance test)."""
    keras.utils.set_random_seed(3)
    if kind == "multi_head":
        attention = CachedMultiHeadAttention(num_heads=4, key_dim=4)

        def cache_shape(total):
            return (1, 2, total, 4, 4)
    else:
        attention = CachedGroupedQueryAttention(
            head_dim=4,
            num_query_heads=4,
            num_key_value_heads=2,
            rotary_embedding=RotaryEmbedding(),
            sliding_window=12,
        )

        def cache_shape(total):
            return (1, 2, total, 2, 4)

    model = TinyLM(attention)
    prompt = np.array([[1, 5, 2, 7]], "int32")
    model(prompt)
    # The same weights on every backend (their random streams differ), larger than the
    # initializers give, so that the argmax is not a near tie.
    rng = np.random.default_rng(7)
    for w in model.weights:
        w.assign(rng.normal(size=w.shape).astype("float32"))
    cached, recomputed, cached_logits, recomputed_logits = _greedy(model, prompt, 32, cache_shape)
    assert cached == recomputed
    assert len(set(cached)) > 1, "a degenerate decoding tests little"
    np.testing.assert_allclose(cached_logits, recomputed_logits, rtol=1e-4, atol=1e-4)


def test_symbolic_calls_give_the_eager_shapes():
    """In a functional model: scores for self- and cross-attention, and the cache."""
    layer = CachedMultiHeadAttention(num_heads=2, key_dim=4)
    query, memory = keras.Input((5, 8)), keras.Input((7, 8))
    _, self_scores = layer(query, return_attention_scores=True)
    _, cross_scores = layer(query, memory, return_attention_scores=True)
    assert tuple(self_scores.shape) == (None, 2, 5, 5)
    assert tuple(cross_scores.shape) == (None, 2, 5, 7)
    grouped = CachedGroupedQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)
    cache = keras.Input((2, 9, 2, 4), batch_size=None)
    output, new_cache = grouped(query, cache=cache, cache_update_index=0)
    assert tuple(output.shape) == (None, 5, 8) and tuple(new_cache.shape) == (None, 2, 9, 2, 4)
