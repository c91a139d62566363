"""The zoo's transformer layers against keras-hub's, given the same inputs and weights.

keras-hub (a test-only dependency of the dev group) is the oracle: its classes
are called here, never copied. Every comparison is on the current backend.
"""

from __future__ import annotations

import keras_hub
import numpy as np
import pytest
import zoo_transformer

from tests.oracles import assert_close
from zoo.testing.helpers import as_numpy

pytestmark = pytest.mark.oracle("keras-hub", "the layers' numbers beside keras-hub's, same weights")


def _normal(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


@pytest.mark.parametrize(
    ("config", "shape"),
    [
        ({}, (2, 7, 8)),
        ({"max_wavelength": 500000, "scaling_factor": 8.0}, (2, 7, 3, 16)),
        ({"sequence_axis": -1, "feature_axis": 1}, (2, 6, 5)),
        ({"sequence_axis": 2, "feature_axis": -1}, (2, 3, 9, 4)),
    ],
)
@pytest.mark.parametrize("start_index", [0, 11])
def test_rotary_embedding_equals_keras_hub(config, shape, start_index):
    x = _normal(*shape)
    ours = zoo_transformer.RotaryEmbedding(**config)(x, start_index=start_index)
    theirs = keras_hub.layers.RotaryEmbedding(**config)(x, start_index=start_index)
    assert_close(as_numpy(ours), as_numpy(theirs), rtol=1e-5, atol=1e-5)


def test_rotary_embedding_positions_equal_keras_hub():
    x = _normal(3, 5, 2, 8)
    positions = np.array([[0, 1, 2, 3, 4], [7, 8, 9, 10, 11], [3, 3, 3, 0, 0]], "float32")
    ours = zoo_transformer.RotaryEmbedding()(x, positions=positions)
    theirs = keras_hub.layers.RotaryEmbedding()(x, positions=positions)
    assert_close(as_numpy(ours), as_numpy(theirs), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("start_index", [0, 3])
def test_position_embedding_equals_keras_hub_with_the_same_weights(start_index):
    x = _normal(2, 5, 6)
    ours = zoo_transformer.PositionEmbedding(sequence_length=9)
    theirs = keras_hub.layers.PositionEmbedding(sequence_length=9)
    ours.build(x.shape)
    theirs.build(x.shape)
    theirs.set_weights([_normal(9, 6, seed=1)])
    ours.set_weights(theirs.get_weights())
    assert_close(
        as_numpy(ours(x, start_index=start_index)),
        as_numpy(theirs(x, start_index=start_index)),
        rtol=1e-6,
        atol=1e-6,
    )
    positions = np.array([[0, 2, 4, 6, 8], [8, 7, 6, 5, 4]], "int32")
    assert_close(
        as_numpy(ours(x, positions=positions)),
        as_numpy(theirs(x, positions=positions)),
        rtol=1e-6,
        atol=1e-6,
    )


@pytest.mark.parametrize("max_wavelength", [10000, 100])
@pytest.mark.parametrize("start_index", [0, 40])
def test_sine_position_encoding_equals_keras_hub(max_wavelength, start_index):
    x = _normal(2, 6, 10)
    ours = zoo_transformer.SinePositionEncoding(max_wavelength=max_wavelength)
    theirs = keras_hub.layers.SinePositionEncoding(max_wavelength=max_wavelength)
    assert_close(
        as_numpy(ours(x, start_index=start_index)),
        as_numpy(theirs(x, start_index=start_index)),
        rtol=1e-5,
        atol=1e-5,
    )


def test_keras_hub_configs_build_the_zoo_layers():
    """keras-hub's config of each layer (its arguments the zoo shares) rebuilds the zoo's
    with the same config: a user changes the import only."""
    for name, config in [
        ("RotaryEmbedding", {"max_wavelength": 1000, "scaling_factor": 2.0, "sequence_axis": 2}),
        ("PositionEmbedding", {"sequence_length": 7, "initializer": "zeros"}),
        ("SinePositionEncoding", {"max_wavelength": 500}),
    ]:
        theirs = getattr(keras_hub.layers, name)(name="layer", **config).get_config()
        cls = getattr(zoo_transformer, name)
        shared = {k: v for k, v in theirs.items() if k in cls(**config).get_config()}
        assert cls.from_config(shared).get_config() == shared, name


def _same_attention(**config):
    ours = zoo_transformer.CachedMultiHeadAttention(**config)
    theirs = keras_hub.layers.CachedMultiHeadAttention(**config)
    query, value = _normal(2, 4, 6, seed=2), _normal(2, 5, 6, seed=3)
    ours(query, value)
    theirs(query, value)
    rng = np.random.default_rng(4)
    theirs.set_weights([rng.normal(size=w.shape).astype("float32") for w in theirs.weights])
    ours.set_weights(theirs.get_weights())
    return ours, theirs, query, value


@pytest.mark.parametrize(
    "config",
    [
        {"num_heads": 2, "key_dim": 4},
        # No value_dim other than key_dim: keras-hub's layer (Keras' MultiHeadAttention
        # underneath) fails on it on JAX, a reshape of the fused attention's output.
        {"num_heads": 3, "key_dim": 2, "output_shape": 7},
        {"num_heads": 1, "key_dim": 4, "use_bias": False},
    ],
)
def test_cached_multi_head_attention_equals_keras_hub_with_the_same_weights(config):
    ours, theirs, query, value = _same_attention(**config)
    mask = np.random.default_rng(5).random((2, 4, 5)) > 0.3
    mask[..., 0] = True  # every query sees one key at least
    for kwargs in ({}, {"attention_mask": mask}):
        assert_close(
            as_numpy(ours(query, value, **kwargs)),
            as_numpy(theirs(query, value, **kwargs)),
            rtol=1e-5,
            atol=1e-5,
        )
    out, scores = ours(query, value, attention_mask=mask, return_attention_scores=True)
    their_out, their_scores = theirs(
        query, value, attention_mask=mask, return_attention_scores=True
    )
    assert_close(as_numpy(out), as_numpy(their_out), rtol=1e-5, atol=1e-5)
    assert_close(as_numpy(scores), as_numpy(their_scores), rtol=1e-5, atol=1e-5)


def test_cached_multi_head_attention_cache_equals_keras_hub():
    ours, theirs, query, _ = _same_attention(num_heads=2, key_dim=4)
    cache = _normal(2, 2, 6, 2, 4, seed=6)
    mask = np.tril(np.ones((6, 6), bool))[2:]  # queries at positions 2..5 of 6
    for index in (2, None):
        out, new_cache = ours(
            query, query, cache=cache, cache_update_index=index, attention_mask=mask
        )
        their_out, their_cache = theirs(
            query, query, cache=cache, cache_update_index=index, attention_mask=mask
        )
        assert_close(as_numpy(out), as_numpy(their_out), rtol=1e-5, atol=1e-5)
        assert_close(as_numpy(new_cache), as_numpy(their_cache), rtol=1e-5, atol=1e-5)
