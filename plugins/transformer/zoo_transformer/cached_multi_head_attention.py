"""`CachedMultiHeadAttention`: multi-head attention with keras-hub's key/value cache."""

from __future__ import annotations

from typing import Any

import keras

from zoo.validation import check_positive_int
from zoo_transformer._attention import attend
from zoo_transformer._cached_attention import CachedAttention


@keras.saving.register_keras_serializable(package="zoo_transformer")
class CachedMultiHeadAttention(CachedAttention):
    """Multi-head attention with a key/value cache for decoding, as keras-hub's.

    `keras.layers.MultiHeadAttention`'s projections (the sublayers `query`,
    `key`, `value` and `attention_output`, their weights in the same order and
    shapes, so weights copy across either way) and keras-hub's cache protocol:

    - no cache: plain multi-head attention, returning `output`;
    - `cache` given, `cache_update_index=None`: the cached keys and values are
      used, the input `key`/`value` ignored; returns `(output, cache)`;
    - `cache` and `cache_update_index` given: the projections of the input
      `key`/`value` are written into the cache at that index first; returns
      `(output, updated_cache)`.

    Attention goes through `keras.ops.dot_product_attention` (the backend's
    fused kernel where it has one), or explicitly when the scores are asked for
    or dropout applies to them.

    Args:
        num_heads: Positive integer, the number of attention heads.
        key_dim: Positive integer, the size of each head of the query and key.
        value_dim: Positive integer, the size of each value head (default
            `key_dim`).
        dropout: Fraction of the attention probabilities dropped in training.
        use_bias: Whether the projections add a bias.
        output_shape: Positive integer, the output's last axis (default: the
            query's).
        kernel_initializer: Initializer of the projections' kernels.
        bias_initializer: Initializer of their biases.
        seed: Optional integer seed of the dropout.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        query: `(batch, target, features)`.
        value: `(batch, source, features)`; `None` for self-attention (the
            query). With a cache, `source` may be shorter than the cache (the
            new positions only).
        key: Optional `(batch, source, features)`, `value` by default.
        attention_mask: Boolean `(batch, target, source_total)` or `(target,
            source_total)`: which keys each query may see.
        cache: Optional `(batch, 2, source_total, num_heads, key_dim)`.
        cache_update_index: Integer (tensor), where the new keys and values go.
        return_attention_scores: Whether to return the attention
            probabilities `(batch, heads, target, source)` after the output.
        training: Whether dropout applies.

    Input shape:
        `query` `(batch, target, features)` (3-D).

    Output shape:
        `(batch, target, output_shape or features)`, followed by the scores
        and the cache when asked for or given.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from zoo_transformer import CachedMultiHeadAttention
    >>> layer = CachedMultiHeadAttention(num_heads=2, key_dim=4)
    >>> x = np.random.default_rng(0).normal(size=(1, 3, 8)).astype("float32")
    >>> causal = np.tril(np.ones((3, 3), dtype=bool))
    >>> full = layer(x, x, attention_mask=causal)
    >>> cache = np.zeros((1, 2, 3, 2, 4), dtype="float32")
    >>> steps = []
    >>> for i in range(3):  # one token at a time, keys and values kept in the cache
    ...     out, cache = layer(x[:, i : i + 1], x[:, i : i + 1], cache=cache,
    ...                        cache_update_index=i, attention_mask=causal[i : i + 1])
    ...     steps.append(keras.ops.convert_to_numpy(out))
    >>> print(np.allclose(np.concatenate(steps, axis=1), keras.ops.convert_to_numpy(full),
    ...                   atol=1e-5))
    True

    References:
        Vaswani et al., 2017, Attention Is All You Need
        (https://arxiv.org/abs/1706.03762). keras-hub's
        `keras_hub.layers.CachedMultiHeadAttention`, whose tests it passes.
    """

    def __init__(
        self,
        num_heads: int,
        key_dim: int,
        value_dim: int | None = None,
        dropout: float = 0.0,
        use_bias: bool = True,
        output_shape: int | None = None,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        seed: int | None = None,
        **kwargs: Any,
    ):
        num_heads = check_positive_int("num_heads", num_heads)
        key_dim = check_positive_int("key_dim", key_dim)
        value_dim = check_positive_int("value_dim", value_dim, allow_none=True)
        output_shape = check_positive_int("output_shape", output_shape, allow_none=True)
        super().__init__(**kwargs)
        self.num_heads = num_heads
        self.key_dim = key_dim
        self.value_dim = value_dim
        self.output_dim = output_shape
        self._set_projection_arguments(
            dropout, use_bias, kernel_initializer, bias_initializer, seed
        )

    def build(self, query_shape: Any, value_shape: Any = None, key_shape: Any = None) -> None:
        if len(query_shape) != 3:
            raise ValueError(
                "CachedMultiHeadAttention expects a query (batch, target, features), "
                f"received shape {tuple(query_shape)}."
            )
        value_dim = self.value_dim or self.key_dim
        heads = self.num_heads
        # The projections' shapes depend on the inputs' features: made here, as Keras'
        # MultiHeadAttention makes them, with its names and equations.
        self._build_projections(
            (query_shape, value_shape, key_shape),
            {
                "query": ("abc,cde->abde", (None, heads, self.key_dim), "de"),
                "key": ("abc,cde->abde", (None, heads, self.key_dim), "de"),
                "value": ("abc,cde->abde", (None, heads, value_dim), "de"),
                "attention_output": (
                    "abcd,cde->abe",
                    (None, self.output_dim or query_shape[-1]),
                    "e",
                ),
            },
            (query_shape[0], query_shape[1], heads, value_dim),
        )

    def call(
        self,
        query: Any,
        value: Any = None,
        key: Any = None,
        attention_mask: Any = None,
        cache: Any = None,
        cache_update_index: Any = None,
        return_attention_scores: bool = False,
        training: Any = None,
    ) -> Any:
        value, key, mask = self._call_inputs(query, value, key, attention_mask)
        projected_query = self.query_dense(query)
        keys, values, cache = self._keys_values(key, value, cache, cache_update_index)
        output, scores = attend(
            projected_query,
            keys,
            values,
            mask,
            self.dropout_layer,
            training,
            return_attention_scores,
        )
        output = self.output_dense(output)
        if return_attention_scores and cache is not None:
            return output, scores, cache
        if return_attention_scores:
            return output, scores
        if cache is not None:
            return output, cache
        return output

    def compute_output_spec(self, query: Any, value: Any = None, key: Any = None, **kwargs: Any):
        output = keras.KerasTensor(
            (*query.shape[:-1], self.output_dim or query.shape[-1]), dtype=self.compute_dtype
        )
        cache = kwargs.get("cache")
        outputs: list[Any] = [output]
        if kwargs.get("return_attention_scores"):
            if cache is not None:
                source = cache.shape[2]
            else:
                source = (query if value is None else value).shape[1]
            outputs.append(
                keras.KerasTensor(
                    (query.shape[0], self.num_heads, query.shape[1], source),
                    dtype=self.compute_dtype,
                )
            )
        if cache is not None:
            outputs.append(keras.KerasTensor(cache.shape, dtype=cache.dtype))
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "dropout": self.dropout,
            "use_bias": self.use_bias,
            "output_shape": self.output_dim,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "seed": self.seed,
        }
