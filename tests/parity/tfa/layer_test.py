"""A stand-in for TF Addons' ``test_utils.layer_test`` on Keras 3, any backend.

TF Addons' tests call ``test_utils.layer_test``, which was tf.keras'
``testing_utils.layer_test`` (``tensorflow/python/keras/testing_utils.py``),
gone with Keras 3. This is that function with its signature and its checks,
written with public Keras 3 APIs only: instantiate, weights round trip, the
functional API (output dtype and shape, ``compute_output_shape``, predicted
values against ``expected_output``), model config round trip, one training
step, the Sequential API, and its config round trip. Values are compared as
there, with ``rtol=1e-3, atol=1e-6``. Where Keras 3 has no equivalent
(``compute_output_signature``, ``batch_input_shape`` in a layer's config) the
nearest public API stands in (``compute_output_spec``; an ``Input`` layer).
"""

from __future__ import annotations

import inspect
from typing import Any

import keras
import numpy as np


def _assert_equal(actual: Any, expected: Any, test_harness: Any = None) -> None:
    if test_harness is not None:
        test_harness.assertAllClose(actual, expected, rtol=1e-3, atol=1e-6)
    else:
        np.testing.assert_allclose(actual, expected, rtol=1e-3, atol=1e-6)


def _assert_shapes_equal(expected: Any, actual: Any) -> None:
    """Asserts that the output shape from the layer matches the actual shape."""
    if len(expected) != len(actual):
        raise AssertionError(f"Expected shape {expected} but found shape {actual}")
    for expected_dim, actual_dim in zip(expected, actual, strict=True):
        if expected_dim is not None and expected_dim != actual_dim:
            raise AssertionError(f"Expected shape {expected} but found shape {actual}")


def layer_test(
    layer_cls: type,
    kwargs: dict | None = None,
    input_shape: tuple | None = None,
    input_dtype: Any = None,
    input_data: np.ndarray | None = None,
    expected_output: Any = None,
    expected_output_dtype: Any = None,
    expected_output_shape: tuple | None = None,
    validate_training: bool = True,
    adapt_data: Any = None,
    custom_objects: dict | None = None,
    test_harness: Any = None,
    supports_masking: bool | None = None,
) -> np.ndarray:
    """Test routine for a layer with a single input and single output.

    Returns:
        The output data (numpy array) returned by the layer, for additional
        checks to be done by the calling code.

    Raises:
        ValueError: if `input_shape is None` and no `input_data` is given.
    """
    if input_data is None:
        if input_shape is None:
            raise ValueError("input_shape is None")
        if not input_dtype:
            input_dtype = "float32"
        input_data_shape = list(input_shape)
        for i, e in enumerate(input_data_shape):
            if e is None:
                input_data_shape[i] = np.random.randint(1, 4)
        input_data = 10 * np.random.random(input_data_shape)
        if str(input_dtype)[:5] == "float":
            input_data -= 0.5
        input_data = input_data.astype(input_dtype)
    elif input_shape is None:
        input_shape = input_data.shape
    if input_dtype is None:
        input_dtype = input_data.dtype
    input_dtype = keras.backend.standardize_dtype(input_dtype)
    if expected_output_dtype is None:
        expected_output_dtype = input_dtype
    expected_output_dtype = keras.backend.standardize_dtype(expected_output_dtype)

    # instantiation
    kwargs = kwargs or {}
    layer = layer_cls(**kwargs)

    if supports_masking is not None and layer.supports_masking != supports_masking:
        raise AssertionError(
            f"When testing layer {layer_cls.__name__}, the `supports_masking` property is "
            f"{layer.supports_masking} but expected to be {supports_masking}.\n"
            f"Full kwargs: {kwargs}"
        )

    # Test adapt, if data was passed.
    if adapt_data is not None:
        layer.adapt(adapt_data)

    # test get_weights , set_weights at layer level
    weights = layer.get_weights()
    layer.set_weights(weights)

    # test and instantiation from weights
    if "weights" in inspect.signature(layer_cls.__init__).parameters:
        kwargs["weights"] = weights
        layer = layer_cls(**kwargs)

    # test in functional API
    x = keras.layers.Input(shape=input_shape[1:], dtype=input_dtype)
    y = layer(x)
    if keras.backend.standardize_dtype(y.dtype) != expected_output_dtype:
        raise AssertionError(
            f"When testing layer {layer_cls.__name__}, for input {x}, found output "
            f"dtype={y.dtype} but expected to find {expected_output_dtype}.\n"
            f"Full kwargs: {kwargs}"
        )

    if expected_output_shape is not None:
        _assert_shapes_equal(tuple(expected_output_shape), tuple(y.shape))

    # check shape inference
    model = keras.Model(x, y)
    computed_output_shape = tuple(layer.compute_output_shape(tuple(input_shape)))
    computed_output_signature = layer.compute_output_spec(
        keras.KerasTensor(tuple(input_shape), dtype=input_dtype)
    )
    actual_output = model.predict(input_data, verbose=0)
    actual_output_shape = actual_output.shape
    _assert_shapes_equal(computed_output_shape, actual_output_shape)
    _assert_shapes_equal(tuple(computed_output_signature.shape), actual_output_shape)
    if keras.backend.standardize_dtype(computed_output_signature.dtype) != str(actual_output.dtype):
        raise AssertionError(
            f"When testing layer {layer_cls.__name__}, for input {x}, found output_dtype="
            f"{actual_output.dtype} but expected to find {computed_output_signature.dtype}.\n"
            f"Full kwargs: {kwargs}"
        )
    if expected_output is not None:
        _assert_equal(actual_output, expected_output, test_harness)

    # test serialization, weight setting at model level
    model_config = model.get_config()
    recovered_model = keras.Model.from_config(model_config, custom_objects)
    if model.weights:
        weights = model.get_weights()
        recovered_model.set_weights(weights)
        output = recovered_model.predict(input_data, verbose=0)
        _assert_equal(output, actual_output, test_harness)

    # test training mode (e.g. useful for dropout tests)
    layer_weights = layer.get_weights()
    if validate_training:
        model = keras.Model(x, layer(x))
        model.compile("rmsprop", "mse", weighted_metrics=["acc"])
        model.train_on_batch(input_data, actual_output)

    # test as first layer in Sequential API
    layer_config = layer.get_config()
    layer = layer.__class__.from_config(layer_config)

    # test adapt, if data was passed.
    if adapt_data is not None:
        layer.adapt(adapt_data)

    model = keras.Sequential()
    model.add(keras.layers.Input(shape=input_shape[1:], dtype=input_dtype))
    model.add(layer)

    layer.set_weights(layer_weights)
    actual_output = model.predict(input_data, verbose=0)
    actual_output_shape = actual_output.shape
    for expected_dim, actual_dim in zip(computed_output_shape, actual_output_shape, strict=True):
        if expected_dim is not None and expected_dim != actual_dim:
            raise AssertionError(
                f"When testing layer {layer_cls.__name__} **after deserialization**, for "
                f"input {input_data}, found output_shape={actual_output_shape} but expected "
                f"to find inferred shape {computed_output_shape}.\nFull kwargs: {kwargs}"
            )
    if expected_output is not None:
        _assert_equal(actual_output, expected_output, test_harness)

    # test serialization, weight setting at model level
    model_config = model.get_config()
    recovered_model = keras.Sequential.from_config(model_config, custom_objects)
    if model.weights:
        weights = model.get_weights()
        recovered_model.set_weights(weights)
        output = recovered_model.predict(input_data, verbose=0)
        _assert_equal(output, actual_output, test_harness)

    # for further checks in the caller function
    return actual_output
