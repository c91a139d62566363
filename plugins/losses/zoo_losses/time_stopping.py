"""`TimeStopping`: TF Addons' callback that stops training after a time limit."""

from __future__ import annotations

import datetime
import time
from typing import Any

import keras

from zoo.validation import is_int, is_real, require


@keras.saving.register_keras_serializable(package="zoo_losses")
class TimeStopping(keras.callbacks.Callback):
    """Stop training when a specified amount of time has passed.

    The time is checked at the end of each epoch: training stops after the
    first epoch that ends `seconds` or more after `fit` began (so an epoch
    under way is finished). The clock starts anew in each `fit`, also in one
    that `keras.callbacks.BackupAndRestore` resumes: the limit is on one run,
    as in TF Addons.

    Args:
        seconds: maximum amount of time before stopping, a number >= 0.
            Defaults to 86400 (1 day).
        verbose: verbosity mode, an integer >= 0; above 0 it prints the epoch
            it stopped at. Defaults to 0.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_losses import TimeStopping
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mean_squared_error")
    >>> x, y = np.zeros((4, 2), "float32"), np.zeros((4, 1), "float32")
    >>> history = model.fit(x, y, epochs=5, verbose=0, callbacks=[TimeStopping(seconds=0)])
    >>> len(history.epoch)
    1
    >>> history = model.fit(x, y, epochs=5, verbose=0, callbacks=[TimeStopping()])
    >>> len(history.epoch)
    5

    References:
        TensorFlow Addons, `tfa.callbacks.TimeStopping`.
    """

    def __init__(self, seconds: int = 86400, verbose: int = 0):
        super().__init__()
        require(is_real(seconds) and seconds >= 0, "seconds", seconds, "a number >= 0")
        require(is_int(verbose) and verbose >= 0, "verbose", verbose, "an integer >= 0")
        self.seconds = seconds
        self.verbose = verbose
        self.stopped_epoch: int | None = None
        self.stopping_time = 0.0

    def on_train_begin(self, logs: Any = None) -> None:
        self.stopped_epoch = None
        self.stopping_time = time.time() + self.seconds

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        if time.time() >= self.stopping_time:
            self.model.stop_training = True
            self.stopped_epoch = epoch

    def on_train_end(self, logs: Any = None) -> None:
        if self.stopped_epoch is not None and self.verbose > 0:
            formatted_time = datetime.timedelta(seconds=self.seconds)
            print(
                f"Timed stopping at epoch {self.stopped_epoch + 1} "
                f"after training for {formatted_time}"
            )

    def get_config(self) -> dict[str, Any]:
        return {"seconds": self.seconds, "verbose": self.verbose}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> TimeStopping:
        # keras.callbacks.Callback has none; Keras' deserialization needs one.
        return cls(**config)
