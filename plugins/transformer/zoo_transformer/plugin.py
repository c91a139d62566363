"""The transformer family's registration with the zoo: one entry per object."""

from __future__ import annotations

import zoo
from zoo_transformer import (
    CachedGroupedQueryAttention,
    CachedMultiHeadAttention,
    GatedMLP,
    MixtureOfExperts,
    PositionEmbedding,
    RotaryEmbedding,
    SinePositionEncoding,
    TransformerDecoderBlock,
)

ZOO_PLUGIN_API = 1

#: Timed samples at working sizes: a sequence of 128 tokens of 256 features, and of
#: 8 heads of 64 features each for the rotary embedding applied to queries and keys.
_TOKENS = (128, 256)
_HEADS = (128, 8, 64)


def _grouped_query_config() -> dict:
    # A fresh RotaryEmbedding for every instance: a layer is not shared between two.
    return {
        "head_dim": 4,
        "num_query_heads": 4,
        "num_key_value_heads": 2,
        "rotary_embedding": RotaryEmbedding(),
        "sliding_window": 3,
    }


#: What the kit can check of the attention layers: their self-attention call on one
#: tensor, `layer(x)`, without a mask or a cache (those are tested in the family's tests).
_ATTENTION_REJECTS = ("last_dimension", "lower_rank", "higher_rank", "integer", "string")


@zoo.hookimpl
def register_family():
    return zoo.Family(
        name="transformer",
        description="The blocks of modern transformers that Keras does not ship, as plain "
        "Keras layers on every backend: rotary position embeddings (`RotaryEmbedding`), "
        "learned and sinusoidal positions (`PositionEmbedding`, `SinePositionEncoding`), all "
        "three with keras-hub's arguments, call and numbers, and the gated feed-forward "
        "(`GatedMLP`: SwiGLU, GEGLU, ReGLU) whose weights a Llama block's map onto; attention "
        "with keras-hub's key/value cache for decoding, multi-head "
        "(`CachedMultiHeadAttention`, keras-hub's layer) and grouped-query with rotary "
        "positions and a sliding window (`CachedGroupedQueryAttention`), through "
        "`keras.ops.dot_product_attention`; and the pre-norm decoder block of Llama and "
        "Mistral built from them (`TransformerDecoderBlock`), whose weights a keras-hub "
        "Llama's map onto; a top-k mixture of gated-MLP experts (`MixtureOfExperts`) with "
        "its load-balancing loss.",
    )


@zoo.hookimpl
def register_layers():
    return [
        zoo.LayerEntry(
            RotaryEmbedding,
            config={"max_wavelength": 1000, "scaling_factor": 2.0},
            input_shape=(4, 6, 2, 8),
            bench_sample_shape=_HEADS,
            invalid_configs=(
                ({"max_wavelength": 0}, "max_wavelength"),
                ({"scaling_factor": -1.0}, "scaling_factor"),
                ({"sequence_axis": 1.5}, "sequence_axis"),
                ({"feature_axis": "last"}, "feature_axis"),
                ({"sequence_axis": 7}, "sequence_axis"),  # beyond the input's rank
                ({"sequence_axis": 3}, "sequence_axis"),  # the feature axis too
            ),
            # An odd number of features (one more than built on) cannot be rotated in
            # pairs. One sample of (sequence, heads, features) is a valid input itself
            # (axis 1 then holds the heads), as in keras-hub.
            rejects=("last_dimension", "integer", "string"),
            config_space={
                "max_wavelength": (10.0, 1e6),
                "scaling_factor": (0.5, 8.0),
                "sequence_axis": [1, -3],
            },
        ),
        zoo.LayerEntry(
            PositionEmbedding,
            # As long as the timed samples' sequence (bench_sample_shape), which it must cover.
            config={"sequence_length": _TOKENS[0]},
            input_shape=(4, 6, 8),
            bench_sample_shape=_TOKENS,
            trainable_weights=1,
            # The embeddings of positions 0 .. length - 1: the input gives its shape alone.
            input_gradient=False,
            invalid_configs=(
                ({"sequence_length": 0}, "sequence_length"),
                ({"sequence_length": None}, "sequence_length"),
                ({"sequence_length": 5}, "sequence_length"),  # shorter than the input's 6
                ({"initializer": "no_such_initializer"}, "initializer"),
            ),
            rejects=("last_dimension", "lower_rank", "integer", "string"),
            config_space={
                "sequence_length": (6, 32),
                "initializer": ["glorot_uniform", "zeros", "random_normal"],
            },
        ),
        zoo.LayerEntry(
            SinePositionEncoding,
            input_shape=(4, 6, 8),
            bench_sample_shape=_TOKENS,
            # Sinusoids of the positions: the input gives its shape alone.
            input_gradient=False,
            invalid_configs=(
                ({"max_wavelength": 0}, "max_wavelength"),
                ({"max_wavelength": "long"}, "max_wavelength"),
            ),
            rejects=("integer", "string"),
            config_space={"max_wavelength": (10.0, 1e5)},
        ),
        zoo.LayerEntry(
            GatedMLP,
            config={"hidden_dim": 16},
            input_shape=(4, 6, 8),
            bench_sample_shape=_TOKENS,
            trainable_weights=3,
            invalid_configs=(
                ({"hidden_dim": 0}, "hidden_dim"),
                ({"hidden_dim": 2.5}, "hidden_dim"),
                ({"output_dim": -1}, "output_dim"),
                ({"use_bias": "yes"}, "use_bias"),
                ({"activation": "no_such_activation"}, "activation"),
                ({"kernel_initializer": "no_such_initializer"}, "kernel_initializer"),
            ),
            rejects=("last_dimension", "integer", "string"),
            config_space={
                "hidden_dim": (1, 32),
                "activation": ["silu", "gelu", "relu"],
                "use_bias": [True, False],
                "output_dim": [None, 3, 8],
            },
        ),
        zoo.LayerEntry(
            CachedMultiHeadAttention,
            config={"num_heads": 2, "key_dim": 4},
            input_shape=(4, 6, 8),
            bench_sample_shape=_TOKENS,
            trainable_weights=8,
            invalid_configs=(
                ({"num_heads": 0}, "num_heads"),
                ({"key_dim": 2.5}, "key_dim"),
                ({"value_dim": -1}, "value_dim"),
                ({"dropout": 1.0}, "dropout"),
                ({"use_bias": "yes"}, "use_bias"),
                ({"output_shape": 0}, "output_shape"),
                ({"seed": "1"}, "seed"),
            ),
            rejects=_ATTENTION_REJECTS,
            config_space={
                "num_heads": (1, 4),
                "key_dim": (1, 8),
                "value_dim": [None, 2, 6],
                "use_bias": [True, False],
                "output_shape": [None, 5],
            },
        ),
        zoo.LayerEntry(
            CachedGroupedQueryAttention,
            config=_grouped_query_config,
            input_shape=(4, 6, 8),
            bench_sample_shape=_TOKENS,
            trainable_weights=8,
            invalid_configs=(
                ({"head_dim": 0}, "head_dim"),
                ({"num_query_heads": -4}, "num_query_heads"),
                ({"num_key_value_heads": 3}, "num_key_value_heads"),  # does not divide 4
                ({"dropout": -0.1}, "dropout"),
                ({"sliding_window": 0}, "sliding_window"),
                ({"rotary_embedding": "rope"}, "rotary_embedding"),
                ({"use_bias": 1}, "use_bias"),
            ),
            rejects=_ATTENTION_REJECTS,
            config_space={
                "num_key_value_heads": [1, 2, 4],
                "sliding_window": [None, 1, 2, 6],
                "use_bias": [True, False],
            },
        ),
        zoo.LayerEntry(
            TransformerDecoderBlock,
            config={"num_query_heads": 4, "num_key_value_heads": 2, "intermediate_dim": 16},
            input_shape=(4, 6, 8),
            bench_sample_shape=_TOKENS,
            # Two norm scales, four attention kernels, three MLP kernels.
            trainable_weights=9,
            invalid_configs=(
                ({"num_query_heads": 0}, "num_query_heads"),
                ({"num_query_heads": 3, "num_key_value_heads": 3}, "num_query_heads"),
                ({"num_key_value_heads": 3}, "num_key_value_heads"),
                ({"intermediate_dim": -1}, "intermediate_dim"),
                ({"norm": "batch"}, "norm"),
                ({"epsilon": 0.0}, "epsilon"),
                ({"rope_max_wavelength": 0}, "rope_max_wavelength"),
                ({"sliding_window": 0}, "sliding_window"),
                ({"dropout": 1.0}, "dropout"),
                ({"activation": "no_such_activation"}, "activation"),
            ),
            rejects=_ATTENTION_REJECTS,
            config_space={
                "norm": ["rms", "layer"],
                "num_key_value_heads": [1, 2, 4],
                "sliding_window": [None, 2],
                "activation": ["silu", "gelu", "relu"],
                "use_bias": [True, False],
            },
        ),
        zoo.LayerEntry(
            MixtureOfExperts,
            config={"num_experts": 4, "hidden_dim": 8, "top_k": 2},
            input_shape=(4, 6, 8),
            bench_sample_shape=_TOKENS,
            trainable_weights=4,  # router, gate, up and down kernels
            losses=1,  # the load-balancing loss (with the z-loss added in, when weighted)
            # Expert parallelism: each device holds a share of the experts. The kit's mesh
            # names its second axis "model"; the router stays replicated.
            layout={
                "gate_kernel": ("model", None, None),
                "up_kernel": ("model", None, None),
                "down_kernel": ("model", None, None),
            },
            invalid_configs=(
                ({"num_experts": 0}, "num_experts"),
                ({"top_k": 5}, "top_k"),  # more than the 4 experts
                ({"hidden_dim": 1.5}, "hidden_dim"),
                ({"capacity_factor": 0.0}, "capacity_factor"),
                ({"load_balancing_weight": -1.0}, "load_balancing_weight"),
                ({"router_z_loss_weight": -0.1}, "router_z_loss_weight"),
                ({"activation": "no_such_activation"}, "activation"),
            ),
            rejects=("last_dimension", "integer", "string"),
            config_space={
                "top_k": [1, 2, 4],
                "activation": ["silu", "gelu"],
                "router_z_loss_weight": [0.0, 1e-3],
            },
        ),
    ]
