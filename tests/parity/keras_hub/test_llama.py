"""A Llama rebuilt from zoo blocks takes a keras-hub LlamaBackbone's weights and gives its
hidden states (issue 27's oracle).

The backbone is keras-hub's own class, randomly initialized at a small config (2 layers,
hidden 64, 4 query heads, 2 key/value heads); nothing downloads. Every weight is set to
random values first (keras-hub initializes the norms' scales to ones), so that a weight
mapped to the wrong place shows.
"""

from __future__ import annotations

import keras
import keras_hub
import numpy as np
import pytest
from zoo_transformer import TransformerDecoderBlock

from tests.oracles import assert_close
from zoo.testing.helpers import as_numpy

pytestmark = pytest.mark.oracle("keras-hub", "a zoo-built Llama given a LlamaBackbone's weights")


CONFIG = {
    "vocabulary_size": 97,
    "num_layers": 2,
    "hidden_dim": 64,
    "num_query_heads": 4,
    "num_key_value_heads": 2,
    "intermediate_dim": 128,
}


class ZooLlama(keras.Model):
    """Token embedding, `TransformerDecoderBlock`s (RMS norm, RoPE, GQA, SwiGLU), final norm."""

    def __init__(
        self,
        vocabulary_size,
        num_layers,
        hidden_dim,
        num_query_heads,
        num_key_value_heads,
        intermediate_dim,
        epsilon=1e-6,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.token_embedding = keras.layers.Embedding(vocabulary_size, hidden_dim)
        self.blocks = [
            TransformerDecoderBlock(
                num_query_heads=num_query_heads,
                num_key_value_heads=num_key_value_heads,
                intermediate_dim=intermediate_dim,
                epsilon=epsilon,
                name=f"block_{i}",
            )
            for i in range(num_layers)
        ]
        self.final_norm = keras.layers.RMSNormalization(epsilon=epsilon)

    def call(self, token_ids, padding_mask=None):
        x = self.token_embedding(token_ids)
        for block in self.blocks:
            x = block(x, padding_mask=padding_mask)
        return self.final_norm(x)


def copy_llama_weights(backbone, model) -> None:
    """keras-hub's LlamaBackbone weights into ZooLlama, by their paths."""
    theirs = {w.path: w for w in backbone.weights}
    model.token_embedding.embeddings.assign(theirs["token_embedding/embeddings"])
    for i, block in enumerate(model.blocks):
        prefix = f"transformer_layer_{i}/"
        pairs = {
            "self_attention/query/kernel": block.attention.query_dense.kernel,
            "self_attention/key/kernel": block.attention.key_dense.kernel,
            "self_attention/value/kernel": block.attention.value_dense.kernel,
            "self_attention/attention_output/kernel": block.attention.output_dense.kernel,
            "self_attention_layernorm/scale": block.attention_norm.scale,
            "feedforward_gate_dense/kernel": block.mlp.gate_kernel,
            "feedforward_intermediate_dense/kernel": block.mlp.up_kernel,
            "feedforward_output_dense/kernel": block.mlp.down_kernel,
            "feedforward_layernorm/scale": block.mlp_norm.scale,
        }
        for path, ours in pairs.items():
            ours.assign(theirs[prefix + path])
    model.final_norm.scale.assign(theirs["sequence_output_layernorm/scale"])


@pytest.fixture(scope="module")
def pair():
    backbone = keras_hub.models.LlamaBackbone(**CONFIG)
    rng = np.random.default_rng(0)
    for w in backbone.weights:
        scale = 1.0 if w.path.endswith("scale") else 0.1
        w.assign(
            1.0 + 0.1 * rng.normal(size=w.shape)
            if scale == 1.0
            else scale * rng.normal(size=w.shape)
        )
    model = ZooLlama(**CONFIG)
    model(np.zeros((1, 4), "int32"))
    copy_llama_weights(backbone, model)
    n_ours = sum(int(np.prod(w.shape)) for w in model.weights)
    # keras-hub keeps an untied output embedding the backbone does not use.
    n_theirs = sum(
        int(np.prod(w.shape)) for w in backbone.weights if "reverse_embeddings" not in w.path
    )
    assert n_ours == n_theirs
    return backbone, model


def test_zoo_llama_gives_keras_hubs_hidden_states(pair):
    backbone, model = pair
    rng = np.random.default_rng(1)
    tokens = rng.integers(0, CONFIG["vocabulary_size"], size=(3, 12)).astype("int32")
    padding = np.ones((3, 12), "int32")
    padding[1, 9:] = 0  # right padding: padded keys are hidden
    padding[2, 5:] = 0
    theirs = as_numpy(backbone({"token_ids": tokens, "padding_mask": padding}))
    ours = as_numpy(model(tokens, padding_mask=padding))
    assert np.abs(theirs).max() > 0.1  # not a trivial output
    assert_close(ours, theirs, atol=1e-4, rtol=1e-4)


def test_zoo_llama_cached_decoding_gives_the_same_hidden_states(pair):
    """Prefill then one token at a time through the blocks' caches: keras-hub's full call."""
    backbone, model = pair
    tokens = np.random.default_rng(2).integers(0, 97, size=(2, 10)).astype("int32")
    theirs = as_numpy(backbone({"token_ids": tokens, "padding_mask": np.ones_like(tokens)}))
    caches = [np.zeros((2, 2, 10, 2, 16), "float32") for _ in model.blocks]

    def step(chunk, index):
        x = model.token_embedding(chunk)
        for i, block in enumerate(model.blocks):
            x, caches[i] = block(x, cache=caches[i], cache_update_index=index)
        return as_numpy(model.final_norm(x))

    pieces = [step(tokens[:, :6], 0)] + [step(tokens[:, i : i + 1], i) for i in range(6, 10)]
    assert_close(np.concatenate(pieces, axis=1), theirs, atol=1e-4, rtol=1e-4)
