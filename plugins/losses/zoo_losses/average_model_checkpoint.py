"""`AverageModelCheckpoint`: TF Addons' checkpoint of a moving-average optimizer's weights."""

from __future__ import annotations

from typing import Any

import keras

from zoo.validation import check_bool


def _averaging_optimizer(model: keras.Model) -> Any:
    """The optimizer that keeps the averages: a LossScaleOptimizer's inner one."""
    optimizer = model.optimizer
    return getattr(optimizer, "inner_optimizer", optimizer)


@keras.saving.register_keras_serializable(package="zoo_losses")
class AverageModelCheckpoint(keras.callbacks.ModelCheckpoint):
    """A `ModelCheckpoint` that saves the averaged weights of a moving-average optimizer.

    Keras 3 optimizers keep an exponential moving average of the weights when
    made with `use_ema=True` (TF Addons' `MovingAverage` wrapper became that
    argument). Each time it saves, this callback writes the averaged weights
    instead of the trained ones. With `update_weights=True` the model keeps
    the averages afterwards, and training continues from them; with `False`
    the trained weights are put back after the save. (At the end of `fit`
    Keras itself puts the averages in the model, with or without this
    callback.)

    Args:
        update_weights: if `True`, assign the averaged weights to the model
            and save them; if `False`, save the averages and keep the
            trained weights.
        filepath: where to save, as for `keras.callbacks.ModelCheckpoint`
            (`.keras`, or `.weights.h5` with `save_weights_only=True`;
            `{epoch}` and logged values may be formatted in).
        monitor: as for `keras.callbacks.ModelCheckpoint`.
        verbose: as for `keras.callbacks.ModelCheckpoint`.
        save_best_only: as for `keras.callbacks.ModelCheckpoint`.
        save_weights_only: as for `keras.callbacks.ModelCheckpoint`.
        mode: as for `keras.callbacks.ModelCheckpoint`.
        save_freq: as for `keras.callbacks.ModelCheckpoint`.
        initial_value_threshold: as for `keras.callbacks.ModelCheckpoint`.

    Fitting raises `TypeError` if the model's optimizer keeps no averages
    (`use_ema=False`), as TF Addons' did for an optimizer that was no
    `MovingAverage`.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> import tempfile, os
    >>> from zoo_losses import AverageModelCheckpoint
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer=keras.optimizers.SGD(0.1, use_ema=True), loss="mse")
    >>> path = os.path.join(tempfile.mkdtemp(), "average.keras")
    >>> checkpoint = AverageModelCheckpoint(update_weights=False, filepath=path)
    >>> x, y = np.ones((8, 2), "float32"), np.ones((8, 1), "float32")
    >>> history = model.fit(x, y, epochs=2, verbose=0, callbacks=[checkpoint])
    >>> os.path.exists(path)
    True

    References:
        TensorFlow Addons, `tfa.callbacks.AverageModelCheckpoint`.
    """

    def __init__(
        self,
        update_weights: bool,
        filepath: str,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq: str | int = "epoch",
        initial_value_threshold: float | None = None,
    ) -> None:
        self.update_weights = check_bool("update_weights", update_weights)
        super().__init__(
            filepath,
            monitor=monitor,
            verbose=verbose,
            save_best_only=save_best_only,
            save_weights_only=save_weights_only,
            mode=mode,
            save_freq=save_freq,
            initial_value_threshold=initial_value_threshold,
        )
        # ModelCheckpoint keeps no config; these are what get_config returns.
        self._config = {
            "update_weights": self.update_weights,
            "filepath": self.filepath,
            "monitor": monitor,
            "verbose": verbose,
            "save_best_only": save_best_only,
            "save_weights_only": save_weights_only,
            "mode": mode,
            "save_freq": save_freq,
            "initial_value_threshold": initial_value_threshold,
        }

    def set_model(self, model: keras.Model) -> None:
        super().set_model(model)
        optimizer = _averaging_optimizer(model)
        if optimizer is not None and not getattr(optimizer, "use_ema", False):
            raise TypeError(
                "AverageModelCheckpoint is only used when training with an optimizer that "
                f"keeps moving averages of the weights (use_ema=True); got {optimizer!r}"
            )

    def _save_model(self, epoch: int, batch: int | None, logs: Any) -> None:
        # Overrides ModelCheckpoint's saving step, the one TF Addons' overrode too: the
        # decision when to save (save_freq, save_best_only) stays Keras'.
        model = self.model
        # On JAX the variables lag behind the training state between epochs; syncing
        # also makes the next step read the variables again, so an update sticks.
        sync = getattr(model, "jax_state_sync", None)
        if sync is not None:
            sync()
        variables = model.trainable_weights
        trained = None if self.update_weights else [keras.ops.copy(v.value) for v in variables]
        # Public API for "put the averages in the model": what fit does at its end.
        _averaging_optimizer(model).finalize_variable_values(variables)
        try:
            super()._save_model(epoch=epoch, batch=batch, logs=logs)
        finally:
            if trained is not None:
                for variable, value in zip(variables, trained, strict=True):
                    variable.assign(value)
            else:
                # On JAX the assignment shares the average's buffer; fit donates both
                # to the next step, which refuses a buffer given twice.
                for variable in variables:
                    variable.assign(keras.ops.copy(variable.value))

    def get_config(self) -> dict[str, Any]:
        return dict(self._config)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> AverageModelCheckpoint:
        # keras.callbacks.Callback has none; Keras' deserialization needs one.
        return cls(**config)
