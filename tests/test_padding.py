"""zoo.ops.padding.pad: keras.ops.pad's values without a Keras Operation per call."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from zoo.ops.padding import pad

WIDTHS = [((0, 0), (2, 1), (1, 3), (0, 0)), ((1, 0), (0, 2), (0, 0), (3, 3))]


@pytest.mark.parametrize("widths", WIDTHS)
@pytest.mark.parametrize(("mode", "value"), [("constant", 0.0), ("constant", -np.inf),
                                             ("reflect", 0), ("symmetric", 0)])  # fmt: skip
def test_pad_gives_numpys_padding(widths, mode, value):
    x = np.random.default_rng(0).normal(size=(2, 5, 6, 4)).astype("float32")
    expected = (
        np.pad(x, widths, mode="constant", constant_values=value)
        if mode == "constant"
        else np.pad(x, widths, mode=mode)
    )
    found = keras.ops.convert_to_numpy(pad(keras.ops.convert_to_tensor(x), widths, mode, value))
    np.testing.assert_array_equal(found, expected)


def test_pad_makes_no_keras_operation_and_refuses_an_unknown_mode():
    from keras.src.backend.common import global_state

    x = keras.ops.ones((2, 3))
    names = dict(global_state.get_global_attribute("object_name_uids", {}) or {})
    pad(x, ((1, 1), (0, 2)))
    assert dict(global_state.get_global_attribute("object_name_uids", {}) or {}) == names
    with pytest.raises(ValueError, match="mode"):
        pad(x, ((1, 1), (0, 0)), mode="edge")
