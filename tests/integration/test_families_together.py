"""Acceptance across families: one functional model using every layer,
regularizer and constraint of the regularizing and normalization families
trains, saves, and predicts the same in a new process that imports only zoo."""

from __future__ import annotations

import subprocess
import sys

import keras
import numpy as np
from zoo_normalization import (
    BatchNormalization,
    GroupNormalization,
    InstanceNormalization,
    LayerNormalization,
    RMSNormalization,
    WeightNormalization,
)
from zoo_regularizing import (
    L1L2,
    ActivityRegularization,
    Clip,
    DropBlock2D,
    Dropout,
    GroupLasso,
    MaxNorm,
    MinMaxNorm,
    NonNeg,
    StochasticDepth,
    UnitNorm,
)

LOAD = """
import sys
import keras
import numpy as np
import zoo

folder = sys.argv[1]
model = keras.saving.load_model(folder + "/model.keras")
np.save(folder + "/loaded.npy", model.predict(np.load(folder + "/x.npy"), verbose=0))
state = [keras.ops.convert_to_numpy(w) for w in model.non_trainable_weights]
np.savez(folder + "/state.npz", *state)
"""


def build() -> keras.Model:
    inputs = keras.Input(shape=(8, 8, 4))
    x = keras.layers.Conv2D(
        8,
        3,
        padding="same",
        kernel_regularizer=L1L2(1e-4, 1e-4),
        kernel_constraint=MaxNorm(2.0),
    )(inputs)
    x = BatchNormalization()(x)
    x = DropBlock2D(rate=0.1, block_size=3, seed=1)(x)
    x = GroupNormalization(groups=4)(x)
    x = InstanceNormalization()(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = WeightNormalization(keras.layers.Dense(16))(x)
    x = LayerNormalization()(x)
    branch = keras.layers.Dense(
        16, kernel_regularizer=GroupLasso(1e-3), kernel_constraint=UnitNorm()
    )(x)
    branch = StochasticDepth(rate=0.2, seed=2)(branch)
    x = keras.layers.Add()([x, branch])
    x = RMSNormalization()(x)
    x = Dropout(0.3, seed=3)(x)
    x = ActivityRegularization(l1=1e-4, l2=1e-4)(x)
    x = keras.layers.Dense(8, kernel_constraint=NonNeg(), bias_constraint=Clip(-0.5, 0.5))(x)
    outputs = keras.layers.Dense(1, kernel_constraint=MinMaxNorm(0.5, 1.0))(x)
    return keras.Model(inputs, outputs)


def test_every_object_of_both_families_trains_saves_and_loads_in_a_new_process(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 8, 8, 4)).astype("float32")
    y = rng.normal(size=(32, 1)).astype("float32")
    model = build()
    model.compile(optimizer="adam", loss="mse")
    moving_before = [keras.ops.convert_to_numpy(w) for w in model.non_trainable_weights]
    history = model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    moved = [
        not np.array_equal(b, keras.ops.convert_to_numpy(a))
        for b, a in zip(moving_before, model.non_trainable_weights, strict=False)
    ]
    assert any(moved), "batch normalization's moving statistics did not move in fit"
    # Regularizer penalties and the activity loss are all collected. Seen after a call
    # of the model: a JAX fit runs statelessly and leaves no added loss behind.
    model(x[:2])
    assert len(model.losses) == 3
    expected = model.predict(x, verbose=0)
    model.save(tmp_path / "model.keras")
    np.save(tmp_path / "x.npy", x)
    result = subprocess.run(
        [sys.executable, "-c", LOAD, str(tmp_path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    np.testing.assert_array_equal(np.load(tmp_path / "loaded.npy"), expected)
    state = np.load(tmp_path / "state.npz")
    for i, weight in enumerate(model.non_trainable_weights):
        np.testing.assert_array_equal(state[f"arr_{i}"], keras.ops.convert_to_numpy(weight))
