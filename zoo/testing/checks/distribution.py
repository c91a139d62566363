"""Conformance check of training over several devices: data-parallel over two
devices of this machine (``tf.distribute.MirroredStrategy`` on TensorFlow,
``keras.distribution.DataParallel`` on JAX), a layer trains to what one device
gives with the same global batch (see ``zoo.testing.workers.data_parallel``). PyTorch
has no data-parallel engine that Keras drives in one process: "n/a" there.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import keras
import numpy as np

from zoo.backends import backend
from zoo.registry import Registered
from zoo.registry.entries import LayerEntry
from zoo.testing.helpers import (
    assert_same,
    deterministic_in_training,
    example_input,
    is_model,
    layer_entry,
    model_around,
    to_numpy,
)
from zoo.testing.kit import Column, check
from zoo.testing.workers import data_parallel


def _distributed_model(entry: LayerEntry, x: np.ndarray) -> keras.Model:
    # The entry's distributed config is for tf.distribute's replicas (say, synchronized
    # batch statistics); keras.distribution on JAX computes on the global batch as is.
    overrides = entry.distributed_config if backend().distribution == "tf.distribute" else {}
    config = {**entry.make_config(), **overrides}
    if isinstance(entry.cls, type) and issubclass(entry.cls, keras.Model):
        model = entry.cls(**config)
        model(x)
        return model
    model = model_around(entry.make(**config), entry)
    # Replicas split every target along the batch axis: an output without one (the CRF's
    # chain kernel) is a weight shown, not a prediction to train towards.
    batched = [y for y in keras.tree.flatten(model.outputs) if y.shape[0] is None]
    if len(batched) < len(model.outputs):
        model = keras.Model(model.inputs, batched)
    return model


def distributed_setup(
    item: Registered, replicas: int
) -> tuple[np.ndarray, keras.Model, bool, list[np.ndarray] | None]:
    """The global batch (the example's size for each of `replicas`), the model to train
    on it, whether it draws random numbers in training, and its targets (None where the
    model brings its own loss)."""
    entry = layer_entry(item)
    x = example_input(entry, batch=replicas * entry.input_shape[0])
    model = _distributed_model(entry, x)
    random = not deterministic_in_training(model, x)
    targets: list[np.ndarray] | None = None
    if not (is_model(item) and entry.own_loss):
        rng = np.random.default_rng(3)
        targets = [rng.normal(size=y.shape).astype("float32") for y in to_numpy(model(x))]
    return x, model, random, targets


# Slow: a few seconds a layer, after the worker's start.
@check(
    "layer",
    slow=True,
    backends=tuple(data_parallel.SUPPORTED),
    warm=data_parallel.start,
    column=Column(50, "data parallel"),
)
def check_data_parallel(item: Registered) -> None:
    """Trained data-parallel on two CPU devices, it reaches one device's weights."""
    x, model, random, targets = distributed_setup(item, data_parallel.REPLICAS)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        trained = data_parallel.train_both(path, x, targets, [item.cls.__module__])
    engine = data_parallel.SUPPORTED[keras.backend.backend()]
    losses = trained.parallel_losses
    assert np.isfinite(losses).all(), f"training losses under {engine}: {losses}"
    for weight in trained.parallel_weights:
        assert np.isfinite(weight).all(), f"weights are not finite after training under {engine}"
    if random:
        # Each replica draws its own noise, so only finiteness can be compared.
        return
    what = f"after {data_parallel.STEPS} steps under {engine} vs one device"
    assert_same(trained.parallel_weights, trained.single_weights, f"weights {what}", 1e-4, 1e-4)
    assert_same(trained.parallel_outputs, trained.single_outputs, f"outputs {what}", 1e-4, 1e-4)
