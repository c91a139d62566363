"""LayerNormalization and RMSNormalization against numpy references."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_normalization import LayerNormalization, RMSNormalization

numpy_of = keras.ops.convert_to_numpy

#: Exact to rounding: float64 where the backend computes in it, else float32, whose
#: rounding (~1e-7 relative) on outputs up to ~10 gives errors up to ~1e-6.
TOLERANCE = {"float64": 1e-10, "float32": 1e-5}


def drawn(values: np.ndarray, dtype: str) -> np.ndarray:
    """`values` as the layer sees them in `dtype`, in float64 for the reference."""
    return values.astype(dtype).astype("float64")


@pytest.mark.parametrize("axis", [-1, [1, 2], [1, 3], 2])
def test_layer_normalization_matches_numpy(rng, axis, most_precise):
    x = drawn(rng.normal(3.0, 2.0, size=(3, 4, 5, 6)), most_precise)
    axes = tuple(a % 4 for a in (axis if isinstance(axis, list) else [axis]))
    param_shape = tuple(x.shape[a] for a in axes)
    gamma = drawn(rng.uniform(0.5, 2.0, param_shape), most_precise)
    beta = drawn(rng.normal(size=param_shape), most_precise)
    layer = LayerNormalization(axis=axis, epsilon=1e-3, dtype=most_precise)
    layer.build(x.shape)
    layer.set_weights([gamma, beta])
    shape = [x.shape[a] if a in axes else 1 for a in range(4)]
    mean, variance = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    want = (x - mean) / np.sqrt(variance + 1e-3) * gamma.reshape(shape) + beta.reshape(shape)
    y = numpy_of(layer(x.astype(most_precise)))
    np.testing.assert_allclose(y, want, atol=TOLERANCE[most_precise])


@pytest.mark.parametrize("axis", [-1, [1, 2], 1])
def test_rms_normalization_matches_numpy(rng, axis, most_precise):
    x = drawn(rng.normal(1.0, 2.0, size=(3, 4, 5)), most_precise)
    axes = tuple(a % 3 for a in (axis if isinstance(axis, list) else [axis]))
    scale = drawn(rng.uniform(0.5, 2.0, tuple(x.shape[a] for a in axes)), most_precise)
    layer = RMSNormalization(axis=axis, epsilon=1e-6, dtype=most_precise)
    layer.build(x.shape)
    layer.set_weights([scale])
    rms = np.sqrt((x**2).mean(axis=axes, keepdims=True) + 1e-6)
    shape = [x.shape[a] if a in axes else 1 for a in range(3)]
    y = numpy_of(layer(x.astype(most_precise)))
    np.testing.assert_allclose(y, x / rms * scale.reshape(shape), atol=TOLERANCE[most_precise])


@pytest.mark.parametrize("cls", [LayerNormalization, RMSNormalization])
@pytest.mark.parametrize(("axis", "match"), [("last", "axis"), ([], "axis"), ([1, 1], "axis")])
def test_invalid_axis_at_construction(cls, axis, match):
    with pytest.raises(ValueError, match=match):
        cls(axis=axis)


@pytest.mark.parametrize("cls", [LayerNormalization, RMSNormalization])
@pytest.mark.parametrize("axis", [0, 3, -4])
def test_axis_out_of_range_or_batch_at_build(cls, axis):
    with pytest.raises(ValueError, match=f"axis={axis}"):
        cls(axis=axis)(np.ones((2, 3, 4), "float32"))
