"""`TransformerDecoderBlock`: a pre-norm decoder block (Llama, Mistral) from the family's layers."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from zoo.validation import (
    check_bool,
    check_choice,
    check_fraction,
    check_positive,
    check_positive_int,
    check_seed,
    require,
    require_float_input,
)
from zoo_transformer.cached_grouped_query_attention import CachedGroupedQueryAttention
from zoo_transformer.gated_mlp import GatedMLP, get_keras_object
from zoo_transformer.rotary_embedding import RotaryEmbedding


@keras.saving.register_keras_serializable(package="zoo_transformer")
class TransformerDecoderBlock(keras.layers.Layer):
    """A pre-norm causal decoder block: `x + attn(norm(x))`, then `x + mlp(norm(x))`.

    The block of Llama and Mistral: RMS (or layer) normalization before each
    branch, `CachedGroupedQueryAttention` with rotary positions (and an
    optional sliding window) under a causal mask, and a `GatedMLP` (SwiGLU by
    default). Sublayers: `attention_norm`, `attention`, `mlp_norm`, `mlp`; a
    keras-hub `LlamaTransformerDecoder`'s weights map onto them one to one
    (see the family's Llama test).

    Args:
        num_query_heads: Positive integer, the number of query heads.
        num_key_value_heads: Positive integer dividing `num_query_heads`.
        intermediate_dim: Positive integer, the width of the gated MLP.
        head_dim: Positive integer (default: the features divided by
            `num_query_heads`).
        norm: `"rms"` (`keras.layers.RMSNormalization`) or `"layer"`
            (`keras.layers.LayerNormalization`).
        epsilon: Positive number, the normalizations' epsilon.
        activation: The MLP's gate activation (`"silu"`: SwiGLU).
        rope_max_wavelength: Positive number, the rotary embedding's
            `max_wavelength`.
        rope_scaling_factor: Positive number, its `scaling_factor`.
        sliding_window: Optional positive integer, the attention's window.
        dropout: Fraction dropped of the attention probabilities and of each
            branch's output, in training.
        use_bias: Whether the projections add biases (Llama: no).
        kernel_initializer: Initializer of every kernel.
        seed: Optional integer seed of the dropouts.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        x: `(batch, length, features)`.
        cache: Optional `(batch, 2, total_length, num_key_value_heads,
            head_dim)`, the attention's key/value cache.
        cache_update_index: Integer (tensor), the position of `x`'s first
            token in the cache.
        padding_mask: Optional `(batch, key_length)` (`total_length` with a
            cache), true or 1 at real tokens: padding is never attended to.
        training: Whether dropout applies.

    Input shape:
        `(batch, length, features)`.

    Output shape:
        `(batch, length, features)`, then the updated cache when one is given.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from zoo_transformer import TransformerDecoderBlock
    >>> block = TransformerDecoderBlock(
    ...     num_query_heads=4, num_key_value_heads=2, intermediate_dim=32)
    >>> x = np.random.default_rng(0).normal(size=(2, 6, 16)).astype("float32")
    >>> y = keras.ops.convert_to_numpy(block(x))
    >>> print(y.shape)
    (2, 6, 16)
    >>> # Causal: changing the last token leaves the outputs before it as they were.
    >>> x2 = x.copy()
    >>> x2[:, -1] += 1.0
    >>> y2 = keras.ops.convert_to_numpy(block(x2))
    >>> print(np.allclose(y[:, :-1], y2[:, :-1], atol=1e-6), np.allclose(y, y2))
    True False

    References:
        Touvron et al., 2023, LLaMA: Open and Efficient Foundation Language
        Models (https://arxiv.org/abs/2302.13971); Xiong et al., 2020, On Layer
        Normalization in the Transformer Architecture
        (https://arxiv.org/abs/2002.04745) for the pre-norm block.
    """

    def __init__(
        self,
        num_query_heads: int,
        num_key_value_heads: int,
        intermediate_dim: int,
        head_dim: int | None = None,
        norm: str = "rms",
        epsilon: float = 1e-6,
        activation: Any = "silu",
        rope_max_wavelength: float = 10000,
        rope_scaling_factor: float = 1.0,
        sliding_window: int | None = None,
        dropout: float = 0.0,
        use_bias: bool = False,
        kernel_initializer: Any = "glorot_uniform",
        seed: int | None = None,
        **kwargs: Any,
    ):
        num_query_heads = check_positive_int("num_query_heads", num_query_heads)
        num_key_value_heads = check_positive_int("num_key_value_heads", num_key_value_heads)
        intermediate_dim = check_positive_int("intermediate_dim", intermediate_dim)
        head_dim = check_positive_int("head_dim", head_dim, allow_none=True)
        norm = check_choice("norm", norm, ("rms", "layer"))
        epsilon = check_positive("epsilon", epsilon)
        dropout = check_fraction("dropout", dropout, include_one=False)
        seed = check_seed("seed", seed)
        rope_max_wavelength = check_positive("rope_max_wavelength", rope_max_wavelength)
        rope_scaling_factor = check_positive("rope_scaling_factor", rope_scaling_factor)
        sliding_window = check_positive_int("sliding_window", sliding_window, allow_none=True)
        use_bias = check_bool("use_bias", use_bias)
        kernel_initializer = get_keras_object(
            "initializers", "kernel_initializer", kernel_initializer
        )
        get_keras_object("activations", "activation", activation)
        super().__init__(**kwargs)
        self.num_query_heads = num_query_heads
        self.num_key_value_heads = num_key_value_heads
        self.intermediate_dim = intermediate_dim
        self.head_dim = head_dim
        self.norm = norm
        self.epsilon = epsilon
        self.activation = activation
        self.rope_max_wavelength = rope_max_wavelength
        self.rope_scaling_factor = rope_scaling_factor
        self.sliding_window = sliding_window
        self.dropout = dropout
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.seed = seed
        # Sublayers are made here; the attention too when head_dim is given, otherwise at
        # build, where the input's features give its head size.
        self.rotary_embedding = RotaryEmbedding(
            max_wavelength=rope_max_wavelength,
            scaling_factor=rope_scaling_factor,
            dtype=self.dtype_policy,
        )
        self.attention_norm = self._make_norm("attention_norm")
        self.mlp_norm = self._make_norm("mlp_norm")
        self.mlp = GatedMLP(
            intermediate_dim,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=self._initializer(),
            dtype=self.dtype_policy,
            name="mlp",
        )
        self.attention_dropout = keras.layers.Dropout(dropout, seed=seed)
        self.mlp_dropout = keras.layers.Dropout(dropout, seed=None if seed is None else seed + 1)
        self.attention = None if head_dim is None else self._make_attention(head_dim)

    def _initializer(self) -> Any:
        # A fresh instance per sublayer: a seeded initializer shared would give them the
        # same values.
        return keras.initializers.get(keras.initializers.serialize(self.kernel_initializer))

    def _make_norm(self, name: str) -> keras.layers.Layer:
        if self.norm == "rms":
            return keras.layers.RMSNormalization(
                epsilon=self.epsilon, dtype=self.dtype_policy, name=name
            )
        return keras.layers.LayerNormalization(
            epsilon=self.epsilon, dtype=self.dtype_policy, name=name
        )

    def _make_attention(self, head_dim: int) -> CachedGroupedQueryAttention:
        return CachedGroupedQueryAttention(
            head_dim=head_dim,
            num_query_heads=self.num_query_heads,
            num_key_value_heads=self.num_key_value_heads,
            dropout=self.dropout,
            use_bias=self.use_bias,
            rotary_embedding=self.rotary_embedding,
            sliding_window=self.sliding_window,
            kernel_initializer=self._initializer(),
            seed=self.seed,
            dtype=self.dtype_policy,
            name="attention",
        )

    def build(self, input_shape: Any) -> None:
        if len(input_shape) != 3 or input_shape[-1] is None:
            raise ValueError(
                "TransformerDecoderBlock expects (batch, length, features) with known "
                f"features, received shape {tuple(input_shape)}."
            )
        features = input_shape[-1]
        if self.attention is None:
            require(
                features % self.num_query_heads == 0,
                "num_query_heads",
                self.num_query_heads,
                f"a divisor of the input's {features} features (or give head_dim)",
            )
            self.attention = self._make_attention(features // self.num_query_heads)
        self.attention_norm.build(input_shape)
        self.attention.build(input_shape)
        self.mlp_norm.build(input_shape)
        self.mlp.build(input_shape)
        self.features = features

    def _mask(self, x: Any, cache: Any, start: Any, padding_mask: Any) -> Any:
        """Causal `(batch or 1, length, key_length)`: query `t` (position `start + t`) sees
        keys at positions up to its own, and no padding."""
        length = ops.shape(x)[1]
        key_length = length if cache is None else ops.shape(cache)[2]
        query_positions = ops.arange(length, dtype="int32") + ops.cast(start, "int32")
        key_positions = ops.arange(key_length, dtype="int32")
        mask = ops.expand_dims(key_positions, 0) <= ops.expand_dims(query_positions, 1)
        mask = ops.expand_dims(mask, 0)
        if padding_mask is not None:
            padding = ops.cast(padding_mask, "bool")
            mask = ops.logical_and(mask, ops.expand_dims(padding, 1))
        return mask

    def call(
        self,
        x: Any,
        cache: Any = None,
        cache_update_index: Any = None,
        padding_mask: Any = None,
        training: Any = None,
    ) -> Any:
        require_float_input(self, x)
        if len(x.shape) != 3 or x.shape[-1] != self.features:
            raise ValueError(
                f"TransformerDecoderBlock was built for {self.features} features "
                f"(batch, length, features), received shape {tuple(x.shape)}."
            )
        start = 0 if cache_update_index is None else cache_update_index
        mask = self._mask(x, cache, start, padding_mask)
        attended = self.attention(
            self.attention_norm(x),
            attention_mask=mask,
            cache=cache,
            cache_update_index=cache_update_index,
            training=training,
        )
        if cache is not None:
            attended, cache = attended
        x = x + self.attention_dropout(attended, training=training)
        x = x + self.mlp_dropout(self.mlp(self.mlp_norm(x)), training=training)
        return x if cache is None else (x, cache)

    def compute_output_spec(self, x: Any, cache: Any = None, **kwargs: Any) -> Any:
        output = keras.KerasTensor(x.shape, dtype=self.compute_dtype)
        if cache is None:
            return output
        return output, keras.KerasTensor(cache.shape, dtype=cache.dtype)

    def get_config(self) -> dict[str, Any]:
        activation = self.activation
        if not isinstance(activation, str):
            activation = keras.activations.serialize(keras.activations.get(activation))
        return {
            **super().get_config(),
            "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "intermediate_dim": self.intermediate_dim,
            "head_dim": self.head_dim,
            "norm": self.norm,
            "epsilon": self.epsilon,
            "activation": activation,
            "rope_max_wavelength": self.rope_max_wavelength,
            "rope_scaling_factor": self.rope_scaling_factor,
            "sliding_window": self.sliding_window,
            "dropout": self.dropout,
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "seed": self.seed,
        }
