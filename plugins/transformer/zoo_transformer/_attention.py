"""What the two cached attention layers share: the cache protocol, masks and the attention."""

from __future__ import annotations

import math
from typing import Any

import keras
from keras import ops


def check_cache_arguments(cache: Any, cache_update_index: Any) -> None:
    if cache is None and cache_update_index is not None:
        raise ValueError(
            "`cache_update_index` should not be set if `cache` is `None`. "
            f"Received: cache=None, cache_update_index={cache_update_index}."
        )


def update_cache(
    cache: Any, cache_update_index: Any, key_update: Any, value_update: Any
) -> tuple[Any, Any, Any]:
    """keras-hub's protocol: `cache` is `(batch, 2, length, heads, head_dim)`, keys then
    values. With an index, the new projections are written there; without, the cache is
    read as it is. Returns `(keys, values, cache)`."""
    key_cache, value_cache = cache[:, 0, ...], cache[:, 1, ...]
    if cache_update_index is None:
        return key_cache, value_cache, cache
    start = [0, cache_update_index, 0, 0]
    keys = ops.slice_update(key_cache, start, ops.cast(key_update, key_cache.dtype))
    values = ops.slice_update(value_cache, start, ops.cast(value_update, value_cache.dtype))
    return keys, values, ops.stack((keys, values), axis=1)


def attention_mask_4d(attention_mask: Any) -> Any:
    """A boolean mask broadcastable to `(batch, heads, query, key)`: from `(query, key)` or
    `(batch, query, key)`, as Keras' MultiHeadAttention broadcasts it."""
    mask = ops.cast(attention_mask, "bool")
    while len(mask.shape) < 4:
        mask = ops.expand_dims(mask, axis=-3)
    return mask


def sliding_window_mask(query_length: Any, key_length: Any, start: Any, window: int) -> Any:
    """`(1, 1, query, key)`: the query at position `i` (`start + t`) sees the keys at `j`
    with `i - j < window`; later keys are for the attention mask (causal) to hide."""
    # int32 throughout: arange's default follows floatx (int64 under float64 on TensorFlow).
    query_positions = ops.arange(query_length, dtype="int32") + ops.cast(start, "int32")
    key_positions = ops.arange(key_length, dtype="int32")
    distance = ops.expand_dims(query_positions, 1) - ops.expand_dims(key_positions, 0)
    return ops.expand_dims(ops.expand_dims(distance < window, 0), 0)


def combine_masks(first: Any, second: Any) -> Any:
    if first is None:
        return second
    if second is None:
        return first
    return ops.logical_and(first, second)


def attend(
    query: Any,
    key: Any,
    value: Any,
    mask: Any,
    dropout: keras.layers.Dropout,
    training: Any,
    return_attention_scores: bool,
) -> tuple[Any, Any]:
    """Scaled dot-product attention of `(batch, length, heads, head_dim)` tensors (keys and
    values may have fewer heads, a divisor of the query's: grouped-query attention).

    Through `keras.ops.dot_product_attention` (the backend's fused or flash kernel where
    there is one) unless the scores are asked for or dropout applies to them; then
    explicitly, as Keras' MultiHeadAttention computes it. Returns `(output, scores)`.
    """
    groups = query.shape[2] // key.shape[2]
    if groups > 1:
        # Each key/value head serves `groups` query heads. Repeated here, as keras-hub's
        # Llama does, rather than left to dot_product_attention: Keras 3.15's TensorFlow
        # implementation fails on one key/value head (an einsum shape error).
        key = ops.repeat(key, groups, axis=2)
        value = ops.repeat(value, groups, axis=2)
    explicit = return_attention_scores or (bool(training) and dropout.rate > 0)
    if not explicit and query.shape[-1] == value.shape[-1]:
        return ops.dot_product_attention(query, key, value, mask=mask), None
    query = ops.multiply(query, ops.cast(1.0 / math.sqrt(query.shape[-1]), query.dtype))
    scores = ops.einsum("btnh,bsnh->bnts", query, key)
    if mask is not None:
        # Keras' Softmax with a mask adds a large negative number where it is False.
        scores = ops.where(mask, scores, ops.cast(_large_negative(scores.dtype), scores.dtype))
    scores = ops.softmax(ops.cast(scores, "float32"), axis=-1)
    scores = ops.cast(scores, query.dtype)
    dropped = dropout(scores, training=training)
    return ops.einsum("bnts,bsnh->btnh", dropped, value), scores


def _large_negative(dtype: Any) -> float:
    # float16 cannot hold -1e9: Keras uses its smallest finite value there.
    return -3e4 if keras.backend.standardize_dtype(dtype) == "float16" else -1e9
