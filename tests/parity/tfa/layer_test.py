"""A stand-in for TF Addons' ``test_utils.layer_test``, on Keras 3's public API.

TF Addons' tests call ``test_utils.layer_test``, which TF Addons imported from
tf.keras (``keras/testing_infra/test_utils.py`` of Keras 2, Apache-2.0). This is
that function with the same signature and the same steps, in order: build
from kwargs, weights round trip, functional model (output dtype and shape,
``compute_output_shape`` and the output spec against the real output),
``expected_output`` (rtol 1e-3, atol 1e-6), model config round trip, one
training step (rmsprop, mse), the layer rebuilt from its config in a
``Sequential`` model, its config round trip.

What Keras 3 changed, and only that: the ``Sequential`` model starts with a
``keras.Input`` instead of ``batch_input_shape`` in the layer config (Keras 3
layers take no such argument), the output spec comes from
``compute_output_spec`` on a ``keras.KerasTensor`` (``compute_output_signature``
is gone), and TF Addons' eager/``tf.function`` switch
(``maybe_run_functions_eagerly``) sets ``run_eagerly`` on the models built here
(``run_eagerly_scope``), since ``tf.config.run_functions_eagerly`` exists on
TensorFlow only. Like the original, it takes one input array, not a list.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Iterator
from typing import Any

import keras
import numpy as np

#: Whether the models built here run eagerly (``None``: Keras' default).
_run_eagerly: bool | None = None


@contextlib.contextmanager
def run_eagerly_scope(value: bool) -> Iterator[None]:
    """Within it, the models built by ``layer_test`` run eagerly, or compiled (``False``)."""
    global _run_eagerly
    previous, _run_eagerly = _run_eagerly, value
    try:
        yield
    finally:
        _run_eagerly = previous


def _eager(model: keras.Model) -> keras.Model:
    if _run_eagerly is not None:
        model.run_eagerly = _run_eagerly
    return model


def string_test(actual: Any, expected: Any) -> None:
    np.testing.assert_array_equal(actual, expected)


def numeric_test(actual: Any, expected: Any) -> None:
    np.testing.assert_allclose(actual, expected, rtol=1e-3, atol=1e-6)


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
    """Test routine for a layer with a single input and single output.

    Args:
      layer_cls: Layer class object.
      kwargs: Optional dictionary of keyword arguments for instantiating the
        layer.
      input_shape: Input shape tuple.
      input_dtype: Data type of the input data.
      input_data: Numpy array of input data.
      expected_output: Numpy array of the expected output.
      expected_output_dtype: Data type expected for the output.
      expected_output_shape: Shape tuple for the expected shape of the output.
      validate_training: Whether to attempt to validate training on this layer.
      adapt_data: Optional data for an 'adapt' call.
      custom_objects: Optional dictionary mapping name strings to custom objects
        in the layer class.
      test_harness: The test case, if any, whose assertAllClose/assertAllEqual
        to use.
      supports_masking: Optional boolean to check the `supports_masking`
        property of the layer. If None, the check will not be performed.

    Returns:
      The output data (Numpy array) returned by the layer, for additional
      checks to be done by the calling code.

    Raises:
      ValueError: if `input_shape is None`.
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
        if input_dtype[:5] == "float":
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

    if expected_output_dtype == "string":
        assert_equal = test_harness.assertAllEqual if test_harness else string_test
    else:
        assert_equal = test_harness.assertAllClose if test_harness else numeric_test

    # instantiation
    kwargs = kwargs or {}
    layer = layer_cls(**kwargs)

    if supports_masking is not None and layer.supports_masking != supports_masking:
        raise AssertionError(
            f"When testing layer {layer_cls.__name__}, the `supports_masking` property is "
            f"{layer.supports_masking!r}but expected to be {supports_masking!r}."
            f"\nFull kwargs: {kwargs}"
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
            f"dtype={y.dtype} but expected to find {expected_output_dtype}.\nFull kwargs: {kwargs}"
        )

    def assert_shapes_equal(expected, actual):
        """Asserts that the output shape from the layer matches the actual
        shape."""
        if len(expected) != len(actual):
            raise AssertionError(
                f"When testing layer {layer_cls.__name__}, for input {x}, found output_shape="
                f"{actual} but expected to find {expected}.\nFull kwargs: {kwargs}"
            )

        for expected_dim, actual_dim in zip(expected, actual, strict=True):
            if expected_dim is not None and expected_dim != actual_dim:
                raise AssertionError(
                    f"When testing layer {layer_cls.__name__}, for input {x}, found output_shape="
                    f"{actual} but expected to find {expected}.\nFull kwargs: {kwargs}"
                )

    if expected_output_shape is not None:
        assert_shapes_equal(tuple(expected_output_shape), y.shape)

    # check shape inference
    model = _eager(keras.Model(x, y))
    computed_output_shape = tuple(layer.compute_output_shape(tuple(input_shape)))
    computed_output_signature = layer.compute_output_spec(
        keras.KerasTensor(tuple(input_shape), dtype=input_dtype)
    )
    actual_output = model.predict(input_data, verbose=0)
    actual_output_shape = actual_output.shape
    assert_shapes_equal(computed_output_shape, actual_output_shape)
    assert_shapes_equal(computed_output_signature.shape, actual_output_shape)
    if keras.backend.standardize_dtype(
        computed_output_signature.dtype
    ) != keras.backend.standardize_dtype(actual_output.dtype):
        raise AssertionError(
            f"When testing layer {layer_cls.__name__}, for input {x}, found output_dtype="
            f"{actual_output.dtype} but expected to find {computed_output_signature.dtype}."
            f"\nFull kwargs: {kwargs}"
        )
    if expected_output is not None:
        assert_equal(actual_output, expected_output)

    # test serialization, weight setting at model level
    model_config = model.get_config()
    recovered_model = _eager(keras.Model.from_config(model_config, custom_objects))
    if model.weights:
        weights = model.get_weights()
        recovered_model.set_weights(weights)
        output = recovered_model.predict(input_data, verbose=0)
        assert_equal(output, actual_output)

    # test training mode (e.g. useful for dropout tests)
    # Rebuild the model to avoid the graph being reused between predict() and
    # train_on_batch().
    layer_weights = layer.get_weights()  # Get the layer weights BEFORE training.
    if validate_training:
        model = keras.Model(x, layer(x))
        model.compile("rmsprop", "mse", weighted_metrics=["acc"], run_eagerly=_run_eagerly)
        model.train_on_batch(input_data, actual_output)

    # test as first layer in Sequential API
    layer_config = layer.get_config()
    layer = layer.__class__.from_config(layer_config)

    # Test adapt, if data was passed.
    if adapt_data is not None:
        layer.adapt(adapt_data)

    model = _eager(keras.Sequential())
    model.add(keras.layers.Input(shape=input_shape[1:], dtype=input_dtype))
    model.add(layer)

    layer.set_weights(layer_weights)
    actual_output = model.predict(input_data, verbose=0)
    actual_output_shape = actual_output.shape
    for expected_dim, actual_dim in zip(computed_output_shape, actual_output_shape, strict=True):
        if expected_dim is not None and expected_dim != actual_dim:
            raise AssertionError(
                f"When testing layer {layer_cls.__name__} **after deserialization**, "
                f"for input {x}, found output_shape="
                f"{actual_output_shape} but expected to find inferred shape "
                f"{computed_output_shape}.\n"
                f"Full kwargs: {kwargs}"
            )
    if expected_output is not None:
        assert_equal(actual_output, expected_output)

    # test serialization, weight setting at model level
    model_config = model.get_config()
    recovered_model = _eager(keras.Sequential.from_config(model_config, custom_objects))
    if model.weights:
        weights = model.get_weights()
        recovered_model.set_weights(weights)
        output = recovered_model.predict(input_data, verbose=0)
        assert_equal(output, actual_output)

    # for further checks in the caller function
    return actual_output


def _dtype(value: Any) -> str:
    return keras.backend.standardize_dtype(value)


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
    dtypes = {_dtype(x.dtype if hasattr(x, "dtype") else np.asarray(x).dtype) for x in (a, b)}
    # TensorFlow's bfloat16 tensors do not convert to numpy here: compared in float32,
    # with bfloat16's tolerance (the dtypes are read first).
    a, b = (
        np.array(keras.ops.convert_to_numpy(keras.ops.cast(x, "float32")))
        if _dtype(getattr(x, "dtype", "float32")) == "bfloat16"
        else np.array(keras.ops.convert_to_numpy(x))
        for x in (a, b)
    )
    if dtypes & {"float32", "complex64"}:
        rtol, atol = max(rtol, float_rtol), max(atol, float_atol)
    if "float16" in dtypes:
        rtol, atol = max(rtol, half_rtol), max(atol, half_atol)
    if "bfloat16" in dtypes:
        rtol, atol = max(rtol, bfloat16_rtol), max(atol, bfloat16_atol)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
