"""A stand-in for TF Addons' ``test_utils.layer_test`` (which was TensorFlow's
``tensorflow.python.keras.testing_utils.layer_test``), for the ported tests.

Same signature, same steps, written with Keras 3's public API so that it runs
on every backend: instantiate, get/set weights, call on a symbolic input and
check the output dtype and shape, compare ``compute_output_shape`` and
``predict`` with the expected output, rebuild the functional model from its
config, train a step, then the same as the first layer of a ``Sequential``.
Also ``assert_allclose_according_to_type`` from the same TF Addons module.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np


def _dtype(value: Any) -> str:
    return keras.backend.standardize_dtype(value)


def _assert_shapes_equal(layer_cls, expected, actual, kwargs, when=""):
    expected, actual = tuple(expected), tuple(actual)
    if len(expected) != len(actual) or any(
        e is not None and a is not None and e != a for e, a in zip(expected, actual, strict=True)
    ):
        raise AssertionError(
            f"When testing layer {layer_cls.__name__}{when}, found output_shape={actual} "
            f"but expected to find {expected}.\nFull kwargs: {kwargs}"
        )


def layer_test(
    layer_cls,
    kwargs=None,
    input_shape=None,
    input_dtype=None,
    input_data=None,
    expected_output=None,
    expected_output_dtype=None,
    expected_output_shape=None,
    validate_training=True,
    adapt_data=None,
    custom_objects=None,
    test_harness=None,
    supports_masking=None,
):
    """Test routine for a layer with a single input and single output; returns the
    output of ``predict`` for further checks (TensorFlow's ``layer_test``)."""
    if input_data is None:
        if input_shape is None:
            raise ValueError("input_shape is None")
        if not input_dtype:
            input_dtype = "float32"
        input_data_shape = [np.random.randint(1, 4) if e is None else e for e in input_shape]
        input_data = 10 * np.random.random(input_data_shape)
        if _dtype(input_dtype).startswith("float"):
            input_data -= 0.5
        input_data = input_data.astype(input_dtype)
    elif input_shape is None:
        input_shape = input_data.shape
    if input_dtype is None:
        input_dtype = input_data.dtype
    input_dtype = _dtype(input_dtype)
    if expected_output_dtype is None:
        expected_output_dtype = input_dtype

    # instantiation
    kwargs = kwargs or {}
    layer = layer_cls(**kwargs)
    if supports_masking is not None and layer.supports_masking != supports_masking:
        raise AssertionError(
            f"When testing layer {layer_cls.__name__}, the `supports_masking` property is "
            f"{layer.supports_masking} but expected to be {supports_masking}."
        )
    if adapt_data is not None:
        layer.adapt(adapt_data)

    # test get_weights, set_weights at layer level
    layer.set_weights(layer.get_weights())

    # test in functional API
    x = keras.Input(shape=tuple(input_shape[1:]), dtype=input_dtype)
    y = layer(x)
    if _dtype(y.dtype) != _dtype(expected_output_dtype):
        raise AssertionError(
            f"When testing layer {layer_cls.__name__}, for input {x}, found output "
            f"dtype={y.dtype} but expected to find {expected_output_dtype}.\n"
            f"Full kwargs: {kwargs}"
        )
    if expected_output_shape is not None:
        _assert_shapes_equal(layer_cls, expected_output_shape, y.shape, kwargs)

    # check shape inference
    model = keras.Model(x, y)
    computed_output_shape = tuple(layer.compute_output_shape(tuple(input_shape)))
    computed_output_signature = layer.compute_output_spec(
        keras.KerasTensor(tuple(input_shape), dtype=input_dtype)
    )
    actual_output = model.predict(input_data, verbose=0)
    _assert_shapes_equal(layer_cls, computed_output_shape, actual_output.shape, kwargs)
    _assert_shapes_equal(layer_cls, computed_output_signature.shape, actual_output.shape, kwargs)
    if _dtype(computed_output_signature.dtype) != _dtype(actual_output.dtype):
        raise AssertionError(
            f"When testing layer {layer_cls.__name__}, for input {x}, found output_dtype="
            f"{actual_output.dtype} but expected to find {computed_output_signature.dtype}.\n"
            f"Full kwargs: {kwargs}"
        )
    if expected_output is not None:
        np.testing.assert_allclose(actual_output, expected_output, rtol=1e-3, atol=1e-6)

    # test serialization, weight setting at model level
    recovered_model = keras.Model.from_config(model.get_config(), custom_objects=custom_objects)
    if model.weights:
        recovered_model.set_weights(model.get_weights())
        output = recovered_model.predict(input_data, verbose=0)
        np.testing.assert_allclose(output, actual_output, rtol=1e-3, atol=1e-6)

    # test training mode (e.g. useful for dropout tests)
    if validate_training:
        model = keras.Model(x, layer(x))
        model.compile("rmsprop", "mse", weighted_metrics=["acc"])
        model.train_on_batch(input_data, actual_output)

    # test as first layer in Sequential API (Keras 3 spells batch_input_shape as an Input)
    layer = layer.__class__.from_config(layer.get_config())
    if adapt_data is not None:
        layer.adapt(adapt_data)
    model = keras.Sequential([keras.Input(batch_shape=tuple(input_shape), dtype=input_dtype)])
    model.add(layer)
    actual_output = model.predict(input_data, verbose=0)
    _assert_shapes_equal(
        layer_cls, computed_output_shape, actual_output.shape, kwargs, " **after deserialization**"
    )
    if expected_output is not None:
        np.testing.assert_allclose(actual_output, expected_output, rtol=1e-3, atol=1e-6)

    # test serialization, weight setting at model level
    recovered_model = keras.Sequential.from_config(
        model.get_config(), custom_objects=custom_objects
    )
    if model.weights:
        recovered_model.set_weights(model.get_weights())
        output = recovered_model.predict(input_data, verbose=0)
        np.testing.assert_allclose(output, actual_output, rtol=1e-3, atol=1e-6)

    # for further checks in the caller function
    return actual_output


def assert_allclose_according_to_type(
    a,
    b,
    rtol=1e-6,
    atol=1e-6,
    float_rtol=1e-6,
    float_atol=1e-6,
    half_rtol=1e-3,
    half_atol=1e-3,
    bfloat16_rtol=1e-2,
    bfloat16_atol=1e-2,
):
    """Similar to tf.test.TestCase.assertAllCloseAccordingToType() (TF Addons' test_utils)."""
    a = np.array(keras.ops.convert_to_numpy(a))
    b = np.array(keras.ops.convert_to_numpy(b))
    dtypes = {_dtype(a.dtype), _dtype(b.dtype)}
    if dtypes & {"float32", "complex64"}:
        rtol, atol = max(rtol, float_rtol), max(atol, float_atol)
    if "float16" in dtypes:
        rtol, atol = max(rtol, half_rtol), max(atol, half_atol)
    if "bfloat16" in dtypes:
        rtol, atol = max(rtol, bfloat16_rtol), max(atol, bfloat16_atol)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
