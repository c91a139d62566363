"""TransformerDecoderBlock: its masks and its cache, against its own full call."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_transformer import TransformerDecoderBlock

from zoo.testing.helpers import as_numpy


def _x(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


@pytest.mark.parametrize("norm", ["rms", "layer"])
def test_padding_is_never_attended_to(norm):
    """Right padding: whatever the padded tokens hold, the real ones' outputs stay."""
    block = TransformerDecoderBlock(4, 2, 16, norm=norm, sliding_window=3)
    x = _x(2, 6, 8)
    padding = np.array([[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0]], "int32")
    changed = x.copy()
    changed[1, 3:] = _x(3, 8, seed=1)
    a = as_numpy(block(x, padding_mask=padding))
    b = as_numpy(block(changed, padding_mask=padding))
    np.testing.assert_allclose(a[1, :3], b[1, :3], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(a[0], b[0], rtol=1e-5, atol=1e-6)


def test_left_padding_with_the_cache():
    """Left padding (as in batched generation): the second sequence, padded by two, gives
    the outputs it gives alone, prefilled and then decoded one token at a time."""
    block = TransformerDecoderBlock(4, 2, 16)
    x = _x(2, 7, 8)
    alone = as_numpy(block(x[1:, 2:]))  # its 5 real tokens, unpadded
    padding = np.ones((2, 7), "int32")
    padding[1, :2] = 0
    cache = np.zeros((2, 2, 7, 2, 2), "float32")
    out, cache = block(x[:, :4], cache=cache, cache_update_index=0, padding_mask=padding)
    pieces = [as_numpy(out)]
    for i in range(4, 7):
        out, cache = block(x[:, i : i + 1], cache=cache, cache_update_index=i, padding_mask=padding)
        pieces.append(as_numpy(out))
    decoded = np.concatenate(pieces, axis=1)
    # Rotary positions are relative: shifting the sequence by two leaves the outputs.
    np.testing.assert_allclose(decoded[1, 2:], alone[0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(decoded[0], as_numpy(block(x[:1]))[0], rtol=1e-4, atol=1e-5)


def test_saved_and_loaded_in_a_model(tmp_path):
    inputs = keras.Input((5, 8))
    model = keras.Model(inputs, TransformerDecoderBlock(2, 1, 12, norm="layer")(inputs))
    x = _x(3, 5, 8)
    path = tmp_path / "block.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(as_numpy(loaded(x)), as_numpy(model(x)), rtol=1e-6, atol=1e-6)


def test_heads_must_divide_the_features():
    with pytest.raises(ValueError, match="num_query_heads"):
        TransformerDecoderBlock(3, 1, 8)(_x(1, 2, 8))
