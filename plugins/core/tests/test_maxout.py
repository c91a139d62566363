"""`Maxout`'s two groupings and its unknown feature size (TF Addons' behaviour).

Run with KERAS_BACKEND=jax or torch as well.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_core import Maxout


def numpy_of(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def tf_addons_maxout(x: np.ndarray, num_units: int, axis: int) -> np.ndarray:
    """TF Addons' Maxout.call in numpy: shape[axis] = num_units, k inserted before it."""
    axis = axis % x.ndim
    shape = list(x.shape)
    k = shape[axis] // num_units
    shape[axis] = num_units
    shape.insert(axis, k)
    return x.reshape(shape).max(axis=axis)


X = np.array([[1.0, 5.0, -2.0, 3.0, 0.0, 4.0]], dtype="float32")


def test_the_issue_example_in_both_orders():
    np.testing.assert_array_equal(numpy_of(Maxout(2)(X)), [[5.0, 4.0]])
    np.testing.assert_array_equal(numpy_of(Maxout(2, grouping="strided")(X)), [[1.0, 5.0]])
    np.testing.assert_array_equal(tf_addons_maxout(X, 2, -1), [[1.0, 5.0]])


@pytest.mark.parametrize(("num_units", "axis"), [(2, -1), (4, -1), (3, 1), (6, -2), (12, 2)])
def test_strided_is_tf_addons_maxout(num_units, axis):
    x = np.random.default_rng(1).normal(size=(3, 6, 12)).astype("float32")
    np.testing.assert_array_equal(
        numpy_of(Maxout(num_units, axis=axis, grouping="strided")(x)),
        tf_addons_maxout(x, num_units, axis),
    )


def test_the_orders_differ_by_a_permutation_of_the_features():
    x = np.random.default_rng(2).normal(size=(5, 12)).astype("float32")
    # Feature j of the strided order is feature (j % 3) * 4 + j // 3 of the contiguous one.
    permutation = [(j % 3) * 4 + j // 3 for j in range(12)]
    permuted = np.empty_like(x)
    permuted[:, permutation] = x
    np.testing.assert_array_equal(
        numpy_of(Maxout(3, grouping="strided")(x)), numpy_of(Maxout(3)(permuted))
    )


@pytest.mark.parametrize("grouping", ["contiguous", "strided"])
def test_unknown_feature_size_at_build(grouping):
    inputs = keras.Input((None,))
    model = keras.Model(inputs, Maxout(3, grouping=grouping)(inputs))
    assert model.output.shape == (None, 3)
    for features in (6, 12):
        x = np.random.default_rng(features).normal(size=(4, features)).astype("float32")
        y = numpy_of(model.predict(x, verbose=0))
        expected = (
            tf_addons_maxout(x, 3, -1)
            if grouping == "strided"
            else x.reshape(4, 3, -1).max(axis=-1)
        )
        np.testing.assert_array_equal(y, expected)


def test_unknown_feature_size_is_checked_when_it_is_known():
    layer = Maxout(3)
    layer.build((None, None))
    with pytest.raises(ValueError, match=r"number of features \(7 on axis -1"):
        layer(np.zeros((2, 7), "float32"))


def test_bad_grouping():
    with pytest.raises(ValueError, match=r"`grouping`.*'interleaved'"):
        Maxout(2, grouping="interleaved")


def test_config_round_trips_the_grouping():
    layer = Maxout(4, axis=1, grouping="strided")
    again = Maxout.from_config(layer.get_config())
    assert again.get_config() == layer.get_config()
    assert again.grouping == "strided"
