"""The losses family's callbacks (TF Addons' ``tfa.callbacks``), registered by ``plugin``:
apart so that the registration of losses and metrics stays one readable module."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

import zoo
from zoo_losses import TimeStopping


def _xor_training(seed: int) -> tuple[keras.Model, dict[str, Any]]:
    """TF Addons' test model: a Dense unit on the four XOR points, five epochs."""
    keras.utils.set_random_seed(seed)
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype="float32")
    y = np.array([[0], [1], [1], [0]], dtype="float32")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mean_squared_error")
    return model, {"x": x, "y": y, "epochs": 5, "batch_size": 2}


def _stopped_early(model: keras.Model, history: Any) -> int:
    """With a limit of 0 seconds it stops after the first of the five epochs."""
    assert len(history.epoch) == 1, f"fit ran {len(history.epoch)} epochs of 5, not 1"
    assert model.stop_training, "the model was not told to stop"
    return len(history.epoch)


@zoo.hookimpl
def register_callbacks() -> list[zoo.CallbackEntry]:
    return [
        zoo.CallbackEntry(
            TimeStopping,
            config={"seconds": 86400, "verbose": 0},
            example=_xor_training,
            effect=_stopped_early,
            effect_config={"seconds": 0},
            invalid_configs=(
                ({"seconds": -1}, "seconds"),
                ({"seconds": "a day"}, "seconds"),
                ({"verbose": -1}, "verbose"),
            ),
        ),
    ]
