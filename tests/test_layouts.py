"""zoo.layout_map: a keras.distribution LayoutMap for a zoo model from the registered
layout hints (the sharded training itself: the kit's slow model_parallel check, JAX)."""

from __future__ import annotations

import keras
import pytest
from zoo_core import Linear, MLPBlock

import zoo
from zoo.testing.helpers import model_around


def mesh(model_axis: int = 2) -> keras.distribution.DeviceMesh:
    # A mesh is a description: building the map touches no device.
    devices = [f"cpu:{i}" for i in range(model_axis)]
    return keras.distribution.DeviceMesh((1, model_axis), ("batch", "model"), devices=devices)


def built_model() -> keras.Model:
    inputs = keras.Input((8,))
    x = Linear(6, name="first")(inputs)
    outputs = MLPBlock(units=(16, 4, 1), name="block")(x)
    return keras.Model(inputs, outputs)


def test_kernels_and_biases_shard_over_the_model_axis_where_they_divide():
    found = zoo.layout_map(built_model(), mesh())
    assert tuple(found["first/kernel"].axes) == (None, "model")
    assert tuple(found["first/bias"].axes) == ("model",)
    assert tuple(found["block/linear_0/kernel"].axes) == (None, "model")
    assert tuple(found["block/linear_1/kernel"].axes) == (None, "model")
    # One output unit does not split over two devices: left replicated.
    assert found["block/linear_2/kernel"] is None
    assert found["block/linear_2/bias"] is None


def test_a_mesh_axis_size_that_divides_nothing_shards_nothing():
    found = zoo.layout_map(built_model(), mesh(model_axis=5))
    assert found["first/kernel"] is None and found["block/linear_0/kernel"] is None


def test_every_registered_hint_names_weights_its_layer_has():
    for item in zoo.get_registry().layers():
        if not item.entry.layout:
            continue
        layer = item.entry.make()
        model_around(layer, item.entry)
        names = {w.name for w in layer.weights}
        missing = set(item.entry.layout) - names
        assert not missing, f"{item.name}'s layout hint names {missing}; it has {names}"


def test_an_unbuilt_model_and_a_wrong_hint_are_refused_clearly():
    with pytest.raises(ValueError, match="needs a built model"):
        zoo.layout_map(keras.Sequential([Linear(4)]), mesh())
    with pytest.raises(ValueError, match=r"names mesh axes \['tensor'\]"):
        zoo.layout_map(built_model(), mesh(), hints={Linear: {"kernel": (None, "tensor")}})
    with pytest.raises(ValueError, match="1 axes, but first/kernel has shape"):
        zoo.layout_map(built_model(), mesh(), hints={Linear: {"kernel": ("model",)}})
