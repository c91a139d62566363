"""What Keras' own test files found (tests/parity), checked against Keras itself:
BatchNormalization's mask axis and batch renormalization, layer and RMS
normalization at another rank, LayerNormalization's rms_scaling."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_normalization import BatchNormalization, LayerNormalization, RMSNormalization

from zoo.testing.helpers import as_numpy


def behind_masking(layer, shape):
    inputs = keras.Input(shape[1:])
    return keras.Model(inputs, layer(keras.layers.Masking(0.0)(inputs)))


@pytest.mark.parametrize("shape", [(5, 2, 3), (4, 3, 3), (5, 3, 3, 2)])
def test_batch_normalization_axis_1_behind_masking_matches_keras(shape):
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, size=shape).astype("float32")
    x[0, 1] = 0.0  # masked positions, differently placed in two samples
    x[2, ..., 0, :] = 0.0
    layer = BatchNormalization(axis=1, momentum=0.5)
    twin = keras.layers.BatchNormalization(axis=1, momentum=0.5)
    model, twin_model = behind_masking(layer, shape), behind_masking(twin, shape)
    for _ in range(3):
        np.testing.assert_allclose(
            as_numpy(model(x, training=True)), as_numpy(twin_model(x, training=True)), atol=1e-5
        )
    for ours, theirs in zip(layer.weights, twin.weights, strict=True):
        np.testing.assert_allclose(as_numpy(ours), as_numpy(theirs), atol=1e-5, err_msg=ours.name)
    np.testing.assert_allclose(as_numpy(model(x)), as_numpy(twin_model(x)), atol=1e-5)
    # The moving statistics moved away from their start: the comparison meant something.
    assert np.abs(as_numpy(layer.moving_mean)).max() > 0.5


def _renorm_model(cls, weights=None):
    inputs = keras.Input((6, 4))
    hidden = keras.layers.Dense(4, kernel_initializer="identity")(inputs)
    outputs = cls(
        renorm=True,
        renorm_clipping={"rmax": 3, "rmin": 1 / 3, "dmax": 5},
        momentum=0.9,
        renorm_momentum=0.8,
    )(hidden)
    model = keras.Model(inputs, outputs)
    if weights is not None:
        model.set_weights(weights)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    return model


def test_batch_renormalization_trains_like_keras_for_ten_steps():
    rng = np.random.default_rng(1)
    twin = _renorm_model(keras.layers.BatchNormalization)
    start = [w + rng.normal(0.0, 0.3, size=w.shape).astype("float32") for w in twin.get_weights()]
    twin.set_weights(start)
    ours = _renorm_model(BatchNormalization, start)
    names = [w.path for w in twin.weights]
    assert [w.name for w in ours.weights] == [w.name for w in twin.weights]
    assert {"moving_stddev", "renorm_mean", "renorm_stddev"} <= {w.name for w in ours.weights}
    for step in range(10):
        # Batches far from the statistics so far, so that r and d are clipped.
        x = rng.normal(step - 3.0, 0.2 + step, size=(8, 6, 4)).astype("float32")
        y = rng.normal(size=(8, 6, 4)).astype("float32")
        ours.train_on_batch(x, y)
        twin.train_on_batch(x, y)
        for name, a, b in zip(names, ours.get_weights(), twin.get_weights(), strict=True):
            np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5, err_msg=f"{name}, step {step}")
        np.testing.assert_allclose(
            as_numpy(ours(x, training=True)), as_numpy(twin(x, training=True)), atol=1e-5
        )
    np.testing.assert_allclose(as_numpy(ours(x)), as_numpy(twin(x)), atol=1e-5)
    # The statistics moved, so the comparison covered their updates.
    moved = {
        w.name for w, before in zip(ours.weights, start, strict=True) if not np.allclose(w, before)
    }
    statistics = {"moving_mean", "moving_variance", "moving_stddev", "renorm_mean", "renorm_stddev"}
    assert statistics | {"gamma"} <= moved, moved


@pytest.mark.parametrize("cls", ["LayerNormalization", "RMSNormalization"])
def test_normalization_takes_another_rank_after_build_as_keras_does(cls):
    ours = {"LayerNormalization": LayerNormalization, "RMSNormalization": RMSNormalization}[cls]()
    twin = getattr(keras.layers, cls)()
    ours.build((2, 2, 2))
    twin.build((2, 2, 2))
    twin.set_weights([w + 0.5 for w in twin.get_weights()])
    ours.set_weights(twin.get_weights())
    x = np.random.default_rng(2).normal(5.0, 10.0, size=(10, 2, 2, 2)).astype("float32")
    np.testing.assert_allclose(as_numpy(ours(x)), as_numpy(twin(x)), atol=1e-5)
    with pytest.raises(ValueError, match=r"\(10, 2, 2, 3\)"):
        ours(np.ones((10, 2, 2, 3), "float32"))


def test_layer_normalization_rms_scaling_matches_keras():
    x = np.random.default_rng(3).normal(1.0, 2.0, size=(4, 5, 6)).astype("float32")
    with pytest.warns(UserWarning, match="deprecated"):
        ours = LayerNormalization(rms_scaling=True, scale=False)
    twin = keras.layers.LayerNormalization(rms_scaling=True, scale=False)
    ours.build(x.shape)
    twin.build(x.shape)
    assert [w.name for w in ours.weights] == [w.name for w in twin.weights] == ["gamma"]
    twin.set_weights([np.linspace(0.5, 2.0, 6).astype("float32")])
    ours.set_weights(twin.get_weights())
    np.testing.assert_allclose(as_numpy(ours(x)), as_numpy(twin(x)), atol=1e-5)
    config = ours.get_config()
    assert config["rms_scaling"] is True
