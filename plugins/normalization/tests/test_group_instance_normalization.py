"""GroupNormalization and InstanceNormalization against numpy references."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_normalization import GroupNormalization, InstanceNormalization

numpy_of = keras.ops.convert_to_numpy

#: Exact to rounding: float64 where the backend computes in it, else float32, whose
#: rounding (~1e-7 relative) on outputs up to ~10 gives errors up to ~1e-6.
TOLERANCE = {"float64": 1e-10, "float32": 1e-5}


def drawn(values: np.ndarray, dtype: str) -> np.ndarray:
    """`values` as the layer sees them in `dtype`, in float64 for the reference."""
    return values.astype(dtype).astype("float64")


def broadcast(values: np.ndarray, rank: int, axis: int) -> np.ndarray:
    """`values` (one per channel) shaped to broadcast along `axis` of a rank-`rank` array."""
    shape = [1] * rank
    shape[axis] = -1
    return values.reshape(shape)


def group_norm_reference(x, groups, axis, epsilon, gamma, beta):
    """Group normalization as in Wu & He (2018), for channels on `axis`."""
    moved = np.moveaxis(x, axis, -1)  # (batch, ..., channels)
    batch, channels = moved.shape[0], moved.shape[-1]
    grouped = moved.reshape(batch, -1, groups, channels // groups)
    mean = grouped.mean(axis=(1, 3), keepdims=True)
    variance = grouped.var(axis=(1, 3), keepdims=True)
    normalized = ((grouped - mean) / np.sqrt(variance + epsilon)).reshape(moved.shape)
    return np.moveaxis(normalized * gamma + beta, -1, axis)


@pytest.mark.parametrize(
    ("groups", "axis", "shape"),
    [(4, -1, (3, 5, 5, 8)), (2, 1, (3, 6, 4, 5)), (1, -1, (2, 7, 6)), (3, -1, (2, 9))],
)
def test_group_normalization_matches_numpy(rng, groups, axis, shape, most_precise):
    x = drawn(rng.normal(1.0, 4.0, size=shape), most_precise)
    channels = shape[axis]
    gamma = drawn(rng.uniform(0.5, 2.0, channels), most_precise)
    beta = drawn(rng.normal(size=channels), most_precise)
    layer = GroupNormalization(groups=groups, axis=axis, epsilon=1e-3, dtype=most_precise)
    layer.build(shape)
    layer.set_weights([gamma, beta])
    want = group_norm_reference(x, groups, axis, 1e-3, gamma, beta)
    y = numpy_of(layer(x.astype(most_precise)))
    np.testing.assert_allclose(y, want, atol=TOLERANCE[most_precise])


@pytest.mark.parametrize(("axis", "shape"), [(-1, (3, 4, 5, 6)), (1, (3, 6, 4, 5))])
def test_instance_normalization_normalizes_each_channel_alone(rng, axis, shape, most_precise):
    x = rng.normal(size=shape) * broadcast(np.arange(1.0, shape[axis] + 1), len(shape), axis)
    x = drawn(x, most_precise)
    layer = InstanceNormalization(axis=axis, dtype=most_precise)
    layer.build(shape)
    gamma = drawn(rng.uniform(0.5, 2.0, shape[axis]), most_precise)
    beta = drawn(rng.normal(size=shape[axis]), most_precise)
    layer.set_weights([gamma, beta])
    spatial = tuple(i for i in range(1, len(shape)) if i != axis % len(shape))
    mean = x.mean(axis=spatial, keepdims=True)
    variance = x.var(axis=spatial, keepdims=True)
    b = lambda v: broadcast(v, len(shape), axis)  # noqa: E731
    want = b(gamma) * (x - mean) / np.sqrt(variance + 1e-3) + b(beta)
    y = numpy_of(layer(x.astype(most_precise)))
    np.testing.assert_allclose(y, want, atol=TOLERANCE[most_precise])


def test_minus_one_groups_is_instance_normalization(rng):
    x = rng.normal(size=(2, 4, 4, 6)).astype("float32")
    np.testing.assert_allclose(
        numpy_of(GroupNormalization(groups=-1)(x)),
        numpy_of(InstanceNormalization()(x)),
        atol=1e-6,
    )


def test_groups_must_divide_channels():
    layer = GroupNormalization(groups=4)
    with pytest.raises(ValueError, match=r"`groups`.*6 channels.*groups=4"):
        layer(np.ones((2, 3, 6), "float32"))


@pytest.mark.parametrize("groups", [0, -2, 2.0, True])
def test_groups_must_be_positive_or_minus_one(groups):
    with pytest.raises(ValueError, match="groups"):
        GroupNormalization(groups=groups)


def test_config_keeps_minus_one_and_instance_config_has_no_groups():
    layer = GroupNormalization(groups=-1)
    layer(np.ones((2, 3, 4), "float32"))
    assert layer.get_config()["groups"] == -1
    config = InstanceNormalization(axis=1).get_config()
    assert "groups" not in config
    assert InstanceNormalization.from_config(config).axis == 1
