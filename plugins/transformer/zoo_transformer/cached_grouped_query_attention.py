"""`CachedGroupedQueryAttention`: grouped-query attention with a key/value cache."""

from __future__ import annotations

from typing import Any

import keras

from zoo.validation import check_positive_int, require
from zoo_transformer._attention import attend, combine_masks, sliding_window_mask
from zoo_transformer._cached_attention import CachedAttention


@keras.saving.register_keras_serializable(package="zoo_transformer")
class CachedGroupedQueryAttention(CachedAttention):
    """Grouped-query self-attention with rotary positions, a sliding window and a cache.

    `num_query_heads` query heads share `num_key_value_heads` key/value heads
    (a divisor: `1` is multi-query attention, `num_query_heads` multi-head).
    The projections are `keras.layers.GroupedQueryAttention`'s (sublayers
    `query`, `key`, `value`, `attention_output`; kernels `(features, heads,
    head_dim)` and `(heads, head_dim, features)`), which is also the layout of
    keras-hub's Llama attention. An optional `rotary_embedding` (a
    `RotaryEmbedding`) rotates the queries and the new keys at their positions
    (`cache_update_index` on) before the keys enter the cache; an optional
    `sliding_window` hides keys `sliding_window` or more positions before the
    query (Mistral). Attention goes through `keras.ops.dot_product_attention`,
    the backend's fused or flash kernel where it has one.

    The cache is keras-hub's protocol: `(batch, 2, length, num_key_value_heads,
    head_dim)`, keys then values; the call returns `(output, cache)` when a
    cache is given (updated at `cache_update_index` if that is given, read as
    it is otherwise), `output` alone without one.

    Args:
        head_dim: Positive integer, the size of each head.
        num_query_heads: Positive integer, the number of query heads.
        num_key_value_heads: Positive integer dividing `num_query_heads`.
        dropout: Fraction of the attention probabilities dropped in training.
        use_bias: Whether the projections add a bias (Keras' default `True`;
            Llama has none).
        rotary_embedding: Optional `RotaryEmbedding` applied to queries and
            keys (its `sequence_axis=1`, `feature_axis=-1`).
        sliding_window: Optional positive integer: a query sees only the keys
            fewer than this many positions before it (and itself).
        kernel_initializer: Initializer of the projections' kernels.
        bias_initializer: Initializer of their biases.
        seed: Optional integer seed of the dropout.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        query: `(batch, target, features)`.
        value: `(batch, source, features)`; `None` for self-attention (the
            query).
        key: Optional, `value` by default.
        attention_mask: Boolean `(batch, target, source_total)` or `(target,
            source_total)`.
        cache: Optional `(batch, 2, source_total, num_key_value_heads,
            head_dim)`.
        cache_update_index: Integer (tensor), the position of the first new
            token: where its key and value go, and its rotary position.
        training: Whether dropout applies.

    Input shape:
        `query` `(batch, target, features)`.

    Output shape:
        `(batch, target, features)`, then the cache when one is given.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from zoo_transformer import CachedGroupedQueryAttention, RotaryEmbedding
    >>> layer = CachedGroupedQueryAttention(
    ...     head_dim=4, num_query_heads=4, num_key_value_heads=2,
    ...     rotary_embedding=RotaryEmbedding(), use_bias=False)
    >>> x = np.random.default_rng(0).normal(size=(1, 5, 16)).astype("float32")
    >>> causal = np.tril(np.ones((5, 5), dtype=bool))
    >>> full = keras.ops.convert_to_numpy(layer(x, attention_mask=causal))
    >>> cache = np.zeros((1, 2, 5, 2, 4), dtype="float32")  # 2 key/value heads
    >>> prefix, cache = layer(x[:, :4], cache=cache, cache_update_index=0,
    ...                       attention_mask=causal[:4])
    >>> last, cache = layer(x[:, 4:], cache=cache, cache_update_index=4,
    ...                     attention_mask=causal[4:])
    >>> print(np.allclose(keras.ops.convert_to_numpy(last), full[:, 4:], atol=1e-5))
    True
    >>> print([tuple(w.shape) for w in layer.weights])
    [(16, 4, 4), (16, 2, 4), (16, 2, 4), (4, 4, 16)]

    References:
        Ainslie et al., 2023, GQA: Training Generalized Multi-Query Transformer
        Models from Multi-Head Checkpoints (https://arxiv.org/abs/2305.13245);
        Jiang et al., 2023, Mistral 7B (https://arxiv.org/abs/2310.06825) for
        the sliding window.
    """

    def __init__(
        self,
        head_dim: int,
        num_query_heads: int,
        num_key_value_heads: int,
        dropout: float = 0.0,
        use_bias: bool = True,
        rotary_embedding: Any = None,
        sliding_window: int | None = None,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        seed: int | None = None,
        **kwargs: Any,
    ):
        head_dim = check_positive_int("head_dim", head_dim)
        num_query_heads = check_positive_int("num_query_heads", num_query_heads)
        num_key_value_heads = check_positive_int("num_key_value_heads", num_key_value_heads)
        require(
            num_query_heads % num_key_value_heads == 0,
            "num_key_value_heads",
            num_key_value_heads,
            f"a divisor of num_query_heads={num_query_heads}",
        )
        sliding_window = check_positive_int("sliding_window", sliding_window, allow_none=True)
        if isinstance(rotary_embedding, dict):
            rotary_embedding = keras.layers.deserialize(rotary_embedding)
        require(
            rotary_embedding is None or isinstance(rotary_embedding, keras.layers.Layer),
            "rotary_embedding",
            rotary_embedding,
            "None or a layer such as RotaryEmbedding()",
        )
        super().__init__(**kwargs)
        self.head_dim = head_dim
        self.num_query_heads = num_query_heads
        self.num_key_value_heads = num_key_value_heads
        self.rotary_embedding = rotary_embedding
        self.sliding_window = sliding_window
        self._set_projection_arguments(
            dropout, use_bias, kernel_initializer, bias_initializer, seed
        )

    def build(self, query_shape: Any, value_shape: Any = None, key_shape: Any = None) -> None:
        if len(query_shape) != 3 or query_shape[-1] is None:
            raise ValueError(
                "CachedGroupedQueryAttention expects a query (batch, target, features) "
                f"with known features, received shape {tuple(query_shape)}."
            )
        features = query_shape[-1]
        heads, kv_heads, head_dim = self.num_query_heads, self.num_key_value_heads, self.head_dim
        # Keras' GroupedQueryAttention's equations and names; the feature sizes are the
        # inputs', so the sublayers are made here.
        self._build_projections(
            (query_shape, value_shape, key_shape),
            {
                "query": ("bqm,muh->bquh", (None, heads, head_dim), "uh"),
                "key": ("bkm,mvh->bkvh", (None, kv_heads, head_dim), "vh"),
                "value": ("bkm,mvh->bkvh", (None, kv_heads, head_dim), "vh"),
                "attention_output": ("bquh,uhm->bqm", (None, features), "m"),
            },
            (query_shape[0], query_shape[1], heads, head_dim),
        )

    def _rotate(self, x: Any, start_index: Any) -> Any:
        if self.rotary_embedding is None:
            return x
        return self.rotary_embedding(x, start_index=start_index)

    def _position_keys(self, keys: Any, start: Any) -> Any:
        return self._rotate(keys, start)

    def call(
        self,
        query: Any,
        value: Any = None,
        key: Any = None,
        attention_mask: Any = None,
        cache: Any = None,
        cache_update_index: Any = None,
        training: Any = None,
    ) -> Any:
        value, key, mask = self._call_inputs(query, value, key, attention_mask)
        start = 0 if cache_update_index is None else cache_update_index
        projected_query = self._rotate(self.query_dense(query), start)
        keys, values, cache = self._keys_values(key, value, cache, cache_update_index, start)
        if self.sliding_window is not None:
            window = sliding_window_mask(
                keras.ops.shape(query)[1], keras.ops.shape(keys)[1], start, self.sliding_window
            )
            mask = combine_masks(mask, window)
        output, _ = attend(projected_query, keys, values, mask, self.dropout_layer, training, False)
        output = self.output_dense(output)
        return output if cache is None else (output, cache)

    def compute_output_spec(self, query: Any, value: Any = None, key: Any = None, **kwargs: Any):
        output = keras.KerasTensor(query.shape, dtype=self.compute_dtype)
        cache = kwargs.get("cache")
        if cache is None:
            return output
        return output, keras.KerasTensor(cache.shape, dtype=cache.dtype)

    def get_config(self) -> dict[str, Any]:
        rotary = self.rotary_embedding
        return {
            **super().get_config(),
            "head_dim": self.head_dim,
            "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "dropout": self.dropout,
            "use_bias": self.use_bias,
            "rotary_embedding": None if rotary is None else keras.layers.serialize(rotary),
            "sliding_window": self.sliding_window,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "seed": self.seed,
        }
