"""Family tests of `DropBlock2D` against an independent numpy reading of the paper.

Ghiasi et al. (2018), Algorithm 1: block centres (here, top-left corners) are
drawn with probability gamma (eq. 1) where a whole block fits, every unit
covered by a drawn block is zeroed, and the result is rescaled by
count(mask) / count_ones(mask).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_regularizing import DropBlock2D

from zoo.testing.helpers import as_numpy


def gamma(rate: float, block: int, height: int, width: int) -> float:
    """Eq. 1 of the paper, generalized to a non-square map."""
    places = (height - block + 1) * (width - block + 1)
    return min(1.0, rate * height * width / (block**2 * places))


def expected_kept_fraction(rate: float, block: int, height: int, width: int) -> float:
    """The mean over units of P(kept) = (1 - gamma) ** (number of blocks covering it)."""
    g = gamma(rate, block, height, width)
    covering = np.zeros((height, width))
    for i in range(height - block + 1):
        for j in range(width - block + 1):
            covering[i : i + block, j : j + block] += 1
    return float(np.mean((1 - g) ** covering))


def union_of_full_blocks(dropped: np.ndarray, block: int) -> np.ndarray:
    """The units covered by the `block` x `block` squares lying wholly inside `dropped`."""
    height, width = dropped.shape
    covered = np.zeros_like(dropped)
    for i in range(height - block + 1):
        for j in range(width - block + 1):
            if dropped[i : i + block, j : j + block].all():
                covered[i : i + block, j : j + block] = True
    return covered


def positive_input(shape, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(1.0, 2.0, size=shape).astype("float32")


def test_dropped_units_form_whole_blocks_inside_the_map():
    block = 3
    x = positive_input((6, 12, 10, 4))
    y = as_numpy(DropBlock2D(0.3, block_size=block, seed=1)(x, training=True))
    dropped = y == 0
    assert dropped.any()
    for sample in range(x.shape[0]):
        for channel in range(x.shape[3]):
            d = dropped[sample, :, :, channel]
            np.testing.assert_array_equal(union_of_full_blocks(d, block), d)


def test_kept_fraction_matches_the_papers_gamma():
    rate, block, size = 0.25, 3, 16
    x = positive_input((64, size, size, 8))
    y = as_numpy(DropBlock2D(rate, block_size=block, seed=2)(x, training=True))
    expected = expected_kept_fraction(rate, block, size, size)
    # 512 independent maps; the kept fraction of one map has a std of about 0.03.
    assert abs((y != 0).mean() - expected) < 0.01
    # Overlaps make it keep a little more than 1 - rate, never much more.
    assert 1 - rate < expected < 1 - rate + 0.05


def test_each_sample_is_rescaled_by_units_over_kept_units():
    x = positive_input((5, 9, 9, 3), seed=3)
    y = as_numpy(DropBlock2D(0.3, block_size=2, seed=4)(x, training=True))
    for sample_x, sample_y in zip(x, y, strict=True):
        kept = sample_y != 0
        scale = kept.size / kept.sum()
        np.testing.assert_allclose(sample_y[kept], sample_x[kept] * scale, rtol=1e-5)


def test_sum_of_a_constant_map_is_kept_exactly():
    x = np.ones((4, 10, 10, 2), dtype="float32")
    y = as_numpy(DropBlock2D(0.3, block_size=3, seed=5)(x, training=True))
    np.testing.assert_allclose(y.sum(axis=(1, 2, 3)), x.sum(axis=(1, 2, 3)), rtol=1e-5)


def test_channels_are_dropped_independently():
    x = np.ones((1, 12, 12, 16), dtype="float32")
    y = as_numpy(DropBlock2D(0.3, block_size=3, seed=6)(x, training=True))
    masks = {(y[0, :, :, c] == 0).tobytes() for c in range(16)}
    assert len(masks) > 1


def test_block_size_one_is_dropout_of_single_units():
    rate = 0.2
    x = positive_input((32, 16, 16, 4), seed=7)
    y = as_numpy(DropBlock2D(rate, block_size=1, seed=7)(x, training=True))
    assert abs((y != 0).mean() - (1 - rate)) < 5 * np.sqrt(rate * (1 - rate) / x.size)


def test_channels_first_drops_the_same_blocks_as_channels_last():
    x = positive_input((2, 8, 8, 3), seed=8)
    last = DropBlock2D(0.3, block_size=3, seed=9, data_format="channels_last")
    first = DropBlock2D(0.3, block_size=3, seed=9, data_format="channels_first")
    y_last = as_numpy(last(x, training=True))
    y_first = as_numpy(first(np.transpose(x, (0, 3, 1, 2)), training=True))
    np.testing.assert_allclose(np.transpose(y_first, (0, 2, 3, 1)), y_last, rtol=1e-6)


def test_identity_in_inference_and_with_rate_zero():
    x = positive_input((2, 8, 8, 3), seed=10)
    assert np.array_equal(as_numpy(DropBlock2D(0.5, block_size=3)(x)), x)
    assert np.array_equal(as_numpy(DropBlock2D(0.0, block_size=3)(x, training=True)), x)


def test_seeded_reproducibility_and_fresh_masks_per_call():
    x = positive_input((2, 8, 8, 3), seed=11)
    a, b = DropBlock2D(0.3, block_size=3, seed=12), DropBlock2D(0.3, block_size=3, seed=12)
    first = as_numpy(a(x, training=True))
    assert np.array_equal(first, as_numpy(b(x, training=True)))
    assert not np.array_equal(first, as_numpy(a(x, training=True)))


def test_trains_in_a_convolutional_model_with_unknown_spatial_size():
    inputs = keras.Input((None, None, 3))
    hidden = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    hidden = DropBlock2D(0.2, block_size=3, seed=0)(hidden)
    outputs = keras.layers.GlobalAveragePooling2D()(hidden)
    model = keras.Model(inputs, outputs)
    model.compile("adam", "mse")
    x = positive_input((8, 10, 10, 3), seed=13)
    history = model.fit(x, np.zeros((8, 4)), epochs=1, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"][0])


@pytest.mark.parametrize(
    ("arguments", "name"),
    [
        ({"rate": 1.0}, "rate"),
        ({"rate": -0.2}, "rate"),
        ({"rate": 0.1, "block_size": 0}, "block_size"),
        ({"rate": 0.1, "block_size": 2.5}, "block_size"),
        ({"rate": 0.1, "seed": "x"}, "seed"),
        ({"rate": 0.1, "data_format": "NHWC"}, "data_format"),
    ],
)
def test_rejects_bad_arguments_naming_them(arguments, name):
    with pytest.raises(ValueError, match=name):
        DropBlock2D(**arguments)


def test_rejects_blocks_larger_than_the_map_and_non_4d_input():
    with pytest.raises(ValueError, match=r"block_size=5"):
        DropBlock2D(0.1, block_size=5)(np.ones((1, 4, 8, 2), dtype="float32"))
    with pytest.raises(ValueError):
        DropBlock2D(0.1, block_size=2)(np.ones((1, 4, 8), dtype="float32"))
