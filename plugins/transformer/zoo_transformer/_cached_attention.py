"""`CachedAttention`: the base of the two cached attention layers, with what they share
besides the attention itself (`_attention.py`): the arguments of their projections and
dropout, the projections, the query's check and the keys and values through the cache."""

from __future__ import annotations

from typing import Any

import keras

from zoo.validation import check_bool, check_fraction, check_seed, require_float_input
from zoo_transformer._attention import attention_mask_4d, check_cache_arguments, update_cache
from zoo_transformer.gated_mlp import get_keras_object


class CachedAttention(keras.layers.Layer):
    """A layer of query, key, value and output projections (`EinsumDense`) with dropout
    on the attention scores, reading and writing keras-hub's key/value cache."""

    def _set_projection_arguments(
        self, dropout: Any, use_bias: Any, kernel_initializer: Any, bias_initializer: Any, seed: Any
    ) -> None:
        """Checks and keeps the projections' and the dropout's arguments (after
        `Layer.__init__`), and makes the dropout layer. In the order of both layers'
        signatures."""
        self.dropout = check_fraction("dropout", dropout, include_one=False)
        self.use_bias = check_bool("use_bias", use_bias)
        self.kernel_initializer = get_keras_object(
            "initializers", "kernel_initializer", kernel_initializer
        )
        self.bias_initializer = get_keras_object(
            "initializers", "bias_initializer", bias_initializer
        )
        self.seed = check_seed("seed", seed)
        self.dropout_layer = keras.layers.Dropout(
            self.dropout, seed=self.seed, dtype=self.dtype_policy
        )

    def _dense(self, name: str, equation: str, output_shape: tuple, bias_axes: str) -> Any:
        return keras.layers.EinsumDense(
            equation,
            output_shape=output_shape,
            bias_axes=bias_axes if self.use_bias else None,
            # A fresh initializer per projection: a seeded one would repeat its draws.
            kernel_initializer=keras.initializers.get(
                keras.initializers.serialize(self.kernel_initializer)
            ),
            bias_initializer=self.bias_initializer,
            name=name,
            dtype=self.dtype_policy,
        )

    def _build_projections(
        self,
        shapes: tuple[Any, Any, Any],
        projections: dict[str, tuple[str, tuple[Any, ...], str]],
        attended_shape: tuple[Any, ...],
    ) -> None:
        """Makes the query, key, value and output projections, each from its equation,
        output shape and bias axes in `projections` (by Keras' names: `query`, `key`,
        `value`, `attention_output`), then builds them on the `(query, value, key)`
        input `shapes` (value and key default as in `call`) and, the output one, on
        `attended_shape`. Made before any is built, in that order: the weights' order."""
        query_shape, value_shape, key_shape = shapes
        value_shape = query_shape if value_shape is None else value_shape
        key_shape = value_shape if key_shape is None else key_shape
        self.query_dense = self._dense("query", *projections["query"])
        self.key_dense = self._dense("key", *projections["key"])
        self.value_dense = self._dense("value", *projections["value"])
        self.output_dense = self._dense("attention_output", *projections["attention_output"])
        self.query_dense.build(query_shape)
        self.key_dense.build(key_shape)
        self.value_dense.build(value_shape)
        self.output_dense.build(attended_shape)
        self.query_features = query_shape[-1]

    def _check_query(self, query: Any) -> None:
        """The query the layer was built for, (batch, target, features), of floats."""
        if len(query.shape) != 3 or query.shape[-1] != self.query_features:
            raise ValueError(
                f"{type(self).__name__} was built for a query of {self.query_features} "
                f"features (batch, target, features), received shape {tuple(query.shape)}."
            )
        require_float_input(self, query)

    def _call_inputs(
        self, query: Any, value: Any, key: Any, attention_mask: Any
    ) -> tuple[Any, Any, Any]:
        """Checks the query; returns the value and the key (each defaulting to the one
        before, as in Keras' attention layers) and the mask, made 4-D."""
        self._check_query(query)
        value = query if value is None else value
        key = value if key is None else key
        mask = None if attention_mask is None else attention_mask_4d(attention_mask)
        return value, key, mask

    def _position_keys(self, keys: Any, start: Any) -> Any:
        """The projected keys, given their first position `start`: as they are here;
        a layer with positions in its keys (rotary) overrides it."""
        return keys

    def _keys_values(
        self, key: Any, value: Any, cache: Any, cache_update_index: Any, start: Any = 0
    ) -> tuple[Any, Any, Any]:
        """The keys and values to attend to, and the cache: the projected inputs without a
        cache; with one, the cache as it is (no index) or with the projections written at
        `cache_update_index`. Returns `(keys, values, cache)`."""
        check_cache_arguments(cache, cache_update_index)
        if cache is not None and cache_update_index is None:
            return update_cache(cache, None, None, None)
        keys = self._position_keys(self.key_dense(key), start)
        values = self.value_dense(value)
        if cache is None:
            return keys, values, None
        return update_cache(cache, cache_update_index, keys, values)
