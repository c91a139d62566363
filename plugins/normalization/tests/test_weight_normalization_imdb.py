"""Acceptance: TF Addons' WeightNormalization example, an IMDB-style text classifier.

`Embedding -> WeightNormalization(Conv1D) -> ... -> WeightNormalization(Dense)` on
random integer sequences (no download) trains with data_init=True, saves to .keras,
and predicts the same in a new process that imports only `zoo`; the data-dependent
initialization is not redone there.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
from zoo_normalization import WeightNormalization

from zoo.testing.workers import fresh_process

VOCABULARY, LENGTH = 500, 40


def imdb_style_model() -> keras.Model:
    inputs = keras.Input(shape=(LENGTH,), dtype="int32")
    x = keras.layers.Embedding(VOCABULARY, 16)(inputs)
    x = WeightNormalization(keras.layers.Conv1D(16, 3, activation="relu"), data_init=True)(x)
    x = keras.layers.GlobalMaxPooling1D()(x)
    x = WeightNormalization(keras.layers.Dense(16, activation="relu"), data_init=True)(x)
    outputs = WeightNormalization(keras.layers.Dense(1, activation="sigmoid"), data_init=True)(x)
    return keras.Model(inputs, outputs)


def test_imdb_style_model_trains_saves_and_predicts_the_same_elsewhere(tmp_path: Path):
    rng = np.random.default_rng(0)
    x = rng.integers(1, VOCABULARY, size=(256, LENGTH)).astype("int32")
    # A learnable label: whether the sequence holds more small than large token ids.
    y = ((x < VOCABULARY // 2).mean(axis=1) > 0.5).astype("float32")
    model = imdb_style_model()
    wrappers = [layer for layer in model.layers if isinstance(layer, WeightNormalization)]
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=32, epochs=3, verbose=0)
    losses = history.history["loss"]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]
    for layer in wrappers:
        assert float(keras.ops.convert_to_numpy(layer.initialized)) == 1.0
    expected = keras.ops.convert_to_numpy(model.predict(x[:32], verbose=0))

    path = tmp_path / "imdb_weight_normalization.keras"
    model.save(path)
    loaded = fresh_process.load_and_predict(path, x[:32])
    np.testing.assert_allclose(loaded.outputs[0], expected, atol=1e-6)
    # The saved flags say "initialized", and loading kept them (no second initialization).
    state = dict(
        zip([w.path for w in model.non_trainable_weights], loaded.non_trainable, strict=True)
    )
    flags = [value for name, value in state.items() if name.endswith("initialized")]
    assert len(flags) == 3 and all(float(flag) == 1.0 for flag in flags)
