"""Conformance check of model-parallel training on JAX: a layer whose entry says how
its weights shard (``LayerEntry.layout``) trains under
``keras.distribution.ModelParallel`` with the ``LayoutMap`` that ``zoo.layout_map``
makes from that hint, its weights really split over two devices, and ends with the
weights the unsharded layer reaches (see ``zoo.testing.workers.model_parallel``).

TensorFlow and PyTorch: "n/a" (``keras.distribution`` runs on JAX only); a layer
without a layout hint: "n/a" (it is replicated, which ``data_parallel`` checks).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from zoo.backends import where
from zoo.registry import Registered
from zoo.testing.helpers import (
    deterministic_in_training,
    example_input,
    is_model,
    layer_entry,
    model_around,
    to_numpy,
)
from zoo.testing.kit import Column, check
from zoo.testing.workers import model_parallel


def _has_layout(item: Registered) -> bool:
    return bool(getattr(item.entry, "layout", None))


# Slow: JAX's start-up in the worker once a session, then a few seconds a layer.
@check(
    "layer",
    slow=True,
    backends=where("model_parallel"),
    applies=_has_layout,
    warm=model_parallel.start,
    column=Column(70, "model parallel"),
)
def check_model_parallel(item: Registered) -> None:
    """Sharded over two devices by its layout hint (ModelParallel), it trains to the
    unsharded layer's weights."""
    entry = layer_entry(item)
    x = example_input(entry, batch=2 * entry.input_shape[0])
    if is_model(item):
        model = entry.make()
        model(x)
    else:
        model = model_around(entry.make(), entry)
    random = not deterministic_in_training(model, x)
    targets = None
    if not (is_model(item) and entry.own_loss):
        rng = np.random.default_rng(3)
        targets = [rng.normal(size=y.shape).astype("float32") for y in to_numpy(model(x))]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        hints = {item.keras_name: {k: list(v) for k, v in entry.layout.items()}}
        trained = model_parallel.train_both(path, x, targets, [item.cls.__module__], hints)
    engine = model_parallel.ENGINE
    hinted = sorted(entry.layout)
    assert trained.split, (
        f"no weight was split over the devices under {engine}, though the layout hint "
        f"names {hinted}: are the hint's weight names those of the layer's weights "
        f"({trained.names}), and do its sharded dimensions divide by {model_parallel.DEVICES}?"
    )
    assert np.isfinite(trained.losses).all(), f"training losses under {engine}: {trained.losses}"
    what = f"after {model_parallel.STEPS} steps under {engine} ({trained.split} split) vs unsharded"
    for name, found, expected in zip(
        trained.names, trained.sharded_weights, trained.single_weights, strict=True
    ):
        assert np.isfinite(found).all(), f"{name} is not finite {what}"
        seed_state = "int" in str(found.dtype)
        if random and not seed_state:
            continue  # the sharded computation draws its noise otherwise laid out
        np.testing.assert_allclose(
            found, expected, atol=1e-4, rtol=1e-4, err_msg=f"variable {name} {what}"
        )
