"""Conformance check that training resumes from a ``.keras`` file where it stopped.

A checkpoint is only as good as what it keeps: weights, moving statistics,
the state of random seeds and the optimizer's slots. If one of them is lost,
training resumed from the file drifts away from training that was never
interrupted, silently. (Metrics are left out: Keras resets them at every
epoch, and resumed training restarts an epoch from its beginning.)
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import keras
import numpy as np

from zoo.registry import Registered
from zoo.testing.helpers import (
    assert_same,
    example_input,
    is_model,
    layer_entry,
    model_around,
    to_numpy,
)
from zoo.testing.kit import Column, check

#: What ``fit`` takes as targets: one array, one per output, or none (a model with its own loss).
Targets = np.ndarray | list[np.ndarray] | None


def _compiled_model(item: Registered, x: np.ndarray) -> tuple[keras.Model, Targets]:
    """A model holding the layer (or the model itself), compiled with Adam; and its targets."""
    entry = layer_entry(item)
    own_loss = is_model(item) and entry.own_loss
    if is_model(item):
        model = entry.make()
        model(x)
    else:
        model = model_around(entry.make(), entry)
    targets: Targets = None
    if not own_loss:
        rng = np.random.default_rng(4)
        outputs = [rng.normal(size=y.shape).astype("float32") for y in to_numpy(model(x))]
        targets = outputs[0] if len(outputs) == 1 else outputs
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=None if own_loss else "mse")
    return model, targets


def _train(model: keras.Model, x: np.ndarray, targets: Targets, steps: int) -> None:
    model.fit(x, targets, batch_size=len(x), epochs=steps, shuffle=False, verbose=0)


@check("layer", column=Column(10, "serializable"))
def check_resume_from_keras_file(item: Registered) -> None:
    """Saved mid-training to .keras and loaded (safe_mode), it keeps its weights, seed
    states and optimizer state, and trains on exactly as the original."""
    x = example_input(layer_entry(item))
    model, targets = _compiled_model(item, x)
    _train(model, x, targets, steps=2)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        loaded = keras.saving.load_model(path)  # safe_mode=True, Keras' default
    state = "variables (weights, moving statistics, seed states) after loading"
    assert_same(loaded.variables, model.variables, state)
    assert_same(loaded.optimizer.variables, model.optimizer.variables, "optimizer state")
    _train(model, x, targets, steps=1)
    _train(loaded, x, targets, steps=1)
    assert_same(
        loaded.variables,
        model.variables,
        "variables after one more training step of the original and the loaded model",
        atol=1e-5,
        rtol=1e-5,
    )
