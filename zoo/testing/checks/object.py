"""Conformance checks of initializers, regularizers and constraints."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from zoo.registry import Registered
from zoo.registry.entries import ObjectEntry
from zoo.testing.helpers import (
    assert_config_roundtrip,
    config_json,
    fit_step,
    object_entry,
    reloads_in_new_process,
    to_numpy,
)
from zoo.testing.kit import check
from zoo.testing.uses import uses

OBJECTS = ("initializer", "regularizer", "constraint")


def example_weights(entry: ObjectEntry, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=entry.example_shape).astype("float32")


def host_layer(item: Registered, obj: Any) -> tuple[keras.layers.Layer, tuple[int, ...]]:
    """A built-in layer whose kernel of the example shape uses ``obj``; and its input shape."""
    shape = object_entry(item).example_shape
    argument = {f"kernel_{item.kind}": obj}
    if len(shape) == 2:
        return keras.layers.Dense(shape[-1], **argument), (shape[0],)
    convolutions = {
        3: keras.layers.Conv1D,
        4: keras.layers.Conv2D,
        5: keras.layers.Conv3D,
    }
    if len(shape) not in convolutions:
        raise AssertionError(f"example_shape {shape} is not a dense or convolution kernel")
    layer = convolutions[len(shape)](shape[-1], kernel_size=shape[:-2], padding="same", **argument)
    return layer, (*[8] * (len(shape) - 2), shape[-2])


def value_of(item: Registered, obj: Any, weights: np.ndarray) -> np.ndarray:
    """What the object makes of ``weights``: initial values, penalty or projection."""
    if item.kind == "initializer":
        return np.asarray(keras.ops.convert_to_numpy(obj(object_entry(item).example_shape)))
    return np.asarray(keras.ops.convert_to_numpy(obj(keras.ops.convert_to_tensor(weights))))


@uses(*OBJECTS)
def use_object(item: Registered, obj: Any) -> np.ndarray:
    """An object is used on the example weights (an initializer makes weights of their shape)."""
    return value_of(item, obj, example_weights(object_entry(item)))


@check(*OBJECTS)
def check_object_config_roundtrip(item: Registered) -> None:
    """get_config() holds every __init__ argument; from_config() and Keras' own
    deserialization rebuild an equal object."""
    entry = object_entry(item)
    obj = entry.make()
    config = assert_config_roundtrip(entry, obj)
    revived = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(obj))
    # type[Any], not type: the ``is`` below then leaves ``revived`` Any, not object.
    cls: type[Any] = entry.cls
    assert type(revived) is cls, f"Keras deserializes it as {type(revived).__name__}"
    assert config_json(revived.get_config()) == config_json(config)


@check(*OBJECTS)
def check_object_value(item: Registered) -> None:
    """Its value matches the Keras twin or the independent reference formula."""
    entry = object_entry(item)
    assert entry.twin or entry.reference, "declares neither a Keras twin nor a reference"
    obj = entry.make()
    weights = example_weights(entry)
    value = value_of(item, obj, weights)
    assert np.isfinite(value).all(), "gives non-finite values"
    if item.kind == "initializer":
        assert value.shape == tuple(entry.example_shape), f"made shape {value.shape}"
        if entry.make_config().get("seed") is not None:
            again = value_of(item, entry.make(), weights)
            assert np.array_equal(value, again), "the same seed gives other values"
    if entry.twin:
        twin = entry.twin.build(entry.twin_config())
        expected = value_of(item, twin, weights)
        np.testing.assert_allclose(
            value,
            expected,
            atol=entry.twin.atol,
            rtol=entry.twin.rtol,
            err_msg=f"value vs {entry.twin.name}",
        )
    if entry.reference:
        expected = entry.reference(
            entry.make_config(), value if item.kind == "initializer" else weights
        )
        if item.kind != "initializer":
            np.testing.assert_allclose(
                value,
                np.asarray(expected),
                atol=entry.atol,
                rtol=1e-5,
                err_msg="value vs the reference formula",
            )


@check(*OBJECTS)
def check_object_keras_file(item: Registered) -> None:
    """Used in a built-in layer, it trains, saves to .keras and loads in a new process."""
    layer, input_shape = host_layer(item, item.entry.make())
    inputs = keras.Input(shape=input_shape)
    model = keras.Model(inputs, layer(inputs))
    x = np.random.default_rng(0).normal(size=(4, *input_shape)).astype("float32")
    fit_step(model, x)
    if item.kind == "regularizer":
        assert len(model.losses) == 1, f"the host model has {len(model.losses)} losses, not 1"
        penalty = float(keras.ops.convert_to_numpy(item.entry.make()(layer.kernel)))
        loss = float(keras.ops.convert_to_numpy(model.losses[0]))
        np.testing.assert_allclose(loss, penalty, rtol=1e-5, err_msg="penalty in model.losses")
    expected = to_numpy(model(x))
    reloads_in_new_process(model, x, expected)
