"""The losses family's callbacks (TF Addons' ``tfa.callbacks``), registered by ``plugin``:
apart so that the registration of losses and metrics stays one readable module."""

from __future__ import annotations

import os
import tempfile
from typing import Any

import keras
import numpy as np

import zoo
from zoo_losses import AverageModelCheckpoint, TimeStopping


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


#: Where the example's checkpoint goes: one file per backend, removed before each example
#: fit and after each effect check, so a check without the callback finds none.
def _checkpoint_path() -> str:
    return os.path.join(
        tempfile.gettempdir(), f"zoo-average-checkpoint-{keras.backend.backend()}.keras"
    )


def _averaged_training(seed: int) -> tuple[keras.Model, dict[str, Any]]:
    """TF Addons' test setting: SGD(2.0) averaging with decay 0.5 (Keras' ema_momentum)."""
    if os.path.exists(_checkpoint_path()):
        os.remove(_checkpoint_path())
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(10, 3)).astype("float32")
    y = keras.ops.convert_to_numpy(keras.ops.softmax(rng.normal(size=(10, 2)).astype("float32")))
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(5, activation="relu"), keras.layers.Dense(2)]
    )
    optimizer = keras.optimizers.SGD(0.5, use_ema=True, ema_momentum=0.5)
    model.compile(optimizer=optimizer, loss="mean_squared_error")
    return model, {"x": x, "y": y, "epochs": 3, "batch_size": 5}


def _saved_the_averages(model: keras.Model, history: Any) -> float:
    """The file holds the averages of the last epoch, which fit leaves in the model too:
    a plain ModelCheckpoint would have saved the trained weights, which differ."""
    path = _checkpoint_path()
    assert os.path.exists(path), f"nothing saved at {path}"
    try:
        saved = keras.saving.load_model(path, compile=False).get_weights()
    finally:
        os.remove(path)
    gap = max(float(np.max(np.abs(a - b))) for a, b in zip(saved, model.get_weights(), strict=True))
    assert gap < 1e-6, f"the saved weights are {gap} from the averaged ones"
    return gap


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
        zoo.CallbackEntry(
            AverageModelCheckpoint,
            config={"update_weights": False, "filepath": _checkpoint_path(), "monitor": "loss"},
            example=_averaged_training,
            effect=_saved_the_averages,
            invalid_configs=(
                ({"update_weights": "yes"}, "update_weights"),
                ({"save_freq": "sometimes"}, "save_freq"),
                ({"filepath": "average.txt"}, "filepath"),
            ),
        ),
    ]
